package trends

import (
	"context"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testhistory"
)

var (
	weekStart = testhistory.WeekStart
	weekEnd   = testhistory.WeekEnd
)

func load(t *testing.T) *Report {
	rep, err := Load(context.Background(), testhistory.Week(t), weekStart, weekEnd)
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
