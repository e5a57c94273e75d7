// Package testengine lets integration tests find the real build engine that
// `make engine` (scripts/engine.sh) starts: a Docker Engine with BuildKit
// and the buildx plugin.
//
// Integration tests are opt-in: they run when LAYERWISE_INTEGRATION=1
// (`make test` sets it) or CI=true, so that `go test ./...` and `make unit`
// never touch an engine. Opted in, a test without an engine is skipped
// with the command that starts one; with CI=true it fails, so that CI can
// never go green by skipping.
package testengine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	once   sync.Once
	reason string
)

// optIn skips the test unless integration tests were asked for.
func optIn(t testing.TB) {
	t.Helper()
	if os.Getenv("LAYERWISE_INTEGRATION") == "1" || os.Getenv("CI") == "true" {
		return
	}
	t.Skip("integration test (real builds): run with LAYERWISE_INTEGRATION=1, as make test does")
}

func probe() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := exec.LookPath("docker"); err != nil {
		reason = "no docker CLI on PATH"
		return
	}
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		reason = "docker daemon not reachable: " + strings.TrimSpace(string(out))
		return
	}
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "version").CombinedOutput(); err != nil {
		reason = "docker buildx not installed: " + strings.TrimSpace(string(out))
		return
	}
}

// Require skips (or, on CI, fails) the test when no engine is reachable.
func Require(t testing.TB) {
	t.Helper()
	optIn(t)
	once.Do(probe)
	if reason == "" {
		return
	}
	msg := "needs a Docker Engine with buildx (" + reason + "); start one with `make engine`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RequireBuildkitd skips (or on CI fails) when the standalone buildkitd of
// `make engine`, its registry-served base image and the layerwise-remote
// buildx builder are not there.
func RequireBuildkitd(t testing.TB) {
	t.Helper()
	optIn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var why string
	if out, err := exec.CommandContext(ctx, "buildctl", "--addr", "unix:///run/buildkit/buildkitd.sock", "debug", "workers").CombinedOutput(); err != nil {
		why = "buildkitd not reachable at unix:///run/buildkit/buildkitd.sock: " + strings.TrimSpace(string(out))
	} else if out, err := exec.CommandContext(ctx, "docker", "buildx", "inspect", "layerwise-remote").CombinedOutput(); err != nil {
		why = "buildx builder layerwise-remote missing: " + strings.TrimSpace(string(out))
	}
	if why == "" {
		return
	}
	msg := why + "; start it with `make engine`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RequireCompose skips (or on CI fails) when the docker compose plugin
// that `make engine` builds is missing.
func RequireCompose(t testing.TB) {
	t.Helper()
	optIn(t)
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		msg := "docker compose plugin missing (" + strings.TrimSpace(string(out)) + "); build it with `make engine`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// ExampleBaseImages are the images scripts/make-base-images.sh makes for
// the examples.
var ExampleBaseImages = []string{"debian:bookworm-slim", "golang:1.23-bookworm", "golang:1.22-bookworm", "golang:1.21-bookworm", "node:20-bookworm-slim", "python:3.11-slim-bookworm"}

// RequireExampleBaseImages skips (or on CI fails) when the examples' base
// images have not been made.
func RequireExampleBaseImages(t testing.TB) {
	t.Helper()
	Require(t)
	for _, img := range ExampleBaseImages {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			msg := "base image " + img + " missing; make it with scripts/make-base-images.sh (make engine)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// FakeNodeTag is a node-like base image made from busybox (nothing can be
// pulled here): its npm "installs" by reading the manifests (and takes a
// second), builds by concatenating src/, and starts by printing the build.
const FakeNodeTag = "layerwise-test/node:20"

const fakeNpm = `#!/bin/sh
set -e
case "$1" in
  ci|install|i) sleep 1; mkdir -p node_modules/.bin; cat package.json package-lock.json | md5sum > node_modules/.installed ;;
  run) [ "$2" = build ]; mkdir -p dist; cat src/*.js > dist/server.js ;;
  start) cat dist/server.js ;;
  *) echo "fake npm: $*" >&2; exit 1 ;;
esac
`

// MakeFakeNode builds FakeNodeTag (instant when BuildKit has it cached).
func MakeFakeNode(t testing.TB) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"npm":        fakeNpm,
		"Dockerfile": "FROM busybox:1.36\nCOPY npm /usr/bin/npm\nRUN chmod +x /usr/bin/npm && mkdir -p /root/.npm\nENV NODE_VERSION=20.0.0-fake\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("docker", "buildx", "build", "-t", FakeNodeTag, dir).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", FakeNodeTag, err, out)
	}
}

// FakeRustTag is a Rust toolchain image made from Debian's cargo and rustc
// (no rust image can be pulled here). Crates without dependencies build
// offline on it: enough to prove a rewrite of a cargo build builds the same
// binary.
const FakeRustTag = "layerwise-test/rust:debian"

// MakeFakeRust builds FakeRustTag from Debian's packages (the first time
// about a minute of downloads from the Debian mirror; cached after).
func MakeFakeRust(t testing.TB) {
	t.Helper()
	dir := t.TempDir()
	df := "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends cargo rustc gcc libc6-dev && rm -rf /var/lib/apt/lists/*\nENV CARGO_HOME=/usr/local/cargo\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "buildx", "build", "-t", FakeRustTag, dir).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", FakeRustTag, err, out)
	}
}
