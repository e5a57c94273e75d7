// Package engine runs real BuildKit builds behind one interface (as buildx
// keeps its drivers behind one) and turns each build's SolveStatus stream
// into the same records, whichever backend ran it:
//
//   - engine/buildx:   `docker buildx build --progress=rawjson` (the user's
//     current builder or --builder: the docker driver, a remote buildkitd, ...)
//   - engine/buildkit: github.com/moby/buildkit/client to a buildkitd address
//   - engine/plain:    `DOCKER_BUILDKIT=1 docker build --progress=plain` for
//     engines without buildx, parsed from its plain output
package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Request is one build.
type Request struct {
	// ContextDir and Dockerfile are absolute paths.
	ContextDir string
	Dockerfile string
	Target     string
	BuildArgs  map[string]string
	// Contexts are the named build contexts (`--build-context NAME=VALUE`):
	// an absolute directory, or a `docker-image://`, https or git reference.
	Contexts map[string]string
	// CacheFrom and CacheTo are cache sources and destinations in the CLI
	// form ("type=registry,ref=..."; a bare reference means a registry).
	CacheFrom, CacheTo []string
	// NoCache builds without the cache (the cold scenario).
	NoCache bool
	// Tag names the resulting image (docker driver / plain backend load it
	// into the engine's image store under this name).
	Tag string
	// OCIPath, when set, exports the image as an OCI tarball there (the
	// BuildKit client backend and non-docker buildx drivers).
	OCIPath string
	// Push, when set with a registry Tag, pushes the image (buildx, BuildKit
	// client backend).
	Push bool
	// Compression compresses the pushed image's layers: "gzip", "zstd" or
	// "estargz", every layer recompressed, the base's too (OCI media types
	// for zstd and estargz); "" leaves the builder's default.
	Compression string
	// Load, with a Tag, loads the image into the Docker Engine from a
	// buildx builder outside it (remote, docker-container); the docker
	// driver always does.
	Load bool
	// Platforms builds one image per platform ("linux/amd64,linux/arm64"
	// as a list), an index of them; empty: the builder's own. More than
	// one needs a builder that can export an index (push to a registry).
	Platforms []string
	// OutputDir, when set, exports the result's filesystem (the target
	// stage's files, not an image) to this directory, as `--output
	// type=local,dest=DIR` does; Tag, Push, Load and OCIPath are then
	// ignored and the Result describes no image.
	OutputDir string
}

// ImageOutputAttrs are the image exporter's attributes for a push with
// Compression, as `--output type=image,...` takes them.
func (r Request) ImageOutputAttrs() map[string]string {
	attrs := map[string]string{"name": r.Tag, "push": "true"}
	if r.Compression != "" {
		// every layer in the asked compression, the base's too: without
		// force-compression BuildKit reuses a blob it holds in another
		// one (a zstd push before a gzip one). A machine that holds the
		// base still matches its layers by their uncompressed content.
		attrs["compression"] = r.Compression
		attrs["force-compression"] = "true"
		if r.Compression != "gzip" {
			attrs["oci-mediatypes"] = "true"
		}
	}
	return attrs
}

// CLIFlags are the `docker build` / `docker buildx build` flags that
// express the request's cache, target, build args and named contexts
// (sorted, so that the command line is the same every time).
func (r Request) CLIFlags() []string {
	var args []string
	if r.NoCache {
		args = append(args, "--no-cache")
	}
	if r.Target != "" {
		args = append(args, "--target", r.Target)
	}
	for _, k := range slices.Sorted(maps.Keys(r.BuildArgs)) {
		args = append(args, "--build-arg", k+"="+r.BuildArgs[k])
	}
	for _, k := range slices.Sorted(maps.Keys(r.Contexts)) {
		args = append(args, "--build-context", k+"="+r.Contexts[k])
	}
	for _, c := range r.CacheFrom {
		args = append(args, "--cache-from", c)
	}
	for _, c := range r.CacheTo {
		args = append(args, "--cache-to", c)
	}
	if len(r.Platforms) > 0 {
		args = append(args, "--platform", strings.Join(r.Platforms, ","))
	}
	if r.OutputDir != "" {
		args = append(args, "--output", "type=local,dest="+r.OutputDir)
	}
	return args
}

// Builder runs builds.
type Builder interface {
	// Name is the backend: "buildx", "buildkit" or "plain".
	Name() string
	// Info describes the builder (name, driver, BuildKit version); it fails
	// with a *NoBuilderError when no builder is reachable.
	Info(ctx context.Context) (Info, error)
	// Build runs one build. A build that fails is not an error of Build:
	// the Result carries the failure (Result.Err); err is for problems of
	// the backend itself (no builder, cancelled).
	Build(ctx context.Context, req Request) (*Result, error)
}

// Info describes a builder.
type Info struct {
	Backend         string `json:"backend"`
	Builder         string `json:"builder"`
	Driver          string `json:"driver,omitempty"`
	BuildKitVersion string `json:"buildkitVersion,omitempty"`
	Endpoint        string `json:"endpoint,omitempty"`
}

// NoBuilderError says that no builder could be reached, what was tried and
// how to start one.
type NoBuilderError struct {
	Tried string // socket path, builder name, address
	Err   error
	Hint  string // the command that starts one
}

func (e *NoBuilderError) Error() string {
	return fmt.Sprintf("no builder reachable (tried %s): %v; start one with: %s", e.Tried, e.Err, e.Hint)
}

func (e *NoBuilderError) Unwrap() error { return e.Err }

// IsNoBuilder reports whether err says that no builder is reachable.
func IsNoBuilder(err error) bool {
	var nb *NoBuilderError
	return errors.As(err, &nb)
}

// Result is a finished build.
type Result struct {
	Steps []Step `json:"steps"`
	// Wall is the time from the request to the end of the build as the
	// client saw it.
	Wall time.Duration `json:"wallNs"`
	// ContextBytes is what the context transfer reported.
	ContextBytes int64 `json:"contextBytes"`
	// CacheHitRatio = cached steps / all exec and copy steps (RUN, COPY,
	// ADD, WORKDIR with a filesystem effect); internal steps (loading the
	// definition, the context, metadata, exporting) and FROM are left out.
	CacheHitRatio float64 `json:"cacheHitRatio"`
	CachedSteps   int     `json:"cachedSteps"`
	CountedSteps  int     `json:"countedSteps"`
	// Pull is the time spent fetching base images (FROM steps that did
	// work), reported apart from the build proper.
	Pull time.Duration `json:"pullNs"`
	// CacheImport and CacheExport are the time BuildKit spent importing
	// the layer cache's manifests (--cache-from) and exporting the layer
	// cache (--cache-to: a registry, a directory, gha), which a CI job
	// pays on top of its build.
	CacheImport time.Duration `json:"cacheImportNs,omitempty"`
	CacheExport time.Duration `json:"cacheExportNs,omitempty"`
	// LayerFetch is the time spent fetching layers: downloading and
	// extracting base images' layers, and on a builder whose cache was
	// imported (a fresh CI builder) the cached steps fetching theirs —
	// the union of those spans (they overlap); about zero on a warm local
	// builder. Only backends with BuildKit's progress stream (not plain)
	// see the downloads.
	LayerFetch time.Duration `json:"layerFetchNs,omitempty"`
	// Transfer is the union of the cache import, the layer fetches and
	// the cache export: the job's time that is not its build (they
	// overlap, so it is not their sum).
	Transfer time.Duration `json:"transferNs,omitempty"`
	// ImageID, ImageDigest, ImageSize (bytes) and Layers describe the
	// result (from `docker image inspect` or the exported image).
	ImageID     string `json:"imageId,omitempty"`
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageSize   int64  `json:"imageSize,omitempty"`
	Layers      int    `json:"layers,omitempty"`
	// Err is set when the build failed: the failing step and its error;
	// LogTail holds the last lines of its output.
	Err     string   `json:"error,omitempty"`
	LogTail []string `json:"logTail,omitempty"`
}

// Failed reports whether the build failed.
func (r *Result) Failed() bool { return r.Err != "" }

// ParseCacheEntry reads a --cache-from/--cache-to value as buildx does:
// comma-separated key=value pairs with a type, or a bare image reference
// (a registry cache).
func ParseCacheEntry(s string) (typ string, attrs map[string]string, err error) {
	attrs = map[string]string{}
	if !strings.Contains(s, "=") {
		return "registry", map[string]string{"ref": s}, nil
	}
	for _, f := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return "", nil, fmt.Errorf("cache entry %q: %q is not key=value", s, f)
		}
		if k == "type" {
			typ = v
			continue
		}
		attrs[k] = v
	}
	if typ == "" {
		return "", nil, fmt.Errorf("cache entry %q has no type", s)
	}
	return typ, attrs, nil
}

// NamedContextsHint explains BuildKit's refusal of named contexts by an old
// built-in Dockerfile frontend (Docker Engine 20.10 ships BuildKit 0.8;
// named contexts arrived in 0.10).
const NamedContextsHint = "hint: this builder's Dockerfile frontend predates named build contexts (BuildKit 0.10, Docker Engine 23): " +
	"use a newer Engine, a buildkitd builder (--builder NAME of a remote or docker-container builder, or --backend buildkit), " +
	"or a `# syntax=docker/dockerfile:1` line when the builder can pull the frontend image"

// Hint says what to do about a build failure layerwise recognises, or "".
func Hint(buildErr string) string {
	if strings.Contains(buildErr, "moby.buildkit.frontend.contexts") {
		return NamedContextsHint
	}
	return ""
}

// ImageStore is implemented by backends whose builds land in the Docker
// Engine's image store (buildx's docker driver, plain docker build):
// a measurement that builds an image many times under one scratch tag
// removes the images each build superseded, which would otherwise stay as
// dangling images — a gigabyte per build of a naive Go service.
type ImageStore interface {
	ImageID(ctx context.Context, ref string) string
	RemoveImages(ctx context.Context, ids []string)
}
