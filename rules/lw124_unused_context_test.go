package rules

import (
	"slices"
	"testing"
)

func TestLW124UnusedContext(t *testing.T) {
	contextCases(t, "LW124",
		[]rep{{unused: 11 << 20}, {unused: 1e9}, {ignore: "/r/.dockerignore", unused: 50e6}, {unused: 20e6, heavy: []string{".git"}}, {unused: 100e6, bytes: 200e6}},
		[]rep{{}, {unused: 10 << 20}, {unused: 1e6}, {unused: 1e9, undecidable: true}, {bytes: 1e9}},
	)
}

// The rewrite excludes the top-level entries nothing reaches (without
// dropping anything a COPY reaches), but not a name a source starts with,
// the ignore file or the Dockerfile.
func TestUnusedContextExcludes(t *testing.T) {
	sent := []string{"Dockerfile", ".dockerignore", "README.md", "docs/", "docs/a.md", "src/", "src/main.go", "empty/"}
	in := ignoreInput(t, "FROM alpine\nCOPY src/ /src/\nCOPY empty/ /empty/\n", sent, []string{"src/main.go"})
	in.Source = func(n string) bool { return n == "src" || n == "empty" }
	if got := excluded(UnusedContext, in); !slices.Equal(got, []string{"README.md", "docs"}) {
		t.Errorf("excluded %v", got)
	}
	all := ignoreInput(t, "FROM alpine\nCOPY . .\n", sent, []string{"Dockerfile", ".dockerignore", "README.md", "docs/a.md", "src/main.go"})
	all.Source = func(string) bool { return true }
	if got := excluded(UnusedContext, all); len(got) != 0 {
		t.Errorf("COPY . . reaches everything, yet %v", got)
	}
}
