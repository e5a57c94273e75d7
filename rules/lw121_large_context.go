package rules

import (
	"fmt"
	"strings"

	"github.com/layerwise/layerwise/internal/units"
)

// LargeContext is LW121.
var LargeContext = Register(&Rule{
	ID: "LW121", Name: "large-context", Severity: Warning, Category: CatContext, ContextOnly: true,
	Title: "The build context is larger than the threshold",
	Cost:  "Every build first transfers and checksums the whole context: seconds to minutes before the first step runs.",
	Description: `The context is every file sent to the builder (after the ignore file). Above
` + "`thresholds.context-bytes`" + ` (default 100 MB) the transfer dominates short builds, and on remote builders it crosses the
network each time. Exclude what the build does not read, or narrow the context to the service's directory. BuildKit
sends only the paths the COPY/ADD sources name: a context whose named paths stay under the threshold is left to
LW124 (what only the classic builder sends).`,
	Bad:   "context: 850 MB sent",
	Good:  "context: 12 MB sent",
	Check: checkLargeContext,
})

func checkLargeContext(in *Input) []Finding {
	c := in.Context
	if c == nil || in.Config == nil || c.Bytes <= in.Config.Thresholds.ContextBytes {
		return nil
	}
	if c.Usage != nil && !c.Usage.Undecidable && c.Usage.UsedBytes <= in.Config.Thresholds.ContextBytes {
		// BuildKit sends only the paths the COPY/ADD sources name (tempo's
		// Dockerfile_debug copies a binary and a script past a 130 MB
		// vendor/: review 16); what no source reaches is LW124's
		return nil
	}
	var big []string
	for i, d := range c.LargestDirs {
		if i == 3 {
			break
		}
		big = append(big, fmt.Sprintf("%s %s", d.Path, units.Bytes(d.Bytes)))
	}
	msg := fmt.Sprintf("the build context is %s (%d files), above the %s threshold", units.Bytes(c.Bytes), c.Files, units.Bytes(in.Config.Thresholds.ContextBytes))
	if len(big) > 0 {
		msg += "; largest: " + strings.Join(big, ", ")
	}
	return []Finding{in.contextFinding(msg+".", Cost{ContextBytes: c.Bytes, Seconds: bytesSeconds(c.Bytes, 0), Basis: "static"})}
}
