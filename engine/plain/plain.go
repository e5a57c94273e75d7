// Package plain is the fallback for engines without buildx:
// `DOCKER_BUILDKIT=1 docker build --progress=plain`, parsed from its plain
// progress output (the Docker 20.10 CLI drives BuildKit by itself this way).
//
// The plain printer gives no absolute times, only each step's duration on
// its DONE line; start times are when the step's first line was read.
package plain

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/image"
	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// Builder is the plain-progress backend.
type Builder struct {
	// Docker is a docker CLI that runs BuildKit builds itself with
	// DOCKER_BUILDKIT=1 (the 20.10 client does; 23+ clients need buildx).
	Docker string
	info   *engine.Info
}

// New returns the plain backend for a docker CLI ("" picks /usr/bin/docker
// when present, else docker from PATH).
func New(docker string) *Builder {
	if docker == "" {
		docker = "docker"
		if _, err := os.Stat("/usr/bin/docker"); err == nil {
			docker = "/usr/bin/docker"
		}
	}
	return &Builder{Docker: docker}
}

func (b *Builder) Name() string { return "plain" }

// Info checks that the engine answers.
func (b *Builder) Info(ctx context.Context) (engine.Info, error) {
	if b.info != nil {
		return *b.info, nil
	}
	out, err := exec.CommandContext(ctx, b.Docker, "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "unix:///var/run/docker.sock"
		}
		return engine.Info{}, &engine.NoBuilderError{Tried: "Docker Engine at " + host + " with " + b.Docker, Err: fmt.Errorf("%s", strings.TrimSpace(string(out))), Hint: "make engine (or: dockerd &)"}
	}
	b.info = &engine.Info{Backend: "plain", Builder: "docker", Driver: "docker", BuildKitVersion: "engine " + strings.TrimSpace(string(out))}
	return *b.info, nil
}

// Build runs one build.
func (b *Builder) Build(ctx context.Context, req engine.Request) (*engine.Result, error) {
	if _, err := b.Info(ctx); err != nil {
		return nil, err
	}
	if len(req.Contexts) > 0 || len(req.CacheTo) > 0 {
		// the classic `docker build` client has no --build-context and
		// no --cache-to
		return nil, fmt.Errorf("the plain backend (docker build without buildx) cannot pass named build contexts or export a cache; use --backend buildx (make engine installs buildx) or --backend buildkit")
	}
	if req.Compression != "" {
		return nil, fmt.Errorf("the plain backend (docker build without buildx) cannot push with --compression %s; use --backend buildx or --backend buildkit", req.Compression)
	}
	if len(req.Platforms) > 1 {
		return nil, fmt.Errorf("the plain backend (docker build without buildx) builds one platform at a time; build %s with --backend buildx or --backend buildkit and --push", strings.Join(req.Platforms, ","))
	}
	args := []string{"build", "--progress=plain", "-f", req.Dockerfile}
	args = append(args, req.CLIFlags()...)
	if req.Tag != "" && req.OutputDir == "" {
		args = append(args, "-t", req.Tag)
	}
	args = append(args, req.ContextDir)
	cmd := exec.CommandContext(ctx, b.Docker, args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rec := engine.NewRecorder()
	Parse(stderr, time.Now, rec)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := rec.Finish()
	res.Wall = time.Since(start)
	if werr != nil && res.Err == "" {
		res.Err = werr.Error()
	}
	if res.Failed() || req.Tag == "" || req.OutputDir != "" {
		return res, nil
	}
	if err := image.Inspect(ctx, b.Docker, req.Tag, res); err != nil {
		return nil, err
	}
	return res, nil
}

var (
	lineRe = regexp.MustCompile(`^#(\d+) (.*)$`)
	doneRe = regexp.MustCompile(`^DONE (\d+(?:\.\d+)?)s$`)
	xferRe = regexp.MustCompile(`^transferring context: ([\d.]+)([kMGT]?B)`)
	logRe  = regexp.MustCompile(`^\d+\.\d+ (.*)$`)
)

// Parse reads plain progress output and feeds it to rec as SolveStatus
// updates. now stamps the steps (tests pass a fake clock).
func Parse(r io.Reader, now func() time.Time, rec *engine.Recorder) {
	type vtx struct {
		d     digest.Digest
		start time.Time
	}
	seen := map[string]*vtx{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		m := lineRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		id, rest := m[1], m[2]
		t := now()
		v, ok := seen[id]
		if !ok {
			// the first line of a step is its name
			v = &vtx{d: digest.FromString("plain#" + id + rest), start: t}
			seen[id] = v
			st := t
			rec.Add(&client.SolveStatus{Vertexes: []*client.Vertex{{Digest: v.d, Name: rest, Started: &st}}})
			continue
		}
		upd := &client.Vertex{Digest: v.d}
		switch {
		case rest == "CACHED":
			upd.Cached, upd.Completed = true, &v.start
		case doneRe.MatchString(rest):
			secs, _ := strconv.ParseFloat(doneRe.FindStringSubmatch(rest)[1], 64)
			end := v.start.Add(time.Duration(secs * float64(time.Second)))
			upd.Completed = &end
		case strings.HasPrefix(rest, "ERROR"):
			upd.Error = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rest, "ERROR"), ":"))
			end := t
			upd.Completed = &end
		case xferRe.MatchString(rest):
			x := xferRe.FindStringSubmatch(rest)
			rec.Add(&client.SolveStatus{Statuses: []*client.VertexStatus{{ID: "transferring context:", Vertex: v.d, Current: size(x[1], x[2])}}})
			continue
		case logRe.MatchString(rest):
			rec.Add(&client.SolveStatus{Logs: []*client.VertexLog{{Vertex: v.d, Data: []byte(logRe.FindStringSubmatch(rest)[1] + "\n"), Timestamp: t}}})
			continue
		default:
			continue
		}
		rec.Add(&client.SolveStatus{Vertexes: []*client.Vertex{upd}})
	}
}

// size parses docker's human sizes (decimal units, as units.HumanSize).
func size(num, unit string) int64 {
	f, _ := strconv.ParseFloat(num, 64)
	mult := map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[unit]
	return int64(f * mult)
}

func init() {
	engine.RegisterBackend(engine.Backend{Name: "plain", Help: "DOCKER_BUILDKIT=1 docker build, for engines without buildx",
		New: func(c engine.BackendConfig) engine.Builder { return New(c.Docker) }})
}

// ImageID implements engine.ImageStore.
func (b *Builder) ImageID(ctx context.Context, ref string) string {
	return image.ID(ctx, b.Docker, ref)
}

// RemoveImages implements engine.ImageStore.
func (b *Builder) RemoveImages(ctx context.Context, ids []string) { image.Remove(ctx, b.Docker, ids) }
