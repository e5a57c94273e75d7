package fix

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// A base image that runs as a non-root user (1001) and sets the tool's
// cache location by env, as the Jupyter and Bitnami images do: nothing of
// it is written in the service's Dockerfile.
const nonRootBaseTag = "layerwise-test/nonroot-node:1"

func makeNonRootBase(t *testing.T) {
	t.Helper()
	dir := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20-bookworm-slim\n" +
		"RUN useradd -u 1001 -m -d /home/app app\n" +
		"ENV HOME=/home/app npm_config_cache=/home/app/.cache/npm\n" +
		"USER 1001\nWORKDIR /home/app\n"})
	buildImage(t, dir, nonRootBaseTag)
}

// TestCacheMountWhereANonRootBaseWrites: the fix reads the base image's
// user and environment from the engine and mounts npm's cache where npm
// writes for that user, owned by it; the real build of the rewrite works
// and the cache stays out of the image. Without the inspection the fix
// refuses (the user is not known) rather than guess /root/.npm.
func TestCacheMountWhereANonRootBaseWrites(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	makeNonRootBase(t)
	files := map[string]string{
		"Dockerfile":   "FROM " + nonRootBaseTag + "\nCOPY package.json ./\nRUN npm install --no-audit --no-fund\nCMD [\"node\", \"-e\", \"require('is-number')\"]\n",
		"package.json": `{"name":"svc","version":"1.0.0","dependencies":{"is-number":"7.0.0"}}`,
	}
	root := testfs.Tree(t, files)
	ctx := context.Background()

	// without the base image's config: refused, and said why
	disc, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{Config: config.Default(), Rules: []string{"LW102"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 0 || !notesSay(res.Notes, "not known here") {
		t.Fatalf("without inspection the fix must refuse: files %d notes %+v", len(res.Files), res.Notes)
	}

	// with it: the mount sits at the env's cache, owned by uid 1001
	disc, err = discover.Discover(ctx, root, discover.Options{BaseImages: baseimage.New("docker").Configs})
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(ctx, disc, Options{Config: config.Default(), Rules: []string{"LW102"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 {
		t.Fatalf("no fix: %+v", res.Notes)
	}
	after := string(res.Files[0].After)
	want := "RUN --mount=type=cache,target=/home/app/.cache/npm,uid=1001,gid=1001 npm install --no-audit --no-fund"
	if !strings.Contains(after, want) {
		t.Fatalf("rewrite:\n%s\nwant the line %q", after, want)
	}
	fixed := testfs.Tree(t, map[string]string{"Dockerfile": after, "package.json": files["package.json"]})
	buildImage(t, fixed, "layerwise-test/nonroot-svc:fixed")
	out, err := exec.Command("docker", "run", "--rm", "layerwise-test/nonroot-svc:fixed", "sh", "-c",
		"node -e \"require('is-number')\" && echo loads; ls -A /home/app/.cache/npm 2>/dev/null | wc -l").CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 || lines[0] != "loads" || lines[1] != "0" {
		t.Errorf("the dependency must load and npm's cache must not be in the image: %q", out)
	}
}

func notesSay(ns []Note, s string) bool {
	for _, n := range ns {
		if strings.Contains(n.Reason, s) {
			return true
		}
	}
	return false
}

// TestSameAnswerWithAndWithoutBaseImages: fix of the examples (a Python
// base built in the repository, services FROM it) writes the same files
// whether the engine holds the base images or not (a fresh CI runner,
// --no-inspect), so that fix --check passes on one machine exactly when it
// passes on the next.
func TestSameAnswerWithAndWithoutBaseImages(t *testing.T) {
	testengine.RequireExampleBaseImages(t)
	ctx := context.Background()
	run := func(bases bool) map[string]string {
		opt := discover.Options{}
		if bases {
			opt.BaseImages = baseimage.New("docker").Configs
		}
		disc, err := discover.Discover(ctx, "../examples", opt)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(ctx, disc, Options{Config: config.Default()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range res.Files {
			out[f.Path] = string(f.After)
		}
		return out
	}
	with, without := run(true), run(false)
	if len(with) == 0 {
		t.Fatal("no fix for the examples")
	}
	for p, a := range with {
		if b, ok := without[p]; !ok {
			t.Errorf("%s: fixed only with the base images present", p)
		} else if a != b {
			t.Errorf("%s differs:\nwith the base images:\n%s\nwithout:\n%s", p, a, b)
		}
	}
	for p := range without {
		if _, ok := with[p]; !ok {
			t.Errorf("%s: fixed only without the base images", p)
		}
	}
}
