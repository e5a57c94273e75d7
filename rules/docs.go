package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/internal/atomicfile"
)

// Doc renders a rule's documentation page (docs/rules/<ID>.md). The pages
// are generated: edit the rule's declaration, then run
// `go test ./rules -run TestDocs -update`.
func (r *Rule) Doc() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "| | |\n| --- | --- |\n| name | `%s` |\n| severity | %s |\n| category | %s |\n| automatic fix | %s |\n| scope | %s |\n\n",
		r.Name, r.Severity, r.Category, yesNo(r.Fixable(), "yes (`layerwise fix`)", "no"), r.scope())
	fmt.Fprintf(&b, "## What it costs\n\n%s\n\n", r.Cost)
	fmt.Fprintf(&b, "## Why\n\n%s\n\n", r.Description)
	if r.Bad != "" {
		fmt.Fprintf(&b, "## Caught\n\n```dockerfile\n%s\n```\n\n", strings.TrimSpace(r.Bad))
	}
	if r.Good != "" {
		fmt.Fprintf(&b, "## Not caught\n\n```dockerfile\n%s\n```\n\n", strings.TrimSpace(r.Good))
	}
	if r.Builtin {
		return b.Bytes() // a parse error or a pragma: nothing to suppress it with
	}
	fmt.Fprintf(&b, "## Suppress\n\n```dockerfile\n# layerwise ignore=%s\n```\n\nabove the instruction, `# layerwise global ignore=%s` anywhere in the Dockerfile, or `rules: {%s: off}` in `.layerwise.yaml`.\n",
		r.ID, r.ID, r.ID)
	return b.Bytes()
}

func (r *Rule) scope() string {
	switch {
	case r.Builtin:
		return "each Dockerfile, reported by the audit itself"
	case r.RepoCheck != nil:
		return "the whole repository"
	}
	return "one image"
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// Index renders docs/rules/README.md.
func Index() []byte {
	var b bytes.Buffer
	b.WriteString("# layerwise rules\n\nGenerated from the rule declarations in `rules/`. BuildKit's own checks are reported too, as\n`buildkit/<Name>` (see https://docs.docker.com/reference/build-checks/).\n\n" +
		"Dockerfiles under a `testdata` directory are a test's input: the rules about build speed, size and context " +
		"(categories cache, size, speed, context) leave them alone.\n\n")
	b.WriteString("| rule | name | severity | category | fix | title |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s | %s | %s |\n", r.ID, r.ID, r.Name, r.Severity, r.Category, yesNo(r.Fixable(), "yes", "no"), r.Title)
	}
	return b.Bytes()
}

// WriteDocs writes every generated page into dir, each through a temp
// file and a rename.
func WriteDocs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pages := map[string][]byte{"README.md": Index()}
	for _, r := range All() {
		pages[r.ID+".md"] = r.Doc()
	}
	for name, data := range pages {
		if err := atomicfile.Write(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
