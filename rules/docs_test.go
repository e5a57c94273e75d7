package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

var update = flag.Bool("update", false, "regenerate docs/rules")

// TestDocs keeps docs/rules in step with the rule declarations.
func TestDocs(t *testing.T) {
	dir := filepath.Join("..", "docs", "rules")
	if *update {
		if err := WriteDocs(dir); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, want []byte) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/rules/%s is stale: run go test ./rules -run TestDocs -update", name)
		}
	}
	check("README.md", Index())
	for _, r := range All() {
		check(r.ID+".md", r.Doc())
	}
}

// TestRuleDeclarations: every rule has what its docs and reports need.
func TestRuleDeclarations(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range All() {
		if !strings.HasPrefix(r.ID, "LW") || len(r.ID) != 5 || strings.HasPrefix(r.ID, "LW0") != r.Builtin || r.Name == "" || r.Title == "" || r.Cost == "" || r.Description == "" || r.Category == "" || r.Severity == 0 || r.Bad == "" {
			t.Errorf("incomplete rule %+v", r)
		}
		if ids[r.Name] {
			t.Errorf("duplicate name %s", r.Name)
		}
		ids[r.Name] = true
	}
	if len(All()) < 20 {
		t.Errorf("only %d rules", len(All()))
	}
	if !Known("LW101") || !Known("buildkit/FromAsCasing") || Known("LW999") || Known("buildkit/Nope") {
		t.Errorf("Known is wrong")
	}
}

// The builtin rules' examples are what they say: LW000's bad example does
// not parse and its good one does. (LW001's are checked by the audit's
// pragma test.)
func TestParseErrorExamples(t *testing.T) {
	// an error in one instruction is recorded in File.Errors, the rest
	// still modelled
	if f, err := dockerfile.Parse("Dockerfile", []byte(ParseError.Bad+"\n"), dockerfile.Options{}); err == nil && len(f.Errors) == 0 {
		t.Errorf("LW000's bad example parses:\n%s", ParseError.Bad)
	}
	if f, err := dockerfile.Parse("Dockerfile", []byte(ParseError.Good+"\n"), dockerfile.Options{}); err != nil {
		t.Errorf("LW000's good example: %v", err)
	} else if len(f.Errors) > 0 {
		t.Errorf("LW000's good example: %v", f.Errors)
	}
}
