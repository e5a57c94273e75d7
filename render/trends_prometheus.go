package render

import (
	"io"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/trends"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TrendsPrometheus writes the report as Prometheus metrics in the text
// exposition format, through client_golang's registry and expfmt's encoder
// (so names, labels, escaping and ordering are what Prometheus expects).
// Gauges, since each file is a snapshot of the window:
//
//	layerwise_build_duration_seconds{image,scenario,stat="median"|"previous_median"|"last"}
//	layerwise_build_cache_hit_ratio{image,scenario}
//	layerwise_build_context_bytes{image,scenario}
//	layerwise_image_size_bytes{image,scenario}
//	layerwise_builds{image,scenario,result="ok"|"failed"}
//	layerwise_build_time_spent_seconds{image,scenario}
//	layerwise_build_regressed{image,scenario}   (1 when slower than the window before, beyond noise)
func TrendsPrometheus(w io.Writer, rep *trends.Report) error {
	reg := prometheus.NewPedanticRegistry()
	labels := []string{"image", "scenario"}
	gauge := func(name, help string, extra ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, append(labels, extra...))
		reg.MustRegister(g)
		return g
	}
	dur := gauge(trends.MetricDuration, "Wall time of the builds in the window: median, median of the window before, last.", "stat")
	ratio := gauge(trends.MetricCacheHits, "Median share of RUN/COPY/ADD/WORKDIR steps served from the cache.")
	ctxBytes := gauge(trends.MetricContext, "Build context bytes transferred by the last successful build.")
	size := gauge(trends.MetricImageSize, "Image size after the last successful build.")
	count := gauge(trends.MetricBuilds, "Builds recorded in the window.", "result")
	spent := gauge(trends.MetricSpent, "Total wall time spent building in the window.")
	regressed := gauge(trends.MetricRegressed, "1 when the median build time grew beyond noise since the window before.")
	for _, s := range rep.Summaries {
		// label values must be UTF-8 (the registry panics otherwise), and
		// image names come from directory names
		l := prometheus.Labels{"image": safetext.UTF8(s.Image), "scenario": safetext.UTF8(s.Scenario)}
		with := func(k, v string) prometheus.Labels {
			m := prometheus.Labels{k: v}
			for a, b := range l {
				m[a] = b
			}
			return m
		}
		if s.Median > 0 {
			dur.With(with("stat", "median")).Set(s.Median.Seconds())
			ratio.With(l).Set(s.CacheHitRatio)
			ctxBytes.With(l).Set(float64(s.ContextBytes))
			size.With(l).Set(float64(s.ImageSize))
		}
		if s.Previous > 0 {
			dur.With(with("stat", "previous_median")).Set(s.Previous.Seconds())
		}
		dur.With(with("stat", "last")).Set(s.Last.Wall.Seconds())
		count.With(with("result", "ok")).Set(float64(s.Builds - s.Failures))
		count.With(with("result", "failed")).Set(float64(s.Failures))
		spent.With(l).Set(s.Total.Seconds())
		r := 0.0
		if s.Regressed() {
			r = 1
		}
		regressed.With(l).Set(r)
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
