package generate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// The buildkitd.toml parses as TOML (one table per host) with the mirrors
// and plain-HTTP marks where they belong; daemon.json carries Docker Hub's
// mirrors only and says what it left out.
func TestMirrorFiles(t *testing.T) {
	opt := MirrorOptions{Mirrors: map[string][]string{
		"docker.io":            {"http://127.0.0.1:5001", "mirror.example.com/hub"},
		"registry.example.com": {"https://mirror.example.com/other"},
		"127.0.0.1:5002":       {"127.0.0.1:5003"},
	}, Insecure: []string{"127.0.0.1:5002"}}
	data, err := BuildkitdTOML(opt)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Registry map[string]struct {
			Mirrors []string `toml:"mirrors"`
			HTTP    bool     `toml:"http"`
		} `toml:"registry"`
	}
	if err := toml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	r := cfg.Registry
	if strings.Join(r["docker.io"].Mirrors, ",") != "127.0.0.1:5001,mirror.example.com/hub" || r["docker.io"].HTTP {
		t.Errorf("docker.io: %+v", r["docker.io"])
	}
	if !r["127.0.0.1:5001"].HTTP || !r["127.0.0.1:5002"].HTTP || r["127.0.0.1:5002"].Mirrors[0] != "127.0.0.1:5003" || r["mirror.example.com"].HTTP {
		t.Errorf("plain-HTTP marks: %+v", r)
	}
	daemon, notes, err := DaemonJSON(opt)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Mirrors  []string `json:"registry-mirrors"`
		Insecure []string `json:"insecure-registries"`
	}
	if err := json.Unmarshal(daemon, &d); err != nil || strings.Join(d.Mirrors, ",") != "http://127.0.0.1:5001,https://mirror.example.com/hub" || strings.Join(d.Insecure, ",") != "127.0.0.1:5001" {
		t.Errorf("daemon.json: %v %s", err, daemon)
	}
	if len(notes) != 2 {
		t.Errorf("notes %v", notes)
	}
	for _, bad := range []string{"docker.io", "=x", "a/b=c", "x=ftp://m", "x=http://"} {
		if _, _, err := ParseMirror(bad); err == nil {
			t.Errorf("ParseMirror(%q) accepted", bad)
		}
	}
}
