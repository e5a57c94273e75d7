package baseimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/layerwise/layerwise/internal/statedir"
)

// KnownFile is where a repository keeps what layerwise learned of its base
// images (user, tool environment, working directory), inside its state
// directory so that no build context sends it. Committed (the state
// directory is otherwise git-ignored: `!.layerwise/bases.json`), it makes a
// fresh CI runner, which holds none of the images, decide exactly as the
// developer's machine that did: `fix --check` agrees on both.
const KnownFile = statedir.Name + "/bases.json"

// knownVersion is the format of KnownFile.
const knownVersion = 1

type knownDoc struct {
	Version int                    `json:"version"`
	Images  map[string]knownConfig `json:"images"`
}

type knownConfig struct {
	User       string   `json:"user,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	Env        []string `json:"env,omitempty"`
}

// Known is a repository's KnownFile, read once, and what this run learned
// besides.
type Known struct {
	root    string
	images  map[string]dockerfile.ImageConfig
	mu      sync.Mutex
	learned map[string]dockerfile.ImageConfig
}

// LoadKnown reads root's KnownFile (none: nothing known). A file that is
// not layerwise's format is an error naming it: deciding without it would
// give another answer than the machine that wrote it.
func LoadKnown(root string) (*Known, error) {
	k := &Known{root: root, images: map[string]dockerfile.ImageConfig{}, learned: map[string]dockerfile.ImageConfig{}}
	p := filepath.Join(root, filepath.FromSlash(KnownFile))
	data, err := safefile.ReadWithin(root, p, safefile.MaxManifest)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KnownFile, err)
	}
	var doc knownDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v: fix the file, or delete it and run layerwise fix --write again where the base images are", KnownFile, err)
	}
	if doc.Version != knownVersion {
		return nil, fmt.Errorf("%s: version %d, this layerwise reads version %d: delete the file and run layerwise fix --write again", KnownFile, doc.Version, knownVersion)
	}
	for ref, c := range doc.Images {
		k.images[ref] = dockerfile.ImageConfig{User: c.User, WorkingDir: c.WorkingDir, Env: c.Env}
	}
	return k, nil
}

// Configs answers discovery's question (discover.Options.BaseImages): the
// references the file knows from it, the others from ask (an engine, a
// registry; nil: nobody), whose answers are learned. An official image is
// not learned: Official knows it on every machine.
func (k *Known) Configs(ask func(context.Context, []string) map[string]dockerfile.ImageConfig) func(context.Context, []string) map[string]dockerfile.ImageConfig {
	return func(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig {
		out := map[string]dockerfile.ImageConfig{}
		var rest []string
		for _, r := range refs {
			if c, ok := k.images[r]; ok {
				out[r] = c
			} else {
				rest = append(rest, r)
			}
		}
		if ask == nil || len(rest) == 0 {
			return out
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		for r, c := range ask(ctx, rest) {
			out[r] = c
			if _, official := Official(r); !official {
				k.learned[r] = c
			}
		}
		return out
	}
}

// Forget drops refs from what this run learned: the repository's own
// images, which their Dockerfiles describe (an engine's build of their tag
// is whatever was built last on that machine).
func (k *Known) Forget(refs ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, r := range refs {
		delete(k.learned, r)
	}
}

// Learned lists the references this run learned that the file lacks.
func (k *Known) Learned() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for r := range k.learned {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Save adds what this run learned to the file (written whole, inside the
// repository; nothing when nothing was learned) and returns its path.
func (k *Known) Save() (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.learned) == 0 {
		return "", nil
	}
	doc := knownDoc{Version: knownVersion, Images: map[string]knownConfig{}}
	for r, c := range k.images {
		doc.Images[r] = knownConfig{User: c.User, WorkingDir: c.WorkingDir, Env: c.Env}
	}
	for r, c := range k.learned {
		doc.Images[r] = knownConfig{User: c.User, WorkingDir: c.WorkingDir, Env: publicEnv(c.Env)}
	}
	data, err := json.MarshalIndent(doc, "", "  ") // map keys sorted: a stable file
	if err != nil {
		return "", err
	}
	p := filepath.Join(k.root, filepath.FromSlash(KnownFile))
	if err := atomicfile.WriteWithin(k.root, p, append(data, '\n'), 0o644); err != nil {
		return "", err
	}
	for r, c := range k.learned {
		k.images[r] = c
	}
	k.learned = map[string]dockerfile.ImageConfig{}
	return p, nil
}

// publicEnv leaves out of a committed file the variables whose names say
// they hold a credential: no rule reads them, and a base image that sets
// one should not have it copied into the repository.
func publicEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		u := strings.ToUpper(k)
		if strings.Contains(u, "TOKEN") || strings.Contains(u, "SECRET") || strings.Contains(u, "PASSWORD") ||
			strings.Contains(u, "PASSWD") || strings.HasSuffix(u, "_KEY") || strings.Contains(u, "CREDENTIAL") || strings.Contains(u, "AUTH") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
