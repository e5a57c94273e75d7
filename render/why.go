package render

import (
	"fmt"
	"io"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/why"
)

// Cache-miss explanations (layerwise why).

// WhyText writes each step that ran with its cause, its cost and the fix.
func WhyText(w io.Writer, rep *why.Report) {
	fmt.Fprintf(w, "%s (%s): build %d against build %d\n", safetext.Term(rep.Image), safetext.Term(rep.Scenario), rep.Build, rep.Against)
	if rep.Note != "" {
		fmt.Fprintf(w, "note: %s\n", rep.Note)
	}
	if len(rep.Causes) == 0 {
		fmt.Fprintln(w, "no step ran: every step was cached")
		return
	}
	for _, c := range rep.Causes {
		where := safetext.Term(c.Step)
		if c.Line > 0 {
			where += fmt.Sprintf(" (line %d)", c.Line)
		}
		fmt.Fprintf(w, "  %s: %s\n", where, safetext.Term(c.Reason))
		again := ""
		if c.RanBefore {
			again = "; it ran in the compared build too"
		}
		fmt.Fprintf(w, "      %.2f s (with the later re-runs %.2f s)%s\n", c.Seconds, c.Cost, again)
		if c.Fix != "" {
			rule := ""
			if c.Rule != "" {
				rule = " (" + c.Rule + ")"
			}
			fmt.Fprintf(w, "      fix: %s%s\n", safetext.Term(c.Fix), rule)
		}
	}
}
