package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/ephemeral"
	"github.com/layerwise/layerwise/graphbuild"
)

// CIOptions configure the ci scenarios: each build is a CI job of its own,
// on a fresh builder (a new buildkitd with an empty state directory, and
// for buildx a new builder of it: never the developer's warm one), its
// layer cache imported from and exported to Cache with mode=max, as
// `layerwise generate ci` sets a job up. Hosted CI runners are simulated
// with the same parts: the builder is started here, and the CI's cache is
// a directory or a registry.
type CIOptions struct {
	// Builders starts each job's builder.
	Builders ephemeral.Factory
	// Cache is where the layer cache lives between jobs: "registry=REF"
	// (a repository; one tag per image) or a directory (what a CI cache
	// step keeps: type=local); "" for a temporary directory that lives as
	// long as the measurement.
	Cache string
	// CacheCompression compresses the exported layer cache ("" for
	// BuildKit's default, gzip; "zstd" decompresses several times faster
	// when the next job fetches the layers: force-compression recompresses
	// the base images' layers too).
	CacheCompression string
	// CacheMounts persists the images' cache mounts between jobs
	// (`layerwise build --cache-mounts`); nil: every job's mounts start
	// empty, as on a CI runner that keeps nothing else.
	CacheMounts       cachemount.Store
	CacheMountOptions cachemount.Options
	// PullRegistry is the repository the pull scenarios push each image
	// to ("127.0.0.1:5000/layerwise-pull"; a tag per image and scenario)
	// and the fresh builders pull it from.
	PullRegistry string
}

// Variant is the options for one of several variants of the same images
// measured side by side (bench's naive, fixed and expert; verify's
// original and fixed): each gets a cache-mount store of its own, so that
// the mounts one saved never speed another up. nil stays nil. (The layer
// cache is per measurement already, unless Cache names one.)
func (c *CIOptions) Variant(name string) *CIOptions {
	if c == nil {
		return nil
	}
	cp := *c
	switch st := c.CacheMounts.(type) {
	case *cachemount.DirStore:
		if v, err := cachemount.OpenStore(filepath.Join(st.Dir, name)); err == nil {
			cp.CacheMounts = v
		}
	case *cachemount.RegistryStore:
		if v, err := cachemount.OpenStore("registry=" + st.Repo.String() + "-" + name); err == nil {
			cp.CacheMounts = v
		}
	}
	if c.PullRegistry != "" {
		cp.PullRegistry = c.PullRegistry + "-" + name
	}
	if c.Cache != "" {
		if ref, ok := strings.CutPrefix(c.Cache, "registry="); ok {
			cp.Cache = "registry=" + ref + "-" + name
		} else {
			cp.Cache = filepath.Join(c.Cache, name)
		}
	}
	return &cp
}

func (c *CIOptions) supported() bool { return ephemeral.Supported(c.Builders.Backend) }

func (c *CIOptions) unsupported() string {
	return fmt.Sprintf("the ci scenarios start a buildkitd per build: use --backend buildkit or buildx (not %s)", c.Builders.Backend)
}

// MountCost is what persisting the cache mounts cost the ci jobs of a
// scenario: the restore before the build and the save after it, in
// seconds (builds of the helper and store transfers) and archive bytes.
type MountCost struct {
	Mounts         int      `json:"mounts"`
	Hits           int      `json:"hits"`
	RestoreSeconds float64  `json:"restoreSeconds"`
	RestoredBytes  int64    `json:"restoredBytes"`
	SaveSeconds    float64  `json:"saveSeconds"`
	SavedBytes     int64    `json:"savedBytes"`
	DroppedBytes   int64    `json:"droppedBytes,omitempty"`
	Errors         []string `json:"errors,omitempty"`
}

// ciJobs runs one image's CI jobs.
type ciJobs struct {
	opt      *CIOptions
	im       *discover.Image
	wc       *workCopy
	contexts map[string]string
	tag      string
	logf     func(string, ...any)
	info     engine.Info
	tmp      string
}

func (j *ciJobs) close() {
	if j.tmp != "" {
		os.RemoveAll(j.tmp)
	}
}

// cacheRef is the image's layer cache: a registry tag, or a directory.
func (j *ciJobs) cacheRef() (registry string, dir string, err error) {
	name := graphbuild.Sanitize(j.im.Name)
	if ref, ok := strings.CutPrefix(j.opt.Cache, "registry="); ok {
		return ref + ":" + strings.ReplaceAll(name, "/", "-") + "-ci-cache", "", nil
	}
	root := j.opt.Cache
	if root == "" {
		if j.tmp == "" {
			if j.tmp, err = os.MkdirTemp("", "layerwise-ci-cache-"); err != nil {
				return "", "", err
			}
		}
		root = j.tmp
	}
	return "", filepath.Join(root, name), nil
}

func (j *ciJobs) cacheFlags() (from, to []string, err error) {
	ref, dir, err := j.cacheRef()
	if err != nil {
		return nil, nil, err
	}
	attrs := ",mode=max"
	if c := j.opt.CacheCompression; c != "" {
		attrs += ",compression=" + c + ",force-compression=true"
	}
	if ref != "" {
		return []string{"type=registry,ref=" + ref}, []string{"type=registry,ref=" + ref + attrs}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		from = []string{"type=local,src=" + dir}
	}
	return from, []string{"type=local,dest=" + dir + attrs}, nil
}

// cacheBytes is the layer cache's stored size.
func (j *ciJobs) cacheBytes() int64 {
	ref, dir, err := j.cacheRef()
	if err != nil {
		return 0
	}
	if ref != "" {
		raw, err := crane.Manifest(ref, crane.Insecure)
		if err != nil {
			return 0
		}
		var idx struct {
			Manifests, Layers []struct {
				Size int64 `json:"size"`
			}
		}
		if json.Unmarshal(raw, &idx) != nil {
			return 0
		}
		n := int64(len(raw))
		for _, d := range append(idx.Manifests, idx.Layers...) {
			n += d.Size
		}
		return n
	}
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// run is one CI job: a fresh builder, the cache mounts restored (when
// persisted and m is a measured scenario), the build with the layer cache
// imported and exported, the mounts saved; the builder and its state are
// removed at the end.
func (j *ciJobs) run(ctx context.Context, m *Measurement) (*engine.Result, error) {
	job, err := j.opt.Builders.Start(ctx)
	if err != nil {
		return nil, err
	}
	defer job.End()
	if j.info, err = job.Builder.Info(ctx); err != nil {
		return nil, err
	}
	from, to, err := j.cacheFlags()
	if err != nil {
		return nil, err
	}
	var rep *cachemount.Report
	persist := j.opt.CacheMounts != nil
	if persist && m != nil {
		t0 := time.Now()
		rep, err = cachemount.Restore(ctx, job.Builder, j.im, j.opt.CacheMounts, j.opt.CacheMountOptions)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		m.addRestore(rep, time.Since(t0), err)
	}
	res, err := job.Builder.Build(ctx, engine.Request{ContextDir: j.wc.Context, Dockerfile: j.wc.Dockerfile, Target: j.im.Target,
		BuildArgs: j.im.Args, Contexts: j.contexts, Tag: j.tag, CacheFrom: from, CacheTo: to})
	if err != nil {
		return nil, err
	}
	if persist && !res.Failed() {
		t0 := time.Now()
		rep, err = cachemount.Save(ctx, job.Builder, j.im, j.opt.CacheMounts, j.opt.CacheMountOptions, rep)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		if m != nil {
			m.addSave(rep, time.Since(t0), err)
		}
	}
	if m != nil {
		m.CacheBytes = j.cacheBytes()
	}
	return res, nil
}

func (m *Measurement) mountCost() *MountCost {
	if m.CacheMounts == nil {
		m.CacheMounts = &MountCost{}
	}
	return m.CacheMounts
}

func (m *Measurement) addRestore(rep *cachemount.Report, took time.Duration, err error) {
	c := m.mountCost()
	c.RestoreSeconds += took.Seconds()
	if err != nil {
		c.Errors = append(c.Errors, "restore: "+err.Error())
	}
	if rep == nil {
		return
	}
	c.Mounts = len(rep.Mounts)
	for _, mr := range rep.Mounts {
		if mr.Restore.Hit() {
			c.Hits++
			c.RestoredBytes += mr.Restore.ArchiveBytes
		}
		if mr.Restore != nil && mr.Restore.Error != "" {
			c.Errors = append(c.Errors, mr.Mount.Label()+": "+mr.Restore.Error)
		}
	}
}

func (m *Measurement) addSave(rep *cachemount.Report, took time.Duration, err error) {
	c := m.mountCost()
	c.SaveSeconds += took.Seconds()
	if err != nil {
		c.Errors = append(c.Errors, "save: "+err.Error())
	}
	if rep == nil {
		return
	}
	for _, mr := range rep.Mounts {
		if mr.Save == nil {
			continue
		}
		c.SavedBytes += mr.Save.ArchiveBytes
		c.DroppedBytes += mr.Save.DroppedBytes
		if mr.Save.Error != "" {
			c.Errors = append(c.Errors, mr.Mount.Label()+": "+mr.Save.Error)
		}
	}
}
