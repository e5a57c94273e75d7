package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/units"
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
	// --cache-mounts
	cacheMounts string
	cmBranch    string
	cmDefault   string
	cmMaxSize   string
	cmHelper    string
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

--cache-mounts DIR|registry=REF carries what the images' RUN
--mount=type=cache directories hold from one builder to the next (BuildKit
never exports them, so a CI job's fresh builder starts with them empty):
before each image's build they are restored from the closest entry (the
context's lock files, then the branch, then the default branch), after a
successful build saved under the current branch's keys only, each capped
(--cache-mounts-max-size, the newest files kept). It runs layerwise itself
in the builder: a static binary (make build). See docs/cache-mounts.md.

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
				rep := graphbuild.DryRun(res, images, f.builders)
				if g.format == "json" {
					if err := writeJSON(g.stdout, rep); err != nil {
						return err
					}
				} else {
					render.BuildTable(g.stdout, rep)
				}
				for _, o := range rep.Outcomes {
					if o.Status == graphbuild.Failed {
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
			var cache graphbuild.Cache
			if f.buildCache != "" {
				if cache, err = graphbuild.ParseCache(f.buildCache); err != nil {
					return usageErr("--build-cache: %v", err)
				}
			}
			host, _ := os.Hostname()
			opts := graphbuild.Options{Builders: builders, Parallel: f.parallel, NoCache: f.noCache, Push: f.push, Load: f.load, CacheFromTo: f.cache, Cache: cache, Platforms: f.platforms,
				History: store, Git: measure.GitState(ctx, res.Root), Host: host, Log: g.stderr}
			if f.cacheMounts != "" {
				if opts.CacheMounts, opts.CacheMountOptions, err = f.cacheMountOptions(ctx, res.Root); err != nil {
					return err
				}
			}
			rep, err := graphbuild.Run(ctx, res, images, opts)
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
				cacheMountsTable(g.stdout, rep)
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
	cmd.Flags().StringVar(&f.cacheMounts, "cache-mounts", "", "restore the images' cache mounts before each build and save them after: a directory (a CI cache step's) or registry=REF")
	cmd.Flags().StringVar(&f.cmBranch, "cache-mounts-branch", "", "the branch whose namespace saves write (default: the CI's pull request or branch, else git's current branch)")
	cmd.Flags().StringVar(&f.cmDefault, "cache-mounts-default-branch", "", "the branch whose entries a branch without its own restores (default: the CI's, else origin's HEAD, else main)")
	cmd.Flags().StringVar(&f.cmMaxSize, "cache-mounts-max-size", "2GiB", "cap of each saved mount (the newest files kept): bytes, or with kB/MB/GB or KiB/MiB/GiB")
	cmd.Flags().StringVar(&f.cmHelper, "cache-mounts-helper", "", "a static Linux layerwise to run in the builder (default: this executable)")
	cmd.Flags().MarkHidden("cache-mounts-helper")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "history store (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the builds")
	return cmd
}

// cacheMountOptions opens the --cache-mounts store and fills in the
// branches (flags, else the CI's variables, else git) and the cap.
func (f *buildFlags) cacheMountOptions(ctx context.Context, root string) (cachemount.Store, cachemount.Options, error) {
	var opt cachemount.Options
	store, err := cachemount.OpenStore(f.cacheMounts)
	if err != nil {
		return nil, opt, usageErr("--cache-mounts: %v", err)
	}
	if opt.MaxSize, err = parseSize(f.cmMaxSize); err != nil {
		return nil, opt, usageErr("--cache-mounts-max-size: %v", err)
	}
	opt.Branch, opt.DefaultBranch, opt.Helper = f.cmBranch, f.cmDefault, f.cmHelper
	if opt.Branch == "" {
		opt.Branch = currentBranch(ctx, root)
	}
	if opt.DefaultBranch == "" {
		opt.DefaultBranch = defaultBranch(ctx, root)
	}
	return store, opt, nil
}

// currentBranch is the namespace saves write: a pull or merge request's
// own (never its source branch's name, which a fork may call main), the
// CI's branch, or git's; "" when detached.
func currentBranch(ctx context.Context, root string) string {
	switch {
	case strings.HasPrefix(os.Getenv("GITHUB_EVENT_NAME"), "pull_request"):
		return "pull/" + os.Getenv("GITHUB_REF_NAME")
	case os.Getenv("CI_MERGE_REQUEST_IID") != "":
		return "merge-request/" + os.Getenv("CI_MERGE_REQUEST_IID")
	case os.Getenv("GITHUB_REF_NAME") != "":
		return os.Getenv("GITHUB_REF_NAME")
	case os.Getenv("CI_COMMIT_REF_NAME") != "":
		return os.Getenv("CI_COMMIT_REF_NAME")
	}
	b := git(ctx, root, "rev-parse", "--abbrev-ref", "HEAD")
	if b == "HEAD" {
		return ""
	}
	return b
}

func defaultBranch(ctx context.Context, root string) string {
	if b := os.Getenv("CI_DEFAULT_BRANCH"); b != "" {
		return b
	}
	if b, ok := strings.CutPrefix(git(ctx, root, "symbolic-ref", "--short", "refs/remotes/origin/HEAD"), "origin/"); ok && b != "" {
		return b
	}
	return "main"
}

func git(ctx context.Context, dir string, args ...string) string {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// parseSize reads "2GiB", "500MB", "1000000".
func parseSize(s string) (int64, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.TrimSpace(s[len(num):])
	mult, ok := map[string]float64{"": 1, "B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (2GiB, 500MB, bytes)", s)
	}
	return int64(n * mult), nil
}

// cacheMountsTable lists, per image and cache mount, what the restore
// and the save did.
func cacheMountsTable(w io.Writer, rep *graphbuild.Report) {
	var first *cachemount.Report
	for _, o := range rep.Outcomes {
		if o.CacheMounts != nil {
			first = o.CacheMounts
			break
		}
	}
	if first == nil {
		return
	}
	fmt.Fprintf(w, "\nCache mounts (%s; branch %s, default %s; cap %s each):\n", first.Store, first.Branch, first.DefaultBranch, units.Bytes(first.MaxBytes))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tMOUNT\tRESTORED FROM\tBYTES\tSECONDS\tSAVED\tBYTES\tDROPPED\tSECONDS")
	for _, o := range rep.Outcomes {
		cm := o.CacheMounts
		if cm == nil {
			continue
		}
		if cm.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t%s\t\t\t\t\t\t\n", o.Image, cm.Error)
			continue
		}
		for _, np := range cm.NotPersisted {
			fmt.Fprintf(tw, "%s\t%s\tnot persisted (line %d)\t\t\t\t\t\t\n", o.Image, np.Target, np.Line)
		}
		for _, m := range cm.Mounts {
			from, rb, rs := "-", "-", "-"
			if r := m.Restore; r != nil {
				switch {
				case r.Error != "":
					from = "failed: " + r.Error
				case r.Key == nil:
					from = "miss"
				case r.Skipped != "":
					from = "kept the builder's"
				default:
					from = r.Key.Tier
					rb = units.Bytes(r.Bytes)
				}
				rs = fmt.Sprintf("%.1f", r.FetchSeconds+r.BuildSeconds)
			}
			saved, sb, dropped, ss := "-", "-", "-", "-"
			if s := m.Save; s != nil {
				switch {
				case s.Error != "":
					saved = "failed: " + s.Error
				case s.Unchanged:
					saved = "unchanged"
				case s.Empty:
					saved = "empty"
				default:
					saved = fmt.Sprintf("%d files", s.Files)
					sb = units.Bytes(s.Bytes)
				}
				if s.DroppedFiles > 0 {
					dropped = fmt.Sprintf("%d files, %s", s.DroppedFiles, units.Bytes(s.DroppedBytes))
				}
				ss = fmt.Sprintf("%.1f", s.BuildSeconds+s.StoreSeconds)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Image, m.Mount.Label(), from, rb, rs, saved, sb, dropped, ss)
		}
	}
	tw.Flush()
}
