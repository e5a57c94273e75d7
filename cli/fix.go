package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/verify"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/rules"
	"github.com/spf13/cobra"
)

func newFixCmd(g *globals) *cobra.Command {
	var write, check, verifyFirst, sharedBase bool
	var ruleIDs []string
	var ef engineFlags
	cmd := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Rewrite Dockerfiles and .dockerignore files so builds hit the cache",
		Long: `Rewrite the Dockerfiles and .dockerignore files under PATH (default: .) to resolve
the audit findings that have an automatic fix (` + fixableRules() + `); a .dockerignore
is proven to drop nothing a COPY/ADD needs.

Prints a unified diff; --write applies it (each file through a temp file and a
rename); --check exits 1 when fixes are pending. Every single fix is checked
before it is kept: the instructions it does not declare to change are all
still there, unchanged and in order, and no new finding appears on the lines it
wrote; a finding that cannot be fixed safely is left alone and the reason
printed. Running fix on its own output changes nothing. A Dockerfile that does
not parse is reported and makes the exit code 1; the others are still fixed.

--verify first proves each image's fix on real builds (layerwise verify, on
copies): only the fixes whose image verified are shown or written; for an image
that fails, the rules responsible are found by verifying again with one rule left
out at a time, and left out (exit 1, with the culprits and the failing paths).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat("text", "diff", "json"); err != nil {
				return err
			}
			if g.format == "json" && len(args) > 1 {
				return usageErr("-o json takes one PATH")
			}
			for _, id := range ruleIDs {
				if r := rules.Get(id); r == nil || !r.Fixable() {
					return usageErr("--rule %s: not a rule with an automatic fix (see layerwise rules)", id)
				}
			}
			dirs, files, err := splitPathArgs(args)
			if err != nil {
				return err
			}
			if len(files) > 0 {
				// Dockerfiles, compose and bake files (pre-commit's changed
				// files): the images they define, in the repository at the
				// working directory
				args = append([]string{"."}, dirs...)
			}
			if len(args) == 0 {
				args = []string{"."}
			}
			var gate func(root string) (map[string][]string, error)
			if verifyFirst {
				b, err := ef.builderFor()
				if err != nil {
					return err
				}
				gate = func(root string) (map[string][]string, error) {
					opt := verify.Options{Builder: b, Rules: ruleIDs, SharedBase: sharedBase, Log: g.stderr}
					var err error
					if opt.BaseImages, err = g.baseImages(root); err != nil {
						return nil, err
					}
					gt, err := verify.Bisect(cmd.Context(), root, opt)
					if err != nil {
						return nil, err
					}
					for _, c := range gt.Culprits {
						fmt.Fprintf(g.stderr, "not verified: %s (%s): %s; left out: %s\n", c.Image, c.Dockerfile, c.Reason, strings.Join(c.Rules, ", "))
					}
					for _, im := range gt.Verification.Images {
						if im.Comparison != nil {
							for i, d := range im.Comparison.Failures {
								if i == 20 {
									break
								}
								fmt.Fprintf(g.stderr, "  %s: %s %s %s\n", im.Image, d.Change, d.Path, d.What)
							}
						}
					}
					if len(gt.Culprits) > 0 {
						return gt.Skip, errNotVerified
					}
					return gt.Skip, nil
				}
			}
			var firstErr error
			for i, p := range args {
				only := files
				if i > 0 {
					only = nil
				}
				err := fixPath(cmd, g, []string{p}, only, ruleIDs, write, check, len(args) > 1, sharedBase, gate)
				if err != nil && cmd.Context().Err() != nil {
					return err
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				var ee *ExitError
				if err != nil && (!errors.As(err, &ee) || ee.Code != ExitFindings) {
					return err // a usage error stops everything
				}
			}
			return firstErr
		},
	}
	cmd.Flags().BoolVar(&write, "write", false, "apply the fixes to the files")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when fixes are pending (for pre-commit and CI)")
	cmd.Flags().StringSliceVar(&ruleIDs, "rule", nil, "only these rules' fixes")
	cmd.Flags().BoolVar(&sharedBase, "shared-base", false, "instead of the rules' fixes, move the install steps services repeat FROM the same base (LW116) into a shared base image under base-images/ and build the services FROM it (layerwise build builds it first; a plain docker build needs it built first)")
	cmd.Flags().BoolVar(&verifyFirst, "verify", false, "prove each image's fix on real builds first and keep only what verified (see layerwise verify)")
	ef.add(cmd)
	return cmd
}

var errNotVerified = errors.New("some fixes did not verify and were left out")

// fixPath fixes one repository. prefix: several repositories are fixed, so
// paths are shown relative to the working directory.
func fixPath(cmd *cobra.Command, g *globals, args []string, only map[string]bool, ruleIDs []string, write, check, prefix, sharedBase bool, gate func(string) (map[string][]string, error)) error {
	res, cfg, err := discoverWithConfig(cmd, g, args)
	if err != nil {
		return err
	}
	var keep func(*discover.Image) bool
	if only != nil {
		for _, w := range unmatched(res, only) {
			fmt.Fprintf(g.stderr, "note: %s\n", w)
		}
		keep = func(im *discover.Image) bool { return len(imagesOf([]*discover.Image{im}, only)) == 1 }
	}
	var skip map[string][]string
	var gateErr error
	if gate != nil {
		skip, gateErr = gate(res.Root)
		if gateErr != nil && !errors.Is(gateErr, errNotVerified) {
			return &ExitError{Code: ExitFindings, Err: gateErr}
		}
	}
	fr, err := fix.Run(cmd.Context(), res, fix.Options{Config: cfg, Rules: ruleIDs, Skip: skip, SharedBase: sharedBase, Only: keep})
	if err != nil {
		return &ExitError{Code: ExitFindings, Err: err}
	}
	if prefix {
		for _, f := range fr.Files {
			f.Path = filepath.ToSlash(filepath.Join(args[0], filepath.FromSlash(f.Path)))
		}
		for i := range fr.Notes {
			fr.Notes[i].File = filepath.ToSlash(filepath.Join(args[0], filepath.FromSlash(fr.Notes[i].File)))
		}
	}
	unparsed, missing := 0, 0
	for _, im := range res.Images {
		if keep != nil && !keep(im) {
			continue
		}
		if im.Error != nil {
			unparsed++
			if im.Model == nil && im.DockerfileInline == "" {
				if _, err := os.Lstat(im.AbsDockerfile()); errors.Is(err, fs.ErrNotExist) {
					missing++
				}
			}
		}
	}
	// a Dockerfile that could not be read or parsed was not fixed:
	// the run did not do its job, whatever else it wrote
	parseErr := func() error {
		if unparsed == 0 {
			return nil
		}
		// say which: a Dockerfile a compose file names that does not
		// exist was not "parsed" at all
		var parts []string
		if n := unparsed - missing; n > 0 {
			parts = append(parts, fmt.Sprintf("%d Dockerfiles could not be parsed and were left as they are", n))
		}
		if missing > 0 {
			parts = append(parts, fmt.Sprintf("%d Dockerfiles a compose or bake file names do not exist", missing))
		}
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s (see the notes)", strings.Join(parts, "; "))}
	}
	if g.format == "json" {
		if err := writeJSON(g.stdout, fr); err != nil {
			return err
		}
	} else {
		for _, f := range fr.Files {
			render.FixDiff(g.stdout, f, g.color())
		}
	}
	for _, n := range fr.Notes {
		pos := n.File
		if n.Line > 0 {
			pos = fmt.Sprintf("%s:%d", n.File, n.Line)
		}
		rule := ""
		if n.Rule != "" {
			rule = n.Rule + " "
		}
		fmt.Fprintf(g.stderr, "note: %s: %s%s\n", safetext.Term(pos), rule, safetext.Term(n.Reason))
	}
	if write && g.inputFailures > 0 {
		// the images an unreadable compose or bake file builds are
		// unknown, and with them the contexts their Dockerfiles are
		// built with: a rewrite decided without them may not hold there
		// (review 30: stalwart's bake file, whose Dockerfiles were fixed
		// as if built alone)
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("nothing written: %d compose/bake files could not be read (see the errors above), so how their images are built is unknown; fix them and run again (the diff shows what would be written)", g.inputFailures)}
	}
	if write {
		failed, written := 0, 0
		for _, f := range fr.Files {
			if err := cmd.Context().Err(); err != nil {
				// interrupted: every file is as it was or fully written
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("interrupted: %d of %d files written", written, len(fr.Files))}
			}
			if err := writeFix(f, res.Root); err != nil {
				fmt.Fprintf(g.stderr, "error: %s: %v (not written)\n", f.Path, err)
				failed++
				continue
			}
			fmt.Fprintf(g.stderr, "wrote %s\n", f.Path)
			written++
		}
		if failed > 0 {
			return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d files could not be written", failed)}
		}
		// what the engine or a registry told of base images goes where
		// the next run and CI find it: the rewrite was decided on it
		if k, err := g.known(res.Root); err == nil {
			for _, im := range res.Images {
				k.Forget(append([]string{discover.LocalRef(im.Name)}, im.Tags...)...)
			}
			learned := k.Learned()
			p, err := k.Save()
			if err != nil {
				fmt.Fprintf(g.stderr, "error: %s: %v (not written)\n", baseimage.KnownFile, err)
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s could not be written", baseimage.KnownFile)}
			}
			if p != "" {
				fmt.Fprintf(g.stderr, "wrote %s: the configs of %s, which this fix was decided on; commit it (git add -f) so that every machine decides the same\n",
					baseimage.KnownFile, strings.Join(learned, ", "))
			}
		}
		if gateErr != nil {
			return &ExitError{Code: ExitFindings, Err: gateErr}
		}
		return parseErr()
	}
	if check && len(fr.Files) > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d files have fixes pending (run layerwise fix --write)", len(fr.Files))}
	}
	if gateErr != nil {
		return &ExitError{Code: ExitFindings, Err: gateErr}
	}
	return parseErr()
}

// writeFix writes one file atomically, keeping its owner, group and mode
// and writing through a symlink that stays inside root; a file that changed
// or vanished since it was read is refused.
func writeFix(f *fix.FileFix, root string) error {
	// the check on the resolved path comes before anything is read or a
	// directory created (a symlinked context directory points elsewhere)
	if _, err := atomicfile.Within(root, f.Abs); err != nil {
		return err
	}
	cur, err := safefile.ReadRegular(f.Abs, safefile.MaxManifest)
	switch {
	case f.Before == nil && err == nil:
		return errors.New("the file appeared since it was read")
	case f.Before != nil && errors.Is(err, fs.ErrNotExist):
		return errors.New("the file vanished since it was read")
	case f.Before != nil && err != nil:
		return err
	case f.Before != nil && string(cur) != string(f.Before):
		return errors.New("the file changed since it was read")
	}
	if f.Before == nil {
		// a new file may come with its directory (fix --shared-base)
		return atomicfile.WriteWithin(root, f.Abs, f.After, 0o644)
	}
	return atomicfile.Replace(f.Abs, f.After, root)
}

// fixableRules lists the rules with an automatic fix, from the registry.
func fixableRules() string {
	var ids []string
	for _, r := range rules.All() {
		if r.FixDockerfile != nil || r.FixesIgnore {
			ids = append(ids, r.ID)
		}
	}
	return strings.Join(ids, ", ")
}
