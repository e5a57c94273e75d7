package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const npmBuild = "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n"

func TestLW122HeavyDirs(t *testing.T) {
	contextCases(t, "LW122",
		[]rep{{heavy: []string{".git"}}, {heavy: []string{"node_modules"}, df: npmBuild}, {heavy: []string{"target", "dist"}, df: "FROM rust:1\nCOPY . .\nRUN cargo build\n"},
			{ignore: "/r/.dockerignore", heavy: []string{".venv"}, df: "FROM python:3\nCOPY . .\nRUN pip install -r requirements.txt\n"}, {heavy: []string{"web/node_modules"}, df: npmBuild}},
		[]rep{{}, {bytes: 1e9}, {sensitive: []string{".env"}}, {unused: 1e9}, {ignore: "/r/.dockerignore"},
			// no COPY reaches it: BuildKit sends none of it
			{heavy: []string{".git"}, unreached: []string{".git"}},
			// the image needs it as sent: no RUN installs the packages
			{heavy: []string{"node_modules"}}},
	)
}

// TestLW122NotByNameAlone: a small build/ and vendored dist/ assets that a
// COPY sends and no RUN rebuilds are not heavy directories to drop; the
// same dist/ is when the image runs its own build.
func TestLW122NotByNameAlone(t *testing.T) {
	big := strings.Repeat("x", 1100<<10)
	cases := []struct {
		files map[string]string
		want  int
	}{
		{map[string]string{"Dockerfile": "FROM nginx:1\nCOPY . /app\n", "build/a.txt": strings.Repeat("x", 532)}, 0},
		{map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY . /app\n", "wwwroot/lib/bootstrap/dist/b.js": big}, 0},
		{map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n", "package.json": "{}", "dist/b.js": big}, 1},
		{map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": "{}", "node_modules/x/i.js": big}, 1},
		{map[string]string{"Dockerfile": "FROM debian:12\nCOPY . /src\n", ".cache/pip/p": big}, 1},
		// under a megabyte: milliseconds to send (review 36: SimplCommerce's
		// build/ of 970 kB)
		{map[string]string{"Dockerfile": "FROM debian:12\nCOPY . /src\n", ".cache/pip/p": strings.Repeat("x", 970<<10)}, 0},
		// review 31 (netbird's proxy): a Go package embeds the UI build
		{map[string]string{"Dockerfile": "FROM golang:1.23\nCOPY . .\nRUN npm ci && npm run build && go build ./proxy\n", "package.json": "{}", "proxy/web/dist/b.js": big,
			"proxy/web/embed.go": "package web\n\nimport \"embed\"\n\n//go:embed dist\nvar Dist embed.FS\n"}, 0},
		{map[string]string{"Dockerfile": "FROM golang:1.23\nCOPY . .\nRUN npm ci && npm run build && go build ./proxy\n", "package.json": "{}", "proxy/web/dist/b.js": big,
			"proxy/web/embed.go": "package web\n"}, 1},
		// a test file's embed: the build of the binary never reads it
		{map[string]string{"Dockerfile": "FROM golang:1.23\nCOPY . .\nRUN go build ./proxy\n", "proxy/dist/b.bin": big,
			"proxy/p_test.go": "package proxy\n\nimport \"embed\"\n\n//go:embed dist\nvar td embed.FS\n"}, 1},
		{map[string]string{"Dockerfile": "FROM golang:1.23\nCOPY . .\nRUN go test ./... && go build ./proxy\n", "proxy/dist/b.bin": big,
			"proxy/p_test.go": "package proxy\n\nimport \"embed\"\n\n//go:embed dist\nvar td embed.FS\n"}, 0},
	}
	for _, tc := range cases {
		if got := len(check(t, "LW122", inputWithContext(t, tc.files))); got != tc.want {
			t.Errorf("%v: %d findings, want %d", keys(tc.files), got, tc.want)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The .dockerignore rewrite excludes the heavy directories the build
// regenerates, and only those: not without the tool that regenerates them,
// not one a COPY names, not in a directory read as a named context.
func TestHeavyDirectoryExcludes(t *testing.T) {
	sent := []string{"node_modules/", "node_modules/x/", "dist/", "web/node_modules/", "src/", "target/"}
	npm := "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n"
	// node_modules where the install runs (not web/'s: no install runs
	// there); dist only where the build's own bundler writes it by default
	if got := excluded(HeavyDirectoryInContext, ignoreInput(t, npm, sent, nil)); !slices.Equal(got, []string{"!node_modules"}) {
		t.Errorf("npm, no bundler known: %v", got)
	}
	vite := ignoreInput(t, npm, sent, nil)
	os.WriteFile(filepath.Join(vite.Dir, "package.json"), []byte(`{"scripts": {"build": "vite build"}}`), 0o644)
	if got := excluded(HeavyDirectoryInContext, vite); !slices.Equal(got, []string{"!dist", "!node_modules"}) {
		t.Errorf("npm, vite: %v", got)
	}
	os.WriteFile(filepath.Join(vite.Dir, "vite.config.ts"), []byte(`export default { build: { outDir: "public/assets" } }`), 0o644)
	if got := excluded(HeavyDirectoryInContext, vite); slices.Contains(got, "!dist") {
		t.Errorf("vite with its own outDir: %v", got)
	}
	os.Remove(filepath.Join(vite.Dir, "vite.config.ts"))
	vite.Keep = func(p string) bool { return p == "dist" }
	if got := excluded(HeavyDirectoryInContext, vite); slices.Contains(got, "!dist") {
		t.Errorf("a directory a COPY names is excluded: %v", got)
	}
	// a vendored library's dist/ (pitstop's wwwroot/lib/bootstrap/dist,
	// beside its own package.json) is not what the build writes
	lib := ignoreInput(t, npm, []string{"wwwroot/", "wwwroot/lib/", "wwwroot/lib/bootstrap/", "wwwroot/lib/bootstrap/dist/", "wwwroot/lib/bootstrap/package.json"}, nil)
	os.MkdirAll(filepath.Join(lib.Dir, "wwwroot/lib/bootstrap"), 0o755)
	os.WriteFile(filepath.Join(lib.Dir, "wwwroot/lib/bootstrap/package.json"), []byte(`{"scripts": {"build": "vite build"}}`), 0o644)
	os.WriteFile(filepath.Join(lib.Dir, "package.json"), []byte(`{"scripts": {"build": "vite build"}}`), 0o644)
	if got := excluded(HeavyDirectoryInContext, lib); len(got) != 0 {
		t.Errorf("a vendored library's dist excluded: %v", got)
	}
	if got := excluded(HeavyDirectoryInContext, ignoreInput(t, "FROM alpine\nCOPY . .\n", sent, nil)); len(got) != 0 {
		t.Errorf("nothing regenerates them, yet %v", got)
	}
	named := ignoreInput(t, npm, sent, nil)
	named.Named = true
	if got := excluded(HeavyDirectoryInContext, named); len(got) != 0 {
		t.Errorf("named context: %v", got)
	}
	if got := excluded(HeavyDirectoryInContext, ignoreInput(t, "FROM rust\nCOPY . .\nRUN cargo build --release\n", sent, nil)); !slices.Equal(got, []string{"!target"}) {
		t.Errorf("cargo: %v", got)
	}
}

// layerwise's own state is excluded wherever the context sends it, and at
// the root of a context that is the repository root even before it exists;
// not when the ignore file excludes it already, nor when a COPY names it.
func TestStateExcludes(t *testing.T) {
	src := "FROM alpine\nCOPY . .\n"
	sent := []string{"src/", ".layerwise/", "tools/.layerwise/", ".layerwise.yaml"}
	in := ignoreInput(t, src, sent, nil)
	if got := excluded(HeavyDirectoryInContext, in); !slices.Equal(got, []string{"!.layerwise", "!tools/.layerwise"}) {
		t.Errorf("sent: %v", got)
	}
	root := ignoreInput(t, src, []string{"src/"}, nil)
	root.Root = root.Dir
	if got := excluded(HeavyDirectoryInContext, root); !slices.Equal(got, []string{".layerwise"}) {
		t.Errorf("the repository root before the first measured build: %v", got)
	}
	root.Ignored = func(p string) bool { return p == ".layerwise" }
	if got := excluded(HeavyDirectoryInContext, root); len(got) != 0 {
		t.Errorf("excluded already: %v", got)
	}
	below := ignoreInput(t, src, []string{"src/"}, nil)
	below.Root = t.TempDir()
	if got := excluded(HeavyDirectoryInContext, below); len(got) != 0 {
		t.Errorf("a context below the root holding none: %v", got)
	}
	named := ignoreInput(t, "FROM alpine\nCOPY .layerwise/seed.json /seed.json\nCOPY . .\n", sent, nil)
	if got := excluded(HeavyDirectoryInContext, named); !slices.Equal(got, []string{"!tools/.layerwise"}) {
		t.Errorf("a COPY names .layerwise/seed.json: %v", got)
	}
}
