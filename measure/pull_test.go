package measure

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What the registry holds is read from each layer's media type and, for
// eStargz (a gzip stream), its table-of-contents annotation; a note says
// when that is not what was asked for.
func TestCompressionOfPushedLayers(t *testing.T) {
	toc := map[string]string{estargzTOC: "sha256:abc"}
	for _, c := range []struct {
		mt   types.MediaType
		ann  map[string]string
		want string
	}{
		{types.DockerLayer, nil, "gzip"},
		{types.OCILayer, nil, "gzip"},
		{types.OCILayerZStd, nil, "zstd"},
		{types.OCILayer, toc, "estargz"},
		{types.OCIUncompressedLayer, nil, "uncompressed"},
	} {
		if got := layerCompression(c.mt, c.ann); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.mt, c.ann, got, c.want)
		}
	}
	if n := compressionNote("zstd", []string{"zstd", "zstd"}); n != "" {
		t.Errorf("all zstd: %q", n)
	}
	if n := compressionNote("estargz", []string{"gzip", "estargz"}); n != "asked for estargz layers, the registry got gzip: the builder fell back" {
		t.Errorf("plain gzip among estargz: %q", n)
	}
	if n := joinNote(joinNote("a", "b"), "b"); n != "a; b" {
		t.Errorf("a note said twice: %q", n)
	}
}
