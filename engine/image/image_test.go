package image

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// layout writes an OCI layout tarball: index.json and the blobs given, by
// digest. It returns the path.
func layout(t *testing.T, index []byte, blobs ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	put := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	put("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	put("index.json", index)
	for _, b := range blobs {
		put("blobs/sha256/"+fmt.Sprintf("%x", sha256.Sum256(b)), b)
	}
	tw.Close()
	f.Close()
	return p
}

func desc(mediaType string, data []byte) ocispecs.Descriptor {
	return ocispecs.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Read follows the index (a multi-platform one to its first manifest) and
// sums the layers' sizes as a registry stores them; layer blobs are never
// read.
func TestRead(t *testing.T) {
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	manifest := mustJSON(t, ocispecs.Manifest{MediaType: ocispecs.MediaTypeImageManifest, Config: desc(ocispecs.MediaTypeImageConfig, config),
		Layers: []ocispecs.Descriptor{{MediaType: ocispecs.MediaTypeImageLayerGzip, Digest: digest.FromString("l1"), Size: 1000},
			{MediaType: ocispecs.MediaTypeImageLayerGzip, Digest: digest.FromString("l2"), Size: 234}}})
	md := desc(ocispecs.MediaTypeImageManifest, manifest)

	single := layout(t, mustJSON(t, ocispecs.Index{Manifests: []ocispecs.Descriptor{md}}), manifest, config)
	img, err := Read(single)
	if err != nil {
		t.Fatal(err)
	}
	if img.Layers != 2 || img.Size != 1234 || img.ManifestDigest != md.Digest.String() || img.ConfigDigest != digest.FromBytes(config).String() {
		t.Errorf("single: %+v", img)
	}

	inner := mustJSON(t, ocispecs.Index{MediaType: ocispecs.MediaTypeImageIndex, Manifests: []ocispecs.Descriptor{md}})
	multi := layout(t, mustJSON(t, ocispecs.Index{Manifests: []ocispecs.Descriptor{desc(ocispecs.MediaTypeImageIndex, inner)}}), inner, manifest, config)
	if img, err := Read(multi); err != nil || img.ManifestDigest != md.Digest.String() || img.Layers != 2 {
		t.Errorf("multi-platform: %+v %v", img, err)
	}

	for name, p := range map[string]string{
		"no index.json": func() string {
			p := filepath.Join(t.TempDir(), "x.tar")
			f, _ := os.Create(p)
			tar.NewWriter(f).Close()
			f.Close()
			return p
		}(),
		"blob " + md.Digest.String() + " missing": layout(t, mustJSON(t, ocispecs.Index{Manifests: []ocispecs.Descriptor{md}}), config),
		"empty index": layout(t, mustJSON(t, ocispecs.Index{})),
	} {
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "absent.tar")); err == nil {
		t.Error("a missing file must be an error")
	}
}

// The config's history is paired with the manifest's layers: an entry
// that is an empty layer gets none, each other the next one's size.
func TestReadHistory(t *testing.T) {
	config := []byte(`{"architecture":"amd64","os":"linux","history":[
		{"created_by":"/bin/sh -c #(nop) ADD file:x in /"},
		{"created_by":"ENV A=1","empty_layer":true},
		{"created_by":"RUN /bin/sh -c make # buildkit"},
		{"created_by":"CMD [\"sh\"]","empty_layer":true}]}`)
	manifest := mustJSON(t, ocispecs.Manifest{MediaType: ocispecs.MediaTypeImageManifest, Config: desc(ocispecs.MediaTypeImageConfig, config),
		Layers: []ocispecs.Descriptor{{MediaType: ocispecs.MediaTypeImageLayerGzip, Digest: digest.FromString("l1"), Size: 1000},
			{MediaType: ocispecs.MediaTypeImageLayerGzip, Digest: digest.FromString("l2"), Size: 234}}})
	img, err := Read(layout(t, mustJSON(t, ocispecs.Index{Manifests: []ocispecs.Descriptor{desc(ocispecs.MediaTypeImageManifest, manifest)}}), manifest, config))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range img.History {
		got = append(got, fmt.Sprintf("%s=%d", h.CreatedBy, h.Bytes))
	}
	want := `/bin/sh -c #(nop) ADD file:x in /=1000|ENV A=1=0|RUN /bin/sh -c make # buildkit=234|CMD ["sh"]=0`
	if strings.Join(got, "|") != want {
		t.Errorf("history:\n %s\nwant\n %s", strings.Join(got, "|"), want)
	}
}
