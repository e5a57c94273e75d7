// Package buildx runs builds with `docker buildx build --progress=rawjson`,
// which prints BuildKit's SolveStatus stream as one JSON object per line on
// stderr. It honours the user's current builder or an explicit one, so the
// same code measures the docker driver of a Docker Engine and a remote
// buildkitd (`docker buildx create --driver remote ...`).
package buildx

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/image"
	"github.com/moby/buildkit/client"
)

// Builder is the buildx backend.
type Builder struct {
	// Docker is the docker CLI to run (default "docker").
	Docker string
	// BuilderName selects a buildx builder; "" uses the current one.
	BuilderName string

	info *engine.Info
}

// New returns a buildx backend.
func New(builderName string) *Builder { return &Builder{Docker: "docker", BuilderName: builderName} }

func (b *Builder) Name() string { return "buildx" }

func (b *Builder) docker() string {
	if b.Docker == "" {
		return "docker"
	}
	return b.Docker
}

func (b *Builder) tried() string {
	name := b.BuilderName
	if name == "" {
		name = "the current buildx builder"
	} else {
		name = "buildx builder " + name
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	return name + " via " + host
}

const startHint = "make engine (or: dockerd & ; or docker buildx create --use ...)"

// Info inspects the builder: `docker buildx inspect [--bootstrap]`.
func (b *Builder) Info(ctx context.Context) (engine.Info, error) {
	if b.info != nil {
		return *b.info, nil
	}
	if _, err := exec.LookPath(b.docker()); err != nil {
		return engine.Info{}, &engine.NoBuilderError{Tried: b.docker() + " on PATH", Err: err, Hint: "install the docker CLI and the buildx plugin (make engine)"}
	}
	args := []string{"buildx", "inspect", "--bootstrap"}
	if b.BuilderName != "" {
		args = append(args, b.BuilderName)
	}
	ctx2, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx2, b.docker(), args...).CombinedOutput()
	if err != nil {
		return engine.Info{}, &engine.NoBuilderError{Tried: b.tried(), Err: errors.New(strings.TrimSpace(lastLine(out, err))), Hint: startHint}
	}
	info := engine.Info{Backend: "buildx"}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Name":
			if info.Builder == "" {
				info.Builder = v
			}
		case "Driver":
			info.Driver = v
		case "Endpoint":
			info.Endpoint = v
		case "BuildKit version", "BuildKit":
			info.BuildKitVersion = v
		}
	}
	b.info = &info
	return info, nil
}

func lastLine(out []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if l := lines[len(lines)-1]; l != "" {
		return l
	}
	return err.Error()
}

// Build runs one build.
func (b *Builder) Build(ctx context.Context, req engine.Request) (*engine.Result, error) {
	info, err := b.Info(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "layerwise-buildx-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	meta := filepath.Join(tmp, "metadata.json")
	args := []string{"buildx", "build", "--progress=rawjson", "--metadata-file", meta, "-f", req.Dockerfile}
	if b.BuilderName != "" {
		args = append(args, "--builder", b.BuilderName)
	}
	args = append(args, req.CLIFlags()...)
	ociPath := req.OCIPath
	loaded := info.Driver == "docker"
	switch {
	case req.OutputDir != "":
		// files exported to a directory (CLIFlags' --output): no image
		loaded = false
	case req.Push && req.Tag != "" && req.Compression != "":
		attrs := req.ImageOutputAttrs()
		out := "type=image"
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			out += "," + k + "=" + attrs[k]
		}
		args = append(args, "--output", out)
	case req.Push && req.Tag != "":
		// the docker driver also keeps the image in the engine
		args = append(args, "-t", req.Tag, "--push")
	case req.Load && req.Tag != "" && info.Driver != "docker":
		args = append(args, "-t", req.Tag, "--load")
		loaded = true
	case info.Driver == "docker":
		// the docker driver stores the image in the engine: no export
		if req.Tag != "" {
			args = append(args, "-t", req.Tag)
		}
	default:
		if ociPath == "" {
			ociPath = filepath.Join(tmp, "image.tar")
		}
		args = append(args, "--output", "type=oci,dest="+ociPath)
	}
	args = append(args, req.ContextDir)

	cmd := exec.CommandContext(ctx, b.docker(), args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // let buildx cancel the solve
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rec := engine.NewRecorder()
	other := parseRawJSON(stderr, rec)
	werr := cmd.Wait()
	wall := time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := rec.Finish()
	res.Wall = wall
	if werr != nil && res.Err == "" {
		res.Err = strings.TrimSpace(strings.Join(tailLines(other, 5), "\n"))
		if res.Err == "" {
			res.Err = werr.Error()
		}
	}
	if res.Failed() || req.OutputDir != "" {
		return res, nil
	}
	if err := b.describeImage(ctx, loaded, req, meta, ociPath, res); err != nil {
		return nil, err
	}
	return res, nil
}

// parseRawJSON feeds every JSON line to the recorder and returns the lines
// that are not SolveStatus (errors printed by the CLI).
func parseRawJSON(r io.Reader, rec *engine.Recorder) []string {
	var other []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if line[0] == '{' {
			var st client.SolveStatus
			if err := json.Unmarshal(line, &st); err == nil {
				rec.Add(&st)
				continue
			}
		}
		other = append(other, string(line))
	}
	return other
}

func tailLines(l []string, n int) []string {
	if len(l) > n {
		return l[len(l)-n:]
	}
	return l
}

// describeImage reads the image's digest from the metadata file, and its
// id, size and layers from the engine (loaded: the docker driver, or
// --load) or from the exported OCI tarball.
func (b *Builder) describeImage(ctx context.Context, loaded bool, req engine.Request, meta, ociPath string, res *engine.Result) error {
	if data, err := os.ReadFile(meta); err == nil {
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			if d, ok := m["containerimage.digest"].(string); ok {
				res.ImageDigest = d
			}
		}
	}
	if loaded {
		if req.Tag == "" {
			return nil
		}
		return image.Inspect(ctx, b.docker(), req.Tag, res)
	}
	if ociPath == "" {
		return nil // pushed from a builder outside the engine: the digest is what is known
	}
	img, err := image.Read(ociPath)
	if err != nil {
		return fmt.Errorf("reading the exported image: %w", err)
	}
	res.ImageID, res.ImageSize, res.Layers = img.ConfigDigest, img.Size, img.Layers
	res.AttachLayers(img.History)
	if res.ImageDigest == "" {
		res.ImageDigest = img.ManifestDigest
	}
	return nil
}

func init() {
	engine.RegisterBackend(engine.Backend{Name: "buildx", Help: "docker buildx build on the current or a named buildx builder",
		New: func(c engine.BackendConfig) engine.Builder { return New(c.Builder) }})
}

// ImageID implements engine.ImageStore.
func (b *Builder) ImageID(ctx context.Context, ref string) string {
	return image.ID(ctx, b.docker(), ref)
}

// RemoveImages implements engine.ImageStore.
func (b *Builder) RemoveImages(ctx context.Context, ids []string) { image.Remove(ctx, b.docker(), ids) }
