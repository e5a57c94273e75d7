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
}

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
	Error       string        `json:"error,omitempty"`
	Skipped     string        `json:"skipped,omitempty"`
}

// Report is a benchmark's result.
type Report struct {
	Date        time.Time   `json:"date"`
	Machine     string      `json:"machine"`
	Builder     engine.Info `json:"builder"`
	Repetitions int         `json:"repetitions"`
	Rows        []*Row      `json:"rows"`
	Targets     []Target    `json:"targets"`
	FixNotes    []fix.Note  `json:"fixNotes,omitempty"`
}

// Run benchmarks the repository at root.
func Run(ctx context.Context, root string, opt Options) (*Report, error) {
	if opt.Config == nil {
		opt.Config = config.Default()
	}
	reps := max(opt.Repetitions, 1)
	scen := opt.Scenarios
	if len(scen) == 0 {
		scen = measure.AllScenarios
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
	for _, d := range []string{naiveRoot, fixedRoot} {
		if err := measure.CopyTree(root, d); err != nil {
			return nil, fmt.Errorf("copying %s: %w", root, err)
		}
	}
	fdisc, err := discover.Discover(ctx, fixedRoot, discover.Options{})
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
	rep := &Report{Date: time.Now(), Machine: machine(), Builder: info, Repetitions: reps, FixNotes: fr.Notes}
	variants := []struct {
		name string
		root string
	}{{"naive", naiveRoot}, {"fixed", fixedRoot}}
	discs := map[string]*discover.Result{}
	for _, v := range variants {
		d, err := discover.Discover(ctx, v.root, discover.Options{})
		if err != nil {
			return nil, err
		}
		discs[v.name] = d
	}
	names, err := selectNames(discs["naive"], opt.Images)
	if err != nil {
		return nil, err
	}
	runs := map[string]map[string][]*measure.Measurement{"naive": {}, "fixed": {}} // variant -> image -> per rep
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	for r := 1; r <= reps; r++ {
		for _, v := range variants {
			d := discs[v.name]
			for _, name := range names {
				im := byName(d, name)
				if im == nil {
					return nil, fmt.Errorf("%s: not found in the %s copy", name, v.name)
				}
				if err := measure.BuildDeps(ctx, opt.Builder, d, []*discover.Image{im}, nil); err != nil {
					return nil, err
				}
				logf("bench %s %s repetition %d", v.name, name, r)
				ms, err := measure.Image(ctx, im, measure.Options{Builder: opt.Builder, Repo: d, Scenarios: scen, Repetitions: 1})
				if err != nil {
					return nil, fmt.Errorf("%s (%s): %w", name, v.name, err)
				}
				runs[v.name][name] = append(runs[v.name][name], ms...)
			}
		}
	}
	for _, name := range names {
		for _, s := range scen {
			rep.Rows = append(rep.Rows, compare(name, s, runs["naive"][name], runs["fixed"][name]))
		}
	}
	rep.Targets = evaluate(rep.Rows, discs["naive"])
	return rep, nil
}

func byName(d *discover.Result, name string) *discover.Image {
	for _, im := range d.Images {
		if im.Name == name {
			return im
		}
	}
	return nil
}

// selectNames: the requested images, or every buildable image that is not
// only a base of others.
func selectNames(d *discover.Result, want []string) ([]string, error) {
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

func compare(image, scenario string, naive, fixed []*measure.Measurement) *Row {
	row := &Row{Image: image, Scenario: scenario}
	pick := func(ms []*measure.Measurement) ([]time.Duration, *measure.Measurement, string, string) {
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
	nw, nl, ne, ns := pick(naive)
	fw, fl, fe, fs := pick(fixed)
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
