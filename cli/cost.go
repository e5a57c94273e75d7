package cli

import (
	"time"

	"github.com/layerwise/layerwise/cost"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/render"
	"github.com/spf13/cobra"
)

func newCostCmd(g *globals) *cobra.Command {
	var since, historyPath string
	cmd := &cobra.Command{
		Use:   "cost [PATH]",
		Short: "Expected rebuild time per commit, from the git history, before and after fix",
		Long: `Replay the repository's commits (git log --since) against every image's
Dockerfile: each changed file invalidates the first COPY/ADD that reaches it (after
.dockerignore) and everything after it; the re-run steps are priced with their
measured durations from the build history (static estimates where none are
recorded, and the report says so). The same for the Dockerfile and .dockerignore
layerwise fix would write (computed in memory). Per image: expected seconds per
commit, naive and after fix, and the paths whose changes cost the most rebuild
time. No build runs. Formats: text (default), json.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat("text", "json"); err != nil {
				return err
			}
			from, err := parseSince(since, time.Now())
			if err != nil {
				return usageErr("--since: %v", err)
			}
			res, cfg, err := discoverWithConfig(cmd, g, args)
			if err != nil {
				return err
			}
			opt := cost.Options{Since: from, Config: cfg}
			if historyPath != "" || historyExists(res.Root) {
				store, err := openHistory(res.Root, historyPath, history.ReadOnly)
				if err != nil {
					return err
				}
				defer store.Close()
				opt.StepSeconds = store.StepSeconds
			}
			rep, err := cost.Run(cmd.Context(), res, opt)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			if g.format == "json" {
				return writeJSON(g.stdout, rep)
			}
			render.CostText(g.stdout, rep)
			return nil
		},
	}
	cmd.Flags().StringVar(&since, "since", "90d", "start of the window: an age (90d, 36h) or a date (2026-09-01)")
	cmd.Flags().StringVar(&historyPath, "history", "", "build history with measured step durations (default .layerwise/history.db under PATH, when there)")
	return cmd
}
