package trends

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
)

var (
	weekStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	weekEnd   = weekStart.Add(7 * 24 * time.Hour)
)

// recorded fills a history: web/cold took 10 s last week and 14 s this
// week (a regression), api/warm 2 s then 1 s (faster), worker/cold is new
// and failed once, and one build after the window is left out.
func recorded(t *testing.T) *history.Store {
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
		add(weekStart.Add(-time.Duration(i+1)*24*time.Hour), "web", "cold", d, "")
	}
	for i, d := range []time.Duration{14 * time.Second, 13 * time.Second, 15 * time.Second} {
		add(weekStart.Add(time.Duration(i+1)*24*time.Hour), "web", "cold", d, "")
	}
	add(weekStart.Add(-48*time.Hour), "api", "warm", 2*time.Second, "")
	add(weekStart.Add(48*time.Hour), "api", "warm", time.Second, "")
	add(weekStart.Add(72*time.Hour), "worker", "cold", 5*time.Second, "")
	add(weekStart.Add(73*time.Hour), "worker", "cold", 3*time.Second, "RUN failed")
	add(weekEnd.Add(time.Hour), "web", "cold", time.Minute, "")
	return s
}

func load(t *testing.T) *Report {
	rep, err := Load(context.Background(), recorded(t), weekStart, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func summary(rep *Report, image, scenario string) *Summary {
	for _, s := range rep.Summaries {
		if s.Image == image && s.Scenario == scenario {
			return s
		}
	}
	return nil
}

func TestLoad(t *testing.T) {
	rep := load(t)
	if rep.Builds != 6 || rep.Failures != 1 || len(rep.Summaries) != 3 {
		t.Fatalf("report: %d builds, %d failures, %d summaries", rep.Builds, rep.Failures, len(rep.Summaries))
	}
	web := summary(rep, "web", "cold")
	if web.Median != 14*time.Second || web.Previous != 10*time.Second || !web.Regressed() || web.Builds != 3 || web.Total != 42*time.Second {
		t.Errorf("web: %+v", web)
	}
	api := summary(rep, "api", "warm")
	if api.Median != time.Second || api.Previous != 2*time.Second || api.Regressed() || api.Change != -0.5 {
		t.Errorf("api: %+v", api)
	}
	worker := summary(rep, "worker", "cold")
	if worker.Previous != 0 || worker.Failures != 1 || worker.Median != 5*time.Second || !worker.Last.Failed || worker.Regressed() {
		t.Errorf("worker: %+v", worker)
	}
	if rep.Summaries[0].Image != "api" || rep.Summaries[2].Image != "worker" {
		t.Errorf("order: %v %v", rep.Summaries[0].Image, rep.Summaries[2].Image)
	}
}
