package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/internal/testfs"
)

func TestFixCommand(t *testing.T) {
	repo := testfs.Tree(t, map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"package.json": "{}",
		".env":         "SECRET=s3cr3t",
	})
	orig, _ := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	code, out, _ := run(t, "fix", repo)
	if code != 0 || !strings.Contains(out, "+COPY package.json ./") || !strings.Contains(out, "+++ b/.dockerignore") {
		t.Fatalf("diff: exit %d\n%s", code, out)
	}
	if now, _ := os.ReadFile(filepath.Join(repo, "Dockerfile")); string(now) != string(orig) {
		t.Fatalf("fix without --write changed the file")
	}
	if code, _, _ := run(t, "fix", "--check", repo); code != 1 {
		t.Errorf("--check with fixes pending: exit %d", code)
	}
	code, _, stderr := run(t, "fix", "--write", repo)
	if code != 0 || !strings.Contains(stderr, "wrote Dockerfile") || !strings.Contains(stderr, "wrote .dockerignore") {
		t.Fatalf("--write: exit %d %s", code, stderr)
	}
	now, _ := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if !strings.Contains(string(now), "COPY package.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .") {
		t.Errorf("written Dockerfile:\n%s", now)
	}
	if ign, _ := os.ReadFile(filepath.Join(repo, ".dockerignore")); !strings.Contains(string(ign), "/.env") {
		t.Errorf("written .dockerignore:\n%s", ign)
	}
	// the fixed repository has nothing left to fix
	code, out, _ = run(t, "fix", "--check", repo)
	if code != 0 || out != "" {
		t.Errorf("after --write: exit %d\n%s", code, out)
	}
	// json
	code, out, _ = run(t, "fix", "-o", "json", repo)
	var res fix.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Errorf("json: %d %s", code, out)
	}
	// a rule without a fix of its own is refused, context rules included
	// (LW121 is not resolved by the .dockerignore rewrite), and the rule
	// list says the same
	for _, id := range []string{"LW109", "LW121", "LW106"} {
		if code, _, _ := run(t, "fix", "--rule", id, repo); code != 2 {
			t.Errorf("--rule %s, a rule without a fix: exit %d", id, code)
		}
	}
	if code, _, _ := run(t, "fix", "--rule", "LW120", repo); code != 0 {
		t.Errorf("--rule LW120: exit %d", code)
	}
	code, out, _ = run(t, "rules", "-o", "json")
	var list []struct {
		ID      string `json:"id"`
		Fixable bool   `json:"fixable"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("rules: %d %s", code, out)
	}
	fixable := map[string]bool{}
	for _, r := range list {
		fixable[r.ID] = r.Fixable
	}
	for id, want := range map[string]bool{"LW101": true, "LW120": true, "LW124": true, "LW106": false, "LW121": false, "LW109": false} {
		if fixable[id] != want {
			t.Errorf("rules says %s fixable=%v, want %v", id, fixable[id], want)
		}
	}
}

func TestWriteFixRefusesStaleFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	os.WriteFile(p, []byte("FROM a\n"), 0o644)
	f := &fix.FileFix{Path: "Dockerfile", Abs: p, Before: []byte("FROM a\n"), After: []byte("FROM b\n")}
	os.WriteFile(p, []byte("FROM changed\n"), 0o644)
	if err := writeFix(f, dir); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("changed file: %v", err)
	}
	os.Remove(p)
	if err := writeFix(f, dir); err == nil || !strings.Contains(err.Error(), "vanished") {
		t.Errorf("vanished file: %v", err)
	}
	if data, err := os.ReadFile(p); err == nil {
		t.Errorf("a vanished file was recreated: %q", data)
	}
}

// TestFixWritesNothingWhenABuildFileIsUnreadable: review 30 (stalwart):
// an unreadable compose or bake file hides how its images are built, so
// `fix --write` exits 1 and writes nothing (the diff is still shown).
func TestFixWritesNothingWhenABuildFileIsUnreadable(t *testing.T) {
	df := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":          "services:\n  app:\n    build: [\n",
		"app/Dockerfile":        df,
		"app/package.json":      "{}",
		"app/package-lock.json": "{}",
	})
	code, out, stderr := run(t, "fix", "--write", root)
	if code == 0 || !strings.Contains(stderr, "nothing written") || !strings.Contains(out, "+COPY package-lock.json package.json ./") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "app", "Dockerfile")); string(got) != df {
		t.Errorf("written:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(root, "app", ".dockerignore")); err == nil {
		t.Error(".dockerignore written")
	}
}
