package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/actiontest"
	"github.com/rhysd/actionlint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// schema is one of the schemas scripts/fetch-schemas.sh keeps (make test
// fetches them; elsewhere the test skips).
func schema(t *testing.T, name string) *jsonschema.Schema { return actiontest.Schema(t, name) }

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
	return []CIOptions{{}, {Cache: "registry=registry.example.com/shop/cache", Threshold: "15%", Images: []string{"orders", "services/worker"}, Branch: "trunk"},
		{Cache: "local", NoCacheMounts: true}, {Cache: "inline"}}
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

// githubJob is the part of a workflow the tests read.
type githubJob struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Steps []githubStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type githubStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// The GitHub job keeps the cache mounts in the Actions cache, outside the
// checkout, keyed by the ref and the lock files and falling back to the
// branch and then the default branch, restored before the build, which
// gets the directory and both branches (from the environment: a branch
// name is untrusted input); --cache-mounts=false leaves all of it out.
func TestGitHubCacheMounts(t *testing.T) {
	const dir = "${{ runner.temp }}/layerwise-cache-mounts"
	for _, opt := range ciVariants(t) {
		data, err := GitHub(opt)
		if err != nil {
			t.Fatal(err)
		}
		var wf githubJob
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatal(err)
		}
		cacheStep, buildStep := -1, -1
		steps := wf.Jobs["layerwise"].Steps
		for i, st := range steps {
			if st.Uses == "actions/cache@v4" && st.With["path"] == dir {
				cacheStep = i
			}
			if strings.HasPrefix(st.Run, "layerwise build ") {
				buildStep = i
			}
		}
		if buildStep < 0 {
			t.Fatalf("no build step:\n%s", data)
		}
		build := steps[buildStep]
		if opt.NoCacheMounts {
			if cacheStep >= 0 || strings.Contains(string(data), "cache-mounts") {
				t.Errorf("--cache-mounts=false, but:\n%s", data)
			}
			continue
		}
		// layerwise's own action installs it, static (it runs in the
		// builder to carry the cache mounts)
		install := slices.IndexFunc(steps, func(st githubStep) bool { return strings.HasPrefix(st.Uses, "layerwise/layerwise@") })
		if install < 0 || install > buildStep {
			t.Errorf("layerwise's action does not install it before the build:\n%s", data)
		}
		a := actiontest.Load(t, filepath.Join("..", "action.yml"))
		static := false
		for _, st := range a.Runs.Steps {
			static = static || (st.Name == "Install layerwise" && st.Env["CGO_ENABLED"] == "0")
		}
		if !static {
			t.Error("the action does not install layerwise static")
		}
		if cacheStep < 0 || cacheStep > buildStep {
			t.Fatalf("no cache step for %s before the build:\n%s", dir, data)
		}
		with := steps[cacheStep].With
		ref, def := "${{ github.head_ref || github.ref_name }}", "${{ github.event.repository.default_branch }}"
		hash := "${{ hashFiles('**/go.sum', '**/package-lock.json', '**/yarn.lock', '**/pnpm-lock.yaml', '**/requirements*.txt', '**/poetry.lock', '**/Cargo.lock', '**/*.csproj', '**/pom.xml', '**/build.gradle*') }}"
		if key := with["key"]; !strings.HasPrefix(key, "layerwise-cache-mounts-"+ref+"-"+hash+"-") {
			t.Errorf("key %q: want the ref and the lock files' hash", key)
		}
		restore := strings.Split(strings.TrimSpace(with["restore-keys"]), "\n")
		want := []string{"layerwise-cache-mounts-" + ref + "-" + hash + "-", "layerwise-cache-mounts-" + ref + "-", "layerwise-cache-mounts-" + def + "-"}
		if !slices.Equal(restore, want) {
			t.Errorf("restore-keys %q, want %q", restore, want)
		}
		for _, flag := range []string{`--cache-mounts "$LAYERWISE_CACHE_MOUNTS"`, `--cache-mounts-branch "$LAYERWISE_BRANCH"`, `--cache-mounts-default-branch "$LAYERWISE_DEFAULT_BRANCH"`} {
			if !strings.Contains(build.Run, flag) {
				t.Errorf("the build lacks %s: %s", flag, build.Run)
			}
		}
		if build.Env["LAYERWISE_CACHE_MOUNTS"] != dir || build.Env["LAYERWISE_BRANCH"] != ref || build.Env["LAYERWISE_DEFAULT_BRANCH"] != def {
			t.Errorf("the build's environment: %v", build.Env)
		}
	}
}

// The GitLab job keeps the cache mounts in its cache under the project
// (GitLab caches nothing outside it), per branch with the default branch
// to fall back to, apart from the history's cache, and hands them to the
// build with both branches.
func TestGitLabCacheMounts(t *testing.T) {
	for _, opt := range ciVariants(t) {
		data, err := GitLab(opt)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Layerwise struct {
				Cache []struct {
					Key          string   `yaml:"key"`
					FallbackKeys []string `yaml:"fallback_keys"`
					Paths        []string `yaml:"paths"`
				} `yaml:"cache"`
				Script []string `yaml:"script"`
			} `yaml:"layerwise"`
		}
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		var build string
		for _, line := range f.Layerwise.Script {
			if strings.HasPrefix(line, "layerwise build ") {
				build = line
			}
		}
		found := false
		for _, c := range f.Layerwise.Cache {
			for _, p := range c.Paths {
				if p == CacheMountsDir {
					found = true
					if c.Key != "layerwise-cache-mounts-$CI_COMMIT_REF_SLUG" || !slices.Equal(c.FallbackKeys, []string{"layerwise-cache-mounts-$CI_DEFAULT_BRANCH"}) {
						t.Errorf("the cache mounts' key %q, fallback %q", c.Key, c.FallbackKeys)
					}
				} else if strings.HasPrefix(CacheMountsDir, strings.TrimSuffix(p, "/")+"/") {
					t.Errorf("the cache %s also holds the cache mounts (%s)", c.Key, p)
				}
			}
		}
		flags := "--cache-mounts .layerwise/cache-mounts --cache-mounts-branch \"$CI_COMMIT_REF_NAME\" --cache-mounts-default-branch \"$CI_DEFAULT_BRANCH\""
		if opt.NoCacheMounts {
			if found || strings.Contains(string(data), "cache-mounts") {
				t.Errorf("--cache-mounts=false, but:\n%s", data)
			}
			continue
		}
		if !strings.Contains(string(data), "- CGO_ENABLED=0 go install ") {
			t.Errorf("layerwise is not installed static (it runs in the builder to carry the cache mounts):\n%s", data)
		}
		if !found || !strings.Contains(build, flags) {
			t.Errorf("no cache of %s, or the build lacks %s:\n%s", CacheMountsDir, flags, data)
		}
	}
}
