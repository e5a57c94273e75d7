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

// The time spent fetching layers — downloads, extractions and cached
// steps (on a fresh builder, fetching theirs from the imported cache) — is
// counted once where they overlap.
func TestLayerFetchIsTheUnionOfSpans(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) *time.Time {
		x := t0.Add(time.Duration(s * float64(time.Second)))
		return &x
	}
	rec := NewRecorder()
	rec.Add(&client.SolveStatus{
		Vertexes: []*client.Vertex{
			{Digest: "sha256:a", Name: "[1/4] RUN cached", Cached: true, Started: at(0), Completed: at(2)},
			{Digest: "sha256:b", Name: "[2/4] COPY cached", Cached: true, Started: at(1), Completed: at(3)},
			{Digest: "sha256:c", Name: "[3/4] RUN ran", Started: at(3), Completed: at(20)},
			{Digest: "sha256:d", Name: "[internal] load build context", Started: at(0), Completed: at(20)},
			{Digest: "sha256:e", Name: "exporting cache to client directory", Started: at(10.5), Completed: at(12)},
		},
		Statuses: []*client.VertexStatus{
			{ID: "sha256:1111", Vertex: "sha256:c", Started: at(2.5), Completed: at(5)},
			{ID: "extracting sha256:1111", Vertex: "sha256:c", Started: at(5), Completed: at(6)},
			{ID: "sha256:2222", Vertex: "sha256:c", Started: at(10), Completed: at(11)},
			{ID: "transferring context:", Vertex: "sha256:d", Started: at(0), Completed: at(20)},
		},
	})
	res := rec.Finish()
	if res.LayerFetch != 7*time.Second {
		t.Errorf("layer fetch %v, want 7s (0-6 and 10-11)", res.LayerFetch)
	}
	// the export overlaps a fetch: the transfer counts 10-12 once
	if res.Transfer != 8*time.Second || res.CacheExport != 1500*time.Millisecond {
		t.Errorf("transfer %v (want 8s: 0-6 and 10-12), export %v", res.Transfer, res.CacheExport)
	}
}

// BuildKit 0.34 pads stage names to one width in a build's vertex names:
// "[build  8/10]" beside "[stage-1 2/6]" is still stage build, step 8.
func TestStepOfPaddedStageNames(t *testing.T) {
	for name, want := range map[string]string{
		"[build  8/10] RUN go mod download":     "build#8 RUN go mod download",
		"[stage-1 2/6] COPY --from=build /a /a": "stage-1#2 COPY --from=build /a /a",
		"[ 3/4] RUN make":                       "stage-0#3 RUN make",
		"[2/4] RUN make":                        "stage-0#2 RUN make",
	} {
		s := StepOf(name)
		if string(s.Key) != want || s.Kind == "internal" {
			t.Errorf("%q: key %q kind %s, want %q", name, s.Key, s.Kind, want)
		}
	}
}
