package why

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/stepinputs"
)

const df = `FROM node:20 AS build
ARG VERSION=dev
WORKDIR /app
COPY package.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27
COPY --from=build /app/dist /usr/share/nginx/html
`

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// steps is a build's Dockerfile steps as BuildKit reports them, each
// cached unless its text is in ran (one second each).
func steps(ran ...string) []engine.Step {
	var out []engine.Step
	for i, s := range []struct{ stage, text string }{
		{"build", "WORKDIR /app"}, {"build", "COPY package.json ./"}, {"build", "RUN npm ci"}, {"build", "COPY . ."},
		{"build", "RUN npm run build"}, {"stage-1", "COPY --from=build /app/dist /usr/share/nginx/html"},
	} {
		st := engine.StepOf("[" + s.stage + " " + string(rune('2'+i)) + "/7] " + s.text)
		st.Cached = !slices.Contains(ran, s.text)
		if !st.Cached {
			st.Duration = time.Second
		}
		out = append(out, st)
	}
	return out
}

type recorder struct {
	t     *testing.T
	store *history.Store
	dir   string
	h     *stepinputs.Hasher
	n     int
}

func (r *recorder) build(args map[string]string, base string, ran ...string) *history.Build {
	r.t.Helper()
	m, err := dockerfile.Parse("Dockerfile", []byte(df), dockerfile.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	in, err := stepinputs.OfDir(context.Background(), m, args, r.dir, filepath.Join(r.dir, "Dockerfile"), r.h, func(string) string { return base })
	if err != nil {
		r.t.Fatal(err)
	}
	r.n++
	b := &history.Build{StartedAt: time.Date(2026, 11, 30, 10, r.n, 0, 0, time.UTC), Image: "web", Scenario: "build",
		Result: engine.Result{Steps: steps(ran...)}, Inputs: in}
	if _, err := r.store.Append(context.Background(), b); err != nil {
		r.t.Fatal(err)
	}
	got, err := r.store.Build(context.Background(), b.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

func setup(t *testing.T) *recorder {
	dir := t.TempDir()
	write(t, dir, map[string]string{"Dockerfile": df, "package.json": `{"name":"web"}`, "src/app.ts": "export {}\n",
		"src/util.ts": "export const x = 1\n", "README.md": "# web\n", ".dockerignore": "node_modules\n"})
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &recorder{t: t, store: s, dir: dir, h: stepinputs.NewHasher()}
}

func explainLast(t *testing.T, r *recorder, b, a *history.Build) *Report {
	t.Helper()
	rep, err := Explain(context.Background(), r.store, b, a)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Two source files and the README change: COPY . . re-runs because of
// them (the README is not used: a .dockerignore entry), the build after it
// because its parent re-ran, the last stage's COPY --from because the
// stage it copies from re-ran; ignored files changing matter to nothing.
func TestFilesChanged(t *testing.T) {
	r := setup(t)
	a := r.build(nil, "sha256:aaa")
	write(t, r.dir, map[string]string{"src/app.ts": "export const y = 2\n", "README.md": "# web, documented\n", "node_modules/x/index.js": "ignored\n"})
	if err := os.Remove(filepath.Join(r.dir, "src/util.ts")); err != nil {
		t.Fatal(err)
	}
	b := r.build(nil, "sha256:aaa", "COPY . .", "RUN npm run build", "COPY --from=build /app/dist /usr/share/nginx/html")
	rep := explainLast(t, r, b, a)
	if rep.Note != "" || len(rep.Causes) != 3 {
		t.Fatalf("causes %+v (note %q)", rep.Causes, rep.Note)
	}
	c := rep.Causes[0]
	if c.Kind != Files || c.Line != 6 || !slices.Equal(c.Changed, []string{"README.md", "src/app.ts", "-src/util.ts"}) || c.Cost != 3 || c.Seconds != 1 {
		t.Errorf("COPY . .: %+v", c)
	}
	if c.Rule != "LW124" {
		t.Errorf("COPY . .'s rule: %q", c.Rule)
	}
	if !strings.Contains(c.Reason, "3 files changed: README.md, src/app.ts, -src/util.ts") || !strings.Contains(c.Fix, "README.md is reached by COPY . . but not used by the build: a .dockerignore entry") {
		t.Errorf("COPY . . words: %q / %q", c.Reason, c.Fix)
	}
	if c := rep.Causes[1]; c.Kind != Parent || c.Line != 7 || c.Cost != 2 {
		t.Errorf("RUN npm run build: %+v", c)
	}
	if c := rep.Causes[2]; c.Kind != FromStage || !strings.Contains(c.Reason, "build") {
		t.Errorf("COPY --from: %+v", c)
	}
}

// A build arg in scope changes: the first RUN after it re-runs for it.
func TestArgChanged(t *testing.T) {
	r := setup(t)
	a := r.build(map[string]string{"VERSION": "1"}, "sha256:aaa")
	b := r.build(map[string]string{"VERSION": "2"}, "sha256:aaa", "RUN npm ci", "COPY . .", "RUN npm run build")
	rep := explainLast(t, r, b, a)
	if len(rep.Causes) != 3 || rep.Causes[0].Kind != Arg || rep.Causes[0].Reason != "ARG VERSION changed" || rep.Causes[0].Cost != 3 || rep.Causes[0].Rule != "LW107" {
		t.Fatalf("causes %+v", rep.Causes)
	}
	if rep.Causes[1].Kind != Parent || rep.Causes[2].Kind != Parent {
		t.Errorf("after it: %+v", rep.Causes[1:])
	}
}

// The base image moves: the first step re-runs for it, with the fix.
func TestBaseMoved(t *testing.T) {
	r := setup(t)
	a := r.build(nil, "sha256:aaaaaaaaaaaaaaaaaaaaaaaa")
	b := r.build(nil, "sha256:bbbbbbbbbbbbbbbbbbbbbbbb", "WORKDIR /app", "COPY package.json ./")
	rep := explainLast(t, r, b, a)
	if len(rep.Causes) != 2 {
		t.Fatalf("causes %+v", rep.Causes)
	}
	// WORKDIR's parent is FROM node:20, whose image moved
	if c := rep.Causes[0]; c.Kind != Base || !strings.Contains(c.Reason, "base image node:20 moved to sha256:bbbbbbbbbbbb") || !strings.Contains(c.Fix, "FROM node:20@sha256") || c.Cost != 2 {
		t.Errorf("WORKDIR: %+v", c)
	}
	if c := rep.Causes[1]; c.Kind != Parent {
		t.Errorf("COPY: %+v", c)
	}
}

// Nothing recorded: the explanation says so instead of guessing; the
// previous build is the latest earlier one of the same image and scenario.
func TestWithoutInputsAndPrevious(t *testing.T) {
	r := setup(t)
	a := &history.Build{StartedAt: time.Now(), Image: "web", Scenario: "build", Result: engine.Result{Steps: steps()}}
	b := &history.Build{StartedAt: time.Now().Add(time.Minute), Image: "web", Scenario: "build", Result: engine.Result{Steps: steps("RUN npm ci")}}
	for _, x := range []*history.Build{a, b} {
		if _, err := r.store.Append(context.Background(), x); err != nil {
			t.Fatal(err)
		}
	}
	rep := explainLast(t, r, b, a)
	if rep.Note == "" || len(rep.Causes) != 1 || rep.Causes[0].Kind != Unknown {
		t.Errorf("without inputs: %+v", rep)
	}
	other := &history.Build{ID: 99, StartedAt: a.StartedAt, Image: "api", Scenario: "build"}
	if p := Previous([]*history.Build{a, b, other}, b); p == nil || p.ID != a.ID {
		t.Errorf("previous of %d: %+v", b.ID, p)
	}
	if p := Previous([]*history.Build{a, b}, a); p != nil {
		t.Errorf("the first build has a previous one: %+v", p)
	}
}

// Two source-change builds in a row both run COPY . . (each for the file
// changed since the build before): the second is explained too, with the
// file that changed between the two, though the step ran in both.
func TestRanInBothBuilds(t *testing.T) {
	r := setup(t)
	r.build(nil, "sha256:aaa")
	write(t, r.dir, map[string]string{"src/app.ts": "export const y = 2\n"})
	a := r.build(nil, "sha256:aaa", "COPY . .", "RUN npm run build", "COPY --from=build /app/dist /usr/share/nginx/html")
	write(t, r.dir, map[string]string{"src/util.ts": "export const x = 3\n"})
	b := r.build(nil, "sha256:aaa", "COPY . .", "RUN npm run build", "COPY --from=build /app/dist /usr/share/nginx/html")
	rep := explainLast(t, r, b, a)
	if rep.Note != "" || len(rep.Causes) != 3 {
		t.Fatalf("causes %+v (note %q)", rep.Causes, rep.Note)
	}
	c := rep.Causes[0]
	if c.Kind != Files || c.Line != 6 || !slices.Equal(c.Changed, []string{"src/util.ts"}) || !c.RanBefore || c.Cost != 3 {
		t.Errorf("COPY . .: %+v", c)
	}
	if !strings.Contains(c.Reason, "1 file changed: src/util.ts") {
		t.Errorf("COPY . . words: %q", c.Reason)
	}
	if c := rep.Causes[1]; c.Kind != Parent || c.Line != 7 || !c.RanBefore {
		t.Errorf("RUN npm run build: %+v", c)
	}
	if c := rep.Causes[2]; c.Kind != FromStage {
		t.Errorf("COPY --from: %+v", c)
	}
}

// The same inputs as the build compared with: a step that ran had no cache
// on this builder (a fresh CI builder, an import that missed), whether it
// was cached in the other build or ran there too; the steps on top of it
// ran because it did.
func TestNoCacheOnThisBuilder(t *testing.T) {
	r := setup(t)
	a := r.build(nil, "sha256:aaa")
	b := r.build(nil, "sha256:aaa", "RUN npm ci", "COPY . .", "RUN npm run build")
	rep := explainLast(t, r, b, a)
	if rep.Note != "" || len(rep.Causes) != 3 {
		t.Fatalf("causes %+v (note %q)", rep.Causes, rep.Note)
	}
	c := rep.Causes[0]
	if c.Kind != NoCache || c.Step != "RUN npm ci" || c.RanBefore || c.Cost != 3 ||
		!strings.Contains(c.Reason, "where it was cached: this builder had no cache for it") || !strings.Contains(c.Fix, "--cache-from") {
		t.Errorf("RUN npm ci: %+v", c)
	}
	for _, c := range rep.Causes[1:] {
		if c.Kind != Parent {
			t.Errorf("after it: %+v", c)
		}
	}
	// a cold build after a cold build: every step ran in both
	all := []string{"WORKDIR /app", "COPY package.json ./", "RUN npm ci", "COPY . .", "RUN npm run build", "COPY --from=build /app/dist /usr/share/nginx/html"}
	a = r.build(nil, "sha256:aaa", all...)
	b = r.build(nil, "sha256:aaa", all...)
	rep = explainLast(t, r, b, a)
	if len(rep.Causes) != len(all) {
		t.Fatalf("cold after cold: %+v", rep.Causes)
	}
	if c := rep.Causes[0]; c.Kind != NoCache || !c.RanBefore || !strings.Contains(c.Reason, "which ran it too: this builder had no cache for it") || c.Cost != 6 {
		t.Errorf("WORKDIR: %+v", c)
	}
	for _, c := range rep.Causes[1:] {
		if c.Kind != Parent && c.Kind != FromStage {
			t.Errorf("after it: %+v", c)
		}
	}
}
