package discover

import (
	"os"
	"path/filepath"
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
	for dir := dfDir; ; dir = filepath.Dir(dir) {
		if missing := missingSources(dir, sources); len(missing) == 0 {
			if dir == dfDir {
				return dir, ""
			}
			return dir, "every COPY/ADD source exists here (not in the Dockerfile's own directory)"
		}
		if dir == root || !strings.HasPrefix(dir, root) || filepath.Dir(dir) == dir {
			break
		}
	}
	missing := missingSources(dfDir, sources)
	return dfDir, "no directory up to the repository root holds every COPY/ADD source; missing here: " + strings.Join(missing, ", ")
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
