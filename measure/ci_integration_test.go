package measure_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	_ "github.com/layerwise/layerwise/engine/buildkit"
	_ "github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/engine/ephemeral"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/measure"
)

// ciBuildkitdConfig makes each fresh builder pull Docker Hub's images
// through the loopback registry (nothing else is reachable here), as a CI
// runner's builder would pull them from Docker Hub.
const ciBuildkitdConfig = `[registry."docker.io"]
  mirrors = ["127.0.0.1:5000"]
[registry."127.0.0.1:5000"]
  http = true
`

// pushBase serves a locally made base image from the loopback registry
// under Docker Hub's path.
func pushBase(t *testing.T, ctx context.Context, img string) {
	t.Helper()
	ref := "127.0.0.1:5000/library/" + img
	if _, err := crane.Head(ref, crane.Insecure); err == nil {
		return
	}
	for _, args := range [][]string{{"tag", img, ref}, {"push", ref}} {
		if out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
}

// offlineGoRepo is the shape issue 22 found broken: the modules are
// downloaded in one step and the build runs offline in a later one.
func offlineGoRepo(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile": dockerfile,
		"go.mod":     "module example.com/app\n\ngo 1.21\n\nrequire github.com/pmezard/go-difflib v1.0.0\n",
		"go.sum": "github.com/pmezard/go-difflib v1.0.0 h1:4DBwDE0NGyQoBHbLQYPwSUPoCMWR5BEzIk/f1lZbAQM=\n" +
			"github.com/pmezard/go-difflib v1.0.0/go.mod h1:iKH77koFhYxTK1pcRnkKkqfTogsbg7gZNVY4sRDYZ/4=\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/pmezard/go-difflib/difflib\"\n)\n\nfunc main() { fmt.Println(difflib.SplitLines(\"a\\nb\")) }\n",
	}
	for p, c := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const offlineNaive = `FROM golang:1.23-bookworm
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOPROXY=off go build -o /app .
`

// What layerwise fix wrote before issue 22: the module cache mounted on
// the download and the build. On a warm builder it works; on a fresh one
// the download step comes back from the layer cache with nothing in it.
const offlineStoreInMount = `FROM golang:1.23-bookworm
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .
`

func ciMeasure(t *testing.T, ctx context.Context, dir string, mounts cachemount.Store) *measure.Measurement {
	t.Helper()
	res, err := discover.Discover(ctx, dir, discover.Options{})
	if err != nil || len(res.Images) != 1 {
		t.Fatalf("discover: %v %+v", err, res)
	}
	b, err := engine.NewBuilder("buildkit", engine.BackendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ci := &measure.CIOptions{Builders: ephemeral.Factory{Backend: "buildkit", Options: ephemeral.Options{Config: []byte(ciBuildkitdConfig)}}, CacheMounts: mounts}
	if mounts != nil {
		ci.CacheMountOptions = cachemount.Options{Branch: "main", DefaultBranch: "main", Helper: staticLayerwise(t)}
	}
	ms, err := measure.Image(ctx, res.Images[0], measure.Options{Builder: b, Repo: res, Scenarios: []string{measure.CISource}, TouchSource: "main.go", CI: ci})
	if err != nil {
		t.Fatal(err)
	}
	return ms[0]
}

var staticBin string

// staticLayerwise builds the static layerwise binary that runs in the
// builder to save and restore cache mounts.
func staticLayerwise(t *testing.T) string {
	t.Helper()
	if staticBin != "" {
		return staticBin
	}
	dir, err := os.MkdirTemp("", "layerwise-static-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layerwise")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/layerwise/layerwise/cmd/layerwise")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the static helper: %v\n%s", err, out)
	}
	staticBin = bin
	return bin
}

// TestCIScenarioFixedOfflineGoBuild: every build a CI job on a fresh
// buildkitd whose layer cache comes from the previous job. The Dockerfile
// layerwise fix writes for an offline Go build keeps the modules in the
// download step's layer and builds; the store-in-a-mount shape it wrote
// before fails there (the test would catch a fix that brought it back).
func TestCIScenarioFixedOfflineGoBuild(t *testing.T) {
	testengine.RequireBuildkitd(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	pushBase(t, ctx, "golang:1.23-bookworm")

	dir := offlineGoRepo(t, offlineNaive)
	disc, err := discover.Discover(ctx, dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := fix.Run(ctx, disc, fix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fixed := ""
	for _, f := range fr.Files {
		if f.Path == "Dockerfile" {
			fixed = string(f.After)
		}
	}
	if fixed == "" || strings.Contains(fixed, "target=/go/pkg/mod") || !strings.Contains(fixed, "target=/root/.cache/go-build") {
		t.Fatalf("the fix should mount the build cache alone:\n%s", fixed)
	}
	// the single-stage image is split after the download (LW119): the
	// compiled dependencies come back from the layer cache too, and the
	// listing and the dependency compile run offline as the build does
	if !strings.Contains(fixed, "AS go-modules") || !strings.Contains(fixed, "from=go-deps,source=") {
		t.Fatalf("the fix should compile the dependencies in a stage of their own:\n%s", fixed)
	}
	m := ciMeasure(t, ctx, offlineGoRepo(t, fixed), nil)
	if m.Error != "" || len(m.Runs) != 1 {
		t.Fatalf("the fixed Dockerfile failed on a fresh CI builder: %s", m.Error)
	}
	if r := m.Runs[0]; r.CacheExport <= 0 || m.CacheBytes <= 0 {
		t.Errorf("the job's cache export was not measured: export %v, %d bytes", r.CacheExport, m.CacheBytes)
	}
	if s := m.Runs[0].Step("go-modules#4 RUN go mod download"); s == nil || !s.Cached {
		t.Errorf("the download step should come from the layer cache on the fresh builder: %+v", s)
	}
	if s := m.Runs[0].Step("go-deps#2 RUN"); s == nil || !s.Cached {
		var keys []string
		for _, st := range m.Runs[0].Steps {
			keys = append(keys, string(st.Key))
		}
		t.Errorf("the dependency compile should come from the layer cache on the fresh builder: %+v (steps: %q)", s, keys)
	}

	old := ciMeasure(t, ctx, offlineGoRepo(t, offlineStoreInMount), nil)
	if old.Error == "" || !strings.Contains(old.Error, "GOPROXY=off") && !strings.Contains(old.Error, "module lookup disabled") {
		t.Errorf("the module cache in a mount should fail an offline build on a fresh builder; got error %q", old.Error)
	}
}

// TestCIScenarioPersistedMounts: with the cache mounts persisted between
// jobs (cachemount), the fresh builder of the source-change job starts
// with the build cache the priming job left, and the restore and save are
// reported.
func TestCIScenarioPersistedMounts(t *testing.T) {
	testengine.RequireBuildkitd(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	pushBase(t, ctx, "golang:1.23-bookworm")
	df := strings.Replace(offlineNaive, "RUN GOPROXY=off go build", "RUN --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build", 1)
	store, err := cachemount.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := ciMeasure(t, ctx, offlineGoRepo(t, df), store)
	if m.Error != "" {
		t.Fatal(m.Error)
	}
	c := m.CacheMounts
	if c == nil || c.Mounts != 1 || c.Hits != 1 || c.RestoredBytes <= 0 || c.SavedBytes <= 0 || len(c.Errors) > 0 {
		t.Fatalf("the build cache should be restored from the priming job and saved again: %+v", c)
	}
}

// TestCIScenarioBuildx: with the buildx backend each CI job is a new buildx
// builder (driver remote) of a fresh buildkitd — never the developer's
// current builder — and neither is left behind.
func TestCIScenarioBuildx(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for p, c := range map[string]string{
		"Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nWORKDIR /app\nCOPY deps.txt ./\nRUN --mount=type=cache,target=/cache cat deps.txt > /deps && date > /cache/seen\nCOPY src/ src/\nRUN cat src/* > /out\n",
		"deps.txt":   "a\n",
		"src/app.sh": "echo hi\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := discover.Discover(ctx, dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.NewBuilder("buildx", engine.BackendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ci := &measure.CIOptions{Builders: ephemeral.Factory{Backend: "buildx"}}
	ms, err := measure.Image(ctx, res.Images[0], measure.Options{Builder: b, Repo: res, Scenarios: []string{measure.CI}, CI: ci,
		TouchSource: "src/app.sh", TouchDeps: "deps.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("want both ci scenarios, got %d", len(ms))
	}
	for _, m := range ms {
		if m.Error != "" || len(m.Runs) != 1 {
			t.Fatalf("%s: %s", m.Scenario, m.Error)
		}
		r := m.Runs[0]
		// the source change reuses the install from the imported cache
		if m.Scenario == measure.CISource && r.Step("stage-0#4 RUN") == nil {
			t.Errorf("no install step recorded")
		} else if m.Scenario == measure.CISource && !r.Step("stage-0#4 RUN").Cached {
			t.Errorf("the install should come from the imported layer cache on the fresh builder")
		}
		if r.CacheExport <= 0 {
			t.Errorf("%s: cache export not timed", m.Scenario)
		}
	}
	out, _ := exec.Command("docker", "buildx", "ls").CombinedOutput()
	if strings.Contains(string(out), "layerwise-ci-") {
		t.Errorf("a CI job's builder was left behind:\n%s", out)
	}
}

// TestMain removes the static helper the ci tests built (48 MB a run).
func TestMain(m *testing.M) {
	code := m.Run()
	if staticBin != "" {
		os.RemoveAll(filepath.Dir(staticBin))
	}
	os.Exit(code)
}

// The pull scenarios push the image to a real registry with the asked
// compression and pull it onto fresh buildkitds: everything the registry
// holds onto an empty one, less onto one that holds the base image already
// (the builder matches the base's layers by content); zstd layers are zstd
// in the registry, eStargz ones carry their table of contents (no note
// says that the builder fell back).
func TestPullScenarios(t *testing.T) {
	testengine.RequireBuildkitd(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pushBase(t, ctx, "debian:bookworm-slim")
	dir := t.TempDir()
	for p, c := range map[string]string{
		"Dockerfile": "FROM 127.0.0.1:5000/library/debian:bookworm-slim\nCOPY app.txt /srv/app.txt\nCMD [\"cat\", \"/srv/app.txt\"]\n",
		"app.txt":    strings.Repeat("layerwise pull test\n", 50000),
	} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := discover.Discover(ctx, dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.NewBuilder("buildkit", engine.BackendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ci := &measure.CIOptions{Builders: ephemeral.Factory{Backend: "buildkit", Options: ephemeral.Options{Config: []byte(ciBuildkitdConfig)}},
		PullRegistry: "127.0.0.1:5000/layerwise-test/pull-" + filepath.Base(dir)}
	ms, err := measure.Image(ctx, res.Images[0], measure.Options{Builder: b, Repo: res, Scenarios: []string{measure.Pull, measure.PullZstd, measure.PullEstargz}, CI: ci})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Fatalf("%d measurements", len(ms))
	}
	for _, m := range ms {
		if m.Error != "" || m.Skipped != "" || len(m.Runs) != 1 {
			t.Fatalf("%s: error %q, skipped %q, %d runs", m.Scenario, m.Error, m.Skipped, len(m.Runs))
		}
		if m.Median <= 0 || m.PullBytes != m.ImageSize || len(m.PulledLayers) != m.Layers || m.Layers < 2 {
			t.Errorf("%s: pulled %d bytes in %s; the registry holds %d bytes in %d layers (%d listed)", m.Scenario, m.PullBytes, m.Median, m.ImageSize, m.Layers, len(m.PulledLayers))
		}
		if m.Note != "" {
			t.Errorf("%s: %s", m.Scenario, m.Note)
		}
		if m.PullWithBase <= 0 {
			t.Errorf("%s: no pull onto a builder with the base image", m.Scenario)
		}
	}
	gz := ms[0]
	if gz.PullWithBaseBytes <= 0 || gz.PullWithBaseBytes >= gz.PullBytes/2 {
		t.Errorf("gzip: %d bytes downloaded onto a builder holding the base, %d onto an empty one: the base's layers were not shared", gz.PullWithBaseBytes, gz.PullBytes)
	}
	img, err := crane.Pull(ci.PullRegistry+"/"+strings.ToLower(res.Images[0].Name)+":"+measure.PullZstd, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	for _, l := range layers {
		if mt, _ := l.MediaType(); !strings.HasSuffix(string(mt), "zstd") {
			t.Errorf("pull-zstd pushed a %s layer", mt)
		}
	}
}
