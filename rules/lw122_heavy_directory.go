package rules

import (
	"fmt"

	"github.com/layerwise/layerwise/internal/units"
)

var _ = Register(&Rule{
	ID: "LW122", Name: "heavy-directory-in-context", Severity: Warning, Category: CatContext, ContextOnly: true,
	FixesIgnore: true,
	Title:       "A heavy directory is sent to the builder",
	Cost:        "Directories that the build regenerates or never reads (.git, node_modules, target, dist, .venv, ...) are transferred on every build.",
	Description: `` + "`.git`" + `, ` + "`node_modules`" + `, ` + "`target`" + `, ` + "`dist`" + `, ` + "`build`" + `, ` + "`.venv`" + `, ` + "`__pycache__`" + `, ` + "`.terraform`" + ` and the like are large,
change often and are either rebuilt inside the image or not needed at all. Sending them costs transfer time and,
with ` + "`COPY . .`" + `, cache misses whenever they change.`,
	Bad:   "node_modules/ (450 MB) sent",
	Good:  ".dockerignore: node_modules",
	Check: checkHeavyDirs,
})

func checkHeavyDirs(in *Input) []Finding {
	c := in.Context
	if c == nil {
		return nil
	}
	sensitive := map[string]bool{}
	for _, s := range c.Sensitive {
		sensitive[s.Path] = true
	}
	var out []Finding
	for _, h := range c.Heavy {
		if sensitive[h.Path+"/"] {
			continue // LW123 reports it, as an error
		}
		if h.Bytes < minHeavyBytes || in.neededAsSent(h.Path) {
			continue
		}
		msg := fmt.Sprintf("%s/ (%s in %d files) is sent to the builder on every build.", h.Path, units.Bytes(h.Bytes), h.Files)
		out = append(out, in.contextFinding("LW122", msg, Cost{ContextBytes: h.Bytes, Seconds: bytesSeconds(h.Bytes, 0), Basis: "static"}))
	}
	return out
}
