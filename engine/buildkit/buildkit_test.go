package buildkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client"

	"github.com/layerwise/layerwise/engine"
)

// The solve a request asks for is what buildx sends for the same flags.
func TestSolveOpt(t *testing.T) {
	ctxDir, dfDir, named := t.TempDir(), t.TempDir(), t.TempDir()
	df := filepath.Join(dfDir, "Dockerfile.prod")
	os.WriteFile(df, []byte("FROM busybox\n"), 0o644)
	req := engine.Request{ContextDir: ctxDir, Dockerfile: df, Target: "runtime", NoCache: true,
		BuildArgs: map[string]string{"VERSION": "1.2"},
		Contexts:  map[string]string{"shared": named, "base": "docker-image://busybox:1.36"},
		CacheFrom: []string{"type=registry,ref=127.0.0.1:5000/cache"}, CacheTo: []string{"type=inline"},
		Tag: "example/app:dev"}
	opt, err := solveOpt(req, filepath.Join(t.TempDir(), "image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"filename": "Dockerfile.prod", "target": "runtime", "no-cache": "", "build-arg:VERSION": "1.2",
		"context:shared": "local:named-context-shared", "context:base": "docker-image://busybox:1.36"}
	for k, v := range want {
		if got, ok := opt.FrontendAttrs[k]; !ok || got != v {
			t.Errorf("attr %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if len(opt.FrontendAttrs) != len(want) {
		t.Errorf("attrs %v", opt.FrontendAttrs)
	}
	for _, m := range []string{"context", "dockerfile", "named-context-shared"} {
		if _, ok := opt.LocalMounts[m]; !ok {
			t.Errorf("no local mount %s", m)
		}
	}
	if len(opt.LocalMounts) != 3 || opt.Frontend != "dockerfile.v0" {
		t.Errorf("mounts %v, frontend %s", opt.LocalMounts, opt.Frontend)
	}
	if len(opt.CacheImports) != 1 || opt.CacheImports[0].Type != "registry" || opt.CacheImports[0].Attrs["ref"] != "127.0.0.1:5000/cache" ||
		len(opt.CacheExports) != 1 || opt.CacheExports[0].Type != "inline" {
		t.Errorf("cache %+v / %+v", opt.CacheImports, opt.CacheExports)
	}
	if len(opt.Exports) != 1 || opt.Exports[0].Type != client.ExporterOCI || opt.Exports[0].Attrs["name"] != "example/app:dev" || opt.Exports[0].Output == nil {
		t.Errorf("exports %+v", opt.Exports)
	}

	req.Push = true
	opt, err = solveOpt(req, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.Exports) != 1 || opt.Exports[0].Type != client.ExporterImage || opt.Exports[0].Attrs["push"] != "true" || opt.Exports[0].Attrs["name"] != "example/app:dev" {
		t.Errorf("push exports %+v", opt.Exports)
	}

	for name, bad := range map[string]engine.Request{
		"missing context":       {ContextDir: filepath.Join(ctxDir, "nope"), Dockerfile: df},
		"missing named context": {ContextDir: ctxDir, Dockerfile: df, Contexts: map[string]string{"x": filepath.Join(named, "nope")}},
		"bad cache entry":       {ContextDir: ctxDir, Dockerfile: df, CacheFrom: []string{"type=registry,mode"}},
	} {
		if _, err := solveOpt(bad, "x.tar"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
