package measure

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/layerwise/layerwise/measure/history"
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
		opt.MinDelta = 500 * time.Millisecond
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
		all, err := store.List(ctx, history.Query{Image: m.Image, Scenario: m.Scenario})
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
			c.Reasons = append(c.Reasons, fmt.Sprintf("build time %s → %s (+%.0f%%)", secs(c.Median), secs(c.Current), 100*(float64(c.Current)/float64(c.Median)-1)))
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
