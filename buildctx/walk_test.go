package buildctx

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/dirlist"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/tonistiigi/fsutil"
)

// makeTree creates files (and dirs ending in "/", symlinks as "name -> target").
func makeTree(t testing.TB, root string, spec []string) {
	t.Helper()
	for _, s := range spec {
		if name, target, ok := strings.Cut(s, " -> "); ok {
			p := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p := filepath.Join(root, s)
		if strings.HasSuffix(s, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fsutilSet is what BuildKit's own filtered walk (the code that sends a
// local context) yields.
func fsutilSet(t testing.TB, root string, patterns []string) []string {
	t.Helper()
	var out []string
	err := fsutil.Walk(context.Background(), root, &fsutil.FilterOpt{ExcludePatterns: patterns}, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func walkSet(t testing.TB, root string, patterns []string) []string {
	t.Helper()
	w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: patterns})
	if err != nil {
		t.Fatal(err)
	}
	w.SortEntries()
	var out []string
	for _, e := range w.Entries {
		out = append(out, e.Path)
	}
	return out
}

var treeSpec = []string{
	"Dockerfile", ".dockerignore", ".env", ".env.local", ".hidden/x", "README.md",
	"src/main.go", "src/util/a.go", "src/util/a_test.go", "src/.cache/c",
	"node_modules/left-pad/index.js", "node_modules/left-pad/package.json", "node_modules/.bin/x -> ../left-pad/index.js",
	"build/out.bin", "build/keep/me.txt", "build/deep/er/keep.txt",
	"docs/a.md", "docs/b.md", "docs/sub/c.md", "empty/", "logs/", "a b/c d.txt",
	"dangling -> nowhere", "loop -> loop",
	"vendor/mod/x.go", "vendor/keep.txt",
}

var patternCases = map[string][]string{
	"none":            nil,
	"simple":          {"node_modules", "build"},
	"negation":        {"build", "!build/keep"},
	"negation-deep":   {"build", "!build/deep/er/keep.txt"},
	"doublestar":      {"**/*.md", "!docs/sub/**"},
	"leading-slash":   {"/src/util", "/README.md"},
	"dotfiles":        {".*", "!.dockerignore"},
	"glob-exception":  {"docs", "!docs/*.md"},
	"star":            {"*", "!src", "!Dockerfile"},
	"dirglob":         {"**/.cache", "*/util/*_test.go"},
	"everything-back": {"**", "!**/*.go"},
	"question":        {"docs/?.md"},
	"charclass":       {"docs/[ab].md"},
	"trailing-slash":  {"vendor/", "!vendor/keep.txt"},
	"symlinks":        {"dangling", "node_modules/.bin"},
	"spaces":          {"a b"},
}

// TestWalkMatchesFsutil checks our concurrent walk against BuildKit's own
// filtered walk on every pattern case.
func TestWalkMatchesFsutil(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, treeSpec)
	for name, pats := range patternCases {
		t.Run(name, func(t *testing.T) {
			want := fsutilSet(t, root, pats)
			got := walkSet(t, root, pats)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("patterns %q:\n got %q\nwant %q", pats, got, want)
			}
		})
	}
}

// FuzzWalkMatchesFsutil: for any ignore file, our walk sends exactly what
// BuildKit's own filtered walk sends.
func FuzzWalkMatchesFsutil(f *testing.F) {
	for _, pats := range patternCases {
		f.Add(strings.Join(pats, "\n"))
	}
	root := f.TempDir()
	makeTree(f, root, treeSpec)
	f.Fuzz(func(t *testing.T, ignore string) {
		pats, err := ignorefile.ReadAll(strings.NewReader(ignore))
		if err != nil {
			return
		}
		var want []string
		ferr := fsutil.Walk(context.Background(), root, &fsutil.FilterOpt{ExcludePatterns: pats}, func(p string, fi fs.FileInfo, err error) error {
			if err != nil {
				return err
			}
			want = append(want, filepath.ToSlash(p))
			return nil
		})
		w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: pats})
		if (ferr != nil) != (err != nil) {
			t.Fatalf("patterns %q: fsutil error %v, ours %v", pats, ferr, err)
		}
		if err != nil {
			return
		}
		sort.Strings(want)
		w.SortEntries()
		var got []string
		for _, e := range w.Entries {
			got = append(got, e.Path)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("patterns %q:\n got %q\nwant %q", pats, got, want)
		}
	})
}

func TestLookup(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"a/b.txt", "c", "skip/x"})
	w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: []string{"skip"}})
	if err != nil {
		t.Fatal(err)
	}
	w.SortEntries()
	if e, ok := w.Lookup("a"); !ok || e.Type != TypeDir {
		t.Errorf("a: %+v %v", e, ok)
	}
	if e, ok := w.Lookup("a/b.txt"); !ok || e.Type != TypeFile || e.Size == 0 {
		t.Errorf("a/b.txt: %+v %v", e, ok)
	}
	if _, ok := w.Lookup("skip/x"); ok {
		t.Errorf("an excluded path was found")
	}
	// sorting after the index was built does not stale it
	sort.Slice(w.Entries, func(i, j int) bool { return w.Entries[i].Path > w.Entries[j].Path })
	if e, ok := w.Lookup("c"); !ok || e.Path != "c" {
		t.Errorf("c after re-sorting: %+v %v", e, ok)
	}
}

// A walk handed the listings an earlier walk took sends exactly what a walk
// reading every directory sends, for every ignore file, and uses each
// listing once.
func TestWalkWithListingsMatchesFsutil(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, treeSpec)
	fill := func() (*dirlist.Cache, int) {
		c, n := dirlist.New(), 0
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				f, err := os.Open(p)
				if err != nil {
					return nil
				}
				ents, _ := f.ReadDir(-1)
				f.Close()
				c.Put(p, ents)
				n++
			}
			return nil
		})
		return c, n
	}
	for name, pats := range patternCases {
		t.Run(name, func(t *testing.T) {
			c, _ := fill()
			w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: pats, Listings: c})
			if err != nil {
				t.Fatal(err)
			}
			w.SortEntries()
			var got []string
			for _, e := range w.Entries {
				got = append(got, e.Path)
			}
			if want := fsutilSet(t, root, pats); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("patterns %q:\n got %q\nwant %q", pats, got, want)
			}
		})
	}
	c, n := fill()
	if _, err := WalkContext(context.Background(), root, WalkOptions{Listings: c}); err != nil {
		t.Fatal(err)
	}
	left := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if _, ok := c.Take(p); ok {
				left++
			}
		}
		return nil
	})
	if left != 0 || n == 0 {
		t.Errorf("%d of %d listings were not used by a walk without exclusions", left, n)
	}
}
