package baseimage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testengine"
)

// TestConfigsFromTheEngine: a local image's user, environment and working
// directory come back; an image the engine does not have is unknown
// (nothing is pulled).
func TestConfigsFromTheEngine(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	dir := t.TempDir()
	df := "FROM busybox:1.36\nENV HOME=/home/app GOMODCACHE=/cache/mod\nUSER 1001:1001\nWORKDIR /srv\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	const tag = "layerwise-test/baseimage:1"
	if out, err := exec.Command("docker", "buildx", "build", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r := New("docker")
	got := r.Configs(context.Background(), []string{tag, "registry.example.com/nothing-here:1"})
	c, ok := got[tag]
	if !ok {
		t.Fatalf("%s not resolved: %+v", tag, got)
	}
	if c.User != "1001:1001" || c.WorkingDir != "/srv" || !strings.Contains(strings.Join(c.Env, " "), "GOMODCACHE=/cache/mod") {
		t.Errorf("config %+v", c)
	}
	if _, ok := got["registry.example.com/nothing-here:1"]; ok {
		t.Errorf("an image the engine does not have must be unknown")
	}
}

// TestNoEngineNoConfigs: without a reachable engine every image is unknown,
// after one short probe.
func TestNoEngineNoConfigs(t *testing.T) {
	r := New(filepath.Join(t.TempDir(), "no-docker-here"))
	if got := r.Configs(context.Background(), []string{"debian:12"}); len(got) != 0 {
		t.Errorf("configs without an engine: %+v", got)
	}
}

// TestConfigFromALoopbackRegistry: an image the engine does not have is
// read from its registry when that registry is on loopback (config only).
func TestConfigFromALoopbackRegistry(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:1.36\nENV HOME=/home/svc\nUSER 4242\n"), 0o644)
	const ref = "127.0.0.1:5000/layerwise-test/baseimage-remote:1"
	if out, err := exec.Command("docker", "buildx", "build", "-t", ref, dir).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out, err := exec.Command("docker", "push", ref).CombinedOutput(); err != nil {
		msg := "the loopback registry of `make engine` is not reachable: " + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	exec.Command("docker", "image", "rm", ref).Run()
	got := New("docker").Configs(context.Background(), []string{ref})
	c, ok := got[ref]
	if !ok || c.User != "4242" || !strings.Contains(strings.Join(c.Env, " "), "HOME=/home/svc") {
		t.Errorf("config from the registry: %+v %v", c, ok)
	}
	// any other registry is not asked unless Remote
	r := New("docker")
	if got := r.Configs(context.Background(), []string{"registry.example.com/nothing:1"}); len(got) != 0 {
		t.Errorf("asked a non-loopback registry: %+v", got)
	}
}
