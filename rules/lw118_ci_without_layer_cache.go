package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// CIWithoutLayerCache is LW118.
var CIWithoutLayerCache = Register(&Rule{
	ID: "LW118", Name: "ci-without-layer-cache", Severity: Warning, Category: CatCache,
	Title: "CI builds images on fresh runners and keeps no layer cache",
	Cost:  "Every CI job runs every step of every image from nothing: the dependency installs, the compiles, the base image's packages — whatever the Dockerfiles' order or mounts.",
	Description: `Hosted CI gives each job a fresh builder. Without a layer cache imported at the start and exported at the end
(` + "`cache-from`/`cache-to`" + ` with ` + "`type=gha`" + ` or ` + "`type=registry`" + `, ` + "`mode=max`" + `), no step is ever cached
there: a one-line change rebuilds each image from its base. Add the cache to the build step (docker/build-push-action's
` + "`cache-from`" + ` and ` + "`cache-to`" + ` inputs, or ` + "`docker buildx build --cache-from ... --cache-to ...`" + `);
` + "`layerwise generate ci`" + ` writes such a job, and ` + "`layerwise build --cache-mounts`" + ` keeps the cache mounts too. A CI
file that builds with bake or compose, or that has a cache step of its own, is taken as keeping one (their files
may declare it); so is a self-hosted runner, and a CI other than GitHub's hosted runners, whose executors may keep
Docker's cache. Until it has one, layerwise reports the images only CI builds with their order and mount findings
as information: they pay once the cache exists.`,
	Bad: `- uses: docker/build-push-action@v6
  with:
    push: true
    tags: registry.example.com/api:latest`,
	Good: `- uses: docker/build-push-action@v6
  with:
    push: true
    tags: registry.example.com/api:latest
    cache-from: type=gha,scope=api
    cache-to: type=gha,scope=api,mode=max`,
	RepoCheck: checkCIWithoutLayerCache,
})

func checkCIWithoutLayerCache(ins []*Input) []Finding {
	type ci struct {
		in     *Input // the first image it builds
		images []string
	}
	byFile := map[string]*ci{}
	var files []string
	for _, in := range ins {
		if in.CIWorkflow == "" || !in.CIUncached {
			continue
		}
		c := byFile[in.CIWorkflow]
		if c == nil {
			c = &ci{in: in}
			byFile[in.CIWorkflow] = c
			files = append(files, in.CIWorkflow)
		}
		c.images = append(c.images, in.Image)
	}
	slices.Sort(files)
	var out []Finding
	for _, f := range files {
		c := byFile[f]
		names := c.images
		if len(names) > 4 {
			names = append(names[:4:4], fmt.Sprintf("%d more", len(c.images)-4))
		}
		line := max(c.in.CILine, 1)
		out = append(out, Finding{
			Image: c.in.Image, File: f,
			Range: dockerfile.Range{Start: dockerfile.Pos{Line: line, Col: 1}, End: dockerfile.Pos{Line: line, Col: 1}},
			Message: fmt.Sprintf("%s builds %s on fresh runners and imports and exports no layer cache: every job runs every step from nothing. Add cache-from/cache-to (type=gha or type=registry, mode=max); `layerwise generate ci` writes such a job.",
				f, strings.Join(names, ", ")),
			Cost: Cost{Invalidates: "every step of every image it builds, on every CI job", Basis: "static"},
		})
	}
	return out
}
