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
	// the same image under its familiar and its full name, and one the
	// engine does not have: one listing, one inspect
	full := "docker.io/" + tag
	got := r.Configs(context.Background(), []string{tag, full, "registry.example.com/nothing-here:1"})
	if got[full].User != "1001:1001" {
		t.Errorf("%s (the full name) not resolved: %+v", full, got[full])
	}
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

// The names the engine lists and the names Dockerfiles write meet in one
// normal form.
func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"golang:1.23-bookworm", "docker.io/library/golang:1.23-bookworm"},
		{"node", "index.docker.io/library/node:latest"},
		{"127.0.0.1:5000/busybox:1.36", "127.0.0.1:5000/busybox:1.36"},
		{"ghcr.io/org/app@sha256:0123456789012345678901234567890123456789012345678901234567890123", "ghcr.io/org/app@sha256:0123456789012345678901234567890123456789012345678901234567890123"},
	} {
		if na, nb := normalize(tc.a), normalize(tc.b); na == "" || na != nb {
			t.Errorf("normalize(%q) = %q, normalize(%q) = %q", tc.a, na, tc.b, nb)
		}
	}
	if normalize("scratch") != "" || normalize("Not A Ref") != "" {
		t.Error("scratch and malformed references have no normal form")
	}
	if normalize("golang:1.22") == normalize("golang:1.23") {
		t.Error("tags differ")
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

// TestAshShell: alpine and busybox themselves and an image's Alpine
// variant run BusyBox's ash; Debian's and an unknown image's do not.
func TestAshShell(t *testing.T) {
	for ref, want := range map[string]bool{
		"alpine:3.20": true, "busybox:1.36": true, "golang:1.17-alpine": true, "docker.io/library/node:20-alpine3.19": true,
		"golang:1.17": false, "registry.example.com/team/base:1": false, "scratch": false,
	} {
		if got := AshShell(ref); got != want {
			t.Errorf("%s: %v, want %v", ref, got, want)
		}
	}
}

func TestHasCToolchain(t *testing.T) {
	for ref, want := range map[string]bool{
		"python:3.11": true, "python:3.11-bookworm": true, "python:3.11-slim": false, "node:20-alpine": false,
		"golang:1.23": true, "buildpack-deps:bookworm": true, "buildpack-deps:bookworm-scm": false,
		"debian:12": false, "registry.example.com/team/python:3.11": false,
	} {
		if got := HasCToolchain(ref); got != want {
			t.Errorf("%s: %v, want %v", ref, got, want)
		}
	}
}
