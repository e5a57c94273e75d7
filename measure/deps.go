package measure

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
)

// DepRef is the image reference under which a repository image that others
// build FROM (or take as a named context) is built: its first tag, or a
// local name when its compose service or bake target has none.
func DepRef(im *discover.Image) string {
	if len(im.Tags) > 0 {
		return im.Tags[0]
	}
	return "layerwise.local/" + sanitize(im.Name) + ":dep"
}

// Contexts resolves an image's named build contexts for a build request:
// local directories become absolute paths, a `service:NAME` or
// `target:NAME` reference becomes the image that BuildDeps built for it
// (`docker-image://REF`), images and URLs pass through. repo may be nil
// when the image refers to no other service or target.
func Contexts(repo *discover.Result, im *discover.Image) (map[string]string, error) {
	if len(im.AdditionalContexts) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for k, v := range im.AdditionalContexts {
		switch {
		case strings.HasPrefix(v, "service:") || strings.HasPrefix(v, "target:"):
			var dep *discover.Image
			if repo != nil {
				dep = repo.ContextImage(im, v)
			}
			if dep == nil {
				return nil, fmt.Errorf("%s: named context %s=%s refers to nothing defined beside it in %s", im.Name, k, v, im.SourceFile)
			}
			out[k] = "docker-image://" + DepRef(dep)
		case discover.IsLocalContext(v):
			out[k] = filepath.Join(im.Root, filepath.FromSlash(v))
		default: // images, OCI layouts, URLs: the builder resolves them
			out[k] = v
		}
	}
	return out, nil
}

// BuildDeps builds, once and unmeasured, every repository image that an
// image of ims builds FROM or takes as a named context (a shared base image,
// a bake `target:` context), in dependency order, so that the measured
// builds find them as a user's build would. Images that are themselves in
// ims are built too when another one depends on them: the measurement of
// an image is tagged apart and does not provide the dependency's tag.
func BuildDeps(ctx context.Context, b engine.Builder, repo *discover.Result, ims []*discover.Image, log io.Writer) error {
	needed := map[*discover.Image]bool{}
	var mark func(im *discover.Image)
	mark = func(im *discover.Image) {
		for _, d := range repo.Deps(im) {
			if !needed[d] {
				needed[d] = true
				mark(d)
			}
		}
	}
	for _, im := range ims {
		mark(im)
	}
	for _, dep := range repo.BuildOrder(ims) {
		if !needed[dep] {
			continue
		}
		if dep.Model == nil {
			return fmt.Errorf("%s is needed by another image but its Dockerfile could not be read", dep.Name)
		}
		df := dep.AbsDockerfile()
		if dep.DockerfileInline != "" {
			tmp, err := os.MkdirTemp("", "layerwise-inline-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			df = filepath.Join(tmp, "Dockerfile")
			if err := writeInline(df, dep.DockerfileInline); err != nil {
				return err
			}
		}
		contexts, err := Contexts(repo, dep)
		if err != nil {
			return err
		}
		if log != nil {
			fmt.Fprintf(log, "%s: building %s first (needed by another image; not measured)\n", dep.Name, DepRef(dep))
		}
		r, err := b.Build(ctx, engine.Request{ContextDir: dep.AbsContext(), Dockerfile: df, Target: dep.Target,
			BuildArgs: dep.Args, Contexts: contexts, Tag: DepRef(dep)})
		if err != nil {
			return err
		}
		if r.Failed() {
			return fmt.Errorf("building %s: %s", dep.Name, r.Err)
		}
	}
	return nil
}
