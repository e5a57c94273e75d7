package measure

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/why"
)

// What "slower" means wherever layerwise says it — the regression gate's
// defaults, the trends report's flag: build times on shared machines are
// noisy, so a change counts when it is both relatively (SlowerRatio) and
// absolutely (SlowerAtLeast) larger.
const (
	SlowerRatio   = 0.25
	SlowerAtLeast = 500 * time.Millisecond
)

// BaselineOptions say what a measurement is compared with and when the
// difference is a regression. Build times on shared machines are noisy: a
// regression must be both relatively (Threshold) and absolutely (MinDelta)
// larger than the baseline's median, over at least MinSamples recorded
// builds.
type BaselineOptions struct {
	// Threshold is the relative growth that fails: 0.25 = 25% slower or
	// bigger than the baseline.
	Threshold float64
	// MinDelta is the smallest slowdown that counts (default 500 ms);
	// MinSizeDelta the smallest image growth (default 1 MB).
	MinDelta     time.Duration
	MinSizeDelta int64
	// Builds is how many of the most recent baseline builds count
	// (default 10); MinSamples how many are needed (default 3).
	Builds, MinSamples int
	// Branch, when set, takes the baseline from builds recorded on that
	// branch only (e.g. main).
	Branch string
	// Before excludes builds started at or after it (this run's own).
	Before time.Time
	// ExcludeCommit excludes builds of the commit being measured.
	ExcludeCommit string
}

// Comparison is a measurement set against its baseline.
type Comparison struct {
	// Status is "ok", "regression" or "no baseline".
	Status   string        `json:"status"`
	Samples  int           `json:"samples"`
	Median   time.Duration `json:"medianNs"`
	Current  time.Duration `json:"currentNs"`
	Size     int64         `json:"imageSize"`
	CurSize  int64         `json:"currentImageSize"`
	Cached   float64       `json:"cacheHitRatio"`
	CurCache float64       `json:"currentCacheHitRatio"`
	// Reasons say what regressed, with the figures.
	Reasons []string `json:"reasons,omitempty"`
	// Steps are the steps that got slower, most first (when the build
	// time regressed): where to look.
	Steps []StepChange `json:"steps,omitempty"`
}

// StepChange is a step's median duration in the baseline and now; New
// when the baseline has no step of that key (an added or edited
// instruction).
type StepChange struct {
	Key    engine.StepKey `json:"key"`
	Before time.Duration  `json:"beforeNs"`
	Now    time.Duration  `json:"nowNs"`
	New    bool           `json:"new,omitempty"`
	// Why is the step's cache-miss explanation (layerwise why) against the
	// latest baseline build, when it re-ran and was cached there.
	Why *why.Cause `json:"why,omitempty"`
}

// Comparison statuses.
const (
	StatusOK         = "ok"
	StatusRegression = "regression"
	StatusNoBaseline = "no baseline"
)

// CompareWithHistory sets each measurement that ran against the baseline
// the history holds for its image and scenario, on the same builder:
// median wall time, image size, and cache-hit ratio (a drop of more than
// a tenth means steps stopped hitting the cache). It fills
// Measurement.Baseline and returns the regressions.
func CompareWithHistory(ctx context.Context, store *history.Store, ms []*Measurement, builder string, opt BaselineOptions) ([]*Measurement, error) {
	if opt.MinDelta == 0 {
		opt.MinDelta = SlowerAtLeast
	}
	if opt.MinSizeDelta == 0 {
		opt.MinSizeDelta = 1 << 20
	}
	if opt.Builds <= 0 {
		opt.Builds = 10
	}
	if opt.MinSamples <= 0 {
		opt.MinSamples = 3
	}
	var regressed []*Measurement
	for _, m := range ms {
		if len(m.Runs) == 0 || m.Error != "" {
			continue
		}
		all, err := store.List(ctx, history.Query{Image: m.Image, Scenario: m.Scenario, WithSteps: true})
		if err != nil {
			return nil, err
		}
		var base []*history.Build
		for _, b := range all {
			if b.Result.Err != "" || b.Builder.Builder != builder || (!opt.Before.IsZero() && !b.StartedAt.Before(opt.Before)) ||
				(opt.Branch != "" && b.Git.Branch != opt.Branch) || (opt.ExcludeCommit != "" && b.Git.Commit == opt.ExcludeCommit) {
				continue
			}
			base = append(base, b)
		}
		if len(base) > opt.Builds {
			base = base[len(base)-opt.Builds:]
		}
		c := &Comparison{Status: StatusNoBaseline, Samples: len(base), Current: m.Median, CurSize: m.ImageSize, CurCache: m.CacheHitRatio}
		m.Baseline = c
		if len(base) < opt.MinSamples {
			continue
		}
		walls := make([]time.Duration, len(base))
		sizes := make([]int64, len(base))
		ratios := make([]float64, len(base))
		for i, b := range base {
			walls[i], sizes[i], ratios[i] = b.Result.Wall, b.Result.ImageSize, b.Result.CacheHitRatio
		}
		slices.Sort(walls)
		slices.Sort(sizes)
		slices.Sort(ratios)
		c.Median, c.Size, c.Cached = Median(walls), sizes[len(sizes)/2], ratios[len(ratios)/2]
		c.Status = StatusOK
		if d := c.Current - c.Median; d > opt.MinDelta && float64(c.Current) > float64(c.Median)*(1+opt.Threshold) {
			reason := fmt.Sprintf("build time %s → %s (+%.0f%%)", secs(c.Median), secs(c.Current), 100*(float64(c.Current)/float64(c.Median)-1))
			c.Steps = slowerSteps(base, m.Runs, opt.MinDelta/4)
			if err := explainSteps(ctx, store, c.Steps, all, base, opt.Before); err != nil {
				return nil, err
			}
			if len(c.Steps) > 0 {
				st := c.Steps[0]
				if st.New {
					reason += fmt.Sprintf(", most in %s (new): %s", st.Key, secs(st.Now))
				} else {
					reason += fmt.Sprintf(", most in %s: %s → %s", st.Key, secs(st.Before), secs(st.Now))
				}
			}
			c.Reasons = append(c.Reasons, reason)
		}
		if d := c.CurSize - c.Size; c.Size > 0 && d > opt.MinSizeDelta && float64(c.CurSize) > float64(c.Size)*(1+opt.Threshold) {
			c.Reasons = append(c.Reasons, fmt.Sprintf("image size %d → %d bytes (+%.0f%%)", c.Size, c.CurSize, 100*(float64(c.CurSize)/float64(c.Size)-1)))
		}
		if c.Cached-c.CurCache > 0.1 {
			c.Reasons = append(c.Reasons, fmt.Sprintf("cache hits %.0f%% → %.0f%% of steps", 100*c.Cached, 100*c.CurCache))
		}
		if len(c.Reasons) > 0 {
			c.Status = StatusRegression
			regressed = append(regressed, m)
		}
	}
	return regressed, nil
}

// slowerSteps compares each step's median duration in the baseline builds
// with the measured runs, and returns the steps slower by more than
// minDelta, most first. A step that stopped hitting the cache shows here.
func slowerSteps(base []*history.Build, runs []*engine.Result, minDelta time.Duration) []StepChange {
	collect := func(results []*engine.Result) map[engine.StepKey]time.Duration {
		per := map[engine.StepKey][]time.Duration{}
		for _, r := range results {
			for _, st := range r.Steps {
				if st.Kind == "exec" || st.Kind == "copy" || st.Kind == "context" || st.Kind == "base" {
					per[st.Key] = append(per[st.Key], st.Duration)
				}
			}
		}
		out := map[engine.StepKey]time.Duration{}
		for k, ds := range per {
			slices.Sort(ds)
			out[k] = Median(ds)
		}
		return out
	}
	results := make([]*engine.Result, len(base))
	for i, b := range base {
		results[i] = &b.Result
	}
	before, now := collect(results), collect(runs)
	var out []StepChange
	for k, n := range now {
		b, ok := before[k]
		if n-b > minDelta {
			out = append(out, StepChange{Key: k, Before: b, Now: n, New: !ok})
		}
	}
	slices.SortFunc(out, func(a, b StepChange) int { return cmp.Compare(b.Now-b.Before, a.Now-a.Before) })
	return out
}

// explainSteps attaches to each slower step why it re-ran: this run's last
// build of the image and scenario (recorded from before on) explained
// against the latest baseline build.
func explainSteps(ctx context.Context, store *history.Store, steps []StepChange, all, base []*history.Build, before time.Time) error {
	if len(steps) == 0 || len(base) == 0 || before.IsZero() {
		return nil
	}
	var cur *history.Build
	for _, b := range all {
		if !b.StartedAt.Before(before) && b.Result.Err == "" {
			cur = b
		}
	}
	if cur == nil {
		return nil
	}
	rep, err := why.Explain(ctx, store, cur, base[len(base)-1])
	if err != nil {
		return err
	}
	for i := range steps {
		stage, text := steps[i].Key.Stage(), steps[i].Key.Text()
		for j := range rep.Causes {
			if c := &rep.Causes[j]; c.Stage == stage && c.Step == text {
				steps[i].Why = c
				break
			}
		}
	}
	return nil
}
