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
	"github.com/layerwise/layerwise/build"
	"github.com/layerwise/layerwise/discover"
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
	for _, cache := range []string{"local", "registry=registry.example.com/shop/cache", "gha", "inline", "none"} {
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
	}
}

// The compose override loads with the examples' compose file through
// compose-go (compose's own loader) and through bake, which turns its
// service: contexts into target: ones.
func TestComposeOverrideOfTheExamples(t *testing.T) {
	repo := examples(t)
	opt, _ := ParseCache("local")
	data, err := Compose(repo, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ex")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples"))); err != nil {
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
	if err != nil || report.Build == nil || report.Build.AdditionalContexts["example/base:dev"] != "service:base" || len(report.Build.CacheTo) != 1 {
		t.Errorf("report: %v %+v", err, report.Build)
	}
	worker, err := p.GetService("services-worker")
	if err != nil || worker.Build == nil || !strings.HasSuffix(worker.Build.Context, "services/worker") || worker.Image != "layerwise.local/services-worker:latest" {
		t.Errorf("the Dockerfile-only worker as a service: %v %+v", err, worker)
	}
	targets := bakePrint(t, dir, "compose.yaml", "docker-compose.build.yml")
	if c, _ := targets["report"]["contexts"].(map[string]any); c["example/base:dev"] != "target:base" {
		t.Errorf("bake reads report's contexts as %v", targets["report"]["contexts"])
	}
	// and the real docker compose (the plugin `make engine` builds), which
	// reads the override with its own compose-go and its own checks
	t.Run("docker compose config", func(t *testing.T) {
		testengine.RequireCompose(t)
		out, err := exec.Command("docker", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-f", filepath.Join(dir, "docker-compose.build.yml"), "config", "--format", "json").Output()
		if err != nil {
			t.Fatalf("docker compose config: %v\n%s", err, exitOutput(err))
		}
		var cfg struct {
			Services map[string]struct {
				Build struct {
					AdditionalContexts map[string]string `json:"additional_contexts"`
					CacheTo            []string          `json:"cache_to"`
				} `json:"build"`
			} `json:"services"`
		}
		if err := json.Unmarshal(out, &cfg); err != nil {
			t.Fatal(err)
		}
		if b := cfg.Services["report"].Build; b.AdditionalContexts["example/base:dev"] != "service:base" || len(b.CacheTo) != 1 {
			t.Errorf("docker compose reads report's build as %+v", b)
		}
	})
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
	os.WriteFile(filepath.Join(root, "docker-bake.hcl"), Bake(repo, BuildFilesOptions{Cache: build.Cache{Kind: build.CacheLocal}}), 0o644)
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
