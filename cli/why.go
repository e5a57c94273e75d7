package cli

import (
	"strconv"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/why"
	"github.com/spf13/cobra"
)

func newWhyCmd(g *globals) *cobra.Command {
	var image, scenario, historyPath, buildID, againstID string
	cmd := &cobra.Command{
		Use:   "why [PATH] --image NAME",
		Short: "Say why the steps of a build ran, and what that cost",
		Long: `For each step that ran in a build (was not cached), whether it was cached or ran
too in the build it is compared with, the first cause: the base image moved, the
instruction changed, a build arg in its environment changed, files a COPY/ADD
selects changed (which ones), the stage a COPY --from reads re-ran, or its parent
step re-ran — or, with the same inputs as in the compared build, that this
builder had no cache for it (a fresh CI builder, a cache import that missed, an
evicted cache); the seconds the step and every later re-run step took; and how
to avoid it, when layerwise knows.

The build is the image's latest recorded one (--build ID picks another); it is
compared with the previous build of the same image and scenario (--against ID
picks another). layerwise measure and build record the steps' inputs with every
build. Formats: text (default), json.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat("text", "json"); err != nil {
				return err
			}
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if image == "" && buildID == "" {
				return usageErr("name the image (--image NAME) or the build (--build ID)")
			}
			store, err := openHistory(root, historyPath, history.ReadOnly)
			if err != nil {
				return err
			}
			defer store.Close()
			ctx := cmd.Context()
			id := func(flag, v string) (int64, error) {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					return 0, usageErr("--%s %q: a build ID as layerwise history lists them", flag, v)
				}
				return n, nil
			}
			var b *history.Build
			if buildID != "" {
				n, err := id("build", buildID)
				if err != nil {
					return err
				}
				if b, err = store.Build(ctx, n); err != nil {
					return usageErr("%v", err)
				}
			} else {
				builds, err := store.List(ctx, history.Query{Image: image, Scenario: scenario})
				if err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
				if len(builds) == 0 {
					return usageErr("no recorded build of %s%s in %s (layerwise measure or build records them)", image, inScenario(scenario), store.Path)
				}
				if b, err = store.Build(ctx, builds[len(builds)-1].ID); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			var a *history.Build
			if againstID != "" {
				n, err := id("against", againstID)
				if err != nil {
					return err
				}
				if a, err = store.Build(ctx, n); err != nil {
					return usageErr("%v", err)
				}
			} else {
				earlier, err := store.List(ctx, history.Query{Image: b.Image, Scenario: b.Scenario})
				if err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
				prev := why.Previous(earlier, b)
				if prev == nil {
					return usageErr("build %d is the first recorded build of %s%s: nothing to compare it with (--against ID)", b.ID, b.Image, inScenario(b.Scenario))
				}
				if a, err = store.Build(ctx, prev.ID); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			rep, err := why.Explain(ctx, store, b, a)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			if g.format == "json" {
				return writeJSON(g.stdout, rep)
			}
			render.WhyText(g.stdout, rep)
			return nil
		},
	}
	cmd.Flags().StringVar(&image, "image", "", "the image (its latest recorded build)")
	cmd.Flags().StringVar(&scenario, "scenario", "", "only builds of this scenario (build, cold, warm, source-change, deps-change)")
	cmd.Flags().StringVar(&buildID, "build", "", "the build to explain (an ID from layerwise history)")
	cmd.Flags().StringVar(&againstID, "against", "", "the build to compare with (default: the previous one of the same image and scenario)")
	cmd.Flags().StringVar(&historyPath, "history", "", "history store (default .layerwise/history.db under PATH)")
	return cmd
}

func inScenario(s string) string {
	if s == "" {
		return ""
	}
	return " (scenario " + s + ")"
}
