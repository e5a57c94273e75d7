package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/verify"
	"github.com/spf13/cobra"
)

type verifyFlags struct {
	engineFlags
	images      []string
	rules       []string
	smoke       string
	scenarios   []string
	noRebuilds  bool
	historyPath string
	noHistory   bool
}

func newVerifyCmd(g *globals) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify [PATH]",
		Short: "Prove with real builds that the fixes keep the image and make rebuilds faster",
		Long: `For each image that layerwise fix would change (or --image), build the original and
the fixed version on private copies of the repository (your files are never touched),
export both images through the engine and compare them: every path (type, mode,
owner, size, content digest, link target) and the config (Entrypoint, Cmd, Env, User,
WorkingDir, ExposedPorts, Volumes, Labels, StopSignal, Healthcheck, OnBuild, Shell).
Each difference is intended — attributed to the rule that causes it (a cache now in a
cache mount, a file no longer sent, a recommended package no longer installed, the
toolchain left in the build stage) — build noise, or a failure, listed path by path.
Then both run the rebuild scenarios (warm, source-change, deps-change) and --smoke
runs the same command in both containers (no network).

Cost: two cold builds per image, plus two builds per rebuild scenario
(--no-rebuilds to skip those). Progress goes to stderr, one line per build.
The images are read back from the Docker Engine (docker save): use a buildx
builder that loads into it (the docker driver does; remote builders --load).
Exit codes: 0 every image verified; 1 a difference no rule explains, a fixed build
that fails, or an image that cannot be verified (its base image is not available).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat("text", "table", "json", "markdown"); err != nil {
				return err
			}
			for _, s := range f.scenarios {
				if !measure.ValidScenario(s) || s == measure.Cold {
					return usageErr("--scenario %s: one of warm, source-change, deps-change", s)
				}
			}
			res, cfg, err := discoverWithConfig(cmd, g, args)
			if err != nil {
				return err
			}
			b, err := f.builderFor()
			if err != nil {
				return err
			}
			opt := verify.Options{Builder: b, Config: cfg, Images: f.images, Rules: f.rules, Smoke: f.smoke,
				Scenarios: f.scenarios, NoRebuilds: f.noRebuilds, Log: g.stderr}
			if !g.noInspect {
				opt.BaseImages = g.resolver().Configs
			}
			if !f.noHistory {
				store, err := openHistory(res.Root, f.historyPath)
				if err != nil {
					return err
				}
				defer store.Close()
				opt.History = store
				opt.Git = measure.GitState(cmd.Context(), res.Root)
				opt.Host, _ = os.Hostname()
			}
			vr, err := verify.Run(cmd.Context(), res.Root, opt)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			switch g.format {
			case "json":
				if err := writeJSON(g.stdout, vr); err != nil {
					return err
				}
			case "markdown":
				verifyMarkdown(g.stdout, vr)
			default:
				verifyTable(g.stdout, vr)
			}
			if !vr.OK() {
				return &ExitError{Code: ExitFindings}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "only these images")
	cmd.Flags().StringSliceVar(&f.rules, "rule", nil, "only these rules' fixes")
	cmd.Flags().StringVar(&f.smoke, "smoke", "", "command run in both containers (sh -c, no network); exit code and stdout must be the same")
	cmd.Flags().StringSliceVar(&f.scenarios, "scenario", nil, "rebuild scenarios (default warm, source-change, deps-change)")
	cmd.Flags().BoolVar(&f.noRebuilds, "no-rebuilds", false, "compare the images only, no rebuild scenarios")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "build history (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the builds")
	return cmd
}

func verifyTable(w io.Writer, vr *verify.Report) {
	for _, im := range vr.Images {
		fmt.Fprintf(w, "%s  %s  %s", safetext.Term(im.Image), safetext.Term(im.Dockerfile), strings.ToUpper(im.Status))
		if len(im.Rules) > 0 {
			fmt.Fprintf(w, "  (fixes: %s)", strings.Join(im.Rules, ", "))
		}
		fmt.Fprintln(w)
		if im.Reason != "" {
			fmt.Fprintf(w, "  %s\n", safetext.Term(im.Reason))
		}
		if c := im.Comparison; c != nil {
			fmt.Fprintf(w, "  image: %d paths original, %d fixed\n", c.OriginalPaths, c.FixedPaths)
			for _, gr := range c.Intended {
				fmt.Fprintf(w, "  intended  %-6s %5d paths  %s (e.g. %s)\n", gr.Rule, gr.Count, safetext.Term(gr.Reason), safetext.Term(strings.Join(gr.Examples, ", ")))
			}
			for _, gr := range c.Noise {
				fmt.Fprintf(w, "  noise            %5d paths  %s\n", gr.Count, gr.Reason)
			}
			for i, d := range c.Failures {
				if i == 50 {
					fmt.Fprintf(w, "  ... %d more differences (-o json lists them all)\n", len(c.Failures)-50)
					break
				}
				fmt.Fprintf(w, "  DIFFERENT %s %s %s\n", d.Change, safetext.Term(d.Path), safetext.Term(d.What))
			}
		}
		if s := im.Smoke; s != nil {
			fmt.Fprintf(w, "  smoke %q: original exit %d, fixed exit %d, stdout same: %v\n", s.Command, s.OriginalExit, s.FixedExit, s.OriginalOutput == s.FixedOutput)
		}
		if im.Cold != nil || len(im.Rebuilds) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  SCENARIO\tORIGINAL\tFIXED\tSPEEDUP\tCACHED\tDOMINANT STEP (FIXED)")
			rows := append([]*verify.Rebuild{im.Cold}, im.Rebuilds...)
			for _, r := range rows {
				if r == nil {
					continue
				}
				if r.Error != "" || r.OriginalError != "" {
					fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t%s\n", r.Scenario, safetext.Term(strings.TrimSpace(r.OriginalError+" "+r.Error)))
					continue
				}
				fmt.Fprintf(tw, "  %s\t%.1f s\t%.1f s\t%.2fx\t%.0f%% -> %.0f%%\t%s\n", r.Scenario, r.Original.Seconds(), r.Fixed.Seconds(), r.Speedup,
					100*r.OriginalHit, 100*r.FixedHit, safetext.Term(r.FixedStep))
			}
			tw.Flush()
		}
	}
	if len(vr.Images) == 0 {
		fmt.Fprintln(w, "nothing to verify: layerwise fix changes nothing here")
	}
}

// verifyMarkdown is the "after" half of docs/docker-build-optimization.md.
func verifyMarkdown(w io.Writer, vr *verify.Report) {
	fmt.Fprintf(w, "## After `layerwise fix`: verified on real builds\n\n")
	fmt.Fprintf(w, "| image | status | fixes | cold | warm | source change | deps change | intended differences | failures |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	cell := func(r *verify.Rebuild) string {
		if r == nil || r.Error != "" || r.OriginalError != "" || r.Fixed == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f s → %.1f s (%.1f×)", r.Original.Seconds(), r.Fixed.Seconds(), r.Speedup)
	}
	for _, im := range vr.Images {
		by := map[string]*verify.Rebuild{}
		for _, r := range im.Rebuilds {
			by[r.Scenario] = r
		}
		intended, failures := 0, 0
		if im.Comparison != nil {
			for _, g := range im.Comparison.Intended {
				intended += g.Count
			}
			failures = len(im.Comparison.Failures)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", safetext.Markdown(im.Image), im.Status, strings.Join(im.Rules, ", "),
			cell(im.Cold), cell(by[measure.Warm]), cell(by[measure.Source]), cell(by[measure.Deps]), intended, failures)
	}
	fmt.Fprintln(w)
	for _, im := range vr.Images {
		if im.Reason != "" {
			fmt.Fprintf(w, "- **%s**: %s\n", safetext.Markdown(im.Image), safetext.Markdown(im.Reason))
		}
	}
}
