package cachemount

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// NamespaceArg is the build arg BuildKit's Dockerfile frontend prefixes
// every cache mount's ID with.
const NamespaceArg = "BUILDKIT_CACHE_MOUNT_NS"

// Mount is one cache mount as BuildKit keys it: the persistent ID
// (NAMESPACE/ID, the id= or else the target as written, cleaned) and the
// state under it, which uid=, gid= and mode= make (a mkdir on scratch;
// without them the mount's root is scratch itself). Two RUN --mount flags
// with the same identity share one cache on a builder.
type Mount struct {
	// Namespace is the BUILDKIT_CACHE_MOUNT_NS build arg, if any.
	Namespace string `json:"namespace,omitempty"`
	// ID is the cache ID the frontend uses: id= or path.Clean(target).
	ID string `json:"id"`
	// Target is where the first RUN that uses it mounts it.
	Target string `json:"target"`
	// Sharing is the first RUN's sharing (shared, private, locked).
	Sharing string  `json:"sharing"`
	UID     *uint64 `json:"uid,omitempty"`
	GID     *uint64 `json:"gid,omitempty"`
	Mode    *uint64 `json:"mode,omitempty"`
	// Lines are the RUN instructions that mount it (first line each).
	Lines []int `json:"lines"`
}

// Identity is the string BuildKit's cache for the mount is found by on
// a builder: the persistent ID and the uid/gid/mode of its root.
func (m Mount) Identity() string {
	s := m.Namespace + "/" + m.ID
	for _, f := range []struct {
		k string
		v *uint64
		f string
	}{{"uid", m.UID, "%d"}, {"gid", m.GID, "%d"}, {"mode", m.Mode, "%o"}} {
		if f.v != nil {
			s += "," + f.k + "=" + fmt.Sprintf(f.f, *f.v)
		}
	}
	return s
}

// Hash is a short digest of the identity, for keys.
func (m Mount) Hash() string {
	sum := sha256.Sum256([]byte(m.Identity()))
	return hex.EncodeToString(sum[:])[:16]
}

// Label names the mount for people: its target, and its id when one was
// given.
func (m Mount) Label() string {
	if m.ID != path.Clean(m.Target) {
		return m.Target + " (id=" + m.ID + ")"
	}
	return m.Target
}

// flag is the --mount flag that mounts the same cache at target: the same
// id, sharing, uid, gid and mode.
func (m Mount) flag(target string) string {
	f := "--mount=type=cache,id=" + m.ID + ",target=" + target + ",sharing=" + m.Sharing
	if m.UID != nil {
		f += fmt.Sprintf(",uid=%d", *m.UID)
	}
	if m.GID != nil {
		f += fmt.Sprintf(",gid=%d", *m.GID)
	}
	if m.Mode != nil {
		f += fmt.Sprintf(",mode=%o", *m.Mode)
	}
	return f
}

// NotPersisted is a cache mount layerwise does not save, and why.
type NotPersisted struct {
	Target string `json:"target"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// safeID: the IDs layerwise writes back into a --mount flag unquoted and
// unexpanded (no comma, quote, space or $).
var safeID = regexp.MustCompile(`^[A-Za-z0-9_./@:+=~-]+$`)

// Mounts are the cache mounts of the stages a build of f with --target
// target runs (the target's stage and every stage it reads), each once by
// its identity, in order of first use. buildArgs are the build's args
// (BUILDKIT_CACHE_MOUNT_NS). Mounts with from= or source= (their root is
// another stage's or image's files) are not persisted.
func Mounts(f *dockerfile.File, target string, buildArgs map[string]string) ([]Mount, []NotPersisted) {
	final := f.Final(target)
	if final == nil {
		return nil, nil
	}
	need := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if i < 0 || i >= len(f.Stages) || need[i] {
			return
		}
		need[i] = true
		s := f.Stages[i]
		visit(s.BaseStage)
		for _, d := range s.DependsOn {
			visit(d)
		}
	}
	visit(final.Index)
	var out []Mount
	var skipped []NotPersisted
	index := map[string]int{}
	for _, s := range f.Stages {
		if !need[s.Index] {
			continue
		}
		for _, ins := range s.Instructions {
			rc, ok := ins.Cmd.(*instructions.RunCommand)
			if !ok || ins.Run == nil || ins.Run.MountError != "" {
				continue
			}
			for _, m := range instructions.GetMounts(rc) {
				if m.Type != instructions.MountTypeCache {
					continue
				}
				line := ins.Range.Start.Line
				if m.From != "" || path.Join("/", m.Source) != "/" {
					skipped = append(skipped, NotPersisted{Target: m.Target, Line: line, Reason: "its root is another stage's or image's files (from=/source=): not persisted"})
					continue
				}
				id := m.CacheID
				if id == "" {
					id = path.Clean(m.Target)
				}
				if !safeID.MatchString(id) {
					skipped = append(skipped, NotPersisted{Target: m.Target, Line: line, Reason: fmt.Sprintf("cache id %q has characters layerwise does not write back into a --mount flag: not persisted", id)})
					continue
				}
				sharing := string(m.CacheSharing)
				if sharing == "" {
					sharing = string(instructions.MountSharingShared)
				}
				mm := Mount{Namespace: buildArgs[NamespaceArg], ID: id, Target: m.Target, Sharing: sharing, UID: m.UID, GID: m.GID, Mode: m.Mode}
				if i, ok := index[mm.Identity()]; ok {
					if l := out[i].Lines; l[len(l)-1] != line {
						out[i].Lines = append(out[i].Lines, line)
					}
					continue
				}
				mm.Lines = []int{line}
				index[mm.Identity()] = len(out)
				out = append(out, mm)
			}
		}
	}
	return out, skipped
}

// sanitize keeps what a registry tag and a file name may hold.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), ".-")
	if out == "" {
		out = "_"
	}
	return out
}
