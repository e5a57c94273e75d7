package rules

import (
	"strings"
	"testing"
)

func TestLW122HeavyDirs(t *testing.T) {
	contextCases(t, "LW122",
		[]rep{{heavy: []string{".git"}}, {heavy: []string{"node_modules"}}, {heavy: []string{"target", "dist"}}, {ignore: "/r/.dockerignore", heavy: []string{".venv"}}, {heavy: []string{"web/node_modules"}}},
		[]rep{{}, {bytes: 1e9}, {sensitive: []string{".env"}}, {unused: 1e9}, {ignore: "/r/.dockerignore"}},
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
