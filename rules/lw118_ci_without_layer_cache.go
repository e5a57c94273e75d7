package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
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
Docker's cache. A workflow that pushes nothing (a check that the images build) is reported as information, and so
is one whose images have no install or compile step a cache could keep as they stand (each follows a COPY of the
whole context or a build arg the workflow sets anew on each run): their order comes first (LW101, LW107); so is a
scheduled rebuild (a cron trigger, besides at most pushes limited to some paths), whose point is to pick up the
packages released since its last run, which a layer cache would hand it from the last one; and so is a job that
runs only when a commit message asks for it (an ` + "`if:`" + ` on the message's text), whose builds come weeks apart. Until it
has one, layerwise reports the images only CI builds with their order and mount findings
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
		helps  bool // some image has a step a layer cache would keep
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
		c.helps = c.helps || in.layerCacheHelps()
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
		msg := fmt.Sprintf("%s builds %s on fresh runners and imports and exports no layer cache: every job runs every step from nothing. Add cache-from/cache-to (type=gha or type=registry, mode=max)", f, strings.Join(names, ", "))
		if c.in.CIPlainDocker {
			// the docker driver of a plain `docker build` exports no cache
			msg += " with buildx (docker/setup-buildx-action, then docker/build-push-action or `docker buildx build`: a plain docker build's driver exports none)"
		}
		msg += "; `layerwise generate ci` writes such a job."
		var sev Severity
		switch {
		case c.in.CIRefresh:
			// a cache would reuse the layers the schedule means to renew
			sev = Info
			msg += " But it is a scheduled rebuild, whose point is to pick up the packages released since the last one: a layer cache would hand it the old layers (unless its base moved). Cache only builds on code changes, and keep the scheduled ones cold."
		case c.in.CIOnDemand:
			// months between builds: the base tags move and a gha cache
			// is evicted after a week idle (review 24)
			sev = Info
			msg += " But it builds only when a commit message asks for it: such builds come weeks apart, when the bases have moved and a GitHub cache has been evicted (7 days idle), so a layer cache would seldom serve them."
		case c.in.CIReleaseOnly:
			// GitHub scopes a cache to the ref that wrote it: a tag's run
			// reads its own and the default branch's, never the last
			// tag's (review 30: Exceptionless' arm64 release)
			sev = Info
			msg += " But it runs on release tags alone: a GitHub cache (type=gha) written by one tag's run is not read by the next tag's (a run reads the caches of its own ref and of the default branch), and releases come weeks apart; only a registry cache (type=registry) would carry layers from one release to the next."
		case !c.helps:
			// as they stand, every install follows a COPY of the whole
			// context or a per-run build arg: their order comes first
			sev = Info
			msg += " As the Dockerfiles stand no install or compile step could come from it (each follows a COPY of the whole context or a build arg each run sets): put the dependency steps first (LW101, LW107), then add the cache."
		case !c.in.CIPublishes:
			// a check that the images build, pushing nothing (a sample
			// repository's per-directory workflows): the cache pays only
			// where such checks run often, which the file does not say
			sev = Info
			msg += " It pushes nothing (a check that the images build): worth it where it runs often."
		}
		out = append(out, Finding{
			Image: c.in.Image, File: f, Severity: sev,
			Range:   dockerfile.Range{Start: dockerfile.Pos{Line: line, Col: 1}, End: dockerfile.Pos{Line: line, Col: 1}},
			Message: msg,
			Cost:    Cost{Invalidates: "every step of every image it builds, on every CI job", Basis: "static"},
		})
	}
	return out
}

// layerCacheHelps: some RUN of the image that installs or compiles more
// than a few small packages would come from a layer cache after a source
// change — no COPY of the whole
// context comes before it (`COPY * ./` then `go build`: every change
// re-runs it), and no build arg CI passes a new value on each run is
// declared before it (ARG VERSION before every RUN: review 14).
func (in *Input) layerCacheHelps() bool {
	if in.File == nil {
		return true
	}
	for _, s := range in.File.Stages {
		lineage := in.lineageInstructions(s)
		for _, x := range s.Instructions {
			insts := runInstalls(x)
			if len(insts) == 0 || wholeContextBetween(lineage, x) || perRunArgBefore(lineage, x, in.CIPerRunArgs) {
				continue
			}
			// a step of a few small packages costs seconds either way
			// (answer's runtime `apk add bash curl tzdata`: review 15)
			if !slices.ContainsFunc(insts, func(i *Install) bool { return !allSmall(x, i.Tool) }) {
				continue
			}
			return true
		}
	}
	return false
}

// perRunArgBefore: an ARG of one of the names comes before x in its
// stage's lineage (its value is in x's environment, so in its cache key).
func perRunArgBefore(ins []*dockerfile.Instruction, x *dockerfile.Instruction, names []string) bool {
	if len(names) == 0 {
		return false
	}
	for _, y := range ins {
		if y == x {
			return false
		}
		if c, ok := y.Cmd.(*instructions.ArgCommand); ok {
			for _, kv := range c.Args {
				if slices.Contains(names, kv.Key) {
					return true
				}
			}
		}
	}
	return false
}
