package generate

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testengine"
	"gopkg.in/yaml.v3"
)

// The generated GitHub job's own commands, run here against the examples
// (after `layerwise fix --write`, so that `fix --check` has nothing left):
// audit to SARIF, fix --check, the build along the graph with a cache and
// the regression gate. Steps that use an action (checkout, setup, cache,
// upload) are the CI's; the cache kind is inline here because this
// machine's default builder is the engine's own (the workflow's gha cache
// needs the Actions cache service). The steps' ${{ }} expressions get a
// pull request's values, the runner's temporary directory one of the
// test's.
func TestGeneratedJobRunsOnTheExamples(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "layerwise"), "../cmd/layerwise").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := filepath.Join(work, "repo")
	// the examples without the junk make-junk.sh puts there
	err := os.CopyFS(repo, dirFS{os.DirFS(filepath.Join("..", "examples"))})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "LAYERWISE_CACHE=inline")
	sh := func(script string, env []string) (string, error) {
		cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = repo, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := sh(`layerwise fix . --write >/dev/null && git init -q -b main && git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm examples`, env); err != nil {
		t.Fatalf("preparing the repository: %v\n%s", err, out)
	}
	data, err := GitHub(CIOptions{Images: []string{"report"}})
	if err != nil {
		t.Fatal(err)
	}
	var wf githubJob
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	for k, v := range wf.Env {
		if k != "LAYERWISE_CACHE" {
			env = append(env, k+"="+v)
		}
	}
	// the expressions the steps' environments use, as a pull request's
	// job would have them
	exprs := map[string]string{
		"runner.temp":                            filepath.Join(work, "runner-temp"),
		"github.head_ref || github.ref_name":     "feature",
		"github.event.repository.default_branch": "main",
	}
	expand := func(v string) string {
		return regexp.MustCompile(`\$\{\{ (.*?) \}\}`).ReplaceAllStringFunc(v, func(m string) string {
			e := strings.TrimSuffix(strings.TrimPrefix(m, "${{ "), " }}")
			val, ok := exprs[e]
			if !ok {
				t.Fatalf("the test has no value for the expression %s", m)
			}
			return val
		})
	}
	// layerwise build --cache-mounts (persisted cache mounts) is landing
	// apart from the generated job: until `layerwise build --help` names
	// it, the build runs without those flags. Remove this once it has
	// landed.
	help, err := exec.CommandContext(ctx, filepath.Join(bin, "layerwise"), "build", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("layerwise build --help: %v\n%s", err, help)
	}
	cacheMounts := strings.Contains(string(help), "--cache-mounts-default-branch")
	if !cacheMounts {
		t.Log("layerwise build has no --cache-mounts yet: the build runs without its flags")
	}
	cacheMountFlags := regexp.MustCompile(`\s+--cache-mounts(-branch|-default-branch)? "\$[A-Z_]+"`)
	ran := 0
	for _, st := range wf.Jobs["layerwise"].Steps {
		if st.Run == "" || st.If == "failure()" || strings.HasPrefix(st.Run, "go install") {
			continue // an action, the failure report, or installing what bin/ holds
		}
		script := st.Run
		if strings.Contains(script, "--cache-mounts") && !cacheMounts {
			if script = cacheMountFlags.ReplaceAllString(script, ""); strings.Contains(script, "--cache-mounts") {
				t.Fatalf("the cache mounts' flags are not all removed: %s", script)
			}
		}
		stepEnv := env
		for k, v := range st.Env {
			stepEnv = append(slices.Clip(stepEnv), k+"="+expand(v))
		}
		out, err := sh(script, stepEnv)
		if err != nil {
			t.Fatalf("step %q (%s): %v\n%s", st.Name, st.Run, err, out)
		}
		ran++
	}
	if ran != 4 {
		t.Errorf("%d commands ran, want audit, fix --check, build and the gate", ran)
	}
	sarif, err := os.ReadFile(filepath.Join(repo, "layerwise.sarif"))
	var log struct {
		Version string `json:"version"`
	}
	if err != nil || json.Unmarshal(sarif, &log) != nil || log.Version != "2.1.0" {
		t.Errorf("layerwise.sarif: %v %q", err, log.Version)
	}
	if _, err := os.Stat(filepath.Join(repo, ".layerwise", "history.db")); err != nil {
		t.Errorf("the builds were not recorded for the next run's gate: %v", err)
	}
}

// dirFS leaves out what scripts/make-junk.sh generates in the examples.
type dirFS struct{ fs.FS }

func (d dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
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
