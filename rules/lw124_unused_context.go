package rules

import (
	"fmt"
	"strings"

	"github.com/layerwise/layerwise/internal/units"
)

var _ = Register(&Rule{
	ID: "LW124", Name: "unused-context", Severity: Info, Category: CatContext, ContextOnly: true,
	FixesIgnore: true,
	Title:       "Bytes are sent that no COPY or ADD can reach",
	Cost:        "Transferred on every build for nothing (newer BuildKit frontends skip them only when no COPY takes the whole context).",
	Description: `layerwise resolves every COPY/ADD source of every stage against the context (globs as BuildKit
expands them, ` + "`--exclude`" + ` honoured). Files none of them reach are sent for nothing; above
` + "`thresholds.unused-bytes`" + ` (default 10 MB) the rule reports them with the directories that hold most.`,
	Bad:   "COPY package.json src/ ./ with docs/ (40 MB) in the context",
	Good:  ".dockerignore: docs",
	Check: checkUnusedContext,
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
	msg := fmt.Sprintf("%s in %d files is sent but no COPY/ADD reaches it (%s).", units.Bytes(c.Usage.UnusedBytes), c.Usage.UnusedFiles, strings.Join(dirs, ", "))
	return []Finding{in.contextFinding("LW124", msg, Cost{ContextBytes: c.Usage.UnusedBytes, Seconds: bytesSeconds(c.Usage.UnusedBytes, 0), Basis: "static"})}
}
