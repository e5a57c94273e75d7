package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
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
		if in.goEmbeds(h.Path) {
			continue // a Go package embeds it (//go:embed): the compile reads it
		}
		msg := fmt.Sprintf("%s/ (%s in %d files) is sent to the builder on every build.", h.Path, units.Bytes(h.Bytes), h.Files)
		out = append(out, in.contextFinding(msg, Cost{ContextBytes: h.Bytes, Seconds: bytesSeconds(h.Bytes, 0), Basis: "static"}))
	}
	return out
}

// goEmbeds: a .go file in a directory above dir (its package's) embeds
// dir or something in it (`//go:embed web/dist`: review 31, netbird's
// proxy, whose committed UI build the compile embeds). A test file's
// embed counts only where an image runs `go test`: the build of a binary
// never reads it. At most 200 Go files are read.
func (in *Input) goEmbeds(dir string) bool {
	if in.Context == nil {
		return false
	}
	read := 0
	tests := in.runsGoTest()
	for _, e := range in.Context.Entries {
		if !strings.HasSuffix(e.Path, ".go") || e.Type != buildctx.TypeFile || (!tests && strings.HasSuffix(e.Path, "_test.go")) {
			continue
		}
		pkg := path.Dir(e.Path)
		if pkg == "." {
			pkg = ""
		}
		rel, ok := strings.CutPrefix(dir, pkg+"/")
		if pkg == "" {
			rel, ok = dir, true
		}
		if !ok {
			continue
		}
		if read++; read > 200 {
			return false
		}
		data, err := in.readContextFile(e.Path)
		if err != nil || !bytes.Contains(data, []byte("//go:embed")) {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			pats, found := strings.CutPrefix(strings.TrimSpace(line), "//go:embed ")
			if !found {
				continue
			}
			for _, p := range strings.Fields(pats) {
				p = strings.TrimPrefix(strings.Trim(p, "`\""), "all:")
				if p == rel || strings.HasPrefix(p, rel+"/") || strings.HasPrefix(rel, strings.TrimSuffix(p, "/*")+"/") || strings.HasPrefix(rel, p+"/") {
					return true
				}
			}
		}
	}
	return false
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
	if runs["pip"] {
		regen[".venv"] = ".venv: the image runs its own pip install"
		regen["__pycache__"] = "__pycache__: Python regenerates it"
	}
	if runs["cargo"] || runs["maven"] {
		regen["target"] = "target: the image runs its own cargo/maven build"
	}
	var out []Exclusion
	out = append(out, bundlerOutputDirs(in)...)
	// node_modules and vendor where an install of the manifests beside
	// them runs (not wherever npm or composer runs at all: a committed
	// vendor/ that `composer global require` does not touch is a source)
	installs := map[string]string{}
	for _, r := range in.runDirs(func(c dockerfile.Command) bool {
		i := Classify(c)
		return i != nil && i.FromManifest && RegeneratedDir(i.Tool) != ""
	}) {
		d := RegeneratedDir(Classify(r.cmd).Tool)
		p := strings.TrimPrefix(path.Join(r.dir, d), "/")
		installs[p] = fmt.Sprintf("%s: the image runs its own %s install", d, Classify(r.cmd).Tool.Name)
	}
	// what a Dockerfile fix counts on (an install moved before the
	// sources): excluded whether a checkout holds it now or not
	// (one the checkout holds is kept where an image needs it; one it
	// does not hold drops nothing: the install regenerates it wherever
	// a COPY --from carries it on)
	for _, p := range slices.Sorted(maps.Keys(in.Required)) {
		_, present := slices.BinarySearchFunc(in.Entries, p, func(e buildctx.Entry, p string) int { return strings.Compare(e.Path, p) })
		if (in.Ignored == nil || !in.Ignored(p)) && (!present || in.Keep == nil || !in.Keep(p)) {
			out = append(out, Exclusion{Path: p, Reason: in.Required[p], Drops: true, Required: true})
		}
	}
	for _, e := range in.Entries {
		if e.Type != buildctx.TypeDir || in.Keep(e.Path) || in.Required[e.Path] != "" {
			continue
		}
		if reason, ok := installs[e.Path]; ok {
			out = append(out, Exclusion{Path: e.Path, Reason: reason, Drops: true})
			continue
		}
		if reason, ok := regen[path.Base(e.Path)]; ok {
			out = append(out, Exclusion{Path: e.Path, Reason: reason, Drops: true})
		}
	}
	return out
}

// runDir is a command of a RUN and the context directory it runs in.
type runDir struct {
	cmd dockerfile.Command
	dir string
}

// runDirs are the commands of the images' RUNs that match, with the
// context directory each runs in: the RUN's working directory (moved by
// its leading cds), mapped back through the COPY that put the context
// there. Commands whose directory is not known that way are left out.
func (in *IgnoreInput) runDirs(match func(dockerfile.Command) bool) []runDir {
	var out []runDir
	for _, f := range in.Builds {
		for _, s := range f.Stages {
			var copies []*dockerfile.Instruction
			for _, ins := range s.Instructions {
				if ins.Copy != nil && ins.Copy.FromContext() && !ins.Copy.UsesVariables && len(ins.Copy.ContextSources()) >= 1 {
					copies = append(copies, ins)
				}
				if ins.Run == nil || len(copies) == 0 || ins.Run.MountError != "" {
					continue
				}
				wd := ins.State.Workdir
				for _, cd := range leadingCds(ins.Run.Commands) {
					wd = path.Join(wd, cd.Args[0])
				}
				for _, c := range ins.Run.Commands {
					if !match(c) {
						continue
					}
					if dir, ok := contextDirOf(copies, wd, in.isDir); ok {
						out = append(out, runDir{cmd: c, dir: dir})
					}
				}
			}
		}
	}
	return out
}

func (in *IgnoreInput) isDir(p string) bool {
	p = strings.TrimSuffix(p, "/")
	if p == "" || p == "." {
		return true
	}
	e, ok := lookupEntry(in.Entries, p)
	return ok && e.Type == buildctx.TypeDir
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
	for _, r := range in.runDirs(func(c dockerfile.Command) bool {
		n := path.Base(c.Name)
		return (n == "npm" || n == "yarn" || n == "pnpm") && runsBuild(c)
	}) {
		key := r.dir + "\x00" + scriptRun(r.cmd)
		if seen[key] {
			continue
		}
		seen[key] = true
		d := bundlerOutput(in, r.dir, scriptRun(r.cmd))
		if d == "" {
			continue
		}
		p := strings.TrimPrefix(path.Join(r.dir, d), "/")
		if d == "build" && setsBuildPath(in.Builds) {
			continue // react-scripts writes where BUILD_PATH says
		}
		if !in.isDir(p) || in.Keep(p) || !everyBuildRebuilds(in, r.dir) {
			continue
		}
		out = append(out, Exclusion{Path: p, Reason: p + ": the image's " + path.Base(r.cmd.Name) + " build writes it", Drops: true})
	}
	return out
}

func setsBuildPath(fs []*dockerfile.File) bool {
	for _, f := range fs {
		for _, l := range f.Lines {
			if strings.Contains(l, "BUILD_PATH") {
				return true
			}
		}
	}
	return false
}

// scriptRun is the package.json script an npm/yarn/pnpm build command runs.
func scriptRun(c dockerfile.Command) string {
	pos := c.Positional()
	if len(pos) >= 2 && pos[0] == "run" {
		return pos[1]
	}
	if len(pos) >= 1 {
		return pos[0]
	}
	return ""
}

// everyBuildRebuilds: every image reading the context runs a build in dir
// (a sibling Dockerfile that copies a prebuilt dist/ needs it sent).
func everyBuildRebuilds(in *IgnoreInput, dir string) bool {
	for _, f := range in.Builds {
		one := &IgnoreInput{Dir: in.Dir, Entries: in.Entries, Builds: []*dockerfile.File{f}}
		found := false
		for _, r := range one.runDirs(func(c dockerfile.Command) bool {
			n := path.Base(c.Name)
			return (n == "npm" || n == "yarn" || n == "pnpm") && runsBuild(c)
		}) {
			found = found || r.dir == dir
		}
		if !found {
			return false
		}
	}
	return true
}

// contextDirOf is the context directory that the last COPY to an absolute
// destination at or above workdir put there: the directory it copied, or
// the one its files (manifests) came from.
func contextDirOf(copies []*dockerfile.Instruction, workdir string, isDir func(string) bool) (string, bool) {
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
		dir := ""
		for j, src := range c.ContextSources() {
			src = path.Clean(src)
			if strings.HasPrefix(src, "..") {
				return "", false
			}
			if src == "." || src == "/" {
				src = ""
			}
			d := strings.TrimPrefix(src, "/")
			if strings.ContainsAny(src, "*?[") || !isDir(d) {
				// files (manifests) copied into dest: their directory
				if rel != "" {
					return "", false
				}
				d = path.Dir(d)
				if d == "." {
					d = ""
				}
			}
			if j > 0 && d != dir {
				return "", false
			}
			dir = d
		}
		return strings.TrimPrefix(path.Join(dir, rel), "/"), true
	}
	return "", false
}

// bundlerOutput is where the build script of dir's package.json writes,
// when it is a bundler with a known default and no configuration that
// could move it ("" otherwise).
func bundlerOutput(in *IgnoreInput, dir, script string) string {
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
	words := strings.Fields(pj.Scripts[script])
	if len(words) == 0 || strings.ContainsAny(pj.Scripts[script], "&|;$") {
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
	if tool == "react-scripts" && (strings.Contains(string(data), "BUILD_PATH") || anyFile(read, ".env", ".env.production")) {
		return ""
	}
	return d
}

func anyFile(read func(string) ([]byte, bool), names ...string) bool {
	for _, n := range names {
		if _, ok := read(n); ok {
			return true
		}
	}
	return false
}

func lookupEntry(entries []buildctx.Entry, p string) (buildctx.Entry, bool) {
	for _, e := range entries {
		if e.Path == p {
			return e, true
		}
	}
	return buildctx.Entry{}, false
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

// runsGoTest: a RUN of the image runs `go test` (and reads what test
// files embed).
func (in *Input) runsGoTest() bool {
	if in.File == nil {
		return false
	}
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Run == nil {
				continue
			}
			for _, c := range ins.Run.Commands {
				if p := c.Positional(); path.Base(c.Name) == "go" && len(p) > 0 && p[0] == "test" {
					return true
				}
			}
		}
	}
	return false
}
