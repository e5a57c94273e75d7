package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// hostileNames are file names that are also .dockerignore syntax.
var hostileNames = []string{"!*", "!.env", "*", "[abc]", `a\b`, "open[", "x?", "with space", "#hash", "a]b", "plain", "dir/!sub", "é-ü"}

// roundTrip writes the escaped patterns for keep, reads them back with
// BuildKit's reader and matcher, and returns which of all match.
func roundTrip(t testing.TB, keep []string, all []string) map[string]bool {
	t.Helper()
	var lines []string
	for _, p := range keep {
		pat, ok := escapePattern(p)
		if !ok {
			t.Fatalf("%q should be expressible", p)
		}
		lines = append(lines, pat)
	}
	pats, err := ignorefile.ReadAll(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(pats)
	if err != nil {
		t.Fatalf("patterns %q: %v", pats, err)
	}
	got := map[string]bool{}
	for _, p := range all {
		m, err := pm.MatchesOrParentMatches(p)
		if err != nil {
			t.Fatal(err)
		}
		got[p] = m
	}
	return got
}

// TestEscapedPatternsSelectExactlyTheirPath: each hostile name, written by
// the fixer and re-read by BuildKit's ignore reader, excludes itself and
// nothing else (`!*` used to become an exception that re-included every
// secret).
func TestEscapedPatternsSelectExactlyTheirPath(t *testing.T) {
	for _, name := range hostileNames {
		got := roundTrip(t, []string{name}, hostileNames)
		for _, other := range hostileNames {
			if got[other] != (other == name) {
				t.Errorf("pattern for %q: matches %q = %v", name, other, got[other])
			}
		}
	}
}

func TestUnexpressibleNames(t *testing.T) {
	for _, name := range []string{"a\nb", "trailing ", " leading", "esc\x1b", "\xff\xfe", "cr\r"} {
		if p, ok := escapePattern(name); ok {
			t.Errorf("%q should not be expressible, got %q", name, p)
		}
	}
}

// TestIgnoreRewriteNeverReincludesSecrets: a file named `!*` next to .env
// and an SSH key; the rewrite excludes the secrets, and what it writes
// re-includes nothing (checked by walking with the written file).
func TestIgnoreRewriteNeverReincludesSecrets(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"Dockerfile":  "FROM debian:12\nCOPY app /app\n",
		"app/main":    "x",
		".env":        "API_KEY=k3y",
		".ssh/id_rsa": "key",
		"!*":          "",
		"!.env":       "",
		"[x]":         "",
	})
	ign := got[".dockerignore"]
	if ign == "" {
		t.Fatalf("no rewrite: %+v", notes)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte(ign), 0o644)
	pats, err := ignorefile.ReadAll(strings.NewReader(ign))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pats {
		if strings.HasPrefix(p, "!") {
			t.Errorf("the rewrite wrote an exception %q:\n%s", p, ign)
		}
	}
	pm, _ := patternmatcher.New(pats)
	for _, secret := range []string{".env", ".ssh/id_rsa"} {
		if m, _ := pm.MatchesOrParentMatches(secret); !m {
			t.Errorf("%s is sent again:\n%s", secret, ign)
		}
	}
	if m, _ := pm.MatchesOrParentMatches("app/main"); m {
		t.Errorf("app/main, which a COPY names, is excluded:\n%s", ign)
	}
}

// FuzzEscapePattern: any expressible name, written and re-read, matches
// itself and not a sibling that differs.
func FuzzEscapePattern(f *testing.F) {
	for _, n := range hostileNames {
		f.Add(n, n+"x")
	}
	f.Fuzz(func(t *testing.T, name, other string) {
		if strings.Contains(name, "/") || strings.Contains(other, "/") || name == other || name == "." || name == ".." || other == "." || other == ".." {
			return
		}
		if _, ok := escapePattern(name); !ok {
			return
		}
		got := roundTrip(t, []string{name}, []string{name, other})
		if !got[name] || got[other] {
			t.Fatalf("pattern for %q: self %v, %q %v", name, got[name], other, got[other])
		}
	})
}

// TestIgnoreKeepsCRLF: lines added to a CRLF .dockerignore end in CRLF too.
func TestIgnoreKeepsCRLF(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":    "FROM debian:12\nCOPY app /app\n",
		"app/main":      "x",
		"docs/a.md":     "x",
		".dockerignore": "# ours\r\n*.log\r\n",
	})
	ign := got[".dockerignore"]
	if ign == "" || strings.Count(ign, "\n") != strings.Count(ign, "\r\n") {
		t.Errorf("mixed line ends: %q", ign)
	}
}
