package build

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

// For returns the cache-from and cache-to settings of the image whose
// target name is name.
func (c Cache) For(name string) (from, to []string) {
	switch c.Kind {
	case CacheLocal, "":
		dir := ".layerwise/cache/" + name
		return []string{"type=local,src=" + dir}, []string{"type=local,dest=" + dir + ",mode=max"}
	case CacheRegistry:
		ref := c.Registry + "/" + name + ":buildcache"
		return []string{"type=registry,ref=" + ref}, []string{"type=registry,ref=" + ref + ",mode=max"}
	case CacheGHA:
		return []string{"type=gha,scope=" + name}, []string{"type=gha,scope=" + name + ",mode=max"}
	case CacheInline:
		// the image carries its cache; the next build reads it from the
		// image it replaces
		return nil, []string{"type=inline"}
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
