package rules

import (
	"fmt"
	"path"

	"github.com/layerwise/layerwise/buildctx"

	"github.com/layerwise/layerwise/internal/units"
)

// HeavyDirectoryInContext is LW122.
var HeavyDirectoryInContext = Register(&Rule{
	ID: "LW122", Name: "heavy-directory-in-context", Severity: Warning, Category: CatContext, ContextOnly: true,
	FixesIgnore: true,
	Title:       "A heavy directory is sent to the builder",
	Cost:        "Directories that the build regenerates or never reads (.git, node_modules, target, dist, .venv, ...) are transferred on every build.",
	Description: `` + "`.git`" + `, ` + "`node_modules`" + `, ` + "`target`" + `, ` + "`dist`" + `, ` + "`build`" + `, ` + "`.venv`" + `, ` + "`__pycache__`" + `, ` + "`.terraform`" + ` and the like are large,
change often and are either rebuilt inside the image or not needed at all. Sending them costs transfer time and,
with ` + "`COPY . .`" + `, cache misses whenever they change.`,
	Bad:      "node_modules/ (450 MB) sent",
	Good:     ".dockerignore: node_modules",
	Check:    checkHeavyDirs,
	Excludes: excludeRegenerated,
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
		out = append(out, in.contextFinding(msg, Cost{ContextBytes: h.Bytes, Seconds: bytesSeconds(h.Bytes, 0), Basis: "static"}))
	}
	return out
}

// excludeRegenerated: the heavy directories the images' own RUNs
// regenerate (node_modules when they install, dist and build when they
// run a build script, .venv and __pycache__ for pip, target for cargo and
// maven), wherever they are; not in a directory an image reads as a named
// context, whose files it takes as they are.
func excludeRegenerated(in *IgnoreInput) []Exclusion {
	if in.Named {
		return nil
	}
	runs := in.runs()
	regen := map[string]string{}
	if runs["npm"] || runs["yarn"] || runs["pnpm"] {
		regen["node_modules"] = "node_modules: the image runs its own npm/yarn/pnpm install"
	}
	if runs["npm run build"] || runs["yarn build"] || runs["pnpm build"] {
		regen["dist"] = "dist: the image runs its own build"
		regen["build"] = "build: the image runs its own build"
	}
	if runs["pip"] {
		regen[".venv"] = ".venv: the image runs its own pip install"
		regen["__pycache__"] = "__pycache__: Python regenerates it"
	}
	if runs["cargo"] || runs["maven"] {
		regen["target"] = "target: the image runs its own cargo/maven build"
	}
	var out []Exclusion
	for _, e := range in.Entries {
		if e.Type != buildctx.TypeDir {
			continue
		}
		if reason, ok := regen[path.Base(e.Path)]; ok && !in.Keep(e.Path) {
			out = append(out, Exclusion{Path: e.Path, Reason: reason, Drops: true})
		}
	}
	return out
}
