package cachemount

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
)

// Tiers of a key, from the closest: the lock files' digest on the current
// branch, the branch's latest, the lock files' digest on the default
// branch, the default branch's latest.
const (
	TierLock              = "lock"
	TierBranch            = "branch"
	TierDefaultBranchLock = "default-branch-lock"
	TierDefaultBranch     = "default-branch"
)

// Key is where an entry is stored: Name is the store's key, Tier says how
// close it is.
type Key struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

// lockNames are the dependency manifests and lock files whose content
// decides what a package manager's cache holds.
var lockNames = []string{"go.sum", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "requirements*.txt", "poetry.lock", "Pipfile.lock", "uv.lock",
	"Cargo.lock", "*.csproj", "packages.lock.json", "pom.xml", "build.gradle*", "gradle.lockfile", "Gemfile.lock", "composer.lock", "mix.lock"}

// IsLockFile reports whether a file name is a lock file or dependency
// manifest that keys a cache.
func IsLockFile(name string) bool {
	for _, p := range lockNames {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// LockDigest is a sha256 over the lock files of a build context (what
// .dockerignore lets through, as the builder would receive it): their
// paths and contents. "" when the context has none.
func LockDigest(ctx context.Context, contextDir, dockerfile string) (string, []string, error) {
	ign, err := buildctx.FindIgnoreFile(contextDir, dockerfile)
	if err != nil {
		return "", nil, err
	}
	w, err := buildctx.WalkContext(ctx, contextDir, buildctx.WalkOptions{Patterns: ign.Patterns})
	if err != nil {
		return "", nil, err
	}
	var files []string
	for _, e := range w.Entries {
		if e.Type == buildctx.TypeFile && IsLockFile(path.Base(e.Path)) {
			files = append(files, e.Path)
		}
	}
	if len(files) == 0 {
		return "", nil, nil
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		fh := sha256.New()
		r, err := os.Open(filepath.Join(contextDir, filepath.FromSlash(f)))
		if err != nil {
			return "", nil, err
		}
		_, err = io.Copy(fh, r)
		r.Close()
		if err != nil {
			return "", nil, err
		}
		fmt.Fprintf(h, "%s\x00%x\n", f, fh.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil)), files, nil
}

// branchNS is a branch's namespace: its name made safe, and a digest of
// the name as written ("feature/x" and "feature-x" stay apart).
func branchNS(branch string) string {
	sum := sha256.Sum256([]byte(branch))
	return "b-" + shorten(sanitize(branch), 40) + "-" + hex.EncodeToString(sum[:])[:8]
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// keyName is the store key of an image's mount in a branch's namespace:
// "IMAGE/MOUNTHASH/BRANCHNS/latest" or ".../lock-DIGEST".
func keyName(image string, m Mount, branch, tier string) string {
	return strings.Join([]string{shorten(sanitize(image), 60), m.Hash(), branchNS(branch), tier}, "/")
}

// SaveKeys are the keys a save writes: only in the current branch's
// namespace (its lock key, when the context has lock files, and its
// latest).
func SaveKeys(image string, m Mount, branch, lockDigest string) []Key {
	var out []Key
	if lockDigest != "" {
		out = append(out, Key{keyName(image, m, branch, "lock-"+lockDigest[:16]), TierLock})
	}
	return append(out, Key{keyName(image, m, branch, "latest"), TierBranch})
}

// RestoreKeys are the keys a restore tries, closest first: the current
// branch's, then the default branch's (a branch never writes there, so
// a pull request cannot change what the default branch restores).
func RestoreKeys(image string, m Mount, branch, defaultBranch, lockDigest string) []Key {
	out := SaveKeys(image, m, branch, lockDigest)
	if defaultBranch != "" && defaultBranch != branch {
		for _, k := range SaveKeys(image, m, defaultBranch, lockDigest) {
			if k.Tier == TierLock {
				k.Tier = TierDefaultBranchLock
			} else {
				k.Tier = TierDefaultBranch
			}
			out = append(out, k)
		}
	}
	return out
}
