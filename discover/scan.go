package discover

import (
	"context"
	"fmt"
	"github.com/layerwise/layerwise/internal/dirlist"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
)

// scanned is what the repository walk finds: the files discovery reads.
type scanned struct {
	dockerfiles, composeDirs, bakeDirs, warnings []string
	// composeFiles are compose files of other names (isOtherComposeName)
	composeFiles []string
}

// scan walks the repository for Dockerfiles, compose files and bake files.
//
// It reads directories concurrently, unsorted, and never stats a file: the
// walk is all of discovery's system time on a large repository, and
// filepath.WalkDir reads one directory at a time and sorts each. The
// results are sorted as WalkDir would have visited them (by path
// component), so the images' order does not depend on the scheduling.
func scan(ctx context.Context, abs string, excluded *patternmatcher.PatternMatcher, listings *dirlist.Cache) (*scanned, error) {
	s := &scanned{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4*runtime.GOMAXPROCS(0))
	composeSeen, bakeSeen := map[string]bool{}, map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		defer wg.Done()
		if ctx.Err() != nil {
			return
		}
		f, err := os.Open(dir)
		if err != nil {
			mu.Lock()
			s.warnings = append(s.warnings, fmt.Sprintf("%s: %v (skipped)", rel(abs, dir), unwrapPathErr(err)))
			mu.Unlock()
			return
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err == nil {
			listings.Put(dir, ents)
		}
		if err != nil {
			mu.Lock()
			s.warnings = append(s.warnings, fmt.Sprintf("%s: %v (skipped)", rel(abs, dir), unwrapPathErr(err)))
			mu.Unlock()
			if len(ents) == 0 {
				return
			}
		}
		var dfs, others []string
		compose, bake := false, false
		// a parser's golden fixture (BuildKit's parser testfiles: a
		// Dockerfile beside the `result` its AST must print) is test input
		// nobody builds: its Dockerfiles are not images
		golden := false
		for _, d := range ents {
			golden = golden || (d.Name() == "result" && d.Type().IsRegular())
		}
		for _, d := range ents {
			name := d.Name()
			p := dir + string(filepath.Separator) + name
			if d.IsDir() {
				if skipDirs[name] {
					continue
				}
				wg.Add(1)
				select {
				case sem <- struct{}{}:
					go func() { visit(p); <-sem }()
				default:
					visit(p)
				}
				continue
			}
			if !d.Type().IsRegular() {
				continue
			}
			if IsDockerfileName(name) && !golden {
				dfs = append(dfs, p)
			}
			compose = compose || isComposeName(name)
			if isOtherComposeName(name) {
				others = append(others, p)
			}
			bake = bake || isBakeName(name)
		}
		mu.Lock()
		s.dockerfiles = append(s.dockerfiles, dfs...)
		s.composeFiles = append(s.composeFiles, others...)
		if compose && !composeSeen[dir] {
			composeSeen[dir] = true
			s.composeDirs = append(s.composeDirs, dir)
		}
		if bake && !bakeSeen[dir] {
			bakeSeen[dir] = true
			s.bakeDirs = append(s.bakeDirs, dir)
		}
		mu.Unlock()
	}
	wg.Add(1)
	visit(abs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// patternmatcher compiles its patterns on first use, unguarded: the
	// exclusions are matched here, on one goroutine
	if excluded != nil {
		kept := s.dockerfiles[:0]
		for _, p := range s.dockerfiles {
			if skip, _ := excluded.MatchesOrParentMatches(filepath.ToSlash(rel(abs, p))); !skip {
				kept = append(kept, p)
			}
		}
		s.dockerfiles = kept
	}
	for _, l := range [][]string{s.dockerfiles, s.composeDirs, s.bakeDirs, s.composeFiles} {
		sort.Slice(l, func(i, j int) bool { return walkOrder(l[i], l[j]) })
	}
	sort.Strings(s.warnings)
	return s, nil
}

// walkOrder: a before b in filepath.WalkDir's order (lexical per path
// component, a directory before what it holds).
func walkOrder(a, b string) bool {
	as, bs := strings.Split(a, string(filepath.Separator)), strings.Split(b, string(filepath.Separator))
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}
