package rules

import (
	"strings"
	"testing"

	"github.com/layerwise/layerwise/buildctx"
)

// report builds a synthetic context report.
type rep struct {
	ignore      string
	bytes       int64
	heavy       []string
	sensitive   []string
	unused      int64
	undecidable bool
}

func (r rep) build() *buildctx.Report {
	out := &buildctx.Report{IgnoreFile: &buildctx.IgnoreFile{Path: r.ignore}, Walk: &buildctx.Walk{Files: 10, Bytes: r.bytes}}
	for _, h := range r.heavy {
		out.Heavy = append(out.Heavy, buildctx.SizeEntry{Path: h, Bytes: 1e6, Files: 3})
	}
	for _, s := range r.sensitive {
		out.Sensitive = append(out.Sensitive, buildctx.Sensitive{Path: s, Reason: "secret"})
	}
	out.Usage = &buildctx.Usage{UnusedBytes: r.unused, UnusedFiles: 4, Undecidable: r.undecidable}
	out.UnusedDirs = []buildctx.SizeEntry{{Path: "docs", Bytes: r.unused}}
	return out
}

func contextCases(t *testing.T, id string, catch, notCatch []rep) {
	t.Helper()
	for _, r := range catch {
		if fs := check(t, id, withContext(input(t, "FROM debian:12\nCOPY . .\n"), r.build())); len(fs) == 0 {
			t.Errorf("%s should catch %+v", id, r)
		}
	}
	for _, r := range notCatch {
		if fs := check(t, id, withContext(input(t, "FROM debian:12\nCOPY . .\n"), r.build())); len(fs) != 0 {
			t.Errorf("%s should not catch %+v: %s", id, r, fs[0].Message)
		}
	}
	// no context report: context rules stay silent
	if fs := check(t, id, input(t, "FROM debian:12\n")); len(fs) != 0 {
		t.Errorf("%s reports without a context", id)
	}
}

func TestLW120NoDockerignore(t *testing.T) {
	contextCases(t, "LW120",
		[]rep{{}, {bytes: 1}, {heavy: []string{".git"}}, {unused: 5e6}, {bytes: 500e6, heavy: []string{"node_modules"}}},
		[]rep{{ignore: "/r/.dockerignore"}, {ignore: "/r/Dockerfile.dockerignore"}, {ignore: "/x/.dockerignore", bytes: 1e9}, {ignore: "/a/.dockerignore", heavy: []string{".git"}}, {ignore: "/b/.dockerignore", unused: 1e9}},
	)
}

func TestLW121LargeContext(t *testing.T) {
	contextCases(t, "LW121",
		[]rep{{bytes: 101 << 20}, {bytes: 1e9}, {ignore: "/r/.dockerignore", bytes: 2e8}, {bytes: 5e9, heavy: []string{".git"}}, {bytes: 200 << 20}},
		[]rep{{bytes: 0}, {bytes: 1e6}, {bytes: 100 << 20}, {bytes: 50e6, heavy: []string{".git"}}, {ignore: "/r/.dockerignore", bytes: 99e6}},
	)
}

func TestLW122HeavyDirs(t *testing.T) {
	contextCases(t, "LW122",
		[]rep{{heavy: []string{".git"}}, {heavy: []string{"node_modules"}}, {heavy: []string{"target", "dist"}}, {ignore: "/r/.dockerignore", heavy: []string{".venv"}}, {heavy: []string{"web/node_modules"}}},
		[]rep{{}, {bytes: 1e9}, {sensitive: []string{".env"}}, {unused: 1e9}, {ignore: "/r/.dockerignore"}},
	)
}

func TestLW123Sensitive(t *testing.T) {
	contextCases(t, "LW123",
		[]rep{{sensitive: []string{".env"}}, {sensitive: []string{"id_rsa"}}, {sensitive: []string{".aws/"}}, {ignore: "/r/.dockerignore", sensitive: []string{"k.pem"}}, {sensitive: []string{".git/", ".npmrc"}}},
		[]rep{{}, {heavy: []string{"node_modules"}}, {bytes: 1e9}, {unused: 1e9}, {ignore: "/r/.dockerignore"}},
	)
}

func TestLW124UnusedContext(t *testing.T) {
	contextCases(t, "LW124",
		[]rep{{unused: 11 << 20}, {unused: 1e9}, {ignore: "/r/.dockerignore", unused: 50e6}, {unused: 20e6, heavy: []string{".git"}}, {unused: 100e6, bytes: 200e6}},
		[]rep{{}, {unused: 10 << 20}, {unused: 1e6}, {unused: 1e9, undecidable: true}, {bytes: 1e9}},
	)
}

// TestLW122NotByNameAlone: a small build/ and vendored dist/ assets that a
// COPY sends and no RUN rebuilds are not heavy directories to drop; the
// same dist/ is when the image runs its own build.
func TestLW122NotByNameAlone(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	cases := []struct {
		files map[string]string
		want  int
	}{
		{map[string]string{"Dockerfile": "FROM nginx:1\nCOPY . /app\n", "build/a.txt": strings.Repeat("x", 532)}, 0},
		{map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY . /app\n", "wwwroot/lib/bootstrap/dist/b.js": big}, 0},
		{map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n", "package.json": "{}", "dist/b.js": big}, 1},
		{map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": "{}", "node_modules/x/i.js": big}, 1},
		{map[string]string{"Dockerfile": "FROM debian:12\nCOPY . /src\n", ".cache/pip/p": big}, 1},
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
