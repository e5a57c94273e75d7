// Package discover finds every image a repository builds: Dockerfiles by
// name, compose services with a build section (through compose-go, so
// extends, overrides and interpolation work as in `docker compose`), and the
// build context of each.
//
// docker-bake files (docker-bake.hcl/.json and their overrides) are read
// through the user's own `docker buildx bake --print` (see bakeImages).
package discover

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/internal/dirlist"
	"github.com/layerwise/layerwise/internal/par"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/moby/patternmatcher"
	"gopkg.in/yaml.v3"

	"github.com/distribution/reference"
	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/graph"
)

// Source says where an image's definition came from.
const (
	SourceDockerfile = "dockerfile" // found by name; context inferred
	SourceCompose    = "compose"
)

// Image is one image the repository builds.
type Image struct {
	Name string `json:"name"`
	// Dockerfile and Context are paths relative to the repository root
	// ('/'-separated); DockerfileInline holds a compose dockerfile_inline.
	Dockerfile       string `json:"dockerfile"`
	DockerfileInline string `json:"dockerfileInline,omitempty"`
	Context          string `json:"context"`
	// ContextInferred is true when no compose file names the context and
	// layerwise chose it (see InferContext).
	ContextInferred bool   `json:"contextInferred,omitempty"`
	ContextNote     string `json:"contextNote,omitempty"`
	Target          string `json:"target,omitempty"`
	// Healthcheck: the compose service decides its healthcheck (one of
	// its own, or disable: true), in place of the Dockerfile's HEALTHCHECK.
	Healthcheck bool `json:"healthcheck,omitempty"`
	// MountsSources: the compose service bind-mounts its build context
	// into the container: a development image
	// that runs the sources as they are edited, with its toolchain.
	MountsSources bool `json:"mountsSources,omitempty"`
	// RunsTests: a compose service of the image runs a test suite in it
	// (its command is npm test, pytest, go test...).
	RunsTests bool `json:"runsTests,omitempty"`
	// User is the compose service's user:, which the container runs as in
	// place of the image's USER.
	User string            `json:"user,omitempty"`
	Args map[string]string `json:"args,omitempty"`
	// ArgsFromEnvFile are the build args whose values were interpolated
	// from an env file (.env): listings print them masked.
	ArgsFromEnvFile []string `json:"-"`
	// Source is "dockerfile", "compose" or "bake"; SourceFile the compose
	// or (first) bake file.
	Source             string            `json:"source"`
	SourceFile         string            `json:"sourceFile,omitempty"`
	Tags               []string          `json:"tags,omitempty"`
	AdditionalContexts map[string]string `json:"additionalContexts,omitempty"`
	CacheFrom          []string          `json:"cacheFrom,omitempty"`
	CacheTo            []string          `json:"cacheTo,omitempty"`
	Stages             []StageInfo       `json:"stages"`
	// Needs names the repository images this one builds FROM, copies from
	// or takes as a named context (see Repo.Deps): they build first.
	Needs []string `json:"needs,omitempty"`
	// NoMounts says why a builder that builds the image rejects RUN
	// --mount or always starts its cache mounts empty ("" when nothing
	// says so): skaffold's kaniko or classic builder, Cloud Build's
	// default docker step, bashbrew, a CI that builds with kaniko.
	// SuppliedArgs are the build args that build always passes
	// (skaffold's `requires`, or a build script's or workflow's
	// --build-arg/build-args by name). Discover sets both.
	NoMounts     string          `json:"noMounts,omitempty"`
	SuppliedArgs map[string]bool `json:"-"`
	// CI is the repository's CI configuration that builds this image, as
	// far as its text says: it names the Dockerfile (or its directory, for
	// one called Dockerfile), runs compose or bake for an image they
	// declare, or builds at all for the root's Dockerfile. "" otherwise.
	CI string `json:"ci,omitempty"`
	// CILine is the line of CI where it builds images; CIUncached that CI
	// imports and exports no layer cache there (no cache-from/cache-to,
	// no cache step): each job builds every step from nothing.
	CILine     int  `json:"ciLine,omitempty"`
	CIUncached bool `json:"ciUncached,omitempty"`
	// CIFresh: that CI runs on fresh runners (GitHub's hosted ones), where
	// every cache mount starts empty, with a layer cache or without.
	CIFresh bool `json:"ciFresh,omitempty"`
	// CIPublishes: that CI pushes images (not only checks that they
	// build); CIPerRunArgs: the build args it passes a value that changes
	// from run to run (`VERSION=${{ inputs.version }}`, `--build-arg
	// SHA=$GITHUB_SHA`), which miss every layer cache after their ARG.
	CIPublishes  bool     `json:"ciPublishes,omitempty"`
	CIPerRunArgs []string `json:"ciPerRunArgs,omitempty"`
	// CIPlainDocker: that CI builds with a plain `docker build` and sets
	// up no buildx, whose default driver exports no cache.
	CIPlainDocker bool `json:"ciPlainDocker,omitempty"`
	// CIRefresh: that CI is a scheduled rebuild (cron, besides at most
	// pushes limited to some paths), whose point is to pick up the
	// packages released since: a layer cache would hand it the old ones.
	CIRefresh bool `json:"ciRefresh,omitempty"`
	// CIOnDemand: that CI's build job runs only when a commit message
	// asks for it (`if: contains(github.event.head_commit.message, 'build
	// x')`): rare builds, months apart, that a layer cache seldom serves.
	CIOnDemand bool `json:"ciOnDemand,omitempty"`
	// CIReleaseOnly: that CI builds on release tags alone (pushes of
	// tags, releases), never on a branch or a pull request.
	CIReleaseOnly bool `json:"ciReleaseOnly,omitempty"`
	// CIPersistedMounts are the cache mount targets that CI carries from
	// one job to the next itself (a "cache dance").
	CIPersistedMounts []string `json:"ciPersistedMounts,omitempty"`
	// CIPersistentBuilder: that CI builds on builders that keep their
	// state between jobs (Depot, Namespace, Blacksmith): cache mounts too.
	CIPersistentBuilder bool `json:"ciPersistentBuilder,omitempty"`
	// CIFinalStageCache: that CI's layer cache keeps the final image's
	// layers alone (an inline cache, or cache-to without mode=max): the
	// steps of the other stages are never reused by its next job.
	CIFinalStageCache bool `json:"ciFinalStageCache,omitempty"`
	// CINoCache: that CI builds (on some runs at least) with no-cache —
	// a policy that cache mounts, which --no-cache leaves alone, defeat on
	// a builder that keeps them.
	CINoCache bool `json:"ciNoCache,omitempty"`
	// LocalBuild: something outside CI builds the image too — compose or
	// bake declare it, or a script, Makefile or README near it names it.
	LocalBuild bool `json:"localBuild,omitempty"`
	// NoLayerCache names the file that builds the image with --no-cache
	// wherever it builds it locally (a Makefile's DOCKERBUILD): no build
	// reuses a layer of the last one ("" otherwise).
	NoLayerCache string `json:"noLayerCache,omitempty"`
	// Unreferenced: a Dockerfile found by name whose name is not the
	// default (Dockerfile.nomultistage, old.Dockerfile) and that no file
	// which could build it mentions (see buildConfigs.mentioned): nothing
	// in the repository builds it.
	Unreferenced bool `json:"unreferenced,omitempty"`
	// BuiltOnce says why the image is built once rather than per change
	// ("" when something may rebuild it): a Dockerfile found by name that
	// no CI builds and that only documents build (a tutorial's `docker
	// build -t "{username}/x" --push .`, which each reader runs once), or,
	// among a repository's many samples, that nothing at all builds.
	// Speed advice informs there rather than warns (review 18).
	BuiltOnce string `json:"builtOnce,omitempty"`
	// Error is set when the Dockerfile could not be read or parsed.
	Error *dockerfile.Error `json:"error,omitempty"`
	// Refused is set when the definition names a path outside the
	// repository (see confine): nothing of the image is read or walked.
	Refused string `json:"refused,omitempty"`

	// Model is the parsed Dockerfile (nil when Error is set).
	Model *dockerfile.File `json:"-"`
	// BaseImages are the inspected configs of its external base images.
	BaseImages map[string]dockerfile.ImageConfig `json:"-"`
	// Root is the absolute repository root the relative paths refer to.
	Root string `json:"-"`
}

// StageInfo summarises a stage for listings.
type StageInfo struct {
	Index int    `json:"index"`
	Name  string `json:"name,omitempty"`
	Base  string `json:"base"`
	// BaseStage is the index of the stage built FROM, -1 for an image.
	BaseStage int `json:"baseStage"`
}

// AbsDockerfile and AbsContext return absolute paths.
func (im *Image) AbsDockerfile() string {
	if im.Dockerfile == "" {
		return ""
	}
	return filepath.Join(im.Root, filepath.FromSlash(im.Dockerfile))
}

func (im *Image) AbsContext() string { return filepath.Join(im.Root, filepath.FromSlash(im.Context)) }

// Repo is the model of a repository: the images Discover found and how
// they depend on each other. (A run's output is a Report: audit.Report,
// verify.Report, build.Report; engine.Result is the outcome of one build.)
type Repo struct {
	Root   string   `json:"root"`
	Images []*Image `json:"images"`
	// Warnings about unset variables, remote contexts and the like; each
	// names its file.
	Warnings []string `json:"warnings,omitempty"`
	// Failed are compose and bake files that could not be read at all:
	// the images they declare are missing, so every command exits 1.
	Failed []string `json:"failed,omitempty"`
	// CIWorkflow is the repository's first CI configuration that builds
	// images (.gitlab-ci.yml, a root cloudbuild.yaml or Jenkinsfile, a
	// GitHub workflow running docker/build-push-action, bake or docker
	// build): there every job gets a fresh builder, whose cache mounts
	// start empty. "" when none does. (Image.CI: the one that builds an
	// image.)
	CIWorkflow string `json:"ciWorkflow,omitempty"`
	// Published are the names (without tag, familiar form; "*/name" when
	// the owner is an expression) that the repository's CI workflows and
	// build scripts tag: see Publishes.
	Published []string `json:"published,omitempty"`
	// ComposeEnv are the literal KEY=VALUE pairs the repository's compose
	// files set in their services' environment, sorted: values it
	// publishes itself (a demo database's POSTGRES_PASSWORD=postgres).
	// (Not printed: a committed value may still be one nobody should see
	// in a CI log.)
	ComposeEnv []string `json:"-"`

	// variableTags: a build script or workflow tags an image with a
	// name that is a variable (prefixedDirImage).
	variableTags bool
	// dirNames are the names of the directories holding the images'
	// Dockerfiles (prefixedDirImage), indexed once with byTag.
	dirNames map[string]bool

	// byTag indexes the images by their normalised tags; finish builds it
	// once, since Deps runs for every image (and again for each build).
	byTag map[string]*Image
}

// Errors returns the images whose Dockerfile could not be modelled.
func (r *Repo) Errors() []*Image {
	var out []*Image
	for _, im := range r.Images {
		if im.Error != nil {
			out = append(out, im)
		}
	}
	return out
}

// skipDirs are never searched for Dockerfiles: dependency trees and VCS
// metadata hold other projects' Dockerfiles, not this repository's.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, "vendor": true,
	".venv": true, "venv": true, "__pycache__": true, ".terraform": true,
	".layerwise": true, ".idea": true, ".vscode": true, "bower_components": true,
	".tox": true, ".mypy_cache": true, ".pytest_cache": true, "target": true,
}

// IsDockerfileName reports whether a base name is a Dockerfile by the
// conventions docker and podman users follow.
func IsDockerfileName(name string) bool {
	switch {
	case name == "Dockerfile" || name == "Containerfile" || name == "dockerfile":
		return true
	case strings.HasSuffix(name, ".dockerignore"), notDockerfileExt[strings.ToLower(path.Ext(name))]:
		// Dockerfile_Tips.md is a slide deck, Dockerfile.sh a script
		// (review 21)
		return false
	case strings.HasPrefix(name, "Dockerfile.") || strings.HasPrefix(name, "Containerfile."),
		strings.HasPrefix(name, "Dockerfile-") || strings.HasPrefix(name, "Dockerfile_") || strings.HasPrefix(name, "Containerfile-"):
		return true
	case strings.HasSuffix(name, ".Dockerfile") || strings.HasSuffix(name, ".dockerfile") || strings.HasSuffix(name, ".Containerfile"):
		return true
	}
	return false
}

// notDockerfileExt are extensions that make a file named like a Dockerfile
// something else: a document, data, a script, code, an editor's or a
// patch's leftover.
var notDockerfileExt = map[string]bool{
	".md": true, ".markdown": true, ".rst": true, ".adoc": true, ".txt": true, ".html": true, ".htm": true, ".pdf": true,
	".json": true, ".yml": true, ".yaml": true, ".toml": true, ".xml": true, ".csv": true,
	".sh": true, ".bash": true, ".ps1": true, ".bat": true, ".py": true, ".go": true, ".js": true, ".ts": true, ".rb": true,
	".png": true, ".svg": true, ".jpg": true, ".gif": true,
	".bak": true, ".orig": true, ".rej": true, ".swp": true, ".patch": true, ".diff": true, ".lock": true,
}

// Options tune discovery.
type Options struct {
	// Env is extra environment for compose interpolation (KEY=VALUE);
	// the process environment and .env files are used as compose does.
	Env []string
	// BaseImages, when set, returns the configs of the base images it can
	// inspect (baseimage.Resolver.Configs): each Dockerfile is then modelled
	// with its bases' user and environment.
	BaseImages func(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig
	// Docker is the docker CLI that reads bake files (default "docker").
	Docker string
	// Exclude holds .dockerignore-syntax patterns (relative to the root):
	// Dockerfiles they match are not discovered by name (config.Exclude).
	Exclude []string
	// Listings, when set, receives the listing of every directory the walk
	// reads, for a context walk right after (buildctx.WalkOptions.Listings).
	Listings *dirlist.Cache
}

// Discover lists the images built in the repository at root. root may also
// be a single Dockerfile.
func Discover(ctx context.Context, root string, opt Options) (*Repo, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	if !st.IsDir() {
		// A single Dockerfile: the repository is its directory.
		dir := filepath.Dir(abs)
		res := &Repo{Root: dir}
		im := dockerfileImage(dir, abs)
		res.Images = append(res.Images, im)
		finish(res)
		withBaseImages(ctx, res, opt)
		return res, nil
	}
	res := &Repo{Root: abs}
	var excluded *patternmatcher.PatternMatcher
	if len(opt.Exclude) > 0 {
		if excluded, err = patternmatcher.New(opt.Exclude); err != nil {
			return nil, fmt.Errorf("exclude: %w", err)
		}
	}
	sc, err := scan(ctx, abs, excluded, opt.Listings)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, sc.warnings...)
	dockerfiles, composeDirs, bakeDirs := sc.dockerfiles, sc.composeDirs, sc.bakeDirs
	covered := map[string]bool{} // Dockerfiles some compose service or bake target builds
	add := func(ims []*Image, warns []string) {
		for _, w := range warns {
			if msg, ok := strings.CutPrefix(w, failedMark); ok {
				res.Failed = append(res.Failed, msg)
			} else {
				res.Warnings = append(res.Warnings, w)
			}
		}
		for _, im := range ims {
			if im.Dockerfile != "" {
				covered[im.Dockerfile] = true
			}
			res.Images = append(res.Images, im)
		}
	}
	var composeEnv []string
	for _, dir := range composeDirs {
		add(composeImages(ctx, abs, dir, opt.Env, &composeEnv))
	}
	// compose files of other names (docker-compose.dev.yml): after the
	// default ones, so that a service both declare alike is the default
	// file's (dedupeImages); one that does not load on its own is a
	// fragment of another and adds nothing. At most maxOtherCompose are
	// loaded: a repository of thousands must not cost thousands of loads.
	// (bounded in bytes too: compose-go's load costs services × build, so
	// 50 files of 450 KB would take half an hour — review)
	var otherBytes int64
	for i, f := range sc.composeFiles {
		if i >= maxOtherCompose || otherBytes > maxOtherComposeBytes {
			break
		}
		fi, err := os.Lstat(f)
		if err != nil || fi.Size() > maxOtherComposeBytes/4 {
			continue
		}
		otherBytes += fi.Size()
		add(otherComposeImages(ctx, abs, f, opt.Env, &composeEnv), nil)
	}
	slices.Sort(composeEnv)
	res.ComposeEnv = slices.Compact(composeEnv)
	for _, dir := range bakeDirs {
		ims, warns := bakeImages(ctx, abs, dir, opt)
		// bake merged the directory's compose file with its own: its
		// definition of a service wins over compose-go's
		byName := map[string]bool{}
		for _, im := range ims {
			byName[im.Name] = true
		}
		kept := res.Images[:0]
		for _, im := range res.Images {
			if im.Source == SourceCompose && byName[im.Name] && filepath.Dir(filepath.Join(abs, im.SourceFile)) == dir {
				continue
			}
			kept = append(kept, im)
		}
		res.Images = kept
		add(ims, warns)
	}
	var byNameOnly []string
	for _, p := range dockerfiles {
		if !covered[rel(abs, p)] {
			byNameOnly = append(byNameOnly, p)
		}
	}
	res.Images = append(res.Images, parallelImages(abs, byNameOnly)...)
	finish(res)
	withBaseImages(ctx, res, opt)
	return res, nil
}

// dedupeImages keeps one image per service name and build (Dockerfile,
// inline Dockerfile, context, target, args, named contexts): the same
// service named by several compose files (a base file and its variants in
// other directories) is one image, its tags merged.
func dedupeImages(ims []*Image) []*Image {
	key := func(im *Image) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%s\x00%s", im.Name, im.Dockerfile, im.DockerfileInline, im.Context, im.Target)
		for _, m := range []map[string]string{im.Args, im.AdditionalContexts} {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "\x00%s=%s", k, m[k])
			}
			b.WriteString("\x01")
		}
		return b.String()
	}
	seen := map[string]*Image{}
	out := ims[:0]
	for _, im := range ims {
		k := key(im)
		if first, ok := seen[k]; ok {
			for _, t := range im.Tags {
				first.Tags = appendUnique(first.Tags, t)
			}
			continue
		}
		seen[k] = im
		out = append(out, im)
	}
	return out
}

func dedupeStrings(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// failedMark marks, among the messages the compose and bake loaders return,
// a file that could not be read at all (its images are missing): Discover
// moves those to Repo.Failed.
const failedMark = "\x00failed:"

// maxOtherCompose caps the compose files of other names loaded per
// discovery.
const maxOtherCompose = 50

// maxOtherComposeBytes caps what they add up to.
const maxOtherComposeBytes = 1 << 20

// minSamples: from this many Dockerfiles below the root (found by name,
// not declared by compose, bake or skaffold), a repository is a collection
// of samples, and one of them that nothing builds is a sample its readers
// build by hand, once. Fewer, and an unmentioned Dockerfile may still be
// a service a hosted builder picks up by name.
const minSamples = 5

func failed(msg string) string { return failedMark + msg }

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// includeLine: dockerfile-x's INCLUDE of another Dockerfile's lines (a
// custom `# syntax =` frontend that splices fragments together).
var includeLine = regexp.MustCompile(`(?mi)^\s*INCLUDE\s+(\S+)\s*$`)

// dropIncludedFragments leaves out the images found only by name whose
// Dockerfile another Dockerfile INCLUDEs (manyfold's docker/base.dockerfile,
// build.dockerfile and runtime.dockerfile, spliced into manyfold.dockerfile
// by devthefuture/dockerfile-x: review 26): a fragment is no image — its
// `FROM base` names a stage of the whole, not an image.
func dropIncludedFragments(root string, images []*Image) []*Image {
	included := map[string]bool{}
	for _, im := range images {
		if im.Dockerfile == "" {
			continue
		}
		abs := filepath.Join(root, filepath.FromSlash(filepath.ToSlash(im.Dockerfile)))
		data, err := safefile.ReadWithin(root, abs, maxConfig)
		if err != nil || !bytes.Contains(data, []byte("INCLUDE")) {
			continue
		}
		for _, m := range includeLine.FindAllSubmatch(data, -1) {
			p := filepath.ToSlash(string(m[1]))
			// relative to the build context or to the Dockerfile itself
			included[path.Clean(p)] = true
			included[path.Join(path.Dir(filepath.ToSlash(im.Dockerfile)), p)] = true
			if im.Context != "" {
				included[path.Join(filepath.ToSlash(im.Context), p)] = true
			}
		}
	}
	if len(included) == 0 {
		return images
	}
	return slices.DeleteFunc(images, func(im *Image) bool {
		return im.Source == SourceDockerfile && included[path.Clean(filepath.ToSlash(im.Dockerfile))]
	})
}

func finish(res *Repo) {
	configs := newBuildConfigs(res.Root)
	// a compose file that loaded says exactly which Dockerfiles it builds
	// (its images): its `dockerfile: Dockerfile.dev` under one service's
	// context names no other Dockerfile.dev (review 21: plane's four
	// unbuilt apps/*/Dockerfile.dev looked built by the api's)
	for _, im := range res.Images {
		if im.Source == SourceCompose && im.SourceFile != "" {
			configs.loadedCompose[filepath.Join(res.Root, filepath.FromSlash(im.SourceFile))] = true
		}
	}
	var kaniko string
	res.CIWorkflow, kaniko = configs.ciWorkflow()
	var passed map[string]bool
	res.Published, passed, res.variableTags = configs.publishedNames()
	res.Images = dedupeImages(res.Images)
	res.Images = dropIncludedFragments(res.Root, res.Images)
	res.Warnings = dedupeStrings(res.Warnings)
	res.Failed = dedupeStrings(res.Failed)
	for _, im := range res.Images {
		if w := missingTarget(im); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}
	sort.SliceStable(res.Images, func(i, j int) bool {
		if res.Images[i].Name != res.Images[j].Name {
			return res.Images[i].Name < res.Images[j].Name
		}
		return res.Images[i].Dockerfile < res.Images[j].Dockerfile
	})
	// samples: Dockerfiles found by name below the root, in a repository
	// of many (knative's code-samples, dapr's samples)
	samples := 0
	exampleDirs := map[string]bool{} // directories below the root with a compose file that builds
	for _, im := range res.Images {
		if im.Source == SourceDockerfile && path.Dir(filepath.ToSlash(im.Dockerfile)) != "." {
			samples++
		}
		if im.Source == SourceCompose {
			if d := path.Dir(filepath.ToSlash(im.SourceFile)); d != "." {
				exampleDirs[d] = true
			}
		}
	}
	// every directory an image's mentions are looked up in is read before
	// any image is judged: a Dockerfile path with a variable found in one
	// of them counts for every image, whatever the order (review)
	for _, im := range res.Images {
		if df := filepath.ToSlash(im.Dockerfile); df != "" {
			configs.indexes(df, false)
			configs.indexes(df, true)
		}
	}
	for _, im := range res.Images {
		im.Root = res.Root
		sk := configs.of(im)
		im.NoMounts, im.SuppliedArgs = cmp.Or(sk.NoMounts, kaniko), sk.Aliases
		im.CI = configs.ciOf(im)
		if im.CI != "" {
			a := configs.ciCache(im.CI)
			im.CILine, im.CIUncached, im.CIFresh, im.CIPublishes, im.CIPerRunArgs, im.CIPlainDocker, im.CIRefresh, im.CIOnDemand, im.CIReleaseOnly, im.CIPersistedMounts, im.CIPersistentBuilder, im.CIFinalStageCache, im.CINoCache = a.line, a.uncached, a.hosted, a.publishes, a.perRunArgs, a.plainDocker, a.refresh, a.onDemand, a.releaseOnly, a.persistedMounts, a.persistent, a.finalOnly, a.noCache
			if a.classic && im.NoMounts == "" {
				im.NoMounts = im.CI + " builds it with docker/build-push-action@v1, which runs the classic builder (no BuildKit): RUN --mount fails there"
			}
		}
		if im.Source == SourceCompose && im.NoMounts == "" {
			im.NoMounts = configs.composeV1()
		}
		im.LocalBuild = im.Source != SourceDockerfile || configs.mentionedLocally(filepath.ToSlash(im.Dockerfile))
		if df := filepath.ToSlash(im.Dockerfile); im.Source == SourceDockerfile && df != "" && path.Base(df) != "Dockerfile" {
			im.Unreferenced = !configs.mentioned(df)
		}
		// a CI that keeps no layer cache, or runs on fresh runners, adds
		// no build that finds the last one's cache (knative's docs image
		// workflow beside the tutorial's README)
		ciColdOnly := im.CI == "" || im.CIUncached || im.CIFresh
		if df := filepath.ToSlash(im.Dockerfile); im.Source == SourceDockerfile && ciColdOnly && im.NoMounts == "" && !im.Unreferenced {
			switch {
			case im.LocalBuild:
				if doc := configs.onlyDocsBuild(df); doc != "" && im.CI == "" {
					im.BuiltOnce = "only " + doc + " builds this image, a build each reader runs once"
				} else if doc != "" {
					im.BuiltOnce = fmt.Sprintf("only %s (a build each reader runs once) and %s, on runners that start without this image's cache, build this image", doc, im.CI)
				}
			case samples >= minSamples && path.Dir(df) != "." && im.CI == "" && !configs.variableBuildOf(df):
				// (a loop over the services in a Makefile or Jenkinsfile
				// may build any of them: review)
				im.BuiltOnce = fmt.Sprintf("nothing in the repository builds this image (one of its %d Dockerfiles below the root): it is built by hand or elsewhere", samples)
			}
		}
		// one of many independent example projects, each with its own
		// compose file, that no CI builds (review 28: newrelic's 13
		// examples, each README running `docker compose up --build` once)
		if d := path.Dir(filepath.ToSlash(im.SourceFile)); im.Source == SourceCompose && len(exampleDirs) >= minSamples && d != "." && res.CIWorkflow == "" && im.NoMounts == "" {
			im.BuiltOnce = fmt.Sprintf("only %s builds this image, one of %d example projects with a compose file of their own that no CI builds: each reader builds it once", im.SourceFile, len(exampleDirs))
		}
		if df := filepath.ToSlash(im.Dockerfile); im.Source == SourceDockerfile && im.LocalBuild && (im.CI == "" || im.CIUncached) {
			im.NoLayerCache = configs.noCacheOnly(df)
		}
		// a sample deployed with `gcloud builds submit --tag`: each build
		// runs on a fresh Cloud Build worker that imports no layer cache,
		// so no later build reuses an earlier one's layers (review 21)
		if via := configs.cloudOnly[im]; via != "" && im.BuiltOnce == "" && !im.LocalBuild && im.CI == "" {
			im.BuiltOnce = "only " + via + " builds this image, on a fresh Cloud Build worker each time, with no layer cache to reuse"
		}
		// the build args the repository's scripts and workflows pass
		// (netbox-docker's build.sh always passes FROM): by name, for
		// every image, as the commands rarely say which Dockerfile
		// and those a Makefile or script beside the Dockerfile passes
		// (skywalking's services/app/server/Makefile)
		local := configs.argsBeside(filepath.ToSlash(im.Dockerfile))
		if len(passed) > 0 || len(local) > 0 {
			args := maps.Clone(passed) // sk.Aliases may be another image's too
			if args == nil {
				args = map[string]bool{}
			}
			maps.Copy(args, sk.Aliases)
			maps.Copy(args, local)
			im.SuppliedArgs = args
		}
	}
	res.byTag, res.dirNames = tagIndex(res.Images), dirNames(res.Images)
	for _, im := range res.Images {
		im.Needs = nil
		for _, d := range res.Deps(im) {
			im.Needs = append(im.Needs, d.Name)
		}
	}
}

// dockerfileImage models a Dockerfile found by name and infers its context.
// parallelImages models the Dockerfiles at paths on every core (parsing is
// most of discovery's work), in the paths' order.
func parallelImages(root string, paths []string) []*Image {
	out := make([]*Image, len(paths))
	par.Each(len(paths), nil, func(i int) { out[i] = dockerfileImage(root, paths[i]) })
	return out
}

func dockerfileImage(root, p string) *Image {
	r := rel(root, p)
	im := &Image{Name: nameFor(r, filepath.Base(root)), Dockerfile: r, Source: SourceDockerfile, Root: root}
	data, err := safefile.ReadRegular(p, safefile.MaxManifest)
	var m *dockerfile.File
	if err == nil {
		m, err = dockerfile.Parse(r, data, dockerfile.Options{})
	}
	if err != nil {
		im.Error = asDFError(r, err)
		im.Context = rel(root, filepath.Dir(p))
		im.ContextInferred = true
		return im
	}
	m.Path = r
	setModel(im, m)
	ctxDir, note := InferContext(root, p, m)
	im.Context = rel(root, ctxDir)
	im.ContextInferred = true
	im.ContextNote = note
	return im
}

func asDFError(name string, err error) *dockerfile.Error {
	var e *dockerfile.Error
	if errors.As(err, &e) {
		e.File = name
		return e
	}
	return &dockerfile.Error{File: name, Message: unwrapPathErr(err).Error()}
}

// withBaseImages re-models each Dockerfile whose external base images the
// caller could inspect, with their configs (one question for the whole
// repository).
func withBaseImages(ctx context.Context, res *Repo, opt Options) {
	var refs []string
	seen := map[string]bool{}
	for _, im := range res.Images {
		for _, s := range externalBases(im) {
			if !seen[s] {
				seen[s] = true
				refs = append(refs, s)
			}
		}
	}
	cfgs := map[string]dockerfile.ImageConfig{}
	if opt.BaseImages != nil {
		cfgs = opt.BaseImages(ctx, refs)
	}
	// An official image the engine lacks (a fresh CI runner, --no-inspect)
	// is known all the same, as far as the model reads a config: the
	// rewrite of a tree must not depend on what the local engine holds.
	for _, r := range refs {
		if _, ok := cfgs[r]; !ok {
			if c, ok := baseimage.Official(r); ok {
				if cfgs == nil {
					cfgs = map[string]dockerfile.ImageConfig{}
				}
				cfgs[r] = c
			}
		}
	}
	// The repository's own images are known from their Dockerfiles: an
	// image built FROM one starts with the user, env and workdir its
	// Dockerfile leaves (when its own base is known) — not with whatever
	// older build the local engine holds under that tag, which is only the
	// fallback. Bases first, so that a chain of them resolves.
	for _, im := range res.BuildOrder(res.Images) {
		if im.Model == nil {
			continue
		}
		known := map[string]dockerfile.ImageConfig{}
		for _, s := range externalBases(im) {
			if dep := res.byTag[normalizeRef(s)]; dep != nil && dep != im {
				if final := dep.Model.Final(dep.Target); final != nil {
					if c, ok := final.ImageConfig(); ok {
						known[s] = c
						continue
					}
				}
			}
			if c, ok := cfgs[s]; ok {
				known[s] = c
			}
		}
		if len(known) == 0 {
			continue
		}
		data := []byte(im.DockerfileInline)
		if im.DockerfileInline == "" {
			var err error
			if data, err = safefile.ReadRegular(im.AbsDockerfile(), safefile.MaxManifest); err != nil {
				continue
			}
		}
		im.BaseImages = known
		m, err := dockerfile.Parse(im.Model.Path, data, im.ParseOptions())
		if err != nil {
			continue
		}
		setModel(im, m)
	}
}

func externalBases(im *Image) []string { return im.Model.ExternalBases() }

// ParseOptions are the options the image's Dockerfile is modelled with:
// its build args and its inspected base images. A caller that re-parses
// (the fixer, after each rewrite) uses the same.
func (im *Image) ParseOptions() dockerfile.Options {
	return dockerfile.Options{BuildArgs: im.Args, BaseImages: im.BaseImages}
}

// Reparse models the image from the given Dockerfile text instead of the
// file on disk (an editor's unsaved buffer): the same options, the same
// parse error handling.
func (im *Image) Reparse(data []byte) {
	im.Error = nil
	m, err := dockerfile.Parse(im.Dockerfile, data, im.ParseOptions())
	if err != nil {
		im.Model = nil
		im.Error = asDFError(im.Dockerfile, err)
		return
	}
	setModel(im, m)
}

func setModel(im *Image, m *dockerfile.File) {
	im.Model = m
	im.Stages = nil
	for _, s := range m.Stages {
		im.Stages = append(im.Stages, StageInfo{Index: s.Index, Name: s.Name, Base: s.Base, BaseStage: s.BaseStage})
	}
	if len(m.Errors) > 0 && im.Error == nil {
		e := *m.Errors[0]
		im.Error = &e
	}
}

// nameFor names a Dockerfile found by name after its directory (the
// repository's own name for one at the root), plus the variant for
// Dockerfile.<x> / <x>.Dockerfile.
func nameFor(relPath, rootName string) string {
	dir, base := filepath.Split(relPath)
	dir = strings.TrimSuffix(filepath.ToSlash(dir), "/")
	if dir == "" {
		dir = rootName
	}
	variant := ""
	switch {
	case base == "Dockerfile" || base == "Containerfile" || base == "dockerfile":
	case strings.HasPrefix(base, "Dockerfile.") || strings.HasPrefix(base, "Dockerfile-") || strings.HasPrefix(base, "Dockerfile_"):
		variant = base[len("Dockerfile."):]
	case strings.HasPrefix(base, "Containerfile.") || strings.HasPrefix(base, "Containerfile-"):
		variant = base[len("Containerfile."):]
	default:
		variant = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, ".Dockerfile"), ".dockerfile"), ".Containerfile")
	}
	if variant == "" {
		return dir
	}
	return dir + ":" + variant
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// Deps returns the images of the result that im builds FROM (or copies
// from): the repository's own base images, matched by the names compose
// or bake give them, and the services/targets its named build contexts
// refer to ("service:NAME" in compose, "target:NAME" in bake).
func (r *Repo) Deps(im *Image) []*Image {
	if im.Model == nil {
		return nil
	}
	byTag := r.byTag
	if byTag == nil { // a Repo not made by Discover
		byTag = tagIndex(r.Images)
	}
	var out []*Image
	seen := map[*Image]bool{}
	add := func(ref string) {
		if o := byTag[normalizeRef(ref)]; o != nil && o != im && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(im.AdditionalContexts)) {
		if o := r.ContextImage(im, im.AdditionalContexts[k]); o != nil && o != im && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, s := range im.Model.Stages {
		if s.BaseStage < 0 {
			add(s.Base)
		}
		for _, ref := range s.ImageRefs {
			add(ref)
		}
	}
	return out
}

func tagIndex(ims []*Image) map[string]*Image {
	byTag := map[string]*Image{}
	for _, o := range ims {
		for _, t := range o.Tags {
			byTag[normalizeRef(t)] = o
		}
		if len(o.Tags) == 0 {
			// an image with no tag is built under its local name: a
			// Dockerfile FROM that name builds on it
			byTag[normalizeRef(LocalRef(o.Name))] = o
		}
	}
	return byTag
}

// LocalRef is the reference an image without a tag of its own is built
// under (layerwise build, measure, verify).
func LocalRef(name string) string { return "layerwise.local/" + Sanitize(name) + ":latest" }

// Sanitize turns an image name into a valid repository path component.
func Sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		s = "image"
	}
	return s
}

// DepRefs maps the image references im's Dockerfile uses (FROM, COPY
// --from, RUN --mount from) that name another image of the repository to
// that image: what a bake file's `contexts` or compose's
// additional_contexts replace with the other target's output.
func (r *Repo) DepRefs(im *Image) map[string]*Image {
	if im.Model == nil {
		return nil
	}
	byTag := r.byTag
	if byTag == nil {
		byTag = tagIndex(r.Images)
	}
	out := map[string]*Image{}
	add := func(ref string) {
		if o := byTag[normalizeRef(ref)]; o != nil && o != im {
			out[ref] = o
		}
	}
	for _, s := range im.Model.Stages {
		if s.BaseStage < 0 {
			add(s.Base)
		}
		for _, ref := range s.ImageRefs {
			add(ref)
		}
	}
	return out
}

// Graph is the dependency graph of the result's images (edges: Deps), for
// the walks of package graph.
func (r *Repo) Graph() graph.Graph[*Image] { return graph.New(r.Deps) }

// BuildOrder returns images and the repository images they depend on, each
// after the images it builds FROM; images in a cycle keep their order.
func (r *Repo) BuildOrder(ims []*Image) []*Image { return r.Graph().Order(ims) }

func normalizeRef(s string) string {
	if n, err := reference.ParseNormalizedNamed(s); err == nil {
		return reference.FamiliarString(reference.TagNameOnly(n))
	}
	return s
}

// ContextImage returns the image a named build context value refers to
// ("service:NAME" from the same compose file, "target:NAME" from the same
// bake files), or nil for directories, images and URLs.
func (r *Repo) ContextImage(im *Image, value string) *Image {
	var name, source string
	switch {
	case strings.HasPrefix(value, "service:"):
		name, source = strings.TrimPrefix(value, "service:"), SourceCompose
	case strings.HasPrefix(value, "target:"):
		name, source = strings.TrimPrefix(value, "target:"), SourceBake
	default:
		return nil
	}
	for _, o := range r.Images {
		if o.Name == name && o.Source == source && o.SourceFile == im.SourceFile {
			return o
		}
	}
	return nil
}

// missingTarget warns about a compose/bake target naming a stage the
// Dockerfile does not define: the build would fail before it starts.
func missingTarget(im *Image) string {
	if im.Target == "" || im.Model == nil {
		return ""
	}
	if im.Model.Stage(im.Target) != nil {
		return ""
	}
	df := im.Dockerfile
	if df == "" {
		df = "its inline Dockerfile"
	}
	return fmt.Sprintf("%s: %s builds target %q, which %s does not define (the build fails with \"target stage not found\"); name one of its stages", im.SourceFile, im.Name, im.Target, df)
}

// Labels names every image uniquely for a report: its name where no other
// image has it, else the name with the Dockerfile (and target) that tell
// the images apart ("backend (services/a/Dockerfile)"), else a number. A
// repository with fourteen services called backend gets fourteen labels,
// not one heading over all of their findings.
func Labels(ims []*Image) map[*Image]string {
	count := map[string]int{}
	for _, im := range ims {
		count[im.Name]++
	}
	out := make(map[*Image]string, len(ims))
	used := map[string]int{}
	for _, im := range ims {
		l := im.Name
		if count[im.Name] > 1 {
			where := im.Dockerfile
			if where == "" {
				where = im.SourceFile
			}
			if im.Target != "" {
				where += " target " + im.Target
			}
			l = im.Name + " (" + where + ")"
		}
		used[l]++
		if n := used[l]; n > 1 {
			l += fmt.Sprintf(" #%d", n)
		}
		out[im] = l
	}
	return out
}

// builtBy is what the build configurations around an image say of its
// build: skaffold's in its context directory and the directories above
// it, up to the repository root (a config usually sits above the context:
// `context: ./leeroy-app/`), Cloud Build's, bashbrew's. Discover puts it
// on the Image (NoMounts, SuppliedArgs).
type builtBy struct {
	// NoMounts says why the builder rejects RUN --mount ("" when nothing
	// says so): kaniko (its Dockerfile parser rejects the flag,
	// kaniko#1568), or skaffold's default local docker builder, which calls
	// the Docker Engine API without asking for BuildKit: the classic
	// builder ("the --mount option requires BuildKit"). `useBuildkit: true`
	// or `useDockerCLI: true` (the docker CLI, BuildKit by default since
	// Engine 23) lift it.
	NoMounts string
	// Aliases are the build args skaffold passes to the builds (its
	// `requires` aliases: ARG BASE / FROM $BASE with `alias: BASE`).
	Aliases map[string]bool
}

// skaffoldAlias is a `requires` entry's alias.
var skaffoldAlias = regexp.MustCompile(`(?m)^\s*(?:-\s*)?alias:\s*["']?(\w+)`)

// maxConfig caps a build configuration read to learn how an image is
// built (skaffold, Cloud Build, CI, README): a hostile repository's huge
// file is skipped, not parsed for every image.
const maxConfig = 1 << 20

// buildConfigs reads the files around the images that say how they are
// built, each file and directory once per discovery: a repository of many
// images under one huge config is linear, not quadratic.
type buildConfigs struct {
	root string
	// composeV1Why is composeV1's answer, once it is Done
	composeV1Done bool
	composeV1Why  string
	files         map[string][]byte // nil: unreadable, too large or absent
	dirs          map[string][]os.DirEntry
	skaffold      map[string]*skaffoldFile
	// per file, what reading it once found: a README's Cloud Build
	// line, whether a Cloud Build config has a classic docker step
	readme  map[string]string
	classic map[string]*cloudBuildSteps
	// scriptVerdicts, classicScripts: what scripts CI runs do, per path
	scriptVerdicts, classicScripts map[string]bool
	// ciBuilding are the CI configurations that build images (their
	// paths), as ciWorkflow found them
	ciBuilding []string
	// mentionBytes is what mentioned has read so far
	mentionBytes int64
	// ciKinds: per CI file, ciKind's answers
	ciKinds map[string][2]bool
	// tokens of the files read for mentions, per file, and the counts per
	// directory; overBudget: some were not read
	tokenCache map[string]*tokenSet
	// cloudOnly: the images a README's `gcloud builds submit --tag` (or
	// `gcloud run deploy --source`) or an App Engine app.yaml builds on
	// Cloud Build, which imports no layer cache there: what says so
	cloudOnly map[*Image]string
	// loadedCompose: the compose files (absolute) whose images discovery
	// has: their mentions are those images (tokens reads nothing there)
	loadedCompose map[string]bool
	dirIndexCache map[string]*dirIndex
	overBudget    bool
	// dynamic are the Dockerfile paths files name through a variable
	// (`-f storefront-versions/$$container/Dockerfile`), as globs
	// (storefront-versions/*/Dockerfile), with whether a document names it
	dynamic []dynamicName
	// variableBuilds: the directories (repository-relative, "." the
	// root) below which a script or Makefile builds images whose
	// directory is a variable (a loop over services)
	variableBuilds []string
	// ciCaches and argsCache: ciCache's answers per CI file, argsBeside's
	// per directory
	ciCaches  map[string]ciCacheAnswer
	argsCache map[string]map[string]bool
}

type skaffoldFile struct {
	builds []skaffoldBuild
	// aliases are the `alias:` words of the text (a template's too)
	aliases []string
	// words is what the text says of the builder when it is not YAML (a
	// template): read by its words, once
	notYAML bool
	words   string
}

func newBuildConfigs(root string) *buildConfigs {
	return &buildConfigs{root: filepath.Clean(root), files: map[string][]byte{}, dirs: map[string][]os.DirEntry{}, skaffold: map[string]*skaffoldFile{},
		readme: map[string]string{}, classic: map[string]*cloudBuildSteps{}, scriptVerdicts: map[string]bool{}, classicScripts: map[string]bool{}, ciKinds: map[string][2]bool{},
		tokenCache: map[string]*tokenSet{}, loadedCompose: map[string]bool{}, cloudOnly: map[*Image]string{}, dirIndexCache: map[string]*dirIndex{},
		ciCaches: map[string]ciCacheAnswer{}, argsCache: map[string]map[string]bool{}}
}

// read is the file at p, within the repository, up to maxConfig bytes.
func (c *buildConfigs) read(p string) []byte {
	if data, ok := c.files[p]; ok {
		return data
	}
	data, err := safefile.ReadWithin(c.root, p, maxConfig)
	if err != nil {
		data = nil
	}
	c.files[p] = data
	return data
}

// list is the directory's entries, when it resolves inside the repository.
func (c *buildConfigs) list(dir string) []os.DirEntry {
	if ents, ok := c.dirs[dir]; ok {
		return ents
	}
	var ents []os.DirEntry
	if d, err := safefile.Within(c.root, dir); err == nil {
		ents, _ = os.ReadDir(d)
	}
	c.dirs[dir] = ents
	return ents
}

// skaffoldAt is the skaffold config at p, parsed once.
func (c *buildConfigs) skaffoldAt(p string, text string) *skaffoldFile {
	if f, ok := c.skaffold[p]; ok {
		return f
	}
	f := &skaffoldFile{}
	for _, m := range skaffoldAlias.FindAllStringSubmatch(text, -1) {
		f.aliases = append(f.aliases, m[1])
	}
	name := relTo(c.root, p)
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var cfg skaffoldConfig
		err := dec.Decode(&cfg)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.builds, f.notYAML = nil, true
			switch {
			case strings.Contains(text, "kaniko:"):
				f.words = skaffoldKaniko(name)
			case strings.Contains(text, "artifacts:") && !strings.Contains(text, "useBuildkit: true") && !strings.Contains(text, "useDockerCLI: true") &&
				!strings.Contains(text, "buildpacks:") && !strings.Contains(text, "jib:") && !strings.Contains(text, "ko:"):
				f.words = skaffoldClassic(name)
			}
			break
		}
		f.builds = append(f.builds, cfg.Build)
		for _, pr := range cfg.Profiles {
			if pr.Build.Local == nil {
				pr.Build.Local = cfg.Build.Local
			}
			f.builds = append(f.builds, pr.Build)
		}
	}
	c.skaffold[p] = f
	return f
}

// of is what the configs around the image say of its build: skaffold's
// (the config nearest the context speaks first), then Cloud Build's and
// bashbrew's.
func (c *buildConfigs) of(im *Image) builtBy {
	var out builtBy
	root := c.root
	dir := filepath.Clean(im.AbsContext())
	skaffold := false
	for {
		for _, name := range []string{"skaffold.yaml", "skaffold.yml"} {
			p := filepath.Join(dir, name)
			data := c.read(p)
			if data == nil {
				continue
			}
			skaffold = true
			f := c.skaffoldAt(p, string(data))
			noMounts, aliases := skaffoldBuilds(f, dir, im, relTo(root, p))
			for _, a := range append(f.aliases, aliases...) {
				if out.Aliases == nil {
					out.Aliases = map[string]bool{}
				}
				out.Aliases[a] = true
			}
			if out.NoMounts == "" { // the config nearest the context speaks first
				out.NoMounts = noMounts
			}
		}
		if dir == root || !safefile.Inside(root, dir) {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if out.NoMounts == "" && !skaffold {
		out.NoMounts = c.cloudCodeNoMounts(filepath.Clean(im.AbsContext()))
	}
	if out.NoMounts == "" {
		out.NoMounts = c.cloudBuildNoMounts(im)
	}
	if out.NoMounts == "" {
		out.NoMounts = c.official()
	}
	return out
}

// composeV1Install: a script or CI file that installs docker-compose 1.x,
// the Python one (a release download of 1.x, or pip's docker-compose).
var composeV1Install = regexp.MustCompile(`docker/compose/releases/download/1\.\d+[.\d]*|\bpip3?\s+install\b[^\n]*\sdocker-compose\b`)

// composeV1Dirs are the directories whose files say how CI sets up its
// tools.
var composeV1Dirs = []string{"", ".circleci", ".github/workflows", ".travis", "scripts", "script", "ci", ".ci", "build", "hack", "tools", "bin", "deploy"}

// composeV1 says why compose's builds get no RUN --mount when the
// repository installs docker-compose 1.x for them: it builds with the
// Engine API and no builder version — the classic builder, where RUN
// --mount fails — unless DOCKER_BUILDKIT=1 and COMPOSE_DOCKER_CLI_BUILD=1
// are set (review 30: ftgo's .circleci/upgrade-docker-compose.sh, 1.25.4).
// Read once per discovery, at most 2,000 entries a directory.
func (c *buildConfigs) composeV1() string {
	if c.composeV1Done {
		return c.composeV1Why
	}
	c.composeV1Done = true
	for _, d := range composeV1Dirs {
		abs := filepath.Join(c.root, filepath.FromSlash(d))
		for i, e := range c.list(abs) {
			if i >= 2000 {
				break
			}
			if !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(abs, e.Name())
			data := c.read(p)
			m := composeV1Install.Find(data)
			if m == nil || bytes.Contains(data, []byte("COMPOSE_DOCKER_CLI_BUILD=1")) {
				continue
			}
			c.composeV1Why = fmt.Sprintf("%s installs docker-compose 1 (%s), which builds with the classic builder unless COMPOSE_DOCKER_CLI_BUILD=1 and DOCKER_BUILDKIT=1 are set: RUN --mount fails there", relTo(c.root, p), strings.TrimSpace(string(m)))
			return c.composeV1Why
		}
	}
	return ""
}

// cloudCodeNoMounts: Google's Cloud Code samples carry no skaffold.yaml
// (the editor writes one) but an editor task or launch configuration
// that runs skaffold or Cloud Code's debugger. skaffold's default local
// builder calls the Engine API with no builder version — the classic
// builder, which rejects RUN --mount (review 18: cloud-code-samples).
func (c *buildConfigs) cloudCodeNoMounts(dir string) string {
	for _, name := range []string{"tasks.json", "launch.json"} {
		p := filepath.Join(dir, ".vscode", name)
		data := c.read(p)
		if data == nil {
			continue
		}
		if bytes.Contains(data, []byte(`"skaffold"`)) || bytes.Contains(data, []byte(`"cloudcode.`)) {
			return relTo(c.root, p) + " builds it with skaffold's default local builder (Cloud Code), the classic builder, where RUN --mount fails"
		}
	}
	// the editors' own record that the project needs Cloud Code (review
	// 27: the Cloud Run samples carry no task, only these): its Run on
	// Cloud Run Emulator builds with the same skaffold default
	for _, f := range []struct{ name, mark string }{
		{filepath.Join(".vscode", "extensions.json"), `googlecloudtools.cloudcode`},
		{filepath.Join(".idea", "externalDependencies.xml"), `com.google.gct.core`},
	} {
		p := filepath.Join(dir, f.name)
		if data := c.read(p); data != nil && bytes.Contains(bytes.ToLower(data), []byte(strings.ToLower(f.mark))) {
			return relTo(c.root, p) + " asks for Cloud Code, which builds it with skaffold's default local builder, the classic builder, where RUN --mount fails"
		}
	}
	return ""
}

// ciBuild: a CI step that builds an image.
var ciBuild = regexp.MustCompile(`docker/build-push-action|docker/bake-action|depot/(?:build-push-action|bake-action)|useblacksmith/build-push-action|\bdepot\s+(?:build|bake)\b|` + remoteImageWorkflow.String() + `|\bdocker(\s+buildx)?\s+(build|bake)\b|\bdocker\s+compose\s+build\b|\bdocker-compose\s+build\b|\bbuildctl\s+build\b`)

// remoteImageWorkflow: a job that calls another repository's reusable
// workflow named for building images (shlink's `uses:
// shlinkio/github-actions/.github/workflows/docker-publish-image.yml@main`:
// review 23); what it runs is not here to read.
var remoteImageWorkflow = regexp.MustCompile(`uses:\s*["']?[\w.-]+/[\w.-]+/\.github/workflows/[\w.-]*(?:docker|image|container)[\w.-]*\.ya?ml@`)

// ciWorkflow is the first CI configuration of the repository that builds
// images (Repo.CIWorkflow), and why its images get no cache mount when a
// CI configuration builds with kaniko, whose Dockerfile parser rejects RUN
// --mount (GoogleContainerTools/kaniko#1568): GitLab's, Cloud Build's and
// Jenkins' at the root, then GitHub's workflows in name order. Each file
// is read within the repository and up to maxConfig bytes; at most 200
// files are read.
func (c *buildConfigs) ciWorkflow() (building, kaniko string) {
	// the root's files first: a repository of many workflows must not
	// push them past the cap
	var files []string
	for _, n := range []string{".gitlab-ci.yml", "cloudbuild.yaml", "cloudbuild.yml", "Jenkinsfile"} {
		files = append(files, filepath.Join(c.root, n))
	}
	files = append(files, c.workflows()...)
	for i, p := range files {
		if i >= 200 {
			break
		}
		data := c.read(p)
		if data == nil {
			continue
		}
		if ciBuild.Match(uncommented(data)) || c.runsBuildScript(uncommented(data)) != nil {
			c.ciBuilding = append(c.ciBuilding, p)
			if building == "" {
				building = relTo(c.root, p)
			}
		}
		// every image, not only those the file names: a kaniko build of
		// an image this cannot map would fail on the mount, and where
		// layerwise cannot be sure it refuses (comments do not count)
		if kaniko == "" && kanikoExecutor.Match(uncommented(data)) {
			kaniko = relTo(c.root, p) + " builds images with kaniko (perhaps this one), whose Dockerfile parser rejects RUN --mount"
		}
	}
	return building, kaniko
}

// ciComposeBuild: a CI step that builds what a compose or bake file
// declares.
var ciComposeBuild = regexp.MustCompile(`\bcompose\b[^\n]*\b(build|up)\b|docker-compose\b[^\n]*\b(build|up)\b|\bbake\b`)

// matrixDockerfile: a CI step whose Dockerfile path is made of expressions.
var matrixDockerfile = regexp.MustCompile(`\$\{\{[^}]*\}\}/Dockerfile`)

// ciOf is the CI configuration (of those that build images) whose text
// builds im: see Image.CI.
func (c *buildConfigs) ciOf(im *Image) string {
	df := filepath.ToSlash(im.Dockerfile)
	// a CI file that names the Dockerfile's own path (`file:
	// ./cli/Dockerfile`) builds it; one that names its directory only may
	// just filter on it (review 35/36: onyx's `paths: cli/**` in the
	// integration tests, which build other images, took the CLI's release
	// workflow's place)
	if df != "" && path.Dir(df) != "." {
		for _, p := range c.ciBuilding {
			if t := c.tokens(p); t != nil && t.paths[df] {
				return relTo(c.root, p)
			}
		}
	}
	for _, p := range c.ciBuilding {
		t := c.tokens(p)
		if t == nil {
			continue
		}
		compose, matrix := c.ciKind(p)
		dir := path.Dir(df)
		if im.Source != SourceDockerfile && compose {
			return relTo(c.root, p)
		}
		// a compose service's Dockerfile that a workflow also builds by
		// its path (review 19: discounts-fixed.yml's build-push-action on
		// the directory docker-compose-local.yml builds too)
		switch {
		case df == "":
		case path.Base(df) != "Dockerfile":
			if t.all[path.Base(df)] {
				return relTo(c.root, p)
			}
		case dir == ".":
			return relTo(c.root, p)
		default:
			// its directory, or (a matrix building
			// ${{ matrix.base_path }}/${{ matrix.project_name }}/Dockerfile,
			// as bitwarden's does) its last element as a word of the file
			if t.paths[dir] || (matrix && t.paths[path.Base(dir)]) {
				return relTo(c.root, p)
			}
		}
	}
	return ""
}

// ciKind says, once per CI file, whether it builds compose's or bake's
// images and whether it builds a Dockerfile whose path is made of a
// matrix's expressions.
func (c *buildConfigs) ciKind(p string) (compose, matrix bool) {
	k, ok := c.ciKinds[p]
	if !ok {
		data := uncommented(c.read(p))
		k = [2]bool{ciComposeBuild.Match(data), matrixDockerfile.Match(data)}
		c.ciKinds[p] = k
	}
	return k[0], k[1]
}

// workflows are the GitHub workflow files of the repository, in name order.
func (c *buildConfigs) workflows() []string {
	var files []string
	dir := filepath.Join(c.root, ".github", "workflows")
	for _, e := range c.list(dir) {
		if n := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")) {
			files = append(files, filepath.Join(dir, n))
		}
	}
	return files
}

// uncommented is a CI file without its comment lines (# in YAML, // in
// a Jenkinsfile).
func uncommented(data []byte) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		t := bytes.TrimSpace(line)
		if !bytes.HasPrefix(t, []byte("#")) && !bytes.HasPrefix(t, []byte("//")) {
			out = append(out, line...)
		}
	}
	return out
}

// ciScript: a repository script a CI step runs (docker/build.py,
// ./scripts/build.sh).
var ciScript = regexp.MustCompile(`(?:^|[\s'"=])((?:\./)?[\w.-]+(?:/[\w.-]+)*\.(?:sh|py|bash))\b`)

// scriptBuild: a script that builds images with the docker CLI, as shell
// (`docker buildx build`) or as a program's argument list (esphome's
// docker/build.py: "docker", "buildx", "build").
var scriptBuild = regexp.MustCompile(`\bdocker(\s+buildx)?\s+(build|bake)\b|["']buildx["']|\bbuildctl\s+build\b`)

// runsBuildScript is where the CI text runs a repository script that
// builds images (nil when it runs none): esphome's ci-docker.yml runs
// docker/build.py, which calls docker buildx build (review 17).
func (c *buildConfigs) runsBuildScript(text []byte) []int {
	n := 0
	for _, m := range ciScript.FindAllSubmatchIndex(text, -1) {
		if n++; n > 20 {
			break
		}
		rel := string(text[m[2]:m[3]])
		p := filepath.Join(c.root, filepath.FromSlash(strings.TrimPrefix(rel, "./")))
		if !safefile.Inside(c.root, p) {
			continue
		}
		if c.scriptBuilds(p) {
			return []int{m[2], m[3]}
		}
	}
	return nil
}

// scriptBuilds: the repository's script at p builds images with the
// docker CLI (scriptBuild), read once per discovery.
func (c *buildConfigs) scriptBuilds(p string) bool {
	if v, ok := c.scriptVerdicts[p]; ok {
		return v
	}
	data := c.read(p)
	v := data != nil && scriptBuild.Match(uncommented(data))
	c.scriptVerdicts[p] = v
	return v
}

// kanikoExecutor: a CI step that runs kaniko's executor.
var kanikoExecutor = regexp.MustCompile(`kaniko-project/executor|/kaniko/executor\b`)

// official: the repository generates a Docker official
// image's library file (generate-stackbrew-library.sh at its root, as
// nextcloud/docker does): bashbrew builds its Dockerfiles on fresh
// builders, some with the classic builder, where RUN --mount fails.
func (c *buildConfigs) official() string {
	for _, e := range c.list(c.root) {
		if e.Name() == "generate-stackbrew-library.sh" && e.Type().IsRegular() {
			return "the repository publishes a Docker official image (generate-stackbrew-library.sh): bashbrew builds it on fresh builders, some without BuildKit, where RUN --mount fails and a cache mount is always empty"
		}
	}
	return ""
}

// gcloudBuild: a README line that builds the image on Cloud Build —
// `gcloud builds submit --tag IMAGE` (with --config the build is the
// config's, which may ask for BuildKit) or `gcloud run deploy --source`.
var gcloudBuild = regexp.MustCompile(`(?m)^[^\n]*gcloud\s+(builds\s+submit\b[^\n]*--tag\b|run\s+deploy\b[^\n]*--source\b)[^\n]*`)

// appEngineCustom: an App Engine app.yaml whose runtime is the
// Dockerfile beside it.
var appEngineCustom = regexp.MustCompile(`(?m)^runtime:\s*custom\b`)

// cloudRunRegionTag: a Google Cloud Run sample's region tag in the
// Dockerfile (`# [START cloudrun_helloworld_dockerfile]`): its docs deploy
// it with `gcloud run deploy --source` or `gcloud builds submit --tag`.
var cloudRunRegionTag = regexp.MustCompile(`\[START (cloudrun|run)_`)

// cloudBuildNoMounts says why Cloud Build's default docker builder builds
// the image ("" when nothing says so): a README beside the Dockerfile that
// builds it with `gcloud builds submit --tag` or `gcloud run deploy
// --source`, a Cloud Build config beside it whose docker step builds
// without BuildKit, or a Cloud Run sample's region tag. That builder
// fails on RUN --mount ("the --mount option requires BuildKit",
// google-github-actions/setup-gcloud#658), and each build runs on a fresh
// worker, where a cache mount would be empty anyway — a local build the
// README also shows does not make the mount safe for that path.
func (c *buildConfigs) cloudBuildNoMounts(im *Image) string {
	root := c.root
	ctx := filepath.Clean(im.AbsContext())
	const why = ": Cloud Build's default docker builder fails on RUN --mount (it needs BuildKit), and each build's fresh worker would leave a cache mount empty"
	for _, name := range []string{"README.md", "README", "README.rst"} {
		p := filepath.Join(ctx, name)
		line, seen := c.readme[p]
		if !seen {
			for _, l := range gcloudBuild.FindAllString(string(c.read(p)), -1) {
				if !strings.Contains(l, "--config") {
					line = strings.TrimSpace(l)
					break
				}
			}
			c.readme[p] = line
		}
		if line != "" {
			c.cloudOnly[im] = relTo(root, p) + "'s `" + line + "`"
			return "its " + relTo(root, p) + " builds it on Cloud Build (`" + line + "`)" + why
		}
	}
	// App Engine flexible with a custom runtime builds the Dockerfile
	// beside its app.yaml on Cloud Build
	for _, e := range c.list(ctx) {
		n := strings.ToLower(e.Name())
		if !e.Type().IsRegular() || !strings.HasPrefix(n, "app") || !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			continue
		}
		p := filepath.Join(ctx, e.Name())
		if data := c.read(p); data != nil && appEngineCustom.Match(data) {
			c.cloudOnly[im] = relTo(root, p) + " (App Engine flexible)"
			return "its " + relTo(root, p) + " deploys it to App Engine flexible (`runtime: custom`), which builds it on Cloud Build" + why
		}
	}
	// the configs beside the Dockerfile (and in its build/) build it; one
	// in a directory above must name its Dockerfile or context
	dirs := []string{ctx, filepath.Join(ctx, "build")}
	for d := filepath.Dir(ctx); safefile.Inside(root, d); d = filepath.Dir(d) {
		dirs = append(dirs, d)
		if d == root || d == filepath.Dir(d) {
			break
		}
	}
	for i, dir := range dirs {
		for _, e := range c.list(dir) {
			n := strings.ToLower(e.Name())
			if !e.Type().IsRegular() || !(strings.HasPrefix(n, "cloudbuild") || strings.HasPrefix(n, "cb-")) ||
				!(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".json")) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			data := c.read(p)
			classic, seen := c.classic[p]
			if !seen {
				classic = &cloudBuildSteps{}
				if data != nil {
					classic = classicDockerSteps(data)
				}
				c.classic[p] = classic
			}
			if classic.direct && (i < 2 || namesPath(string(data), dir, im.AbsDockerfile()) || namesPath(string(data), dir, ctx)) {
				return relTo(root, p) + " builds it with Cloud Build's docker step, without DOCKER_BUILDKIT=1" + why
			}
			// a docker step that runs a script of the repository, which
			// builds with a plain docker build (wild-workouts'
			// scripts/build-docker.sh: review 14); Cloud Build runs it
			// from the source's root, the config's directory here
			for _, sc := range classic.scripts {
				sp := filepath.Join(dir, filepath.FromSlash(sc))
				if !safefile.Inside(root, sp) || !c.classicScript(sp) {
					continue
				}
				text := string(c.read(sp))
				if namesPath(text, dir, im.AbsDockerfile()) || namesPath(text, dir, ctx) {
					return relTo(root, p) + " builds it with Cloud Build's docker step (" + relTo(root, sp) + "), without DOCKER_BUILDKIT=1" + why
				}
			}
		}
	}
	if im.Model != nil {
		for _, l := range im.Model.Lines {
			if cloudRunRegionTag.MatchString(l) {
				return "the Dockerfile is a Cloud Run sample (its region tag `" + strings.TrimSpace(cloudRunRegionTag.FindString(l)) + "…`), which its docs deploy with Cloud Build" + why
			}
		}
	}
	return ""
}

// classicScript: the script at p builds with a plain docker build (no
// buildx, no DOCKER_BUILDKIT=1), read once per discovery.
func (c *buildConfigs) classicScript(p string) bool {
	if v, ok := c.classicScripts[p]; ok {
		return v
	}
	text := string(c.read(p))
	v := classicBuildScript.MatchString(text) && !strings.Contains(text, "buildx") && !strings.Contains(text, "DOCKER_BUILDKIT=1")
	c.classicScripts[p] = v
	return v
}

// cloudBuildSteps is what a Cloud Build config's docker steps do without
// BuildKit: build directly (direct), or run these scripts of the
// repository (paths relative to the source's root).
type cloudBuildSteps struct {
	direct  bool
	scripts []string
}

// appendNew appends v to list unless it is there.
func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// classicBuildScript: a script line that builds with the docker CLI.
var classicBuildScript = regexp.MustCompile(`(?m)^[^#\n]*\bdocker\s+build\b`)

// classicDockerSteps reads a Cloud Build config (YAML or JSON): its steps
// of the docker builder that do not ask for BuildKit (DOCKER_BUILDKIT=1 in
// the step's env or the options', or buildx) and build — their arguments
// start with `build` — or run a script (`entrypoint: ./scripts/build.sh`,
// `entrypoint: bash` with `args: [scripts/build.sh, ...]`).
func classicDockerSteps(data []byte) *cloudBuildSteps {
	var cfg struct {
		Steps []struct {
			Name       string   `yaml:"name"`
			Entrypoint string   `yaml:"entrypoint"`
			Args       []string `yaml:"args"`
			Env        []string `yaml:"env"`
		} `yaml:"steps"`
		Options struct {
			Env []string `yaml:"env"`
		} `yaml:"options"`
	}
	out := &cloudBuildSteps{}
	if yaml.Unmarshal(data, &cfg) != nil {
		return out
	}
	for _, st := range cfg.Steps {
		if !strings.Contains(st.Name, "cloud-builders/docker") || slices.Contains(st.Env, "DOCKER_BUILDKIT=1") || slices.Contains(cfg.Options.Env, "DOCKER_BUILDKIT=1") {
			continue
		}
		ep := path.Base(st.Entrypoint)
		if len(out.scripts) >= 20 {
			break // (a config of thousands of steps: each script's text is read per image)
		}
		switch {
		case (st.Entrypoint == "" || ep == "docker") && len(st.Args) > 0 && st.Args[0] == "build":
			out.direct = true
		case (ep == "bash" || ep == "sh") && len(st.Args) > 0 && strings.HasSuffix(st.Args[0], ".sh"):
			out.scripts = appendNew(out.scripts, path.Clean(st.Args[0]))
		case ep != "bash" && ep != "sh" && (strings.HasSuffix(st.Entrypoint, ".sh") || strings.Contains(st.Entrypoint, "/")):
			out.scripts = appendNew(out.scripts, path.Clean(st.Entrypoint))
		}
	}
	return out
}

// namesPath: text names target by its path relative to dir, as a word
// of its own ("services/api", './services/api/Dockerfile').
func namesPath(text, dir, target string) bool {
	rel, err := filepath.Rel(dir, target)
	if err != nil || target == "" || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	rel = filepath.ToSlash(rel)
	// every occurrence, bounded by a delimiter on each side (a string
	// search: the text is up to maxConfig bytes, read for many images)
	for i := 0; ; {
		j := strings.Index(text[i:], rel)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(rel)
		before := at == 0 || strings.ContainsRune(" \t\n'\"=,[/", rune(text[at-1]))
		after := end == len(text) || strings.ContainsRune(" \t\n'\",]/", rune(text[end]))
		if before && after {
			return true
		}
		i = at + 1
	}
}

func skaffoldKaniko(name string) string {
	return "skaffold builds it with kaniko, whose Dockerfile parser rejects RUN --mount (" + name + ")"
}

func skaffoldClassic(name string) string {
	return "skaffold builds it through the Docker Engine API's classic builder (no useBuildkit or useDockerCLI in " + name + "), which rejects RUN --mount"
}

// skaffoldArtifact is what skaffoldBuilds reads of a config's artifacts:
// a builder key present (even `jib:` with no value) picks the builder;
// none is skaffold's default, the local docker builder.
type skaffoldArtifact struct {
	Context string `yaml:"context"`
	Docker  *struct {
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"docker"`
	Kaniko     yaml.Node `yaml:"kaniko"`
	Buildpacks yaml.Node `yaml:"buildpacks"`
	Jib        yaml.Node `yaml:"jib"`
	Ko         yaml.Node `yaml:"ko"`
	Custom     yaml.Node `yaml:"custom"`
	Bazel      yaml.Node `yaml:"bazel"`
	// Requires are the images the artifact builds FROM; skaffold passes
	// each as a build arg named by its alias, which defaults to the
	// image's name.
	Requires []struct {
		Image string `yaml:"image"`
		Alias string `yaml:"alias"`
	} `yaml:"requires"`
}

type skaffoldBuild struct {
	Artifacts []skaffoldArtifact `yaml:"artifacts"`
	// Local is nil when the section is absent: a profile without one
	// keeps the main build's (skaffold overlays a profile field by field)
	Local *struct {
		UseBuildkit  bool `yaml:"useBuildkit"`
		UseDockerCLI bool `yaml:"useDockerCLI"`
	} `yaml:"local"`
}

// buildkit: the build's local docker builder asks for BuildKit.
func (b skaffoldBuild) buildkit() bool {
	return b.Local != nil && (b.Local.UseBuildkit || b.Local.UseDockerCLI)
}

type skaffoldConfig struct {
	Build    skaffoldBuild `yaml:"build"`
	Profiles []struct {
		Build skaffoldBuild `yaml:"build"`
	} `yaml:"profiles"`
}

// skaffoldBuilds reads the skaffold config in dir for the image: why its
// builder rejects RUN --mount ("" when no artifact of the config builds
// it, or all build it with BuildKit), and the build args its artifacts'
// `requires` pass. Each artifact counts for its own context — a config
// whose other artifacts use jib or buildpacks still builds a plain one
// with the Docker Engine API (skaffold's integration/testdata/debug) —,
// and profiles count as the main build does (a profile that builds the
// image with the classic builder breaks on RUN --mount as surely: the
// examples/profiles hello-service). A config that is not YAML (a
// template) is read by its words.
func skaffoldBuilds(f *skaffoldFile, dir string, im *Image, name string) (noMounts string, aliases []string) {
	if f.notYAML {
		return f.words, nil
	}
	kaniko, classic := skaffoldKaniko(name), skaffoldClassic(name)
	builds := f.builds
	ctx := filepath.Clean(im.AbsContext())
	for _, b := range builds {
		for _, a := range b.Artifacts {
			if filepath.Clean(filepath.Join(dir, filepath.FromSlash(a.Context))) != ctx {
				continue
			}
			df := "Dockerfile"
			if a.Docker != nil && a.Docker.Dockerfile != "" {
				df = a.Docker.Dockerfile
			}
			if im.Dockerfile != "" && filepath.Join(ctx, filepath.FromSlash(df)) != filepath.Clean(im.AbsDockerfile()) {
				continue // another Dockerfile of the same context
			}
			for _, r := range a.Requires {
				if r.Alias != "" {
					aliases = append(aliases, r.Alias)
				} else if r.Image != "" {
					aliases = append(aliases, r.Image)
				}
			}
			switch {
			case noMounts != "":
			case a.Kaniko.Kind != 0:
				noMounts = kaniko
			case a.Buildpacks.Kind != 0, a.Jib.Kind != 0, a.Ko.Kind != 0, a.Custom.Kind != 0, a.Bazel.Kind != 0:
				// not a Dockerfile build
			case !b.buildkit():
				noMounts = classic
			}
		}
	}
	return noMounts, aliases
}

func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}
