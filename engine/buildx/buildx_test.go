package buildx

import (
	"os"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/engine"
)

// testdata/rawjson.txt is `docker buildx build --progress=rawjson` of
// FROM busybox:1.36 / WORKDIR /app / COPY . . / RUN echo hello && sleep 1
// on Engine 20.10's docker driver, cold.
func TestParseRawJSON(t *testing.T) {
	f, err := os.Open("testdata/rawjson.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := engine.NewRecorder()
	other := parseRawJSON(strings.NewReader(readAll(t, f)+"ERROR: not json\n"), rec)
	res := rec.Finish()
	if len(other) != 1 || other[0] != "ERROR: not json" {
		t.Errorf("non-JSON lines: %q", other)
	}
	var keys []string
	for _, s := range res.Steps {
		keys = append(keys, string(s.Key))
	}
	want := "[internal] load build definition from Dockerfile|[internal] load .dockerignore|[internal] load metadata for docker.io/library/busybox:1.36|stage-0#1 FROM docker.io/library/busybox:1.36|[internal] load build context|stage-0#2 WORKDIR /app|stage-0#3 COPY . .|stage-0#4 RUN echo hello && sleep 1|exporting to image"
	if strings.Join(keys, "|") != want {
		t.Errorf("steps in start order:\n got %s\nwant %s", strings.Join(keys, "|"), want)
	}
	run := res.Step("stage-0#4 RUN")
	if run.Cached || run.Duration < 900e6 || run.Kind != "exec" {
		t.Errorf("RUN: %+v", run)
	}
	if res.ContextBytes != 4863 || res.CountedSteps != 3 || res.CachedSteps != 0 || res.CacheHitRatio != 0 {
		t.Errorf("context %d counted %d cached %d", res.ContextBytes, res.CountedSteps, res.CachedSteps)
	}
}

func readAll(t *testing.T, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStepKeys(t *testing.T) {
	cases := map[string][3]string{
		"[build 2/5] RUN  go   build ./...":   {"build#2 RUN go build ./...", "build", "exec"},
		"[2/3] COPY . .":                      {"stage-0#2 COPY . .", "stage-0", "copy"},
		"[stage-1 1/2] FROM docker.io/x":      {"stage-1#1 FROM docker.io/x", "stage-1", "base"},
		"[internal] load build context":       {"[internal] load build context", "", "context"},
		"[context shared] load from client":   {"[context shared] load from client", "", "context"},
		"[context shared] load .dockerignore": {"[context shared] load .dockerignore", "", "internal"},
		"exporting to image":                  {"exporting to image", "", "internal"},
	}
	for name, want := range cases {
		s := engine.StepOf(name)
		if string(s.Key) != want[0] || s.Stage != want[1] || s.Kind != want[2] {
			t.Errorf("%q: %+v", name, s)
		}
	}
}
