package render

// Trends reports: the table; trends_markdown.go, trends_html.go and
// trends_prometheus.go hold the other forms.

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/trends"
)

// TrendsTable writes one line per image and scenario of the window, then
// the totals.
func TrendsTable(w io.Writer, rep *trends.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSCENARIO\tBUILDS\tFAILED\tMEDIAN\tBEFORE\tCHANGE\tLAST\tCACHED\tIMAGE SIZE")
	for _, s := range rep.Summaries {
		change := "new"
		if s.Previous > 0 && s.Median > 0 {
			change = fmt.Sprintf("%+.0f%%", 100*s.Change)
			if s.Regressed() {
				change += " slower"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.0f%%\t%s\n", safetext.Term(s.Image), safetext.Term(s.Scenario), s.Builds, s.Failures,
			dsecs(s.Median), dsecs(s.Previous), change, dsecs(s.Last.Wall), 100*s.CacheHitRatio, units.Bytes(s.ImageSize))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d builds (%d failed) from %s, %s spent building.\n", rep.Builds, rep.Failures, rep.From.Format("2006-01-02 15:04"), dsecs(rep.Total))
}

func dsecs(d time.Duration) string { return units.SecondsOr(d, 2, "-") }
