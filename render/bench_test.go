package render

import (
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/bench"
)

// The table and the Markdown document show a row the same way, with the
// expert's columns only when the run had them.
func TestBenchRows(t *testing.T) {
	row := &bench.Row{Image: "orders", Scenario: "source-change", Runs: 3, NaiveMedian: 33120 * time.Millisecond, FixedMedian: 1970 * time.Millisecond,
		Speedup: 16.8, NaiveHit: 0.43, FixedHit: 0.5, NaiveCtx: 3000, FixedCtx: 2800, NaiveImage: 1.2e9, FixedImage: 166.4e6,
		ExpertMedian: 1590 * time.Millisecond, FixedVsExpert: 1.24, ExpertHit: 0.7, ExpertCtx: 2300, ExpertImage: 145e6}
	var md, table strings.Builder
	BenchMarkdown(&md, &bench.Report{Rows: []*bench.Row{row}, Expert: true}, nil)
	BenchTable(&table, &bench.Report{Rows: []*bench.Row{row}})
	if want := "| orders | source-change | 3 | 33.12 s | 1.97 s | 1.59 s | 16.8× | 1.24× | 43% / 50% / 70% | 3.0 kB / 2.8 kB / 2.3 kB | 1.2 GB / 166.4 MB / 145.0 MB |\n"; !strings.Contains(md.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, md.String())
	}
	fields := strings.Fields(strings.Split(table.String(), "\n")[1])
	if got := strings.Join(fields, " "); got != "orders source-change 3 33.12 s 1.97 s 16.8× 43% / 50% 3.0 kB / 2.8 kB 1.2 GB / 166.4 MB" {
		t.Errorf("table row %q", got)
	}
}

// A ci row whose persisted mounts failed says why under the CI table, in
// the table and in the Markdown document (a row of zeros said nothing).
func TestBenchCIMountErrors(t *testing.T) {
	cost := func(errs ...string) *bench.CICost {
		return &bench.CICost{Build: 5 * time.Second, EndToEnd: 30 * time.Second, MountErrors: errs}
	}
	row := &bench.Row{Image: "orders", Scenario: "ci-source-change", Runs: 1, NaiveMedian: time.Minute, FixedMedian: 30 * time.Second,
		CI: &bench.CIRow{Naive: cost(), Fixed: cost("save: the helper is dynamically linked")}}
	var md, table strings.Builder
	BenchMarkdown(&md, &bench.Report{Rows: []*bench.Row{row}}, nil)
	BenchTable(&table, &bench.Report{Rows: []*bench.Row{row}})
	for name, out := range map[string]string{"markdown": md.String(), "table": table.String()} {
		if !strings.Contains(out, "Cache mounts not persisted:\n- orders ci-source-change fixed: save: the helper is dynamically linked\n") {
			t.Errorf("%s lacks the mounts' error:\n%s", name, out)
		}
	}
	row.CI.Fixed = cost()
	table.Reset()
	BenchTable(&table, &bench.Report{Rows: []*bench.Row{row}})
	if strings.Contains(table.String(), "not persisted") {
		t.Errorf("no error, yet:\n%s", table.String())
	}
}
