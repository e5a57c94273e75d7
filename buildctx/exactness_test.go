package buildctx

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testengine"
)

// exactnessFixtures are .dockerignore cases whose outcome layerwise must
// predict exactly as the real builder decides it.
var exactnessFixtures = []struct {
	name string
	// ignore is <context>/.dockerignore ("" for none); dfIgnore is
	// <Dockerfile>.dockerignore beside the Dockerfile ("" for none).
	ignore, dfIgnore string
}{
	{name: "no-ignore-file"},
	{name: "negation-under-excluded-dir", ignore: "build\n!build/keep/me.txt\n!build/deep/er\n"},
	{name: "negation-reincludes-dir", ignore: "node_modules\n!node_modules/left-pad\n"},
	{name: "doublestar", ignore: "**/*.md\n!docs/sub/**\n**/.cache\n"},
	{name: "dockerfile-specific-wins", ignore: "src\n", dfIgnore: "docs\nnode_modules\n"},
	{name: "dotfiles", ignore: ".*\n!.dockerignore\n"},
	{name: "leading-slashes", ignore: "/src/util\n/README.md\n/node_modules/.bin\n"},
	{name: "comments-and-blank-lines", ignore: "# build outputs\n\nbuild\n  # indented is not a comment\n#node_modules\n"},
	{name: "trailing-spaces", ignore: "build   \nnode_modules\t\n docs\n"},
	{name: "exclude-all-but", ignore: "*\n!src\n!Dockerfile\n!a b\n"},
	{name: "glob-exception-no-prune", ignore: "docs\n!docs/*.md\nvendor/\n!vendor/keep.txt\n"},
	{name: "wildcards", ignore: "docs/?.md\nsrc/util/*_test.go\n[bv]*/**/x.go\n"},
}

// TestExactnessAgainstBuildKit builds a probe (FROM scratch; COPY . /ctx)
// with a real `docker buildx build` for every fixture, exports what the
// builder received, and compares it with what layerwise predicts: the same
// paths, the same types, the same file sizes.
func TestExactnessAgainstBuildKit(t *testing.T) {
	testengine.Require(t)
	for _, fx := range exactnessFixtures {
		t.Run(fx.name, func(t *testing.T) {
			base := t.TempDir()
			ctxDir := filepath.Join(base, "ctx")
			dfDir := filepath.Join(base, "df")
			out := filepath.Join(base, "out")
			makeTree(t, ctxDir, treeSpec)
			os.Remove(filepath.Join(ctxDir, ".dockerignore"))
			if fx.ignore != "" {
				writeFile(t, filepath.Join(ctxDir, ".dockerignore"), fx.ignore)
			}
			df := filepath.Join(dfDir, "probe.Dockerfile")
			writeFile(t, df, "FROM scratch\nCOPY . /ctx\n")
			if fx.dfIgnore != "" {
				writeFile(t, df+".dockerignore", fx.dfIgnore)
			}

			cmd := exec.Command("docker", "buildx", "build", "--progress=plain", "-f", df,
				"--output", "type=local,dest="+out, ctxDir)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("probe build failed: %v\n%s", err, b)
			}
			got := exportedSet(t, filepath.Join(out, "ctx"))

			ign, err := FindIgnoreFile(ctxDir, df)
			if err != nil {
				t.Fatal(err)
			}
			w, err := WalkContext(context.Background(), ctxDir, WalkOptions{Patterns: ign.Patterns})
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, w)
		})
	}
}

// sameEntries compares what the builder received with the walk's entries.
func sameEntries(t *testing.T, got []string, w *Walk) {
	t.Helper()
	w.SortEntries()
	var want []string
	for _, e := range w.Entries {
		want = append(want, describe(e.Path, e.Type, e.Size))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("builder received:\n  %s\nlayerwise predicted:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func describe(p string, typ EntryType, size int64) string {
	if typ == TypeDir {
		return p + " dir"
	}
	return p + " " + typ.String() + " " + strconv.FormatInt(size, 10)
}

func exportedSet(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return filepath.SkipDir // nothing was sent
			}
			return err
		}
		if p == root {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, describe(filepath.ToSlash(rel), typeOf(info.Mode().Type()), info.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNamedContextExactness: a local named context (`--build-context
// NAME=DIR`) is sent with the .dockerignore at its own root, and a
// Dockerfile-specific ignore file does not apply to it. BuildKit ≥ 0.10
// is needed (the remote buildkitd of make engine; Engine 20.10's built-in
// BuildKit refuses named contexts).
func TestNamedContextExactness(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	for _, fx := range exactnessFixtures {
		if fx.ignore == "" {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			base := t.TempDir()
			named := filepath.Join(base, "named")
			mainCtx := filepath.Join(base, "main")
			out := filepath.Join(base, "out")
			makeTree(t, named, treeSpec)
			writeFile(t, filepath.Join(named, ".dockerignore"), fx.ignore)
			writeFile(t, filepath.Join(mainCtx, "probe.Dockerfile"), "FROM scratch\nCOPY --from=named . /ctx\n")
			// must not apply to the named context
			writeFile(t, filepath.Join(mainCtx, "probe.Dockerfile.dockerignore"), "src\ndocs\n")
			cmd := exec.Command("docker", "buildx", "build", "--builder", "layerwise-remote", "--progress=plain",
				"-f", filepath.Join(mainCtx, "probe.Dockerfile"), "--build-context", "named="+named,
				"--output", "type=local,dest="+out, mainCtx)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("probe build failed: %v\n%s", err, b)
			}
			got := exportedSet(t, filepath.Join(out, "ctx"))
			rep, err := Analyze(context.Background(), named, AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, rep.Walk)
		})
	}
}
