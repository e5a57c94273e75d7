// Package bench measures what layerwise's fixes buy: every service of a
// repository is built naive (as written) and fixed (after `layerwise fix`,
// on a copy), in the scenarios of measure, alternating naive and fixed, and
// the two are compared per service and scenario.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/measure"
)

// Options tune a benchmark.
type Options struct {
	Builder     engine.Builder
	Scenarios   []string
	Repetitions int
	// Images limits the services (names as layerwise ls prints them);
	// empty: every image that no other image builds FROM.
	Images []string
	Config *config.Config
	Log    io.Writer
	// Expert adds a third variant: each service built from the
	// Dockerfile.expert next to its Dockerfile (with its own
	// Dockerfile.expert.dockerignore), what a Docker expert writes by hand.
	Expert bool
	// BaseImages reads base images' configs (baseimage.Resolver.Configs),
	// as the CLI's discovery does, so that the fixed copy gets the fixes
	// `layerwise fix` would write.
	BaseImages func(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig
	// CI configures the ci scenarios (each variant gets its own cache
	// and cache-mount store).
	CI *measure.CIOptions
	// Graph, when > 1, also builds every image of the fixed copy along the
	// dependency graph without cache, once one at a time and once Graph at
	// a time, and reports the speed-up and the critical path.
	Graph int
}

// ExpertSuffix names the hand-written baseline of a Dockerfile: the
// Dockerfile's path plus this suffix.
const ExpertSuffix = ".expert"

// Row compares one service in one scenario.
type Row struct {
	Image    string `json:"image"`
	Scenario string `json:"scenario"`
	Runs     int    `json:"runs"`
	// Medians of wall time; Speedup = naive / fixed.
	NaiveMedian time.Duration `json:"naiveMedianNs"`
	FixedMedian time.Duration `json:"fixedMedianNs"`
	Speedup     float64       `json:"speedup"`
	NaiveHit    float64       `json:"naiveCacheHitRatio"`
	FixedHit    float64       `json:"fixedCacheHitRatio"`
	NaiveCtx    int64         `json:"naiveContextBytes"`
	FixedCtx    int64         `json:"fixedContextBytes"`
	NaiveImage  int64         `json:"naiveImageBytes"`
	FixedImage  int64         `json:"fixedImageBytes"`
	// The expert variant (--expert), when the service has a
	// Dockerfile.expert: its median and the fixed one's ratio to it
	// (FixedVsExpert = fixed / expert; ≤ 1.2 is the target on rebuilds).
	ExpertMedian  time.Duration `json:"expertMedianNs,omitempty"`
	FixedVsExpert float64       `json:"fixedVsExpert,omitempty"`
	ExpertHit     float64       `json:"expertCacheHitRatio,omitempty"`
	ExpertCtx     int64         `json:"expertContextBytes,omitempty"`
	ExpertImage   int64         `json:"expertImageBytes,omitempty"`
	ExpertError   string        `json:"expertError,omitempty"`
	Error         string        `json:"error,omitempty"`
	Skipped       string        `json:"skipped,omitempty"`
	// CI is a ci scenario's costs: the build itself, the cache transfer,
	// end to end.
	CI *CIRow `json:"ci,omitempty"`
}

// Report is a benchmark's result.
type Report struct {
	Date        time.Time   `json:"date"`
	Machine     string      `json:"machine"`
	Builder     engine.Info `json:"builder"`
	Repetitions int         `json:"repetitions"`
	Rows        []*Row      `json:"rows"`
	Targets     []Target    `json:"targets"`
	// Expert is true when the run had the expert variant.
	Expert bool `json:"expert,omitempty"`
	// Graph is the dependency graph built -j 1 and -j N (Options.Graph).
	Graph    *GraphRun  `json:"graph,omitempty"`
	FixNotes []fix.Note `json:"fixNotes,omitempty"`
}

// Run benchmarks the repository at root.
func Run(ctx context.Context, root string, opt Options) (*Report, error) {
	if opt.Config == nil {
		opt.Config = config.Default()
	}
	reps := max(opt.Repetitions, 1)
	scen := measure.ExpandScenarios(opt.Scenarios)
	if len(scen) == 0 {
		scen = measure.DefaultScenarios
	}
	info, err := opt.Builder.Info(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "layerwise-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// both copies keep the repository's directory name: an image at the
	// root is named after it
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	naiveRoot, fixedRoot := filepath.Join(tmp, "naive", filepath.Base(abs)), filepath.Join(tmp, "fixed", filepath.Base(abs))
	expertRoot := filepath.Join(tmp, "expert", filepath.Base(abs))
	copies := []string{naiveRoot, fixedRoot}
	if opt.Expert {
		copies = append(copies, expertRoot)
	}
	for _, d := range copies {
		if err := measure.CopyTree(root, d); err != nil {
			return nil, fmt.Errorf("copying %s: %w", root, err)
		}
	}
	fdisc, err := discover.Discover(ctx, fixedRoot, discover.Options{Exclude: opt.Config.Exclude, BaseImages: opt.BaseImages})
	if err != nil {
		return nil, err
	}
	fr, err := fix.Run(ctx, fdisc, fix.Options{Config: opt.Config})
	if err != nil {
		return nil, err
	}
	for _, f := range fr.Files {
		if err := atomicfile.Write(f.Abs, f.After, 0o644); err != nil {
			return nil, err
		}
	}
	rep := &Report{Date: time.Now(), Machine: machine(), Builder: info, Repetitions: reps, FixNotes: fr.Notes, Expert: opt.Expert}
	variants := []struct {
		name string
		root string
	}{{"naive", naiveRoot}, {"fixed", fixedRoot}}
	hasExpert := map[string]bool{} // image name -> a Dockerfile.expert was put in place
	if opt.Expert {
		ndisc, err := discover.Discover(ctx, naiveRoot, discover.Options{Exclude: opt.Config.Exclude, BaseImages: opt.BaseImages})
		if err != nil {
			return nil, err
		}
		if hasExpert, err = installExperts(ndisc, naiveRoot, expertRoot); err != nil {
			return nil, err
		}
		variants = append(variants, struct {
			name string
			root string
		}{"expert", expertRoot})
	}
	discs := map[string]*discover.Repo{}
	for _, v := range variants {
		d, err := discover.Discover(ctx, v.root, discover.Options{Exclude: opt.Config.Exclude, BaseImages: opt.BaseImages})
		if err != nil {
			return nil, err
		}
		discs[v.name] = d
	}
	names, err := selectNames(discs["naive"], opt.Images)
	if err != nil {
		return nil, err
	}
	// every variant edits the same files, the ones the naive Dockerfile's
	// scenarios would pick: the comparison is of builds, not of choices
	touches := map[string][2]string{}
	for _, name := range names {
		src, mf, err := measure.ChooseFiles(ctx, byName(discs["naive"], name))
		if err != nil {
			return nil, err
		}
		touches[name] = [2]string{src, mf}
	}
	runs := map[string]map[string][]*measure.Measurement{"naive": {}, "fixed": {}, "expert": {}} // variant -> image -> per rep
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	for r := 1; r <= reps; r++ {
		for _, v := range variants {
			d := discs[v.name]
			for _, name := range names {
				if v.name == "expert" && !hasExpert[name] {
					continue
				}
				im := byName(d, name)
				if im == nil {
					return nil, fmt.Errorf("%s: not found in the %s copy", name, v.name)
				}
				if err := measure.BuildDeps(ctx, opt.Builder, d, []*discover.Image{im}, nil); err != nil {
					return nil, err
				}
				logf("bench %s %s repetition %d", v.name, name, r)
				ms, failures, err := measure.Images(ctx, []*discover.Image{im}, measure.Options{Builder: opt.Builder, Repo: d, Scenarios: scen, Repetitions: 1,
					TouchSource: touches[name][0], TouchDeps: touches[name][1], CI: opt.CI.Variant(v.name), Log: opt.Log})
				if err != nil {
					return nil, fmt.Errorf("%s (%s): %w", name, v.name, err)
				}
				for _, fl := range failures {
					if fl.Scenario == "" { // not measured at all: the row says why
						ms = append(ms, &measure.Measurement{Image: name, Scenario: scen[0], Error: fl.Reason})
					}
				}
				runs[v.name][name] = append(runs[v.name][name], ms...)
			}
		}
	}
	for _, name := range names {
		for _, s := range scen {
			row := compare(name, s, runs["naive"][name], runs["fixed"][name])
			if hasExpert[name] {
				addExpert(row, runs["expert"][name])
			}
			ciRow(row, runs["naive"][name], runs["fixed"][name], runs["expert"][name])
			rep.Rows = append(rep.Rows, row)
		}
	}
	rep.Targets = evaluate(rep.Rows, discs["naive"], opt.CI != nil && opt.CI.CacheMounts != nil)
	if opt.Graph > 1 {
		g, err := graphRun(ctx, opt, discs["fixed"], logf)
		if err != nil {
			return nil, err
		}
		rep.Graph = g
	}
	return rep, nil
}

func byName(d *discover.Repo, name string) *discover.Image {
	for _, im := range d.Images {
		if im.Name == name {
			return im
		}
	}
	return nil
}

// selectNames: the requested images, or every buildable image that is not
// only a base of others.
func selectNames(d *discover.Repo, want []string) ([]string, error) {
	if len(want) > 0 {
		for _, w := range want {
			if byName(d, w) == nil {
				return nil, fmt.Errorf("no image named %q", w)
			}
		}
		return want, nil
	}
	isBase := map[*discover.Image]bool{}
	for _, im := range d.Images {
		for _, dep := range d.Deps(im) {
			isBase[dep] = true
		}
	}
	var out []string
	for _, im := range d.Images {
		if im.Model != nil && im.Dockerfile != "" && im.Error == nil && !isBase[im] {
			out = append(out, im.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// installExperts puts each image's Dockerfile.expert (and its ignore file)
// in place of its Dockerfile in the expert copy, so that the expert copy
// builds what the naive one does, the expert's way; images built FROM
// others then build FROM the experts' versions of them. It returns the
// images that have one.
func installExperts(d *discover.Repo, naiveRoot, expertRoot string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, im := range d.Images {
		if im.Dockerfile == "" {
			continue
		}
		src := filepath.Join(naiveRoot, filepath.FromSlash(im.Dockerfile)) + ExpertSuffix
		data, err := os.ReadFile(src)
		if err != nil {
			continue // no baseline for this one
		}
		dst := filepath.Join(expertRoot, filepath.FromSlash(im.Dockerfile))
		if err := atomicfile.Write(dst, data, 0o644); err != nil {
			return nil, err
		}
		ign := dst + ".dockerignore"
		if data, err := os.ReadFile(src + ".dockerignore"); err == nil {
			if err := atomicfile.Write(ign, data, 0o644); err != nil {
				return nil, err
			}
		}
		out[im.Name] = true
	}
	return out, nil
}

// addExpert fills the expert columns of a row.
func addExpert(row *Row, expert []*measure.Measurement) {
	walls, last, errMsg, _ := pick(row.Scenario, expert)
	row.ExpertError = errMsg
	if len(walls) == 0 || last == nil {
		return
	}
	row.ExpertMedian = measure.Median(walls)
	row.ExpertHit, row.ExpertCtx, row.ExpertImage = last.CacheHitRatio, last.ContextBytes, last.ImageSize
	if row.ExpertMedian > 0 && row.FixedMedian > 0 {
		row.FixedVsExpert = float64(row.FixedMedian) / float64(row.ExpertMedian)
	}
}

// pick gathers one scenario's wall times (sorted), its last measurement
// with runs, and its error or skip reason.
func pick(scenario string, ms []*measure.Measurement) ([]time.Duration, *measure.Measurement, string, string) {
	var walls []time.Duration
	var last *measure.Measurement
	errMsg, skipped := "", ""
	for _, m := range ms {
		if m.Scenario != scenario {
			continue
		}
		if m.Error != "" && errMsg == "" {
			errMsg = m.Error
		}
		if m.Skipped != "" {
			skipped = m.Skipped
		}
		for _, r := range m.Runs {
			walls = append(walls, r.Wall)
		}
		if len(m.Runs) > 0 {
			last = m
		}
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return walls, last, errMsg, skipped
}

func compare(image, scenario string, naive, fixed []*measure.Measurement) *Row {
	row := &Row{Image: image, Scenario: scenario}
	nw, nl, ne, ns := pick(scenario, naive)
	fw, fl, fe, fs := pick(scenario, fixed)
	row.Error = firstNonEmpty(ne, fe)
	row.Skipped = firstNonEmpty(ns, fs)
	row.Runs = min(len(nw), len(fw))
	if len(nw) == 0 || len(fw) == 0 {
		return row
	}
	row.NaiveMedian, row.FixedMedian = measure.Median(nw), measure.Median(fw)
	if row.FixedMedian > 0 {
		row.Speedup = float64(row.NaiveMedian) / float64(row.FixedMedian)
	}
	row.NaiveHit, row.FixedHit = nl.CacheHitRatio, fl.CacheHitRatio
	row.NaiveCtx, row.FixedCtx = nl.ContextBytes, fl.ContextBytes
	row.NaiveImage, row.FixedImage = nl.ImageSize, fl.ImageSize
	return row
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
