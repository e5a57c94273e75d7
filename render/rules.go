package render

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/layerwise/layerwise/rules"
)

// RulesTable writes one line per rule (layerwise rules); the JSON form is
// the rules' declarations.
func RulesTable(w io.Writer, rs []*rules.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tNAME\tSEVERITY\tCATEGORY\tFIX\tTITLE")
	for _, r := range rs {
		fix := "-"
		if r.Fixable() {
			fix = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Category, fix, r.Title)
	}
	return tw.Flush()
}
