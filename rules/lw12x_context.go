package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
)

// The context rules read the build context report of the image
// (buildctx.Report); they point at the context directory, or at the ignore
// file when there is one.

var _ = Register(&Rule{
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

var _ = Register(&Rule{
	ID: "LW121", Name: "large-context", Severity: Warning, Category: CatContext, ContextOnly: true,
	Title: "The build context is larger than the threshold",
	Cost:  "Every build first transfers and checksums the whole context: seconds to minutes before the first step runs.",
	Description: `The context is every file sent to the builder (after the ignore file). Above
` + "`thresholds.context-bytes`" + ` (default 100 MB) the transfer dominates short builds, and on remote builders it crosses the
network each time. Exclude what the build does not read, or narrow the context to the service's directory.`,
	Bad:   "context: 850 MB sent",
	Good:  "context: 12 MB sent",
	Check: checkLargeContext,
})

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

var _ = Register(&Rule{
	ID: "LW123", Name: "sensitive-file-in-context", Severity: Error, Category: CatSecurity, ContextOnly: true,
	FixesIgnore: true,
	Title:       "A file that holds secrets is sent to the builder",
	Cost:        "Secrets leave the developer's machine on every build and, with a broad COPY, end up in image layers that anyone who can pull the image can read.",
	Description: `Environment files, private keys, cloud and registry credentials, Terraform state and VCS history
do not belong in a build context. Exclude them in ` + "`.dockerignore`" + ` and pass what the build needs as
` + "`RUN --mount=type=secret`" + `.`,
	Bad:   ".env sent in the context",
	Good:  ".dockerignore: .env*",
	Check: checkSensitive,
})

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

// contextFinding points a context finding at the ignore file when there
// is one, else at the context directory.
func (in *Input) contextFinding(id, msg string, cost Cost) Finding {
	f := Finding{RuleID: id, Severity: registry[id].Severity, Image: in.Image, Message: msg, Cost: cost}
	f.File = in.ContextPath
	if in.IgnoreFile != "" {
		f.File = in.IgnoreFile
	}
	return f
}

func checkNoDockerignore(in *Input) []Finding {
	c := in.Context
	if c == nil || c.IgnoreFile == nil || c.IgnoreFile.Path != "" {
		return nil
	}
	waste := int64(0)
	for _, h := range c.Heavy {
		waste += h.Bytes
	}
	if c.Usage != nil && !c.Usage.Undecidable && c.Usage.UnusedBytes > waste {
		waste = c.Usage.UnusedBytes
	}
	files := fmt.Sprintf("all %d files", c.Files)
	if c.Files == 1 {
		files = "the 1 file"
	}
	msg := fmt.Sprintf("no .dockerignore: %s (%s) of %s are sent on every build", files, buildctx.HumanBytes(c.Bytes), in.ContextPath)
	if waste > 0 {
		msg += fmt.Sprintf(", %s of which no COPY needs or the build regenerates", buildctx.HumanBytes(waste))
	}
	return []Finding{in.contextFinding("LW120", msg+".", Cost{ContextBytes: waste, Seconds: bytesSeconds(waste, 0), Basis: "static", Invalidates: "a broad COPY re-runs whenever any file in the context changes"})}
}

func checkLargeContext(in *Input) []Finding {
	c := in.Context
	if c == nil || in.Config == nil || c.Bytes <= in.Config.Thresholds.ContextBytes {
		return nil
	}
	var big []string
	for i, d := range c.LargestDirs {
		if i == 3 {
			break
		}
		big = append(big, fmt.Sprintf("%s %s", d.Path, buildctx.HumanBytes(d.Bytes)))
	}
	msg := fmt.Sprintf("the build context is %s (%d files), above the %s threshold", buildctx.HumanBytes(c.Bytes), c.Files, buildctx.HumanBytes(in.Config.Thresholds.ContextBytes))
	if len(big) > 0 {
		msg += "; largest: " + strings.Join(big, ", ")
	}
	return []Finding{in.contextFinding("LW121", msg+".", Cost{ContextBytes: c.Bytes, Seconds: bytesSeconds(c.Bytes, 0), Basis: "static"})}
}

// minHeavyBytes: below it a directory is not heavy, whatever its name (a
// build/ of 532 bytes costs nothing to send).
const minHeavyBytes = 256 << 10

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
		msg := fmt.Sprintf("%s/ (%s in %d files) is sent to the builder on every build.", h.Path, buildctx.HumanBytes(h.Bytes), h.Files)
		out = append(out, in.contextFinding("LW122", msg, Cost{ContextBytes: h.Bytes, Seconds: bytesSeconds(h.Bytes, 0), Basis: "static"}))
	}
	return out
}

func checkSensitive(in *Input) []Finding {
	c := in.Context
	if c == nil {
		return nil
	}
	var out []Finding
	for _, s := range c.Sensitive {
		out = append(out, in.contextFinding("LW123", fmt.Sprintf("%s is sent to the builder: %s. Exclude it and use a secret mount if the build needs it.", s.Path, s.Reason), Cost{}))
	}
	return out
}

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
		dirs = append(dirs, fmt.Sprintf("%s %s", d.Path, buildctx.HumanBytes(d.Bytes)))
	}
	msg := fmt.Sprintf("%s in %d files is sent but no COPY/ADD reaches it (%s).", buildctx.HumanBytes(c.Usage.UnusedBytes), c.Usage.UnusedFiles, strings.Join(dirs, ", "))
	return []Finding{in.contextFinding("LW124", msg, Cost{ContextBytes: c.Usage.UnusedBytes, Seconds: bytesSeconds(c.Usage.UnusedBytes, 0), Basis: "static"})}
}
