package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/safefile"

	"github.com/layerwise/layerwise/internal/statedir"
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
with ` + "`COPY . .`" + `, cache misses whenever they change. layerwise's own state (` + "`.layerwise`" + `: the build
history, which changes with every measured build, and local caches) is never read by a build either: the
` + "`.dockerignore`" + ` that ` + "`layerwise fix`" + ` writes excludes it wherever the context sends it, and from a context
at the repository root even before it exists.`,
	Bad:      "node_modules/ (450 MB) sent",
	Good:     ".dockerignore: node_modules",
	Check:    checkHeavyDirs,
	Excludes: func(in *IgnoreInput) []Exclusion { return append(excludeRegenerated(in), excludeState(in)...) },
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
		if h.Bytes < minHeavyBytes || in.neededAsSent(h.Path) || !in.sent(h.Path) {
			continue // small, read by the build, or named by no COPY (BuildKit sends none of it)
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
	if runs["pip"] {
		regen[".venv"] = ".venv: the image runs its own pip install"
		regen["__pycache__"] = "__pycache__: Python regenerates it"
	}
	if runs["cargo"] || runs["maven"] {
		regen["target"] = "target: the image runs its own cargo/maven build"
	}
	present := map[string]bool{}
	if runs["composer"] {
		regen["vendor"] = "vendor: the image runs its own composer install"
		for _, e := range in.Entries {
			if b := path.Base(e.Path); b == "composer.json" || b == "go.mod" {
				present[e.Path] = true
			}
		}
	}
	var out []Exclusion
	out = append(out, bundlerOutputDirs(in)...)
	for _, e := range in.Entries {
		if e.Type != buildctx.TypeDir {
			continue
		}
		if path.Base(e.Path) == "vendor" && !composerVendor(present, e.Path) {
			continue // Go's vendor directory is a source (-mod=vendor)
		}
		if reason, ok := regen[path.Base(e.Path)]; ok && !in.Keep(e.Path) {
			out = append(out, Exclusion{Path: e.Path, Reason: reason, Drops: true})
		}
	}
	return out
}

// bundlerOutputs are the directories a JavaScript bundler writes by
// default, when its configuration cannot move them elsewhere unseen.
var bundlerOutputs = map[string]string{"vite": "dist", "react-scripts": "build", "parcel": "dist"}

// bundlerOutputDirs are the output directories of the builds the images run
// (npm run build in the project a COPY brought): only the one directory the
// project's own bundler writes by default, beside its package.json. A
// directory named dist or build anywhere else is a source for all the
// fixer knows (a vendored library's dist/, committed under wwwroot/lib:
// excluding those broke the image).
func bundlerOutputDirs(in *IgnoreInput) []Exclusion {
	var out []Exclusion
	seen := map[string]bool{}
	for _, f := range in.Builds {
		for _, s := range f.Stages {
			var copies []*dockerfile.Instruction
			for _, ins := range s.Instructions {
				if ins.Copy != nil && ins.Copy.FromContext() && !ins.Copy.UsesVariables && len(ins.Copy.ContextSources()) == 1 {
					copies = append(copies, ins)
				}
				if ins.Run == nil || len(copies) == 0 {
					continue
				}
				for _, c := range ins.Run.Commands {
					name := path.Base(c.Name)
					if (name != "npm" && name != "yarn" && name != "pnpm") || !runsBuild(c) || ins.Run.MountError != "" {
						continue
					}
					dir, ok := contextDirOf(copies, ins.State.Workdir)
					if !ok || seen[dir] {
						continue
					}
					seen[dir] = true
					if d := bundlerOutput(in, dir, ins.State); d != "" {
						p := strings.TrimPrefix(path.Join(dir, d), "/")
						if e, ok := lookupEntry(in.Entries, p); ok && e.Type == buildctx.TypeDir && !in.Keep(p) {
							out = append(out, Exclusion{Path: p, Reason: p + ": the image's " + name + " build writes it", Drops: true})
						}
					}
				}
			}
		}
	}
	return out
}

// contextDirOf is the context directory that the last COPY of a directory
// to an absolute destination at or above workdir put there.
func contextDirOf(copies []*dockerfile.Instruction, workdir string) (string, bool) {
	for i := len(copies) - 1; i >= 0; i-- {
		c := copies[i].Copy
		dest := c.Dest
		if !path.IsAbs(dest) {
			dest = path.Join(copies[i].State.Workdir, dest)
		}
		dest = path.Clean(dest)
		rel, ok := strings.CutPrefix(workdir, dest)
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
			continue
		}
		src := path.Clean(c.ContextSources()[0])
		if strings.ContainsAny(src, "*?[") || strings.HasPrefix(src, "..") {
			return "", false
		}
		if src == "." || src == "/" {
			src = ""
		}
		return strings.TrimPrefix(path.Join(src, rel), "/"), true
	}
	return "", false
}

// bundlerOutput is where the build script of dir's package.json writes,
// when it is a bundler with a known default and no configuration that
// could move it ("" otherwise).
func bundlerOutput(in *IgnoreInput, dir string, st *dockerfile.State) string {
	read := func(name string) ([]byte, bool) {
		p := filepath.Join(in.Dir, filepath.FromSlash(path.Join(dir, name)))
		data, err := safefile.ReadWithin(in.Dir, p, safefile.MaxManifest)
		return data, err == nil
	}
	data, ok := read("package.json")
	if !ok {
		return ""
	}
	var pj struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal(data, &pj) != nil {
		return ""
	}
	words := strings.Fields(pj.Scripts["build"])
	if len(words) == 0 || strings.ContainsAny(pj.Scripts["build"], "&|;") {
		return ""
	}
	tool := words[0]
	if tool == "npx" && len(words) > 1 {
		tool, words = words[1], words[1:]
	}
	d, ok := bundlerOutputs[tool]
	if !ok || len(words) > 2 || (len(words) == 2 && words[1] != "build") {
		return "" // flags (--outDir, --dist-dir) or another subcommand
	}
	for _, cfg := range []string{"vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs", ".parcelrc"} {
		if c, ok := read(cfg); ok && (strings.Contains(string(c), "outDir") || strings.Contains(string(c), "distDir") || tool == "parcel") {
			return ""
		}
	}
	if tool == "parcel" {
		if strings.Contains(string(data), "distDir") || strings.Contains(string(data), `"targets"`) {
			return ""
		}
	}
	if _, set := st.Getenv("BUILD_PATH"); set && tool == "react-scripts" {
		return ""
	}
	return d
}

func lookupEntry(entries []buildctx.Entry, p string) (buildctx.Entry, bool) {
	for _, e := range entries {
		if e.Path == p {
			return e, true
		}
	}
	return buildctx.Entry{}, false
}

// composerVendor: a vendor directory beside a composer.json and no go.mod.
func composerVendor(present map[string]bool, dir string) bool {
	parent := path.Dir(dir)
	if parent == "." {
		parent = ""
	}
	return present[path.Join(parent, "composer.json")] && !present[path.Join(parent, "go.mod")]
}

// RegeneratedDir is the directory an install of the tool makes beside its
// manifests (node_modules, vendor), which a context that sends its own
// copy would overwrite when the sources are copied after the install.
func RegeneratedDir(t *Tool) string {
	switch t {
	case toolNpm, toolYarn, toolPnpm:
		return "node_modules"
	case toolComposer:
		return "vendor"
	}
	return ""
}

// excludeState: layerwise's own state (internal/statedir) is never the
// project's: every state directory the context sends, and the one at the
// repository root when the context is the root (it appears there with the
// first measured build, and the history's -wal and -shm change while a
// build runs), unless the ignore file excludes it already or a COPY names
// it (or something below it) literally.
func excludeState(in *IgnoreInput) []Exclusion {
	var out []Exclusion
	seen := map[string]bool{}
	add := func(p string, sent bool) {
		if seen[p] || copyNames(in, p) {
			return
		}
		seen[p] = true
		out = append(out, Exclusion{Path: p, Reason: p + ": layerwise's own state (its build history and caches), never read by a build", Drops: sent})
	}
	for _, e := range in.Entries {
		if e.Type == buildctx.TypeDir && statedir.Is(e.Path) {
			add(e.Path, true)
		}
	}
	if in.Root != "" && filepath.Clean(in.Dir) == filepath.Clean(in.Root) && (in.Ignored == nil || !in.Ignored(statedir.Name)) {
		add(statedir.Name, false)
	}
	return out
}

// copyNames: a COPY/ADD source of a build reading the directory is the
// path p or a path below it, as written (not through a wildcard).
func copyNames(in *IgnoreInput, p string) bool {
	for _, f := range in.Builds {
		if f == nil {
			continue
		}
		for _, s := range buildctx.SourcesOf(f) {
			src := strings.TrimPrefix(path.Clean("/"+s.Pattern), "/")
			if src == p || strings.HasPrefix(src, p+"/") {
				return true
			}
		}
	}
	return false
}
