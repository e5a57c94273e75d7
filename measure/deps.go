package measure

import (
	"context"
	"fmt"
	"io"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
)

// BuildDeps builds, once and unmeasured, every repository image that an
// image of ims builds FROM or takes as a named context (a shared base image,
// a bake `target:` context), in dependency order, so that the measured
// builds find them as a user's build would. Images that are themselves in
// ims are built too when another one depends on them: the measurement of
// an image is tagged apart and does not provide the dependency's tag.
func BuildDeps(ctx context.Context, b engine.Builder, repo *discover.Repo, ims []*discover.Image, log io.Writer) error {
	deps := repo.Graph().Needs(ims)
	if len(deps) == 0 {
		return nil
	}
	if log != nil {
		fmt.Fprintf(log, "building the images the measured ones need first (not measured)\n")
	}
	rep, err := graphbuild.Run(ctx, repo, deps, graphbuild.Options{Builders: []engine.Builder{b}, Log: log})
	if err != nil {
		return err
	}
	for _, o := range rep.Outcomes {
		if o.Status != graphbuild.Built {
			return fmt.Errorf("building %s, which another image needs: %s", o.Image, o.Error)
		}
	}
	return nil
}
