// Package buildkit runs builds with BuildKit's Go client against a
// buildkitd (unix:// or tcp:// address): the dockerfile.v0 frontend, the
// context and the Dockerfile's directory as local mounts, the image exported
// as an OCI tarball or pushed to a registry with the credentials of the
// Docker config.
package buildkit

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/image"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// DefaultAddr is where buildkitd listens by default (and where
// scripts/engine.sh starts it).
const DefaultAddr = "unix:///run/buildkit/buildkitd.sock"

// Builder is the BuildKit client backend.
type Builder struct {
	Addr string
	info *engine.Info
}

// New returns a backend for the buildkitd at addr ("" for DefaultAddr).
func New(addr string) *Builder {
	if addr == "" {
		addr = DefaultAddr
	}
	return &Builder{Addr: addr}
}

func (b *Builder) Name() string { return "buildkit" }

func (b *Builder) noBuilder(err error) error {
	return &engine.NoBuilderError{Tried: "buildkitd at " + b.Addr, Err: err,
		Hint: "make engine (starts buildkitd --addr " + DefaultAddr + "), or pass --buildkit-addr"}
}

func (b *Builder) client(ctx context.Context) (*client.Client, error) {
	if p, ok := strings.CutPrefix(b.Addr, "unix://"); ok {
		if _, err := os.Stat(p); err != nil {
			return nil, b.noBuilder(err)
		}
	}
	c, err := client.New(ctx, b.Addr)
	if err != nil {
		return nil, b.noBuilder(err)
	}
	return c, nil
}

// Info asks buildkitd for its version.
func (b *Builder) Info(ctx context.Context) (engine.Info, error) {
	if b.info != nil {
		return *b.info, nil
	}
	c, err := b.client(ctx)
	if err != nil {
		return engine.Info{}, err
	}
	defer c.Close()
	ctx2, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	in, err := c.Info(ctx2)
	if err != nil {
		return engine.Info{}, b.noBuilder(err)
	}
	info := engine.Info{Backend: "buildkit", Builder: "buildkitd", Driver: "remote", Endpoint: b.Addr, BuildKitVersion: in.BuildkitVersion.Version}
	b.info = &info
	return info, nil
}

// Build solves the Dockerfile with the dockerfile.v0 frontend.
func (b *Builder) Build(ctx context.Context, req engine.Request) (*engine.Result, error) {
	if _, err := b.Info(ctx); err != nil {
		return nil, err
	}
	c, err := b.client(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ociPath := req.OCIPath
	if !(req.Push && req.Tag != "") && ociPath == "" && req.OutputDir == "" {
		tmp, err := os.MkdirTemp("", "layerwise-buildkit-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		ociPath = filepath.Join(tmp, "image.tar")
	}
	opt, err := solveOpt(req, ociPath)
	if err != nil {
		return nil, err
	}
	opt.Session = []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard))})}

	rec := engine.NewRecorder()
	ch := make(chan *client.SolveStatus)
	start := time.Now()
	var resp *client.SolveResponse
	eg, egctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		var err error
		resp, err = c.Solve(egctx, nil, opt, ch)
		return err
	})
	eg.Go(func() error {
		for st := range ch {
			rec.Add(st)
		}
		return nil
	})
	serr := eg.Wait()
	wall := time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := rec.Finish()
	res.Wall = wall
	if serr != nil {
		if res.Err == "" {
			res.Err = serr.Error()
		}
		return res, nil
	}
	if resp != nil {
		res.ImageDigest = resp.ExporterResponse["containerimage.digest"]
	}
	if (req.Push && req.Tag != "") || req.OutputDir != "" {
		return res, nil
	}
	img, err := image.Read(ociPath)
	if err != nil {
		return nil, fmt.Errorf("reading the exported image: %w", err)
	}
	res.ImageID, res.ImageSize, res.Layers = img.ConfigDigest, img.Size, img.Layers
	res.AttachLayers(img.History)
	if res.ImageDigest == "" {
		res.ImageDigest = img.ManifestDigest
	}
	return res, nil
}

// solveOpt is the solve a request asks for, as buildx would send it: the
// context and the Dockerfile's directory as local mounts, the frontend
// attributes (target, no-cache, build args, named contexts — a directory
// becomes one more local mount), cache imports and exports, and the export
// (a push of the tag, or an OCI tarball at ociPath). The session, which
// reads the user's registry credentials, is the caller's.
func solveOpt(req engine.Request, ociPath string) (client.SolveOpt, error) {
	ctxFS, err := fsutil.NewFS(req.ContextDir)
	if err != nil {
		return client.SolveOpt{}, err
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(req.Dockerfile))
	if err != nil {
		return client.SolveOpt{}, err
	}
	attrs := map[string]string{"filename": filepath.Base(req.Dockerfile)}
	if req.Target != "" {
		attrs["target"] = req.Target
	}
	if req.NoCache {
		attrs["no-cache"] = ""
	}
	for k, v := range req.BuildArgs {
		attrs["build-arg:"+k] = v
	}
	if len(req.Platforms) > 0 {
		attrs["platform"] = strings.Join(req.Platforms, ",")
	}
	mounts := map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS}
	// Named contexts as buildx sends them: a directory is one more local
	// mount that the frontend attribute points at; images and URLs pass
	// through for the frontend to resolve.
	for k, v := range req.Contexts {
		if !filepath.IsAbs(v) {
			attrs["context:"+k] = v
			continue
		}
		fs, err := fsutil.NewFS(v)
		if err != nil {
			return client.SolveOpt{}, fmt.Errorf("named context %s: %w", k, err)
		}
		mounts["named-context-"+k] = fs
		attrs["context:"+k] = "local:named-context-" + k
	}
	var imports, exports []client.CacheOptionsEntry
	for _, list := range []struct {
		entries []string
		to      *[]client.CacheOptionsEntry
	}{{req.CacheFrom, &imports}, {req.CacheTo, &exports}} {
		for _, c := range list.entries {
			typ, cacheAttrs, err := engine.ParseCacheEntry(c)
			if err != nil {
				return client.SolveOpt{}, err
			}
			*list.to = append(*list.to, client.CacheOptionsEntry{Type: typ, Attrs: cacheAttrs})
		}
	}
	opt := client.SolveOpt{
		CacheImports:  imports,
		CacheExports:  exports,
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   mounts,
	}
	switch {
	case req.OutputDir != "":
		opt.Exports = []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: req.OutputDir}}
	case req.Push && req.Tag != "":
		opt.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: req.ImageOutputAttrs()}}
	default:
		opt.Exports = []client.ExportEntry{{Type: client.ExporterOCI, Attrs: map[string]string{"name": req.Tag},
			Output: func(map[string]string) (io.WriteCloser, error) { return os.Create(ociPath) }}}
	}
	return opt, nil
}

func init() {
	engine.RegisterBackend(engine.Backend{Name: "buildkit", Help: "a BuildKit client to a buildkitd at --buildkit-addr",
		New: func(c engine.BackendConfig) engine.Builder { return New(c.BuildKitAddr) }})
}
