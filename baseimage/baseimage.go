// Package baseimage reads the configs of a Dockerfile's base images (user,
// environment, working directory) from the local Docker Engine, so that the
// model starts each stage as BuildKit does: a base image that sets
// USER 1000 and HOME=/home/jovyan, or GOMODCACHE=/cache/mod, decides where a
// tool really keeps its cache.
//
// It asks `docker image inspect` (the engine the user builds with), once per
// reference, and caches the answers by image ID for the process: the same
// image under several names is read once. An image the engine does not have
// is read from its registry (the config blob only, go-containerregistry)
// when that registry is on loopback, or any registry with Remote
// (--inspect-registry); otherwise it is unknown (nothing is pulled), and the
// rules fall back to what is known of official images, and refuse where
// they must.
package baseimage

import (
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/layerwise/layerwise/dockerfile"
)

// Resolver answers image configs from a local engine, and from the image's
// registry when the engine does not have it and the registry may be asked
// (Registries: a loopback registry always, any registry when Remote).
type Resolver struct {
	// Docker is the docker CLI ("docker" when empty).
	Docker string
	// Remote lets the resolver ask any registry for an image the engine
	// does not have (read-only, the config only, with RegistryTimeout).
	Remote          bool
	RegistryTimeout time.Duration

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

// Configs returns the configs of the references the engine has (or a
// registry that may be asked serves).
func (r *Resolver) Configs(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig {
	out := map[string]dockerfile.ImageConfig{}
	if len(refs) == 0 {
		return out
	}
	engine := r.probe(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byRef == nil {
		r.byRef, r.byID = map[string]*dockerfile.ImageConfig{}, map[string]*dockerfile.ImageConfig{}
	}
	for _, ref := range refs {
		cfg, seen := r.byRef[ref]
		if !seen {
			if engine {
				cfg = r.inspect(ctx, ref)
			}
			if cfg == nil && r.mayAsk(ref) {
				cfg = r.fromRegistry(ctx, ref)
			}
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

// mayAsk: a loopback registry is always asked (it is the user's own); any
// other only with Remote (offline machines would wait on every lookup).
func (r *Resolver) mayAsk(ref string) bool {
	n, err := name.ParseReference(ref)
	if err != nil {
		return false
	}
	host := n.Context().RegistryStr()
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return true
	}
	return r.Remote
}

// fromRegistry reads the image's config from its registry (the manifest
// and the config blob; no layer), with the credentials of the Docker CLI's
// config, over plain HTTP for a loopback registry as docker does.
func (r *Resolver) fromRegistry(ctx context.Context, ref string) *dockerfile.ImageConfig {
	n, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return nil
	}
	timeout := r.RegistryTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	img, err := remote.Image(n, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	if err != nil {
		return nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil
	}
	return &dockerfile.ImageConfig{User: cf.Config.User, Env: cf.Config.Env, WorkingDir: cf.Config.WorkingDir}
}
