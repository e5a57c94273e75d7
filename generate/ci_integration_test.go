package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/actiontest"
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
// test's, so that the build restores and saves the cache mounts.
func TestGeneratedJobRunsOnTheExamples(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	// static, as the job installs it: layerwise build --cache-mounts runs
	// it in the builder
	gobuild := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "layerwise"), "../cmd/layerwise")
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := filepath.Join(work, "repo")
	// the examples without the junk make-junk.sh puts there
	err := os.CopyFS(repo, actiontest.Junkless{FS: os.DirFS(filepath.Join("..", "examples"))})
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
	if out, err := sh(`layerwise fix . --write >/dev/null`, env); err != nil {
		t.Fatalf("fixing the examples: %v\n%s", err, out)
	}
	// a value of this run's own ahead of the report's RUNs, so that they
	// run and fill their cache mounts whatever the engine's builder holds
	// (with its layers cached and its mounts pruned, nothing would run and
	// there would be nothing to save)
	df := filepath.Join(repo, "services", "report", "Dockerfile")
	src, err := os.ReadFile(df)
	if err != nil {
		t.Fatal(err)
	}
	// after the first FROM (a # syntax= line may come before it)
	i := strings.Index(string(src), "FROM ")
	if i < 0 {
		t.Fatalf("no FROM in the report's Dockerfile:\n%s", src)
	}
	first, rest, _ := strings.Cut(string(src[i:]), "\n")
	nonce := fmt.Sprintf("%s%s\nENV LAYERWISE_TEST_RUN=%d\n%s", src[:i], first, time.Now().UnixNano(), rest)
	if err := os.WriteFile(df, []byte(nonce), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := sh(`git init -q -b main && git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm examples`, env); err != nil {
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
	ran, sarifPath := 0, ""
	for _, st := range wf.Jobs["layerwise"].Steps {
		if strings.HasPrefix(st.Uses, "layerwise/layerwise@") {
			// layerwise's own action, its steps from this checkout's
			// action.yml (its install: what bin/ holds)
			r := &actiontest.Runner{Dir: repo, Temp: exprs["runner.temp"], Env: env,
				Github: map[string]string{"event.repository.default_branch": "main"}, Skip: []string{"Install layerwise"}}
			r.ActionPath, _ = filepath.Abs("..")
			os.MkdirAll(r.Temp, 0o755)
			res := r.Run(ctx, t, actiontest.Load(t, filepath.Join("..", "action.yml")), st.With)
			if res.Failed != "" {
				t.Fatalf("the action's step %q: %s", res.Failed, res.Output)
			}
			sarifPath = res.Outputs["audit-sarif.sarif-file"]
			ran += len(res.Ran)
			continue
		}
		if st.Run == "" || st.If == "failure()" {
			continue // an action, or the failure report
		}
		stepEnv := env
		for k, v := range st.Env {
			stepEnv = append(slices.Clip(stepEnv), k+"="+expand(v))
		}
		out, err := sh(st.Run, stepEnv)
		if err != nil {
			t.Fatalf("step %q (%s): %v\n%s", st.Name, st.Run, err, out)
		}
		ran++
	}
	if ran != 5 {
		t.Errorf("%d commands ran, want the audit (SARIF), the audit, fix --check, the build and the gate", ran)
	}
	// what the CI's cache step keeps for the next job: the images' apt
	// cache mounts, saved by the build
	if es, err := os.ReadDir(filepath.Join(exprs["runner.temp"], "layerwise-cache-mounts")); len(es) == 0 {
		t.Errorf("the build saved no cache mounts where the cache step keeps them: %v", err)
	}
	sarif, err := os.ReadFile(sarifPath)
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
