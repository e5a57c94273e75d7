package render

// Measurements (layerwise measure): table, CSV and the baseline verdicts.

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/measure"
)

// MeasureBaseline writes the regression gate's verdict per image and
// scenario against the recorded baseline.
func MeasureBaseline(w io.Writer, ms []*measure.Measurement, threshold string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nIMAGE\tSCENARIO\tBASELINE\tNOW\tBUILDS\tVERDICT (threshold %s)\n", threshold)
	for _, m := range ms {
		c := m.Baseline
		if c == nil {
			continue
		}
		base := "-"
		if c.Status != measure.StatusNoBaseline {
			base = fmt.Sprintf("%.2f s", c.Median.Seconds())
		}
		verdict := c.Status
		if len(c.Reasons) > 0 {
			verdict += ": " + strings.Join(c.Reasons, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f s\t%d\t%s\n", m.Image, m.Scenario, base, c.Current.Seconds(), c.Samples, verdict)
	}
	tw.Flush()
	// why each slower step re-ran (layerwise why), under the table
	for _, m := range ms {
		if m.Baseline == nil {
			continue
		}
		for _, st := range m.Baseline.Steps {
			if st.Why == nil {
				continue
			}
			fmt.Fprintf(w, "%s %s: %s", safetext.Term(m.Image), m.Scenario, safetext.Term(st.Why.Step))
			if st.Why.Line > 0 {
				fmt.Fprintf(w, " (line %d)", st.Why.Line)
			}
			fmt.Fprintf(w, " %s → %s: %s\n", units.SecondsOr(st.Before, 2, "-"), units.Seconds(st.Now, 2), safetext.Term(st.Why.Reason))
			if st.Why.Fix != "" {
				fmt.Fprintf(w, "  fix: %s\n", safetext.Term(st.Why.Fix))
			}
		}
	}
}

// MeasureTable writes one line per image and scenario measured.
func MeasureTable(w io.Writer, ms []*measure.Measurement) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSCENARIO\tRUNS\tMIN\tMEDIAN\tMAX\tCACHED\tCONTEXT\tIMAGE SIZE\tLAYERS\tNOTE")
	for _, m := range ms {
		note := m.Touched
		if m.Skipped != "" {
			note = "skipped: " + m.Skipped
		}
		if m.Error != "" {
			note = "FAILED: " + strings.SplitN(m.Error, "\n", 2)[0]
		}
		if len(m.Runs) == 0 || m.Median == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t-\t-\t-\t-\t-\t%s\n", m.Image, m.Scenario, len(m.Runs), note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f s\t%.2f s\t%.2f s\t%.0f%%\t%s\t%s\t%d\t%s\n", m.Image, m.Scenario, len(m.Runs),
			m.Min.Seconds(), m.Median.Seconds(), m.Max.Seconds(), 100*m.CacheHitRatio, units.Bytes(m.ContextBytes),
			units.Bytes(m.ImageSize), m.Layers, note)
	}
	tw.Flush()
	measureCIJobs(w, ms)
	measurePulls(w, ms)
}

// measurePulls gives the pull scenarios' bytes and the pull onto a machine
// that already holds the base image, then the layers the measured images
// share (downloaded once by a node that runs them all).
func measurePulls(w io.Writer, ms []*measure.Measurement) {
	pulls := measuredIn(ms, func(sc measure.Scenario) bool { return sc.Pull != "" })
	if len(pulls) == 0 {
		return
	}
	fmt.Fprintln(w, "\nPulls onto a fresh builder (medians; the MEDIAN above is the pull onto an empty one, IMAGE SIZE the layers as pushed):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSCENARIO\tEMPTY BUILDER\tDOWNLOADED\tWITH THE BASE IMAGE\tDOWNLOADED\tNOTE")
	for _, m := range pulls {
		withBase, withBaseBytes := "-", "-"
		if m.PullWithBase > 0 {
			withBase, withBaseBytes = units.Seconds(m.PullWithBase, 1), units.Bytes(m.PullWithBaseBytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safetext.Term(m.Image), m.Scenario, units.Seconds(m.Median, 1), units.Bytes(m.PullBytes),
			withBase, withBaseBytes, safetext.Term(m.Note))
	}
	tw.Flush()
	shared := measure.SharedPullBytes(pulls)
	for _, sc := range measure.AllScenarios {
		if st, ok := shared[sc]; ok && st[0] > 0 {
			fmt.Fprintf(w, "%s: %s of the images' %s of distinct layers are shared by more than one image (downloaded once by a machine that runs them all)\n",
				sc, units.Bytes(st[0]), units.Bytes(st[1]))
		}
	}
}

// measuredIn are the measurements with runs of the scenarios that match.
func measuredIn(ms []*measure.Measurement, match func(measure.Scenario) bool) []*measure.Measurement {
	var out []*measure.Measurement
	for _, m := range ms {
		if sc, ok := measure.ScenarioNamed(m.Scenario); ok && match(sc) && len(m.Runs) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// measureCIJobs says what the ci scenarios' jobs paid apart from the
// build: the layer cache's import and export and its size, the layers
// fetched, and the persisted cache mounts' restore and save.
func measureCIJobs(w io.Writer, ms []*measure.Measurement) {
	ci := measuredIn(ms, func(sc measure.Scenario) bool { return sc.Fresh })
	if len(ci) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCI jobs, each on a fresh builder (medians; inside the times above, but for the mounts):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSCENARIO\tCACHE IMPORT\tLAYERS FETCHED\tCACHE EXPORT\tLAYER CACHE\tMOUNTS RESTORED\tMOUNTS SAVED")
	for _, m := range ci {
		restored, saved := "-", "-"
		if c := m.CacheMounts; c != nil {
			n := float64(len(m.Runs))
			restored = fmt.Sprintf("%d/%d, %s in %.1f s", c.Hits, c.Mounts*len(m.Runs), units.Bytes(c.RestoredBytes), c.RestoreSeconds/n)
			saved = fmt.Sprintf("%s in %.1f s", units.Bytes(c.SavedBytes), c.SaveSeconds/n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Image, m.Scenario, units.Seconds(m.CacheImport, 1), units.Seconds(m.LayerFetch, 1),
			units.Seconds(m.CacheExport, 1), units.Bytes(m.CacheBytes), restored, saved)
	}
	tw.Flush()
}

// MeasureCSV writes the measurements as CSV, seconds with three decimals.
func MeasureCSV(w io.Writer, ms []*measure.Measurement) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"image", "scenario", "runs", "min_s", "median_s", "max_s", "cache_hit_ratio", "context_bytes", "image_bytes", "layers", "pull_s", "touched", "skipped", "error",
		"cache_import_s", "layer_fetch_s", "cache_export_s", "cache_bytes", "pull_bytes", "pull_with_base_s", "pull_with_base_bytes", "note"})
	for _, m := range ms {
		c := safetext.CSV
		cw.Write([]string{c(m.Image), c(m.Scenario), fmt.Sprint(len(m.Runs)), fsec(m.Min), fsec(m.Median), fsec(m.Max), fmt.Sprintf("%.3f", m.CacheHitRatio),
			fmt.Sprint(m.ContextBytes), fmt.Sprint(m.ImageSize), fmt.Sprint(m.Layers), fsec(m.Pull), c(m.Touched), c(m.Skipped), c(m.Error),
			fsec(m.CacheImport), fsec(m.LayerFetch), fsec(m.CacheExport), fmt.Sprint(m.CacheBytes),
			fmt.Sprint(m.PullBytes), fsec(m.PullWithBase), fmt.Sprint(m.PullWithBaseBytes), c(m.Note)})
	}
	cw.Flush()
	return cw.Error()
}

func fsec(d time.Duration) string { return units.SecondsBare(d, 3) }
