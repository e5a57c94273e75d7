package rules

import (
	"path"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
)

// The context rules read the build context report of the image
// (buildctx.Report); they point at the context directory, or at the ignore
// file when there is one.

// contextFinding points a context finding at the ignore file when there
// is one, else at the context directory.
func (in *Input) contextFinding(msg string, cost Cost) Finding {
	f := Finding{Image: in.Image, Message: msg, Cost: cost}
	f.File = in.ContextPath
	if in.IgnoreFile != "" {
		f.File = in.IgnoreFile
	}
	return f
}

// minHeavyBytes: below it a directory is not heavy, whatever its name (a
// build/ of 532 bytes costs nothing to send, and one of 970 kB in a 48 MB
// context a few milliseconds: review 36, SimplCommerce).
const minHeavyBytes = 1 << 20

// buildOutputs and installTrees are heavy by name only when the image makes
// them itself: a dist/ that no RUN builds (vendored assets the app serves,
// wwwroot/lib/x/dist) or a node_modules that no RUN installs, reached by a
// COPY, is what the image is made of.
var (
	buildOutputs = map[string]bool{"dist": true, "build": true, "target": true, "coverage": true, ".next": true}
	installTrees = map[string]string{"node_modules": "node", ".venv": "python", "venv": "python"}
)

// neededAsSent reports whether a heavy-by-name directory is part of what
// the image is built from: a COPY reaches it and no RUN regenerates it.
func (in *Input) neededAsSent(dir string) bool {
	base := path.Base(dir)
	lang, install := installTrees[base]
	if !buildOutputs[base] && !install {
		return false
	}
	if !in.reachesUnder(dir) {
		return false
	}
	for _, s := range in.File.Stages {
		for _, x := range s.Instructions {
			for _, inst := range runInstalls(x) {
				switch {
				case buildOutputs[base] && inst.Compile:
					return false
				case install && lang == "node" && (inst.Tool == toolNpm || inst.Tool == toolYarn || inst.Tool == toolPnpm):
					return false
				case install && lang == "python" && (inst.Tool == toolPip || inst.Tool == toolPoetry || inst.Tool == toolPipenv || inst.Tool == toolUv):
					return false
				}
			}
			if x.Run != nil && buildOutputs[base] {
				for _, c := range x.Run.Commands {
					if n := path.Base(c.Name); (n == "npm" || n == "yarn" || n == "pnpm") && strings.Contains(strings.Join(c.Args, " "), "build") || n == "make" {
						return false
					}
				}
			}
		}
	}
	return true
}

// sent reports whether BuildKit sends p (a file, or a directory: anything
// below it) to the builder. BuildKit's Dockerfile frontend transfers only
// the paths COPY/ADD sources and RUN bind mounts name (FollowPaths, in
// dockerfile2llb), not the whole directory, so a file no source reaches
// costs nothing there; when the sources cannot be resolved (a variable),
// it may be sent. (The classic builder sent everything: a context rule
// speaks of BuildKit, which every current docker build uses.)
func (in *Input) sent(p string) bool {
	c := in.Context
	if c == nil || c.Walk == nil || c.Usage == nil || c.Usage.Undecidable {
		return true
	}
	p = strings.TrimSuffix(p, "/")
	unused := make(map[string]bool, len(c.Usage.Unused))
	for _, e := range c.Usage.Unused {
		unused[e.Path] = true
	}
	for _, e := range c.Entries {
		if e.Type == buildctx.TypeSymlink && !unused[e.Path] {
			// a source reaches a symlink: BuildKit follows it when it
			// picks the paths to send (conf -> .secrets), which this
			// model of reach does not
			return true
		}
	}
	if unused[p] {
		return false // a file, reached by nothing
	}
	if e, ok := c.Lookup(p); ok && e.Type != buildctx.TypeDir {
		return true
	}
	return in.reachesUnder(p)
}

// reachesUnder reports whether some COPY/ADD reaches a file below dir.
func (in *Input) reachesUnder(dir string) bool {
	c := in.Context
	if c == nil || c.Walk == nil || c.Usage == nil || c.Usage.Undecidable {
		return false
	}
	unused := make(map[string]bool, len(c.Usage.Unused))
	for _, e := range c.Usage.Unused {
		unused[e.Path] = true
	}
	for _, e := range c.Entries {
		if e.Type != buildctx.TypeDir && strings.HasPrefix(e.Path, dir+"/") && !unused[e.Path] {
			return true
		}
	}
	return false
}
