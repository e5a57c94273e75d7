package discover

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// InferContext chooses the build context of a Dockerfile that no compose
// file describes: the nearest directory, from the Dockerfile's own up to
// root, in which every COPY/ADD source of the build context exists.
//
// Sources holding variables are skipped (their value is a build-time
// choice). When no directory satisfies every source, the Dockerfile's
// directory is used and the note says which sources are missing.
func InferContext(root, dockerfilePath string, m *dockerfile.File) (string, string) {
	dfDir := filepath.Dir(dockerfilePath)
	var sources []string
	for _, s := range m.Stages {
		for _, in := range s.Instructions {
			if in.Copy == nil || in.Copy.UsesVariables {
				continue
			}
			sources = append(sources, in.Copy.ContextSources()...)
		}
	}
	if len(sources) == 0 {
		return dfDir, "no COPY/ADD reads the context; using the Dockerfile's directory"
	}
	// the directory that holds the most sources otherwise (nearest first):
	// a file the build creates before it runs (hoppscotch's backend copies
	// a .env, which is not committed, with pnpm-lock.yaml and
	// ./packages/hoppscotch-backend from the root) must not send the
	// context back to the Dockerfile's directory, where nothing exists
	best, bestMissing := dfDir, missingSources(dfDir, sources)
	for dir := dfDir; ; dir = filepath.Dir(dir) {
		missing := missingSources(dir, sources)
		if len(missing) == 0 {
			if up := workdirContext(root, dir, sources, m); up != "" {
				return up, "every COPY/ADD source exists here, and the directory a WORKDIR enters after copying the whole context"
			}
			if dir == dfDir {
				return dir, ""
			}
			return dir, "every COPY/ADD source exists here (not in the Dockerfile's own directory)"
		}
		if len(missing) < len(bestMissing) {
			best, bestMissing = dir, missing
		}
		if dir == root || !strings.HasPrefix(dir, root) || filepath.Dir(dir) == dir {
			break
		}
	}
	if best != dfDir {
		return best, "no directory up to the repository root holds every COPY/ADD source; most exist here, missing: " + strings.Join(bestMissing, ", ")
	}
	return dfDir, "no directory up to the repository root holds every COPY/ADD source; missing here: " + strings.Join(bestMissing, ", ")
}

func missingSources(dir string, sources []string) []string {
	var missing []string
	for _, s := range sources {
		s = strings.TrimPrefix(filepath.Clean("/"+s), "/")
		if s == "" {
			continue // "." or "/" is the context itself
		}
		p := filepath.Join(dir, filepath.FromSlash(s))
		if strings.ContainsAny(s, "*?[") {
			if m, _ := filepath.Glob(p); len(m) > 0 {
				continue
			}
		} else if _, err := os.Lstat(p); err == nil {
			continue
		}
		missing = append(missing, s)
	}
	return missing
}

// workdirContext is a directory above dir that is the context after all,
// or "": the Dockerfile copies the whole context and then enters a
// directory of it (`COPY . .`, `WORKDIR /usr/src/app/RedDog.UI`: review
// 27, Azure's reddog, whose workflow builds RedDog.UI/Dockerfile with the
// repository as context) that dir lacks and a directory above it holds,
// with every COPY source. A WORKDIR that creates its directory matches no
// directory above, and the context stays dir.
func workdirContext(root, dir string, sources []string, m *dockerfile.File) string {
	var entered []string
	for _, s := range m.Stages {
		var dests []string
		for _, x := range s.Instructions {
			// the state is the one before x: the directory the
			// instructions before it entered
			if x.State != nil {
				for _, d := range dests {
					if rel, ok := strings.CutPrefix(filepath.ToSlash(filepath.Clean(x.State.Workdir)), strings.TrimSuffix(d, "/")+"/"); ok && rel != "" && !slices.Contains(entered, rel) && len(entered) < 8 {
						entered = append(entered, rel)
					}
				}
			}
			if x.Copy != nil && x.Copy.From == "" && !x.Copy.UsesVariables && len(dests) < 8 {
				// (a few: each later instruction is matched against
				// every one, and a hostile file may copy the context a
				// thousand times)
				for _, src := range x.Copy.ContextSources() {
					if strings.Trim(filepath.ToSlash(filepath.Clean("/"+src)), "/") == "" {
						d := x.Copy.Dest
						if !filepath.IsAbs(d) && x.State != nil {
							d = x.State.Workdir + "/" + d
						}
						dests = append(dests, filepath.ToSlash(filepath.Clean(d)))
					}
				}
			}
		}
	}
	if len(entered) == 0 || len(missingSources(dir, entered)) == 0 {
		return ""
	}
	for up := filepath.Dir(dir); strings.HasPrefix(up, root) && up != dir; dir, up = up, filepath.Dir(up) {
		if len(missingSources(up, entered)) == 0 && len(missingSources(up, sources)) == 0 {
			return up
		}
		if up == root {
			break
		}
	}
	return ""
}
