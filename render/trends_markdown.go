package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/trends"
)

// TrendsMarkdown writes the weekly report (or any window): totals, what got
// slower and what got faster than in the window before, the failures, and
// a table of every image × scenario.
func TrendsMarkdown(w io.Writer, rep *trends.Report, title string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "%s to %s, compared with the %s before.\n\n", rep.From.UTC().Format("2006-01-02"), rep.To.UTC().Format("2006-01-02"), days(rep.To.Sub(rep.From)))
	fmt.Fprintf(&b, "- **%d builds**, %d failed\n- **%s** spent building\n", rep.Builds, rep.Failures, hsecs(rep.Total))
	slower := regressions(rep)
	var faster []*trends.Summary
	for _, s := range rep.Summaries {
		if s.Faster() {
			faster = append(faster, s)
		}
	}
	sort.Slice(faster, func(i, j int) bool { return faster[i].Change < faster[j].Change })
	sort.Slice(slower, func(i, j int) bool { return slower[i].Change > slower[j].Change })
	fmt.Fprintf(&b, "- **%d** image × scenario pairs slower than before, %d faster\n\n", len(slower), len(faster))
	section := func(h string, ss []*trends.Summary) {
		if len(ss) == 0 {
			return
		}
		fmt.Fprintf(&b, "## %s\n\n", h)
		for _, s := range ss {
			fmt.Fprintf(&b, "- %s %s: %s → %s (%+.0f%%)\n", safetext.Markdown(s.Image), safetext.Markdown(s.Scenario), hsecs(s.Previous), hsecs(s.Median), 100*s.Change)
		}
		b.WriteString("\n")
	}
	section("Slower", slower)
	section("Faster", faster)
	var failing []*trends.Summary
	for _, s := range rep.Summaries {
		if s.Failures > 0 {
			failing = append(failing, s)
		}
	}
	if len(failing) > 0 {
		b.WriteString("## Failures\n\n")
		for _, s := range failing {
			fmt.Fprintf(&b, "- %s %s: %d of %d builds failed\n", safetext.Markdown(s.Image), safetext.Markdown(s.Scenario), s.Failures, s.Builds)
		}
		b.WriteString("\n")
	}
	b.WriteString("## All images\n\n| image | scenario | builds | failed | median | before | change | cache hits | image size |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range rep.Summaries {
		change := "new"
		if s.Previous > 0 && s.Median > 0 {
			change = fmt.Sprintf("%+.0f%%", 100*s.Change)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s | %s | %s | %.0f%% | %s |\n", safetext.Markdown(s.Image), safetext.Markdown(s.Scenario), s.Builds, s.Failures, hsecs(s.Median), hsecs(s.Previous), change, 100*s.CacheHitRatio, units.Bytes(s.ImageSize))
	}
	if len(rep.Summaries) == 0 {
		b.WriteString("\nNo builds recorded in this window.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hsecs(d time.Duration) string { return units.SecondsOr(d, 2, "–") }

func days(d time.Duration) string {
	n := int(d.Round(time.Hour).Hours() / 24)
	if n == 1 {
		return "day"
	}
	return fmt.Sprintf("%d days", n)
}
