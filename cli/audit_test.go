package cli

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testfs"
)

func TestAuditExitCodesAndFormats(t *testing.T) {
	clean := testfs.Tree(t, map[string]string{
		"Dockerfile":    "FROM debian:12.5\nCOPY app /app\nCMD [\"/app\"]\n",
		"app":           "bin",
		".dockerignore": ".git\n",
	})
	naive := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": "{}"})
	secret := testfs.Tree(t, map[string]string{"Dockerfile": "FROM debian:12.5\nCOPY . /app\n", "app": "x", ".env": "API_KEY=k3y", ".dockerignore": "x\n"})
	broken := testfs.Tree(t, map[string]string{"Dockerfile": "FROM debian:12\nCOPY --chmown=1 a b\n"})
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"audit", clean}, 0},
		{[]string{"audit", naive}, 0},                         // warnings only; default fail-on is error
		{[]string{"audit", "--fail-on", "warning", naive}, 1}, // ...unless asked
		{[]string{"audit", "--fail-on", "none", secret}, 0},
		// an input that could not be processed is exit 1 whatever the fail level
		{[]string{"audit", "--fail-on", "none", broken}, 1},
		{[]string{"audit", secret}, 1}, // LW123 is an error
		{[]string{"audit", "--fail-on", "sometimes", naive}, 2},
		{[]string{"audit", "-o", "yaml", naive}, 2},
	}
	for _, tc := range cases {
		code, out, stderr := run(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, stderr)
		}
	}
	// every format renders and parses; json and sarif carry the fixes
	for _, f := range []string{"json", "sarif", "gitlab"} {
		code, out, _ := run(t, "audit", "-o", f, "--fail-on", "none", naive)
		var v any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Errorf("%s: exit %d, not JSON:\n%s", f, code, out)
		}
		if carries := strings.Contains(out, `"replacements"`); carries != (f != "gitlab") {
			t.Errorf("%s: fixes present %v", f, carries)
		}
	}
	code, out, _ := run(t, "audit", "-o", "checkstyle", "--fail-on", "none", naive)
	var cs struct {
		Files []struct {
			Name string `xml:"name,attr"`
		} `xml:"file"`
	}
	if code != 0 || xml.Unmarshal([]byte(out), &cs) != nil || len(cs.Files) == 0 {
		t.Errorf("checkstyle: %s", out)
	}
	code, out, _ = run(t, "audit", "-o", "markdown", "--fail-on", "none", naive)
	if code != 0 || !strings.Contains(out, "## Recommendations, most costly first") || !strings.Contains(out, "LW101") {
		t.Errorf("markdown: %s", out)
	}
	// text: no colour when not a terminal, carets under the offending line
	_, out, _ = run(t, "audit", naive)
	if strings.Contains(out, "\x1b[") || !strings.Contains(out, "^^^^^^^^") {
		t.Errorf("text output:\n%s", out)
	}
}

func TestAuditConfigErrors(t *testing.T) {
	bad := testfs.Tree(t, map[string]string{"Dockerfile": "FROM scratch\n", ".layerwise.yaml": "fail-on: [\n"})
	code, _, stderr := run(t, "audit", bad)
	if code != 2 || !strings.Contains(stderr, ".layerwise.yaml") || !strings.Contains(stderr, "line") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
	unknown := testfs.Tree(t, map[string]string{"Dockerfile": "FROM debian:12.5\n", ".layerwise.yaml": "rules:\n  LW555: off\n"})
	code, out, _ := run(t, "audit", unknown)
	if code != 0 || !strings.Contains(out, ".layerwise.yaml:2: unknown rule \"LW555\"") {
		t.Errorf("unknown rule in config: exit %d\n%s", code, out)
	}
	// fail-on from the config file
	strict := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node\n", ".layerwise.yaml": "fail-on: warning\n"})
	if code, _, _ := run(t, "audit", strict); code != 1 {
		t.Errorf("fail-on from config: exit %d", code)
	}
}
