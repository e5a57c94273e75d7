// Package image reads what the backends report of a built image — its ID,
// size and layers — from where each one leaves it: an OCI layout tarball
// (BuildKit's oci exporter: Read) or the Docker Engine's image store
// (`docker image inspect`: Inspect).
package image

import (
	"context"
	"os/exec"

	"github.com/layerwise/layerwise/engine"

	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image describes an exported image.
type Image struct {
	ManifestDigest string
	ConfigDigest   string
	Layers         int
	// Size is the sum of the (compressed) layer sizes, as a registry
	// stores them.
	Size int64
	// History is the config's history, oldest first, each entry with the
	// compressed size of the layer it added.
	History []engine.HistoryEntry
}

// Read reads an OCI layout tarball. A multi-platform index is resolved to
// its first manifest.
func Read(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var index []byte
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch {
		case h.Name == "index.json":
			index, err = io.ReadAll(tr)
		case strings.HasPrefix(h.Name, "blobs/") && h.Size < 4<<20:
			// manifests, indexes and configs are small; layers are skipped
			parts := strings.Split(h.Name, "/")
			if len(parts) == 3 {
				blobs[parts[1]+":"+parts[2]], err = io.ReadAll(tr)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if index == nil {
		return nil, fmt.Errorf("%s: no index.json: not an OCI layout", path)
	}
	var idx ocispecs.Index
	if err := json.Unmarshal(index, &idx); err != nil {
		return nil, err
	}
	for depth := 0; depth < 4; depth++ {
		if len(idx.Manifests) == 0 {
			return nil, fmt.Errorf("%s: empty index", path)
		}
		desc := idx.Manifests[0]
		data, ok := blobs[desc.Digest.String()]
		if !ok {
			return nil, fmt.Errorf("%s: blob %s missing", path, desc.Digest)
		}
		if desc.MediaType == ocispecs.MediaTypeImageIndex || strings.Contains(desc.MediaType, "manifest.list") {
			if err := json.Unmarshal(data, &idx); err != nil {
				return nil, err
			}
			continue
		}
		var m ocispecs.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		img := &Image{ManifestDigest: desc.Digest.String(), ConfigDigest: m.Config.Digest.String(), Layers: len(m.Layers)}
		for _, l := range m.Layers {
			img.Size += l.Size
		}
		if cfg, ok := blobs[m.Config.Digest.String()]; ok {
			img.History = historyOf(cfg, m.Layers)
		}
		return img, nil
	}
	return nil, fmt.Errorf("%s: index nested too deep", path)
}

// Inspect reads the ID, size and layer count of ref in the Docker Engine's
// image store with `docker image inspect` (docker is the CLI to run).
func Inspect(ctx context.Context, docker, ref string, res *engine.Result) error {
	out, err := exec.CommandContext(ctx, docker, "image", "inspect", "--format", "{{json .}}", ref).Output()
	if err != nil {
		return fmt.Errorf("docker image inspect %s: %w", ref, err)
	}
	var img struct {
		ID     string `json:"Id"`
		Size   int64  `json:"Size"`
		RootFS struct {
			Layers []string `json:"Layers"`
		} `json:"RootFS"`
	}
	if err := json.Unmarshal(out, &img); err != nil {
		return err
	}
	res.ImageID, res.ImageSize, res.Layers = img.ID, img.Size, len(img.RootFS.Layers)
	hist, err := History(ctx, docker, ref)
	if err != nil {
		return err
	}
	res.AttachLayers(hist)
	return nil
}

// History reads ref's history from the Docker Engine's image store,
// oldest first, with each layer's size as the store counts it
// (uncompressed).
func History(ctx context.Context, docker, ref string) ([]engine.HistoryEntry, error) {
	// one JSON string per line: a heredoc's instruction spans lines
	out, err := exec.CommandContext(ctx, docker, "image", "history", "--no-trunc", "--human=false", "--format", "{{.Size}} {{json .CreatedBy}}", ref).Output()
	if err != nil {
		return nil, fmt.Errorf("docker image history %s: %w", ref, err)
	}
	var hist []engine.HistoryEntry
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		size, by, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var e engine.HistoryEntry
		if err := json.Unmarshal([]byte(by), &e.CreatedBy); err != nil {
			return nil, fmt.Errorf("docker image history %s: %q: %w", ref, line, err)
		}
		e.Bytes, _ = strconv.ParseInt(size, 10, 64)
		hist = append(hist, e)
	}
	slices.Reverse(hist) // docker lists the newest first
	return hist, nil
}

// historyOf pairs an image config's history with the manifest's layers:
// each entry that is not an empty layer added the next one.
func historyOf(config []byte, layers []ocispecs.Descriptor) []engine.HistoryEntry {
	var cfg ocispecs.Image
	if json.Unmarshal(config, &cfg) != nil {
		return nil
	}
	var out []engine.HistoryEntry
	next := 0
	for _, h := range cfg.History {
		e := engine.HistoryEntry{CreatedBy: h.CreatedBy}
		if !h.EmptyLayer && next < len(layers) {
			e.Bytes = layers[next].Size
			next++
		}
		out = append(out, e)
	}
	return out
}

// ID is the ID of ref in the Docker Engine's image store ("" when it has
// none).
func ID(ctx context.Context, docker, ref string) string {
	out, err := exec.CommandContext(ctx, docker, "image", "inspect", "--format", "{{.Id}}", ref).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Remove removes images from the Docker Engine's store by ID, best effort:
// one still tagged elsewhere or used by a container stays, as `docker image
// rm` without --force leaves it.
func Remove(ctx context.Context, docker string, ids []string) {
	if len(ids) == 0 {
		return
	}
	_ = exec.CommandContext(ctx, docker, append([]string{"image", "rm"}, ids...)...).Run()
}
