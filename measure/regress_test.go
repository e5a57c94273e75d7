package measure

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
)

// baselineStore records past builds of web/cold: 10 s, 10.2 s, 9.8 s on
// main with 100 MB images, one failed build, one on another builder, one of
// the commit being measured, and one on a branch.
func baselineStore(t *testing.T) *history.Store {
	t.Helper()
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	add := func(wall time.Duration, size int64, ratio float64, builder, branch, commit, errMsg string) {
		at = at.Add(time.Hour)
		steps := []engine.Step{
			{Key: "stage-0#2 RUN npm ci", Kind: "exec", Duration: wall - time.Second},
			{Key: "stage-0#3 COPY . .", Kind: "copy", Duration: time.Second},
		}
		b := &history.Build{StartedAt: at, Image: "web", Scenario: Cold, Repetition: 1, Git: history.Git{Branch: branch, Commit: commit},
			Builder: engine.Info{Backend: "buildx", Builder: builder}, Result: engine.Result{Wall: wall, ImageSize: size, CacheHitRatio: ratio, Err: errMsg, Steps: steps}}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	add(10*time.Second, 100e6, 0.5, "default", "main", "a1", "")
	add(10200*time.Millisecond, 100e6, 0.5, "default", "main", "a2", "")
	add(9800*time.Millisecond, 100e6, 0.5, "default", "main", "a3", "")
	add(time.Second, 100e6, 0.5, "default", "main", "a4", "RUN failed") // failed: not a baseline
	add(time.Second, 100e6, 0.5, "remote", "main", "a5", "")            // other builder
	add(time.Second, 100e6, 0.5, "default", "feature", "b1", "")        // other branch
	add(time.Second, 100e6, 0.5, "default", "main", "head", "")         // the commit measured
	return s
}

func measured(wall time.Duration, size int64, ratio float64) *Measurement {
	steps := []engine.Step{
		{Key: "stage-0#2 RUN npm ci", Kind: "exec", Duration: wall - time.Second},
		{Key: "stage-0#3 COPY . .", Kind: "copy", Duration: time.Second},
	}
	return &Measurement{Image: "web", Scenario: Cold, Runs: []*engine.Result{{Wall: wall, Steps: steps}}, Median: wall, ImageSize: size, CacheHitRatio: ratio}
}

// An edited instruction has a new step key: it is reported as new.
func TestSlowerStepsNamesNewSteps(t *testing.T) {
	s := baselineStore(t)
	m := measured(14*time.Second, 100e6, 0.5)
	m.Runs[0].Steps = []engine.Step{
		{Key: "stage-0#2 RUN npm ci", Kind: "exec", Duration: 9 * time.Second},
		{Key: "stage-0#3 RUN sleep 4", Kind: "exec", Duration: 4 * time.Second},
		{Key: "stage-0#4 COPY . .", Kind: "copy", Duration: time.Second},
	}
	if _, err := CompareWithHistory(context.Background(), s, []*Measurement{m}, "default", BaselineOptions{Threshold: 0.25, Branch: "main", ExcludeCommit: "head"}); err != nil {
		t.Fatal(err)
	}
	c := m.Baseline
	if c.Status != StatusRegression || len(c.Steps) == 0 || c.Steps[0].Key != "stage-0#3 RUN sleep 4" || !c.Steps[0].New ||
		!strings.Contains(c.Reasons[0], "most in stage-0#3 RUN sleep 4 (new): 4.0 s") {
		t.Errorf("%+v", c)
	}
}

func TestCompareWithHistory(t *testing.T) {
	s := baselineStore(t)
	opt := BaselineOptions{Threshold: 0.25, Branch: "main", ExcludeCommit: "head"}
	for _, tc := range []struct {
		name    string
		m       *Measurement
		opt     BaselineOptions
		status  string
		reasons []string
	}{
		{"same", measured(10100*time.Millisecond, 100e6, 0.5), opt, StatusOK, nil},
		{"slower within the threshold", measured(12*time.Second, 100e6, 0.5), opt, StatusOK, nil},
		{"slower", measured(13*time.Second, 100e6, 0.5), opt, StatusRegression, []string{"build time 10.0 s → 13.0 s (+30%), most in stage-0#2 RUN npm ci: 9.0 s → 12.0 s"}},
		{"bigger", measured(10*time.Second, 140e6, 0.5), opt, StatusRegression, []string{"image size"}},
		{"cache lost", measured(10*time.Second, 100e6, 0.2), opt, StatusRegression, []string{"cache hits 50% → 20%"}},
		{"faster", measured(2*time.Second, 50e6, 0.9), opt, StatusOK, nil},
		{"one build on the branch", measured(1400*time.Millisecond, 100e6, 0.5), BaselineOptions{Threshold: 0.25, Branch: "feature"}, StatusNoBaseline, nil},
		{"not enough builds", measured(20*time.Second, 100e6, 0.5), BaselineOptions{Threshold: 0.25, MinSamples: 4, Branch: "main", ExcludeCommit: "head"}, StatusNoBaseline, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := CompareWithHistory(context.Background(), s, []*Measurement{tc.m}, "default", tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			c := tc.m.Baseline
			if c == nil || c.Status != tc.status || (tc.status == StatusRegression) != (len(reg) == 1) {
				t.Fatalf("got %+v, %d regressions; want %s", c, len(reg), tc.status)
			}
			if len(c.Reasons) != len(tc.reasons) {
				t.Fatalf("reasons %q, want %q", c.Reasons, tc.reasons)
			}
			for i, r := range tc.reasons {
				if !strings.Contains(c.Reasons[i], r) {
					t.Errorf("reason %q, want %q", c.Reasons[i], r)
				}
			}
			if tc.status == StatusOK && (c.Samples != 3 || c.Median != 10*time.Second) {
				t.Errorf("baseline: %d samples, median %v", c.Samples, c.Median)
			}
		})
	}
}

// The absolute floor: a build of about a second that gets 40% slower is
// within the noise of a shared machine.
func TestCompareIgnoresSmallAbsoluteChanges(t *testing.T) {
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		b := &history.Build{StartedAt: time.Now().Add(-time.Hour), Image: "web", Scenario: Cold, Builder: engine.Info{Builder: "default"}, Result: engine.Result{Wall: time.Second}}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	m := measured(1400*time.Millisecond, 0, 0)
	reg, err := CompareWithHistory(context.Background(), s, []*Measurement{m}, "default", BaselineOptions{Threshold: 0.25})
	if err != nil || len(reg) != 0 || m.Baseline.Status != StatusOK {
		t.Errorf("%v %+v", err, m.Baseline)
	}
	m = measured(1600*time.Millisecond, 0, 0)
	if reg, _ := CompareWithHistory(context.Background(), s, []*Measurement{m}, "default", BaselineOptions{Threshold: 0.25}); len(reg) != 1 {
		t.Errorf("+600 ms (+60%%) should fail: %+v", m.Baseline)
	}
}

// The scenario list is the one definition: names, what each changes, and
// the order reports follow.
func TestScenarios(t *testing.T) {
	if got := strings.Join(AllScenarios, ","); got != "cold,warm,source-change,deps-change,ci-source-change,ci-deps-change,pull,pull-zstd,pull-estargz" {
		t.Errorf("AllScenarios %s", got)
	}
	// the ci and pull scenarios start a builder per build: asked for, not default
	if got := strings.Join(DefaultScenarios, ","); got != "cold,warm,source-change,deps-change" {
		t.Errorf("DefaultScenarios %s", got)
	}
	if got := strings.Join(ExpandScenarios([]string{Warm, CI}), ","); got != "warm,ci-source-change,ci-deps-change" {
		t.Errorf("ExpandScenarios %s", got)
	}
	if s, _ := ScenarioNamed(PullZstd); s.Pull != "zstd" || s.Fresh || s.Rebuild {
		t.Errorf("pull-zstd %+v", s)
	}
	if s, _ := ScenarioNamed(CIDeps); !s.Fresh || s.Change != "deps" || !s.Rebuild {
		t.Errorf("ci-deps-change %+v", s)
	}
	if s, ok := ScenarioNamed(Source); !ok || s.Change != "source" || s.NoCache || !s.Rebuild {
		t.Errorf("source-change %+v", s)
	}
	if s, _ := ScenarioNamed(Cold); !s.NoCache || s.Rebuild {
		t.Errorf("cold %+v", s)
	}
	if ValidScenario("hot") || ScenarioOrder("hot") != len(Scenarios) || ScenarioOrder(Deps) != 3 {
		t.Error("unknown scenarios come last")
	}
}

// The gate explains each slower step with layerwise why, against the
// latest baseline build: here a step that was cached in the baseline ran
// in this run's build (without recorded inputs, the cause says so).
func TestGateExplainsSlowerSteps(t *testing.T) {
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	steps := func(ran bool) []engine.Step {
		d := 10 * time.Millisecond
		if ran {
			d = 8 * time.Second
		}
		return []engine.Step{{Key: "stage-0#2 RUN npm ci", Kind: "exec", Duration: d, Cached: !ran}, {Key: "stage-0#3 COPY . .", Kind: "copy", Duration: 10 * time.Millisecond, Cached: true}}
	}
	for i := range 4 {
		ran := i == 3 // the last one is this run's
		wall := time.Second
		if ran {
			wall = 9 * time.Second
		}
		b := &history.Build{StartedAt: at.Add(time.Duration(i) * time.Hour), Image: "web", Scenario: Warm, Builder: engine.Info{Builder: "default"},
			Result: engine.Result{Wall: wall, Steps: steps(ran)}}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	m := &Measurement{Image: "web", Scenario: Warm, Runs: []*engine.Result{{Wall: 9 * time.Second, Steps: steps(true)}}, Median: 9 * time.Second}
	if _, err := CompareWithHistory(context.Background(), s, []*Measurement{m}, "default", BaselineOptions{Threshold: 0.25, Before: at.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c := m.Baseline
	if c.Status != StatusRegression || len(c.Steps) != 1 || c.Steps[0].Why == nil || c.Steps[0].Why.Step != "RUN npm ci" || c.Steps[0].Why.Seconds != 8 {
		t.Fatalf("%+v / %+v", c, c.Steps)
	}
}
