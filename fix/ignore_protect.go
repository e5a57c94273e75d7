package fix

import (
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// What a .dockerignore rewrite must never exclude, whatever its name says.
// A file that looks sensitive (a .pfx certificate) or a directory that
// looks regenerated (build/) is still needed when a Dockerfile names it:
//   - a COPY/ADD source that names it (or the directory it is in), other
//     than the whole context;
//   - a file that a COPY --from carries out of the stage it was copied
//     into (COPY . /src in the build stage, COPY --from=build
//     /src/certs/dev.pfx . later): the final image needs it.
// For those the audit still warns; the fix leaves them in the context.

// protector answers whether a context path must stay sent.
type protector struct {
	prefixes []string // context paths protected with everything below them
	globs    []string // source patterns with wildcards (matched per component)
}

func (p *protector) protects(rel string) bool {
	rel = strings.TrimPrefix(path.Clean("/"+rel), "/")
	for _, pre := range p.prefixes {
		if pre == "" || rel == pre || strings.HasPrefix(rel, pre+"/") || strings.HasPrefix(pre, rel+"/") {
			return true
		}
	}
	for _, g := range p.globs {
		if globCovers(g, rel) {
			return true
		}
	}
	return false
}

// globCovers matches a wildcard source against a path or one of its parent
// directories (a matched directory is copied whole).
func globCovers(pattern, rel string) bool {
	pp := strings.Split(pattern, "/")
	rp := strings.Split(rel, "/")
	if len(rp) < len(pp) {
		return false
	}
	for i := range pp {
		if ok, _ := path.Match(pp[i], rp[i]); !ok {
			return false
		}
	}
	return true
}

// protectedPaths gathers what the models of the images using the context
// (as their build context) name.
func protectedPaths(models []*dockerfile.File) *protector {
	p := &protector{}
	for _, m := range models {
		for _, s := range m.Stages {
			for _, x := range s.Instructions {
				if x.Copy == nil {
					continue
				}
				if x.Copy.From == "" {
					for _, src := range x.Copy.ContextSources() {
						p.addSource(src)
					}
					continue
				}
				if x.Copy.FromStage >= 0 {
					for _, src := range x.Copy.SourcesExpanded {
						p.addCarried(m, m.Stages[x.Copy.FromStage], src)
					}
				}
			}
		}
	}
	return p
}

func (p *protector) addSource(src string) {
	clean := strings.TrimPrefix(path.Clean("/"+src), "/")
	if clean == "" {
		return // the whole context names nothing in particular
	}
	if strings.ContainsAny(clean, "*?[") {
		p.globs = append(p.globs, clean)
		return
	}
	p.prefixes = append(p.prefixes, clean)
}

// addCarried protects the context paths that a COPY --from=stage of the
// image path src reads: those that a context COPY of the stage's lineage
// put at or under src.
func (p *protector) addCarried(m *dockerfile.File, s *dockerfile.Stage, src string) {
	want := path.Clean("/" + src)
	if i := strings.IndexAny(want, "*?["); i >= 0 {
		want = path.Dir(want[:i] + "x") // the static part of a glob
	}
	for _, st := range m.Lineage(s) {
		for _, x := range st.Instructions {
			if x.Copy == nil || x.Copy.From != "" {
				continue
			}
			dest := x.Copy.Dest
			if !path.IsAbs(dest) {
				dest = path.Join(x.State.Workdir, dest)
			}
			dest = path.Clean(dest)
			for _, csrc := range x.Copy.ContextSources() {
				c := strings.TrimPrefix(path.Clean("/"+csrc), "/")
				if strings.ContainsAny(c, "*?[") {
					c = "" // a glob: protect conservatively below
				}
				land := dest
				switch {
				case want == land || strings.HasPrefix(want, land+"/") || land == "/":
					rel := strings.TrimPrefix(strings.TrimPrefix(want, land), "/")
					p.prefixes = append(p.prefixes, strings.TrimPrefix(path.Join(c, rel), "/"))
					// a file COPY'd to a directory keeps its name
					p.prefixes = append(p.prefixes, strings.TrimPrefix(path.Join(path.Dir(c), path.Base(want)), "/"))
				case strings.HasPrefix(land, want+"/"):
					p.addSource(csrc)
				}
			}
		}
	}
}
