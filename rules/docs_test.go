package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if !strings.HasPrefix(r.ID, "LW1") || len(r.ID) != 5 || r.Name == "" || r.Title == "" || r.Cost == "" || r.Description == "" || r.Category == "" || r.Severity == 0 || r.Bad == "" {
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
