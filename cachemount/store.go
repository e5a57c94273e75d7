package cachemount

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/layerwise/layerwise/internal/atomicfile"
)

// Store keeps entries by key.
type Store interface {
	// Get copies the entry stored under key to the file dst; found is
	// false when there is none.
	Get(ctx context.Context, key, dst string) (found bool, err error)
	// Put stores the file src under every key.
	Put(ctx context.Context, src string, keys []string) error
	// String names the store for reports.
	String() string
}

// OpenStore opens a store from its spec: a directory (created when
// missing: what a CI cache step keeps), or registry=REF (a repository;
// each key is a tag of a single-layer OCI artifact).
func OpenStore(spec string) (Store, error) {
	if ref, ok := strings.CutPrefix(spec, "registry="); ok {
		repo, err := name.NewRepository(ref)
		if err != nil {
			return nil, fmt.Errorf("cache mount store %q: %w", spec, err)
		}
		return &RegistryStore{Repo: repo}, nil
	}
	if spec == "" {
		return nil, fmt.Errorf("cache mount store: empty (a directory, or registry=REF)")
	}
	abs, err := filepath.Abs(spec)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("cache mount store %s: %w", abs, err)
	}
	return &DirStore{Dir: abs}, nil
}

// DirStore keeps each entry as DIR/KEY.tar.zst.
type DirStore struct{ Dir string }

func (s *DirStore) String() string { return s.Dir }

func (s *DirStore) path(key string) string {
	return filepath.Join(s.Dir, filepath.FromSlash(key)+".tar.zst")
}

func (s *DirStore) Get(ctx context.Context, key, dst string) (bool, error) {
	src, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer src.Close()
	return true, copyTo(dst, src)
}

func copyTo(dst string, r io.Reader) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *DirStore) Put(ctx context.Context, src string, keys []string) error {
	for _, k := range keys {
		p := s.path(k)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		err := atomicfile.WriteFunc(p, 0o644, func(w io.Writer) error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
		if err != nil {
			return fmt.Errorf("storing %s: %w", p, err)
		}
	}
	return nil
}

// RegistryStore keeps each entry as a tag of Repo: an OCI manifest with
// one layer, the entry itself.
type RegistryStore struct{ Repo name.Repository }

// LayerMediaType is the media type of an entry stored in a registry.
const LayerMediaType types.MediaType = "application/vnd.layerwise.cache-mount.v1.tar+zstd"

const configMediaType types.MediaType = "application/vnd.layerwise.cache-mount.config.v1+json"

func (s *RegistryStore) String() string { return "registry=" + s.Repo.String() }

// Tag is the tag a key is stored under: the key made safe, cut with a
// digest of it past 128 characters.
func Tag(key string) string {
	t := sanitize(strings.ReplaceAll(key, "/", "_"))
	if len(t) > 128 {
		sum := sha256.Sum256([]byte(key))
		t = t[:111] + "-" + hex.EncodeToString(sum[:])[:16]
	}
	return t
}

func (s *RegistryStore) opts(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
}

func (s *RegistryStore) Get(ctx context.Context, key, dst string) (bool, error) {
	ref := s.Repo.Tag(Tag(key))
	img, err := remote.Image(ref, s.opts(ctx)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && (te.StatusCode == http.StatusNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("%s: %w", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return false, fmt.Errorf("%s: %w", ref, err)
	}
	if len(layers) != 1 {
		return false, fmt.Errorf("%s: %d layers: not a layerwise cache mount entry", ref, len(layers))
	}
	if mt, err := layers[0].MediaType(); err != nil || mt != LayerMediaType {
		return false, fmt.Errorf("%s: layer of media type %q: not a layerwise cache mount entry", ref, mt)
	}
	rc, err := layers[0].Compressed() // verified against its digest as it is read
	if err != nil {
		return false, fmt.Errorf("%s: %w", ref, err)
	}
	defer rc.Close()
	if err := copyTo(dst, rc); err != nil {
		return false, fmt.Errorf("%s: %w", ref, err)
	}
	return true, nil
}

func (s *RegistryStore) Put(ctx context.Context, src string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	l, err := newFileLayer(src)
	if err != nil {
		return err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: l, MediaType: LayerMediaType})
	if err != nil {
		return err
	}
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), configMediaType)
	first := s.Repo.Tag(Tag(keys[0]))
	if err := remote.Write(first, img, s.opts(ctx)...); err != nil {
		return fmt.Errorf("pushing %s: %w", first, err)
	}
	for _, k := range keys[1:] {
		ref := s.Repo.Tag(Tag(k))
		if err := remote.Tag(ref, img, s.opts(ctx)...); err != nil {
			return fmt.Errorf("tagging %s: %w", ref, err)
		}
	}
	return nil
}

// fileLayer is an entry file as a layer: its bytes are the blob.
type fileLayer struct {
	path string
	hash v1.Hash
	size int64
}

func newFileLayer(p string) (*fileLayer, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, err
	}
	return &fileLayer{path: p, size: n, hash: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}}, nil
}

func (l *fileLayer) Digest() (v1.Hash, error) { return l.hash, nil }

// DiffID is the blob's digest too: an entry is not a filesystem layer
// and is never unpacked as one.
func (l *fileLayer) DiffID() (v1.Hash, error)             { return l.hash, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.path) }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) { return os.Open(l.path) }
func (l *fileLayer) Size() (int64, error)                 { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error)  { return LayerMediaType, nil }
