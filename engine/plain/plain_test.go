package plain

import (
	"os"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
)

// clock advances a second per line read, so that start times are ordered.
func clock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func parseFile(t *testing.T, name string) *engine.Result {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := engine.NewRecorder()
	Parse(f, clock(), rec)
	return rec.Finish()
}

// The recorded outputs come from Docker 20.10's CLI building a two-stage
// Dockerfile (FROM busybox AS base; WORKDIR; COPY . .; RUN echo hello &&
// sleep 1; FROM base; RUN echo two) cold, then warm, and a failing one.
func TestParseCold(t *testing.T) {
	res := parseFile(t, "cold.txt")
	want := []string{"base#2 WORKDIR /app", "base#3 COPY . .", "base#4 RUN echo hello && sleep 1", "stage-1#1 RUN echo two"}
	for _, k := range want {
		if res.Step(k) == nil {
			t.Errorf("step %q missing; steps: %+v", k, res.Steps)
		}
	}
	run := res.Step("base#4 RUN")
	if run.Cached || run.Duration != 1200*time.Millisecond || run.Kind != "exec" {
		t.Errorf("RUN step: %+v", run)
	}
	if res.ContextBytes != 170 { // "#6 transferring context: 170B done" in the recording
		t.Errorf("context bytes %d", res.ContextBytes)
	}
	// WORKDIR reported CACHED even with --no-cache: 1 of 4 counted steps
	if res.CountedSteps != 4 || res.CachedSteps != 1 {
		t.Errorf("counted %d cached %d", res.CountedSteps, res.CachedSteps)
	}
	if res.Failed() {
		t.Errorf("cold build failed: %s", res.Err)
	}
}

func TestParseWarm(t *testing.T) {
	res := parseFile(t, "warm.txt")
	if res.CountedSteps == 0 || res.CacheHitRatio != 1 {
		t.Errorf("warm: counted %d ratio %v: %+v", res.CountedSteps, res.CacheHitRatio, res.Steps)
	}
}

func TestParseFailure(t *testing.T) {
	res := parseFile(t, "fail.txt")
	if !res.Failed() || res.Step("stage-0#2 RUN echo failing-step") == nil {
		t.Fatalf("failure not recorded: %+v", res)
	}
	if res.Err != "[2/2] RUN echo failing-step && exit 3: executor failed running [/bin/sh -c echo failing-step && exit 3]: exit code: 3" {
		t.Errorf("error: %q", res.Err)
	}
	if len(res.LogTail) != 1 || res.LogTail[0] != "failing-step" {
		t.Errorf("log tail: %q", res.LogTail)
	}
}

func TestSize(t *testing.T) {
	for in, want := range map[[2]string]int64{{"199", "B"}: 199, {"4.86", "kB"}: 4860, {"12.5", "MB"}: 12500000, {"1", "GB"}: 1e9} {
		if got := size(in[0], in[1]); got != want {
			t.Errorf("size(%v) = %d, want %d", in, got, want)
		}
	}
}
