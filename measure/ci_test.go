package measure

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/cachemount"
)

// Variants measured side by side (bench's naive, fixed, expert; verify's
// original and fixed) never share a cache-mount store or a named layer
// cache: one's saved build cache must not speed another up.
func TestCIVariantsGetCachesOfTheirOwn(t *testing.T) {
	if (*CIOptions)(nil).Variant("fixed") != nil {
		t.Error("no ci options: no variant")
	}
	dir := t.TempDir()
	store, err := cachemount.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ci := &CIOptions{Cache: filepath.Join(dir, "layers"), CacheMounts: store}
	a, b := ci.Variant("naive"), ci.Variant("fixed")
	if a.Cache == b.Cache || a.Cache == ci.Cache {
		t.Errorf("layer caches: %q %q", a.Cache, b.Cache)
	}
	if a.CacheMounts.String() == b.CacheMounts.String() || a.CacheMounts.String() == store.String() {
		t.Errorf("mount stores: %s %s", a.CacheMounts, b.CacheMounts)
	}
	r := (&CIOptions{Cache: "registry=127.0.0.1:5000/ci"}).Variant("fixed")
	if r.Cache != "registry=127.0.0.1:5000/ci-fixed" {
		t.Errorf("registry cache: %q", r.Cache)
	}
	reg, err := cachemount.OpenStore("registry=127.0.0.1:5000/mounts")
	if err != nil {
		t.Fatal(err)
	}
	rv := (&CIOptions{CacheMounts: reg}).Variant("expert")
	if rv.CacheMounts.String() == reg.String() || !strings.Contains(rv.CacheMounts.String(), "mounts-expert") {
		t.Errorf("registry mount store: %s", rv.CacheMounts)
	}
	if ci.Cache != filepath.Join(dir, "layers") || ci.CacheMounts != store {
		t.Error("Variant changed the options it was given")
	}
}
