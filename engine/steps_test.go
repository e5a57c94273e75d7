package engine

import (
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// When a step fails, BuildKit cancels the steps running beside it, and
// they may be reported first: the build's error is the step that failed,
// not one that was cancelled.
func TestFailureIsTheCauseNotACancellation(t *testing.T) {
	at := time.Now()
	later := at.Add(time.Second)
	rec := NewRecorder()
	rec.Add(&client.SolveStatus{
		Vertexes: []*client.Vertex{
			{Digest: digest.FromString("apt"), Name: "[stage-1 2/3] RUN apt-get update", Started: &at, Completed: &later,
				Error: "executor failed running [/bin/sh -c apt-get update]: exit code: 137: context canceled: context canceled"},
			{Digest: digest.FromString("mod"), Name: "[builder 4/6] RUN go mod download", Started: &at, Completed: &later,
				Error: "executor failed running [/bin/sh -c go mod download]: exit code: 1"},
		},
		Logs: []*client.VertexLog{{Vertex: digest.FromString("mod"), Data: []byte("go: go.mod requires go >= 1.25.0 (running go 1.23.1; GOTOOLCHAIN=local)\n")}},
	})
	res := rec.Finish()
	if want := "[builder 4/6] RUN go mod download: executor failed running [/bin/sh -c go mod download]: exit code: 1"; res.Err != want {
		t.Errorf("error %q\nwant %q", res.Err, want)
	}
	if len(res.LogTail) != 1 || res.LogTail[0] != "go: go.mod requires go >= 1.25.0 (running go 1.23.1; GOTOOLCHAIN=local)" {
		t.Errorf("log tail %q", res.LogTail)
	}

	// a cancellation alone is still reported
	rec = NewRecorder()
	rec.Add(&client.SolveStatus{Vertexes: []*client.Vertex{{Digest: digest.FromString("x"), Name: "[2/2] RUN sleep 100", Error: "context canceled"}}})
	if res := rec.Finish(); res.Err != "[2/2] RUN sleep 100: context canceled" {
		t.Errorf("cancelled build: %q", res.Err)
	}
}

// The time cached steps took is counted once where they overlap.
func TestCacheLoadIsTheUnionOfCachedSpans(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(a, b float64) (time.Time, time.Time) {
		return t0.Add(time.Duration(a * float64(time.Second))), t0.Add(time.Duration(b * float64(time.Second)))
	}
	var steps []Step
	for _, x := range []struct {
		a, b   float64
		cached bool
		kind   string
	}{{0, 2, true, "exec"}, {1, 3, true, "copy"}, {5, 6, true, "exec"}, {3, 9, false, "exec"}, {0, 9, true, "internal"}} {
		s, e := at(x.a, x.b)
		steps = append(steps, Step{Start: s, End: e, Cached: x.cached, Kind: x.kind})
	}
	res := &Result{Steps: steps}
	res.Summarize()
	if res.CacheLoad != 4*time.Second {
		t.Errorf("cache load %v, want 4s (0-3 and 5-6)", res.CacheLoad)
	}
}
