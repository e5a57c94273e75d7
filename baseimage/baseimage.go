// Package baseimage reads the configs of a Dockerfile's base images (user,
// environment, working directory) from the local Docker Engine, so that the
// model starts each stage as BuildKit does: a base image that sets
// USER 1000 and HOME=/home/jovyan, or GOMODCACHE=/cache/mod, decides where a
// tool really keeps its cache.
//
// It asks the engine the user builds with through the docker CLI, in two
// calls whatever the number of references: `docker image ls` maps every
// local name to its image ID, then one `docker image inspect` reads the
// configs of the IDs asked for (a CLI process per reference cost ~25 ms
// each: two seconds on a repository of a hundred base images). Answers are
// cached by image ID for the process: the same image under several names
// is read once. An image the engine does not have
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
	"strings"
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
	local     map[string]string // normalized name (repo:tag, repo@digest) -> image ID
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
	if engine {
		r.inspectAll(ctx, refs)
	}
	for _, ref := range refs {
		cfg, seen := r.byRef[ref]
		if !seen {
			if engine {
				cfg = r.byID[r.local[normalize(ref)]]
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

// normalize is a reference as the engine names it: registry, repository
// and tag (latest when none) or digest ("" when it does not parse).
func normalize(ref string) string {
	if ref == "" || ref == "scratch" {
		return ""
	}
	n, err := name.ParseReference(ref, name.WithDefaultTag("latest"))
	if err != nil {
		return ""
	}
	return n.Name()
}

// inspectAll reads the configs of the refs the engine has that are not
// known yet: the local names once per process, then one inspect call.
func (r *Resolver) inspectAll(ctx context.Context, refs []string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if r.local == nil {
		r.local = map[string]string{}
		data, err := exec.CommandContext(ctx, r.docker(), "image", "ls", "--no-trunc", "--digests", "--format", "{{json .}}").Output()
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			var im struct{ Repository, Tag, Digest, ID string }
			if json.Unmarshal([]byte(line), &im) != nil || im.Repository == "" || im.Repository == "<none>" {
				continue
			}
			if im.Tag != "" && im.Tag != "<none>" {
				if k := normalize(im.Repository + ":" + im.Tag); k != "" {
					r.local[k] = im.ID
				}
			}
			if strings.HasPrefix(im.Digest, "sha256:") {
				if k := normalize(im.Repository + "@" + im.Digest); k != "" {
					r.local[k] = im.ID
				}
			}
		}
	}
	var ids []string
	want := map[string]bool{}
	for _, ref := range refs {
		if _, seen := r.byRef[ref]; seen {
			continue
		}
		id := r.local[normalize(ref)]
		if _, known := r.byID[id]; id != "" && !known && !want[id] {
			want[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	data, err := exec.CommandContext(ctx, r.docker(), append([]string{"image", "inspect", "--format", "{{json .}}"}, ids...)...).Output()
	if err != nil && len(data) == 0 {
		return // an image removed since the listing fails the call; the others still print
	}
	for _, line := range strings.Split(string(data), "\n") {
		var img struct {
			ID     string `json:"Id"`
			Config struct {
				User       string   `json:"User"`
				Env        []string `json:"Env"`
				WorkingDir string   `json:"WorkingDir"`
			} `json:"Config"`
		}
		if json.Unmarshal([]byte(line), &img) != nil || img.ID == "" {
			continue
		}
		r.byID[img.ID] = &dockerfile.ImageConfig{User: img.Config.User, Env: img.Config.Env, WorkingDir: img.Config.WorkingDir}
	}
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
