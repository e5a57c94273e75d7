package graphbuild

import (
	"fmt"
	"strings"

	"github.com/layerwise/layerwise/discover"
)

// Cache kinds: where builds keep their cache between machines and runs.
const (
	CacheLocal    = "local"    // .layerwise/cache/IMAGE (a docker-container or remote builder)
	CacheRegistry = "registry" // REF/IMAGE:buildcache, mode=max
	CacheGHA      = "gha"      // GitHub Actions' cache service, one scope per image
	CacheInline   = "inline"   // in the image itself (any builder, min mode)
	CacheNone     = "none"
)

// Cache says where every image's build cache goes: the same settings for
// `layerwise build --build-cache` and the bake and compose files
// `layerwise generate` writes.
type Cache struct {
	Kind string
	// Registry is the repository prefix for CacheRegistry
	// ("registry.example.com/team/cache").
	Registry string
}

// ParseCache reads "local", "inline", "gha", "none" or "registry=REF".
func ParseCache(s string) (Cache, error) {
	if ref, ok := strings.CutPrefix(s, "registry="); ok && ref != "" {
		return Cache{Kind: CacheRegistry, Registry: strings.TrimSuffix(ref, "/")}, nil
	}
	switch s {
	case "", CacheLocal:
		return Cache{Kind: CacheLocal}, nil
	case CacheInline, CacheGHA, CacheNone:
		return Cache{Kind: s}, nil
	}
	return Cache{}, fmt.Errorf("cache %q: want local, inline, gha, none or registry=REF", s)
}

// ForImage returns an image's cache-from and cache-to settings. Every
// export carries ignore-error=true, so that a cache outage (a registry
// down, the Actions cache service throttling) never fails a build;
// BuildKit's inline exporter has no such attribute: its cache is written
// in the image's config and cannot fail apart from the image. An inline
// cache is read back from the image it replaces, its own reference, as
// buildx users write --cache-from type=registry,ref=IMAGE.
func (c Cache) ForImage(im *discover.Image) (from, to []string) {
	return c.settings(TargetName(im), Ref(im))
}

// settings are the cache entries of target name; ref is the image's
// reference ("": no inline import).
func (c Cache) settings(name, ref string) (from, to []string) {
	// zstd: the next CI job's fresh builder fetches and unpacks every layer
	// its cached steps left, and zstd unpacks several times faster than
	// gzip (the Go service's layer fetch on a fresh builder: 30 s with
	// gzip, 7 s with zstd, docs/benchmarks-ci.md); force-compression
	// recompresses the base images' gzip layers once, in the export.
	// BuildKit 0.10+ (any buildx builder since 2022) reads it.
	const export = ",ignore-error=true,mode=max,compression=zstd,force-compression=true"
	switch c.Kind {
	case CacheLocal, "":
		dir := ".layerwise/cache/" + name
		return []string{"type=local,src=" + dir}, []string{"type=local,dest=" + dir + export}
	case CacheRegistry:
		ref := c.Registry + "/" + name + ":buildcache"
		return []string{"type=registry,ref=" + ref}, []string{"type=registry,ref=" + ref + export}
	case CacheGHA:
		return []string{"type=gha,scope=" + name}, []string{"type=gha,scope=" + name + export}
	case CacheInline:
		// the image carries its cache (min mode only); the next build
		// reads it from the image it replaces
		if ref != "" {
			from = []string{"type=registry,ref=" + ref}
		}
		return from, []string{"type=inline"}
	}
	return nil, nil
}

// TargetName is an image's name as a bake target, compose service and
// cache scope accept it ([a-zA-Z0-9_-]).
func TargetName(im *discover.Image) string {
	var b strings.Builder
	for _, r := range im.Name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
