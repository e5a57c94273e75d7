// Package measure runs real builds of an image in scenarios — cold, warm,
// after a source change, after a dependency change — on a private copy of
// its build context, and summarises them. Every build is recorded in the
// history store as it finishes.
package measure

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/stepinputs"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
)

// Scenarios, in the order they run within a repetition.
const (
	Cold   = "cold"
	Warm   = "warm"
	Source = "source-change"
	Deps   = "deps-change"
	// CISource and CIDeps are the ci scenarios: the change built as a CI
	// job builds it, on a fresh builder (ci.go).
	CISource = "ci-source-change"
	CIDeps   = "ci-deps-change"
	// CI names both ci scenarios on the command line.
	CI = "ci"
	// Pull, PullZstd and PullEstargz push the image with gzip (what docker
	// push writes), zstd or eStargz layers and time its pull (pull.go).
	Pull        = "pull"
	PullZstd    = "pull-zstd"
	PullEstargz = "pull-estargz"
)

// Scenario is one way an image is built and measured. The list below is
// the one place scenarios are defined: the CLI's help and checks, the
// order of reports and the benchmark's targets read it.
type Scenario struct {
	Name string
	// NoCache builds without BuildKit's cache.
	NoCache bool
	// Change is what is edited before the build: "" (nothing), "source"
	// (an ordinary source file) or "deps" (a dependency manifest).
	Change string
	// Rebuild: the build starts from a primed cache, as a developer's
	// next build does (warm and the change scenarios).
	Rebuild bool
	// Pull: the image is pushed to the pull registry with this layer
	// compression (gzip, zstd, estargz) and its pull timed onto fresh
	// builders (pull.go). Opt-in, as the ci scenarios.
	Pull string
	// Fresh: the build is a CI job: a new builder with an empty state,
	// its layer cache imported from and exported to the CI's cache
	// (Options.CI), every cache mount empty unless persisted. Opt-in: not
	// among the default scenarios.
	Fresh bool
}

// Scenarios are every scenario, in the order they run and are reported.
var Scenarios = []Scenario{
	{Name: Cold, NoCache: true},
	{Name: Warm, Rebuild: true},
	{Name: Source, Change: "source", Rebuild: true},
	{Name: Deps, Change: "deps", Rebuild: true},
	{Name: CISource, Change: "source", Rebuild: true, Fresh: true},
	{Name: CIDeps, Change: "deps", Rebuild: true, Fresh: true},
	{Name: Pull, Pull: "gzip"},
	{Name: PullZstd, Pull: "zstd"},
	{Name: PullEstargz, Pull: "estargz"},
}

// AllScenarios are the scenarios' names.
var AllScenarios = func() []string {
	var out []string
	for _, s := range Scenarios {
		out = append(out, s.Name)
	}
	return out
}()

// DefaultScenarios run when none are named: the local ones (the ci
// scenarios start a builder per build, and are asked for).
var DefaultScenarios = func() []string {
	var out []string
	for _, s := range Scenarios {
		if !s.Fresh && s.Pull == "" {
			out = append(out, s.Name)
		}
	}
	return out
}()

// ExpandScenarios replaces the group name "ci" by the ci scenarios.
func ExpandScenarios(names []string) []string {
	var out []string
	for _, n := range names {
		if n != CI {
			out = append(out, n)
			continue
		}
		for _, s := range Scenarios {
			if s.Fresh {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

// ScenarioNamed returns the scenario called name.
func ScenarioNamed(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// ValidScenario reports whether s names a scenario.
func ValidScenario(s string) bool {
	_, ok := ScenarioNamed(s)
	return ok
}

// ScenarioOrder is the position of a scenario in Scenarios (unknown names
// after the known ones), for sorting reports.
func ScenarioOrder(name string) int {
	for i, s := range Scenarios {
		if s.Name == name {
			return i
		}
	}
	return len(Scenarios)
}

// Options tune a measurement.
type Options struct {
	Builder     engine.Builder
	Scenarios   []string
	Repetitions int
	// TouchSource / TouchDeps override the files the change scenarios
	// edit (paths relative to the build context).
	TouchSource, TouchDeps string
	// History receives every build; nil records nothing.
	History *history.Store
	Git     history.Git
	Host    string
	// Log receives one line per build ("web cold #1: 31.2 s").
	Log io.Writer
	// Repo is the discovery result the image belongs to; it resolves
	// named contexts that refer to other services or targets.
	Repo *discover.Repo
	// CI configures the ci scenarios (nil: they are skipped, saying why).
	CI *CIOptions
}

// Measurement is the summary of one image in one scenario.
type Measurement struct {
	Image         string           `json:"image"`
	Scenario      string           `json:"scenario"`
	Runs          []*engine.Result `json:"runs"`
	Min           time.Duration    `json:"minNs"`
	Median        time.Duration    `json:"medianNs"`
	Max           time.Duration    `json:"maxNs"`
	CacheHitRatio float64          `json:"cacheHitRatio"`
	ContextBytes  int64            `json:"contextBytes"`
	ImageSize     int64            `json:"imageSize"`
	Layers        int              `json:"layers"`
	Pull          time.Duration    `json:"pullNs"`
	// CacheImport, CacheExport and LayerFetch (medians) are what the ci
	// scenarios' jobs spent importing and exporting the layer cache and
	// fetching layers (base images', and the cached steps' from the
	// cache), inside the wall times; CacheBytes is the layer cache's size after the last
	// export; CacheMounts what persisting the cache mounts cost, apart
	// from the wall times.
	CacheImport time.Duration `json:"cacheImportNs,omitempty"`
	CacheExport time.Duration `json:"cacheExportNs,omitempty"`
	LayerFetch  time.Duration `json:"layerFetchNs,omitempty"`
	CacheBytes  int64         `json:"cacheBytes,omitempty"`
	CacheMounts *MountCost    `json:"cacheMounts,omitempty"`
	// The pull scenarios: Median is the pull onto a builder with none of
	// the image's layers, PullBytes what it downloaded; PullWithBase and
	// PullWithBaseBytes onto one that already holds the base image (unset
	// when there is no base to share); PulledLayers the image's layers as
	// the registry holds them (ImageSize is their sum); Note says when the
	// push fell back to another compression or the base was not pulled.
	PullBytes         int64         `json:"pullBytes,omitempty"`
	PullWithBase      time.Duration `json:"pullWithBaseNs,omitempty"`
	PullWithBaseBytes int64         `json:"pullWithBaseBytes,omitempty"`
	PulledLayers      []PulledLayer `json:"pulledLayers,omitempty"`
	Note              string        `json:"note,omitempty"`
	pullBytes         []int64
	pullWithBase      []time.Duration
	pullWithBaseBytes []int64
	// Touched is the file a change scenario edited (context-relative).
	Touched string `json:"touched,omitempty"`
	// Error is the first failure (the failing step and its last log
	// lines); Skipped says why a scenario did not run.
	Error   string `json:"error,omitempty"`
	Skipped string `json:"skipped,omitempty"`
	// Baseline is the comparison with the history (measure
	// --fail-on-regression); nil when none was asked for.
	Baseline *Comparison `json:"baseline,omitempty"`
}

// Image measures one image.
func Image(ctx context.Context, im *discover.Image, opt Options) ([]*Measurement, error) {
	if im.Model == nil || (im.Dockerfile == "" && im.DockerfileInline == "") {
		return nil, fmt.Errorf("%s: no Dockerfile to build", im.Name)
	}
	contexts, err := graphbuild.Contexts(opt.Repo, im)
	if err != nil {
		return nil, err
	}
	info, err := opt.Builder.Info(ctx)
	if err != nil {
		return nil, err
	}
	scen := ExpandScenarios(opt.Scenarios)
	if len(scen) == 0 {
		scen = DefaultScenarios
	}
	reps := max(opt.Repetitions, 1)
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}

	wc, err := newWorkCopy(im.AbsContext(), im.AbsDockerfile(), im.DockerfileInline)
	if err != nil {
		return nil, err
	}
	defer wc.Remove()

	source, manifest := opt.TouchSource, opt.TouchDeps
	if source == "" || manifest == "" {
		s, m, err := chooseFiles(ctx, wc.Context, wc.Dockerfile, im.Model)
		if err != nil {
			return nil, err
		}
		if source == "" {
			source = s
		}
		if manifest == "" {
			manifest = m
		}
	}
	for _, f := range []string{opt.TouchSource, opt.TouchDeps} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(wc.Context, filepath.FromSlash(f))); err != nil {
			return nil, fmt.Errorf("%s: --touch file %s is not in the build context %s", im.Name, f, im.Context)
		}
	}

	byScen := map[string]*Measurement{}
	var order []*Measurement
	for _, s := range scen {
		m := &Measurement{Image: im.Name, Scenario: s}
		sc, _ := ScenarioNamed(s)
		switch {
		case (sc.Fresh || sc.Pull != "") && opt.CI == nil:
			m.Skipped = "no fresh builder configured for the ci and pull scenarios"
		case (sc.Fresh || sc.Pull != "") && !opt.CI.supported():
			m.Skipped = opt.CI.unsupported()
		case sc.Pull != "" && opt.CI.PullRegistry == "":
			m.Skipped = "no registry to push to: pass --pull-registry REPO (one the fresh builders can pull from; --ci-buildkitd-config for a plain-HTTP one)"
		case sc.Change == "source" && source == "":
			m.Skipped = "no ordinary source file reached by a COPY (pass --touch PATH)"
		case sc.Change == "deps" && manifest == "":
			m.Skipped = "no dependency manifest layerwise can edit (pass --touch-deps PATH)"
		case sc.Change == "source":
			m.Touched = source
		case sc.Change == "deps":
			m.Touched = manifest
		}
		byScen[s] = m
		order = append(order, m)
	}
	tag := "layerwise.local/" + graphbuild.Sanitize(im.Name) + ":measure"
	// Every build retags the scratch tag: the image it held before is left
	// dangling. The images this measurement superseded (and the one an
	// earlier measurement left under the tag) are removed at the end; the
	// last build keeps the tag.
	var built []string
	if store, ok := opt.Builder.(engine.ImageStore); ok {
		if id := store.ImageID(ctx, tag); id != "" {
			built = append(built, id)
		}
		defer func() {
			current := store.ImageID(context.WithoutCancel(ctx), tag)
			var stale []string
			seen := map[string]bool{current: true, "": true}
			for _, id := range built {
				if !seen[id] {
					seen[id] = true
					stale = append(stale, id)
				}
			}
			store.RemoveImages(context.WithoutCancel(ctx), stale)
		}()
	}
	// what each build's steps read, recorded with it for `layerwise why`
	hasher := stepinputs.NewHasher()
	var baseID func(string) string
	if store, ok := opt.Builder.(engine.ImageStore); ok {
		baseID = stepinputs.BaseIDs(ctx, store)
	}
	inputs := func() *history.Inputs {
		if opt.History == nil {
			return nil
		}
		in, err := stepinputs.OfDir(ctx, im.Model, im.Args, wc.Context, wc.Dockerfile, hasher, baseID)
		if err != nil {
			logf("%s: the steps' inputs are not recorded: %v", im.Name, err)
			return nil
		}
		return in
	}
	run := func(noCache bool) (*engine.Result, error) {
		res, err := opt.Builder.Build(ctx, engine.Request{ContextDir: wc.Context, Dockerfile: wc.Dockerfile, Target: im.Target,
			BuildArgs: im.Args, Contexts: contexts, NoCache: noCache, Tag: tag})
		if res != nil && res.ImageID != "" {
			built = append(built, res.ImageID)
		}
		return res, err
	}
	// A warm or change scenario needs a cache to start from.
	// (the ci scenarios prime a CI cache of their own)
	firstLocal := Scenario{}
	for _, n := range scen {
		if sc, _ := ScenarioNamed(n); !sc.Fresh && sc.Pull == "" {
			firstLocal = sc
			break
		}
	}
	if firstLocal.Rebuild {
		res, err := run(false)
		if err != nil {
			return nil, err
		}
		if res.Failed() {
			for _, m := range order {
				m.Error = failure(res)
			}
			return order, nil
		}
		logf("%s prime build: %s", im.Name, secs(res.Wall))
	}
	changes := 0
	var job *ciJobs
	defer func() {
		if job != nil {
			job.close()
		}
	}()
	for rep := 1; rep <= reps; rep++ {
		for _, s := range scen {
			m := byScen[s]
			if m.Skipped != "" || m.Error != "" {
				continue
			}
			if sc, _ := ScenarioNamed(s); sc.Fresh && job == nil {
				// the CI's layer cache is primed by a job of its own
				// (its mounts saved when persisted) before the first ci
				// build of the measurement, before any change
				job = &ciJobs{opt: opt.CI, im: im, wc: wc, contexts: contexts, tag: tag, logf: logf}
				pres, err := job.run(ctx, nil)
				if err != nil {
					return nil, err
				}
				if pres.Failed() {
					for _, o := range order {
						if c, _ := ScenarioNamed(o.Scenario); c.Fresh && o.Skipped == "" {
							o.Error = "the CI job priming the cache failed: " + failure(pres)
						}
					}
					continue
				}
				logf("%s ci prime job: %s (cache export %s)", im.Name, secs(pres.Wall), secs(pres.CacheExport))
			}
			if m.Touched != "" {
				changes++
				if err := touch(filepath.Join(wc.Context, filepath.FromSlash(m.Touched)), changes); err != nil {
					return nil, fmt.Errorf("%s %s: changing %s: %w", im.Name, s, m.Touched, err)
				}
			}
			if sc, _ := ScenarioNamed(s); sc.Pull != "" {
				started := time.Now()
				res, err := pullRun(ctx, opt, im, wc, contexts, sc, m)
				if err != nil {
					return nil, err
				}
				if res.Failed() {
					m.Error = "building the image to push: " + failure(res)
					logf("%s %s #%d: FAILED %s", im.Name, s, rep, m.Error)
					continue
				}
				if opt.History != nil {
					b := &history.Build{StartedAt: started, Image: im.Name, Scenario: s, Repetition: rep, Dockerfile: im.Dockerfile,
						Git: opt.Git, Host: opt.Host, Builder: info, Result: *res}
					if _, err := opt.History.Append(ctx, b); err != nil {
						return nil, fmt.Errorf("recording the pull in %s: %w", opt.History.Path, err)
					}
				}
				m.Runs = append(m.Runs, res)
				withBase := ""
				if n := len(m.pullWithBase); n > 0 && n == len(m.Runs) {
					withBase = fmt.Sprintf("; %s (%s) onto one holding the base image", secs(m.pullWithBase[n-1]), units.Bytes(m.pullWithBaseBytes[n-1]))
				}
				logf("%s %s #%d: pulled in %s (%s downloaded) onto an empty builder%s", im.Name, s, rep, secs(res.Wall), units.Bytes(m.pullBytes[len(m.pullBytes)-1]), withBase)
				continue
			}
			in := inputs()
			started := time.Now()
			sc, _ := ScenarioNamed(s)
			var res *engine.Result
			binfo := info
			if sc.Fresh {
				var err error
				res, err = job.run(ctx, m)
				if err != nil {
					return nil, err
				}
				binfo = job.info
			} else {
				var err error
				res, err = run(sc.NoCache)
				if err != nil {
					return nil, err
				}
			}
			if opt.History != nil {
				b := &history.Build{StartedAt: started, Image: im.Name, Scenario: s, Repetition: rep, Dockerfile: im.Dockerfile,
					Git: opt.Git, Host: opt.Host, Builder: binfo, Result: *res, Inputs: in}
				if _, err := opt.History.Append(ctx, b); err != nil {
					return nil, fmt.Errorf("recording the build in %s: %w", opt.History.Path, err)
				}
			}
			m.Runs = append(m.Runs, res)
			if res.Failed() {
				m.Error = failure(res)
				logf("%s %s #%d: FAILED %s", im.Name, s, rep, m.Error)
				// a failed build leaves no cache to measure the rest from
				for _, o := range order {
					if o.Error == "" && o.Skipped == "" && len(o.Runs) == 0 {
						o.Error = "not run: an earlier build of this image failed"
					}
				}
				return order, nil
			}
			if sc.Fresh {
				logf("%s %s #%d: %s on a fresh builder (%.0f%% of steps cached; cache import %s, export %s)", im.Name, s, rep, secs(res.Wall), 100*res.CacheHitRatio, secs(res.CacheImport), secs(res.CacheExport))
				continue
			}
			logf("%s %s #%d: %s (%.0f%% of steps cached)", im.Name, s, rep, secs(res.Wall), 100*res.CacheHitRatio)
		}
	}
	for _, m := range order {
		m.summarize()
	}
	return order, nil
}

func failure(r *engine.Result) string {
	msg := r.Err
	if h := engine.Hint(msg); h != "" {
		msg += "\n" + h
	}
	if len(r.LogTail) > 0 {
		msg += "\n" + strings.Join(r.LogTail, "\n")
	}
	return msg
}

func (m *Measurement) summarize() {
	if len(m.Runs) == 0 {
		return
	}
	walls := make([]time.Duration, 0, len(m.Runs))
	for _, r := range m.Runs {
		walls = append(walls, r.Wall)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	m.Min, m.Max = walls[0], walls[len(walls)-1]
	m.Median = Median(walls)
	last := m.Runs[len(m.Runs)-1]
	ratio := 0.0
	for _, r := range m.Runs {
		ratio += r.CacheHitRatio
	}
	m.CacheHitRatio = ratio / float64(len(m.Runs))
	m.ContextBytes, m.ImageSize, m.Layers, m.Pull = last.ContextBytes, last.ImageSize, last.Layers, last.Pull
	var imports, exports, loads []time.Duration
	for _, r := range m.Runs {
		imports, exports, loads = append(imports, r.CacheImport), append(exports, r.CacheExport), append(loads, r.LayerFetch)
	}
	slices.Sort(imports)
	slices.Sort(exports)
	slices.Sort(loads)
	m.CacheImport, m.CacheExport, m.LayerFetch = Median(imports), Median(exports), Median(loads)
	m.PullBytes, m.PullWithBase, m.PullWithBaseBytes = medianOf(m.pullBytes), medianOf(m.pullWithBase), medianOf(m.pullWithBaseBytes)
	if len(m.PulledLayers) > 0 {
		m.ImageSize = 0
		for _, l := range m.PulledLayers {
			m.ImageSize += l.Size
		}
	}
}

// Median of sorted durations (the mean of the middle two for even counts).
func Median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func secs(d time.Duration) string { return units.Seconds(d, 1) }

// GitState reads the repository's commit, branch and dirty flag (empty
// outside a git checkout).
func GitState(ctx context.Context, dir string) history.Git {
	run := func(args ...string) string {
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	g := history.Git{Commit: run("rev-parse", "HEAD"), Branch: run("rev-parse", "--abbrev-ref", "HEAD")}
	if g.Commit != "" {
		g.Dirty = run("status", "--porcelain") != ""
	}
	return g
}
