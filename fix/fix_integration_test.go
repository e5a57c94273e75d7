package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
	"github.com/layerwise/layerwise/measure"
)

const fakeNodeTag = testengine.FakeNodeTag

func makeFakeNode(t *testing.T) { testengine.MakeFakeNode(t) }

// naiveService is a Node service written the way the examples are, with
// junk in its context.
func naiveService(t *testing.T) string {
	return testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM " + fakeNodeTag + "\nWORKDIR /app\n# everything in\nCOPY . .\nRUN npm install\nRUN npm run build\n" +
			"ENV NODE_ENV=production\nUSER 0\nLABEL org.example.team=web\nEXPOSE 3000\nHEALTHCHECK CMD [\"npm\", \"start\"]\nCMD [\"npm\", \"start\"]\n",
		"package.json":             `{"name":"web","dependencies":{"left-pad":"1.3.0"}}`,
		"package-lock.json":        `{"lockfileVersion":3}`,
		"src/server.js":            "console.log('hello')\n",
		"src/routes.js":            "module.exports = {}\n",
		"node_modules/left-pad/x":  "stale copy from the developer's machine\n",
		".git/objects/pack/p.pack": strings.Repeat("g", 4096),
		".env":                     "SECRET=s3cr3t\n",
		"README.md":                "# web\n",
	})
}

func buildImage(t *testing.T, dir, tag string) {
	t.Helper()
	if out, err := exec.Command("docker", "buildx", "build", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, out)
	}
}

// buildImageFile builds context dir with the Dockerfile at dockerfile
// (relative to dir).
func buildImageFile(t *testing.T, dir, dockerfile, tag string) {
	t.Helper()
	if out, err := exec.Command("docker", "buildx", "build", "-f", filepath.Join(dir, dockerfile), "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("build %s (%s): %v\n%s", dir, dockerfile, err, out)
	}
}

type imageConfig struct {
	Entrypoint   []string
	Cmd          []string
	Env          []string
	User         string
	WorkingDir   string
	ExposedPorts map[string]any
	Labels       map[string]string
	Healthcheck  any
}

func configOf(t *testing.T, tag string) imageConfig {
	t.Helper()
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{json .Config}}", tag).Output()
	if err != nil {
		t.Fatal(err)
	}
	var c imageConfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// sameConfig fails the test when two image configs differ, but for the
// env variables named in toolchainEnv (a multi-stage rewrite drops the
// toolchain's own env with the toolchain).
func sameConfig(t *testing.T, before, after imageConfig, toolchainEnv ...string) {
	t.Helper()
	strip := func(env []string) []string {
		var out []string
		for _, e := range env {
			if k, _, _ := strings.Cut(e, "="); !slices.Contains(toolchainEnv, k) {
				out = append(out, e)
			}
		}
		return out
	}
	before.Env, after.Env = strip(before.Env), strip(after.Env)
	if len(toolchainEnv) > 0 {
		// a runtime stage on another base: the recipe label our base
		// images carry (scripts/make-base-images.sh) is the base's, not
		// the service's
		delete(before.Labels, "layerwise.base-recipe")
		delete(after.Labels, "layerwise.base-recipe")
	}
	bj, _ := json.Marshal(before)
	aj, _ := json.Marshal(after)
	if string(bj) != string(aj) {
		t.Errorf("image config changed (toolchain env %v aside):\nbefore %s\nafter  %s", toolchainEnv, bj, aj)
	}
}

// appFiles lists /app in the image with each file's checksum.
func appFiles(t *testing.T, tag string) map[string]string {
	t.Helper()
	out, err := exec.Command("docker", "run", "--rm", "--entrypoint", "sh", tag, "-c", "cd /app && find . -type f | sort | xargs md5sum").Output()
	if err != nil {
		t.Fatalf("listing /app in %s: %v", tag, err)
	}
	files := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		sum, name, ok := strings.Cut(l, "  ")
		if ok {
			files[strings.TrimPrefix(name, "./")] = sum
		}
	}
	return files
}

// TestFixedServiceBuildsTheSameImageFaster: the naive service and its
// `layerwise fix --write` version both build; the fixed one keeps its
// install cached across a source change; the image config is unchanged; the
// application files are the same, but for what the fix stops sending on
// purpose (listed in its notes).
func TestFixedServiceBuildsTheSameImageFaster(t *testing.T) {
	testengine.Require(t)
	makeFakeNode(t)
	ctx := context.Background()
	naive := naiveService(t)
	fixed := t.TempDir()
	if out, err := exec.Command("cp", "-a", naive+"/.", fixed).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	disc, err := discover.Discover(ctx, fixed, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 {
		t.Fatalf("want a Dockerfile and a .dockerignore rewrite, got %+v", res.Files)
	}
	var dropped []string
	for _, n := range res.Notes {
		if strings.Contains(n.Reason, "is no longer sent") {
			dropped = append(dropped, strings.TrimPrefix(strings.Fields(n.Reason)[0], "/"))
		}
	}
	rewritten := map[string]bool{} // the build definition itself, not application files
	for _, f := range res.Files {
		if err := atomicfile.Write(f.Abs, f.After, 0o644); err != nil {
			t.Fatal(err)
		}
		rewritten[f.Path] = true
	}

	buildImage(t, naive, "layerwise-test/fix:naive")
	buildImage(t, fixed, "layerwise-test/fix:fixed")

	sameConfig(t, configOf(t, "layerwise-test/fix:naive"), configOf(t, "layerwise-test/fix:fixed"))

	bf, af := appFiles(t, "layerwise-test/fix:naive"), appFiles(t, "layerwise-test/fix:fixed")
	skip := func(p string) bool {
		if rewritten[p] {
			return true
		}
		for _, d := range dropped {
			if p == d || strings.HasPrefix(p, d+"/") {
				return true
			}
		}
		return false
	}
	var diffs []string
	for p, sum := range bf {
		if skip(p) && p != "node_modules/.installed" {
			continue
		}
		if af[p] != sum {
			diffs = append(diffs, "changed or missing: "+p)
		}
	}
	for p := range af {
		if _, ok := bf[p]; !ok && !rewritten[p] {
			diffs = append(diffs, "new: "+p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("application files differ (dropped on purpose: %v): %v", dropped, diffs)
	}
	for _, must := range []string{"node_modules/.installed", "dist/server.js", "src/server.js", "package.json"} {
		if af[must] == "" {
			t.Errorf("%s missing from the fixed image", must)
		}
	}

	// the source-change scenario: the naive install re-runs, the fixed one is cached
	installCached := func(dir string) bool {
		d, err := discover.Discover(ctx, dir, discover.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := measure.Image(ctx, d.Images[0], measure.Options{Builder: buildx.New(""), Scenarios: []string{measure.Source}})
		if err != nil || ms[0].Error != "" || len(ms[0].Runs) != 1 {
			t.Fatalf("measure %s: %v %+v", dir, err, ms)
		}
		for _, s := range ms[0].Runs[0].Steps {
			if strings.Contains(string(s.Key), "RUN") && strings.Contains(string(s.Key), "npm install") {
				return s.Cached
			}
		}
		t.Fatalf("no install step in %s", dir)
		return false
	}
	if installCached(naive) {
		t.Errorf("naive: a source change should re-run npm install")
	}
	if ok := installCached(fixed); !ok && !installCached(fixed) { // a second look tells a daemon hiccup from a miss
		t.Errorf("fixed: a source change must not re-run npm install")
	}
	// the user's original tree is untouched by all this
	if data, _ := os.ReadFile(filepath.Join(naive, "Dockerfile")); !strings.Contains(string(data), "COPY . .\nRUN npm install") {
		t.Errorf("the naive Dockerfile changed")
	}
}

// fakeGo is a golang-like image: a 20 MB "toolchain" under /usr/local/go
// and a go command whose build writes a script binary.
const fakeGoTag = "layerwise-test/golang:1.22-bookworm"

const fakeGo = `#!/bin/sh
set -e
case "$1" in
  mod) exit 0 ;;
  build) out=""; while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done
         mkdir -p "$(dirname "$out")"; printf '#!/bin/sh\necho orders-api "$ADDR"\n' > "$out"; chmod +x "$out" ;;
  *) echo "fake go: $*" >&2; exit 1 ;;
esac
`

func makeFakeGo(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	testfs.Write(t, dir, map[string]string{
		"go": fakeGo,
		"Dockerfile": "FROM busybox:1.36\nCOPY go /usr/local/go/bin/go\nRUN chmod +x /usr/local/go/bin/go && head -c 20000000 /dev/urandom > /usr/local/go/toolchain.bin\n" +
			// the golang image carries ca-certificates
			"RUN mkdir -p /etc/ssl/certs /usr/share/ca-certificates/mozilla && echo fake-bundle > /etc/ssl/certs/ca-certificates.crt\n" +
			"ENV GOLANG_VERSION=1.22-fake GOPATH=/go PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n",
	})
	if out, err := exec.Command("docker", "buildx", "build", "-t", fakeGoTag, dir).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", fakeGoTag, err, out)
	}
}

func imageSize(t *testing.T, tag string) int64 {
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Size}}", tag).Output()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	fmt.Sscan(strings.TrimSpace(string(out)), &n)
	return n
}

// TestGoMultiStageRewrite: the single-stage Go service and its multi-stage
// rewrite both build and run the same binary with the same config (but the
// toolchain's own env), and the rewritten image is far smaller.
func TestGoMultiStageRewrite(t *testing.T) {
	testengine.Require(t)
	makeFakeGo(t)
	ctx := context.Background()
	files := map[string]string{
		"Dockerfile":      "FROM " + fakeGoTag + "\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /usr/local/bin/api ./cmd/api\nENV ADDR=:8080\nEXPOSE 8080\nCMD [\"api\"]\n",
		"go.mod":          "module example.com/api\n",
		"cmd/api/main.go": "package main\n",
		".layerwise.yaml": "fix:\n  go-runtime-image: busybox:1.36\n",
	}
	naive := testfs.Tree(t, files)
	fixed := testfs.Tree(t, files)
	disc, err := discover.Discover(ctx, fixed, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(fixed, ".layerwise.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{Config: cfg, Rules: []string{"LW101", "LW112"}})
	if err != nil || len(res.Files) != 1 {
		t.Fatalf("%v %+v %+v", err, res.Files, res.Notes)
	}
	if err := atomicfile.Write(res.Files[0].Abs, res.Files[0].After, 0o644); err != nil {
		t.Fatal(err)
	}
	buildImage(t, naive, "layerwise-test/go:naive")
	buildImage(t, fixed, "layerwise-test/go:fixed")
	sameConfig(t, configOf(t, "layerwise-test/go:naive"), configOf(t, "layerwise-test/go:fixed"), "GOLANG_VERSION", "GOPATH", "PATH")
	run := func(tag string) string {
		out, err := exec.Command("docker", "run", "--rm", tag).CombinedOutput()
		if err != nil {
			t.Fatalf("run %s: %v %s", tag, err, out)
		}
		return string(out)
	}
	if a, b := run("layerwise-test/go:naive"), run("layerwise-test/go:fixed"); a != b || !strings.Contains(a, "orders-api :8080") {
		t.Errorf("outputs differ: %q vs %q", a, b)
	}
	bs, as := imageSize(t, "layerwise-test/go:naive"), imageSize(t, "layerwise-test/go:fixed")
	if as*2 > bs {
		t.Errorf("the multi-stage image is not much smaller: %d vs %d bytes", as, bs)
	}
}
