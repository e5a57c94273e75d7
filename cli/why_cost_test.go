package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testfs"
)

// why and cost read the history read-only and say what is missing.
func TestWhyAndCostErrors(t *testing.T) {
	good := testfs.Tree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"why", good}, "name the image (--image NAME)"},
		{[]string{"why", "--image", "x", good}, "no build history at"},
		{[]string{"why", "--build", "abc", "--history", filepath.Join(good, "h.db"), good}, "no build history at"},
		{[]string{"cost", good}, "git log"},
		{[]string{"cost", "--since", "soon", good}, "--since"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != 2 && code != 1 || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, %q", tc.args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(good, ".layerwise")); err == nil {
		t.Error("a read-only command created the history")
	}
}

// cost on a git repository: text and JSON with the image's figures.
func TestCostCommand(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := testfs.Tree(t, map[string]string{"web/Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "web/package.json": "{}", "web/docs/a.md": "1"})
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=dev@example.com", "-c", "user.name=dev"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "one")
	os.WriteFile(filepath.Join(root, "web/docs/a.md"), []byte("2"), 0o644)
	git("commit", "-qam", "docs")
	code, out, stderr := run(t, "cost", root)
	if code != 0 || !strings.Contains(out, "2 commits since") || !strings.Contains(out, "changes under web/docs/ caused 50%") || !strings.Contains(out, "static estimates") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = run(t, "cost", "-o", "json", root)
	var rep struct {
		Commits int `json:"commits"`
		Images  []struct {
			Image string  `json:"image"`
			Naive float64 `json:"naiveSecondsPerCommit"`
			Fixed float64 `json:"fixedSecondsPerCommit"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Commits != 2 || len(rep.Images) != 1 || rep.Images[0].Fixed >= rep.Images[0].Naive {
		t.Errorf("json: %v %+v\n%s", err, rep, out)
	}
}

// generate monitoring writes both files; --check fails once one is stale.
func TestGenerateMonitoring(t *testing.T) {
	root := t.TempDir()
	if code, out, stderr := run(t, "generate", "monitoring", "--threshold", "30%", root); code != 0 || !strings.Contains(out, "build-metrics.yml") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	rules, err := os.ReadFile(filepath.Join(root, "monitoring", "build-metrics.yml"))
	if err != nil || !strings.Contains(string(rules), "layerwise:build_duration:slowdown_ratio > 1.3") {
		t.Errorf("rules: %v\n%s", err, rules)
	}
	if code, _, _ := run(t, "generate", "monitoring", "--check", "--threshold", "30%", root); code != 0 {
		t.Errorf("--check on fresh files: exit %d", code)
	}
	if code, _, stderr := run(t, "generate", "monitoring", "--check", root); code != 1 || !strings.Contains(stderr, "stale") {
		t.Errorf("--check with another threshold: exit %d %q", code, stderr)
	}
}

// generate bake and compose write their files; --check notices a stale one.
func TestGenerateBuildFiles(t *testing.T) {
	root := testfs.Tree(t, map[string]string{"compose.yaml": "services:\n  base: {image: \"example/base:dev\", build: ./base}\n  app: {build: ./app}\n",
		"base/Dockerfile": "FROM busybox:1.36\n", "app/Dockerfile": "FROM example/base:dev\n"})
	for _, kind := range []string{"bake", "compose"} {
		if code, out, stderr := run(t, "generate", kind, "--cache", "registry=registry.example.com/cache", root); code != 0 || !strings.Contains(out, "wrote") {
			t.Fatalf("%s: exit %d %s %s", kind, code, out, stderr)
		}
		if code, _, _ := run(t, "generate", kind, "--check", "--cache", "registry=registry.example.com/cache", root); code != 0 {
			t.Errorf("%s --check: exit %d", kind, code)
		}
		if code, _, _ := run(t, "generate", kind, "--check", root); code != 1 {
			t.Errorf("%s --check with another cache: exit %d", kind, code)
		}
	}
	bake, _ := os.ReadFile(filepath.Join(root, "docker-bake.hcl"))
	if !strings.Contains(string(bake), `"example/base:dev" = "target:base"`) || !strings.Contains(string(bake), "registry.example.com/cache/app:buildcache") {
		t.Errorf("bake file:\n%s", bake)
	}
	if code, _, stderr := run(t, "generate", "bake", "--cache", "s3", root); code != 2 || !strings.Contains(stderr, "--cache") {
		t.Errorf("bad --cache: exit %d %q", code, stderr)
	}
	// the generated bake file is not read back as the images' definitions
	if code, out, _ := run(t, "ls", root); code != 0 || strings.Contains(out, "bake") {
		t.Errorf("ls after generate bake:\n%s", out)
	}
}

// generate ci writes the CI's file at its default path and checks it.
func TestGenerateCI(t *testing.T) {
	root := t.TempDir()
	if code, _, stderr := run(t, "generate", "ci", root); code != 2 || !strings.Contains(stderr, "--github") {
		t.Errorf("no CI named: exit %d %q", code, stderr)
	}
	for flag, file := range map[string]string{"--github": ".github/workflows/layerwise.yml", "--gitlab": ".gitlab-ci.yml"} {
		if code, _, stderr := run(t, "generate", "ci", flag, "--image", "api", root); code != 0 {
			t.Fatalf("%s: exit %d %s", flag, code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(root, file))
		if err != nil || !strings.Contains(string(data), "layerwise build . --image api --build-cache") {
			t.Errorf("%s: %v\n%s", file, err, data)
		}
		if code, _, _ := run(t, "generate", "ci", flag, "--check", root); code != 1 {
			t.Errorf("%s --check without --image: exit %d, want stale", flag, code)
		}
	}
	if code, _, stderr := run(t, "generate", "ci", "--github", "--cache", "s3", root); code != 2 || !strings.Contains(stderr, "s3") {
		t.Errorf("bad cache: exit %d %q", code, stderr)
	}
}

func TestGenerateMirror(t *testing.T) {
	root := t.TempDir()
	if code, _, stderr := run(t, "generate", "mirror", root); code != 2 || !strings.Contains(stderr, "--mirror") {
		t.Errorf("no mirror: exit %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "generate", "mirror", "--mirror", "nonsense", root); code != 2 || !strings.Contains(stderr, "REGISTRY=MIRROR") {
		t.Errorf("bad mirror: exit %d %q", code, stderr)
	}
	code, _, stderr := run(t, "generate", "mirror", "--mirror", "registry.example.com=http://127.0.0.1:5001", root)
	toml, err := os.ReadFile(filepath.Join(root, "mirror", "buildkitd.toml"))
	if code != 0 || err != nil || !strings.Contains(string(toml), `mirrors = ["127.0.0.1:5001"]`) || !strings.Contains(stderr, "Docker Hub only") {
		t.Errorf("exit %d %v %q\n%s", code, err, stderr, toml)
	}
}

// fix --shared-base shows the rewrite as a diff and writes it with
// --write, the new base's directory included.
func TestFixSharedBase(t *testing.T) {
	install := "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n"
	root := testfs.Tree(t, map[string]string{"a/Dockerfile": "FROM debian:bookworm-slim\n" + install + "COPY . /a\n", "b/Dockerfile": "FROM debian:bookworm-slim\n" + install + "COPY . /b\n"})
	code, out, stderr := run(t, "fix", "--no-inspect", "--shared-base", root)
	if code != 0 && code != 1 || !strings.Contains(out, "+++ b/base-images/debian-bookworm-slim-") || !strings.Contains(out, "+FROM layerwise.local/base-images-debian-bookworm-slim-") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr := run(t, "fix", "--no-inspect", "--shared-base", "--write", root); code != 0 {
		t.Fatalf("--write: exit %d %s", code, stderr)
	}
	bases, _ := filepath.Glob(filepath.Join(root, "base-images", "*", "Dockerfile"))
	a, _ := os.ReadFile(filepath.Join(root, "a", "Dockerfile"))
	if len(bases) != 1 || !strings.HasPrefix(string(a), "FROM layerwise.local/base-images-") {
		t.Errorf("bases %v, a:\n%s", bases, a)
	}
}
