package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/engine/ephemeral"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

func TestBuildCacheMountsUsage(t *testing.T) {
	repo := testfs.Tree(t, map[string]string{"Dockerfile": "FROM busybox:1.36\n"})
	code, _, stderr := run(t, "build", "--cache-mounts", filepath.Join(t.TempDir(), "s"), "--cache-mounts-max-size", "lots", repo)
	if code != 2 || !strings.Contains(stderr, "--cache-mounts-max-size") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	for in, want := range map[string]int64{"2GiB": 2 << 30, "500MB": 500e6, "1000": 1000, "1.5kB": 1500} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// layerwise build --cache-mounts on the Docker Engine's builder (buildx,
// docker driver) saves the image's cache mount; a fresh buildkitd
// restores it (the BuildKit client backend); the plain backend, on the
// Engine whose mount is full, keeps the builder's own. Every backend
// exports the helper's files (Request.OutputDir).
func TestBuildCacheMounts(t *testing.T) {
	testengine.RequireBuildkitd(t)
	dir := t.TempDir()
	helper := filepath.Join(dir, "layerwise")
	cmd := exec.Command("go", "build", "-o", helper, "github.com/layerwise/layerwise/cmd/layerwise")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the helper: %v\n%s", err, out)
	}
	b := make([]byte, 6)
	rand.Read(b)
	id := "lwtest-" + hex.EncodeToString(b) // a mount no other build has
	repo := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN --mount=type=cache,id=" + id + ",target=/cache sh -c 'test -f /cache/seen || date > /cache/seen'\n",
	})
	store := filepath.Join(dir, "store")
	type report struct {
		Outcomes []struct {
			Status      string             `json:"status"`
			CacheMounts *cachemount.Report `json:"cacheMounts"`
		} `json:"outcomes"`
	}
	buildWith := func(args ...string) *cachemount.MountReport {
		t.Helper()
		args = append([]string{"build", "--no-history", "-o", "json", "--cache-mounts", store, "--cache-mounts-helper", helper, "--cache-mounts-branch", "main"}, append(args, repo)...)
		code, out, stderr := run(t, args...)
		var rep report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Outcomes) != 1 || rep.Outcomes[0].CacheMounts == nil || len(rep.Outcomes[0].CacheMounts.Mounts) != 1 {
			t.Fatalf("%v: exit %d %v\n%s\n%s", args, code, err, out, stderr)
		}
		return rep.Outcomes[0].CacheMounts.Mounts[0]
	}
	m := buildWith("--backend", "buildx")
	if m.Restore.Key != nil || m.Save == nil || m.Save.Error != "" || m.Save.Files != 1 || len(m.Save.Keys) != 1 {
		t.Fatalf("buildx: restore %+v save %+v", m.Restore, m.Save)
	}
	m = buildWith("--backend", "buildkit", "--buildkit-addr", freshBuildkitd(t))
	if !m.Restore.Hit() || m.Restore.Files != 1 || m.Save.Error != "" || m.Save.Files != 1 {
		t.Fatalf("buildkit, fresh: restore %+v save %+v", m.Restore, m.Save)
	}
	if !m.Save.Unchanged {
		// once in a full suite on a loaded machine the build rewrote the
		// restored file (the save's archive differed by a byte): logged
		// until it is understood, see the closing note of issue 22
		t.Logf("buildkit, fresh: the restored mount was stored again: restore %+v save %+v", m.Restore, m.Save)
	}
	if _, err := exec.LookPath("/usr/bin/docker"); err == nil {
		m = buildWith("--backend", "plain")
		if m.Restore.Skipped == "" || m.Save.Error != "" || m.Save.Files != 1 {
			t.Fatalf("plain: restore %+v save %+v", m.Restore, m.Save)
		}
	}
	// the table
	code, out, stderr := run(t, "build", "--no-history", "--cache-mounts", store, "--cache-mounts-helper", helper, "--cache-mounts-branch", "main", repo)
	if code != 0 || !strings.Contains(out, "Cache mounts ("+store) || !strings.Contains(out, "kept the builder's") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
}

// freshBuildkitd starts a buildkitd with an empty state directory that
// pulls from the loopback registry; it stops with the test.
func freshBuildkitd(t *testing.T) string {
	t.Helper()
	d, err := ephemeral.Start(t.Context(), ephemeral.Options{Config: []byte("[registry.\"127.0.0.1:5000\"]\n  http = true\n")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return d.Addr
}
