// Package build builds the images of a repository along their dependency
// graph: an image starts as soon as the repository images it builds FROM
// (or takes as a named context) are built, several at once, on one or more
// builders. measure and bench use it to build, unmeasured, the images the
// measured ones depend on.
package graphbuild

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/stepinputs"
)

// Statuses of an Outcome.
const (
	Built   = "built"
	Failed  = "failed"
	Skipped = "skipped" // a dependency failed
	Planned = "planned" // DryRun
)

// Options tune Run.
type Options struct {
	// Builders run the builds. An image goes to the builder of its first
	// in-repository dependency, so that the dependency is in the image
	// store the build reads it from; images without one are spread over
	// the builders in turn.
	Builders []engine.Builder
	// Parallel bounds the builds running at once (default: 2 per builder).
	Parallel int
	NoCache  bool
	// Push pushes every image to the registry its tag names (buildx and
	// BuildKit client backends): how images built on one builder reach
	// another, and how they leave a builder outside the Docker Engine.
	Push bool
	// Load loads every image into the Docker Engine from a builder
	// outside it (buildx remote or docker-container drivers).
	Load bool
	// CacheFromTo passes the images' cache_from/cache_to (compose,
	// bake) to the builder. Cache, when its Kind is set, gives every
	// image its cache settings instead (layerwise build --build-cache).
	CacheFromTo bool
	Cache       Cache
	// Platforms builds every image for these platforms (an index; push it
	// to a registry, since a builder's exporter to the engine takes one).
	Platforms []string
	// History, when set, receives every build (scenario "build").
	History *history.Store
	Git     history.Git
	Host    string
	// CacheMounts, when set, restores each image's RUN --mount=type=cache
	// directories from this store before its build (a fresh builder has
	// them empty) and saves them after its build succeeds (package
	// cachemount), with CacheMountOptions (branch, cap, helper).
	CacheMounts       cachemount.Store
	CacheMountOptions cachemount.Options
	// Log receives a line as each image starts and ends; may be nil.
	Log io.Writer
}

// Outcome is what happened to one image.
type Outcome struct {
	Image   string   `json:"image"`
	Tag     string   `json:"tag"`
	Builder string   `json:"builder"`
	Deps    []string `json:"deps,omitempty"`
	Status  string   `json:"status"`
	Error   string   `json:"error,omitempty"`
	// Waited is the time from the start of the run until the build
	// started: its dependencies and a free slot.
	Waited time.Duration  `json:"waitedNs"`
	Result *engine.Result `json:"result,omitempty"`
	// CacheMounts is what the restore before the build and the save after
	// it did with the image's cache mounts (Options.CacheMounts).
	CacheMounts *cachemount.Report `json:"cacheMounts,omitempty"`
	// CacheImportFailed is the error of a cache import the builder failed
	// the build on; the build then ran again without its cache imports.
	CacheImportFailed string `json:"cacheImportFailed,omitempty"`
}

// Report is the result of Run.
type Report struct {
	Outcomes []*Outcome `json:"outcomes"`
	// Wall is the whole run. BuildSum adds up the builds' wall times: builds
	// that ran side by side slowed each other down, so it overstates what
	// a serial run would take (only a measured -j 1 run says that).
	Wall     time.Duration `json:"wallNs"`
	BuildSum time.Duration `json:"buildSumNs"`
	// CriticalPath is the chain of dependent builds with the longest total
	// build time in this run (dependencies first), and Critical that
	// total: no schedule of these builds, at these durations, ends sooner.
	CriticalPath []string      `json:"criticalPath,omitempty"`
	Critical     time.Duration `json:"criticalNs,omitempty"`
	// DryRun: nothing was built (see DryRun).
	DryRun bool `json:"dryRun,omitempty"`
}

// Failed counts the images that were not built.
func (r *Report) Failed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status != Built {
			n++
		}
	}
	return n
}

// Ref is the image reference an image is built under: its first tag, or a
// local name when its Dockerfile, compose service or bake target gives
// none (discover.LocalRef; images FROM it find it by that name). Named
// contexts that refer to it (`service:`, `target:`) resolve to this
// reference.
func Ref(im *discover.Image) string {
	if len(im.Tags) > 0 {
		return im.Tags[0]
	}
	return discover.LocalRef(im.Name)
}

// Sanitize turns an image name into a valid repository path component.
func Sanitize(name string) string { return discover.Sanitize(name) }

// Contexts resolves an image's named build contexts for a build request:
// local directories become absolute paths, a `service:NAME` or
// `target:NAME` reference becomes the image built for it
// (`docker-image://` Ref), images and URLs pass through. repo may be nil
// when the image refers to no other service or target.
func Contexts(repo *discover.Repo, im *discover.Image) (map[string]string, error) {
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
			out[k] = "docker-image://" + Ref(dep)
		case discover.IsLocalContext(v):
			out[k] = filepath.Join(im.Root, filepath.FromSlash(v))
		default: // images, OCI layouts, URLs: the builder resolves them
			out[k] = v
		}
	}
	return out, nil
}

// Plan returns the images to build for the selected ones: those and every
// repository image they depend on, each after its dependencies.
func Plan(repo *discover.Repo, images []*discover.Image) []*discover.Image {
	return repo.BuildOrder(images)
}

// DryRun reports what Run would do with builders of these names, building
// nothing and asking no builder: the images in order, their tags,
// builders and dependencies, with status "planned" (or failed, for images
// in a dependency cycle).
func DryRun(repo *discover.Repo, images []*discover.Image, builders []string) *Report {
	if len(builders) == 0 {
		builders = []string{"(current)"}
	}
	_, _, rep, _ := schedule(repo, images, builders)
	rep.DryRun = true
	for _, o := range rep.Outcomes {
		if o.Status == "" {
			o.Status = Planned
		}
	}
	return rep
}

// schedule orders the images, assigns each a builder (its first
// dependency's, so that the dependency is in the image store the build
// reads; the others in turn) and fails the images in a dependency cycle,
// which cannot be built (each would wait for the other).
func schedule(repo *discover.Repo, images []*discover.Image, builders []string) ([]*discover.Image, map[*discover.Image]int, *Report, map[*discover.Image]string) {
	plan := Plan(repo, images)
	builderOf := map[*discover.Image]int{}
	next := 0
	rep := &Report{}
	for _, im := range plan {
		o := &Outcome{Image: im.Name, Tag: Ref(im)}
		deps := repo.Deps(im)
		for _, d := range deps {
			o.Deps = append(o.Deps, d.Name)
		}
		if len(deps) > 0 {
			builderOf[im] = builderOf[deps[0]]
		} else {
			builderOf[im] = next % len(builders)
			next++
		}
		o.Builder = builders[builderOf[im]]
		rep.Outcomes = append(rep.Outcomes, o)
	}
	inCycle := cycles(repo, plan)
	for i, im := range plan {
		if cycle, ok := inCycle[im]; ok {
			rep.Outcomes[i].Status, rep.Outcomes[i].Error = Failed, "in a dependency cycle: "+cycle
		}
	}
	return plan, builderOf, rep, inCycle
}

// Run builds the selected images and the repository images they depend
// on. A build that fails fails its dependents (skipped) and nothing else.
// The error is for the run itself (cancelled, no builder).
func Run(ctx context.Context, repo *discover.Repo, images []*discover.Image, opt Options) (*Report, error) {
	if len(opt.Builders) == 0 {
		return nil, fmt.Errorf("no builder")
	}
	parallel := opt.Parallel
	if parallel < 1 {
		parallel = 2 * len(opt.Builders)
	}
	infos := make([]engine.Info, len(opt.Builders))
	for i, b := range opt.Builders {
		info, err := b.Info(ctx)
		if err != nil {
			return nil, err
		}
		infos[i] = info
	}
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = info.Builder
	}
	plan, builderOf, rep, inCycle := schedule(repo, images, names)
	outcome := map[*discover.Image]*Outcome{}
	done := map[*discover.Image]chan struct{}{}
	for i, im := range plan {
		outcome[im] = rep.Outcomes[i]
		done[im] = make(chan struct{})
	}
	for im := range inCycle {
		close(done[im])
	}

	start := time.Now()
	hasher := stepinputs.NewHasher()
	slots := make(chan struct{}, parallel)
	var mu sync.Mutex // Log, History, rep.BuildSum
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			mu.Lock()
			fmt.Fprintf(opt.Log, format+"\n", a...)
			mu.Unlock()
		}
	}
	cmOpt := opt.CacheMountOptions
	if opt.Log != nil {
		cmOpt.Log = writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return opt.Log.Write(p)
		})
	}
	var wg sync.WaitGroup
	var runErr error
	var errOnce sync.Once
	for _, im := range plan {
		if _, ok := inCycle[im]; ok {
			continue // failed above
		}
		wg.Add(1)
		go func(im *discover.Image) {
			defer wg.Done()
			defer close(done[im])
			o := outcome[im]
			for _, d := range repo.Deps(im) {
				<-done[d]
				if outcome[d].Status != Built {
					o.Status, o.Error = Skipped, fmt.Sprintf("%s was not built", d.Name)
					logf("%s: skipped (%s)", im.Name, o.Error)
					return
				}
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				o.Status, o.Error = Failed, ctx.Err().Error()
				return
			}
			defer func() { <-slots }()
			o.Waited = time.Since(start)
			b := opt.Builders[builderOf[im]]
			// what the steps read, for `layerwise why` (before the build:
			// what it sent)
			var in *history.Inputs
			if opt.History != nil && im.DockerfileInline == "" {
				var baseID func(string) string
				if store, ok := b.(engine.ImageStore); ok {
					baseID = stepinputs.BaseIDs(ctx, store)
				}
				var err error
				if in, err = stepinputs.Of(ctx, im, hasher, baseID); err != nil {
					logf("%s: the steps' inputs are not recorded: %v", im.Name, err)
				}
			}
			if opt.CacheMounts != nil && im.Model != nil {
				// a cache never fails a build: what went wrong is reported
				cm, err := cachemount.Restore(ctx, b, im, opt.CacheMounts, cmOpt)
				if err != nil {
					logf("%s: cache mounts not restored: %v", im.Name, err)
				}
				o.CacheMounts = cm
			}
			logf("%s: building %s on %s", im.Name, o.Tag, o.Builder)
			res, importErr, err := buildOne(ctx, repo, im, b, o.Tag, opt)
			if importErr != "" {
				o.CacheImportFailed = importErr
				logf("%s: the builder failed the build on its cache import (%s); built again without cache imports", im.Name, importErr)
			}
			if err != nil {
				o.Status, o.Error = Failed, err.Error()
				if ctx.Err() != nil {
					errOnce.Do(func() { runErr = ctx.Err() })
				}
				logf("%s: failed: %s", im.Name, o.Error)
				return
			}
			o.Result = res
			mu.Lock()
			rep.BuildSum += res.Wall
			mu.Unlock()
			if opt.History != nil {
				hb := &history.Build{StartedAt: start.Add(o.Waited), Image: im.Name, Scenario: "build", Repetition: 1, Dockerfile: im.Dockerfile,
					Git: opt.Git, Host: opt.Host, Builder: infos[builderOf[im]], Result: *res, Inputs: in}
				mu.Lock()
				_, err := opt.History.Append(ctx, hb)
				mu.Unlock()
				if err != nil {
					errOnce.Do(func() { runErr = fmt.Errorf("recording the build in %s: %w", opt.History.Path, err) })
				}
			}
			if res.Failed() {
				o.Status, o.Error = Failed, res.Err
				if h := engine.Hint(res.Err); h != "" {
					o.Error += "\n" + h
				}
				logf("%s: failed: %s", im.Name, res.Err)
				return
			}
			o.Status = Built
			logf("%s: built in %.1f s (%.0f%% of steps cached)", im.Name, res.Wall.Seconds(), 100*res.CacheHitRatio)
			if opt.CacheMounts != nil && o.CacheMounts != nil && o.CacheMounts.Error == "" {
				cm, err := cachemount.Save(ctx, b, im, opt.CacheMounts, cmOpt, o.CacheMounts)
				if err != nil {
					logf("%s: cache mounts not saved: %v", im.Name, err)
				}
				if cm != nil {
					o.CacheMounts = cm
				}
			}
		}(im)
	}
	wg.Wait()
	rep.Wall = time.Since(start)
	rep.CriticalPath, rep.Critical = criticalPath(repo, plan, outcome)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, runErr
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// buildOne runs one build; an inline Dockerfile is written to a temporary
// file for it. A build the builder failed on a cache import runs again
// without its cache imports, and importErr is that failure: Docker Engine
// 20.10's builder (BuildKit 0.8) fails a build whose cache source is
// missing, as an inline cache read back from the image's own tag is before
// the image's first push, where newer BuildKit only marks the import
// vertex failed. A cache is never worth a failed build.
func buildOne(ctx context.Context, repo *discover.Repo, im *discover.Image, b engine.Builder, tag string, opt Options) (res *engine.Result, importErr string, err error) {
	if im.Model == nil {
		return nil, "", fmt.Errorf("its Dockerfile could not be read or parsed")
	}
	contexts, err := Contexts(repo, im)
	if err != nil {
		return nil, "", err
	}
	df := im.AbsDockerfile()
	if im.DockerfileInline != "" {
		tmp, err := os.MkdirTemp("", "layerwise-inline-")
		if err != nil {
			return nil, "", err
		}
		defer os.RemoveAll(tmp)
		df = filepath.Join(tmp, "Dockerfile")
		if err := os.WriteFile(df, []byte(im.DockerfileInline), 0o644); err != nil {
			return nil, "", err
		}
	}
	req := engine.Request{ContextDir: im.AbsContext(), Dockerfile: df, Target: im.Target, BuildArgs: im.Args,
		Contexts: contexts, NoCache: opt.NoCache, Tag: tag, Push: opt.Push, Load: opt.Load, Platforms: opt.Platforms}
	if opt.CacheFromTo {
		req.CacheFrom, req.CacheTo = im.CacheFrom, im.CacheTo
	}
	if opt.Cache.Kind != "" {
		req.CacheFrom, req.CacheTo = opt.Cache.ForImage(im)
		if opt.Cache.Kind == CacheLocal {
			// local cache paths are the repository's: absolute for the builder
			for i, v := range req.CacheFrom {
				req.CacheFrom[i] = strings.Replace(v, "src=.layerwise", "src="+filepath.Join(repo.Root, ".layerwise"), 1)
			}
			for i, v := range req.CacheTo {
				req.CacheTo[i] = strings.Replace(v, "dest=.layerwise", "dest="+filepath.Join(repo.Root, ".layerwise"), 1)
			}
		}
	}
	res, err = b.Build(ctx, req)
	if err != nil || !res.Failed() || len(req.CacheFrom) == 0 || !CacheImportError(res.Err) {
		return res, "", err
	}
	importErr = res.Err
	req.CacheFrom = nil
	res, err = b.Build(ctx, req)
	return res, importErr, err
}

// CacheImportError says whether a build's error is BuildKit failing to
// import a cache ("importing cache manifest from REF: ...", the vertex
// BuildKit names so), not a failure of the build's own steps.
func CacheImportError(msg string) bool {
	return strings.HasPrefix(msg, "importing cache manifest from ") ||
		strings.Contains(msg, ": importing cache manifest from ")
}

// cycles finds the images of the plan that depend on themselves through
// other images, each with the cycle written out ("a -> b -> a").
func cycles(repo *discover.Repo, plan []*discover.Image) map[*discover.Image]string {
	out := map[*discover.Image]string{}
	for im, cycle := range repo.Graph().Cycles(plan) {
		names := make([]string, len(cycle))
		for i, c := range cycle {
			names[i] = c.Name
		}
		out[im] = strings.Join(names, " -> ")
	}
	return out
}

// criticalPath is the chain of dependent images whose measured build times
// add up to the most (plan lists dependencies before dependents). Images
// not built weigh nothing.
func criticalPath(repo *discover.Repo, plan []*discover.Image, outcome map[*discover.Image]*Outcome) ([]string, time.Duration) {
	path, total := repo.Graph().Longest(plan, func(im *discover.Image) time.Duration {
		if o := outcome[im]; o != nil && o.Result != nil {
			return o.Result.Wall
		}
		return 0
	})
	var names []string
	for _, im := range path {
		names = append(names, im.Name)
	}
	return names, total
}
