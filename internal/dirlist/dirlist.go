// Package dirlist hands directory listings from one walk of a tree to a
// later walk of the same tree in the same command: discovery reads every
// directory of a repository to find its Dockerfiles, and the context walk
// then reads the context's directories again to size what it sends. With
// a Cache between them each directory is read from the kernel once — on a
// 200,000-file tree that is a sixth of the context command's time.
//
// A listing is handed over once (Take removes it), so a second walk of the
// same directory reads it afresh; only commands that walk right after they
// discover (context, audit) use a Cache — never a measurement, which
// changes files between walks.
package dirlist

import (
	"io/fs"
	"path/filepath"
	"sync"
)

// Cache holds listings by absolute, cleaned directory path. The zero value
// is not usable; a nil *Cache holds nothing.
type Cache struct {
	mu sync.Mutex
	m  map[string][]fs.DirEntry
}

// New returns an empty cache.
func New() *Cache { return &Cache{m: map[string][]fs.DirEntry{}} }

// Put records the listing of dir.
func (c *Cache) Put(dir string, ents []fs.DirEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.m[filepath.Clean(dir)] = ents
	c.mu.Unlock()
}

// Take returns and forgets the listing of dir.
func (c *Cache) Take(dir string) ([]fs.DirEntry, bool) {
	if c == nil {
		return nil, false
	}
	dir = filepath.Clean(dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	ents, ok := c.m[dir]
	if ok {
		delete(c.m, dir)
	}
	return ents, ok
}
