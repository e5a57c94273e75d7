package buildctx

import (
	"context"
	"errors"
	"fmt"
	"github.com/layerwise/layerwise/internal/dirlist"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
)

// EntryType is the kind of a context entry.
type EntryType uint8

const (
	TypeFile EntryType = iota
	TypeDir
	TypeSymlink
	TypeOther // devices, sockets, fifos
)

func (t EntryType) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	}
	return "other"
}

// Entry is one path of the context, relative to its root, '/'-separated.
type Entry struct {
	Path string
	Size int64
	Type EntryType
}

// WalkOptions tune a context walk.
type WalkOptions struct {
	// Patterns are the exclude patterns (from an IgnoreFile).
	Patterns []string
	// MeasureExcluded also walks excluded directories that the builder
	// would skip, so that ExcludedBytes is complete. Off by default: the
	// point of a .dockerignore is not to read what it excludes.
	MeasureExcluded bool
	// Workers bounds concurrent directory reads; 0 picks a default.
	Workers int
	// Listings, when set, holds listings of the tree's directories that an
	// earlier walk of this command took (discovery's): each is used once
	// instead of reading the directory again.
	Listings *dirlist.Cache
}

// Walk is the result of walking a context.
type Walk struct {
	Root string `json:"root"`
	// Entries are what the builder receives, in no particular order (a
	// global sort costs more than the rest of the analysis; SortEntries
	// when order matters).
	Entries []Entry `json:"-"`
	// Files counts regular files, symlinks and other non-directories sent;
	// Bytes their sizes (a symlink's size is its target's length, as in the
	// tar stream).
	Files int64 `json:"files"`
	Dirs  int64 `json:"dirs"`
	Bytes int64 `json:"bytes"`
	// ExcludedFiles/Bytes count what was seen and excluded. Directories
	// pruned unread are listed in PrunedDirs and not counted unless
	// MeasureExcluded was set.
	ExcludedFiles int64    `json:"excludedFiles"`
	ExcludedBytes int64    `json:"excludedBytes"`
	PrunedDirs    []string `json:"prunedDirs,omitempty"`
	// Warnings: unreadable directories, entries that vanished mid-walk.
	Warnings []string `json:"warnings,omitempty"`
	// DirSizes holds, for every directory ("" is the root) that holds
	// something sent, the bytes and files sent below it.
	DirSizes map[string]DirSize `json:"-"`

	indexOnce sync.Once
	index     map[string]Entry
}

// Lookup returns the sent entry at a context path. The index is built on
// first use (rules ask many times, a context walk alone never does) and
// holds entries, not positions, so sorting Entries does not stale it.
func (w *Walk) Lookup(p string) (Entry, bool) {
	w.indexOnce.Do(func() {
		w.index = make(map[string]Entry, len(w.Entries))
		for _, e := range w.Entries {
			w.index[e.Path] = e
		}
	})
	e, ok := w.index[p]
	return e, ok
}

// SortEntries sorts Entries by path.
func (w *Walk) SortEntries() {
	sort.Slice(w.Entries, func(i, j int) bool { return w.Entries[i].Path < w.Entries[j].Path })
}

type walker struct {
	root string
	pm   *patternmatcher.PatternMatcher
	// pms hands each directory read a matcher of its own: a
	// PatternMatcher compiles its patterns on first use and is not safe
	// for concurrent use (its docs say so). Matchers built from the same
	// patterns share the pattern order, so MatchInfo carries over.
	pms sync.Pool
	// listings: directories discovery already read (WalkOptions.Listings)
	listings *dirlist.Cache
	prefixX  bool // every exception pattern is a plain prefix (fsutil's onlyPrefixExcludeExceptions)
	measure  bool
	sem      chan struct{}
	wg       sync.WaitGroup

	mu sync.Mutex
	// out and excluded hold one chunk per directory: appending chunks
	// avoids re-copying a 200,000-entry slice as it grows.
	out          [][]Entry
	excluded     [][]Entry // excluded entries seen (files and dirs)
	pruned       []string
	warnings     []string
	walkedExDirs map[string]bool // excluded dirs that were walked anyway
	err          error           // first fatal error
	direct       map[string]DirSize
}

// DirSize is what a directory holds: bytes and non-directory entries sent,
// counted recursively.
type DirSize struct {
	Bytes int64
	Files int64
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// WalkContext walks root as BuildKit would when sending it as a build
// context with the given exclude patterns.
//
// Directories are read concurrently and files are stat'ed relative to their
// directory's descriptor; contents are never read. An excluded directory is
// pruned unread when no '!' exception could re-include anything below it
// (the same test fsutil applies). Symlinks are not followed.
func WalkContext(ctx context.Context, root string, opt WalkOptions) (*Walk, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", root, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", root)
	}
	w := &walker{root: root, measure: opt.MeasureExcluded, walkedExDirs: map[string]bool{}, direct: map[string]DirSize{}, listings: opt.Listings}
	if len(opt.Patterns) > 0 {
		w.pm, err = patternmatcher.New(opt.Patterns)
		if err != nil {
			return nil, fmt.Errorf("ignore patterns: %w", err)
		}
		patterns := opt.Patterns
		w.pms.New = func() any {
			pm, _ := patternmatcher.New(patterns) // the same patterns parsed above
			return pm
		}
		w.prefixX = true
		for _, p := range w.pm.Patterns() {
			if p.Exclusion() && strings.ContainsAny(patternWithoutTrailingGlob(p), `*[]?^\`) {
				w.prefixX = false
				break
			}
		}
	}
	n := opt.Workers
	if n <= 0 {
		// Directory reads block in the kernel; a few more readers than
		// cores keeps both cores busy.
		n = 4 * runtime.GOMAXPROCS(0)
	}
	w.sem = make(chan struct{}, n)

	w.wg.Add(1)
	w.dir(ctx, "", patternmatcher.MatchInfo{}, false)
	w.wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.result(), nil
}

func patternWithoutTrailingGlob(p *patternmatcher.Pattern) string {
	s := p.String()
	s = strings.TrimSuffix(s, "/**")
	s = strings.TrimSuffix(s, "/*")
	return s
}

// canPrune reports whether the excluded directory rel can be skipped
// unread: fsutil's rule, so that we prune exactly where BuildKit does.
func (w *walker) canPrune(rel string) bool {
	if !w.prefixX {
		return false
	}
	if !w.pm.Exclusions() {
		return true
	}
	dirSlash := rel + "/"
	for _, p := range w.pm.Patterns() {
		if !p.Exclusion() {
			continue
		}
		if strings.HasPrefix(patternWithoutTrailingGlob(p)+"/", dirSlash) {
			return false
		}
	}
	return true
}

// dir reads one directory. excludedDir is true when rel itself is excluded
// (and walked only because an exception may re-include something below).
func (w *walker) dir(ctx context.Context, rel string, info patternmatcher.MatchInfo, excludedDir bool) {
	defer w.wg.Done()
	if ctx.Err() != nil || w.failed() {
		return
	}
	abs := w.root
	if rel != "" {
		abs = w.root + "/" + rel
	}
	f, err := os.Open(abs)
	if err != nil {
		w.warn(rel, err)
		return
	}
	defer f.Close()
	ents, listed := w.listings.Take(abs)
	if !listed {
		ents, err = f.ReadDir(-1)
		if err != nil {
			w.warn(rel, err)
			if len(ents) == 0 {
				return
			}
		}
	}
	var pm *patternmatcher.PatternMatcher
	if w.pm != nil {
		pm = w.pms.Get().(*patternmatcher.PatternMatcher)
		defer w.pms.Put(pm)
	}
	var out, excl []Entry
	var pruned []string
	for _, de := range ents {
		name := de.Name()
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		isDir := de.IsDir()
		skip := false
		var mi patternmatcher.MatchInfo
		if pm != nil {
			m, matchInfo, err := pm.MatchesUsingParentResults(p, info)
			if err != nil {
				// BuildKit fails the whole transfer on a pattern that
				// only turns out bad when matched; so do we.
				w.fail(fmt.Errorf("ignore pattern cannot be matched against %s: %w (the build would fail the same way)", p, err))
				return
			}
			mi = matchInfo
			skip = m
		}
		if isDir {
			if skip && w.canPrune(p) && !w.measure {
				pruned = append(pruned, p)
				continue
			}
			if skip {
				excl = append(excl, Entry{Path: p, Type: TypeDir})
			} else {
				out = append(out, Entry{Path: p, Type: TypeDir})
			}
			w.wg.Add(1)
			select {
			case w.sem <- struct{}{}:
				go func(p string, mi patternmatcher.MatchInfo, skip bool) {
					w.dir(ctx, p, mi, skip)
					<-w.sem
				}(p, mi, skip)
			default:
				w.dir(ctx, p, mi, skip)
			}
			continue
		}
		e := Entry{Path: p, Type: typeOf(de.Type())}
		size, err := lstatAt(f, abs, name)
		if err != nil {
			// vanished between readdir and stat: BuildKit would not
			// send it either.
			w.warn(p, err)
			continue
		}
		e.Size = size
		if skip {
			excl = append(excl, e)
		} else {
			out = append(out, e)
		}
	}
	var direct DirSize
	for _, e := range out {
		if e.Type != TypeDir {
			direct.Bytes += e.Size
			direct.Files++
		}
	}
	w.mu.Lock()
	if direct.Files > 0 {
		w.direct[rel] = direct
	}
	if len(out) > 0 {
		w.out = append(w.out, out)
	}
	if len(excl) > 0 {
		w.excluded = append(w.excluded, excl)
	}
	w.pruned = append(w.pruned, pruned...)
	if excludedDir {
		w.walkedExDirs[rel] = true
	}
	w.mu.Unlock()
}

func (w *walker) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

func typeOf(m fs.FileMode) EntryType {
	switch {
	case m.IsDir():
		return TypeDir
	case m&fs.ModeSymlink != 0:
		return TypeSymlink
	case m.IsRegular():
		return TypeFile
	}
	return TypeOther
}

func (w *walker) warn(p string, err error) {
	if p == "" {
		p = "."
	}
	msg := fmt.Sprintf("%s: %v", p, err)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = fmt.Sprintf("%s: %v", p, pe.Err)
	}
	w.mu.Lock()
	w.warnings = append(w.warnings, msg)
	w.mu.Unlock()
}

func (w *walker) result() *Walk {
	res := &Walk{Root: w.root, PrunedDirs: w.pruned, Warnings: w.warnings}
	n := 0
	for _, c := range w.out {
		n += len(c)
	}
	res.Entries = make([]Entry, 0, n)
	for _, c := range w.out {
		res.Entries = append(res.Entries, c...)
	}
	var excluded []Entry
	for _, c := range w.excluded {
		excluded = append(excluded, c...)
	}
	// An excluded directory that holds a re-included entry is still sent
	// (fsutil emits such parents lazily); everything else excluded is not.
	if len(w.walkedExDirs) > 0 {
		need := map[string]bool{}
		for _, e := range res.Entries {
			for d := path.Dir(e.Path); d != "." && w.walkedExDirs[d] && !need[d]; d = path.Dir(d) {
				need[d] = true
			}
		}
		kept := excluded[:0]
		for _, e := range excluded {
			if e.Type == TypeDir && need[e.Path] {
				res.Entries = append(res.Entries, e)
				continue
			}
			kept = append(kept, e)
		}
		excluded = kept
	}
	for _, e := range res.Entries {
		if e.Type == TypeDir {
			res.Dirs++
			continue
		}
		res.Files++
		res.Bytes += e.Size
	}
	for _, e := range excluded {
		if e.Type != TypeDir {
			res.ExcludedFiles++
			res.ExcludedBytes += e.Size
		}
	}
	// Directory totals from each directory's own sums: one map update per
	// directory and ancestor, not per file.
	res.DirSizes = make(map[string]DirSize, len(w.direct))
	for d, ds := range w.direct {
		for {
			t := res.DirSizes[d]
			t.Bytes += ds.Bytes
			t.Files += ds.Files
			res.DirSizes[d] = t
			if d == "" {
				break
			}
			d = parentDir(d)
		}
	}
	sort.Strings(res.PrunedDirs)
	sort.Strings(res.Warnings)
	return res
}

// parentDir is path.Dir for context-relative paths, with "" for the root.
func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}
