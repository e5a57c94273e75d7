package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/internal/units"
)

// UnusedContext is LW124.
var UnusedContext = Register(&Rule{
	ID: "LW124", Name: "unused-context", Severity: Info, Category: CatContext, ContextOnly: true,
	FixesIgnore: true,
	Title:       "Bytes are sent that no COPY or ADD can reach",
	Cost:        "Nothing with BuildKit, which transfers only what COPY/ADD sources name; the classic builder (DOCKER_BUILDKIT=0) sends them on every build.",
	Description: `layerwise resolves every COPY/ADD source of every stage against the context (globs as BuildKit
expands them, ` + "`--exclude`" + ` honoured). BuildKit's Dockerfile frontend sends only the paths those sources name,
so files none of them reach cost nothing there; the classic builder sends them for nothing. Above
` + "`thresholds.unused-bytes`" + ` (default 10 MB) the rule reports them with the directories that hold most.`,
	Bad:      "COPY package.json src/ ./ with docs/ (40 MB) in the context",
	Good:     ".dockerignore: docs",
	Check:    checkUnusedContext,
	Excludes: excludeUnreached,
})

func checkUnusedContext(in *Input) []Finding {
	c := in.Context
	if c == nil || c.Usage == nil || c.Usage.Undecidable || in.Config == nil || c.Usage.UnusedBytes <= in.Config.Thresholds.UnusedBytes {
		return nil
	}
	var dirs []string
	for i, d := range c.UnusedDirs {
		if i == 3 {
			break
		}
		dirs = append(dirs, fmt.Sprintf("%s %s", d.Path, units.Bytes(d.Bytes)))
	}
	msg := fmt.Sprintf("%s in %d files no COPY/ADD reaches (%s): BuildKit does not send them, the classic builder (DOCKER_BUILDKIT=0) does on every build.", units.Bytes(c.Usage.UnusedBytes), c.Usage.UnusedFiles, strings.Join(dirs, ", "))
	return []Finding{in.contextFinding(msg, Cost{ContextBytes: c.Usage.UnusedBytes, Seconds: bytesSeconds(c.Usage.UnusedBytes, 0), Basis: "static"})}
}

// excludeUnreached: the top-level entries no COPY/ADD of any image reading
// the directory reaches (the fix adds them only to an ignore file it
// writes anyway: alone they change nothing BuildKit sends), but for names a source starts with (a COPY of an
// empty directory fails when it is not sent), the ignore file itself and
// the Dockerfile.
func excludeUnreached(in *IgnoreInput) []Exclusion {
	top := map[string]bool{}
	used := map[string]bool{}
	for _, e := range in.Entries {
		first, _, _ := strings.Cut(e.Path, "/")
		top[first] = true
		if in.Reached[e.Path] {
			used[first] = true
		}
	}
	var out []Exclusion
	for _, n := range slices.Sorted(maps.Keys(top)) {
		if used[n] || in.Source(n) || n == ".dockerignore" || in.Dockerfile(n) {
			continue
		}
		out = append(out, Exclusion{Path: n, Reason: n + ": no COPY/ADD reaches it"})
	}
	return out
}
