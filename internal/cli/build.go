package cli

import (
	"fmt"
	"os"

	"github.com/layerwise/layerwise/build"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/render"
	"github.com/spf13/cobra"
)

type buildFlags struct {
	engineFlags
	images      []string
	parallel    int
	noCache     bool
	dryRun      bool
	push        bool
	load        bool
	cache       bool
	buildCache  string
	platforms   []string
	historyPath string
	noHistory   bool
}

func newBuildCmd(g *globals) *cobra.Command {
	f := &buildFlags{}
	cmd := &cobra.Command{
		Use:   "build [PATH]",
		Short: "Build the repository's images along their dependency graph, several at once",
		Long: `Build every image under PATH (default: .), or those named by --image and the
repository images they need, with real BuildKit builds. An image starts as soon
as the images it builds FROM or takes as a named context (compose service:,
bake target:) are built; -j bounds the builds running at once. Repeat
--builder to spread the builds over several buildx builders: an image goes to
the builder of its first dependency (so that the dependency is in the image
store it reads), the others in turn. With a builder outside the Docker Engine
(remote, docker-container) an image stays in that builder's cache unless
--push sends it to the registry its tag names or --load to the Docker Engine.

Each image is tagged with its compose image / bake tag, or
layerwise.local/NAME:latest. A failed build skips the images that depend on
it and nothing else. Every build is recorded in the history store (scenario
"build"). --cache passes the compose/bake cache_from and cache_to.

Formats: table (default, also "text"), json.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("json"); err != nil {
				return err
			}
			if f.parallel < 0 {
				return usageErr("-j must be at least 1")
			}
			if f.push && f.load {
				return usageErr("--push and --load: choose one (with the docker driver --push keeps the image in the engine too)")
			}
			builders, err := f.buildersFor()
			if err != nil {
				return err
			}
			res, images, err := discoverSelected(cmd, g, args, f.images)
			if err != nil {
				return err
			}
			if f.dryRun {
				rep := build.DryRun(res, images, f.builders)
				if g.format == "json" {
					if err := writeJSON(g.stdout, rep); err != nil {
						return err
					}
				} else {
					render.BuildTable(g.stdout, rep)
				}
				for _, o := range rep.Outcomes {
					if o.Status == build.Failed {
						return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s cannot be built: %s", o.Image, o.Error)}
					}
				}
				return nil
			}
			ctx := cmd.Context()
			for _, b := range builders {
				if _, err := b.Info(ctx); err != nil {
					return &ExitError{Code: ExitUsage, Err: err}
				}
			}
			var store *history.Store
			if !f.noHistory {
				if store, err = openHistory(res.Root, f.historyPath, history.ReadWrite); err != nil {
					return err
				}
				defer store.Close()
			}
			var cache build.Cache
			if f.buildCache != "" {
				if cache, err = build.ParseCache(f.buildCache); err != nil {
					return usageErr("--build-cache: %v", err)
				}
			}
			host, _ := os.Hostname()
			rep, err := build.Run(ctx, res, images, build.Options{Builders: builders, Parallel: f.parallel, NoCache: f.noCache, Push: f.push, Load: f.load, CacheFromTo: f.cache, Cache: cache, Platforms: f.platforms,
				History: store, Git: measure.GitState(ctx, res.Root), Host: host, Log: g.stderr})
			if err != nil {
				if ctx.Err() != nil {
					return &ExitError{Code: ExitFindings, Err: fmt.Errorf("interrupted: builds cancelled, history kept")}
				}
				if engine.IsNoBuilder(err) {
					return &ExitError{Code: ExitUsage, Err: err}
				}
				return &ExitError{Code: ExitFindings, Err: err}
			}
			if g.format == "json" {
				if err := writeJSON(g.stdout, rep); err != nil {
					return err
				}
			} else {
				render.BuildTable(g.stdout, rep)
			}
			if n := rep.Failed(); n > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d of %d images were not built", n, len(rep.Outcomes))}
			}
			return nil
		},
	}
	f.engineFlags.addMulti(cmd)
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "only these images (and the repository images they need)")
	cmd.Flags().IntVarP(&f.parallel, "jobs", "j", 0, "builds running at once (default: 2 per builder)")
	cmd.Flags().BoolVar(&f.noCache, "no-cache", false, "build without the cache")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the plan (order, tags, builders, dependencies) and build nothing")
	cmd.Flags().BoolVar(&f.push, "push", false, "push every image to the registry its tag names (with the docker driver it is also kept in the engine)")
	cmd.Flags().BoolVar(&f.load, "load", false, "load every image into the Docker Engine from a builder outside it (remote, docker-container)")
	cmd.Flags().BoolVar(&f.cache, "cache", false, "pass the images' cache_from/cache_to (compose, bake) to the builder")
	cmd.Flags().StringSliceVar(&f.platforms, "platform", nil, "build every image for these platforms (linux/amd64,linux/arm64), natively where the Dockerfile cross-compiles (LW115); push the index with --push")
	cmd.Flags().StringVar(&f.buildCache, "build-cache", "", "every image's cache: local (.layerwise/cache/IMAGE), inline, gha, none or registry=REF (IMAGE:buildcache, mode=max)")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "history store (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the builds")
	return cmd
}
