package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// schema compiles one of the schemas scripts/fetch-schemas.sh keeps under
// .cache/schemas (make test fetches them; elsewhere the test skips).
func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	p := filepath.Join("..", ".cache", "schemas", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing: make test runs scripts/fetch-schemas.sh", p)
		}
		t.Skipf("%s missing: run scripts/fetch-schemas.sh", p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
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

// asJSON turns YAML into the JSON value a schema validates.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, data)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ciVariants(t *testing.T) []CIOptions {
	return []CIOptions{{}, {Cache: "registry=registry.example.com/shop/cache", Threshold: "15%", Images: []string{"orders", "services/worker"}, Branch: "trunk"}}
}

// The GitHub workflow validates against GitHub's workflow schema and
// passes actionlint (a maintained Go linter that also checks expressions,
// action inputs and shell scripts).
func TestGitHubWorkflow(t *testing.T) {
	s := schema(t, "github-workflow.json")
	for _, opt := range ciVariants(t) {
		data, err := GitHub(opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, data)); err != nil {
			t.Errorf("schema: %v\n%s", err, data)
		}
		l, err := actionlint.NewLinter(os.Stderr, &actionlint.LinterOptions{Shellcheck: "", Pyflakes: ""})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.Lint(".github/workflows/layerwise.yml", data, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			t.Errorf("actionlint: %s", e.Error())
		}
	}
	// the schema catches what it should: a step with both run and uses is
	// not a workflow
	bad := []byte("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - {uses: actions/checkout@v4, run: echo}\n    timeout-minutes: soon\n")
	if err := s.Validate(asJSON(t, bad)); err == nil {
		t.Error("the schema accepts a broken workflow")
	}
	l, _ := actionlint.NewLinter(os.Stderr, &actionlint.LinterOptions{})
	if errs, _ := l.Lint("bad.yml", []byte("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"), nil); len(errs) == 0 {
		t.Error("actionlint accepts an unknown context property")
	}
}

// The GitLab file validates against GitLab's own CI schema.
func TestGitLabCI(t *testing.T) {
	s := schema(t, "gitlab-ci.json")
	for _, opt := range ciVariants(t) {
		data, err := GitLab(opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, data)); err != nil {
			t.Errorf("schema: %v\n%s", err, data)
		}
	}
	bad := []byte("job:\n  script: [echo]\n  when: sometimes\n")
	if err := s.Validate(asJSON(t, bad)); err == nil {
		t.Error("the schema accepts a broken CI file")
	}
}

func TestCIOptions(t *testing.T) {
	if _, err := GitHub(CIOptions{Cache: "s3"}); err == nil {
		t.Error("an unknown cache was accepted")
	}
	data, _ := GitHub(CIOptions{Images: []string{"a b"}})
	if !strings.Contains(string(data), "--image 'a b'") {
		t.Errorf("image names are quoted for the shell:\n%s", data)
	}
}
