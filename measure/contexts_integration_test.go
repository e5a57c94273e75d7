package measure

import (
	"context"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildkit"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// namedContextsRepo is a compose project whose app takes a local directory
// and another service's image (or, with baseDir, a second directory) as
// named build contexts.
func namedContextsRepo(t *testing.T, mark string, baseDir bool) *discover.Repo {
	t.Helper()
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": `services:
  base:
    build: ./base
  app:
    build:
      context: ./app
      additional_contexts:
        shared: ./shared
        basectx: ` + map[bool]string{false: "service:base", true: "./basedir"}[baseDir] + `
`,
		"basedir/base.txt":  mark + "\n",
		"base/Dockerfile":   "FROM busybox:1.36\nRUN echo " + mark + " > /base.txt\n",
		"shared/config.txt": "shared-config\n",
		"app/Dockerfile":    "ARG BASE=busybox:1.36\nFROM ${BASE}\nCOPY --from=shared config.txt /config.txt\nCOPY --from=basectx /base.txt /base.txt\nCOPY main.txt /main.txt\n",
		"app/main.txt":      "main\n",
	})
	res, err := discover.Discover(context.Background(), root, discover.Options{})
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
	if err != nil || len(res.Images) != 2 {
		t.Fatalf("discover: %v %+v", err, res)
	}
	return res
}

func imageByName(res *discover.Repo, name string) *discover.Image {
	for _, im := range res.Images {
		if im.Name == name {
			return im
		}
	}
	return nil
}

// TestNamedContexts: the service a named context refers to is built first
// (unmeasured, under graphbuild.Ref) and given to the image as docker-image://REF;
// a builder whose frontend predates named contexts gets a hint that says
// what to use instead.
func TestNamedContexts(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	mark := "base-" + nonce()
	res := namedContextsRepo(t, mark, false)
	app, base := imageByName(res, "app"), imageByName(res, "base")
	if deps := res.Deps(app); len(deps) != 1 || deps[0] != base {
		t.Fatalf("app deps = %v", deps)
	}
	contexts, err := graphbuild.Contexts(res, app)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"shared": filepath.Join(res.Root, "shared"), "basectx": "docker-image://layerwise.local/base:latest"}; !reflect.DeepEqual(contexts, want) {
		t.Errorf("contexts = %q, want %q", contexts, want)
	}
	b := buildx.New("")
	if err := BuildDeps(ctx, b, res, []*discover.Image{app}, nil); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "run", "--rm", "layerwise.local/base:latest", "cat", "/base.txt").CombinedOutput(); err != nil || string(out) != mark+"\n" {
		t.Errorf("the dependency was not built under its graphbuild.Ref: %q %v", out, err)
	}
	ms, err := Image(ctx, app, Options{Builder: b, Repo: res, Scenarios: []string{Warm}})
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Error != "" {
		// Engine 20.10's built-in BuildKit 0.8 refuses named contexts
		if !strings.Contains(ms[0].Error, engine.NamedContextsHint) {
			t.Errorf("a refused named context should carry the hint: %s", ms[0].Error)
		}
	} else if out, err := exec.Command("docker", "run", "--rm", "layerwise.local/app:measure", "cat", "/base.txt").CombinedOutput(); err != nil || string(out) != mark+"\n" {
		t.Errorf("image content: %q %v", out, err)
	}

	// without the discovery result the service reference cannot resolve
	if _, err := Image(ctx, app, Options{Builder: b, Scenarios: []string{Warm}}); err == nil || !strings.Contains(err.Error(), "basectx=service:base") {
		t.Errorf("want an error naming the context, got %v", err)
	}
}

// TestNamedContextsRemoteBuilder: measure passes local named contexts to a
// buildx builder whose BuildKit supports them (the remote buildkitd of
// make engine), and the files arrive in the image.
func TestNamedContextsRemoteBuilder(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	mark := "dir-" + nonce()
	res := namedContextsRepo(t, mark, true)
	app := imageByName(res, "app")
	app.Args = map[string]string{"BASE": "127.0.0.1:5000/busybox:1.36"}
	ms, err := Image(context.Background(), app, Options{Builder: buildx.New("layerwise-remote"), Repo: res, Scenarios: []string{Cold}})
	if err != nil || ms[0].Error != "" {
		t.Fatalf("measure: %v %+v", err, ms[0])
	}
	keys := map[string]bool{}
	for _, s := range ms[0].Runs[0].Steps {
		keys[string(s.Key)] = true
	}
	// the named contexts are sent too, and counted in the context bytes
	var named int64
	for _, s := range ms[0].Runs[0].Steps {
		if strings.HasPrefix(string(s.Key), "[context ") && strings.HasSuffix(string(s.Key), "] load from client") {
			if s.Kind != "context" || s.Bytes == 0 {
				t.Errorf("named context transfer: %+v", s)
			}
			named += s.Bytes
		}
	}
	if named == 0 || ms[0].ContextBytes <= named {
		t.Errorf("context bytes %d, named contexts %d", ms[0].ContextBytes, named)
	}
	for _, k := range []string{"stage-0#2 COPY --from=shared config.txt /config.txt", "stage-0#3 COPY --from=basectx /base.txt /base.txt"} {
		if !keys[k] {
			t.Errorf("no step %q in %v", k, keys)
		}
	}
}

// TestNamedContextsBuildKitClient: the BuildKit client backend sends each
// local named context as one more local mount.
func TestNamedContextsBuildKitClient(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	res := namedContextsRepo(t, "dir-"+nonce(), true)
	app := imageByName(res, "app")
	contexts, err := graphbuild.Contexts(res, app)
	if err != nil {
		t.Fatal(err)
	}
	r, err := buildkit.New("").Build(context.Background(), engine.Request{ContextDir: app.AbsContext(), Dockerfile: app.AbsDockerfile(),
		BuildArgs: map[string]string{"BASE": "127.0.0.1:5000/busybox:1.36"}, Contexts: contexts})
	if err != nil || r.Failed() {
		t.Fatalf("%v %+v", err, r)
	}
	// a COPY from a context that did not arrive fails the build ("not
	// found"); check that the steps ran, not merely resolved
	copied := 0
	for _, s := range r.Steps {
		if strings.Contains(string(s.Key), "COPY --from=") && s.Error == "" && !s.End.IsZero() {
			copied++
		}
	}
	if copied != 2 {
		t.Errorf("%d COPY --from steps ran, want 2: %+v", copied, r.Steps)
	}
}

// TestInlineDockerfile: a compose service with dockerfile_inline is
// measured like any other (its Dockerfile written beside the work copy),
// and so is an inline service that another one builds FROM.
func TestInlineDockerfile(t *testing.T) {
	testengine.Require(t)
	root := t.TempDir()
	mark := "inline-" + nonce()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": `services:
  base:
    image: layerwise.local/inline-base:dev
    build:
      context: .
      dockerfile_inline: |
        FROM busybox:1.36
        RUN echo ` + mark + ` > /mark
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM layerwise.local/inline-base:dev
        COPY app.py /app.py
`,
		"app.py": "print(1)\n",
	})
	res, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app := imageByName(res, "app")
	b := buildx.New("")
	if err := BuildDeps(context.Background(), b, res, []*discover.Image{app}, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := Image(context.Background(), app, Options{Builder: b, Repo: res, Scenarios: []string{Warm, Source}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Error != "" || m.Skipped != "" || len(m.Runs) != 1 {
			t.Errorf("%s: %+v", m.Scenario, m)
		}
	}
	out, err := exec.Command("docker", "run", "--rm", "layerwise.local/app:measure", "cat", "/mark", "/app.py").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), mark+"\n") {
		t.Errorf("image content: %q %v", out, err)
	}
}
