package render

// Build runs (layerwise build).

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/internal/units"
)

// BuildTable writes one line per image of a build run, then the totals
// and the critical path.
func BuildTable(w io.Writer, rep *graphbuild.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tTAG\tBUILDER\tSTATUS\tSTARTED\tWALL\tCACHED\tNEEDS")
	for _, o := range rep.Outcomes {
		wall, cached := "-", "-"
		if o.Result != nil {
			wall = secs(o.Result.Wall)
			cached = fmt.Sprintf("%.0f%%", 100*o.Result.CacheHitRatio)
		}
		started := "-"
		if o.Status == graphbuild.Built || o.Result != nil {
			started = "+" + secs(o.Waited)
		}
		status := o.Status
		if o.Error != "" {
			// the whole message is on stderr and in the JSON
			status += ": " + clip(firstLine(o.Error), 60)
		}
		needs := strings.Join(o.Deps, ",")
		if needs == "" {
			needs = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Image, o.Tag, o.Builder, status, started, wall, cached, needs)
	}
	tw.Flush()
	if rep.DryRun {
		planned := 0
		for _, o := range rep.Outcomes {
			if o.Status == graphbuild.Planned {
				planned++
			}
		}
		fmt.Fprintf(w, "\n%d images planned, %d cannot be built (dry run: nothing was built).\n", planned, len(rep.Outcomes)-planned)
		return
	}
	fmt.Fprintf(w, "\n%d images, %d built, %d not built, in %s.\n", len(rep.Outcomes), len(rep.Outcomes)-rep.Failed(), rep.Failed(), secs(rep.Wall))
	if len(rep.CriticalPath) > 0 {
		// what is measured: the longest chain of dependent builds. A
		// speed-up over a serial run needs a serial run (-j 1); the sum of
		// parallel builds' durations is inflated by their contention.
		fmt.Fprintf(w, "Critical path: %s, %s of builds: no schedule of these builds ends sooner. Measure -j 1 for the time of a serial run.\n",
			strings.Join(rep.CriticalPath, " → "), secs(rep.Critical))
	}
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func secs(d time.Duration) string { return units.Seconds(d, 2) }
