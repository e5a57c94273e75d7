package cli

import (
	"context"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/lsp"
	"github.com/spf13/cobra"
)

func newLspCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lsp",
		Short: "Serve the language server protocol on stdin/stdout (for editors)",
		Long: `A language server for editors (Neovim, VS Code, Helix, ...): the audit's findings as
diagnostics of Dockerfiles as they are edited — layerwise's rules and BuildKit's checks on
the unsaved text, with the image's real build context — and of compose and bake files when
they are opened or saved; every fix as a code action; a finding's rule doc and cost
(measured when the repository has a build history) on hover. The workspace root the
editor gives is the repository discovery starts from.

Neovim (0.7 or later):
  vim.lsp.start_client({name = "layerwise", cmd = {"layerwise", "lsp"}, root_dir = vim.fn.getcwd()})`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return lsp.Run(lsp.Options{
				Version: Version,
				Discover: func(ctx context.Context, root string) (*discover.Repo, *config.Config, error) {
					sub := &cobra.Command{}
					sub.SetContext(ctx)
					return discoverWithConfig(sub, g, []string{root})
				},
				History: func(root string) (audit.StepDurations, func(), error) {
					if !historyExists(root) {
						return nil, func() {}, nil
					}
					st, err := openHistory(root, "", history.ReadOnly)
					if err != nil {
						return nil, nil, err
					}
					return st, func() { st.Close() }, nil
				},
			})
		},
	}
}
