package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/render"
	"github.com/spf13/cobra"
)

func newLsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [PATH]",
		Short: "List every image the repository builds",
		Long: `List every image the repository at PATH (default: .) builds: Dockerfiles found
by name (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*) and compose
services with a build section. For a Dockerfile no compose file describes, the
build context is inferred: the nearest directory holding every COPY/ADD source.

Formats: table (default, also "text"), json.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("json"); err != nil {
				return err
			}
			res, err := discoverImages(cmd, g, args)
			if err != nil {
				return err
			}
			if g.format == "json" {
				if err := writeJSON(g.stdout, maskedArgs(res)); err != nil {
					return err
				}
			} else {
				render.LsTable(g.stdout, res)
			}
			return reportDiscoveryProblems(g, res)
		},
	}
}

// maskedArgs is a copy of the result whose build args interpolated from an
// env file print as "***" (a listing is not the place for a token).
func maskedArgs(res *discover.Repo) *discover.Repo {
	out := *res
	out.Images = make([]*discover.Image, len(res.Images))
	for i, im := range res.Images {
		c := *im
		if len(im.ArgsFromEnvFile) > 0 {
			c.Args = map[string]string{}
			for k, v := range im.Args {
				c.Args[k] = v
			}
			for _, k := range im.ArgsFromEnvFile {
				c.Args[k] = "***"
			}
		}
		out.Images[i] = &c
	}
	return &out
}

// discoverImages runs discovery on the PATH argument and turns "nothing
// there" into a usage error that says what was looked for.
func discoverImages(cmd *cobra.Command, g *globals, args []string) (*discover.Repo, error) {
	root := "."
	if len(args) == 1 {
		root = args[0]
	}
	if _, err := os.Stat(root); err != nil {
		// what went wrong, as the system says it: a permission error or a
		// symlink loop is not a missing directory
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, usageErr("%s: %v", root, pe.Err)
		}
		return nil, usageErr("%s: %v", root, err)
	}
	cfg, err := g.loadConfig(root)
	if err != nil {
		return nil, err
	}
	dopt := discover.Options{Exclude: cfg.Exclude, Listings: g.listings}
	// what the repository recorded of its base images first, the same on
	// every machine; the engine (and registries) only for the rest
	if dopt.BaseImages, err = g.baseImages(root); err != nil {
		return nil, err
	}
	res, err := discover.Discover(cmd.Context(), root, dopt)
	if err != nil {
		return nil, &ExitError{Code: ExitFindings, Err: err}
	}
	for _, f := range res.Failed {
		fmt.Fprintf(g.stderr, "error: %s\n", f)
	}
	g.inputFailures += len(res.Failed)
	if len(res.Images) == 0 {
		for _, w := range res.Warnings {
			fmt.Fprintf(g.stderr, "warning: %s\n", w)
		}
		return nil, usageErr("no Dockerfile or compose build found under %s (looked for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, compose files with a build section and docker-bake targets)", root)
	}
	return res, nil
}

// discoverWithConfig is discoverImages plus the repository's config (or
// --config) for the commands that use it.
func discoverWithConfig(cmd *cobra.Command, g *globals, args []string) (*discover.Repo, *config.Config, error) {
	res, err := discoverImages(cmd, g, args)
	if err != nil {
		return nil, nil, err
	}
	root := "."
	if len(args) == 1 {
		root = args[0]
	}
	cfg, err := g.loadConfig(root)
	if err != nil {
		return nil, nil, err
	}
	return res, cfg, nil
}

// reportDiscoveryProblems prints warnings and Dockerfile errors to stderr;
// errors make the exit code 1 once everything else has been processed.
func reportDiscoveryProblems(g *globals, res *discover.Repo) error {
	for _, w := range res.Warnings {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	bad := res.Errors()
	for _, im := range bad {
		fmt.Fprintf(g.stderr, "error: %s\n", im.Error.Error())
	}
	if len(bad) > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d of %d Dockerfiles could not be parsed", len(bad), len(res.Images))}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
