package cli

import (
	"bytes"
	"fmt"

	"github.com/layerwise/layerwise/render"

	"github.com/layerwise/layerwise/bench"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/spf13/cobra"
)

func newBenchCmd(g *globals) *cobra.Command {
	f := &engineFlags{}
	var images, scenarios []string
	var reps int
	var markdownOut string
	var failOnMissed, expert bool
	var graph int
	var ci ciFlags
	cmd := &cobra.Command{
		Use:   "bench [PATH]",
		Short: "Build every service naive and fixed, in every scenario, and compare",
		Long: `For each service under PATH (default: .), build the Dockerfile as written ("naive")
and after layerwise fix ("fixed"), both on temporary copies, in the scenarios of
measure (cold, warm, source-change, deps-change), -n repetitions, alternating naive
and fixed; then compare per service and scenario: median seconds, speedup,
cache-hit ratio, context bytes, image bytes, and check the targets (source-change
≥ 15× faster for Go services, ≥ 5× for Node services, ≥ 10× for others with a
dependency install; deps-change ≥ 2×, cold ≤ 1.10×, context ≥ 90% smaller where
junk exists, compiled images ≥ 50% smaller). Every variant edits the same files.

--expert adds a third variant: each service built from the Dockerfile.expert
next to its Dockerfile (with Dockerfile.expert.dockerignore), a hand-written
baseline; the fixed version must be within 1.20× of it on every rebuild.
--scenario ci adds the ci scenarios (ci-source-change, ci-deps-change): each change
built as a CI job on a fresh builder, the layer cache in --ci-cache, cache mounts
empty unless --ci-cache-mounts persists them; the rows give the build itself, the
cache transfer and end to end, and the targets (fixed never slower than naive;
with persisted mounts Go ≥ 10× the build and ≥ 5× end to end, Node ≥ 3×).
--graph N also builds every image of the fixed copy along the dependency graph
without cache, -j 1 and -j N, and reports the speed-up and the critical path.

Formats: table (default, also "text"), json, markdown. --markdown FILE also writes
the Markdown document (keeping its hand-written analysis section).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("json", "markdown"); err != nil {
				return err
			}
			if err := checkScenarios(scenarios, nil); err != nil {
				return err
			}
			b, err := f.builderFor()
			if err != nil {
				return err
			}
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if _, err := discoverImages(cmd, g, args); err != nil {
				return err
			}
			cfg, err := g.loadConfig(root)
			if err != nil {
				return err
			}
			if _, err := b.Info(cmd.Context()); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			ciOpt, err := ci.options(f)
			if err != nil {
				return err
			}
			baseImages, err := g.baseImages(root)
			if err != nil {
				return err
			}
			rep, err := bench.Run(cmd.Context(), root, bench.Options{Builder: b, Scenarios: scenarios, Repetitions: reps, Images: images, Config: cfg, Log: g.stderr,
				Expert: expert, Graph: graph, BaseImages: baseImages, CI: ciOpt})
			if err != nil {
				if cmd.Context().Err() != nil {
					return &ExitError{Code: ExitFindings, Err: fmt.Errorf("interrupted: builds cancelled, temporary copies removed")}
				}
				return &ExitError{Code: ExitFindings, Err: err}
			}
			if markdownOut != "" {
				var buf bytes.Buffer
				render.BenchMarkdown(&buf, rep, render.ReadPrevious(markdownOut))
				if err := atomicfile.Write(markdownOut, buf.Bytes(), 0o644); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			switch g.format {
			case "json":
				if err := writeJSON(g.stdout, rep); err != nil {
					return err
				}
			case "markdown":
				render.BenchMarkdown(g.stdout, rep, render.ReadPrevious(markdownOut))
			default:
				render.BenchTable(g.stdout, rep)
			}
			failed := 0
			for _, row := range rep.Rows {
				if row.Error != "" {
					failed++
				}
			}
			if failed > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d service × scenario comparisons had failing builds", failed)}
			}
			if failOnMissed {
				for _, t := range rep.Targets {
					if !t.Met {
						return &ExitError{Code: ExitFindings, Err: fmt.Errorf("target missed: %s for %s: want %s, got %s", t.Name, t.Image, t.Want, t.Got)}
					}
				}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&images, "image", nil, "only these services")
	cmd.Flags().StringSliceVar(&scenarios, "scenario", nil, "scenarios (default cold, warm, source-change, deps-change; ci for the ci scenarios)")
	ci.add(cmd)
	cmd.Flags().IntVarP(&reps, "repetitions", "n", 3, "repetitions of each scenario, naive and fixed alternating")
	cmd.Flags().StringVar(&markdownOut, "markdown", "", "also write the Markdown document to this file (e.g. docs/benchmarks.md)")
	cmd.Flags().BoolVar(&failOnMissed, "fail-on-missed", false, "exit 1 when a target is missed")
	cmd.Flags().BoolVar(&expert, "expert", false, "also build each service's Dockerfile.expert (a hand-written baseline) and compare")
	cmd.Flags().IntVar(&graph, "graph", 0, "also build the fixed copy's dependency graph without cache, -j 1 and -j N (N > 1)")
	return cmd
}
