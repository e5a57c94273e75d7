// Package buildctx computes exactly what a build sends to the builder: the
// build context after .dockerignore, with sizes, and what of it the
// Dockerfile's COPY/ADD instructions can reach.
//
// The ignore semantics are BuildKit's: the ignore file is read with
// github.com/moby/patternmatcher/ignorefile and matched with
// github.com/moby/patternmatcher exactly as github.com/tonistiigi/fsutil's
// filtered walk does when BuildKit transfers a local context. The integration
// test in this package proves the equivalence against a real builder.
package buildctx

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// IgnoreFile is the ignore file that applies to a build.
type IgnoreFile struct {
	// Path is the file read, or "" when the build has none.
	Path string `json:"path,omitempty"`
	// Patterns as BuildKit uses them (comments and blank lines dropped,
	// paths cleaned, leading '/' removed).
	Patterns []string `json:"patterns,omitempty"`
	// DockerfileSpecific is true when Path is <Dockerfile>.dockerignore.
	DockerfileSpecific bool `json:"dockerfileSpecific,omitempty"`
}

// Excluder answers whether ignore patterns exclude a context path (or a
// directory above it), as the builder matches them; patterns that do not
// parse exclude nothing.
func Excluder(patterns []string) func(p string) bool {
	m, err := patternmatcher.New(patterns)
	if err != nil || len(patterns) == 0 {
		return func(string) bool { return false }
	}
	return func(p string) bool {
		ok, _ := m.MatchesOrParentMatches(p)
		return ok
	}
}

// FindIgnoreFile returns the ignore file that applies to a build of
// dockerfile with the given context directory.
//
// As in BuildKit's dockerui frontend, "<Dockerfile name>.dockerignore" in
// the Dockerfile's directory wins; otherwise "<context>/.dockerignore" is
// used. dockerfile may be "" (context only).
//
// An ignore file is read only when it is a regular file that resolves
// inside its own directory (the context's, or the Dockerfile's for a
// Dockerfile-specific one): BuildKit reads it from the transferred context,
// where a symlink to elsewhere does not reach out either, and a repository
// must not make layerwise read (and quote) a file outside itself.
func FindIgnoreFile(contextDir, dockerfile string) (*IgnoreFile, error) {
	if dockerfile != "" {
		p := dockerfile + ".dockerignore"
		pats, err := readIgnore(filepath.Dir(dockerfile), p)
		if err == nil {
			return &IgnoreFile{Path: p, Patterns: pats, DockerfileSpecific: true}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	p := filepath.Join(contextDir, ".dockerignore")
	pats, err := readIgnore(contextDir, p)
	if errors.Is(err, fs.ErrNotExist) {
		return &IgnoreFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &IgnoreFile{Path: p, Patterns: pats}, nil
}

func readIgnore(dir, p string) ([]string, error) {
	if _, err := os.Lstat(p); err != nil {
		return nil, err
	}
	data, err := safefile.ReadWithin(dir, p, safefile.MaxManifest)
	if err != nil {
		var oe *safefile.OutsideError
		if errors.As(err, &oe) {
			return nil, fmt.Errorf("%s resolves to %s, outside %s: not read (BuildKit does not follow it out of the context either); make it a regular file", p, oe.Target, dir)
		}
		return nil, err
	}
	pats, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return pats, nil
}
