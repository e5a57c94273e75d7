package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildkit"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/render"
	"github.com/spf13/cobra"
)

// engineFlags select the build backend; measure, bench and build share
// them.
type engineFlags struct {
	backend      string
	builder      string
	builders     []string // build: several buildx builders
	buildkitAddr string
	docker       string
}

func (f *engineFlags) add(cmd *cobra.Command) {
	f.addFlags(cmd)
	cmd.Flags().StringVar(&f.builder, "builder", "", "buildx builder to use (default: the current one)")
}

// addMulti is add for a command that spreads builds over several buildx
// builders (--builder repeated).
func (f *engineFlags) addMulti(cmd *cobra.Command) {
	f.addFlags(cmd)
	cmd.Flags().StringSliceVar(&f.builders, "builder", nil, "buildx builders to spread the builds over (repeatable; default: the current one)")
}

func (f *engineFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.backend, "backend", "buildx", "build backend: buildx (docker buildx build), buildkit (BuildKit client to --buildkit-addr) or plain (DOCKER_BUILDKIT=1 docker build, for engines without buildx)")
	cmd.Flags().StringVar(&f.buildkitAddr, "buildkit-addr", buildkit.DefaultAddr, "buildkitd address for --backend buildkit (unix://... or tcp://...)")
	cmd.Flags().StringVar(&f.docker, "docker", "", "docker CLI for --backend plain (default /usr/bin/docker when present)")
}

// buildersFor returns one builder per --builder of a multi-builder
// command (one for the other backends).
func (f *engineFlags) buildersFor() ([]engine.Builder, error) {
	if f.backend != "buildx" || len(f.builders) <= 1 {
		if len(f.builders) == 1 {
			f.builder = f.builders[0]
		} else if len(f.builders) > 1 {
			return nil, usageErr("several --builder values need --backend buildx")
		}
		b, err := f.builderFor()
		if err != nil {
			return nil, err
		}
		return []engine.Builder{b}, nil
	}
	var out []engine.Builder
	for _, name := range f.builders {
		out = append(out, buildx.New(name))
	}
	return out, nil
}

func (f *engineFlags) builderFor() (engine.Builder, error) {
	b, err := engine.NewBuilder(f.backend, engine.BackendConfig{Builder: f.builder, BuildKitAddr: f.buildkitAddr, Docker: f.docker})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return b, nil
}

type measureFlags struct {
	engineFlags
	ci          ciFlags
	images      []string
	scenarios   []string
	reps        int
	touch       string
	touchDeps   string
	historyPath string
	noHistory   bool
	buildArgs   []string
	jsonOut     string
	csvOut      string
	// the regression gate
	failOnRegression string
	baselineBranch   string
	baselineBuilds   int
}

// parseThreshold reads "25%" or "0.25".
func parseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 {
		return 0, usageErr("--fail-on-regression %q: give a percentage like 25%% (or a fraction like 0.25)", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}

func newMeasureCmd(g *globals) *cobra.Command {
	f := &measureFlags{}
	cmd := &cobra.Command{
		Use:   "measure [PATH]",
		Short: "Build each image for real in scenarios and time every step",
		Long: `Build each image under PATH (default: .) with a real BuildKit build, in scenarios:
  cold           no cache (base images present beforehand; a pull is timed apart)
  warm           rebuild with nothing changed
  source-change  one ordinary source file changed (--touch PATH to choose)
  deps-change    the dependency manifest changed as its tool accepts (--touch-deps PATH)
  ci             (asked for: ci-source-change and ci-deps-change) each change built as a
                 CI job builds it: on a fresh builder (a new buildkitd with an empty state;
                 with --backend buildx a new builder of it), the layer cache imported from
                 and exported to --ci-cache (mode=max), every cache mount empty unless
                 --ci-cache-mounts persists them; a first job primes the cache. The cache
                 import and export are timed apart.
  pull, pull-zstd, pull-estargz
                 (asked for) the image pushed to --pull-registry with gzip (what docker push
                 writes), zstd or eStargz layers, then pulled onto a fresh builder with none
                 of its layers, and onto one that already holds its base image: seconds and
                 bytes downloaded each, the layers shared between the measured images, and
                 a note when the push fell back to another compression. Pulling zstd needs
                 containerd >= 1.5 or Docker Engine >= 23 on the machines that run it.
The change scenarios work on a private copy of the build context: your files
are never touched. Each build is recorded in the history store
(.layerwise/history.db) in one transaction, failed builds with their error.

Formats: table (default, also "text"), json (with every step), csv.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("json", "csv"); err != nil {
				return err
			}
			if err := checkScenarios(f.scenarios, nil); err != nil {
				return err
			}
			if f.reps < 1 {
				return usageErr("-n must be at least 1")
			}
			var threshold float64
			if f.failOnRegression != "" {
				var err error
				if threshold, err = parseThreshold(f.failOnRegression); err != nil {
					return err
				}
				if f.noHistory {
					return usageErr("--fail-on-regression compares with the history: drop --no-history")
				}
				if f.baselineBuilds < 1 {
					return usageErr("--baseline-builds must be at least 1")
				}
			}
			b, err := f.builderFor()
			if err != nil {
				return err
			}
			res, images, err := discoverSelected(cmd, g, args, f.images)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if _, err := b.Info(ctx); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			var store *history.Store
			if !f.noHistory {
				if store, err = openHistory(res.Root, f.historyPath, history.ReadWrite); err != nil {
					return err
				}
				defer store.Close()
			}
			if err := measure.BuildDeps(ctx, b, res, images, g.stderr); err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			host, _ := os.Hostname()
			runStart := time.Now()
			gitState := measure.GitState(ctx, res.Root)
			ci, err := f.ci.options(&f.engineFlags)
			if err != nil {
				return err
			}
			opt := measure.Options{Builder: b, Repo: res, Scenarios: f.scenarios, Repetitions: f.reps, TouchSource: f.touch, TouchDeps: f.touchDeps,
				History: store, Git: gitState, Host: host, Log: g.stderr, CI: ci}
			if len(f.buildArgs) > 0 {
				for _, im := range images {
					args := map[string]string{}
					for k, v := range im.Args {
						args[k] = v
					}
					for _, kv := range f.buildArgs {
						k, v, _ := strings.Cut(kv, "=")
						args[k] = v
					}
					im.Args = args
				}
			}
			all, failures, err := measure.Images(ctx, images, opt)
			if err != nil {
				if ctx.Err() != nil {
					return &ExitError{Code: ExitFindings, Err: fmt.Errorf("interrupted: builds cancelled, temporary copies removed, history kept")}
				}
				if engine.IsNoBuilder(err) {
					return &ExitError{Code: ExitUsage, Err: err}
				}
				return &ExitError{Code: ExitFindings, Err: err}
			}
			for _, fl := range failures {
				switch {
				case fl.Skipped:
					fmt.Fprintf(g.stderr, "%s: skipped: %s\n", fl.Image, fl.Reason)
				case fl.Scenario != "":
					fmt.Fprintf(g.stderr, "%s %s: build failed: %s\n", fl.Image, fl.Scenario, fl.Reason)
				default:
					fmt.Fprintf(g.stderr, "%s: %s\n", fl.Image, fl.Reason)
				}
			}
			failed := len(failures)
			var regressed []*measure.Measurement
			if f.failOnRegression != "" {
				info, _ := b.Info(ctx)
				bo := measure.BaselineOptions{Threshold: threshold, Builds: f.baselineBuilds, Branch: f.baselineBranch, Before: runStart}
				if !gitState.Dirty {
					bo.ExcludeCommit = gitState.Commit // the commit measured is not its own baseline
				}
				if regressed, err = measure.CompareWithHistory(ctx, store, all, info.Builder, bo); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			if f.jsonOut != "" {
				if err := atomicfile.WriteFunc(f.jsonOut, 0o644, func(w io.Writer) error { return writeJSON(w, all) }); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			if f.csvOut != "" {
				if err := atomicfile.WriteFunc(f.csvOut, 0o644, func(w io.Writer) error { return render.MeasureCSV(w, all) }); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
			}
			switch g.format {
			case "json":
				if err := writeJSON(g.stdout, all); err != nil {
					return err
				}
			case "csv":
				if err := render.MeasureCSV(g.stdout, all); err != nil {
					return err
				}
			default:
				render.MeasureTable(g.stdout, all)
				if f.failOnRegression != "" {
					render.MeasureBaseline(g.stdout, all, f.failOnRegression)
				}
			}
			if failed > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d images had builds that failed or could not run", failed)}
			}
			if len(regressed) > 0 {
				var what []string
				for _, m := range regressed {
					what = append(what, m.Image+" "+m.Scenario)
				}
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("regression beyond %s: %s", f.failOnRegression, strings.Join(what, ", "))}
			}
			return nil
		},
	}
	f.engineFlags.add(cmd)
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "only these images")
	cmd.Flags().StringSliceVar(&f.scenarios, "scenario", nil, "scenarios to run (default cold, warm, source-change, deps-change): those, ci-source-change, ci-deps-change, ci for both ci scenarios, pull, pull-zstd, pull-estargz")
	f.ci.add(cmd)
	cmd.Flags().IntVarP(&f.reps, "repetitions", "n", 1, "repetitions of each scenario (min/median/max are reported)")
	cmd.Flags().StringVar(&f.touch, "touch", "", "source file the source-change scenario edits (relative to the build context)")
	cmd.Flags().StringVar(&f.touchDeps, "touch-deps", "", "manifest the deps-change scenario edits (relative to the build context)")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "history store (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the builds")
	cmd.Flags().StringArrayVar(&f.buildArgs, "build-arg", nil, "build argument KEY=VALUE for every image (repeatable)")
	cmd.Flags().StringVar(&f.jsonOut, "json-out", "", "also write the results as JSON (with every step) to this file")
	cmd.Flags().StringVar(&f.csvOut, "csv-out", "", "also write the results as CSV to this file")
	cmd.Flags().StringVar(&f.failOnRegression, "fail-on-regression", "", "compare with the history and exit 1 when an image×scenario got slower or bigger by more than this (e.g. 25%; and by 0.5 s / 1 MB at least), or stopped hitting the cache")
	cmd.Flags().StringVar(&f.baselineBranch, "baseline-branch", "", "take the baseline from builds recorded on this branch only (default: any branch but the commit measured)")
	cmd.Flags().IntVar(&f.baselineBuilds, "baseline-builds", 10, "how many recent baseline builds count (at least 3 are needed)")
	return cmd
}
