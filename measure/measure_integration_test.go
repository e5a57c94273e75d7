package measure

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildkit"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/engine/image"
	"github.com/layerwise/layerwise/engine/plain"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/testengine"
)

// The fixtures build FROM the locally made busybox image (no pulls). Their
// "install" step reads the manifest deps.txt the way a package manager
// reads package.json, and takes a second so that it shows in timings.
const (
	naiveDockerfile = `ARG BASE=busybox:1.36
FROM ${BASE}
WORKDIR /app
COPY . .
RUN cat requirements.txt > /installed && sleep 1
CMD ["sh", "-c", "cat /installed"]
`
	manifestFirstDockerfile = `ARG BASE=busybox:1.36
FROM ${BASE}
WORKDIR /app
COPY requirements.txt ./
RUN cat requirements.txt > /installed && sleep 1
COPY . .
CMD ["sh", "-c", "cat /installed"]
`
	installKey = "RUN cat requirements.txt"
)

func fixture(t *testing.T, dockerfile string) *discover.Image {
	t.Helper()
	dir := t.TempDir()
	for p, c := range map[string]string{
		"Dockerfile":       dockerfile,
		"requirements.txt": "left-pad==1.3.0\n",
		"src/app.py":       "print('hello')\n",
	} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := discover.Discover(context.Background(), dir, discover.Options{})
	if err != nil || len(res.Images) != 1 {
		t.Fatalf("discover: %v", err)
	}
	return res.Images[0]
}

func installStep(t *testing.T, r *engine.Result) *engine.Step {
	t.Helper()
	for i := range r.Steps {
		if strings.Contains(string(r.Steps[i].Key), installKey) {
			return &r.Steps[i]
		}
	}
	t.Fatalf("no install step in %+v", r.Steps)
	return nil
}

func byScenario(ms []*Measurement) map[string]*Measurement {
	out := map[string]*Measurement{}
	for _, m := range ms {
		out[m.Scenario] = m
	}
	return out
}

// TestScenariosWithBuildx runs every scenario with real builds on the
// docker driver and checks what each must show.
func TestScenariosWithBuildx(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	store, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	im := fixture(t, naiveDockerfile)
	before, _ := os.ReadFile(filepath.Join(im.AbsContext(), "src/app.py"))
	ms, err := Image(ctx, im, Options{Builder: buildx.New(""), History: store, TouchDeps: "requirements.txt"})
	if err != nil {
		t.Fatal(err)
	}
	s := byScenario(ms)
	for _, m := range ms {
		if m.Error != "" || len(m.Runs) != 1 {
			t.Fatalf("%s: %q runs %d", m.Scenario, m.Error, len(m.Runs))
		}
	}
	cold, warm, src, deps := s[Cold].Runs[0], s[Warm].Runs[0], s[Source].Runs[0], s[Deps].Runs[0]
	for _, st := range cold.Steps {
		if st.Kind == "exec" && st.Cached {
			t.Errorf("cold build has a cached exec step: %+v", st)
		}
	}
	if installStep(t, src).Cached {
		t.Errorf("naive Dockerfile: a source change must re-run the install")
	}
	if installStep(t, deps).Cached {
		t.Errorf("a deps change must re-run the install")
	}
	if s[Source].Touched != "src/app.py" {
		t.Errorf("source file chosen: %q", s[Source].Touched)
	}
	// the user's tree is untouched
	if after, _ := os.ReadFile(filepath.Join(im.AbsContext(), "src/app.py")); string(after) != string(before) {
		t.Errorf("the user's source file was changed")
	}
	// cache-hit ratio and image facts agree with an independent look
	cached := 0
	counted := 0
	for _, st := range warm.Steps {
		if st.Kind == "exec" || st.Kind == "copy" {
			counted++
			if st.Cached {
				cached++
			}
		}
	}
	if counted != warm.CountedSteps || cached != warm.CachedSteps {
		t.Errorf("ratio inputs: %d/%d vs %d/%d", cached, counted, warm.CachedSteps, warm.CountedSteps)
	}
	// the images the measurement superseded are gone; the last keeps the tag
	tagged := image.ID(ctx, "docker", "layerwise.local/"+graphbuild.Sanitize(im.Name)+":measure")
	if tagged == "" {
		t.Fatal("the last measured build should keep the scratch tag")
	}
	for _, r := range []*engine.Result{cold, src, deps} {
		if r.ImageID != "" && r.ImageID != tagged && image.ID(ctx, "docker", r.ImageID) != "" {
			t.Errorf("superseded image %s was left in the engine", r.ImageID)
		}
	}
	var inspected engine.Result
	if err := image.Inspect(ctx, "docker", "layerwise.local/"+graphbuild.Sanitize(im.Name)+":measure", &inspected); err != nil {
		t.Fatal(err)
	}
	if inspected.ImageSize != deps.ImageSize || inspected.Layers != deps.Layers || inspected.ImageID != deps.ImageID || deps.Layers < 3 {
		t.Errorf("image: measured %d bytes %d layers %s, inspect %d bytes %d layers %s", deps.ImageSize, deps.Layers, deps.ImageID,
			inspected.ImageSize, inspected.Layers, inspected.ImageID)
	}
	// every build is in the history, with its steps
	builds, err := store.List(ctx, history.Query{WithSteps: true})
	if err != nil || len(builds) != 4 {
		t.Fatalf("history: %d builds, %v", len(builds), err)
	}
	for _, b := range builds {
		if len(b.Result.Steps) == 0 || b.Builder.Backend != "buildx" || b.Result.Wall <= 0 {
			t.Errorf("history record: %+v", b)
		}
	}
	if warm.CacheHitRatio != 1 || warm.CountedSteps == 0 {
		// Engine 20.10's BuildKit has been seen (with other packages'
		// builds running on the same daemon) to miss its cache on a
		// rebuild with identical inputs. One more warm measurement tells a
		// daemon hiccup from a real problem, which would show again. It
		// runs after the image checks above: it replaces the tagged image.
		t.Logf("warm: ratio %v over %d steps; measuring warm again", warm.CacheHitRatio, warm.CountedSteps)
		again, err := Image(ctx, im, Options{Builder: buildx.New(""), Scenarios: []string{Warm}})
		if err != nil || again[0].Error != "" || again[0].Runs[0].CacheHitRatio != 1 {
			t.Errorf("warm again: %v %+v", err, again)
		}
	}
}

// TestManifestFirstKeepsInstallCached: the fix layerwise recommends, proven
// on a real build.
func TestManifestFirstKeepsInstallCached(t *testing.T) {
	testengine.Require(t)
	im := fixture(t, manifestFirstDockerfile)
	ms, err := Image(context.Background(), im, Options{Builder: buildx.New(""), Scenarios: []string{Source}})
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Error != "" {
		t.Fatal(ms[0].Error)
	}
	if !installStep(t, ms[0].Runs[0]).Cached {
		// once more, to tell a daemon cache hiccup from a real miss
		again, err := Image(context.Background(), im, Options{Builder: buildx.New(""), Scenarios: []string{Source}})
		if err != nil || again[0].Error != "" || !installStep(t, again[0].Runs[0]).Cached {
			t.Errorf("manifest-first Dockerfile: a source change must not re-run the install")
		}
	}
}

// TestBackendsAgreeOnStepKeys builds the same Dockerfile through every
// backend: the step keys of the exec and copy steps are the same.
func TestBackendsAgreeOnStepKeys(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	keys := func(b engine.Builder, args map[string]string) string {
		im := fixture(t, naiveDockerfile)
		res, err := b.Build(ctx, engine.Request{ContextDir: im.AbsContext(), Dockerfile: im.AbsDockerfile(), BuildArgs: args, NoCache: true, Tag: "layerwise.local/keys:test"})
		if err != nil {
			t.Fatalf("%s: %v", b.Name(), err)
		}
		if res.Failed() {
			t.Fatalf("%s: %s", b.Name(), res.Err)
		}
		var ks []string
		for _, s := range res.Steps {
			if s.Kind == "exec" || s.Kind == "copy" {
				ks = append(ks, string(s.Key))
			}
		}
		if res.Layers < 3 || res.ImageSize == 0 {
			t.Errorf("%s: image facts missing: %+v", b.Name(), res)
		}
		return strings.Join(ks, "|")
	}
	reg := map[string]string{"BASE": "127.0.0.1:5000/busybox:1.36"}
	want := keys(buildx.New(""), nil)
	if want == "" {
		t.Fatal("no steps")
	}
	for name, got := range map[string]string{
		"buildkit client": keys(buildkit.New(""), reg),
		"buildx remote":   keys(buildx.New("layerwise-remote"), reg),
		"plain":           keys(plain.New(""), nil),
	} {
		if got != want {
			t.Errorf("%s step keys:\n %s\nbuildx (docker driver):\n %s", name, got, want)
		}
	}
}

// TestBackendsMeasureLayers: every backend gives each step of the final
// image the size of the layer it added — read from the engine's image
// store (docker driver, plain) or from the exported OCI image (buildkitd,
// buildx remote) — and none to a step of a stage the image does not hold.
func TestBackendsMeasureLayers(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	mark := fmt.Sprint(time.Now().UnixNano())
	dockerfile := `ARG BASE=busybox:1.36
FROM ${BASE} AS helper
RUN head -c 100000 /dev/urandom > /helper.bin && echo helper-` + mark + `
FROM ${BASE}
WORKDIR /app
RUN head -c 300000 /dev/urandom > /blob.bin && echo ` + mark + `
COPY --from=helper /helper.bin /helper.bin
COPY requirements.txt ./
`
	reg := map[string]string{"BASE": "127.0.0.1:5000/busybox:1.36"}
	for _, tc := range []struct {
		b    engine.Builder
		args map[string]string
	}{{buildx.New(""), nil}, {plain.New(""), nil}, {buildkit.New(""), reg}, {buildx.New("layerwise-remote"), reg}} {
		im := fixture(t, dockerfile)
		res, err := tc.b.Build(ctx, engine.Request{ContextDir: im.AbsContext(), Dockerfile: im.AbsDockerfile(), BuildArgs: tc.args, Tag: "layerwise.local/layers:test"})
		if err != nil || res.Failed() {
			t.Fatalf("%s: %v %+v", tc.b.Name(), err, res)
		}
		got := map[string]int64{}
		for _, s := range res.Steps {
			if s.Kind == "exec" || s.Kind == "copy" {
				_, instr, _ := strings.Cut(string(s.Key), " ")
				got[strings.Fields(instr)[0]+" "+strings.Fields(instr)[len(strings.Fields(instr))-1]] = s.LayerBytes
			}
		}
		// random bytes do not compress: a layer is its file and a tar header or so
		near := func(n, want int64) bool { return n >= want && n <= want+want/20+4096 }
		if b := got["RUN "+mark]; !near(b, 300000) {
			t.Errorf("%s: the final stage's RUN added %d bytes, want ~300000 (%v)", tc.b.Name(), b, got)
		}
		if b := got["COPY /helper.bin"]; !near(b, 100000) {
			t.Errorf("%s: COPY --from added %d bytes, want ~100000 (%v)", tc.b.Name(), b, got)
		}
		if b := got["COPY ./"]; b <= 0 || b > 4096 {
			t.Errorf("%s: COPY requirements.txt added %d bytes (%v)", tc.b.Name(), b, got)
		}
		n := 0
		for _, s := range res.Steps {
			if s.Stage == "helper" && s.LayerBytes != 0 {
				t.Errorf("%s: the helper stage's %s got %d layer bytes: it is not in the image", tc.b.Name(), s.Key, s.LayerBytes)
			}
			if s.Stage == "helper" && s.Kind == "exec" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d helper RUN steps in %+v", tc.b.Name(), n, res.Steps)
		}
	}
}

// TestFailedBuildIsRecorded: the failure, its step and its log lines are
// in the history; the measurement says what failed.
func TestFailedBuildIsRecorded(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	store, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	im := fixture(t, "FROM busybox:1.36\nRUN echo about to fail && exit 3\n")
	ms, err := Image(ctx, im, Options{Builder: buildx.New(""), History: store, Scenarios: []string{Cold, Warm}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ms[0].Error, "exit 3") || !strings.Contains(ms[1].Error, "not run") {
		t.Errorf("measurements: %q / %q", ms[0].Error, ms[1].Error)
	}
	builds, err := store.List(ctx, history.Query{})
	if err != nil || len(builds) != 1 {
		t.Fatalf("history: %d %v", len(builds), err)
	}
	if b := builds[0]; !strings.Contains(b.Result.Err, "RUN echo about to fail") || !strings.Contains(strings.Join(b.Result.LogTail, "\n"), "about to fail") {
		t.Errorf("recorded failure: %q %q", b.Result.Err, b.Result.LogTail)
	}
}

// TestNoBuilderIsAClearError: what was tried and how to start one.
func TestNoBuilderIsAClearError(t *testing.T) {
	b := buildkit.New("unix:///nonexistent/buildkitd.sock")
	_, err := b.Info(context.Background())
	if !engine.IsNoBuilder(err) || !strings.Contains(err.Error(), "/nonexistent/buildkitd.sock") || !strings.Contains(err.Error(), "make engine") {
		t.Errorf("error: %v", err)
	}
	bx := buildx.New("no-such-builder-xyz")
	if _, err := exec.LookPath("docker"); err == nil {
		_, err := bx.Info(context.Background())
		if !engine.IsNoBuilder(err) || !strings.Contains(err.Error(), "no-such-builder-xyz") {
			t.Errorf("buildx error: %v", err)
		}
	}
}

// TestBuildKitClientPushesToARegistry: the BuildKit client backend exports
// to a registry image (the loopback registry, credentials from the Docker
// config when it has any).
func TestBuildKitClientPushesToARegistry(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	im := fixture(t, naiveDockerfile)
	tag := "127.0.0.1:5000/layerwise-test/push:" + nonce()
	res, err := buildkit.New("").Build(context.Background(), engine.Request{ContextDir: im.AbsContext(), Dockerfile: im.AbsDockerfile(),
		BuildArgs: map[string]string{"BASE": "127.0.0.1:5000/busybox:1.36"}, Tag: tag, Push: true})
	if err != nil || res.Failed() {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.HasPrefix(res.ImageDigest, "sha256:") {
		t.Errorf("digest %q", res.ImageDigest)
	}
	repo, ref, _ := strings.Cut(strings.TrimPrefix(tag, "127.0.0.1:5000/"), ":")
	out, err := exec.Command("curl", "-fsS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json",
		"http://127.0.0.1:5000/v2/"+repo+"/manifests/"+ref).CombinedOutput()
	if err != nil || string(out) != "200" {
		t.Errorf("pushed manifest not in the registry: %s %v", out, err)
	}
}
