package ephemeral

import (
	"context"
	"github.com/google/go-containerregistry/pkg/crane"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/moby/buildkit/client"
)

// A fresh builder answers, has no cache at all, and leaves nothing behind.
func TestFreshBuilderStartsEmptyAndIsRemoved(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	parent := t.TempDir()
	d, err := Start(ctx, Options{Dir: parent, Config: []byte("[registry.\"127.0.0.1:5000\"]\n  http = true\n")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(ctx, d.Addr)
	if err != nil {
		t.Fatal(err)
	}
	du, err := c.DiskUsage(ctx)
	c.Close()
	if err != nil || len(du) != 0 {
		t.Errorf("a fresh builder holds cache records: %v %d", err, len(du))
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(parent)
	if len(left) != 0 {
		t.Errorf("state left behind: %v", left)
	}
	if _, err := os.Stat(strings.TrimPrefix(d.Addr, "unix://")); err == nil {
		t.Error("the socket is still there")
	}
}

// A buildkitd that cannot start says why, with its log.
func TestStartFailureSaysWhy(t *testing.T) {
	testengine.RequireBuildkitd(t)
	parent := t.TempDir()
	_, err := Start(context.Background(), Options{Dir: parent, Config: []byte("this is = = not toml")})
	if err == nil {
		t.Fatal("a broken config started")
	}
	if !strings.Contains(err.Error(), "buildkitd") {
		t.Errorf("error names nothing: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(parent, "*")); len(left) != 0 {
		t.Errorf("state left behind: %v", left)
	}
}

// The Docker Engine's own builder cannot be started fresh.
func TestFactoryRefusesThePlainBackend(t *testing.T) {
	if _, err := (Factory{Backend: "plain"}).Start(context.Background()); err == nil || !strings.Contains(err.Error(), "--backend buildkit or buildx") {
		t.Errorf("plain: %v", err)
	}
	if Supported("plain") || !Supported("buildkit") || !Supported("buildx") {
		t.Error("Supported")
	}
}

// Pull downloads every layer of an image onto a fresh builder once: the
// bytes are the registry's layer sizes, and a second pull on the same
// builder downloads nothing.
func TestPullDownloadsEveryLayerOnce(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ref = "127.0.0.1:5000/busybox:1.36"
	img, err := crane.Pull(ref, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		want += n
	}
	d, err := Start(ctx, Options{Config: []byte("[registry.\"127.0.0.1:5000\"]\n  http = true\n")})
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Daemon: d, stop: []func(){func() { d.Stop() }}}
	defer j.End()
	first, err := j.Pull(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if first.Bytes != want || first.Layers != len(layers) || first.Wall <= 0 {
		t.Errorf("first pull: %+v; the registry's layers are %d bytes in %d layers", first, want, len(layers))
	}
	again, err := j.Pull(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if again.Bytes != 0 {
		t.Errorf("a second pull downloaded %d bytes", again.Bytes)
	}
}
