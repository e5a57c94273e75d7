package cli

import (
	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/rules"
	"github.com/spf13/cobra"
)

func newRulesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the audit rules",
		Long:  "List layerwise's audit rules with their severity, category and whether `layerwise fix` resolves them.\nEach has a page under docs/rules/. Formats: table (default, also \"text\"), json.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkTableFormat("json"); err != nil {
				return err
			}
			type row struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				Severity string `json:"severity"`
				Category string `json:"category"`
				Fixable  bool   `json:"fixable"`
				Title    string `json:"title"`
				Doc      string `json:"doc"`
			}
			var rows []row
			for _, r := range rules.All() {
				rows = append(rows, row{r.ID, r.Name, r.Severity.String(), r.Category, r.Fixable(), r.Title, r.DocURL()})
			}
			if g.format == "json" {
				return writeJSON(g.stdout, rows)
			}
			return render.RulesTable(g.stdout, rules.All())
		},
	}
}
