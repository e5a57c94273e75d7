// Package ephemeral starts the builder a CI job gets: a new buildkitd with
// an empty state directory (no layer, no cache mount), configured like the
// job's (registry mirrors, plain-HTTP registries: the buildkitd.toml that
// `layerwise generate mirror` writes), and removes it with all its state
// when the job ends. measure's ci scenario runs every build on one of these,
// so that what it reports is what a fresh CI runner pays.
package ephemeral

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/moby/buildkit/client"
)

// Options configure a fresh builder.
type Options struct {
	// Buildkitd is the daemon's binary ("" for buildkitd on PATH).
	Buildkitd string
	// Config is the content of a buildkitd.toml ("" for none).
	Config []byte
	// Dir is where the state directory is made ("" for the system's
	// temporary directory).
	Dir string
}

// Daemon is a running fresh buildkitd.
type Daemon struct {
	// Addr is its unix:// address.
	Addr string
	dir  string
	cmd  *exec.Cmd
	done chan error
}

// Start starts a buildkitd on an empty state directory and waits until it
// answers.
func Start(ctx context.Context, opt Options) (*Daemon, error) {
	bin := opt.Buildkitd
	if bin == "" {
		bin = "buildkitd"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("a fresh builder needs buildkitd (%w): install BuildKit, or run `make engine`", err)
	}
	dir, err := os.MkdirTemp(opt.Dir, "layerwise-builder-")
	if err != nil {
		return nil, err
	}
	d := &Daemon{dir: dir, Addr: "unix://" + filepath.Join(dir, "buildkitd.sock"), done: make(chan error, 1)}
	args := []string{"--addr", d.Addr, "--root", filepath.Join(dir, "root")}
	if len(opt.Config) > 0 {
		cfg := filepath.Join(dir, "buildkitd.toml")
		if err := os.WriteFile(cfg, opt.Config, 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		args = append(args, "--config", cfg)
	}
	logf, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	// not CommandContext: the daemon outlives the start's context and is
	// ended by Stop, which waits for it to clean its mounts up
	d.cmd = exec.Command(path, args...)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = ownGroup()
	if err := d.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting buildkitd: %w", err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := d.ping(ctx); err == nil {
			return d, nil
		}
		select {
		case err := <-d.done:
			d.done <- err
			log := d.logTail()
			d.Stop()
			return nil, fmt.Errorf("buildkitd exited at start (%v): %s", err, log)
		case <-ctx.Done():
			d.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log := d.logTail()
			d.Stop()
			return nil, fmt.Errorf("buildkitd did not answer within 60 s: %s", log)
		}
	}
}

func (d *Daemon) ping(ctx context.Context) error {
	if _, err := os.Stat(strings.TrimPrefix(d.Addr, "unix://")); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.New(ctx, d.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ListWorkers(ctx)
	return err
}

func (d *Daemon) logTail() string {
	data, _ := os.ReadFile(filepath.Join(d.dir, "buildkitd.log"))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}

// Stop ends the daemon (SIGTERM, then SIGKILL after 20 s) and removes its
// state directory: the next job starts from nothing again.
func (d *Daemon) Stop() error {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			killGroup(d.cmd.Process)
			<-d.done
		}
		d.cmd = nil
	}
	err := os.RemoveAll(d.dir)
	if err != nil {
		// a mount a killed daemon left behind: unmount what lies under the
		// state directory, then try again
		unmountUnder(d.dir)
		err = os.RemoveAll(d.dir)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the builder's state %s: %w", d.dir, err)
	}
	return nil
}

// Job is a fresh builder for one CI job and what ends it.
type Job struct {
	Builder engine.Builder
	Daemon  *Daemon
	stop    []func()
}

// End removes the job's builder and its daemon with all their state.
func (j *Job) End() {
	for i := len(j.stop) - 1; i >= 0; i-- {
		j.stop[i]()
	}
}

// Factory starts a fresh builder per CI job for a backend: "buildkit"
// talks to the new daemon with BuildKit's client; "buildx" makes a buildx
// builder of it (driver remote) and removes it at the job's end. The
// Docker Engine's own builder (backend "plain") cannot be started fresh.
type Factory struct {
	Backend string
	Options Options
	// Docker is the docker CLI for the buildx backend ("" for docker).
	Docker string
}

// Supported reports whether fresh builders of the backend can be made.
func Supported(backend string) bool { return backend == "buildkit" || backend == "buildx" }

// Start starts one job's builder.
func (f Factory) Start(ctx context.Context) (*Job, error) {
	if !Supported(f.Backend) {
		return nil, fmt.Errorf("a fresh CI builder needs --backend buildkit or buildx (a buildkitd per job); %q builds in the Docker Engine's own builder", f.Backend)
	}
	d, err := Start(ctx, f.Options)
	if err != nil {
		return nil, err
	}
	j := &Job{Daemon: d, stop: []func(){func() { d.Stop() }}}
	switch f.Backend {
	case "buildkit":
		j.Builder, err = engine.NewBuilder("buildkit", engine.BackendConfig{BuildKitAddr: d.Addr})
	case "buildx":
		docker := f.Docker
		if docker == "" {
			docker = "docker"
		}
		name := "layerwise-ci-" + filepath.Base(filepath.Dir(strings.TrimPrefix(d.Addr, "unix://")))
		name = strings.ReplaceAll(name, "_", "-")
		if out, cerr := exec.CommandContext(ctx, docker, "buildx", "create", "--name", name, "--driver", "remote", d.Addr).CombinedOutput(); cerr != nil {
			j.End()
			return nil, fmt.Errorf("docker buildx create: %v: %s", cerr, strings.TrimSpace(string(out)))
		}
		j.stop = append(j.stop, func() { exec.Command(docker, "buildx", "rm", name).Run() })
		j.Builder, err = engine.NewBuilder("buildx", engine.BackendConfig{Builder: name, Docker: f.Docker})
	}
	if err != nil {
		j.End()
		return nil, err
	}
	return j, nil
}
