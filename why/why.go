// Package why explains why the steps of a build ran: for each step that ran
// (was not cached), the first cause among what decides BuildKit's cache key
// compared with another build — the base image, the instruction's text, a
// build arg in its environment, the content of the files a COPY/ADD
// selects, the stage a COPY --from reads, or its parent step having run —
// or, when all of that is the same as in the other build, that the builder
// had no cache for it (a fresh CI builder, a cache import that missed, an
// evicted cache); and the seconds that cause cost (the step and every step
// after it that ran). A step that ran in the other build too is explained
// all the same: two source-change builds in a row both run COPY . ., each
// for the files changed since the one before. It reads the inputs recorded
// with each build (history.Inputs, computed by package stepinputs).
package why

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/rules"
)

// Kinds of cause, first match wins in this order.
const (
	Base        = "base"        // the base image moved
	Instruction = "instruction" // the Dockerfile line changed
	Arg         = "arg"         // a build arg in scope changed
	Files       = "files"       // files a COPY/ADD selects changed
	FromStage   = "from"        // the stage a COPY --from reads re-ran
	Parent      = "parent"      // the step it builds on re-ran
	New         = "new"         // no such step in the other build
	NoCache     = "no-cache"    // the same inputs as in the other build: this builder had no cache for it
	Unknown     = "unknown"     // inputs not recorded
)

// Cause is why one step ran.
type Cause struct {
	Stage string `json:"stage"`
	Line  int    `json:"line,omitempty"`
	Step  string `json:"step"`
	Kind  string `json:"kind"`
	// Reason is the explanation in words; Changed the context paths that
	// changed (files), sorted, "-" marking a removed one.
	Reason  string   `json:"reason"`
	Changed []string `json:"changed,omitempty"`
	// Seconds is the step's own run time; Cost the step and every later
	// step of the build that re-ran (what the cause cost, when it is the
	// first).
	Seconds float64 `json:"seconds"`
	Cost    float64 `json:"cost"`
	// RanBefore: the step ran (was not cached) in the compared build too.
	RanBefore bool `json:"ranBefore,omitempty"`
	// Fix says how to avoid the re-run, when layerwise knows one, and Rule
	// the audit rule that finds (and may fix) the same problem.
	Fix  string `json:"fix,omitempty"`
	Rule string `json:"rule,omitempty"`
}

// Report explains one build against another.
type Report struct {
	Image    string  `json:"image"`
	Scenario string  `json:"scenario"`
	Build    int64   `json:"build"`
	Against  int64   `json:"against"`
	Causes   []Cause `json:"causes"`
	// Note says what limited the explanation (no inputs recorded).
	Note string `json:"note,omitempty"`
}

// Store is what Explain reads from the history.
type Store interface {
	InputsOf(ctx context.Context, id int64) (*history.Inputs, error)
	Node(ctx context.Context, digest string) ([]history.TreeEntry, error)
}

// Explain compares build b with build a (both with their steps loaded).
func Explain(ctx context.Context, st Store, b, a *history.Build) (*Report, error) {
	rep := &Report{Image: b.Image, Scenario: b.Scenario, Build: b.ID, Against: a.ID}
	ib, err := st.InputsOf(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	ia, err := st.InputsOf(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if ib == nil || ia == nil {
		rep.Note = "the steps' inputs were not recorded for both builds (recorded since layerwise records them): only which steps re-ran is known"
	}
	cachedBefore := map[string]bool{}
	for _, s := range a.Result.Steps {
		if s.Kind == "exec" || s.Kind == "copy" {
			cachedBefore[stepID(s)] = s.Cached
		}
	}
	var changed []change
	changedDone := false
	ran := ranSteps(b.Result.Steps)
	for i, s := range ran {
		wasCached, existed := cachedBefore[stepID(s)]
		c := Cause{Stage: stage(s), Step: text(s), Seconds: s.Duration.Seconds(), RanBefore: existed && !wasCached}
		for _, later := range ran[i:] {
			c.Cost += later.Duration.Seconds()
		}
		sb := find(ib, s)
		if sb != nil {
			c.Line = sb.Line
		}
		switch {
		case !existed:
			c.Kind, c.Reason = New, "the other build has no such step (the Dockerfile changed)"
		case ib == nil || ia == nil || sb == nil:
			c.Kind, c.Reason = Unknown, "its inputs were not recorded"
		default:
			if !changedDone && ia.Context != "" && ib.Context != "" {
				changed, err = diffTrees(ctx, st, ia.Context, ib.Context, "")
				if err != nil {
					return nil, err
				}
				changedDone = true
			}
			explain(&c, sb, ib, ia, changed, rep.Causes, a.ID)
		}
		rep.Causes = append(rep.Causes, c)
	}
	return rep, nil
}

// ranSteps are the Dockerfile steps that ran (not cached), in order.
func ranSteps(steps []engine.Step) []engine.Step {
	var out []engine.Step
	for _, s := range steps {
		if (s.Kind == "exec" || s.Kind == "copy") && !s.Cached && s.Error == "" {
			out = append(out, s)
		}
	}
	return out
}

// stepID is a step's stage and text, stable across builds (the index
// moves when a line is added above it).
func stepID(s engine.Step) string { return stage(s) + "|" + text(s) }

// stage is the step's stage, from its key when the record lacks it.
func stage(s engine.Step) string {
	if s.Stage != "" {
		return s.Stage
	}
	return s.Key.Stage()
}

func text(s engine.Step) string { return s.Key.Text() }

// find is the recorded input of a step: same stage (both as BuildKit's
// progress names it, dockerfile.File.ProgressName) and text.
func find(in *history.Inputs, s engine.Step) *history.StepInput {
	if in == nil {
		return nil
	}
	for _, x := range in.Steps {
		if x.Text == text(s) && x.Stage == stage(s) {
			return x
		}
	}
	return nil
}

// findIn is the same instruction in the other build's inputs.
func findIn(in *history.Inputs, x *history.StepInput) *history.StepInput {
	for _, y := range in.Steps {
		if y.Stage == x.Stage && y.Text == x.Text {
			return y
		}
	}
	return nil
}

func explain(c *Cause, sb *history.StepInput, ib, ia *history.Inputs, changed []change, earlier []Cause, against int64) {
	sa := findIn(ia, sb)
	if sa == nil {
		c.Kind, c.Reason = Instruction, "the instruction is new or changed"
		return
	}
	// up the chain of parents: the nearest that re-ran is the cause; the
	// steps between that make no vertex of their own (ARG, ENV, LABEL…)
	// or were cached say nothing; a FROM whose image moved is the cause
	// of the first step on it (the FROM itself never runs)
	for pi := sb.Parent; pi >= 0 && pi < len(ib.Steps); pi = ib.Steps[pi].Parent {
		p := ib.Steps[pi]
		for _, e := range earlier {
			if e.Stage == p.Stage && e.Line == p.Line {
				c.Kind, c.Reason = Parent, fmt.Sprintf("its parent step re-ran (line %d)", p.Line)
				return
			}
		}
		pa := findIn(ia, p)
		if pa == nil {
			c.Kind, c.Reason = Parent, fmt.Sprintf("its parent step (line %d) is new or changed", p.Line)
			return
		}
		if p.Base != "" && pa.BaseID != "" && p.BaseID != "" && pa.BaseID != p.BaseID {
			c.Kind, c.Reason = Base, fmt.Sprintf("base image %s moved to %s (was %s)", p.Base, short(p.BaseID), short(pa.BaseID))
			c.Fix = "pin the base image by digest (FROM " + p.Base + "@sha256:…) to move it when you choose"
			c.Rule = rules.BaseImageUnpinned.ID
			return
		}
		if !metadataOnly(p.Text) {
			break // a step that ran cached: nothing above it changed
		}
	}
	if keys := changedArgs(sa.Args, sb.Args); len(keys) > 0 {
		c.Kind = Arg
		c.Reason = "ARG " + strings.Join(keys, ", ARG ") + " changed"
		c.Fix = "declare an ARG that changes on every build (a commit, a date) as late as possible, in the stage that uses it"
		c.Rule = rules.VolatileEarlyInput.ID
		return
	}
	if sb.FromStage != "" {
		for _, e := range earlier {
			if e.Stage == sb.FromStage {
				c.Kind, c.Reason = FromStage, fmt.Sprintf("the stage it copies from (%s) re-ran", e.Stage)
				return
			}
		}
	}
	if len(sb.Sources) > 0 {
		hit := reached(changed, sb.Sources, sb.Excludes)
		if len(hit) > 0 {
			c.Kind = Files
			c.Changed = hit
			c.Reason = fmt.Sprintf("%s changed: %s", plural(len(hit), "file"), list(hit, 5))
			if c.Fix = unusedHint(hit, sb); c.Fix != "" {
				c.Rule = rules.UnusedContext.ID
			}
			return
		}
	}
	// everything that decides its cache key is as it was: the builder had
	// no cache for it
	c.Kind = NoCache
	if c.RanBefore {
		c.Reason = fmt.Sprintf("its inputs are the same as in build %d, which ran it too: this builder had no cache for it (a fresh builder, a cache import that missed, or an evicted cache)", against)
	} else {
		c.Reason = fmt.Sprintf("its inputs are the same as in build %d, where it was cached: this builder had no cache for it (a fresh builder, a cache import that missed, or an evicted cache)", against)
	}
	c.Fix = "a builder starts without cache (every CI job's does, and a garbage collector evicts): import the last build's layer cache with --cache-from and export it with --cache-to (type=registry or gha, mode=max; layerwise generate ci writes both)"
}

// metadataOnly: instructions BuildKit applies to the image config without
// a step of their own (their change shows in the next step's key).
func metadataOnly(text string) bool {
	kw, _, _ := strings.Cut(text, " ")
	switch strings.ToUpper(kw) {
	case "ARG", "ENV", "LABEL", "EXPOSE", "USER", "CMD", "ENTRYPOINT", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "VOLUME", "ONBUILD", "MAINTAINER":
		return true
	}
	return false
}

func changedArgs(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if old, ok := a[k]; !ok || old != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// change is a context path that differs between the two trees.
type change struct {
	path    string
	removed bool
}

// diffTrees lists the files that differ between two context trees,
// descending only into directories whose digests differ.
func diffTrees(ctx context.Context, st Store, a, b, prefix string) ([]change, error) {
	if a == b {
		return nil, nil
	}
	entries := func(d string) (map[string]history.TreeEntry, error) {
		out := map[string]history.TreeEntry{}
		if d == "" {
			return out, nil
		}
		es, err := st.Node(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out[e.Name] = e
		}
		return out, nil
	}
	ea, err := entries(a)
	if err != nil {
		return nil, err
	}
	eb, err := entries(b)
	if err != nil {
		return nil, err
	}
	var out []change
	names := map[string]bool{}
	for n := range ea {
		names[n] = true
	}
	for n := range eb {
		names[n] = true
	}
	for _, n := range sortedKeys(names) {
		x, inA := ea[n]
		y, inB := eb[n]
		p := path.Join(prefix, n)
		switch {
		case inA && inB && x.Digest == y.Digest && x.Dir == y.Dir:
		case (inA && x.Dir) || (inB && y.Dir):
			var da, db string
			if inA && x.Dir {
				da = x.Digest
			}
			if inB && y.Dir {
				db = y.Digest
			}
			sub, err := diffTrees(ctx, st, da, db, p)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			if inA && !x.Dir || inB && !y.Dir {
				out = append(out, change{path: p, removed: !inB || y.Dir})
			}
		default:
			out = append(out, change{path: p, removed: !inB})
		}
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// reached are the changed paths the sources select, as BuildKit resolves
// them (buildctx's usage matching: globs, directories, --exclude).
func reached(changed []change, sources, excludes []string) []string {
	if len(changed) == 0 {
		return nil
	}
	w := &buildctx.Walk{}
	for _, c := range changed {
		w.Entries = append(w.Entries, buildctx.Entry{Path: c.path, Type: buildctx.TypeFile})
	}
	var srcs []buildctx.Source
	for _, s := range sources {
		srcs = append(srcs, buildctx.Source{Pattern: s, Excludes: excludes})
	}
	u, err := buildctx.ComputeUsage(w, srcs)
	if err != nil {
		return nil
	}
	unused := map[string]bool{}
	for _, e := range u.Unused {
		unused[e.Path] = true
	}
	var out []string
	for _, c := range changed {
		if unused[c.path] {
			continue
		}
		if c.removed {
			out = append(out, "-"+c.path)
		} else {
			out = append(out, c.path)
		}
	}
	return out
}

// unusedHint: files a broad COPY reaches that a build does not read
// (documentation, CI files, tests' fixtures by name) re-run everything
// after it; a .dockerignore entry or a narrower COPY avoids it.
func unusedHint(paths []string, s *history.StepInput) string {
	var docs []string
	for _, p := range paths {
		p = strings.TrimPrefix(p, "-")
		if buildctx.LikelyUnused(p) {
			docs = append(docs, p)
		}
	}
	if len(docs) == 0 {
		return ""
	}
	broad := false
	for _, src := range s.Sources {
		if src == "." || src == "./" || src == "/" {
			broad = true
		}
	}
	hint := fmt.Sprintf("%s %s reached by %s but not used by the build: a .dockerignore entry", list(docs, 3), isAre(len(docs)), s.Text)
	if broad {
		hint += ", or copy only the directories the build needs"
	}
	return hint + " (layerwise fix writes the .dockerignore)"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func short(id string) string {
	if len(id) > 19 {
		return id[:19] + "…"
	}
	return id
}

func plural(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

func list(ps []string, n int) string {
	if len(ps) <= n {
		return strings.Join(ps, ", ")
	}
	return strings.Join(ps[:n], ", ") + fmt.Sprintf(" and %d more", len(ps)-n)
}

// Previous picks the build to compare b with: the latest build of the same
// image and scenario recorded before it (IDs grow in the order builds are
// recorded; start times of parallel builds need not).
func Previous(builds []*history.Build, b *history.Build) *history.Build {
	var best *history.Build
	for _, x := range builds {
		if x.Image == b.Image && x.Scenario == b.Scenario && x.ID < b.ID && (best == nil || x.ID > best.ID) {
			best = x
		}
	}
	return best
}
