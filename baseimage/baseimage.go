// Package baseimage reads the configs of a Dockerfile's base images (user,
// environment, working directory) from the local Docker Engine, so that the
// model starts each stage as BuildKit does: a base image that sets
// USER 1000 and HOME=/home/jovyan, or GOMODCACHE=/cache/mod, decides where a
// tool really keeps its cache.
//
// It asks `docker image inspect` (the engine the user builds with), once per
// reference, and caches the answers by image ID for the process: the same
// image under several names is read once. An image the engine does not have
// is simply unknown (nothing is pulled); the rules then fall back to what
// is known of official images, and refuse where they must.
package baseimage

import (
	"context"
	"encoding/json"
	"os/exec"
	"sync"
	"time"

	"github.com/layerwise/layerwise/dockerfile"
)

// Resolver answers image configs from a local engine.
type Resolver struct {
	// Docker is the docker CLI ("docker" when empty).
	Docker string

	once      sync.Once
	available bool
	mu        sync.Mutex
	byRef     map[string]*dockerfile.ImageConfig // nil value: unknown
	byID      map[string]*dockerfile.ImageConfig
}

// New returns a resolver that uses the docker CLI at docker.
func New(docker string) *Resolver { return &Resolver{Docker: docker} }

func (r *Resolver) docker() string {
	if r.Docker == "" {
		return "docker"
	}
	return r.Docker
}

// probe checks once that an engine answers, so that a machine without one
// costs one short call, not one per image.
func (r *Resolver) probe(ctx context.Context) bool {
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r.available = exec.CommandContext(ctx, r.docker(), "version", "--format", "{{.Server.Version}}").Run() == nil
	})
	return r.available
}

// Configs returns the configs of the references the engine has.
func (r *Resolver) Configs(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig {
	out := map[string]dockerfile.ImageConfig{}
	if len(refs) == 0 || !r.probe(ctx) {
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byRef == nil {
		r.byRef, r.byID = map[string]*dockerfile.ImageConfig{}, map[string]*dockerfile.ImageConfig{}
	}
	for _, ref := range refs {
		cfg, seen := r.byRef[ref]
		if !seen {
			cfg = r.inspect(ctx, ref)
			r.byRef[ref] = cfg
		}
		if cfg != nil {
			out[ref] = *cfg
		}
	}
	return out
}

func (r *Resolver) inspect(ctx context.Context, ref string) *dockerfile.ImageConfig {
	if ref == "" || ref == "scratch" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	data, err := exec.CommandContext(ctx, r.docker(), "image", "inspect", "--format", "{{json .}}", ref).Output()
	if err != nil {
		return nil
	}
	var img struct {
		ID     string `json:"Id"`
		Config struct {
			User       string   `json:"User"`
			Env        []string `json:"Env"`
			WorkingDir string   `json:"WorkingDir"`
		} `json:"Config"`
	}
	if json.Unmarshal(data, &img) != nil {
		return nil
	}
	if c, ok := r.byID[img.ID]; ok && img.ID != "" {
		return c
	}
	c := &dockerfile.ImageConfig{User: img.Config.User, Env: img.Config.Env, WorkingDir: img.Config.WorkingDir}
	r.byID[img.ID] = c
	return c
}
