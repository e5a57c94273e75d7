package rules

import (
	"fmt"
	"github.com/layerwise/layerwise/buildctx"
	"strings"

	"github.com/layerwise/layerwise/internal/units"
)

// NoDockerignore is LW120.
var NoDockerignore = Register(&Rule{
	ID: "LW120", Name: "no-dockerignore", Severity: Warning, Category: CatContext, ContextOnly: true,
	FixesIgnore: true,
	Title:       "The build context has no .dockerignore",
	Cost:        "Everything in the directory is sent to the builder on every build — VCS history, dependency trees, build outputs — and a COPY . . bakes it into the image.",
	Description: `Without an ignore file the whole context directory is transferred (and, with ` + "`COPY . .`" + `, copied into
the image and hashed for the cache key: any file changing anywhere invalidates the copy). Add a ` + "`.dockerignore`" + `
(or ` + "`<Dockerfile>.dockerignore`" + ` beside a Dockerfile that needs its own) excluding what the build does not read.
` + "`layerwise fix`" + ` writes one and proves it drops nothing a COPY needs.`,
	Bad:   "services/web/ (no .dockerignore)",
	Good:  "services/web/.dockerignore:\n.git\nnode_modules\ndist\n.env*",
	Check: checkNoDockerignore,
})

func checkNoDockerignore(in *Input) []Finding {
	c := in.Context
	if c == nil || c.IgnoreFile == nil || c.IgnoreFile.Path != "" {
		return nil
	}
	// what an ignore file would keep out of what BuildKit sends: heavy
	// directories a COPY reaches and the build does not need as sent
	// (LW122's measure), secrets a COPY reaches (LW123's). Files no COPY
	// names are not sent at all; where nothing is left, a missing
	// .dockerignore costs nothing and is not reported (on the corpus,
	// most contexts without one sent nothing an ignore file would drop).
	var waste int64
	var what []string
	for _, h := range c.Heavy {
		if h.Bytes >= minHeavyBytes && !in.neededAsSent(h.Path) && in.sent(h.Path) {
			waste += h.Bytes
			what = append(what, fmt.Sprintf("%s/ %s", h.Path, units.Bytes(h.Bytes)))
		}
	}
	for _, s := range c.Sensitive {
		// a key or certificate a COPY brings may go into the image
		// through the build (review 24): no ignore file keeps it out;
		// LW123 reports it
		if in.sent(s.Path) && s.Reason != buildctx.ReasonKey {
			what = append(what, strings.TrimSuffix(s.Path, "/")+" (a secret)")
		}
	}
	if len(what) == 0 {
		return nil
	}
	if len(what) > 5 {
		what = append(what[:5], fmt.Sprintf("and %d more", len(what)-5))
	}
	msg := fmt.Sprintf("no .dockerignore: the COPYs send %s what no build step needs: %s.", map[bool]string{true: units.Bytes(waste) + " of", false: ""}[waste > 0], strings.Join(what, ", "))
	msg = strings.Replace(msg, "send  what", "send what", 1)
	return []Finding{in.contextFinding(msg, Cost{ContextBytes: waste, Seconds: bytesSeconds(waste, 0), Basis: "static", Invalidates: "a broad COPY re-runs whenever any file it reaches changes"})}
}
