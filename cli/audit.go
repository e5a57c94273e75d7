package cli

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/internal/dirlist"
	"github.com/layerwise/layerwise/internal/safefile"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/rules"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type auditFlags struct {
	failOn      string
	noContext   bool
	noBuildKit  bool
	images      []string
	historyPath string
	// only: the repository-relative files (Dockerfiles, compose and bake
	// files) whose images the audit of "." keeps
	only map[string]bool
}

func newAuditCmd(g *globals) *cobra.Command {
	f := &auditFlags{}
	cmd := &cobra.Command{
		Use:   "audit [PATH...]",
		Short: "Find what makes each image's build slow or its image big, ranked by cost",
		Long: `Audit every image under PATH (default: .): layerwise's build-speed rules (docs/rules/),
BuildKit's own checks (as buildkit/<Name>, the same as docker build --check), and
the build-context rules on a real walk of each context.

Findings are ranked by what they cost per build. Suppress one with a comment
above the instruction, "# layerwise ignore=LW101", or for the whole file with
"# layerwise global ignore=LW120"; configure rules, thresholds and the fail
level in .layerwise.yaml.

Formats: text (default), json, sarif, markdown, checkstyle, gitlab.
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
2 usage or input error.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(render.AuditFormats...); err != nil {
				return err
			}
			dirs, files, err := splitPathArgs(args)
			if err != nil {
				return err
			}
			if len(files) > 0 {
				// Dockerfiles, compose and bake files, as pre-commit passes
				// the changed ones: the images they define, discovered in the
				// repository at the working directory (their contexts and
				// FROM chains as a whole-repository audit sees them)
				f.only = files
				args = append([]string{"."}, dirs...)
			}
			if len(args) <= 1 {
				ar, failSev, err := auditPath(cmd, g, f, args)
				if err != nil {
					return err
				}
				return renderAudit(g, ar, sourceReader(ar.Root), failSev)
			}
			// several repositories: one report, paths as given on the
			// command line (relative to the working directory)
			var all *audit.Report
			var failSev rules.Severity
			for i, p := range args {
				if i > 0 || len(files) == 0 {
					f.only = nil
				}
				ar, sev, err := auditPath(cmd, g, f, []string{p})
				if err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				prefixPaths(ar, p)
				if all == nil {
					all, failSev = ar, sev
					all.Root = ""
					continue
				}
				if sev != 0 && (failSev == 0 || sev < failSev) {
					failSev = sev
				}
				all.Images = append(all.Images, ar.Images...)
				all.Findings = append(all.Findings, ar.Findings...)
				all.Warnings = append(all.Warnings, ar.Warnings...)
				for k, v := range ar.Rules {
					all.Rules[k] = v
				}
			}
			return renderAudit(g, all, sourceReader("."), failSev)
		},
	}
	cmd.Flags().StringVar(&f.failOn, "fail-on", "", "lowest severity that makes the exit code 1: error, warning, info or none (default from config, else error)")
	cmd.Flags().BoolVar(&f.noContext, "no-context", false, "skip the build-context walks (and the context rules)")
	cmd.Flags().BoolVar(&f.noBuildKit, "no-buildkit-checks", false, "skip BuildKit's own checks")
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "only these images")
	cmd.Flags().StringVar(&f.historyPath, "history", "", "history of measured builds used to rank findings by measured seconds (default .layerwise/history.db under PATH, when it exists)")
	return cmd
}

// splitPathArgs sorts the PATH arguments into directories (repositories)
// and files, the latter relative to the working directory, which must hold
// them (pre-commit runs hooks at the repository root).
func splitPathArgs(args []string) (dirs []string, files map[string]bool, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, err
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || st.IsDir() {
			// a path that cannot be read is reported by discovery, as
			// the system says it
			dirs = append(dirs, a)
			continue
		}
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, nil, err
		}
		rel, err := filepath.Rel(wd, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, nil, usageErr("%s is a file outside the working directory: run layerwise from the repository that holds it, or give the repository's directory", a)
		}
		if files == nil {
			files = map[string]bool{}
		}
		files[filepath.ToSlash(rel)] = true
	}
	return dirs, files, nil
}

// unmatched says which of the files given define no image discovery found
// (a symlinked Dockerfile, one the config excludes, a file that builds
// nothing): silently auditing nothing would look like a clean result.
func unmatched(res *discover.Repo, files map[string]bool) []string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(p, ".dockerignore") {
			continue // read with its Dockerfile's image, defines none
		}
		if len(imagesOf(res.Images, map[string]bool{p: true})) == 0 {
			out = append(out, p+": defines no image layerwise found (not a Dockerfile, compose or bake file discovery reads, or one the config excludes)")
		}
	}
	return out
}

// imagesOf keeps the images a file of files defines: its Dockerfile, or the
// compose or bake file that names it.
func imagesOf(ims []*discover.Image, files map[string]bool) []*discover.Image {
	var out []*discover.Image
	for _, im := range ims {
		if files[filepath.ToSlash(im.Dockerfile)] || (im.SourceFile != "" && files[filepath.ToSlash(im.SourceFile)]) {
			out = append(out, im)
		}
	}
	return out
}

// auditPath audits one repository (args: none or its path).
func auditPath(cmd *cobra.Command, g *globals, f *auditFlags, args []string) (*audit.Report, rules.Severity, error) {
	if !f.noContext {
		g.listings = dirlist.New() // the context walks read each directory once
	}
	res, cfg, err := discoverWithConfig(cmd, g, args)
	if err != nil {
		return nil, 0, err
	}
	failOn := cfg.FailOn
	if f.failOn != "" {
		failOn = f.failOn
	}
	failSev, err := rules.ParseSeverity(failOn)
	if err != nil {
		return nil, 0, usageErr("--fail-on: %v", err)
	}
	if f.only != nil {
		res.Images = imagesOf(res.Images, f.only)
		res.Warnings = append(res.Warnings, unmatched(res, f.only)...)
	}
	if len(f.images) > 0 {
		ims, err := selectImages(res, f.images)
		if err != nil {
			return nil, 0, err
		}
		res.Images = ims
	}
	opt := audit.Options{Config: cfg, SkipContext: f.noContext, SkipBuildKit: f.noBuildKit, Listings: g.listings,
		WithFixes: g.format == "json" || g.format == "sarif"}
	// measured step durations rank the findings when builds were
	// recorded; without a history the ranking is static
	if f.historyPath != "" || historyExists(res.Root) {
		store, err := openHistory(res.Root, f.historyPath, history.ReadOnly)
		if err != nil {
			return nil, 0, err
		}
		defer store.Close()
		opt.History = store
	}
	ar, err := audit.Run(cmd.Context(), res, opt)
	if err != nil {
		return nil, 0, &ExitError{Code: ExitFindings, Err: err}
	}
	ar.Warnings = append(res.Warnings, ar.Warnings...)
	return ar, failSev, nil
}

func renderAudit(g *globals, ar *audit.Report, src func(string) []string, failSev rules.Severity) error {
	ropt := render.AuditOptions{Version: Version, Color: g.color(), Source: src}
	if err := render.Audit(g.stdout, g.format, ar, ropt); err != nil {
		return err
	}
	if ar.Failed(failSev) {
		return &ExitError{Code: ExitFindings}
	}
	if n := ar.Unprocessed(); n > 0 {
		// --fail-on none silences findings, not inputs that could not be
		// processed (the README's exit code 1)
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d Dockerfiles could not be read or parsed (see LW000)", n)}
	}
	return nil
}

// prefixPaths makes a repository's paths relative to the working directory
// (the repository given as p), for a report over several repositories.
func prefixPaths(ar *audit.Report, p string) {
	j := func(s string) string {
		if s == "" {
			return s
		}
		return filepath.ToSlash(filepath.Join(p, filepath.FromSlash(s)))
	}
	for _, im := range ar.Images {
		im.Dockerfile, im.Context = j(im.Dockerfile), j(im.Context)
	}
	for i := range ar.Findings {
		ar.Findings[i].File = j(ar.Findings[i].File)
		if fx := ar.Findings[i].Fix; fx != nil {
			fx.File = j(fx.File)
		}
	}
}

// color is on for a terminal, unless NO_COLOR or --no-color says no.
func (g *globals) color() bool {
	if g.noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := g.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func sourceReader(root string) func(string) []string {
	cache := map[string][]string{}
	return func(p string) []string {
		if l, ok := cache[p]; ok {
			return l
		}
		data, err := safefile.ReadWithin(root, filepath.Join(root, filepath.FromSlash(p)), safefile.MaxManifest)
		var lines []string
		if err == nil {
			lines = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			for i := range lines {
				lines[i] = strings.TrimSuffix(lines[i], "\r")
			}
		}
		cache[p] = lines
		return lines
	}
}
