package render

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testhistory"

	"github.com/layerwise/layerwise/trends"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var (
	weekStart = testhistory.WeekStart
	weekEnd   = testhistory.WeekEnd
)

func load(t *testing.T) *trends.Report {
	rep, err := trends.Load(context.Background(), testhistory.Week(t), weekStart, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The metrics parse with Prometheus's own text parser and carry the values.
func TestTrendsPrometheus(t *testing.T) {
	var buf bytes.Buffer
	if err := TrendsPrometheus(&buf, load(t)); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	value := func(name string, labels map[string]string) float64 {
		mf := mfs[name]
		if mf == nil {
			t.Fatalf("no %s in\n%s", name, buf.String())
		}
	metrics:
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue metrics
				}
			}
			return m.GetGauge().GetValue()
		}
		t.Fatalf("no %s%v", name, labels)
		return 0
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"layerwise_build_duration_seconds", map[string]string{"image": "web", "scenario": "cold", "stat": "median"}, 14},
		{"layerwise_build_duration_seconds", map[string]string{"image": "web", "scenario": "cold", "stat": "previous_median"}, 10},
		{"layerwise_build_regressed", map[string]string{"image": "web", "scenario": "cold"}, 1},
		{"layerwise_build_regressed", map[string]string{"image": "api", "scenario": "warm"}, 0},
		{"layerwise_builds", map[string]string{"image": "worker", "scenario": "cold", "result": "failed"}, 1},
		{"layerwise_image_size_bytes", map[string]string{"image": "api", "scenario": "warm"}, 100 << 20},
		{"layerwise_build_time_spent_seconds", map[string]string{"image": "worker", "scenario": "cold"}, 8},
	} {
		if got := value(tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}

func TestTrendsHTML(t *testing.T) {
	var buf bytes.Buffer
	rep := load(t)
	rep.Summaries[0].Image = `<script>alert(1)</script>` // names are escaped
	if err := TrendsHTML(&buf, rep, HTMLOptions{Title: "Build times", Generated: weekEnd}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"<title>Build times</title>", "<b>6</b>builds", "<b>1</b>slower than before",
		`<li class="worse">web cold: 10.00 s → 14.00 s (<span class="worse">+40%</span>)</li>`,
		`<span class="better">-50%</span>`, "<polyline", `class="fail"`, "&lt;script&gt;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>alert") || strings.Count(out, "<script>") != 1 {
		t.Error("an image name was not escaped")
	}
	// the per-image views and the builder and branch tables
	for _, want := range []string{`<section class="image" data-image="web">`, `class="waterfall latest"`, "<th>builder</th>", "<th>branch</th>",
		`class="threshold"`, `class="baseline"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestTrendsMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := TrendsMarkdown(&buf, load(t), "Weekly build report"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"# Weekly build report", "2026-11-20 to 2026-11-27, compared with the 7 days before.",
		"- **6 builds**, 1 failed", "## Slower\n\n- web cold: 10.00 s → 14.00 s (+40%)",
		"## Faster\n\n- api warm: 2.00 s → 1.00 s (-50%)", "## Failures\n\n- worker cold: 1 of 2 builds failed",
		"| worker | cold | 2 | 1 | 5.00 s | – | new | 50% | 104.9 MB |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// TestHostileImageNames: an image name that is not UTF-8 (it comes from a
// directory name) made the Prometheus registry panic; HTML and Markdown
// from a directory name must not reach the Markdown report raw.
func TestTrendsHostileImageNames(t *testing.T) {
	rep := &trends.Report{From: weekStart, To: weekEnd, Summaries: []*trends.Summary{
		{Image: "bad\xffname", Scenario: "cold", Builds: 1, Median: time.Second, Last: trends.Point{Wall: time.Second}},
		{Image: "<img src=x onerror=alert(1)>|x\ny", Scenario: "warm", Builds: 1, Median: time.Second, Last: trends.Point{Wall: time.Second}},
	}}
	var buf bytes.Buffer
	if err := TrendsPrometheus(&buf, rep); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(buf.String())); err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, buf.String())
	}
	buf.Reset()
	if err := TrendsMarkdown(&buf, rep, "weekly"); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "<img") || strings.Contains(out, "x\ny") {
		t.Errorf("raw HTML or a split row in Markdown:\n%s", out)
	}
}

// TestTrendsGolden: the table, Markdown, HTML and Prometheus forms of one
// report, byte for byte.
func TestTrendsGolden(t *testing.T) {
	rep := load(t)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"trends.table":    func(b *bytes.Buffer) error { TrendsTable(b, rep); return nil },
		"trends.markdown": func(b *bytes.Buffer) error { return TrendsMarkdown(b, rep, "Weekly build report") },
		"trends.html": func(b *bytes.Buffer) error {
			return TrendsHTML(b, rep, HTMLOptions{Title: "Build times", Generated: weekEnd})
		},
		"trends.prometheus": func(b *bytes.Buffer) error { return TrendsPrometheus(b, rep) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}
