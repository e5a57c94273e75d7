package buildctx

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/patternmatcher"
)

// Source is one COPY/ADD source read from a build context.
type Source struct {
	// Pattern is the source path as BuildKit resolves it (variables
	// expanded, globs kept).
	Pattern  string
	Excludes []string // COPY --exclude
	// Where names the instruction for messages: "Dockerfile:12".
	Where string
	// Unresolved: the source depends on a build arg with no value here.
	Unresolved bool
}

// reach decides which context paths a source can copy.
//
// It mirrors fsutil/copy.ResolveWildcards, which BuildKit uses for COPY:
// the source is split into its leading non-wildcard directory and a
// wildcard remainder; the remainder is matched with filepath.Match against
// paths relative to that directory, and a matching directory is copied
// whole.
type reach struct {
	prefix  string // cleaned non-wildcard part ("" for the context root)
	pattern string // wildcard remainder ("" when none)
	nComp   int    // components in pattern
	excl    *patternmatcher.PatternMatcher
}

func newReach(s Source) (*reach, error) {
	p := strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(s.Pattern)), "/")
	r := &reach{}
	parts := strings.Split(p, "/")
	i := 0
	for ; i < len(parts); i++ {
		if strings.ContainsAny(parts[i], `*?[\`) {
			break
		}
	}
	r.prefix = strings.Join(parts[:i], "/")
	if i < len(parts) {
		r.pattern = strings.Join(parts[i:], "/")
		r.nComp = len(parts) - i
	}
	if len(s.Excludes) > 0 {
		pm, err := patternmatcher.New(s.Excludes)
		if err != nil {
			return nil, err
		}
		r.excl = pm
	}
	return r, nil
}

// matches reports whether the context path p (a file, or a directory) is
// copied by the source.
func (r *reach) matches(p string) bool {
	rel := p
	if r.prefix != "" {
		if p == r.prefix {
			rel = ""
		} else if strings.HasPrefix(p, r.prefix+"/") {
			rel = p[len(r.prefix)+1:]
		} else {
			return false
		}
	}
	// the part of rel below the copied root, for --exclude
	below := rel
	if r.pattern != "" {
		if rel == "" {
			return false
		}
		comps := strings.SplitN(rel, "/", r.nComp+1)
		if len(comps) < r.nComp {
			return false
		}
		head := strings.Join(comps[:r.nComp], "/")
		if ok, _ := path.Match(r.pattern, head); !ok {
			return false
		}
		below = ""
		if len(comps) > r.nComp {
			below = comps[r.nComp]
		}
		// A file matched by the pattern itself is copied as a single
		// file: --exclude applies to its base name.
		if below == "" {
			below = path.Base(head)
		}
	}
	if r.excl != nil && below != "" {
		if m, _ := r.excl.MatchesOrParentMatches(below); m {
			return false
		}
	}
	return true
}

// Usage is what of a context the COPY/ADD sources reach.
type Usage struct {
	UsedFiles   int64 `json:"usedFiles"`
	UsedBytes   int64 `json:"usedBytes"`
	UnusedFiles int64 `json:"unusedFiles"`
	UnusedBytes int64 `json:"unusedBytes"`
	// Unused lists sent files that no source reaches.
	Unused []Entry `json:"-"`
	// Unmatched are sources that reach nothing in the sent context (the
	// build would fail on them, or they were excluded by .dockerignore).
	Unmatched []Source `json:"unmatched,omitempty"`
	// Undecidable is true when some source holds a variable that could
	// not be resolved: then nothing is reported as unused.
	Undecidable bool `json:"undecidable,omitempty"`
}

// ComputeUsage matches sources against the entries of a walk.
func ComputeUsage(w *Walk, sources []Source) (*Usage, error) {
	u := &Usage{}
	rs := make([]*reach, 0, len(sources))
	hit := make([]bool, len(sources))
	for _, s := range sources {
		if s.Unresolved || strings.Contains(s.Pattern, "$") {
			u.Undecidable = true
		}
		r, err := newReach(s)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	for _, e := range w.Entries {
		used := false
		for i, r := range rs {
			// once used, only sources not yet seen to match need a look
			// (to tell which sources match nothing at all)
			if used && hit[i] {
				continue
			}
			if r.matches(e.Path) {
				used = true
				hit[i] = true
			}
		}
		if e.Type == TypeDir {
			continue
		}
		if used || u.Undecidable {
			u.UsedFiles++
			u.UsedBytes += e.Size
			continue
		}
		u.UnusedFiles++
		u.UnusedBytes += e.Size
		u.Unused = append(u.Unused, e)
	}
	for i, h := range hit {
		if !h {
			u.Unmatched = append(u.Unmatched, sources[i])
		}
	}
	return u, nil
}

// SourcesOf lists the context sources of every COPY/ADD of a Dockerfile
// (COPY --from, URLs, git refs and heredocs left out) and of every RUN
// bind mount of the context (`--mount=type=bind`, no from: its source, or
// the whole context), which BuildKit sends as it sends a COPY's.
func SourcesOf(m *dockerfile.File) []Source {
	out := []Source{}
	for _, s := range m.Stages {
		for _, in := range s.Instructions {
			if in.Run != nil {
				for _, mt := range in.Run.Mounts {
					if mt.Type == "bind" && mt.From == "" {
						src := mt.Source
						if src == "" {
							src = "."
						}
						out = append(out, Source{Pattern: src, Where: fmt.Sprintf("%s:%d", m.Path, in.Range.Start.Line), Unresolved: strings.Contains(src, "$")})
					}
				}
			}
			if in.Copy == nil {
				continue
			}
			for _, src := range in.Copy.ContextSources() {
				out = append(out, Source{Pattern: src, Excludes: in.Copy.Excludes, Where: fmt.Sprintf("%s:%d", m.Path, in.Range.Start.Line), Unresolved: in.Copy.Unresolved})
			}
		}
	}
	return out
}

// SourcesFrom lists what a Dockerfile reads from the named build context
// name (`--build-context name=DIR`, compose additional_contexts, bake
// contexts): the sources of COPY/ADD --from=name, the source of each
// RUN --mount from=name ("." when it mounts the whole context), and "."
// for a stage built FROM name. Names match case-insensitively, as BuildKit
// matches them; a stage of the same name is not a named context.
func SourcesFrom(m *dockerfile.File, name string) []Source {
	out := []Source{}
	isStage := func(ref string) bool {
		for _, s := range m.Stages {
			if strings.EqualFold(s.Name, ref) {
				return true
			}
		}
		return false
	}
	if isStage(name) {
		return out
	}
	where := func(in *dockerfile.Instruction) string { return fmt.Sprintf("%s:%d", m.Path, in.Range.Start.Line) }
	for _, s := range m.Stages {
		if s.BaseStage < 0 && strings.EqualFold(s.Base, name) && s.From != nil {
			out = append(out, Source{Pattern: ".", Where: where(s.From)})
		}
		for _, in := range s.Instructions {
			if in.Copy != nil && strings.EqualFold(in.Copy.From, name) {
				for _, src := range in.Copy.SourcesExpanded {
					out = append(out, Source{Pattern: src, Excludes: in.Copy.Excludes, Where: where(in), Unresolved: in.Copy.Unresolved})
				}
			}
			if in.Run == nil {
				continue
			}
			for _, mt := range in.Run.Mounts {
				if strings.EqualFold(mt.From, name) {
					src := mt.Source
					if src == "" {
						src = "."
					}
					out = append(out, Source{Pattern: src, Where: where(in)})
				}
			}
		}
	}
	return out
}
