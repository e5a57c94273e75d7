package fix

import (
	"context"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/measure"
)

// goToolchainEnv are the variables the golang base image sets for its own
// toolchain: a multi-stage rewrite drops them with the toolchain.
var goToolchainEnv = []string{"GOPATH", "PATH", "GOFLAGS", "GOTOOLCHAIN"}

// workdirFiles lists the files under dir in an image with checksums.
func workdirFiles(t *testing.T, tag, dir string) map[string]string {
	t.Helper()
	out, err := exec.Command("docker", "run", "--rm", "--entrypoint", "sh", tag, "-c", "cd "+dir+" && find . -type f -print0 | sort -z | xargs -0 -r md5sum").Output()
	if err != nil {
		t.Fatalf("listing %s in %s: %v", dir, tag, err)
	}
	files := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if sum, name, ok := strings.Cut(l, "  "); ok {
			files[strings.TrimPrefix(name, "./")] = sum
		}
	}
	return files
}

// TestExamplesBeforeAndAfterFix builds every service of examples/ (with
// the junk make-junk.sh puts in their contexts) before and after
// `layerwise fix --write`, on a copy, with the real builder.
func TestExamplesBeforeAndAfterFix(t *testing.T) {
	testengine.RequireExampleBaseImages(t)
	ctx := context.Background()
	naive, fixed := t.TempDir(), t.TempDir()
	// The junk is random bytes: generate it once and copy it, so that both
	// variants start from the same tree (a checkout with no junk yet must
	// not give the two variants different stale binaries).
	if out, err := exec.Command("cp", "-a", "../examples/.", naive).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := exec.Command("../scripts/make-junk.sh", naive, "4").CombinedOutput(); err != nil {
		t.Fatalf("make-junk: %v %s", err, out)
	}
	if out, err := exec.Command("cp", "-a", naive+"/.", fixed).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	cfg, err := config.Load(config.Find(fixed), false)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := discover.Discover(ctx, fixed, discover.Options{Exclude: cfg.Exclude})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rewritten := map[string]bool{}
	for _, f := range res.Files {
		if err := atomicfile.Write(f.Abs, f.After, 0o644); err != nil {
			t.Fatal(err)
		}
		rewritten[f.Path] = true
	}
	dropped := map[string][]string{} // per service dir
	for _, n := range res.Notes {
		if strings.Contains(n.Reason, "is no longer sent") {
			svc := filepath.Dir(n.File)
			dropped[svc] = append(dropped[svc], strings.TrimPrefix(strings.Fields(n.Reason)[0], "/"))
		}
	}

	// The services whose rewrites differ in kind: a Go service with a
	// replaced sibling module (manifest groups, multi-stage), an npm
	// workspace member, and the two Python services on the repository's
	// own base image. billing is orders' twin and storefront is measured
	// by bench-ci; both are built by make bench.
	type service struct {
		name, context, dockerfile, workdir, binary, appFile string
		installKey                                          string // a step of the install that a source change must not re-run after the fix
		workdirFrom                                         string // the context directory the workdir holds
	}
	services := []service{
		{"orders", "services/go", "orders/Dockerfile", "/src/orders", "/usr/local/bin/orders", "cmd/orders/main.go", "go mod download", "orders"},
		{"gateway", "services/node", "gateway/Dockerfile", "/repo", "", "gateway/dist/server.js", "npm ci", ""},
		{"worker", "services/worker", "Dockerfile", "/app", "", "worker.py", "", ""},
		{"report", "services/report", "Dockerfile", "/app", "", "report.py", "", ""},
	}
	type built struct {
		cfg                   imageConfig
		files, binDirs, certs map[string]string
	}
	results := map[string]map[string]built{} // variant -> service dir
	// The base image is the repository's own (example/base:dev): each
	// variant builds it first, then the services FROM it.
	for _, v := range []struct{ name, root string }{{"naive", naive}, {"fixed", fixed}} {
		buildImage(t, filepath.Join(v.root, "base"), "example/base:dev")
		results[v.name] = map[string]built{}
		for _, svc := range services {
			tag := "layerwise-test/examples-" + svc.name + ":" + v.name
			buildImageFile(t, filepath.Join(v.root, svc.context), svc.dockerfile, tag)
			b := built{cfg: configOf(t, tag), files: workdirFiles(t, tag, svc.workdir)}
			if svc.binary != "" {
				b.binDirs = workdirFiles(t, tag, filepath.Dir(svc.binary))
				// the runtime stage takes the certificates by a copy
				b.certs = workdirFiles(t, tag, "/etc/ssl/certs")
			}
			results[v.name][svc.name] = b
		}
	}
	for _, svc := range services {
		svc := svc
		t.Run(svc.name, func(t *testing.T) {
			sameConfig(t, results["naive"][svc.name].cfg, results["fixed"][svc.name].cfg, goToolchainEnv...)

			skip := func(p string) bool {
				p = path.Join(svc.workdirFrom, p)
				if rewritten[svc.context+"/"+p] {
					return true
				}
				for _, d := range dropped[svc.context] {
					if p == d || strings.HasPrefix(p, d+"/") {
						return true
					}
				}
				return false
			}
			bf, af := results["naive"][svc.name].files, results["fixed"][svc.name].files
			if bf[svc.appFile] == "" || af[svc.appFile] == "" {
				t.Fatalf("%s missing from an image (%d / %d files listed)", svc.appFile, len(bf), len(af))
			}
			for p, sum := range bf {
				if skip(p) {
					continue
				}
				if af[p] != sum {
					t.Errorf("%s changed or missing after the fix", p)
				}
			}
			for p := range af {
				if _, ok := bf[p]; !ok && !skip(p) {
					t.Errorf("%s is new after the fix", p)
				}
			}
			if svc.binary != "" {
				name := filepath.Base(svc.binary)
				bb, ab := results["naive"][svc.name].binDirs, results["fixed"][svc.name].binDirs
				if bb[name] == "" || bb[name] != ab[name] {
					t.Errorf("%s differs: %q vs %q", svc.binary, bb[name], ab[name])
				}
				bc, ac := results["naive"][svc.name].certs, results["fixed"][svc.name].certs
				if bc["ca-certificates.crt"] == "" || !reflect.DeepEqual(bc, ac) {
					t.Errorf("/etc/ssl/certs differs: %d files vs %d", len(bc), len(ac))
				}
			}
			if svc.installKey == "" {
				return
			}
			d, err := discover.Discover(ctx, fixed, discover.Options{Exclude: cfg.Exclude})
			if err != nil {
				t.Fatal(err)
			}
			var im *discover.Image
			for _, x := range d.Images {
				if x.Name == svc.name || x.Name == "services/"+svc.name {
					im = x
				}
			}
			if im == nil {
				t.Fatalf("%s not discovered", svc.name)
			}
			// cached reports whether the install step was a cache hit after a
			// source change; a miss is measured once more, to tell a daemon
			// cache hiccup from a real one.
			cached := func() bool {
				ms, err := measure.Image(ctx, im, measure.Options{Builder: buildx.New(""), Repo: d, Scenarios: []string{measure.Source}})
				if err != nil || ms[0].Error != "" {
					t.Fatalf("measure: %v %+v", err, ms)
				}
				for _, s := range ms[0].Runs[0].Steps {
					if strings.Contains(string(s.Key), svc.installKey) {
						return s.Cached
					}
				}
				t.Fatalf("no %q step in %+v", svc.installKey, ms[0].Runs[0].Steps)
				return false
			}
			if ok := cached(); !ok && !cached() {
				t.Errorf("after the fix a source change re-runs %s", svc.installKey)
			}
		})
	}
}
