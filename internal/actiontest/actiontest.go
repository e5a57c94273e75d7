// Package actiontest runs the shell steps of a composite GitHub Action on
// this machine, as a runner would: inputs with their defaults, the step's
// env with its expressions filled in, `if:` conditions, GITHUB_PATH and
// GITHUB_OUTPUT. Steps that use other actions (setup-go, upload-sarif) are
// GitHub's and are skipped; they are listed in the result. For tests only:
// the expressions it knows are the few the project's action and generated
// workflows use, and any other one fails the test.
package actiontest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Action is a composite action's metadata, as far as it is run here.
type Action struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []Step `yaml:"steps"`
	} `yaml:"runs"`
}

// Step is one step of a composite action.
type Step struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

// Load reads an action.yml.
func Load(t testing.TB, path string) *Action {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a Action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &a
}

// Runner is where and with what the steps run.
type Runner struct {
	Dir        string            // the job's working directory (the checkout)
	ActionPath string            // github.action_path
	Temp       string            // runner.temp
	Env        []string          // the job's environment
	Github     map[string]string // other github.* values (event.repository.default_branch)
	// Skip are steps not to run (by name): "Install layerwise" where the
	// test put a built layerwise on the job's PATH already.
	Skip []string
}

// Result is what ran.
type Result struct {
	Ran, Skipped []string          // step names
	Failed       string            // the first step that failed ("" none)
	Output       string            // its output
	Outputs      map[string]string // step outputs, "id.name"
}

var expr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// Run runs the action with the inputs given (the rest take their
// defaults); it stops at the first failing step, as a runner does (steps
// with `if: always()` still run).
func (r *Runner) Run(ctx context.Context, t testing.TB, a *Action, with map[string]string) *Result {
	t.Helper()
	inputs := map[string]string{}
	for k, in := range a.Inputs {
		inputs[k] = in.Default
	}
	for k, v := range with {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("the action has no input %q", k)
		}
		inputs[k] = v
	}
	res := &Result{Outputs: map[string]string{}}
	outcome := map[string]string{}
	path := ""
	value := func(e string) string {
		e = strings.TrimSpace(e)
		for _, alt := range strings.Split(e, "||") {
			alt = strings.TrimSpace(alt)
			var v string
			switch {
			case strings.HasPrefix(alt, "inputs."):
				k := strings.TrimPrefix(alt, "inputs.")
				if _, ok := inputs[k]; !ok {
					t.Fatalf("unknown input in %q", e)
				}
				v = inputs[k]
			case alt == "github.action_path":
				v = r.ActionPath
			case alt == "github.action_ref":
				v = ""
			case alt == "runner.temp":
				v = r.Temp
			case strings.HasPrefix(alt, "github."):
				var ok bool
				if v, ok = r.Github[strings.TrimPrefix(alt, "github.")]; !ok {
					t.Fatalf("the runner has no value for %q", alt)
				}
			case strings.HasPrefix(alt, "steps."):
				v = res.Outputs[strings.Replace(strings.TrimPrefix(alt, "steps."), ".outputs.", ".", 1)]
			default:
				t.Fatalf("an expression the test runner does not know: %q", e)
			}
			if v != "" {
				return v
			}
		}
		return ""
	}
	cond := func(c string) bool {
		c = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(c), "${{"), "}}"))
		if c == "" {
			return res.Failed == ""
		}
		always := false
		ok := true
		for _, term := range strings.Split(c, "&&") {
			term = strings.TrimSpace(term)
			switch {
			case term == "always()":
				always = true
			case term == "failure()":
				ok = ok && res.Failed != ""
				always = true
			case strings.Contains(term, "=="):
				l, rgt, _ := strings.Cut(term, "==")
				want := strings.Trim(strings.TrimSpace(rgt), "'")
				l = strings.TrimSpace(l)
				var got string
				if strings.HasPrefix(l, "steps.") && strings.HasSuffix(l, ".outcome") {
					got = outcome[strings.TrimSuffix(strings.TrimPrefix(l, "steps."), ".outcome")]
				} else {
					got = value(l)
				}
				ok = ok && got == want
			default:
				t.Fatalf("a condition the test runner does not know: %q", c)
			}
		}
		return ok && (always || res.Failed == "")
	}
	for _, st := range a.Runs.Steps {
		name := st.Name
		if !cond(st.If) {
			res.Skipped = append(res.Skipped, name)
			continue
		}
		if st.Uses != "" {
			res.Skipped = append(res.Skipped, name+" ("+st.Uses+")")
			continue
		}
		if contains(r.Skip, name) {
			res.Skipped = append(res.Skipped, name)
			continue
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q (a composite step must name its shell; the runner here has bash)", name, st.Shell)
		}
		ghPath := filepath.Join(r.Temp, "github-path")
		ghOut := filepath.Join(r.Temp, "github-output-"+st.ID)
		os.WriteFile(ghPath, nil, 0o644)
		os.WriteFile(ghOut, nil, 0o644)
		env := append([]string(nil), r.Env...)
		if path != "" {
			env = append(env, "PATH="+path+string(os.PathListSeparator)+os.Getenv("PATH"))
		}
		env = append(env, "RUNNER_TEMP="+r.Temp, "GITHUB_PATH="+ghPath, "GITHUB_OUTPUT="+ghOut)
		for k, v := range st.Env {
			env = append(env, k+"="+expr.ReplaceAllStringFunc(v, func(m string) string { return value(expr.FindStringSubmatch(m)[1]) }))
		}
		if expr.MatchString(st.Run) {
			t.Fatalf("step %q puts an expression in its script (script injection): pass it through env", name)
		}
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st.Run)
		cmd.Dir, cmd.Env = r.Dir, env
		out, err := cmd.CombinedOutput()
		res.Ran = append(res.Ran, name)
		if data, _ := os.ReadFile(ghPath); len(data) > 0 {
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if path == "" {
					path = l
				} else {
					path = l + string(os.PathListSeparator) + path
				}
			}
		}
		if data, _ := os.ReadFile(ghOut); len(data) > 0 {
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					res.Outputs[st.ID+"."+k] = v
				}
			}
		}
		if err != nil {
			outcome[st.ID] = "failure"
			if res.Failed == "" {
				res.Failed, res.Output = name, fmt.Sprintf("%v\n%s", err, out)
			}
			continue
		}
		outcome[st.ID] = "success"
	}
	return res
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
