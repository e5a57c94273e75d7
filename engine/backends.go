package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// BackendConfig is what a backend may be configured with from the command
// line; each backend reads the fields it knows.
type BackendConfig struct {
	// Builder is a buildx builder's name ("" for the current one).
	Builder string
	// BuildKitAddr is a buildkitd address (unix://… or tcp://…).
	BuildKitAddr string
	// Docker is the docker CLI to run ("" for the backend's default).
	Docker string
}

// Backend is a registered way to build: its name, one line of help, and
// how to make a Builder from a config. Backends register themselves, as
// buildx drivers do, so that choosing one happens in one place (New).
type Backend struct {
	Name string
	Help string
	New  func(BackendConfig) Builder
}

var (
	backendsMu sync.Mutex
	backends   = map[string]Backend{}
)

// RegisterBackend adds a backend; a backend package calls it from init.
func RegisterBackend(b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[b.Name]; dup {
		panic("engine: backend " + b.Name + " registered twice")
	}
	backends[b.Name] = b
}

// Backends lists the registered backends by name.
func Backends() []Backend {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	out := make([]Backend, 0, len(backends))
	for _, b := range backends {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// NewBuilder makes a builder of the named backend.
func NewBuilder(name string, cfg BackendConfig) (Builder, error) {
	backendsMu.Lock()
	b, ok := backends[name]
	backendsMu.Unlock()
	if !ok {
		var names []string
		for _, x := range Backends() {
			names = append(names, x.Name)
		}
		return nil, fmt.Errorf("unknown --backend %q: %s", name, strings.Join(names, ", "))
	}
	return b.New(cfg), nil
}
