package actiontest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rhysd/actionlint"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// TestActionMetadata: action.yml is what GitHub's action metadata syntax
// requires of a composite action: a name and description, described
// inputs, every run step with its shell and no expression inside a script
// (inputs reach the scripts through env: a branch or path name cannot
// inject shell), and other actions pinned to a major version.
func TestActionMetadata(t *testing.T) {
	a := Load(t, filepath.Join(root, "action.yml"))
	if a.Name == "" || a.Description == "" || a.Runs.Using != "composite" {
		t.Fatalf("name %q, description %q, runs.using %q", a.Name, a.Description, a.Runs.Using)
	}
	for k, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", k)
		}
	}
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@v\d+$`)
	for _, st := range a.Runs.Steps {
		switch {
		case st.Uses != "" && st.Run != "":
			t.Errorf("step %q both uses and runs", st.Name)
		case st.Uses != "":
			if !pinned.MatchString(st.Uses) {
				t.Errorf("step %q uses %q, not pinned to a major version", st.Name, st.Uses)
			}
		case st.Shell == "":
			t.Errorf("step %q runs without a shell (required in a composite action)", st.Name)
		case expr.MatchString(st.Run):
			t.Errorf("step %q has an expression in its script", st.Name)
		}
	}
}

// TestActionlint lints a workflow that uses the action with every input
// (actionlint reads the local action's metadata and checks the inputs)
// and the workflow `layerwise generate ci --github` writes; a workflow
// with an input the action does not have must fail it.
func TestActionlint(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil { // actionlint finds the project by its .git
		t.Fatalf("git init: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(filepath.Join(root, "action.yml"))
	os.WriteFile(filepath.Join(dir, "action.yml"), data, 0o644)
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	use := `name: use
on: [push, pull_request]
permissions:
  contents: read
  security-events: write
jobs:
  layerwise:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        with:
          path: .
          fail-on: warning
          sarif: "true"
          fix-check: "true"
          build: "true"
          cache: gha
          gate: "true"
          threshold: 20%
          baseline-branch: main
          version: ""
`
	os.WriteFile(filepath.Join(dir, ".github", "workflows", "use.yml"), []byte(use), 0o644)
	gen := exec.Command("go", "run", "../../cmd/layerwise", "generate", "ci", "--github", "--out", filepath.Join(dir, ".github", "workflows", "layerwise.yml"), "../../examples")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generate ci: %v\n%s", err, out)
	}
	lint := func() string {
		project, err := actionlint.NewProject(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.LintDir(filepath.Join(dir, ".github", "workflows"), project)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return strings.Join(msgs, "\n")
	}
	if msgs := lint(); msgs != "" {
		t.Fatalf("actionlint:\n%s", msgs)
	}
	bad := strings.Replace(use, "          version: \"\"\n", "          version: \"\"\n          bogus: x\n", 1)
	os.WriteFile(filepath.Join(dir, ".github", "workflows", "use.yml"), []byte(bad), 0o644)
	if msgs := lint(); !strings.Contains(msgs, "bogus") {
		t.Errorf("actionlint accepted an input the action does not have: %s", msgs)
	}
	// GitHub's action metadata schema (SchemaStore's github-action.json)
	if err := ValidateYAML(t, "github-action.json", data); err != nil {
		t.Errorf("action.yml: %v", err)
	}
	if err := ValidateYAML(t, "github-action.json", []byte("name: x\ndescription: y\nruns:\n  using: composite\n  steps: [{run: echo}]\n")); err == nil {
		t.Error("the schema accepts a composite run step without a shell")
	}
}

// TestActionRunsOnTheExamples runs the action's own steps on a copy of the
// examples as a job would: it builds layerwise from this source, writes
// a SARIF log, passes the audit at fail-on none, and fails on the fixes
// the examples have pending; after layerwise fix --write, every step
// passes.
func TestActionRunsOnTheExamples(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	repo := filepath.Join(t.TempDir(), "repo")
	if err := os.CopyFS(repo, Junkless{FS: os.DirFS(filepath.Join(root, "examples"))}); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Dir: repo, ActionPath: root, Temp: t.TempDir(), Env: os.Environ(), Github: map[string]string{"event.repository.default_branch": "main"}}
	a := Load(t, filepath.Join(root, "action.yml"))
	res := r.Run(ctx, t, a, map[string]string{"fail-on": "none"})
	if res.Failed != "No fix pending" {
		t.Fatalf("want the fix check to fail on the examples, got %q: %s\nran %v", res.Failed, res.Output, res.Ran)
	}
	for _, want := range []string{"Install layerwise", "Audit (SARIF)", "Audit"} {
		if !contains(res.Ran, want) {
			t.Errorf("%q did not run: %v", want, res.Ran)
		}
	}
	sarif, err := os.ReadFile(res.Outputs["audit-sarif.sarif-file"])
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err != nil || json.Unmarshal(sarif, &log) != nil || log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("the SARIF output: %v %s", err, bytes.TrimSpace(sarif[:min(len(sarif), 200)]))
	}
	bin := filepath.Join(r.Temp, "layerwise-bin", "layerwise")
	fix := exec.Command(bin, "fix", ".", "--write")
	fix.Dir = repo
	if out, err := fix.CombinedOutput(); err != nil {
		t.Fatalf("fix --write: %v\n%s", err, out)
	}
	res = r.Run(ctx, t, a, map[string]string{"fail-on": "none"})
	if res.Failed != "" {
		t.Fatalf("after the fix, %q failed: %s", res.Failed, res.Output)
	}
	for _, skipped := range []string{"Build along the dependency graph", "Regression gate"} {
		if contains(res.Ran, skipped) {
			t.Errorf("%q ran without being asked for", skipped)
		}
	}
}
