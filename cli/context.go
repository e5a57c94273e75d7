package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/internal/dirlist"
	"github.com/layerwise/layerwise/render"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/discover"
	"github.com/spf13/cobra"
)

type contextFlags struct {
	images          []string
	top             int
	measureExcluded bool
}

// contextResult is one image's context report, as rendered in JSON.
type contextResult struct {
	Image string `json:"image"`
	Error string `json:"error,omitempty"`
	*buildctx.Report
	// NamedContexts are the local directories the build also sends as
	// named contexts (compose additional_contexts, bake contexts).
	NamedContexts []namedContextResult `json:"namedContexts,omitempty"`
}

// namedContextResult is the report of one local named context: its
// .dockerignore is the one at its root, and what the Dockerfile reads
// from it (COPY --from=NAME, RUN --mount from=NAME, FROM NAME) decides
// what is used.
type namedContextResult struct {
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
	*buildctx.Report
}

func newContextCmd(g *globals) *cobra.Command {
	f := &contextFlags{}
	cmd := &cobra.Command{
		Use:   "context [PATH]",
		Short: "Show what each build sends to the builder, and what of it is used",
		Long: `For each image under PATH (default: .), walk its build context with BuildKit's
exact .dockerignore semantics (<Dockerfile>.dockerignore beside the Dockerfile
wins over <context>/.dockerignore) and report: files and bytes sent, bytes
excluded, the largest directories and files, bytes that no COPY/ADD of any
stage can reach (unused context), sensitive files and heavy directories.

Symlinks are not followed. Unreadable directories and files that vanish during
the walk are warnings. Formats: text (default), json.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat("text", "json"); err != nil {
				return err
			}
			g.listings = dirlist.New() // the walks below read each directory once
			res, images, err := discoverSelected(cmd, g, args, f.images)
			if err != nil {
				return err
			}
			var out []contextResult
			failed := 0
			for _, im := range images {
				r := contextResult{Image: im.Name}
				if im.Refused != "" {
					// its context or Dockerfile lies outside the repository
					r.Error = im.Error.Error()
					failed++
					out = append(out, r)
					continue
				}
				var sources []buildctx.Source
				if im.Model != nil {
					sources = buildctx.SourcesOf(im.Model)
				}
				rep, err := buildctx.Analyze(cmd.Context(), im.AbsContext(), buildctx.AnalyzeOptions{
					Dockerfile: im.AbsDockerfile(), Sources: sources, Top: f.top, MeasureExcluded: f.measureExcluded, Listings: g.listings,
				})
				if err != nil {
					if cmd.Context().Err() != nil {
						return &ExitError{Code: ExitFindings, Err: cmd.Context().Err()}
					}
					r.Error = err.Error()
					failed++
				} else {
					rep.Context = im.Context
					rep.Dockerfile = im.Dockerfile
					r.Report = rep
				}
				for _, name := range slices.Sorted(maps.Keys(im.AdditionalContexts)) {
					dir := im.AdditionalContexts[name]
					if !discover.IsLocalContext(dir) {
						continue
					}
					nr := namedContextResult{Name: name}
					var sources []buildctx.Source
					if im.Model != nil {
						sources = buildctx.SourcesFrom(im.Model, name)
					}
					rep, err := buildctx.Analyze(cmd.Context(), filepath.Join(res.Root, filepath.FromSlash(dir)), buildctx.AnalyzeOptions{
						Sources: sources, Top: f.top, MeasureExcluded: f.measureExcluded, Listings: g.listings,
					})
					if err != nil {
						if cmd.Context().Err() != nil {
							return &ExitError{Code: ExitFindings, Err: cmd.Context().Err()}
						}
						nr.Error = err.Error()
						failed++
					} else {
						rep.Context = dir
						nr.Report = rep
					}
					r.NamedContexts = append(r.NamedContexts, nr)
				}
				out = append(out, r)
			}
			if g.format == "json" {
				if err := writeJSON(g.stdout, out); err != nil {
					return err
				}
			} else {
				for _, r := range out {
					render.ContextText(g.stdout, r.Image, r.Error, r.Report, res.Root)
					for _, nr := range r.NamedContexts {
						render.ContextText(g.stdout, fmt.Sprintf("%s, named context %s", r.Image, nr.Name), nr.Error, nr.Report, res.Root)
					}
				}
			}
			if err := reportDiscoveryProblems(g, res); err != nil {
				return err
			}
			if failed > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d build contexts could not be analysed", failed)}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "only these images (names as `layerwise ls` prints them)")
	cmd.Flags().IntVar(&f.top, "top", 10, "how many of the largest directories and files to list")
	cmd.Flags().BoolVar(&f.measureExcluded, "measure-excluded", false, "also walk excluded directories to count the bytes .dockerignore saves")
	return cmd
}

// discoverSelected discovers the repository of args and selects the
// images named by --image (all when none is named).
func discoverSelected(cmd *cobra.Command, g *globals, args, names []string) (*discover.Repo, []*discover.Image, error) {
	res, err := discoverImages(cmd, g, args)
	if err != nil {
		return nil, nil, err
	}
	images, err := selectImages(res, names)
	if err != nil {
		return nil, nil, err
	}
	return res, images, nil
}

func selectImages(res *discover.Repo, names []string) ([]*discover.Image, error) {
	if len(names) == 0 {
		return res.Images, nil
	}
	var out []*discover.Image
	for _, n := range names {
		found := false
		for _, im := range res.Images {
			if im.Name == n {
				out = append(out, im)
				found = true
			}
		}
		if !found {
			var all []string
			for _, im := range res.Images {
				all = append(all, im.Name)
			}
			return nil, usageErr("no image named %q; images: %s", n, strings.Join(all, ", "))
		}
	}
	return out, nil
}
