// Package trends turns the build history into what a team watches: per
// image and scenario, how long builds take now and how that compares with
// the window before, how often they fail, their cache-hit ratio and image
// size. It renders an HTML dashboard, Prometheus metrics (text exposition
// format, for node_exporter's textfile collector or a Pushgateway) and a
// weekly Markdown report.
package trends

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/measure"
)

// Point is one recorded build.
type Point struct {
	At            time.Time     `json:"at"`
	Wall          time.Duration `json:"wallNs"`
	CacheHitRatio float64       `json:"cacheHitRatio"`
	ImageSize     int64         `json:"imageSize"`
	ContextBytes  int64         `json:"contextBytes"`
	Failed        bool          `json:"failed,omitempty"`
	Commit        string        `json:"commit,omitempty"`
}

// Summary is one image × scenario over the window.
type Summary struct {
	Image    string `json:"image"`
	Scenario string `json:"scenario"`
	Builds   int    `json:"builds"`
	Failures int    `json:"failures"`
	// Median of the successful builds' wall time in the window, and in the
	// window of the same length before it (0 when it has none); Change is
	// Median/Previous - 1.
	Median   time.Duration `json:"medianNs"`
	Previous time.Duration `json:"previousMedianNs"`
	Change   float64       `json:"change"`
	// CacheHitRatio is the median over the window's successful builds;
	// ImageSize and ContextBytes those of the last successful one.
	CacheHitRatio float64 `json:"cacheHitRatio"`
	ImageSize     int64   `json:"imageSize"`
	ContextBytes  int64   `json:"contextBytes"`
	// Total is the time spent building in the window.
	Total time.Duration `json:"totalNs"`
	Last  Point         `json:"last"`
	// Points are the window's builds, oldest first.
	Points []Point `json:"points"`
}

// Report is the history over a window.
type Report struct {
	From, To  time.Time  `json:"-"`
	Summaries []*Summary `json:"summaries"`
	Builds    int        `json:"builds"`
	Failures  int        `json:"failures"`
	// Total is the time spent building in the window, all images.
	Total time.Duration `json:"totalNs"`
	// Images are the dashboard's per-image views (images.go); ByBuilder
	// and ByBranch the window's builds per builder and per git branch.
	Images    []*ImageView `json:"images,omitempty"`
	ByBuilder []Group      `json:"byBuilder,omitempty"`
	ByBranch  []Group      `json:"byBranch,omitempty"`
}

// The metrics `report -o prometheus` exports (render/trends_prometheus.go)
// and `generate monitoring` writes rules and dashboards over: one list, so
// that the two cannot drift apart.
const (
	MetricDuration  = "layerwise_build_duration_seconds" // {image,scenario,stat="median"|"previous_median"|"last"}
	MetricCacheHits = "layerwise_build_cache_hit_ratio"  // {image,scenario}
	MetricContext   = "layerwise_build_context_bytes"    // {image,scenario}
	MetricImageSize = "layerwise_image_size_bytes"       // {image,scenario}
	MetricBuilds    = "layerwise_builds"                 // {image,scenario,result="ok"|"failed"}
	MetricSpent     = "layerwise_build_time_spent_seconds"
	MetricRegressed = "layerwise_build_regressed"
)

// SlowerRatio and SlowerAtLeast are how much slower (relative and
// absolute) a summary must be than the window before to be flagged:
// measure's definition, the one the regression gate uses by default.
const (
	SlowerRatio   = measure.SlowerRatio
	SlowerAtLeast = measure.SlowerAtLeast
)

// Regressed reports whether the image × scenario got slower than in the
// window before, beyond noise.
func (s *Summary) Regressed() bool {
	return s.Previous > 0 && s.Change > SlowerRatio && s.Median-s.Previous > SlowerAtLeast
}

// Faster reports an image and scenario that got faster than in the window
// before by as much as Regressed asks of a slowdown.
func (s *Summary) Faster() bool {
	return s.Previous > 0 && s.Median > 0 && s.Change < -SlowerRatio && s.Previous-s.Median > SlowerAtLeast
}

// Load summarises the builds of [from, to) and compares them with the
// window of the same length before.
func Load(ctx context.Context, store *history.Store, from, to time.Time) (*Report, error) {
	prevFrom := from.Add(-to.Sub(from))
	builds, err := store.List(ctx, history.Query{Since: prevFrom})
	if err != nil {
		return nil, err
	}
	type key struct{ image, scenario string }
	cur := map[key][]*history.Build{}
	prev := map[key][]*history.Build{}
	for _, b := range builds {
		if !b.StartedAt.Before(to) {
			continue
		}
		k := key{b.Image, b.Scenario}
		if b.StartedAt.Before(from) {
			prev[k] = append(prev[k], b)
		} else {
			cur[k] = append(cur[k], b)
		}
	}
	rep := &Report{From: from, To: to}
	for k, bs := range cur {
		s := &Summary{Image: k.image, Scenario: k.scenario, Builds: len(bs)}
		var walls []time.Duration
		var ratios []float64
		for _, b := range bs {
			p := Point{At: b.StartedAt, Wall: b.Result.Wall, CacheHitRatio: b.Result.CacheHitRatio, ImageSize: b.Result.ImageSize,
				ContextBytes: b.Result.ContextBytes, Failed: b.Result.Err != "", Commit: b.Git.Commit}
			s.Points = append(s.Points, p)
			s.Total += b.Result.Wall
			s.Last = p
			if p.Failed {
				s.Failures++
				continue
			}
			walls = append(walls, p.Wall)
			ratios = append(ratios, p.CacheHitRatio)
			s.ImageSize, s.ContextBytes = p.ImageSize, p.ContextBytes
		}
		s.Median = medianDur(walls)
		if len(ratios) > 0 {
			slices.Sort(ratios)
			s.CacheHitRatio = ratios[len(ratios)/2]
		}
		var pw []time.Duration
		for _, b := range prev[k] {
			if b.Result.Err == "" {
				pw = append(pw, b.Result.Wall)
			}
		}
		s.Previous = medianDur(pw)
		if s.Previous > 0 && s.Median > 0 {
			s.Change = float64(s.Median)/float64(s.Previous) - 1
		}
		rep.Summaries = append(rep.Summaries, s)
		rep.Builds += s.Builds
		rep.Failures += s.Failures
		rep.Total += s.Total
	}
	// the dashboard's views read the window's steps (not the window before's)
	withSteps, err := store.List(ctx, history.Query{Since: from, WithSteps: true})
	if err != nil {
		return nil, err
	}
	var window []*history.Build
	for _, b := range withSteps {
		if b.StartedAt.Before(to) {
			window = append(window, b)
		}
	}
	if err := loadImages(ctx, store, rep, window); err != nil {
		return nil, err
	}
	sort.Slice(rep.Summaries, func(i, j int) bool {
		a, b := rep.Summaries[i], rep.Summaries[j]
		if a.Image != b.Image {
			return a.Image < b.Image
		}
		return scenarioOrder(a.Scenario) < scenarioOrder(b.Scenario)
	})
	return rep, nil
}

func scenarioOrder(s string) string {
	return fmt.Sprintf("%d%s", measure.ScenarioOrder(s), s)
}

// medianDur sorts a copy and takes measure's median of it.
func medianDur(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return measure.Median(s)
}
