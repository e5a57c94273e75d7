package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/measure"
)

// The ci scenarios' jobs say what the cache cost apart from the build; a
// measurement without them prints no such section.
func TestMeasureTableCIJobs(t *testing.T) {
	run := &engine.Result{Wall: 20 * time.Second}
	ci := &measure.Measurement{Image: "orders", Scenario: measure.CISource, Runs: []*engine.Result{run}, Median: 20 * time.Second, Min: 20 * time.Second, Max: 20 * time.Second,
		CacheImport: 300 * time.Millisecond, LayerFetch: 12 * time.Second, CacheExport: 2 * time.Second, CacheBytes: 415e6,
		CacheMounts: &measure.MountCost{Mounts: 3, Hits: 3, RestoredBytes: 103e6, RestoreSeconds: 2.7, SavedBytes: 48e6, SaveSeconds: 2.6}}
	local := &measure.Measurement{Image: "orders", Scenario: measure.Source, Runs: []*engine.Result{run}, Median: 2 * time.Second}
	var b bytes.Buffer
	MeasureTable(&b, []*measure.Measurement{local, ci})
	out := b.String()
	for _, want := range []string{"CI jobs", "ci-source-change", "0.3 s", "12.0 s", "2.0 s", "415.0 MB", "3/3, 103.0 MB in 2.7 s", "48.0 MB in 2.6 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	b.Reset()
	MeasureTable(&b, []*measure.Measurement{local})
	if strings.Contains(b.String(), "CI jobs") {
		t.Errorf("a local measurement got a CI section:\n%s", b.String())
	}
}
