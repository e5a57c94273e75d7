package trends

import (
	"context"
	"sort"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/why"
)

// ImageView is what the dashboard shows of one image: its latest build's
// steps against the build before it (same scenario), why the steps that
// re-ran did, and the steps that cost the most over the window.
type ImageView struct {
	Image      string `json:"image"`
	Dockerfile string `json:"dockerfile"`
	// Latest is the image's last build in the window; Baseline the build
	// of the same scenario before it (nil when there is none).
	Latest   *BuildView `json:"latest"`
	Baseline *BuildView `json:"baseline,omitempty"`
	// Why explains Latest against Baseline (layerwise why).
	Why     []why.Cause `json:"why,omitempty"`
	WhyNote string      `json:"whyNote,omitempty"`
	// TopSteps are the steps that ran (not cached) for the longest in
	// total over the window, most first (at most five).
	TopSteps []StepCost `json:"topSteps,omitempty"`
}

// BuildView is one build as a waterfall of its Dockerfile steps.
type BuildView struct {
	ID       int64         `json:"id"`
	At       time.Time     `json:"at"`
	Scenario string        `json:"scenario"`
	Wall     time.Duration `json:"wallNs"`
	Failed   bool          `json:"failed,omitempty"`
	Steps    []StepBar     `json:"steps"`
}

// StepBar is one step of a build: when it started after the build's first
// step, how long it took, and whether the cache answered it.
type StepBar struct {
	Stage    string        `json:"stage"`
	Text     string        `json:"text"`
	Line     int           `json:"line,omitempty"`
	Offset   time.Duration `json:"offsetNs"`
	Duration time.Duration `json:"durationNs"`
	Cached   bool          `json:"cached"`
}

// StepCost is a step's run time added up over the window.
type StepCost struct {
	Stage string        `json:"stage"`
	Text  string        `json:"text"`
	Line  int           `json:"line,omitempty"`
	Total time.Duration `json:"totalNs"`
	Runs  int           `json:"runs"`
}

// Group is the builds of one builder or one branch.
type Group struct {
	Name     string        `json:"name"`
	Builds   int           `json:"builds"`
	Failures int           `json:"failures"`
	Median   time.Duration `json:"medianNs"`
}

// loadImages fills the report's per-image views and its builder and
// branch groups from the window's builds (oldest first, with steps).
func loadImages(ctx context.Context, store *history.Store, rep *Report, window []*history.Build) error {
	byImage := map[string][]*history.Build{}
	var names []string
	builders := map[string]*groupAcc{}
	branches := map[string]*groupAcc{}
	for _, b := range window {
		if byImage[b.Image] == nil {
			names = append(names, b.Image)
		}
		byImage[b.Image] = append(byImage[b.Image], b)
		add(builders, b.Builder.Builder, b)
		add(branches, b.Git.Branch, b)
	}
	sort.Strings(names)
	for _, name := range names {
		bs := byImage[name]
		latest := bs[len(bs)-1]
		v := &ImageView{Image: name, Dockerfile: latest.Dockerfile}
		lines, err := stepLines(ctx, store, latest.ID)
		if err != nil {
			return err
		}
		v.Latest = buildView(latest, lines)
		var same []*history.Build
		for _, b := range bs {
			if b.Scenario == latest.Scenario {
				same = append(same, b)
			}
		}
		if prev := why.Previous(same, latest); prev != nil {
			plines, err := stepLines(ctx, store, prev.ID)
			if err != nil {
				return err
			}
			v.Baseline = buildView(prev, plines)
			if !latest.Result.Failed() {
				w, err := why.Explain(ctx, store, latest, prev)
				if err != nil {
					return err
				}
				v.Why, v.WhyNote = w.Causes, w.Note
			}
		}
		v.TopSteps = topSteps(bs, lines, 5)
		rep.Images = append(rep.Images, v)
	}
	rep.ByBuilder, rep.ByBranch = groups(builders), groups(branches)
	return nil
}

// stepLines maps a build's steps ("stage|text") to their Dockerfile lines,
// from the inputs recorded with it.
func stepLines(ctx context.Context, store *history.Store, id int64) (map[string]int, error) {
	in, err := store.InputsOf(ctx, id)
	if err != nil || in == nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range in.Steps {
		out[s.Stage+"|"+s.Text] = s.Line
	}
	return out, nil
}

func dockerfileSteps(r *engine.Result) []engine.Step {
	var out []engine.Step
	for _, s := range r.Steps {
		if s.Kind == "exec" || s.Kind == "copy" {
			out = append(out, s)
		}
	}
	return out
}

func buildView(b *history.Build, lines map[string]int) *BuildView {
	v := &BuildView{ID: b.ID, At: b.StartedAt, Scenario: b.Scenario, Wall: b.Result.Wall, Failed: b.Result.Failed()}
	steps := dockerfileSteps(&b.Result)
	var first time.Time
	for _, s := range steps {
		if !s.Start.IsZero() && (first.IsZero() || s.Start.Before(first)) {
			first = s.Start
		}
	}
	for _, s := range steps {
		stage, text := splitKey(s)
		bar := StepBar{Stage: stage, Text: text, Line: lines[stage+"|"+text], Duration: s.Duration, Cached: s.Cached}
		if !s.Start.IsZero() && !first.IsZero() {
			bar.Offset = s.Start.Sub(first)
		}
		v.Steps = append(v.Steps, bar)
	}
	return v
}

func topSteps(bs []*history.Build, lines map[string]int, n int) []StepCost {
	acc := map[string]*StepCost{}
	var order []string
	for _, b := range bs {
		for _, s := range dockerfileSteps(&b.Result) {
			if s.Cached {
				continue
			}
			stage, text := splitKey(s)
			k := stage + "|" + text
			c := acc[k]
			if c == nil {
				c = &StepCost{Stage: stage, Text: text, Line: lines[k]}
				acc[k] = c
				order = append(order, k)
			}
			c.Total += s.Duration
			c.Runs++
		}
	}
	out := make([]StepCost, 0, len(order))
	for _, k := range order {
		out = append(out, *acc[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Total > out[j].Total })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func splitKey(s engine.Step) (stage, text string) {
	st, _, rest, ok := s.Key.Parts()
	if !ok {
		return s.Stage, string(s.Key)
	}
	if s.Stage != "" {
		st = s.Stage
	}
	return st, rest
}

type groupAcc struct {
	builds, failures int
	walls            []time.Duration
}

func add(m map[string]*groupAcc, name string, b *history.Build) {
	if name == "" {
		name = "(none)"
	}
	g := m[name]
	if g == nil {
		g = &groupAcc{}
		m[name] = g
	}
	g.builds++
	if b.Result.Failed() {
		g.failures++
		return
	}
	g.walls = append(g.walls, b.Result.Wall)
}

func groups(m map[string]*groupAcc) []Group {
	var out []Group
	for name, g := range m {
		out = append(out, Group{Name: name, Builds: g.builds, Failures: g.failures, Median: medianDur(g.walls)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
