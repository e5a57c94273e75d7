// Package testhistory is a recorded build history the trends and render
// tests share: the same week, so that the summaries the trends tests check
// are the ones the render tests draw.
package testhistory

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
)

// WeekStart and WeekEnd bound the window the history is read over.
var (
	WeekStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	WeekEnd   = WeekStart.Add(7 * 24 * time.Hour)
)

// Week fills a history: web/cold took 10 s last week and 14 s this week (a
// regression), api/warm 2 s then 1 s (faster), worker/cold is new and
// failed once, and one build after the window is left out.
func Week(t *testing.T) *history.Store {
	t.Helper()
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	add := func(at time.Time, image, scenario string, wall time.Duration, errMsg string) {
		b := &history.Build{StartedAt: at, Image: image, Scenario: scenario, Repetition: 1,
			Result: engine.Result{Wall: wall, CacheHitRatio: 0.5, ImageSize: 100 << 20, ContextBytes: 4096, Err: errMsg}}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range []time.Duration{10 * time.Second, 10 * time.Second, 11 * time.Second} {
		add(WeekStart.Add(-time.Duration(i+1)*24*time.Hour), "web", "cold", d, "")
	}
	for i, d := range []time.Duration{14 * time.Second, 13 * time.Second, 15 * time.Second} {
		add(WeekStart.Add(time.Duration(i+1)*24*time.Hour), "web", "cold", d, "")
	}
	add(WeekStart.Add(-48*time.Hour), "api", "warm", 2*time.Second, "")
	add(WeekStart.Add(48*time.Hour), "api", "warm", time.Second, "")
	add(WeekStart.Add(72*time.Hour), "worker", "cold", 5*time.Second, "")
	add(WeekStart.Add(73*time.Hour), "worker", "cold", 3*time.Second, "RUN failed")
	add(WeekEnd.Add(time.Hour), "web", "cold", time.Minute, "")
	return s
}
