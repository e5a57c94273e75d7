package cli

import (
	"os"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/verify"
	"github.com/spf13/cobra"
)

type verifyFlags struct {
	engineFlags
	ci          ciFlags
	images      []string
	rules       []string
	smoke       string
	sharedBase  bool
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
Then both run the rebuild scenarios (warm, source-change, deps-change; --scenario ci
adds each change built as a CI job on a fresh builder, see measure) and --smoke
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
			if err := checkScenarios(f.scenarios, func(s string) bool { sc, _ := measure.ScenarioNamed(s); return s != measure.Cold && sc.Pull == "" }); err != nil {
				return err
			}
			res, cfg, err := discoverWithConfig(cmd, g, args)
			if err != nil {
				return err
			}
			b, err := f.builderFor()
			if err != nil {
				return err
			}
			ci, err := f.ci.options(&f.engineFlags)
			if err != nil {
				return err
			}
			opt := verify.Options{Builder: b, Config: cfg, Images: f.images, Rules: f.rules, SharedBase: f.sharedBase, Smoke: f.smoke,
				Scenarios: f.scenarios, NoRebuilds: f.noRebuilds, Log: g.stderr, CI: ci}
			if opt.BaseImages, err = g.baseImages(res.Root); err != nil {
				return err
			}
			if !f.noHistory {
				store, err := openHistory(res.Root, f.historyPath, history.ReadWrite)
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
				render.VerifyMarkdown(g.stdout, vr)
			default:
				render.VerifyTable(g.stdout, vr)
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
	cmd.Flags().BoolVar(&f.sharedBase, "shared-base", false, "verify fix --shared-base (LW116's shared base images) instead of the rules' fixes")
	cmd.Flags().StringVar(&f.smoke, "smoke", "", "command run in both containers (sh -c, no network); exit code and stdout must be the same")
	cmd.Flags().StringSliceVar(&f.scenarios, "scenario", nil, "rebuild scenarios (default warm, source-change, deps-change; also ci-source-change, ci-deps-change, or ci for both)")
	f.ci.add(cmd)
	cmd.Flags().BoolVar(&f.noRebuilds, "no-rebuilds", false, "compare the images only, no rebuild scenarios")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "build history (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the builds")
	return cmd
}
