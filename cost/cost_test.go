package cost

import (
	"context"
	"github.com/layerwise/layerwise/engine"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
)

// gitRepo makes a repository with a naive Node service and commits: three
// to the sources, two to the docs, one to the manifest.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=dev@example.com", "-c", "user.name=dev"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(p, c string) {
		t.Helper()
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	write("web/Dockerfile", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n")
	write("web/package.json", `{"name":"web","scripts":{"build":"node build.js"}}`)
	write("web/package-lock.json", `{"lockfileVersion":3}`)
	write("web/src/app.js", "1")
	write("web/docs/guide.md", "1")
	write("web/node_modules/x/index.js", "junk")
	git("add", "-A")
	git("commit", "-q", "-m", "initial")
	for i, p := range []string{"web/src/app.js", "web/docs/guide.md", "web/src/app.js", "web/docs/guide.md", "web/src/app.js", "web/package.json"} {
		c := strings.Repeat("x", i+2)
		if p == "web/package.json" {
			c = `{"name":"web","version":"2","scripts":{"build":"node build.js"}}`
		}
		write(p, c)
		git("commit", "-q", "-am", "change "+p)
	}
	return root
}

func TestCostReplaysCommits(t *testing.T) {
	root := gitRepo(t)
	ctx := context.Background()
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	measured := map[engine.StepKey]float64{"stage-0#3 COPY . .": 0.5, "stage-0#4 RUN npm ci": 40, "stage-0#5 RUN npm run build": 10}
	rep, err := Run(ctx, repo, Options{Since: time.Now().Add(-90 * 24 * time.Hour),
		StepSeconds: func(context.Context, string) (map[engine.StepKey]float64, error) { return measured, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Commits != 7 || len(rep.Images) != 1 {
		t.Fatalf("%d commits, %d images, notes %v", rep.Commits, len(rep.Images), rep.Notes)
	}
	ic := rep.Images[0]
	// naive: every commit (the initial one too) re-runs COPY . ., npm ci
	// and the build: 50.5 s each
	if ic.Rebuilds != 7 || math.Abs(ic.Naive-50.5) > 1e-9 || ic.Basis != "measured" {
		t.Errorf("naive: %+v", ic)
	}
	// fixed: the manifests come first, so only the initial commit and the
	// manifest change re-run npm ci; the others re-run COPY . . and the
	// build (the install keeps its measured 40 s under its cache mount)
	if ic.Fixed <= 0 || ic.Fixed >= ic.Naive/2 || ic.FixedRebuilds != 7 {
		t.Errorf("fixed: %.2f s per commit (naive %.2f), %d rebuilds, %q", ic.Fixed, ic.Naive, ic.FixedRebuilds, ic.FixedNote)
	}
	byPath := map[string]PathCost{}
	for _, p := range ic.Paths {
		byPath[p.Path] = p
	}
	docs, ok := byPath["web/docs/"]
	if !ok || !docs.Unused || math.Abs(docs.Share-2.0/7) > 0.01 {
		t.Errorf("docs: %+v in %+v", docs, ic.Paths)
	}
	if src := byPath["web/src/"]; src.Unused || math.Abs(src.Share-3.0/7) > 0.01 {
		t.Errorf("src: %+v", src)
	}
}

// Without measured durations the steps are priced statically, and the
// report says so; a change the .dockerignore excludes costs nothing.
func TestStaticAndIgnored(t *testing.T) {
	root := gitRepo(t)
	ctx := context.Background()
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	im := repo.Images[0]
	b := Build{Model: im.Model, Context: im.Context, Dockerfile: im.Dockerfile, Ignore: []string{"docs"}}
	commits, err := Commits(ctx, root, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ic, err := Replay("web", b, nil, nil, commits)
	if err != nil {
		t.Fatal(err)
	}
	if ic.Basis != "static" || ic.Rebuilds != 5 || ic.FixedNote == "" {
		t.Errorf("%+v", ic)
	}
}
