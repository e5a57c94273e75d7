package rules

import (
	"slices"
	"testing"
)

func TestLW123Sensitive(t *testing.T) {
	contextCases(t, "LW123",
		[]rep{{sensitive: []string{".env"}}, {sensitive: []string{"id_rsa"}}, {sensitive: []string{".aws/"}}, {ignore: "/r/.dockerignore", sensitive: []string{"k.pem"}}, {sensitive: []string{".git/", ".npmrc"}}},
		[]rep{{}, {heavy: []string{"node_modules"}}, {bytes: 1e9}, {unused: 1e9}, {ignore: "/r/.dockerignore"},
			// no COPY names it: BuildKit never sends it
			{sensitive: []string{".env"}, unreached: []string{".env"}}, {sensitive: []string{".aws/"}, unreached: []string{".aws/"}}},
	)
}

// The rewrite excludes every secret sent, but .git when a RUN uses git and
// whatever a COPY names.
func TestSensitiveFileExcludes(t *testing.T) {
	sent := []string{".env", ".git/", ".git/HEAD", "id_rsa", "src/", "src/main.go"}
	src := "FROM alpine\nCOPY . .\n"
	got := excluded(SensitiveFileInContext, ignoreInput(t, src, sent, []string{".env", "src/main.go"}))
	if !slices.Equal(got, []string{"!.env", "!.git", "!id_rsa"}) {
		t.Errorf("excluded %v", got)
	}
	got = excluded(SensitiveFileInContext, ignoreInput(t, "FROM alpine\nCOPY . .\nRUN git describe > /version\n", sent, nil, ".env"))
	if !slices.Equal(got, []string{"!id_rsa"}) {
		t.Errorf("with git and a kept .env: %v", got)
	}
	if got := excluded(SensitiveFileInContext, ignoreInput(t, src, []string{"src/", "src/main.go"}, nil)); len(got) != 0 {
		t.Errorf("no secret, yet %v", got)
	}
}
