package rules

import (
	"fmt"

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
	// what an ignore file would keep out: heavy directories no COPY needs
	// as sent (LW122's measure), files no COPY reaches (LW124's), secrets
	// (LW123's). Where that is nothing, a missing .dockerignore costs
	// nothing and is not reported (on the corpus, more than half of the
	// contexts without one had nothing to exclude).
	waste := int64(0)
	for _, h := range c.Heavy {
		if h.Bytes >= minHeavyBytes && !in.neededAsSent(h.Path) {
			waste += h.Bytes
		}
	}
	if c.Usage != nil && !c.Usage.Undecidable && c.Usage.UnusedBytes > waste {
		waste = c.Usage.UnusedBytes
	}
	if waste == 0 && len(c.Sensitive) == 0 {
		return nil
	}
	files := fmt.Sprintf("all %d files", c.Files)
	if c.Files == 1 {
		files = "the 1 file"
	}
	msg := fmt.Sprintf("no .dockerignore: %s (%s) of %s are sent on every build", files, units.Bytes(c.Bytes), in.ContextPath)
	if waste > 0 {
		msg += fmt.Sprintf(", %s of which no COPY needs or the build regenerates", units.Bytes(waste))
	}
	return []Finding{in.contextFinding(msg+".", Cost{ContextBytes: waste, Seconds: bytesSeconds(waste, 0), Basis: "static", Invalidates: "a broad COPY re-runs whenever any file in the context changes"})}
}
