// Package stepinputs computes what each step of an image's build reads
// (history.Inputs): the sent context as a Merkle tree of content digests,
// and per instruction its parent step, the build args in scope, the base
// image and the COPY/ADD sources. measure, build and verify record them
// with every build; package why compares two builds' inputs to say why a
// step stopped hitting the cache.
//
// It predicts BuildKit's cache keys from the outside, from what decides
// them: a COPY's key is its sources' content (BuildKit hashes the files
// the sources select, after .dockerignore), a RUN's its command, its
// parent and the build args in its environment, a FROM's the base image.
package stepinputs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Hasher digests files' contents, remembering them by path, size and
// modification time, so that repeated builds of one context (a measure
// run's repetitions) read each unchanged file once. Safe for concurrent use.
type Hasher struct {
	mu   sync.Mutex
	seen map[string]fileKey
}

type fileKey struct {
	size   int64
	mtime  time.Time
	digest string
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher { return &Hasher{seen: map[string]fileKey{}} }

func (h *Hasher) file(p string) (string, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	k, ok := h.seen[p]
	h.mu.Unlock()
	if ok && k.size == st.Size() && k.mtime.Equal(st.ModTime()) {
		return k.digest, nil
	}
	sum := sha256.New()
	if st.Mode()&os.ModeSymlink != 0 {
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		io.WriteString(sum, "symlink:"+t)
	} else if st.Mode().IsRegular() {
		f, err := safefile.OpenRegular(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(sum, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	// the mode's executable bits are part of what BuildKit copies
	fmt.Fprintf(sum, "\x00mode:%o", st.Mode().Perm()&0o111)
	d := "sha256:" + hex.EncodeToString(sum.Sum(nil))
	h.mu.Lock()
	h.seen[p] = fileKey{st.Size(), st.ModTime(), d}
	h.mu.Unlock()
	return d, nil
}

// Of computes the inputs of a build of im from its own context.
func Of(ctx context.Context, im *discover.Image, h *Hasher, baseID func(ref string) string) (*history.Inputs, error) {
	if im.Model == nil {
		return nil, fmt.Errorf("%s: no Dockerfile model", im.Name)
	}
	return OfDir(ctx, im.Model, im.Args, im.AbsContext(), im.AbsDockerfile(), h, baseID)
}

// OfDir computes the inputs of a build of the model m with args from the
// context directory dir (a measurement's private copy); baseID resolves
// a base image to its ID in the image store (nil, or "" for unknown,
// leaves it out).
func OfDir(ctx context.Context, m *dockerfile.File, args map[string]string, dir, dockerfile string, h *Hasher, baseID func(ref string) string) (*history.Inputs, error) {
	in := &history.Inputs{Steps: Steps(m, args)}
	if baseID != nil {
		for _, s := range in.Steps {
			if s.Base != "" {
				s.BaseID = baseID(s.Base)
			}
		}
	}
	root, nodes, err := ContextTree(ctx, dir, dockerfile, h)
	if err != nil {
		return nil, err
	}
	in.Context, in.Nodes = root, nodes
	return in, nil
}

// Steps lists the instructions of every stage with their parents, args
// and sources; args are the build's (compose/bake args, or --build-arg).
func Steps(m *dockerfile.File, args map[string]string) []*history.StepInput {
	var out []*history.StepInput
	last := map[int]int{} // stage index -> its last step
	for _, s := range m.Stages {
		stage := m.ProgressName(s)
		from := &history.StepInput{Stage: stage, Line: s.Range.Start.Line, Text: collapse(s.From), Parent: -1}
		if s.BaseStage >= 0 {
			if p, ok := last[s.BaseStage]; ok {
				from.Parent = p
			}
		} else if s.Base != "" && !strings.EqualFold(s.Base, "scratch") {
			from.Base = s.Base
		}
		out = append(out, from)
		parent := len(out) - 1
		scope := map[string]string{}
		for _, ins := range s.Instructions {
			if a, ok := ins.Cmd.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					v, given := args[kv.Key]
					if !given && kv.Value != nil {
						v = *kv.Value
					}
					scope[kv.Key] = v
				}
			}
			st := &history.StepInput{Stage: stage, Line: ins.Range.Start.Line, Text: collapse(ins), Parent: parent}
			if len(scope) > 0 {
				st.Args = map[string]string{}
				for k, v := range scope {
					st.Args[k] = v
				}
			}
			if c := ins.Copy; c != nil {
				if c.FromStage >= 0 {
					st.FromStage = m.ProgressName(m.Stages[c.FromStage])
				} else if c.From == "" {
					st.Sources, st.Excludes = c.ContextSources(), c.Excludes
				}
			}
			out = append(out, st)
			parent = len(out) - 1
		}
		last[s.Index] = parent
	}
	return out
}

func collapse(ins *dockerfile.Instruction) string {
	if ins == nil {
		return ""
	}
	return strings.Join(strings.Fields(ins.Original), " ")
}

// ContextTree digests the context as the builder receives it (after the
// ignore file in force for dockerfile) into a Merkle tree: the root
// digest and every directory node by digest.
func ContextTree(ctx context.Context, dir, dockerfile string, h *Hasher) (string, map[string][]byte, error) {
	ign, err := buildctx.FindIgnoreFile(dir, dockerfile)
	if err != nil {
		return "", nil, err
	}
	w, err := buildctx.WalkContext(ctx, dir, buildctx.WalkOptions{Patterns: ign.Patterns})
	if err != nil {
		return "", nil, err
	}
	children := map[string][]history.TreeEntry{"": nil}
	subdirs := map[string][]string{}
	for _, e := range w.Entries {
		if e.Type == buildctx.TypeDir {
			subdirs[parentOf(e.Path)] = append(subdirs[parentOf(e.Path)], e.Path)
		}
	}
	for _, e := range w.Entries {
		if e.Type == buildctx.TypeDir {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", nil, err
		}
		d, err := h.file(filepath.Join(dir, filepath.FromSlash(e.Path)))
		if err != nil {
			return "", nil, fmt.Errorf("digesting %s: %w", filepath.Join(dir, e.Path), err)
		}
		parent := parentOf(e.Path)
		children[parent] = append(children[parent], history.TreeEntry{Name: path.Base(e.Path), Digest: d})
	}
	nodes := map[string][]byte{}
	var digest func(p string) string
	digest = func(p string) string {
		entries := children[p]
		for _, d := range subdirs[p] {
			entries = append(entries, history.TreeEntry{Name: path.Base(d), Dir: true, Digest: digest(d)})
		}
		id, data := history.EncodeNode(entries)
		nodes[id] = data
		return id
	}
	return digest(""), nodes, nil
}

func parentOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// BaseIDs resolves base images to their IDs through an image store,
// asking once per reference; nil without one.
func BaseIDs(ctx context.Context, store interface {
	ImageID(ctx context.Context, ref string) string
}) func(string) string {
	if store == nil {
		return nil
	}
	var mu sync.Mutex
	seen := map[string]string{}
	return func(ref string) string {
		mu.Lock()
		defer mu.Unlock()
		if id, ok := seen[ref]; ok {
			return id
		}
		id := store.ImageID(ctx, ref)
		seen[ref] = id
		return id
	}
}
