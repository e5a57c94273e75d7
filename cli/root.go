// Package cli is the layerwise command line: one file per command, each a
// thin layer of flags over the library packages and a renderer.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/dirlist"

	"github.com/layerwise/layerwise/config"
	"github.com/spf13/cobra"
)

// Exit codes, documented in the README.
const (
	ExitOK       = 0
	ExitFindings = 1 // findings at or above the fail level, or inputs that failed
	ExitUsage    = 2 // bad flags, bad config, nothing to work on
)

// ExitError carries an exit code out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

func usageErr(format string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

// globals are the flags every command has.
type globals struct {
	format     string
	configPath string
	noColor    bool
	// noInspect: do not read base images' configs from the local engine
	noInspect       bool
	inspectRegistry bool
	bases           *baseimage.Resolver
	knownByRoot     map[string]*baseimage.Known
	// inputFailures counts compose/bake files discovery could not read;
	// a command that otherwise succeeds then exits 1
	inputFailures int
	stdout        io.Writer
	stderr        io.Writer
	// listings, when a command sets it before discovery, receives the
	// directory listings discovery takes, for that command's context walks
	listings *dirlist.Cache
}

// known is the repository's record of its base images (baseimage.Known),
// read once per root for this run.
func (g *globals) known(root string) (*baseimage.Known, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if k, ok := g.knownByRoot[abs]; ok {
		return k, nil
	}
	k, err := baseimage.LoadKnown(abs)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if g.knownByRoot == nil {
		g.knownByRoot = map[string]*baseimage.Known{}
	}
	g.knownByRoot[abs] = k
	return k, nil
}

// baseImages answers discovery's question about base images for root:
// what the repository recorded first, then (unless --no-inspect) the
// engine and registries.
func (g *globals) baseImages(root string) (func(context.Context, []string) map[string]dockerfile.ImageConfig, error) {
	known, err := g.known(root)
	if err != nil {
		return nil, err
	}
	var ask func(context.Context, []string) map[string]dockerfile.ImageConfig
	if !g.noInspect {
		ask = g.resolver().Configs
	}
	return known.Configs(ask), nil
}

// resolver is the base-image resolver every command of this run shares.
func (g *globals) resolver() *baseimage.Resolver {
	if g.bases == nil {
		g.bases = baseimage.New("docker")
		g.bases.Remote = g.inspectRegistry
	}
	return g.bases
}

// loadConfig reads --config, or .layerwise.yaml at root when not given.
func (g *globals) loadConfig(root string) (*config.Config, error) {
	if g.configPath != "" {
		c, err := config.Load(g.configPath, true)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		return c, nil
	}
	st, err := os.Stat(root)
	if err == nil && !st.IsDir() {
		return config.Default(), nil
	}
	c, err := config.Load(config.Find(root), false)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return c, nil
}

// checkFormat validates --format against what a command renders.
func (g *globals) checkFormat(allowed ...string) error {
	for _, a := range allowed {
		if g.format == a {
			return nil
		}
	}
	return usageErr("unknown format %q: this command supports %s", g.format, strings.Join(allowed, ", "))
}

// checkTableFormat is checkFormat for commands whose text form is a table
// ("text" is accepted as its alias).
func (g *globals) checkTableFormat(allowed ...string) error {
	if g.format == "text" {
		g.format = "table"
	}
	return g.checkFormat(append([]string{"table"}, allowed...)...)
}

// NewRoot builds the command tree.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	root, _ := newRoot(stdout, stderr)
	return root
}

func newRoot(stdout, stderr io.Writer) (*cobra.Command, *globals) {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "layerwise",
		Short: "Find, fix and measure what makes Docker image builds slow",
		Long: `layerwise finds every image a repository builds, analyses each Dockerfile and
build context, and tells what makes the builds slow and the images big (audit,
context); rewrites Dockerfiles and .dockerignore files so builds hit the cache
(fix); measures real BuildKit builds and fails CI on a regression (measure,
bench, history); builds the images along their dependency graph (build); and
reports the trends (report).

Exit codes: 0 success; 1 findings at or above the fail level, or an input that
could not be processed (reported, the others still processed); 2 usage error
(unknown flag or format, unreadable config, nothing to analyse).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.format, "format", "o", "text", "output format (per command: text, table, json, ...)")
	pf.StringVar(&g.configPath, "config", "", "config file (default: .layerwise.yaml at the repository root)")
	pf.BoolVar(&g.noColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
	pf.BoolVar(&g.inspectRegistry, "inspect-registry", false, "read base images the engine does not have from their registries (config only; a loopback registry is always read)")
	pf.BoolVar(&g.noInspect, "no-inspect", false, "do not read the base images' user and environment from the local Docker Engine (docker image inspect; nothing is pulled)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\n\n%s", err, c.UsageString())}
	})
	root.AddCommand(newVersionCmd(g), newLsCmd(g), newContextCmd(g), newAuditCmd(g), newRulesCmd(g), newMeasureCmd(g), newHistoryCmd(g), newFixCmd(g), newBenchCmd(g), newBuildCmd(g), newReportCmd(g), newVerifyCmd(g), newWhyCmd(g), newCostCmd(g), newGenerateCmd(g), newLspCmd(g))
	root.AddCommand(newCacheMountHelperCmd())
	return root, g
}

// Execute runs the CLI and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root, g := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil && g.inputFailures > 0 {
		// a compose or bake file could not be read: its images are
		// missing from whatever the command did with the rest
		fmt.Fprintf(stderr, "layerwise: %d compose/bake files could not be read (see the errors above)\n", g.inputFailures)
		return ExitFindings
	}
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(stderr, "layerwise: %v\n", ee.Err)
		}
		return ee.Code
	}
	// cobra's own errors (unknown command, wrong arg count) are usage errors
	fmt.Fprintf(stderr, "layerwise: %v\nRun 'layerwise --help' for usage.\n", err)
	return ExitUsage
}

// openHistory is the one policy for the build history: --history FILE, or
// .layerwise/history.db under the repository root. Commands that record
// builds (measure, build, verify) open it ReadWrite, creating it; the
// others (history, report, audit) ReadOnly, which creates nothing and is
// an error, saying what records builds, when there is none.
func openHistory(root, flag string, mode history.Mode) (*history.Store, error) {
	p := flag
	if p == "" {
		p = filepath.Join(root, history.DefaultPath)
	}
	s, err := history.Open(p, mode)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return s, nil
}

// historyExists: the repository has a build history at the default path.
func historyExists(root string) bool {
	_, err := os.Stat(filepath.Join(root, history.DefaultPath))
	return err == nil
}
