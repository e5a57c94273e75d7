package generate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/internal/actiontest"
	"github.com/layerwise/layerwise/internal/testengine"
)

// bake builds the examples from the generated bake file: the Python base
// image and the two jobs built FROM it, on a BuildKit recent enough for
// named contexts (the engine's own BuildKit predates them), which pulls
// the Python image through the generated mirror settings from the
// loopback registry (nothing can be pulled from the internet here). The
// jobs get the base target's output as the image their FROM names: built
// first, never pulled.
func TestBakeBuildsTheExamples(t *testing.T) {
	testengine.RequireBuildkitd(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// the base image, in the loopback registry under Docker Hub's path
	python := "127.0.0.1:5000/library/python:3.11-slim-bookworm"
	if _, err := crane.Head(python, crane.Insecure); err != nil {
		for _, args := range [][]string{{"tag", "python:3.11-slim-bookworm", python}, {"push", python}} {
			if out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput(); err != nil {
				t.Fatalf("docker %v: %v\n%s", args, err, out)
			}
		}
	}
	dir := t.TempDir()
	toml, err := BuildkitdTOML(MirrorOptions{Mirrors: map[string][]string{"docker.io": {"http://127.0.0.1:5000"}}})
	if err != nil {
		t.Fatal(err)
	}
	sock := startBuildkitd(t, dir, toml)
	builder := fmt.Sprintf("layerwise-bake-%d", time.Now().UnixNano())
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "create", "--name", builder, "--driver", "remote", sock).CombinedOutput(); err != nil {
		t.Fatalf("buildx create: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "buildx", "rm", builder).Run() })

	repo := filepath.Join(dir, "examples")
	if err := os.CopyFS(repo, actiontest.Junkless{FS: os.DirFS(filepath.Join("..", "examples"))}); err != nil {
		t.Fatal(err)
	}
	disc, err := discover.Discover(ctx, repo, discover.Options{Exclude: []string{"**/Dockerfile.expert"}})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "docker-bake.hcl"), Bake(disc, BuildFilesOptions{Cache: graphbuild.Cache{Kind: graphbuild.CacheLocal}}), 0o644)
	cmd := exec.CommandContext(ctx, "docker", "buildx", "bake", "--builder", builder, "--progress=plain", "-f", "docker-bake.hcl", "report", "services-worker")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "buildkitd.log"))
		t.Fatalf("bake: %v\n%s\n%s", err, out, log)
	}
	// the base was built (its apt install ran) and both jobs on it
	for _, want := range []string{"apt-get install -y python3-yaml", "apt-get install -y python3-jinja2", "apt-get install -y python3-requests"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("bake's output lacks %q", want)
		}
	}
	for _, target := range []string{"base", "report", "services-worker"} {
		if _, err := os.Stat(filepath.Join(repo, ".layerwise", "cache", target, "index.json")); err != nil {
			t.Errorf("no cache exported for %s: %v", target, err)
		}
	}
}
