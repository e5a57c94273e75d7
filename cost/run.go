package cost

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/fix"
	"github.com/moby/patternmatcher/ignorefile"
)

// Options tune Run.
type Options struct {
	Since  time.Time
	Config *config.Config
	// StepSeconds reads an image's measured step durations (the history's
	// StepSeconds); nil prices every step statically.
	StepSeconds func(ctx context.Context, image string) (map[engine.StepKey]float64, error)
}

// Report is the expected rebuild cost of a repository's images over a
// window of its git history.
type Report struct {
	Root    string       `json:"root"`
	Since   time.Time    `json:"since"`
	Commits int          `json:"commits"`
	Images  []*ImageCost `json:"images"`
	// Notes say what could not be replayed, and why.
	Notes []string `json:"notes,omitempty"`
}

// Run replays the repository's commits since opt.Since against every
// image it builds from a Dockerfile, as it is and as `layerwise fix` would
// write it (computed in memory: nothing is written).
func Run(ctx context.Context, repo *discover.Repo, opt Options) (*Report, error) {
	commits, err := Commits(ctx, repo.Root, opt.Since)
	if err != nil {
		return nil, err
	}
	rep := &Report{Root: repo.Root, Since: opt.Since, Commits: len(commits)}
	fixes, err := fix.Run(ctx, repo, fix.Options{Config: opt.Config})
	if err != nil {
		return nil, err
	}
	byAbs := map[string]*fix.FileFix{}
	for _, f := range fixes.Files {
		byAbs[f.Abs] = f
	}
	for _, im := range repo.Images {
		if im.Model == nil || im.Dockerfile == "" || im.Error != nil {
			continue
		}
		ign, err := buildctx.FindIgnoreFile(im.AbsContext(), im.AbsDockerfile())
		if err != nil {
			rep.Notes = append(rep.Notes, im.Name+": "+err.Error())
			continue
		}
		naive := Build{Model: im.Model, Context: im.Context, Dockerfile: im.Dockerfile, Ignore: ign.Patterns, Target: im.Target}
		var fixed *Build
		df, ig := byAbs[im.AbsDockerfile()], byAbs[ignoreTarget(im, ign)]
		if df != nil || ig != nil {
			fb := naive
			if df != nil {
				m, err := dockerfile.Parse(im.Dockerfile, df.After, dockerfile.Options{BuildArgs: im.Args})
				if err != nil {
					rep.Notes = append(rep.Notes, im.Name+": the fixed Dockerfile does not parse: "+err.Error())
				} else {
					fb.Model = m
				}
			}
			if ig != nil {
				pats, err := ignorefile.ReadAll(strings.NewReader(string(ig.After)))
				if err == nil {
					fb.Ignore = pats
				}
			}
			fixed = &fb
		}
		var d Durations
		if opt.StepSeconds != nil {
			secs, err := opt.StepSeconds(ctx, im.Name)
			if err != nil {
				return nil, err
			}
			d = DurationsFrom(secs)
		}
		ic, err := Replay(im.Name, naive, fixed, d, commits)
		if err != nil {
			rep.Notes = append(rep.Notes, im.Name+": "+err.Error())
			continue
		}
		rep.Images = append(rep.Images, ic)
	}
	return rep, nil
}

// ignoreTarget is the ignore file a fix of im's context writes.
func ignoreTarget(im *discover.Image, ign *buildctx.IgnoreFile) string {
	if ign.Path != "" {
		return ign.Path
	}
	return filepath.Join(im.AbsContext(), ".dockerignore")
}
