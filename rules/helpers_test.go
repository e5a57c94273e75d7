package rules

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/dockerfile"
)

// input models a Dockerfile for a rule test; src may start with a
// "#! target=NAME" line to pick the built stage.
func input(t *testing.T, src string) *Input {
	t.Helper()
	src = strings.TrimLeft(src, "\n")
	f, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return &Input{Image: "img", Dockerfile: "Dockerfile", File: f, Config: config.Default(), ContextPath: "."}
}

// check runs one rule on an input and returns its findings.
func check(t *testing.T, id string, in *Input) []Finding {
	t.Helper()
	r := Get(id)
	if r == nil {
		t.Fatalf("no rule %s", id)
	}
	if r.RepoCheck != nil {
		return r.RunRepo([]*Input{in})
	}
	return r.Run(in)
}

// ruleCatches asserts the rule reports at least one finding on each
// Dockerfile; ruleCatchesNot that it reports none.
func ruleCatches(t *testing.T, id string, srcs ...string) {
	t.Helper()
	for _, src := range srcs {
		if fs := check(t, id, input(t, src)); len(fs) == 0 {
			t.Errorf("%s should catch:\n%s", id, src)
		} else {
			for _, f := range fs {
				if f.RuleID != id || f.Message == "" || f.File == "" {
					t.Errorf("%s: malformed finding %+v", id, f)
				}
			}
		}
	}
}

func ruleCatchesNot(t *testing.T, id string, srcs ...string) {
	t.Helper()
	for _, src := range srcs {
		if fs := check(t, id, input(t, src)); len(fs) != 0 {
			t.Errorf("%s should not catch:\n%s\ngot: %s", id, src, fs[0].Message)
		}
	}
}

// withContext attaches a synthetic context report to an input.
func withContext(in *Input, rep *buildctx.Report) *Input {
	in.Context = rep
	return in
}

// inputWithContext writes files to a directory, models its Dockerfile and
// attaches the real analysis of the directory as the build context.
func inputWithContext(t *testing.T, files map[string]string) *Input {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := input(t, files["Dockerfile"])
	rep, err := buildctx.Analyze(context.Background(), dir, buildctx.AnalyzeOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Sources: buildctx.SourcesOf(in.File)})
	if err != nil {
		t.Fatal(err)
	}
	return withContext(in, rep)
}

// ignoreInput is a context directory for an Excludes hook: the paths sent
// (a trailing "/" marks a directory), the ones a COPY reaches, and the
// Dockerfile of the one image built from it. Nothing is kept or named by
// a source unless listed.
func ignoreInput(t *testing.T, src string, sent []string, reached []string, keep ...string) *IgnoreInput {
	t.Helper()
	in := &IgnoreInput{Dir: t.TempDir(), Reached: map[string]bool{}, Builds: []*dockerfile.File{input(t, src).File},
		Keep:       func(p string) bool { return slices.Contains(keep, p) },
		Source:     func(string) bool { return false },
		Dockerfile: func(n string) bool { return n == "Dockerfile" }}
	for _, p := range sent {
		e := buildctx.Entry{Path: strings.TrimSuffix(p, "/"), Type: buildctx.TypeFile}
		if strings.HasSuffix(p, "/") {
			e.Type = buildctx.TypeDir
		}
		in.Entries = append(in.Entries, e)
	}
	for _, p := range reached {
		in.Reached[p] = true
	}
	return in
}

// excluded lists the paths a rule's Excludes hook declares, with "!" in
// front of those it drops on purpose.
func excluded(r *Rule, in *IgnoreInput) []string {
	var out []string
	for _, e := range r.Excludes(in) {
		if e.Drops {
			out = append(out, "!"+e.Path)
		} else {
			out = append(out, e.Path)
		}
	}
	return out
}
