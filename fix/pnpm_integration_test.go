package fix

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// TestPnpmWorkspaceFetchBuilds: LW101's rewrite of a pnpm workspace on a
// real build. The fixed Dockerfile builds the same output as the naive
// one; after a source change, with the builder's cache mounts pruned (as
// on a fresh CI builder whose layers come from a registry cache), the
// `pnpm fetch` step is cached and the install after the sources links
// every package from the store that step's layer holds: it downloads none
// (pnpm's own progress line says so), where the naive build downloads
// them all again.
func TestPnpmWorkspaceFetchBuilds(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	lock, err := os.ReadFile(filepath.Join("testdata", "pnpm-workspace-lock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Dockerfile": "FROM node:20-bookworm-slim AS build\nRUN npm install -g pnpm@9\nWORKDIR /app\nCOPY . .\n" +
			"RUN pnpm install --frozen-lockfile && pnpm --filter @ws/app build\n\n" +
			"FROM debian:bookworm-slim\nCOPY --from=build /app/packages/app/dist /dist\nCMD [\"cat\", \"/dist/out.txt\"]\n",
		"package.json":              `{"name":"ws","private":true}`,
		"pnpm-workspace.yaml":       "packages:\n  - packages/*\n",
		"pnpm-lock.yaml":            string(lock),
		"packages/lib/package.json": `{"name":"@ws/lib","version":"1.0.0","main":"index.js","dependencies":{"left-pad":"1.3.0"}}`,
		"packages/lib/index.js":     "module.exports = (s) => require('left-pad')(s, 8, '*');\n",
		"packages/app/package.json": `{"name":"@ws/app","version":"1.0.0","private":true,"scripts":{"build":"node build.js"},"dependencies":{"@ws/lib":"workspace:*","is-number":"7.0.0"}}`,
		"packages/app/build.js":     "require('fs').mkdirSync('dist', {recursive: true});\nrequire('fs').writeFileSync('dist/out.txt', require('@ws/lib')('v1') + ' ' + require('is-number')(5) + '\\n');\n",
	}
	ctx := context.Background()
	naive := testfs.Tree(t, files)
	fixed := testfs.Tree(t, files)
	disc, err := discover.Discover(ctx, fixed, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var df []byte
	for _, f := range res.Files {
		if err := atomicfile.Write(f.Abs, f.After, 0o644); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f.Abs) == "Dockerfile" {
			df = f.After
		}
	}
	if !strings.Contains(string(df), "COPY pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm fetch\nCOPY . .\n") {
		t.Fatalf("no fetch step before the sources:\n%s\n%+v", df, res.Notes)
	}
	defer exec.Command("docker", "rmi", "-f", "layerwise-test/pnpm:naive", "layerwise-test/pnpm:fixed").Run()
	buildImage(t, naive, "layerwise-test/pnpm:naive")
	buildImage(t, fixed, "layerwise-test/pnpm:fixed")
	if a, b := runOffline(t, "layerwise-test/pnpm:naive"), runOffline(t, "layerwise-test/pnpm:fixed"); a != "******v1 true" || b != a {
		t.Fatalf("naive prints %q, fixed %q", a, b)
	}
	if out, err := exec.Command("docker", "buildx", "prune", "-f", "--filter", "type=exec.cachemount").CombinedOutput(); err != nil {
		t.Fatalf("pruning the cache mounts: %v\n%s", err, out)
	}
	// a change no earlier run made: its install step cannot be cached
	v2 := fmt.Sprint("v", time.Now().UnixNano())
	src := strings.Replace(files["packages/app/build.js"], "'v1'", "'"+v2+"'", 1)
	if err := os.WriteFile(filepath.Join(fixed, "packages", "app", "build.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "buildx", "build", "--progress=plain", "-t", "layerwise-test/pnpm:fixed", fixed).CombinedOutput()
	if err != nil {
		t.Fatalf("rebuild after a source change, mounts empty: %v\n%s", err, out)
	}
	if !regexpCached(string(out), "pnpm fetch") {
		t.Errorf("the fetch step re-ran after a source change:\n%s", out)
	}
	// pnpm fetch fills the store and the virtual store (node_modules/.pnpm)
	// from the lockfile: the install finds every package there
	if regexp.MustCompile(`downloaded [1-9]`).Match(out) || !strings.Contains(string(out), "Already up to date") {
		t.Errorf("the install after the sources fetched packages the fetch step's layer holds:\n%s", out)
	}
	if got := runOffline(t, "layerwise-test/pnpm:fixed"); got != v2+" true" {
		t.Errorf("after the source change the fixed image prints %q", got)
	}
}
