package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/cost"
	"github.com/layerwise/layerwise/internal/safetext"
)

// Expected rebuild cost from git history (layerwise cost).

// CostText writes per image the expected rebuild seconds per commit, as
// it is and after `layerwise fix`, and the paths whose changes cost the
// most rebuild time.
func CostText(w io.Writer, rep *cost.Report) {
	fmt.Fprintf(w, "%d commits since %s\n\n", rep.Commits, rep.Since.UTC().Format("2006-01-02"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tREBUILDS\tPER COMMIT\tAFTER FIX\tSAVED\tPRICED BY")
	for _, ic := range rep.Images {
		saved := "-"
		if ic.Naive > 0 && ic.FixedNote == "" {
			saved = fmt.Sprintf("%.0f%%", 100*(1-ic.Fixed/ic.Naive))
		}
		fmt.Fprintf(tw, "%s\t%d of %d\t%.1f s\t%.1f s\t%s\t%s\n", safetext.Term(ic.Image), ic.Rebuilds, ic.Commits, ic.Naive, ic.Fixed, saved, ic.Basis)
	}
	tw.Flush()
	for _, ic := range rep.Images {
		if len(ic.Paths) == 0 && ic.FixedNote == "" && ic.Basis != "static" {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", safetext.Term(ic.Image))
		for _, p := range ic.Paths {
			where := "under"
			if !strings.HasSuffix(p.Path, "/") {
				where = "to"
			}
			fmt.Fprintf(w, "  changes %s %s caused %.0f%% of its rebuild time (%.0f s)", where, safetext.Term(p.Path), 100*p.Share, p.Seconds)
			if p.Unused {
				fmt.Fprint(w, ": not used by the build — a .dockerignore entry (layerwise fix) avoids it")
			}
			fmt.Fprintln(w)
		}
		if ic.FixedNote != "" {
			fmt.Fprintf(w, "  after fix: %s\n", ic.FixedNote)
		}
		switch ic.Basis {
		case "static":
			fmt.Fprintln(w, "  no measured step durations: priced with static estimates (layerwise measure records real ones)")
		case "mixed":
			fmt.Fprintln(w, "  some steps have no measured duration: those are priced with static estimates")
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", safetext.Term(n))
	}
}
