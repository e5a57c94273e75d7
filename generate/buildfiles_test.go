package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

func examples(t *testing.T) *discover.Repo {
	t.Helper()
	repo, err := discover.Discover(context.Background(), filepath.Join("..", "examples"), discover.Options{Exclude: []string{"**/Dockerfile.expert"}})
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// caches are the --cache values the build-file tests generate with.
var caches = []string{"local", "registry=registry.example.com/shop/cache", "gha", "inline", "none"}

// checkCache checks an image's cache settings as a tool read them (bake,
// compose-go, docker compose), each entry as its attributes: every export
// but inline carries ignore-error=true (BuildKit's inline exporter has no
// such attribute), an inline cache is imported from the image's own
// reference, any other cache from where it is exported.
func checkCache(t *testing.T, label, cache, image string, from, to []map[string]string) {
	t.Helper()
	if cache == "none" {
		if len(from)+len(to) > 0 {
			t.Errorf("%s: none, but cache-from %v cache-to %v", label, from, to)
		}
		return
	}
	if len(from) != 1 || len(to) != 1 {
		t.Errorf("%s: cache-from %v cache-to %v, want one of each", label, from, to)
		return
	}
	kind, _, _ := strings.Cut(cache, "=")
	if to[0]["type"] != kind {
		t.Errorf("%s: cache-to %v, want type %s", label, to[0], kind)
	}
	if kind == "inline" {
		if from[0]["type"] != "registry" || from[0]["ref"] != image {
			t.Errorf("%s: inline cache read back from %v, want type=registry,ref=%s", label, from[0], image)
		}
		if _, ok := to[0]["ignore-error"]; ok {
			t.Errorf("%s: inline export with ignore-error: %v", label, to[0])
		}
		return
	}
	if to[0]["ignore-error"] != "true" {
		t.Errorf("%s: export without ignore-error=true: %v", label, to[0])
	}
	if to[0]["compression"] != "zstd" || to[0]["force-compression"] != "true" {
		t.Errorf("%s: export not zstd-compressed: %v", label, to[0])
	}
	if from[0]["type"] != kind || from[0]["ref"] != to[0]["ref"] || from[0]["scope"] != to[0]["scope"] || from[0]["src"] != to[0]["dest"] {
		t.Errorf("%s: imports %v, exports %v", label, from[0], to[0])
	}
}

// cacheEntries parses cache settings in the CLI's form (type=...,k=v).
func cacheEntries(t *testing.T, ss []string) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, s := range ss {
		typ, attrs, err := engine.ParseCacheEntry(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		attrs["type"] = typ
		out = append(out, attrs)
	}
	return out
}

// bakeCacheEntries are bake --print's cache entries (a list of objects).
func bakeCacheEntries(v any) []map[string]string {
	var out []map[string]string
	list, _ := v.([]any)
	for _, e := range list {
		m := map[string]string{}
		obj, _ := e.(map[string]any)
		for k, v := range obj {
			m[k] = fmt.Sprint(v)
		}
		out = append(out, m)
	}
	return out
}

// bakePrint runs `docker buildx bake --print` on files in dir and returns
// its targets.
func bakePrint(t *testing.T, dir string, files ...string) map[string]map[string]any {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker is not installed (make engine)")
		}
		t.Skip("docker is not installed")
	}
	args := []string{"buildx", "bake", "--progress=quiet", "--print"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	cmd := exec.Command("docker", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		if os.Getenv("CI") != "true" && strings.Contains(msg, "unknown command") {
			t.Skip("docker buildx is not installed")
		}
		t.Fatalf("bake --print %v: %s", files, msg)
	}
	var p struct {
		Target map[string]map[string]any `json:"target"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p.Target
}

// buildx accepts the generated bake file for the examples: every image a
// target, the worker and the report job get the base image's target as
// the named context their FROM names, the cache settings as asked.
func TestBakeFileOfTheExamples(t *testing.T) {
	repo := examples(t)
	dir := t.TempDir()
	for _, cache := range caches {
		opt, err := ParseCache(cache)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "docker-bake.hcl"), Bake(repo, opt), 0o644)
		targets := bakePrint(t, dir, "docker-bake.hcl")
		if len(targets) != 7 {
			t.Fatalf("%s: %d targets", cache, len(targets))
		}
		for _, name := range []string{"report", "services-worker"} {
			if c, _ := targets[name]["contexts"].(map[string]any); c["example/base:dev"] != "target:base" {
				t.Errorf("%s: %s contexts %v", cache, name, targets[name]["contexts"])
			}
		}
		to := fmt.Sprint(targets["orders"]["cache-to"])
		switch cache {
		case "local":
			if !strings.Contains(to, ".layerwise/cache/orders") || !strings.Contains(to, "mode:max") {
				t.Errorf("local cache-to %s", to)
			}
		case "none":
			if targets["orders"]["cache-to"] != nil {
				t.Errorf("none: cache-to %s", to)
			}
		case "gha":
			if !strings.Contains(to, "type:gha") || !strings.Contains(to, "scope:orders") {
				t.Errorf("gha cache-to %s", to)
			}
		}
		if args, _ := targets["orders"]["args"].(map[string]any); args["GO_VERSION"] != "1.23" {
			t.Errorf("orders args %v", targets["orders"]["args"])
		}
		for name, target := range targets {
			tags, _ := target["tags"].([]any)
			if len(tags) != 1 {
				t.Fatalf("%s: %s tags %v", cache, name, target["tags"])
			}
			checkCache(t, cache+": bake target "+name, cache, fmt.Sprint(tags[0]), bakeCacheEntries(target["cache-from"]), bakeCacheEntries(target["cache-to"]))
		}
	}
}

// The compose override loads with the examples' compose file through
// compose-go (compose's own loader), through bake, which turns its
// service: contexts into target: ones, and through docker compose itself,
// with every kind of cache: each service's cache settings as checkCache
// wants them.
func TestComposeOverrideOfTheExamples(t *testing.T) {
	repo := examples(t)
	dir := filepath.Join(t.TempDir(), "ex")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples"))); err != nil {
		t.Fatal(err)
	}
	for _, cache := range caches {
		t.Run(cache, func(t *testing.T) {
			opt, err := ParseCache(cache)
			if err != nil {
				t.Fatal(err)
			}
			data, err := Compose(repo, opt)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "docker-compose.build.yml"), data, 0o644)
			po, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "docker-compose.build.yml")},
				cli.WithWorkingDirectory(dir), cli.WithName("examples"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := po.LoadProject(context.Background())
			if err != nil {
				t.Fatalf("compose-go rejects the override: %v", err)
			}
			report, err := p.GetService("report")
			if err != nil || report.Build == nil || report.Build.AdditionalContexts["example/base:dev"] != "service:base" {
				t.Errorf("report: %v %+v", err, report.Build)
			}
			worker, err := p.GetService("services-worker")
			if err != nil || worker.Build == nil || !strings.HasSuffix(worker.Build.Context, "services/worker") || worker.Image != "layerwise.local/services-worker:latest" {
				t.Errorf("the Dockerfile-only worker as a service: %v %+v", err, worker)
			}
			images := map[string]string{} // service: the image it builds
			for name, svc := range p.Services {
				if svc.Build == nil {
					continue
				}
				images[name] = svc.Image
				checkCache(t, "compose-go: service "+name, cache, svc.Image, cacheEntries(t, svc.Build.CacheFrom), cacheEntries(t, svc.Build.CacheTo))
			}
			if len(images) != 7 {
				t.Errorf("%d services build", len(images))
			}
			targets := bakePrint(t, dir, "compose.yaml", "docker-compose.build.yml")
			if c, _ := targets["report"]["contexts"].(map[string]any); c["example/base:dev"] != "target:base" {
				t.Errorf("bake reads report's contexts as %v", targets["report"]["contexts"])
			}
			for name, target := range targets {
				checkCache(t, "bake: target "+name, cache, images[name], bakeCacheEntries(target["cache-from"]), bakeCacheEntries(target["cache-to"]))
			}
			// and the real docker compose (the plugin `make engine` builds),
			// which reads the override with its own compose-go and its own
			// checks
			t.Run("docker compose config", func(t *testing.T) {
				testengine.RequireCompose(t)
				out, err := exec.Command("docker", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-f", filepath.Join(dir, "docker-compose.build.yml"), "config", "--format", "json").Output()
				if err != nil {
					t.Fatalf("docker compose config: %v\n%s", err, exitOutput(err))
				}
				var cfg struct {
					Services map[string]struct {
						Image string `json:"image"`
						Build *struct {
							AdditionalContexts map[string]string `json:"additional_contexts"`
							CacheFrom          []string          `json:"cache_from"`
							CacheTo            []string          `json:"cache_to"`
						} `json:"build"`
					} `json:"services"`
				}
				if err := json.Unmarshal(out, &cfg); err != nil {
					t.Fatal(err)
				}
				if b := cfg.Services["report"].Build; b == nil || b.AdditionalContexts["example/base:dev"] != "service:base" {
					t.Errorf("docker compose reads report's build as %+v", b)
				}
				for name, svc := range cfg.Services {
					if svc.Build != nil {
						checkCache(t, "docker compose: service "+name, cache, svc.Image, cacheEntries(t, svc.Build.CacheFrom), cacheEntries(t, svc.Build.CacheTo))
					}
				}
			})
		})
	}
}

func exitOutput(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// A real bake build from a generated file, on the buildkitd of `make
// engine`: the app is built FROM the base image's tag, which bake gets from
// the base target (built first, never pulled), and the cache is exported
// where the file says.
func TestBakeBuildsAlongTheGraph(t *testing.T) {
	testengine.RequireBuildkitd(t)
	mark := fmt.Sprint(time.Now().UnixNano())
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":    "services:\n  base: {image: \"layerwise-test/bake-base:" + mark + "\", build: ./base}\n  app: {build: ./app}\n",
		"base/Dockerfile": "FROM 127.0.0.1:5000/busybox:1.36\nRUN echo " + mark + " > /base.txt\n",
		"app/Dockerfile":  "FROM layerwise-test/bake-base:" + mark + "\nRUN cat /base.txt > /app.txt\n",
	})
	repo, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "docker-bake.hcl"), Bake(repo, BuildFilesOptions{Cache: graphbuild.Cache{Kind: graphbuild.CacheLocal}}), 0o644)
	cmd := exec.Command("docker", "buildx", "bake", "--builder", "layerwise-remote", "--progress=plain", "-f", "docker-bake.hcl", "app")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bake: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "echo "+mark) || !strings.Contains(string(out), "cat /base.txt") {
		t.Errorf("bake did not build the base and then the app:\n%s", out)
	}
	for _, target := range []string{"base", "app"} {
		if _, err := os.Stat(filepath.Join(root, ".layerwise", "cache", target, "index.json")); err != nil {
			t.Errorf("no cache exported for %s: %v", target, err)
		}
	}
}

// An inline cache is read back from the image's own reference: bake tags
// an untagged compose service with its local reference and reads that;
// the compose override has none to give (compose names the image after
// its project), so it only exports.
func TestInlineCacheOfAnUntaggedService(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":   "services:\n  app: {build: ./app}\n",
		"app/Dockerfile": "FROM scratch\nCOPY . /\n",
	})
	repo, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := ParseCache("inline")
	if hcl := string(Bake(repo, opt)); !strings.Contains(hcl, `cache-from = ["type=registry,ref=layerwise.local/app:latest"]`) || !strings.Contains(hcl, `cache-to = ["type=inline"]`) {
		t.Errorf("bake:\n%s", hcl)
	}
	data, err := Compose(repo, opt)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); strings.Contains(s, "cache-from") || strings.Contains(s, "cache_from") || !strings.Contains(s, "type=inline") {
		t.Errorf("compose:\n%s", s)
	}
}

// TestBuildFilesEscapeNames: directory names that hold compose's ${VAR},
// HCL's template sequences, quotes and an escape character come out of
// compose-go and bake as the same paths, not interpolated and not broken.
func TestBuildFilesEscapeNames(t *testing.T) {
	dir := t.TempDir()
	names := []string{"svc/${HOME}", "tpl/%{x}\"q", "esc/a\x1bb"}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n, "Dockerfile"), []byte("FROM busybox\n"), 0o644)
	}
	repo, err := discover.Discover(context.Background(), dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Images) != len(names) {
		t.Fatalf("%d images", len(repo.Images))
	}
	opt, _ := ParseCache("local")
	data, err := Compose(repo, opt)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "docker-compose.build.yml"), data, 0o644)
	po, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.build.yml")}, cli.WithWorkingDirectory(dir), cli.WithName("x"),
		cli.WithEnv([]string{"HOME=/root"}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose-go rejects the override: %v\n%s", err, data)
	}
	contexts := map[string]bool{}
	for _, s := range p.Services {
		if s.Build == nil {
			t.Fatalf("%s: no build", s.Name)
		}
		rel, _ := filepath.Rel(dir, s.Build.Context)
		contexts[filepath.ToSlash(rel)] = true
		if strings.Contains(fmt.Sprint(s.Build.CacheTo), "/root") {
			t.Errorf("%s: cache-to interpolated: %v", s.Name, s.Build.CacheTo)
		}
	}
	for _, n := range names {
		if !contexts[n] {
			t.Errorf("compose: context %q missing from %v\n%s", n, contexts, data)
		}
	}

	os.WriteFile(filepath.Join(dir, "docker-bake.hcl"), Bake(repo, opt), 0o644)
	targets := bakePrint(t, dir, "docker-bake.hcl")
	got := map[string]bool{}
	for _, tg := range targets {
		got[fmt.Sprint(tg["context"])] = true
	}
	for _, n := range names {
		if !got[n] {
			t.Errorf("bake: context %q missing from %v", n, got)
		}
	}
}
