// Package cost answers "what does a commit cost us in image rebuilds?"
// without building anything: it replays a repository's git history against
// each image's Dockerfile — which step each changed file invalidates (the
// first COPY/ADD whose sources reach it, after .dockerignore; everything
// after it, and the stages built on it) — and prices the re-run steps with
// their measured durations from the build history (static estimates where
// none are recorded, and it says so). It does the same for the Dockerfile
// and .dockerignore `layerwise fix` would write, and names the paths whose
// changes cost the most rebuild time.
package cost

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/pkgmgr"
	"github.com/moby/patternmatcher"
)

// Commit is one commit of the window and the paths it changed
// (repository-relative).
type Commit struct {
	Hash  string
	At    time.Time
	Paths []string
}

// Commits lists the non-merge commits since a time, oldest first, with the
// paths each changed (git log --name-only).
func Commits(ctx context.Context, root string, since time.Time) ([]Commit, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", root, "log", "--no-merges", "--name-only", "--no-renames", "--format=%x00%H %ct",
		"--since="+since.UTC().Format(time.RFC3339))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git log in %s: %v: %s (cost replays a git repository's commits)", root, err, strings.TrimSpace(stderr.String()))
	}
	var commits []Commit
	for _, block := range strings.Split(string(out), "\x00") {
		block = strings.TrimSpace(block)
		if block == "" {
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(block))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		if !sc.Scan() {
			continue
		}
		hash, ts, _ := strings.Cut(sc.Text(), " ")
		secs, _ := strconv.ParseInt(ts, 10, 64)
		c := Commit{Hash: hash, At: time.Unix(secs, 0).UTC()}
		for sc.Scan() {
			if p := strings.TrimSpace(sc.Text()); p != "" {
				c.Paths = append(c.Paths, p)
			}
		}
		commits = append(commits, c)
	}
	slices.Reverse(commits) // git log lists the newest first
	return commits, nil
}

// Build is one way an image is built, as the replay sees it: the
// Dockerfile's model, the context directory (repository-relative), the
// Dockerfile's path, the ignore patterns in force and the target.
type Build struct {
	Model      *dockerfile.File
	Context    string
	Dockerfile string
	Ignore     []string
	Target     string
}

// step is one instruction of a built stage with what it reads and costs.
type step struct {
	stage   int
	index   int // in the stage's instructions
	text    string
	sources []buildctx.Source
	from    int // COPY --from stage, -1
	secs    float64
	static  bool
}

// plan is a Build's built stages, in order, with priced steps.
type plan struct {
	b       Build
	stages  []int // built stage indexes, dependencies first
	steps   map[int][]*step
	base    map[int]int // stage -> the stage it builds FROM, -1
	ignore  *patternmatcher.PatternMatcher
	measure int // steps priced by measurement
	static  int // steps priced statically
}

// Durations are measured step durations by "stage|text" (the text with
// blanks collapsed and RUN's --mount flags left out, so that a step the
// fix gave a cache mount keeps its measured time).
type Durations map[string]float64

// DurationsFrom turns a history's step keys ("stage#3 RUN …") into
// Durations.
func DurationsFrom(byKey map[engine.StepKey]float64) Durations {
	out := Durations{}
	for k, v := range byKey {
		if stage, _, text, ok := k.Parts(); ok {
			out[stage+"|"+Normalize(text)] = v
		}
	}
	return out
}

// Normalize collapses blanks and drops RUN's --mount flags.
func Normalize(text string) string {
	var keep []string
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "--mount=") {
			continue
		}
		keep = append(keep, f)
	}
	return strings.Join(keep, " ")
}

func newPlan(b Build, d Durations) (*plan, error) {
	p := &plan{b: b, steps: map[int][]*step{}, base: map[int]int{}}
	m := b.Model
	final := m.Final(b.Target)
	if final == nil {
		return nil, fmt.Errorf("%s: no stage to build", b.Dockerfile)
	}
	needed := map[int]bool{}
	var need func(i int)
	need = func(i int) {
		if needed[i] {
			return
		}
		needed[i] = true
		for _, d := range m.Stages[i].DependsOn {
			need(d)
		}
	}
	need(final.Index)
	for _, s := range m.Stages {
		if !needed[s.Index] {
			continue
		}
		p.stages = append(p.stages, s.Index)
		p.base[s.Index] = s.BaseStage
		name := m.ProgressName(s)
		for i, ins := range s.Instructions {
			st := &step{stage: s.Index, index: i, text: strings.Join(strings.Fields(ins.Original), " "), from: -1}
			if c := ins.Copy; c != nil {
				if c.FromStage >= 0 {
					st.from = c.FromStage
				} else if c.From == "" {
					for _, src := range c.ContextSources() {
						st.sources = append(st.sources, buildctx.Source{Pattern: src, Excludes: c.Excludes, Unresolved: c.Unresolved})
					}
				}
			}
			if v, ok := d[name+"|"+Normalize(st.text)]; ok {
				st.secs = v
				p.measure++
			} else if v, ok := staticSeconds(ins); ok {
				st.secs, st.static = v, true
				p.static++
			}
			p.steps[s.Index] = append(p.steps[s.Index], st)
		}
	}
	if len(b.Ignore) > 0 {
		pm, err := patternmatcher.New(b.Ignore)
		if err != nil {
			return nil, fmt.Errorf("%s: ignore patterns: %w", b.Dockerfile, err)
		}
		p.ignore = pm
	}
	return p, nil
}

// staticSeconds is a rough price of re-running an instruction no build
// measured: a dependency install as its package manager's typical
// install, a compile 20 s, another RUN 3 s, a COPY 0.2 s. It orders what
// to fix; measured durations replace it.
func staticSeconds(ins *dockerfile.Instruction) (float64, bool) {
	switch {
	case ins.Run != nil:
		secs := 3.0
		for _, c := range ins.Run.Commands {
			if in := pkgmgr.Classify(c); in != nil {
				switch {
				case in.Compile:
					secs = max(secs, 20)
				default:
					secs = max(secs, in.Tool.Seconds)
				}
			}
		}
		return secs, true
	case ins.Copy != nil:
		return 0.2, true
	}
	return 0, false // metadata: no step of its own
}

// replay prices one commit: the re-run steps' seconds, and which of the
// commit's paths triggered the earliest re-run of each stage.
func (p *plan) replay(paths []string) (float64, []string) {
	ctxPrefix := strings.TrimSuffix(p.b.Context, "/") + "/"
	if p.b.Context == "." || p.b.Context == "" {
		ctxPrefix = ""
	}
	var inCtx []string
	dockerfileChanged := false
	for _, f := range paths {
		if f == p.b.Dockerfile {
			dockerfileChanged = true
			continue
		}
		if ctxPrefix != "" && !strings.HasPrefix(f, ctxPrefix) {
			continue
		}
		rel := strings.TrimPrefix(f, ctxPrefix)
		if p.ignore != nil {
			if ok, _ := p.ignore.MatchesOrParentMatches(rel); ok {
				continue
			}
		}
		inCtx = append(inCtx, rel)
	}
	from := map[int]int{} // stage -> first re-run step index
	var triggers []string
	for _, si := range p.stages {
		first := -1
		if dockerfileChanged {
			first = 0 // where the edit is is not known: the whole stage (an upper bound)
		}
		if b := p.base[si]; b >= 0 {
			if _, ok := from[b]; ok {
				first = 0
			}
		}
		for i, st := range p.steps[si] {
			if first >= 0 && i >= first {
				break
			}
			if st.from >= 0 {
				if _, ok := from[st.from]; ok {
					first = i
					break
				}
			}
			if len(st.sources) > 0 && len(inCtx) > 0 {
				if hit := reached(inCtx, st.sources); len(hit) > 0 {
					first = i
					for _, h := range hit {
						triggers = append(triggers, ctxPrefix+h)
					}
					break
				}
			}
		}
		if first >= 0 {
			from[si] = first
		}
	}
	secs := 0.0
	for si, first := range from {
		for _, st := range p.steps[si][first:] {
			secs += st.secs
		}
	}
	if dockerfileChanged {
		triggers = append(triggers, p.b.Dockerfile)
	}
	return secs, dedupe(triggers)
}

// reached are the paths the sources select (buildctx's matching, as
// BuildKit resolves COPY sources).
func reached(paths []string, sources []buildctx.Source) []string {
	w := &buildctx.Walk{}
	for _, p := range paths {
		w.Entries = append(w.Entries, buildctx.Entry{Path: p, Type: buildctx.TypeFile})
	}
	u, err := buildctx.ComputeUsage(w, sources)
	if err != nil || u.Undecidable {
		return nil
	}
	unused := map[string]bool{}
	for _, e := range u.Unused {
		unused[e.Path] = true
	}
	var out []string
	for _, p := range paths {
		if !unused[p] {
			out = append(out, p)
		}
	}
	return out
}

func dedupe(ps []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// PathCost is the rebuild time the changes under one directory (or of one
// file at the top) triggered.
type PathCost struct {
	Path    string  `json:"path"`
	Seconds float64 `json:"seconds"`
	Share   float64 `json:"share"`
	// Unused: documentation, CI and editor files, which a build does not
	// read: a .dockerignore entry avoids their rebuilds.
	Unused bool `json:"unused,omitempty"`
}

// ImageCost is one image's rebuild cost over the window.
type ImageCost struct {
	Image   string `json:"image"`
	Commits int    `json:"commits"`
	// Rebuilds counts the commits that re-run a step (naive and fixed).
	Rebuilds      int `json:"rebuilds"`
	FixedRebuilds int `json:"fixedRebuilds"`
	// Naive and Fixed are the expected rebuild seconds per commit of the
	// window, with the Dockerfile as it is and as `layerwise fix` would
	// write it (Fixed is 0 and FixedNote says why when fix changes nothing
	// or cannot be replayed).
	Naive     float64 `json:"naiveSecondsPerCommit"`
	Fixed     float64 `json:"fixedSecondsPerCommit"`
	FixedNote string  `json:"fixedNote,omitempty"`
	// Basis: "measured" (every rebuilt step has a recorded duration),
	// "static" (none has) or "mixed".
	Basis string     `json:"basis"`
	Paths []PathCost `json:"paths,omitempty"`
}

// Replay prices the commits for one image, naive and (when fixed is not
// nil) after the fix.
func Replay(image string, naive Build, fixed *Build, d Durations, commits []Commit) (*ImageCost, error) {
	pn, err := newPlan(naive, d)
	if err != nil {
		return nil, err
	}
	ic := &ImageCost{Image: image, Commits: len(commits)}
	switch {
	case pn.measure > 0 && pn.static == 0:
		ic.Basis = "measured"
	case pn.measure == 0:
		ic.Basis = "static"
	default:
		ic.Basis = "mixed"
	}
	var pf *plan
	if fixed != nil {
		if pf, err = newPlan(*fixed, d); err != nil {
			ic.FixedNote = "the fixed Dockerfile cannot be replayed: " + err.Error()
			pf = nil
		}
	} else {
		ic.FixedNote = "layerwise fix changes nothing for this image"
	}
	byPath := map[string]float64{}
	total, totalFixed := 0.0, 0.0
	for _, c := range commits {
		secs, triggers := pn.replay(c.Paths)
		if secs > 0 {
			ic.Rebuilds++
			total += secs
			for _, t := range triggers {
				byPath[group(t, naive.Context)] += secs / float64(len(triggers))
			}
		}
		if pf != nil {
			fs, _ := pf.replay(c.Paths)
			if fs > 0 {
				ic.FixedRebuilds++
				totalFixed += fs
			}
		}
	}
	if len(commits) > 0 {
		ic.Naive = total / float64(len(commits))
		if pf != nil {
			ic.Fixed = totalFixed / float64(len(commits))
		} else {
			ic.Fixed = ic.Naive
		}
	}
	for p, s := range byPath {
		ic.Paths = append(ic.Paths, PathCost{Path: p, Seconds: s, Share: s / total, Unused: buildctx.LikelyUnused(p)})
	}
	sort.Slice(ic.Paths, func(i, j int) bool {
		if ic.Paths[i].Seconds != ic.Paths[j].Seconds {
			return ic.Paths[i].Seconds > ic.Paths[j].Seconds
		}
		return ic.Paths[i].Path < ic.Paths[j].Path
	})
	if len(ic.Paths) > 5 {
		ic.Paths = ic.Paths[:5]
	}
	return ic, nil
}

// group names where a changed path lies, for the report: its directory
// below the context ("docs/", "src/api/"), or the file itself at the top.
func group(p, context string) string {
	rel := p
	if context != "" && context != "." {
		rel = strings.TrimPrefix(p, strings.TrimSuffix(context, "/")+"/")
	}
	dir := path.Dir(rel)
	if dir == "." {
		return p
	}
	first, rest, _ := strings.Cut(dir, "/")
	if second, _, _ := strings.Cut(rest, "/"); rest != "" && (first == "src" || first == "services" || first == "packages" || first == "apps") {
		first += "/" + second
	}
	if context != "" && context != "." {
		return strings.TrimSuffix(context, "/") + "/" + first + "/"
	}
	return first + "/"
}
