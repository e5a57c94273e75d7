package graphbuild

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

func nonce() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestBuildWithDockerEngine: real builds through buildx's docker driver. The
// base image is built before the image FROM it, which sees its file; a
// failed build skips its dependent and nothing else; every build is in the
// history.
func TestBuildWithDockerEngine(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	mark := nonce()
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": `services:
  base: {image: "layerwise-test/build-base:` + mark + `", build: ./base}
  app: {build: ./app}
  solo: {build: ./solo}
  broken: {image: "layerwise-test/build-broken:` + mark + `", build: ./broken}
  after: {build: ./after}
`,
		"base/Dockerfile":   "FROM busybox:1.36\nRUN echo " + mark + " > /base.txt\n",
		"app/Dockerfile":    "FROM layerwise-test/build-base:" + mark + "\nRUN cat /base.txt > /app.txt\n",
		"solo/Dockerfile":   "FROM busybox:1.36\nRUN echo solo-" + mark + " > /solo.txt\n",
		"broken/Dockerfile": "FROM busybox:1.36\nRUN echo " + mark + " && exit 3\n",
		"after/Dockerfile":  "FROM layerwise-test/build-broken:" + mark + "\n",
	})
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("")}, Parallel: 2, History: store})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Outcome{}
	for _, o := range rep.Outcomes {
		got[o.Image] = o
	}
	for name, want := range map[string]string{"base": Built, "app": Built, "solo": Built, "broken": Failed, "after": Skipped} {
		if got[name].Status != want {
			t.Errorf("%s: %s (%s), want %s", name, got[name].Status, got[name].Error, want)
		}
	}
	if !strings.Contains(got["broken"].Error, "exit code: 3") {
		t.Errorf("broken: %q", got["broken"].Error)
	}
	if app, base := got["app"], got["base"]; app.Waited < base.Waited+base.Result.Wall/2 {
		t.Errorf("app started at +%v, base at +%v for %v", app.Waited, base.Waited, base.Result.Wall)
	}
	out, err := exec.Command("docker", "run", "--rm", "layerwise.local/app:latest", "cat", "/app.txt").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != mark {
		t.Errorf("app image: %q %v", out, err)
	}
	builds, err := store.List(ctx, history.Query{Scenario: "build"})
	if err != nil || len(builds) != 4 {
		t.Fatalf("history: %d builds, %v", len(builds), err)
	}
	failed := 0
	for _, b := range builds {
		if b.Result.Err != "" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed builds in the history, want 1", failed)
	}
}

// TestBuildOnTwoBuilders spreads the images over the docker driver and the
// remote buildkitd, pushing to the loopback registry: an image follows its
// dependency's builder, an independent one goes to the other builder, and
// every image ends up in the registry.
func TestBuildOnTwoBuilders(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	mark := nonce()
	reg := "127.0.0.1:5000/layerwise-test/"
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": `services:
  app: {image: "` + reg + `two-app:` + mark + `", build: ./app}
  base: {image: "` + reg + `two-base:` + mark + `", build: ./base}
  solo: {image: "` + reg + `two-solo:` + mark + `", build: ./solo}
`,
		"base/Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /base.txt\n",
		"app/Dockerfile":  "FROM " + reg + "two-base:" + mark + "\nRUN cat /base.txt > /app.txt\n",
		"solo/Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /solo.txt\n",
	})
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New(""), buildx.New("layerwise-remote")}, Push: true})
	if err != nil {
		t.Fatal(err)
	}
	on := map[string]string{}
	for _, o := range rep.Outcomes {
		if o.Status != Built {
			t.Fatalf("%s: %s %s", o.Image, o.Status, o.Error)
		}
		on[o.Image] = o.Builder
	}
	if on["app"] != on["base"] || on["solo"] == on["base"] || on["solo"] == "" {
		t.Errorf("builders: %v", on)
	}
	for _, name := range []string{"two-app", "two-base", "two-solo"} {
		out, err := exec.Command("curl", "-fsS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
			"Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json",
			"http://127.0.0.1:5000/v2/layerwise-test/"+name+"/manifests/"+mark).CombinedOutput()
		if err != nil || string(out) != "200" {
			t.Errorf("%s:%s not in the registry: %s %v", name, mark, out, err)
		}
	}
}

// TestBuildSharedCache: with CacheFromTo (--cache) the compose cache_to and
// cache_from reach the builder: a build on the remote buildkitd exports its
// cache, the RUN's layer included, to a local directory, and the next build
// imports it. (Whether the import alone would hit is not shown here: the
// one buildkitd also keeps its own cache, and pruning it would disturb the
// other packages' tests that share it.)
func TestBuildSharedCache(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	cacheDir := t.TempDir()
	mark := nonce()
	files := map[string]string{
		"compose.yaml": `services:
  app:
    build:
      context: .
      cache_from: ["type=local,src=` + cacheDir + `"]
      cache_to: ["type=local,dest=` + cacheDir + `,mode=max"]
`,
		"Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /mark && sleep 1\n",
	}
	first := testfs.Tree(t, files)
	repo, err := discover.Discover(ctx, first, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("layerwise-remote")}, CacheFromTo: true})
	if err != nil || rep.Failed() != 0 {
		t.Fatalf("%v %+v", err, rep.Outcomes[0])
	}
	if _, err := os.Stat(filepath.Join(cacheDir, "index.json")); err != nil {
		t.Fatalf("no cache exported: %v", err)
	}
	// mode=max: the base's layer, the RUN's layer, the cache config and manifest
	if blobs, _ := os.ReadDir(filepath.Join(cacheDir, "blobs", "sha256")); len(blobs) < 3 {
		t.Errorf("%d blobs in the exported cache", len(blobs))
	}
	if !hasStep(rep.Outcomes[0].Result, "exporting cache") {
		t.Errorf("no cache export step")
	}
	second := testfs.Tree(t, files)
	repo, err = discover.Discover(ctx, second, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("layerwise-remote")}, CacheFromTo: true})
	if err != nil || rep.Failed() != 0 {
		t.Fatalf("%v %+v", err, rep.Outcomes[0])
	}
	if !hasStep(rep.Outcomes[0].Result, "importing cache manifest from local:") {
		t.Errorf("the second build did not import the shared cache: %+v", rep.Outcomes[0].Result.Steps)
	}
}

func hasStep(r *engine.Result, prefix string) bool {
	for _, s := range r.Steps {
		if strings.HasPrefix(string(s.Key), prefix) {
			return true
		}
	}
	return false
}

// TestBuildLoadFromRemoteBuilder: --load brings an image built on the
// remote buildkitd into the Docker Engine, where it runs.
func TestBuildLoadFromRemoteBuilder(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	mark := nonce()
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  app: {image: \"layerwise-test/loaded:" + mark + "\", build: .}\n",
		"Dockerfile":   "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /mark\n",
	})
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("layerwise-remote")}, Load: true})
	if err != nil || rep.Failed() != 0 {
		t.Fatalf("%v %+v", err, rep.Outcomes[0])
	}
	if r := rep.Outcomes[0].Result; r.ImageSize == 0 || r.Layers == 0 {
		t.Errorf("image facts from the engine: %+v", r)
	}
	out, err := exec.Command("docker", "run", "--rm", "layerwise-test/loaded:"+mark, "cat", "/mark").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != mark {
		t.Errorf("loaded image: %q %v", out, err)
	}
}

// --build-cache local: every image exports its cache under the
// repository's .layerwise/cache/IMAGE, and the next build imports it.
func TestBuildCacheFlag(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	ctx := context.Background()
	mark := nonce()
	root := testfs.Tree(t, map[string]string{"app/Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /mark\n"})
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCache("local")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("layerwise-remote")}, Cache: c})
	if err != nil || rep.Failed() != 0 {
		t.Fatalf("%v %+v", err, rep.Outcomes[0])
	}
	if _, err := os.Stat(filepath.Join(root, ".layerwise", "cache", "app", "index.json")); err != nil {
		t.Fatalf("no cache exported: %v", err)
	}
	if _, err := ParseCache("s3"); err == nil {
		t.Error("an unknown cache kind parsed")
	}
	if from, to := (Cache{Kind: CacheRegistry, Registry: "registry.example.com/c"}).ForImage(&discover.Image{Name: "app"}); from[0] != "type=registry,ref=registry.example.com/c/app:buildcache" || !strings.Contains(to[0], ",mode=max,") || !strings.Contains(to[0], "compression=zstd") {
		t.Errorf("registry: %v %v", from, to)
	}
}

// --build-cache inline on the Engine: an image whose inline cache is read
// back from its own tag before that tag was ever pushed still builds (the
// Engine's builder fails a build whose cache import is missing; Run builds
// it again without the import and says so).
func TestBuildInlineCacheBeforeTheFirstPush(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	mark := nonce()
	ref := "127.0.0.1:5000/layerwise-test/never-pushed-" + mark + ":dev"
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":   "services:\n  app: {image: \"" + ref + "\", build: ./app}\n",
		"app/Dockerfile": "FROM busybox:1.36\nRUN echo " + mark + " > /mark\n",
	})
	defer exec.Command("docker", "rmi", "-f", ref).Run()
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCache("inline")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	rep, err := Run(ctx, repo, repo.Images, Options{Builders: []engine.Builder{buildx.New("")}, Cache: c, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Outcomes[0]
	if o.Status != Built {
		t.Fatalf("the image was not built: %s\n%s", o.Error, log.String())
	}
	if o.CacheImportFailed != "" && !strings.Contains(log.String(), "built again without cache imports") {
		t.Errorf("the failed import is not said:\n%s", log.String())
	}
	t.Logf("cache import failed: %q", o.CacheImportFailed)
	if CacheImportError("RUN go build: exit code 1") || !CacheImportError("importing cache manifest from x:dev: not found") {
		t.Error("CacheImportError misreads")
	}
}
