package ephemeral

import (
	"context"
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
