package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerwise/layerwise/generate"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/spf13/cobra"
)

func newGenerateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the files a team keeps for its builds (monitoring, bake, compose)",
	}
	cmd.AddCommand(newGenerateMonitoringCmd(g), newGenerateBuildFileCmd(g, "bake"), newGenerateBuildFileCmd(g, "compose"), newGenerateCICmd(g), newGenerateMirrorCmd(g))
	return cmd
}

func newGenerateCICmd(g *globals) *cobra.Command {
	var github, gitlab, check, cacheMounts bool
	var opt generate.CIOptions
	var out string
	cmd := &cobra.Command{
		Use:   "ci [PATH] --github|--gitlab",
		Short: "A CI job: audit, fix --check, the build along the graph with a shared cache, the regression gate",
		Long: `Write .github/workflows/layerwise.yml (--github) or .gitlab-ci.yml (--gitlab) under PATH:
one job that audits (SARIF uploaded; GitLab: also a code quality report), fails on
pending fixes (fix --check), builds the images along their dependency graph with a
shared cache (GitHub: the Actions cache, type=gha; GitLab: the project's registry,
type=registry, mode=max; --cache to choose), and runs the regression gate against
the default branch, with the build history kept between runs in the CI's cache.
--image limits the build and the gate to some images. The images' cache mounts
(RUN --mount=type=cache) are kept in the CI's cache too (GitHub: actions/cache of
$RUNNER_TEMP/layerwise-cache-mounts; GitLab: cache: of .layerwise/cache-mounts) and
handed to layerwise build --cache-mounts, which restores them into the job's fresh
builder and saves them after the build; --cache-mounts=false leaves them out.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if github == gitlab {
				return usageErr("choose one of --github and --gitlab")
			}
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if st, err := os.Stat(root); err != nil || !st.IsDir() {
				return usageErr("%s: not a directory", root)
			}
			gen, file := generate.GitHub, filepath.Join(".github", "workflows", "layerwise.yml")
			if gitlab {
				gen, file = generate.GitLab, ".gitlab-ci.yml"
			}
			opt.NoCacheMounts = !cacheMounts
			data, err := gen(opt)
			if err != nil {
				return usageErr("%v", err)
			}
			p := out
			if p == "" {
				p = filepath.Join(root, file)
			}
			if check {
				if cur, err := safefile.ReadRegular(p, safefile.MaxManifest); err != nil || string(cur) != string(data) {
					return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s is missing or stale (layerwise generate ci)", p)}
				}
				return nil
			}
			if err := writeGenerated(root, out, p, data); err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			fmt.Fprintf(g.stdout, "wrote %s\n", p)
			return nil
		},
	}
	cmd.Flags().BoolVar(&github, "github", false, "a GitHub Actions workflow")
	cmd.Flags().BoolVar(&gitlab, "gitlab", false, "a GitLab CI file")
	cmd.Flags().StringVar(&opt.Cache, "cache", "", "build cache: gha (GitHub's default), registry=REF (GitLab's default: the project registry), local, inline, none")
	cmd.Flags().StringVar(&opt.Threshold, "threshold", "", "the regression gate's threshold (default "+generate.DefaultThreshold()+")")
	cmd.Flags().StringVar(&opt.Branch, "branch", "", "the default branch the baseline comes from (GitHub; default main)")
	cmd.Flags().StringSliceVar(&opt.Images, "image", nil, "only these images (and what they need)")
	cmd.Flags().BoolVar(&cacheMounts, "cache-mounts", true, "keep the images' cache mounts in the CI's cache (layerwise build --cache-mounts)")
	cmd.Flags().StringVar(&out, "out", "", "write here instead of the CI's default path under PATH")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when the file is missing or stale")
	return cmd
}

// newGenerateBuildFileCmd: generate bake (docker-bake.hcl) and generate
// compose (docker-compose.build.yml) share their flags and their writing.
func newGenerateBuildFileCmd(g *globals, kind string) *cobra.Command {
	var out, cacheFlag string
	var check bool
	file, short := "docker-bake.hcl", "A docker-bake.hcl: one target per image, contexts between images, cache settings"
	if kind == "compose" {
		file, short = "docker-compose.build.yml", "A compose override: cache settings and the named contexts the build graph needs"
	}
	cmd := &cobra.Command{
		Use:   kind + " [PATH]",
		Short: short,
		Long: short + `.
Written to PATH/` + file + ` (--out to change). --cache picks where the build cache
goes: local (.layerwise/cache/IMAGE; a docker-container or remote builder), inline
(in the image, read back from the image's own tag), gha (GitHub Actions),
registry=REF (REF/IMAGE:buildcache, mode=max) or none. Every export but inline
carries ignore-error=true: a cache outage never fails a build.
--check exits 1 when the file is missing or differs from what would be written.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := generate.ParseCache(cacheFlag)
			if err != nil {
				return usageErr("--cache: %v", err)
			}
			res, _, err := discoverWithConfig(cmd, g, args)
			if err != nil {
				return err
			}
			var data []byte
			if kind == "bake" {
				data = generate.Bake(res, opt)
			} else if data, err = generate.Compose(res, opt); err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			p := out
			if p == "" {
				p = filepath.Join(res.Root, file)
			}
			if check {
				if cur, err := safefile.ReadRegular(p, safefile.MaxManifest); err != nil || string(cur) != string(data) {
					return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s is missing or stale (layerwise generate %s)", p, kind)}
				}
				return nil
			}
			if err := writeGenerated(res.Root, out, p, data); err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			fmt.Fprintf(g.stdout, "wrote %s\n", p)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write here instead of PATH/"+file)
	cmd.Flags().StringVar(&cacheFlag, "cache", "local", "build cache: local, inline, gha, none or registry=REF")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when the file is missing or stale")
	return cmd
}

func newGenerateMonitoringCmd(g *globals) *cobra.Command {
	var dir, threshold, forDur string
	var check bool
	cmd := &cobra.Command{
		Use:   "monitoring [PATH]",
		Short: "Prometheus recording and alerting rules and a Grafana dashboard over the build metrics",
		Long: `Write PATH/monitoring/build-metrics.yml (Prometheus recording and alerting
rules over the metrics layerwise report -o prometheus exports: build time per
image and scenario against its baseline, cache-hit ratio, image size, failures;
an alert for a build more than --threshold slower than its baseline) and
PATH/monitoring/grafana-dashboard.json (a Grafana dashboard over the same
metrics). Both are checked by promtool and Grafana's schema in layerwise's tests.
--check exits 1 when the files are missing or differ from what would be written.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if st, err := os.Stat(root); err != nil || !st.IsDir() {
				return usageErr("%s: not a directory", root)
			}
			opt := generate.DefaultMonitoring()
			if threshold != "" {
				t, err := parseThreshold(threshold)
				if err != nil {
					return usageErr("--threshold: %v", err)
				}
				opt.Threshold = t
			}
			if forDur != "" {
				opt.For = forDur
			}
			rules, err := generate.Rules(opt)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			dash, err := generate.Dashboard(opt)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			out := filepath.Join(root, dir)
			files := []struct {
				name string
				data []byte
			}{{"build-metrics.yml", rules}, {"grafana-dashboard.json", dash}}
			stale := 0
			for _, f := range files {
				p := filepath.Join(out, f.name)
				if check {
					if cur, err := safefile.ReadRegular(p, safefile.MaxManifest); err != nil || string(cur) != string(f.data) {
						fmt.Fprintf(g.stderr, "%s is missing or stale\n", p)
						stale++
					}
					continue
				}
				if err := writeGenerated(root, "", p, f.data); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
				fmt.Fprintf(g.stdout, "wrote %s\n", p)
			}
			if stale > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d monitoring files to regenerate (layerwise generate monitoring)", stale)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "monitoring", "directory under PATH to write into")
	cmd.Flags().StringVar(&threshold, "threshold", "", "alert when a build is this much slower than its baseline (default "+generate.DefaultThreshold()+")")
	cmd.Flags().StringVar(&forDur, "for", "", "how long the condition must hold before the alert fires (Prometheus duration, default 15m)")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when the files are missing or stale")
	return cmd
}

func newGenerateMirrorCmd(g *globals) *cobra.Command {
	var mirrors, insecure []string
	var dir string
	cmd := &cobra.Command{
		Use:   "mirror [PATH] --mirror REGISTRY=MIRROR...",
		Short: "Registry mirror settings for buildkitd (buildkitd.toml) and the Docker Engine (daemon.json)",
		Long: `Write PATH/mirror/buildkitd.toml (each registry's mirrors, plain-HTTP ones marked)
and PATH/mirror/daemon.json (the Docker Engine's registry-mirrors, which cover
Docker Hub only) for pull-through caches, so that a base image crosses the network
once for every builder. --mirror registry.example.com=http://127.0.0.1:5001 (repeatable),
--insecure HOST for a registry reached over plain HTTP.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if len(mirrors) == 0 {
				return usageErr("name at least one mirror: --mirror REGISTRY=MIRROR")
			}
			opt := generate.MirrorOptions{Mirrors: map[string][]string{}, Insecure: insecure}
			for _, m := range mirrors {
				reg, mir, err := generate.ParseMirror(m)
				if err != nil {
					return usageErr("--mirror %v", err)
				}
				opt.Mirrors[reg] = append(opt.Mirrors[reg], mir)
			}
			toml, err := generate.BuildkitdTOML(opt)
			if err != nil {
				return usageErr("%v", err)
			}
			daemon, notes, err := generate.DaemonJSON(opt)
			if err != nil {
				return usageErr("%v", err)
			}
			out := filepath.Join(root, dir)
			for name, data := range map[string][]byte{"buildkitd.toml": toml, "daemon.json": daemon} {
				if err := writeGenerated(root, "", filepath.Join(out, name), data); err != nil {
					return &ExitError{Code: ExitFindings, Err: err}
				}
				fmt.Fprintf(g.stdout, "wrote %s\n", filepath.Join(out, name))
			}
			for _, n := range notes {
				fmt.Fprintf(g.stderr, "note: %s\n", n)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&mirrors, "mirror", nil, "REGISTRY=MIRROR: pull REGISTRY's images through MIRROR (http:// for plain HTTP); repeatable")
	cmd.Flags().StringSliceVar(&insecure, "insecure", nil, "registries reached over plain HTTP")
	cmd.Flags().StringVar(&dir, "dir", "mirror", "directory under PATH to write into")
	return cmd
}

// writeGenerated writes a file generate made at p: under the repository
// root it must resolve inside it (a committed symlink such as
// .github/workflows -> ../elsewhere is not written through); a path the
// user named with --out is written where they said.
func writeGenerated(root, explicitOut, p string, data []byte) error {
	if explicitOut != "" {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return atomicfile.Write(p, data, 0o644)
	}
	return atomicfile.WriteWithin(root, p, data, 0o644)
}
