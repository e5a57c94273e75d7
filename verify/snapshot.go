package verify

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Entry is one path of an image's filesystem, as the container sees it.
type Entry struct {
	Type   string `json:"type"` // file, dir, symlink, hardlink, other
	Mode   uint32 `json:"mode"` // permission and special bits
	UID    int    `json:"uid"`
	GID    int    `json:"gid"`
	Size   int64  `json:"size"`
	Digest string `json:"digest,omitempty"` // sha256 of the content (files)
	Link   string `json:"link,omitempty"`   // symlink or hardlink target
}

// ImageConfig is the part of an image's config that decides how the
// container runs.
type ImageConfig struct {
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	User         string            `json:"user,omitempty"`
	WorkingDir   string            `json:"workingDir,omitempty"`
	ExposedPorts []string          `json:"exposedPorts,omitempty"`
	Volumes      []string          `json:"volumes,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	StopSignal   string            `json:"stopSignal,omitempty"`
	Healthcheck  []string          `json:"healthcheck,omitempty"`
	OnBuild      []string          `json:"onBuild,omitempty"`
	Shell        []string          `json:"shell,omitempty"`
}

// Snapshot is an image's filesystem (layers applied, whiteouts honoured)
// and config.
type Snapshot struct {
	Files  map[string]Entry
	Config ImageConfig
	// Texts holds the content of dpkg's database (status and the file
	// lists of each package): what a package set change explains.
	Texts map[string][]byte
}

// keepText: the files whose content the comparison reads.
func keepText(p string) bool {
	return p == "/var/lib/dpkg/status" || (strings.HasPrefix(p, "/var/lib/dpkg/info/") && strings.HasSuffix(p, ".list"))
}

// SnapshotFromDocker exports an image the Docker Engine holds (`docker
// save`, the engine's own export) and reads it with go-containerregistry.
func SnapshotFromDocker(ctx context.Context, docker, ref, tmpDir string) (*Snapshot, error) {
	f, err := os.CreateTemp(tmpDir, "image-*.tar")
	if err != nil {
		return nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	if out, err := exec.CommandContext(ctx, docker, "save", "-o", f.Name(), ref).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("docker save %s: %v: %s", ref, err, strings.TrimSpace(string(out)))
	}
	img, err := tarball.ImageFromPath(f.Name(), nil)
	if err != nil {
		return nil, fmt.Errorf("reading the export of %s: %w", ref, err)
	}
	return snapshotOf(img)
}

// snapshotOf reads an image: mutate.Extract applies the layers in order
// with their whiteouts, as the container's root filesystem would show them.
func snapshotOf(img v1.Image) (*Snapshot, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Files: map[string]Entry{}, Config: configOf(cf.Config), Texts: map[string][]byte{}}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		p := "/" + strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		e := Entry{Mode: uint32(h.Mode & 0o7777), UID: h.Uid, GID: h.Gid}
		switch h.Typeflag {
		case tar.TypeReg:
			e.Type, e.Size = "file", h.Size
			d := sha256.New()
			var r io.Reader = tr
			var text strings.Builder
			if keepText(p) && h.Size < 16<<20 {
				r = io.TeeReader(tr, &text)
			}
			if _, err := io.Copy(d, r); err != nil {
				return nil, err
			}
			if text.Len() > 0 {
				s.Texts[p] = []byte(text.String())
			}
			e.Digest = "sha256:" + hex.EncodeToString(d.Sum(nil))
		case tar.TypeDir:
			e.Type = "dir"
		case tar.TypeSymlink:
			e.Type, e.Link = "symlink", h.Linkname
		case tar.TypeLink:
			e.Type, e.Link = "hardlink", "/"+strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")
		default:
			e.Type = "other"
		}
		s.Files[p] = e
	}
	return s, nil
}

func configOf(c v1.Config) ImageConfig {
	out := ImageConfig{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, User: c.User, WorkingDir: c.WorkingDir,
		Labels: c.Labels, StopSignal: c.StopSignal, OnBuild: c.OnBuild, Shell: c.Shell}
	for p := range c.ExposedPorts {
		out.ExposedPorts = append(out.ExposedPorts, p)
	}
	for v := range c.Volumes {
		out.Volumes = append(out.Volumes, v)
	}
	sort.Strings(out.ExposedPorts)
	sort.Strings(out.Volumes)
	if c.Healthcheck != nil {
		out.Healthcheck = append([]string{fmt.Sprint(c.Healthcheck.Interval, c.Healthcheck.Timeout, c.Healthcheck.StartPeriod, c.Healthcheck.Retries)}, c.Healthcheck.Test...)
	}
	return out
}

func under(p, dir string) bool {
	dir = filepath.Clean(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}
