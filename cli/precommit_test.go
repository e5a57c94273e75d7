package cli

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/actiontest"
	"gopkg.in/yaml.v3"
)

// preCommitHookKeys are the keys pre-commit's manifest schema allows for a
// hook (pre_commit/clientlib.py, MANIFEST_HOOK_DICT) and their kinds.
var preCommitHookKeys = map[string]string{
	"id": "string", "name": "string", "entry": "string", "language": "string", "alias": "string",
	"files": "regex", "exclude": "regex", "types": "list", "types_or": "list", "exclude_types": "list",
	"additional_dependencies": "list", "args": "list", "always_run": "bool", "fail_fast": "bool",
	"pass_filenames": "bool", "description": "string", "language_version": "string", "log_file": "string",
	"minimum_pre_commit_version": "string", "require_serial": "bool", "stages": "list", "verbose": "bool",
}

var preCommitLanguages = []string{"conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang", "haskell",
	"julia", "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust", "script", "swift", "system", "unsupported", "unsupported_script"}

type preCommitHook map[string]any

func loadHooks(t *testing.T) []preCommitHook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []preCommitHook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatalf("not a list of hooks: %v", err)
	}
	return hooks
}

// TestPreCommitManifest: .pre-commit-hooks.yaml is what pre-commit's
// manifest schema accepts (required keys, known keys of the right kinds, a
// known language, regexes that compile), and its file filter picks the
// files that define images, as pre-commit applies it (re.search on each
// path of the repository).
func TestPreCommitManifest(t *testing.T) {
	hooks := loadHooks(t)
	ids := map[string]bool{}
	for i, h := range hooks {
		for _, k := range []string{"id", "name", "entry", "language"} {
			if _, ok := h[k]; !ok {
				t.Errorf("hook %d: %s missing", i, k)
			}
		}
		for k, v := range h {
			kind, ok := preCommitHookKeys[k]
			if !ok {
				t.Errorf("hook %d: unknown key %s", i, k)
				continue
			}
			switch kind {
			case "string", "regex":
				s, ok := v.(string)
				if !ok {
					t.Errorf("hook %d: %s is not a string", i, k)
				} else if kind == "regex" {
					if _, err := regexp.Compile(s); err != nil {
						t.Errorf("hook %d: %s: %v", i, k, err)
					}
				}
			case "bool":
				if _, ok := v.(bool); !ok {
					t.Errorf("hook %d: %s is not a boolean", i, k)
				}
			case "list":
				if _, ok := v.([]any); !ok {
					t.Errorf("hook %d: %s is not a list", i, k)
				}
			}
		}
		if l, _ := h["language"].(string); !slices.Contains(preCommitLanguages, l) {
			t.Errorf("hook %d: language %q", i, l)
		}
		if e, _ := h["entry"].(string); !strings.HasPrefix(e, "layerwise ") {
			t.Errorf("hook %d: entry %q does not run the layerwise binary the golang language installs", i, e)
		}
		ids[h["id"].(string)] = true
	}
	if !ids["layerwise-audit"] || !ids["layerwise-fix"] {
		t.Fatalf("hooks: %v", ids)
	}
	// SchemaStore's schema of the hook manifest
	data, _ := os.ReadFile(filepath.Join("..", ".pre-commit-hooks.yaml"))
	if err := actiontest.ValidateYAML(t, "pre-commit-hooks.json", data); err != nil {
		t.Errorf(".pre-commit-hooks.yaml: %v", err)
	}
	if err := actiontest.ValidateYAML(t, "pre-commit-hooks.json", []byte("- id: x\n  name: x\n  entry: x\n  language: cobol\n")); err == nil {
		t.Error("the schema accepts an unknown language")
	}
	re := regexp.MustCompile(hooks[0]["files"].(string))
	for _, p := range []string{"Dockerfile", "api/Dockerfile", "api/Dockerfile.prod", "api/Dockerfile-dev", "web/app.dockerfile", "Containerfile",
		"compose.yaml", "docker-compose.yml", "deploy/docker-compose.override.yml", "compose.prod.yaml", "docker-bake.hcl", "docker-bake.override.json"} {
		if !re.MatchString(p) {
			t.Errorf("%s is not passed to the hook", p)
		}
	}
	for _, p := range []string{"README.md", "Dockerfile/main.go", "mycompose.yaml", "docs/dockerfiles.md", "compose.go", "bake.hcl"} {
		if re.MatchString(p) {
			t.Errorf("%s is passed to the hook", p)
		}
	}
}

// TestPreCommitHooksRun runs the hooks as pre-commit does: at the
// repository root, the entry's words followed by the changed files that
// pass the filter. The audit reports the images those files define and no
// other; the fix rewrites only their Dockerfiles, and a second run finds
// nothing to do (pre-commit fails a hook that changes files).
func TestPreCommitHooksRun(t *testing.T) {
	hooks := loadHooks(t)
	entry := map[string][]string{}
	for _, h := range hooks {
		entry[h["id"].(string)] = strings.Fields(h["entry"].(string))[1:] // the layerwise binary is this process
	}
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS(filepath.Join("..", "examples"))); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(hooks[0]["files"].(string))
	ex := regexp.MustCompile(hooks[0]["exclude"].(string))
	var all []string
	filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(repo, p)
			if re.MatchString(filepath.ToSlash(rel)) && !ex.MatchString(filepath.ToSlash(rel)) {
				all = append(all, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if !slices.Contains(all, "compose.yaml") || !slices.Contains(all, "services/storefront/Dockerfile") || slices.Contains(all, "services/storefront/Dockerfile.expert.dockerignore") {
		t.Fatalf("filtered files: %v", all)
	}
	t.Chdir(repo)
	before := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	orders := before("services/go/orders/Dockerfile")

	// a commit that changes the storefront's Dockerfile
	changed := []string{"services/storefront/Dockerfile"}
	code, out, errOut := run(t, append(append(entry["layerwise-audit"], "-o", "json", "--no-context"), changed...)...)
	if code != 0 && code != 1 {
		t.Fatalf("audit: exit %d: %s", code, errOut)
	}
	var rep struct {
		Images []struct{ Dockerfile string } `json:"images"`
	}
	mustJSON(t, out, &rep)
	if len(rep.Images) != 1 || rep.Images[0].Dockerfile != "services/storefront/Dockerfile" {
		t.Errorf("audit of one changed Dockerfile reported %+v", rep.Images)
	}
	code, _, errOut = run(t, append(entry["layerwise-fix"], changed...)...)
	if code != 0 {
		t.Fatalf("fix: exit %d: %s", code, errOut)
	}
	after := before("services/storefront/Dockerfile")
	if !strings.Contains(after, "COPY package-lock.json package.json ./") {
		t.Errorf("the storefront's Dockerfile was not fixed:\n%s", after)
	}
	if before("services/go/orders/Dockerfile") != orders {
		t.Error("fix of one file rewrote another image's Dockerfile")
	}
	code, _, _ = run(t, append(entry["layerwise-fix"], changed...)...)
	if code != 0 || before("services/storefront/Dockerfile") != after {
		t.Errorf("second run: exit %d, changed: %v", code, before("services/storefront/Dockerfile") != after)
	}

	// a file that defines no image is said so, not audited silently
	_, out, errOut = run(t, "audit", "--no-context", "README.md")
	if !strings.Contains(out+errOut, "README.md: defines no image") {
		t.Errorf("audit README.md: %s", errOut)
	}

	// a commit that changes the compose file: its images
	code, out, errOut = run(t, "audit", "-o", "json", "--no-context", "compose.yaml")
	if code != 0 && code != 1 {
		t.Fatalf("audit compose.yaml: exit %d: %s", code, errOut)
	}
	mustJSON(t, out, &rep)
	if len(rep.Images) < 2 {
		t.Errorf("compose.yaml's images: %+v", rep.Images)
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}
