package rules

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"golang.org/x/mod/modfile"
)

// LW101: sources copied before the dependency install.
// CacheOrder is LW101.
var CacheOrder = Register(&Rule{
	ID: "LW101", Name: "cache-order", Severity: Warning, Category: CatCache,
	Title: "Sources are copied before the dependency install",
	Cost:  "Every source change invalidates the install step and everything after it: the whole dependency tree is downloaded and installed again on each commit.",
	Description: `BuildKit reuses a step only while everything before it is unchanged. A COPY that brings the
application's sources into the image (` + "`COPY . .`" + `, ` + "`COPY src/ ...`" + ` holding the manifests) before
` + "`npm ci`" + `, ` + "`pip install -r`" + `, ` + "`go mod download`" + `, ` + "`mvn`" + `, ` + "`cargo build`" + ` and the like ties the install to every source file:
one changed line re-runs the install. Copy only the dependency manifests first, install, then copy the rest.
For compiling tools (` + "`go build`" + `, ` + "`cargo build`" + `, ` + "`mvn package`" + `, ` + "`dotnet publish`" + `) the compile itself
must follow the sources, so the rule asks for a separate dependency step (` + "`go mod download`" + `,
` + "`cargo fetch`" + `, ` + "`mvn dependency:go-offline`" + `, ` + "`dotnet restore`" + `) before the source copy.

What the install reads besides its own manifests comes with them, each to its own directory: the go.mod of a
local ` + "`replace`" + `, npm workspace members, and for .NET every project a solution lists or a project
references, with the ` + "`Directory.Build.props`" + `, ` + "`Directory.Packages.props`" + `, ` + "`NuGet.config`" + ` and ` + "`global.json`" + `
above them. A composer install whose autoloader or scripts read the sources is split:
` + "`--no-scripts --no-autoloader`" + ` before the sources, ` + "`composer dump-autoload`" + ` (and ` + "`post-install-cmd`" + `) after them. A pnpm
workspace, whose install reads every member's manifest and runs their scripts, gets pnpm's own recipe: the lockfile
and workspace file (with ` + "`.npmrc`" + `, the pnpmfile and the patches the lockfile names) and ` + "`pnpm fetch`" + ` before
the sources, the install as written after them: the fetch step's layer holds the store and the virtual store
(node_modules/.pnpm, one copy, hard-linked), so the install finds every package there and writes only its links. A
single-module Maven build gets ` + "`dependency:go-offline`" + ` with the compile's own profiles and properties; the
compile stays online for the few plugins' run-time dependencies the step leaves (an offline ` + "`-o`" + ` compile, a
reactor, a parent pom of the context, system-scoped jars are refused). Where the
install would read what the fixer cannot follow exactly, it leaves the Dockerfile alone and says why.`,
	Bad: `FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci`,
	Good: `FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .`,
	Check: func(in *Input) []Finding {
		return in.informIfCompileCached(in.informIfNoLayerCache(in.informIfBuiltOnce(in.informIfOnlyUncachedCI(checkCacheOrder(in)))))
	},
	FixDockerfile: fixCacheOrderInScope,
	ImageEffects:  []ImageEffect{EffectLockfileRecopied, EffectDependenciesPrefetched},
})

// broadCopy reports whether a COPY/ADD brings more than manifests: the
// whole context, a directory, or a glob that is not a manifest pattern.
func (in *Input) broadCopy(ins *dockerfile.Instruction) bool {
	if ins.Copy == nil || !ins.Copy.FromContext() {
		return false
	}
	for _, src := range ins.Copy.ContextSources() {
		if manifestDirs[path.Base(path.Clean("/"+src))] {
			continue // .yarn, .mvn, gradle: what the install itself reads
		}
		if in.cargoPathDir(src) {
			continue // a crate the dependency build needs (vaultwarden's macros)
		}
		if in.jsFileDepDir(src) {
			continue // a local package the install links (`"utils": "file:../node-utils"`)
		}
		if in.goReplaceDir(src) {
			continue // a module go.mod replaces with a local directory (loki's api/)
		}
		if in.requirementsDir(src) {
			continue // pip's requirement files, kept in a directory (wagtail's bakerydemo)
		}
		if in.installScriptDir(src) {
			continue // what the install's own script runs (navidrome's ui/bin)
		}
		if in.mixConfigDir(src) {
			continue // Mix's compile-time configuration (livebook's config/)
		}
		if in.msbuildPropsDir(src) {
			continue // MSBuild files a Directory.Build.props imports (TailwindTraders' build/)
		}
		if in.isDirSource(src) {
			return true
		}
		if strings.ContainsAny(path.Base(src), "*?[") && !matchesAnyManifest(src) {
			return true
		}
	}
	return false
}

// informIfCompileCached makes an order finding information where the
// compile it names keeps its downloads and its compiled dependencies in
// cache mounts (Go's module and build caches; cargo's registry with
// sccache's directory or target/): after a source change it fetches
// nothing and recompiles from those caches on the same builder, so the
// claimed re-download does not happen there (review 25: kanidm). On a
// fresh builder the mounts start empty: the note says so.
func (in *Input) informIfCompileCached(fs []Finding) []Finding {
	for i := range fs {
		if fs[i].Severity == Info || len(fs[i].Affects) == 0 {
			continue
		}
		_, _, ins := in.instructionAt(fs[i].Affects[0])
		if ins == nil || ins.Run == nil {
			continue
		}
		for _, inst := range runInstalls(ins) {
			if !inst.Compile || (inst.Tool != toolGo && inst.Tool != toolCargo) {
				continue
			}
			dirs := toolCacheDirs(in, ins, inst)
			covered := len(dirs) > 0
			for _, d := range dirs {
				covered = covered && mountCovers(ins, d)
			}
			if inst.Tool == toolCargo {
				covered = covered && compiledCacheMounted(ins, inst)
			}
			if covered {
				fs[i].Severity = Info
				fs[i].Message += " But the compile keeps its downloads and its compiled dependencies in cache mounts: on the same builder a source change fetches nothing and recompiles from them; a dependency step pays on fresh builders (CI), where the mounts start empty."
				break
			}
		}
	}
	return fs
}

// compiledCacheMounted: a cargo compile keeps what it compiled in a cache
// mount — its target directory, or sccache's (RUSTC_WRAPPER=sccache with
// SCCACHE_DIR mounted).
func compiledCacheMounted(ins *dockerfile.Instruction, inst *Install) bool {
	for _, m := range ins.Run.Mounts {
		if m.Type == "cache" && path.Base(path.Clean(m.Target)) == "target" {
			return true
		}
	}
	st := ins.State.WithAssignments(commandEnv(inst))
	w, _ := st.Getenv("RUSTC_WRAPPER")
	d, _ := st.Getenv("SCCACHE_DIR")
	return strings.Contains(w, "sccache") && d != "" && mountCovers(ins, d)
}

// mixConfigDir: the COPY source is the config/ directory beside a mix.exs:
// `mix deps.compile` reads the compile-time configuration, so Phoenix's
// generated Dockerfile (and livebook's: review 25) copies it with mix.exs
// and mix.lock before the dependencies' compile — it is a manifest there.
func (in *Input) mixConfigDir(src string) bool {
	dir := strings.TrimPrefix(path.Clean("/"+src), "/")
	if path.Base(dir) != "config" {
		return false
	}
	return in.contextHas(strings.TrimPrefix(path.Join(path.Dir(dir), "mix.exs"), "./"))
}

// requirementsDir: the COPY source is a directory named requirements (or
// reqs) of the context that holds nothing but requirement files (.txt,
// .in): `ADD requirements/ /requirements/` then `pip install -r
// /requirements/production.txt` is the manifest-first order already.
func (in *Input) requirementsDir(src string) bool {
	dir := strings.TrimPrefix(path.Clean("/"+src), "/")
	if b := path.Base(dir); dir == "" || (b != "requirements" && b != "reqs") {
		return false
	}
	return in.dirHoldsOnly(dir, ".txt", ".in")
}

// dirHoldsOnly: the context directory dir holds files, all of them with
// one of the extensions.
func (in *Input) dirHoldsOnly(dir string, exts ...string) bool {
	if in.Context == nil || in.Context.Walk == nil {
		return false
	}
	n := 0
	for _, e := range in.Context.Entries {
		rest, ok := strings.CutPrefix(e.Path, dir+"/")
		if !ok || e.Type == buildctx.TypeDir {
			continue
		}
		if !slices.Contains(exts, path.Ext(rest)) {
			return false
		}
		n++
	}
	return n > 0
}

// msbuildPropsDir: the COPY source is a directory holding MSBuild
// property and target files only (TailwindTraders' build/dependencies.props,
// which Directory.Build.props imports: the package versions): what a
// restore reads, not sources (review 27).
func (in *Input) msbuildPropsDir(src string) bool {
	dir := strings.TrimPrefix(path.Clean("/"+src), "/")
	// only where a Directory.Build.props can import it (a look-up, before
	// a walk of the context's entries for every COPY)
	if dir == "" || !in.contextHas("Directory.Build.props") && !in.contextHas(path.Join(path.Dir(dir), "Directory.Build.props")) {
		return false
	}
	return in.dirHoldsOnly(dir, ".props", ".targets")
}

// cargoPathDir: the COPY source is a directory the context's Cargo.toml
// names as a workspace member or a path dependency (vaultwarden copies
// ./macros with Cargo.* before its dummy build: `members = ["macros"]`,
// `macros = { path = "./macros" }`): the dependency build compiles it, so
// it goes with the manifests, not with the sources.
func (in *Input) cargoPathDir(src string) bool {
	want := strings.TrimPrefix(path.Clean("/"+src), "/")
	if want == "" {
		return false
	}
	in.loadDepDirs()
	if in.depDirs["cargo:"+want] {
		return true
	}
	// the directory holding a dependency (atuin's `COPY vendor vendor`
	// for `[patch.crates-io] axoasset = { path = "vendor/axoasset" }`,
	// before cargo chef cook: review 24)
	for d := range in.depDirs {
		if p, ok := strings.CutPrefix(d, "cargo:"); ok && strings.HasPrefix(p, want+"/") {
			return true
		}
	}
	return false
}

// loadDepDirs reads, once per input, the directories the context's
// manifests name as local dependencies: every crate's Cargo.toml (its
// path dependencies and workspace members, relative to itself: review
// 30, svix's bridge crates reach ../../rust) and every package.json's
// file:/link: packages (review 31). At most maxCargoManifests files of
// each kind and maxDepBytes in all are read (a hostile repository's
// thousands of large manifests cost one bounded pass, not one per COPY).
func (in *Input) loadDepDirs() {
	if in.depDirs != nil {
		return
	}
	in.depDirs = map[string]bool{}
	budget := int64(maxDepBytes)
	read := func(p string) string {
		if budget <= 0 {
			return ""
		}
		data, err := in.readContextFile(p)
		if err != nil {
			return ""
		}
		budget -= int64(len(data))
		return string(data)
	}
	cargo := []string{"Cargo.toml"}
	var js, gomods []string
	if in.Context != nil {
		for _, e := range in.Context.Entries {
			switch b := path.Base(e.Path); {
			case b == "Cargo.toml" && e.Path != "Cargo.toml" && len(cargo) < maxCargoManifests:
				cargo = append(cargo, e.Path)
			case b == "package.json" && !strings.Contains(e.Path, "node_modules/") && len(js) < maxCargoManifests:
				js = append(js, e.Path)
			case b == "go.mod" && !strings.Contains(e.Path, "vendor/") && len(gomods) < maxCargoManifests:
				gomods = append(gomods, e.Path)
			}
		}
	}
	// Go modules replaced by a local directory (`replace x => ./api/loki`:
	// review 38, loki's operator copies api/ before go mod download,
	// which reads it)
	for _, mf := range gomods {
		data := read(mf)
		if !strings.Contains(data, "=>") {
			continue
		}
		f, err := modfile.Parse(mf, []byte(data), nil)
		if err != nil {
			continue
		}
		for _, r := range f.Replace {
			if r.New.Version != "" || len(in.depDirs) >= maxDepDirs || !(strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../")) {
				continue
			}
			in.depDirs["go:"+strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(mf), r.New.Path)), "/")] = true
		}
	}
	for _, mf := range cargo {
		for _, m := range cargoPaths.FindAllStringSubmatch(read(mf), -1) {
			for _, q := range quoted.FindAllStringSubmatch(m[1]+m[2], -1) {
				p := strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(mf), q[1])), "/")
				// a crate's own paths ([[bin]]'s src/main.rs) name no
				// crate: only a directory with a Cargo.toml is one
				if !in.contextHas(path.Join(p, "Cargo.toml")) || len(in.depDirs) >= maxDepDirs {
					continue
				}
				in.depDirs["cargo:"+p] = true
			}
		}
	}
	for _, mf := range js {
		for _, m := range jsFileDep.FindAllStringSubmatch(read(mf), -1) {
			if len(in.depDirs) >= maxDepDirs {
				break
			}
			in.depDirs["js:"+strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(mf), m[1])), "/")] = true
		}
	}
}

// maxDepBytes bounds what loadDepDirs reads of the manifests, maxDepDirs
// the directories it keeps.
const (
	maxDepBytes = 16 << 20
	maxDepDirs  = 2000
)

// jsFileDepDir: the context directory src is a local package that a
// package.json of the context depends on (`"utils": "file:../node-utils"`,
// resolved from that package.json's directory): the install needs it as a
// manifest, before the sources (review 31: a demo's jokes-service copies
// node-utils beside its package.json, then installs).
func (in *Input) jsFileDepDir(src string) bool {
	want := strings.TrimPrefix(path.Clean("/"+src), "/")
	if want == "" {
		return false
	}
	in.loadDepDirs()
	return in.depDirs["js:"+want]
}

// goReplaceDir: the context directory src is, or holds, a module a go.mod
// of the context replaces with a local directory: go mod download reads
// its go.mod, so it comes with the manifests.
func (in *Input) goReplaceDir(src string) bool {
	want := strings.TrimPrefix(path.Clean("/"+src), "/")
	if want == "" {
		return false
	}
	in.loadDepDirs()
	for d := range in.depDirs {
		if p, ok := strings.CutPrefix(d, "go:"); ok && (p == want || strings.HasPrefix(p, want+"/")) {
			return true
		}
	}
	return false
}

// jsFileDep: a dependency on a local directory in a package.json.
var jsFileDep = regexp.MustCompile(`"(?:file|link):([^"]+)"`)

// maxCargoManifests bounds the Cargo.toml files cargoPathDir reads.
const maxCargoManifests = 200

var (
	// members = [...] (one line or several) and path = "..."
	cargoPaths = regexp.MustCompile(`(?s)\bmembers\s*=\s*\[(.*?)\]|\bpath\s*=\s*("[^"]*")`)
	quoted     = regexp.MustCompile(`"([^"*]*)"`)
)

// manifestDirs are directories a dependency install reads like manifests:
// yarn 2+'s release and plugins, the Maven and Gradle wrappers', the
// patches yarn's patch: protocol and patch-package apply during the
// install (outline's ./patches).
var manifestDirs = map[string]bool{".yarn": true, ".mvn": true, "gradle": true, "patches": true}

// installScriptDir: the COPY source is a directory that a lifecycle script
// (preinstall, install, postinstall, prepare) of the package.json beside it
// runs from: navidrome copies ui/bin/ with ui/package.json because its
// postinstall is bin/update-workbox.sh.
func (in *Input) installScriptDir(src string) bool {
	dir := strings.TrimPrefix(path.Clean("/"+src), "/")
	if dir == "" {
		return false
	}
	data, err := in.readContextFile(strings.TrimPrefix(path.Join(path.Dir(dir), "package.json"), "./"))
	if err != nil {
		return false
	}
	var pj struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal(data, &pj) != nil {
		return false
	}
	b := path.Base(dir) + "/"
	for _, k := range []string{"preinstall", "install", "postinstall", "prepare"} {
		if v := pj.Scripts[k]; strings.HasPrefix(v, b) || strings.Contains(v, " "+b) || strings.Contains(v, "./"+b) {
			return true
		}
	}
	return false
}

func matchesAnyManifest(src string) bool {
	for _, t := range []*Tool{toolNpm, toolYarn, toolPnpm, toolPip, toolPipenv, toolPoetry, toolUv, toolGo, toolCargo, toolMaven, toolGradle, toolDotnet, toolBundler, toolComposer, toolMix} {
		if matchesManifest(src, t.Manifests) {
			return true
		}
	}
	return false
}

// isDirSource tells whether a COPY source is a directory of the context:
// from the context walk when there is one, else by its spelling.
func (in *Input) isDirSource(src string) bool {
	clean := strings.TrimPrefix(path.Clean("/"+src), "/")
	if clean == "" {
		return true
	}
	if in.Context != nil && in.Context.Walk != nil {
		if _, ok := in.Context.DirSizes[clean]; ok {
			return true
		}
		if e, ok := in.Context.Lookup(clean); ok {
			return e.Type == buildctx.TypeDir
		}
	}
	if strings.HasSuffix(src, "/") {
		return true
	}
	// no extension and not a known manifest: most likely a directory
	b := path.Base(clean)
	return !strings.Contains(b, ".") && !matchesAnyManifest(b) && !strings.ContainsAny(b, "*?[")
}

func checkCacheOrder(in *Input) []Finding {
	var out []Finding
	reported := map[*dockerfile.Instruction]bool{}
	// every stage, reached from the last one or not: a Dockerfile found by
	// name may be built with any --target (dotnet-docker's complexapp
	// builds its test-build stage so), and the audit leaves out the
	// stages a known target does not build
	for _, s := range in.File.Stages {
		// the stage's instructions preceded by those of its base stages
		lineage := in.lineage(s)
		var seq []*dockerfile.Instruction
		for i := len(lineage) - 1; i >= 0; i-- {
			if lineage[i] != s {
				// only instructions of base stages; their own installs are
				// judged when the base stage is visited
				seq = append(seq, lineage[i].Instructions...)
			}
		}
		baseLen := len(seq)
		seq = append(seq, s.Instructions...)
		var broad *dockerfile.Instruction
		depsDone := map[string]bool{} // tools whose dependencies were fetched before the broad copy
		var tidiedBy *Install         // a go mod tidy between the broad copy and the compile
		broadInBase := false          // the broad copy is in a stage this one is built FROM
		var tidiedAt *dockerfile.Instruction
		for i, ins := range seq {
			if t, _ := copiesStore(in, ins); t != nil && broad == nil && ins.Copy.From != "" {
				// the store comes whole from a stage that filled it on
				// the manifests alone (review 28: homebox's
				// builder-dependencies): that is the dependency step
				depsDone[t.Name] = true
			}
			if in.broadCopy(ins) && broad == nil {
				broad, broadInBase = ins, i < baseLen
				continue
			}
			for _, inst := range runInstalls(ins) {
				if inst.Tool.System {
					continue
				}
				if broad == nil {
					// a dependency step, or a compile on the manifests
					// alone (a dummy build, `./gradlew downloadRepos` or
					// any task, `cargo chef cook`): the dependencies
					// were fetched before the sources came
					if inst.FromManifest {
						depsDone[inst.Tool.Name] = true
						if inst.Cmd.HasArg("--no-install-project") || inst.Cmd.HasArg("--no-install-workspace") || inst.Cmd.HasArg("--no-root") {
							// uv's and poetry's dependency step: the sync
							// after the sources installs the project alone
							// (review 30: Flagsmith's mcp)
							depsDone[inst.Tool.Name+" project"] = true
						}
					}
					continue
				}
				if i < baseLen || reported[broad] {
					continue
				}
				if inst.Compile && depsDone[inst.Tool.Name] {
					continue // sources are needed to compile; deps were fetched earlier
				}
				if pythonTool(inst.Tool) && localPackagesOnly(inst, ins.State) && (depsDone[toolPip.Name] || depsDone[toolUv.Name] || depsDone[toolPoetry.Name] || depsDone[toolPipenv.Name]) {
					// the project's own install after its dependencies
					// (nicegui's `uv sync --no-install-project`, then `uv
					// pip install .`): it needs the sources (review 17)
					continue
				}
				if depsDone[inst.Tool.Name+" project"] && (inst.Tool == toolUv || inst.Tool == toolPoetry) {
					continue // the project itself, after its dependencies
				}
				if pythonTool(inst.Tool) && venvCopiedBetween(seq, broad, ins) {
					// the environment comes whole from a stage that
					// installed it (review 30: lnbits' `COPY --from=builder
					// /app/.venv .venv`, then `uv sync`): that stage is
					// the dependency step, and has its own finding
					continue
				}
				if inst.Tool == toolPnpm && depsDone[inst.Tool.Name] {
					// pnpm's own pattern: `pnpm fetch` on the lockfile fills
					// the store, and the install after the sources only
					// links from it (hoppscotch)
					continue
				}
				if pkgmgr.Vendored(inst, ins.State) || (inst.Tool == toolGo && in.goVendored(broad)) {
					continue // builds from ./vendor, which comes with the sources
				}
				if !inst.FromManifest {
					if inst.Tool == toolGo && first(inst.Cmd) == "mod" && tidiedBy == nil {
						// `go mod tidy` after the sources downloads the
						// modules before the compile does (gatus)
						tidiedBy, tidiedAt = inst, ins
					}
					continue // installs named packages, not the manifests
				}
				if !in.contextHasManifestOf(inst.Tool) || (inst.Tool == toolGo && (in.goRequiresNothing() || in.goDownloadsNothing(ins))) || in.jsInstallsNothing(ins, inst) {
					continue // no manifest sent (a GOPATH build): nothing to install first
				}
				reported[broad] = true
				what := fmt.Sprintf("`%s`", inst)
				why := "re-runs"
				if inst.Compile {
					why = "re-downloads every dependency in"
				}
				mfs := in.presentManifests(inst.Tool, broad)
				msg := fmt.Sprintf("%s (line %d) copies sources before %s (line %d): every source change %s %s. Copy %s first, install, then copy the sources.",
					short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, why, what, mfs)
				if inst.Compile && tidiedBy != nil && inst.Tool == toolGo {
					msg = fmt.Sprintf("%s (line %d) copies sources before `%s` (line %d), which downloads the modules %s (line %d) compiles: every source change downloads them all again. Copy %s first, install, then copy the sources.",
						short(broad.Original), broad.Range.Start.Line, tidiedBy, tidiedAt.Range.Start.Line, what, ins.Range.Start.Line, mfs)
				}
				if m := manifestsCopiedBefore(s, broad, inst.Tool); m != nil && !in.lockfileComesAfter(s, broad, inst.Tool) {
					// the manifests come first already (review 27: dapr's
					// javademo copies pom.xml alone, then src, then runs
					// mvn package): what is missing is the step on them
					step := "a dependency step on them alone"
					if inst.Tool == toolMaven {
						step = "`RUN mvn dependency:go-offline` (Maven's dependency step on the pom alone)"
					}
					msg = fmt.Sprintf("%s (line %d) copies sources before %s (line %d): every source change %s %s. The manifests come first already (line %d), but nothing installs from them before the sources: add %s right after line %d.",
						short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, why, what, m.Range.Start.Line, step, m.Range.Start.Line)
				}
				if inst.Tool == toolCargo && in.cargoWorkspace(broad) {
					// its members' manifests and sources come too: a
					// fetch on the root manifests alone fails (review)
					msg = fmt.Sprintf("%s (line %d) copies sources before %s (line %d): every source change %s %s. The crate is a cargo workspace: cook its dependencies first with cargo-chef (prepare a recipe in one stage, `cargo chef cook` on it in the next, then copy the sources).",
						short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, why, what)
				}
				if inst.Tool == toolPnpm && (in.contextHas(path.Join(sourceDir(broad), "pnpm-workspace.yaml")) || in.contextHas("pnpm-workspace.yaml")) {
					// a workspace: its members' package.json files (and
					// their install scripts) are needed too; pnpm's own
					// pattern needs the lockfile alone (review 10)
					msg = fmt.Sprintf("%s (line %d) copies sources before %s (line %d): every source change %s %s. The project is a pnpm workspace: copy pnpm-lock.yaml first and run `pnpm fetch` (it fills the store from the lockfile alone), then copy the sources and install as before: the install links from the store instead of downloading.",
						short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, why, what)
				}
				if inst.Compile && len(storeMountFlags(in, ins, inst.Tool)) > 0 {
					// a warm builder finds the packages in the mount; a
					// fresh CI builder (and one whose GC evicted it) does not
					msg = fmt.Sprintf("%s (line %d) copies sources before %s (line %d), whose packages are only in a cache mount: every CI job on a fresh builder (and every build after BuildKit's garbage collector evicted the mount) downloads them all again. Copy %s first and fetch the dependencies in their own step, whose layer a registry cache carries.",
						short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, mfs)
				}
				aside := false
				if later := broadCopyAfter(in, seq[i+1:]); later != nil && !in.dirHoldsManifestOf(sourceDir(broad), inst.Tool) && sourceDir(broad) != "" {
					// the sources come after the install already; what
					// comes before it is a directory the install reads
					// nothing of (review 30: KurrentDB's ci/ and proto/)
					aside = true
					msg = fmt.Sprintf("%s (line %d) comes before %s (line %d) and holds none of its manifests: a change there re-runs %s, which reads nothing of it. The sources come after it already (line %d): move line %d below the install too.",
						short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, what, later.Range.Start.Line, broad.Range.Start.Line)
				}
				f := in.at(broad, msg, Cost{
					Invalidates: fmt.Sprintf("every source change re-runs %s in %s", what, in.Image),
					Seconds:     inst.Tool.Seconds, Basis: "static",
				})
				f.Affects = []int{ins.Range.Start.Line}
				f.RepullsLayers = true
				if broadInBase && !aside {
					// the sources come in the stage this one is built FROM
					// (review 34: DefectDojo's development stage, FROM
					// release): the install cannot move above them without
					// changing that stage, and whatever it installs
					// would land in it
					if bs := in.stageOf(broad); bs != nil {
						name := bs.Name
						if name == "" {
							name = fmt.Sprint(bs.Index)
						}
						f.Severity = Info
						f.Message = fmt.Sprintf("%s (line %d, in stage %s) copies sources before %s (line %d), in a stage built FROM it: every source change re-runs the install. Build this stage FROM a stage that has the manifests and not the sources, and copy the sources after the install.",
							short(broad.Original), broad.Range.Start.Line, name, what, ins.Range.Start.Line)
					}
				}
				if aside {
					f.Severity = Info
					f.Cost.Invalidates = fmt.Sprintf("every change of %s re-runs %s in %s", sourceDir(broad), what, in.Image)
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// venvCopiedBetween: a COPY --from of a Python environment (a .venv or
// venv directory, or site-packages) comes between the sources' COPY and
// the install.
func venvCopiedBetween(seq []*dockerfile.Instruction, broad, ins *dockerfile.Instruction) bool {
	between := false
	for _, x := range seq {
		switch {
		case x == broad:
			between = true
		case x == ins:
			return false
		case between && x.Copy != nil && x.Copy.From != "":
			for _, p := range append(slices.Clone(x.Copy.Sources), x.Copy.Dest) {
				b := path.Base(strings.TrimRight(p, "/"))
				if b == ".venv" || b == "venv" || b == "site-packages" {
					return true
				}
			}
		}
	}
	return false
}

// broadCopyAfter is the first COPY of the sources among seq (the
// instructions after an install), or nil.
func broadCopyAfter(in *Input, seq []*dockerfile.Instruction) *dockerfile.Instruction {
	for _, x := range seq {
		if in.broadCopy(x) {
			return x
		}
	}
	return nil
}

// dirHoldsManifestOf: a file at or below the context directory dir is one
// of the tool's manifests (or not known: no context). At most
// maxManifestScan entries are looked at; past them, it may.
func (in *Input) dirHoldsManifestOf(dir string, t *Tool) bool {
	if in.Context == nil {
		return true
	}
	dir = strings.Trim(path.Clean("/"+dir), "/")
	n := 0
	for _, e := range in.Context.Entries {
		if dir != "" && e.Path != dir && !strings.HasPrefix(e.Path, dir+"/") {
			continue
		}
		if n++; n > maxManifestScan {
			return true
		}
		if matchesManifest(path.Base(e.Path), t.Manifests) {
			return true
		}
	}
	return false
}

// maxManifestScan bounds dirHoldsManifestOf.
const maxManifestScan = 20000

// goRequiresNothing: every go.mod the context sends requires no module
// (knative's hello-world samples: `module x` and `go 1.14`, no go.sum), so
// no build downloads one and a module cache holds nothing; nor does any
// go.sum or replace directive say otherwise. Not known (a
// go.mod that cannot be read or parsed, too many of them): false.
func (in *Input) goRequiresNothing() bool {
	if in.goNothing == 0 {
		in.goNothing = -1
		if in.goRequiresNothingNow() {
			in.goNothing = 1
		}
	}
	return in.goNothing == 1
}

func (in *Input) goRequiresNothingNow() bool {
	if in.Context == nil || in.Context.Walk == nil {
		return false
	}
	n := 0
	for _, e := range in.Context.Walk.Entries {
		if e.Type != buildctx.TypeDir && (path.Base(e.Path) == "go.sum" || path.Base(e.Path) == "go.work") {
			return false // a checksum of some module (one is downloaded), a workspace
		}
		if e.Type == buildctx.TypeDir || path.Base(e.Path) != "go.mod" {
			continue
		}
		if n++; n > 20 {
			return false
		}
		data, err := in.readContextFile(e.Path)
		if err != nil {
			return false
		}
		mf, err := modfile.Parse(e.Path, data, nil) // ParseLax drops replace directives
		// a toolchain line: the go command may download that toolchain
		if err != nil || len(mf.Require) > 0 || len(mf.Replace) > 0 || mf.Toolchain != nil {
			return false
		}
	}
	return n > 0
}

// goDownloadsNothing: the Go command of the RUN cannot download a module:
// no go.sum reaches the image (no COPY of the context's reaches one, none
// comes from elsewhere) and nothing before it or in it writes one (`go mod`,
// `go get`, `go work`, -mod=mod). Since Go 1.16 a build that needs a
// module without its go.sum entry fails, so one that builds downloads
// nothing: a standard-library service that copies go.mod alone (review
// 21: honeycomb's greeting services).
func (in *Input) goDownloadsNothing(ins *dockerfile.Instruction) bool {
	if !in.goSumUnreached() {
		return false
	}
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	if v, _ := ins.State.Getenv("GOFLAGS"); strings.Contains(v, "-mod=mod") {
		return false
	}
	for _, t := range in.lineage(s) {
		for _, x := range t.Instructions {
			if in.after(x, ins) {
				continue
			}
			if x.Copy != nil && (x.Copy.From != "" || (x.Copy.IsAdd && slices.ContainsFunc(x.Copy.SourcesExpanded, remoteSource))) {
				return false // files from another stage, an image or a URL
			}
			if x.Run == nil {
				continue
			}
			for _, c := range x.Run.Commands {
				if path.Base(c.Name) != "go" {
					continue
				}
				switch pkgmgr.First(c) {
				case "mod", "get", "work", "install", "run":
					// (install and run take pkg@version: they download)
					return false
				}
				if c.HasArg("-mod=mod") {
					return false
				}
			}
		}
	}
	return true
}

// remoteSource: an ADD source that is fetched, not read from the context.
func remoteSource(src string) bool {
	return strings.Contains(src, "://") || strings.HasPrefix(src, "git@")
}

// goSumUnreached: the context was walked, holds a go.sum, and no COPY/ADD
// of the image reaches one.
func (in *Input) goSumUnreached() bool {
	if in.goSumNone == 0 {
		in.goSumNone = -1
		if c := in.Context; c != nil && c.Walk != nil && c.Usage != nil && !c.Usage.Undecidable {
			unused := map[string]bool{}
			for _, e := range c.Usage.Unused {
				unused[e.Path] = true
			}
			// one go.sum at least, none reached: the Dockerfile leaves
			// the checksums out on purpose (without any, a go.mod's
			// requirements are not known to be unused)
			sums, reached := 0, false
			for _, e := range c.Walk.Entries {
				if e.Type != buildctx.TypeDir && path.Base(e.Path) == "go.sum" {
					sums++
					reached = reached || !unused[e.Path]
				}
			}
			if sums > 0 && !reached {
				in.goSumNone = 1
			}
		}
	}
	return in.goSumNone == 1
}

// ignoreExcludes: the ignore file in force excludes the context path p
// (or a directory above it), as the builder matches its patterns.
func (in *Input) ignoreExcludes(p string) bool {
	return in.Context != nil && in.Context.IgnoreFile != nil && buildctx.Excluder(in.Context.IgnoreFile.Patterns)(p)
}

// contextHasManifestOf: the build context holds a manifest of the tool
// somewhere (true when the context was not walked: it may).
func (in *Input) contextHasManifestOf(t *Tool) bool {
	if in.Context == nil || in.Context.Walk == nil {
		return true
	}
	for _, e := range in.Context.Walk.Entries {
		if e.Type != buildctx.TypeDir && matchesManifest(e.Path, t.Manifests) {
			return true
		}
	}
	return false
}

// presentManifests are the tool's manifests the sources' COPY would
// bring from the context (the first three), so that the advice names only
// files that exist; the tool's usual names when the context is not known.
func (in *Input) presentManifests(t *Tool, broad *dockerfile.Instruction) string {
	children := in.contextChildren(sourceDir(broad))
	var out []string
	for _, m := range t.Manifests {
		for _, c := range children {
			if matchesManifest(c, []string{m}) {
				out = append(out, m)
				break
			}
		}
		if len(out) == 3 {
			break
		}
	}
	if t == toolDotnet && !slices.ContainsFunc(out, func(m string) bool { return strings.HasSuffix(m, "proj") || strings.HasSuffix(m, ".sln") }) {
		// the projects sit in directories of their own (bitwarden's
		// src/Api): the restore reads them and the ones they reference
		out = append([]string{"the .csproj files the restore reads (the project's and those it references)"}, out...)
	}
	if len(out) == 0 {
		return manifestList(t)
	}
	return strings.Join(out, ", ")
}

// cargoWorkspace: the Cargo.toml the sources' COPY brings declares a
// workspace.
func (in *Input) cargoWorkspace(broad *dockerfile.Instruction) bool {
	data, err := in.readContextFile(strings.TrimPrefix(path.Join(sourceDir(broad), "Cargo.toml"), "/"))
	return err == nil && strings.Contains(string(data), "[workspace]")
}

// sourceDir is the context directory a COPY of one source copies
// ("" for the context's root, or when it has several sources).
// goVendored: the context vendors its Go modules (vendor/modules.txt at its
// root or beside the copied sources' go.mod), which go builds from by default
// since Go 1.14: nothing is downloaded, so there is no dependency step to
// move (openfaas's gateway copies vendor/ first, then its packages).
func (in *Input) goVendored(broad *dockerfile.Instruction) bool {
	return in.contextHas("vendor/modules.txt") || in.contextHas(path.Join(sourceDir(broad), "vendor/modules.txt"))
}

func sourceDir(broad *dockerfile.Instruction) string {
	if srcs := broad.Copy.ContextSources(); len(srcs) == 1 {
		return strings.TrimPrefix(path.Clean("/"+srcs[0]), "/")
	}
	return ""
}

// manifestsCopiedBefore is the last COPY before broad in its stage that
// copies nothing but the tool's manifests, or nil.
func manifestsCopiedBefore(s *dockerfile.Stage, broad *dockerfile.Instruction, t *Tool) *dockerfile.Instruction {
	var last *dockerfile.Instruction
	for _, x := range s.Instructions {
		if x == broad {
			return last
		}
		if x.Copy == nil || x.Copy.From != "" {
			continue
		}
		srcs := x.Copy.ContextSources()
		if len(srcs) > 0 && !slices.ContainsFunc(srcs, func(src string) bool { return !matchesManifest(src, t.Manifests) }) {
			last = x
		}
	}
	return nil
}

// jsLockfiles are the lockfiles a JavaScript install reads.
var jsLockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock"}

// lockfileComesAfter: a JavaScript install whose context holds a lockfile
// that no COPY before broad brings: the manifests that come first are
// package.json alone, and an install on them would not be the one the
// lockfile pins (review 38: novu copies the root package.json first and
// pnpm-lock.yaml after the sources).
func (in *Input) lockfileComesAfter(s *dockerfile.Stage, broad *dockerfile.Instruction, t *Tool) bool {
	if t != toolNpm && t != toolYarn && t != toolPnpm {
		return false
	}
	has := false
	for _, l := range jsLockfiles {
		has = has || in.contextHas(l)
	}
	if !has {
		return false
	}
	for _, x := range s.Instructions {
		if x == broad {
			return true
		}
		if x.Copy == nil || x.Copy.From != "" {
			continue
		}
		for _, src := range x.Copy.ContextSources() {
			if slices.Contains(jsLockfiles, path.Base(src)) || strings.ContainsAny(path.Base(src), "*?[") {
				return false
			}
		}
	}
	return true
}

func manifestList(t *Tool) string {
	n := t.Manifests
	if len(n) > 3 {
		n = n[:3]
	}
	return strings.Join(n, ", ")
}

// short trims an instruction's text for messages.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 50 {
		return s[:47] + "..."
	}
	return s
}

// fixCacheOrderInScope is fixCacheOrder whose new and moved steps read
// only variables in scope where they land: a dependency step that repeats
// the compile's `-a ${TARGETARCH/amd64/x64}` above the stage's `ARG
// TARGETARCH` ran with it empty (review 28: newrelic's .NET guide, whose
// restore failed). The ARG is repeated above the step; an ENV, or an ARG
// with a RUN between, is refused.
func fixCacheOrderInScope(in *Input, f Finding) (*Fix, string) {
	fx, why := fixCacheOrder(in, f)
	if fx == nil {
		return fx, why
	}
	for i, r := range fx.Replacements {
		s, first := in.stageAtLine(r.StartLine)
		if s == nil || first < 0 {
			continue
		}
		var args []string
		for _, name := range textVariables(r.Text) {
			var later *dockerfile.Instruction
			declaredBefore := false
			for _, x := range s.Instructions {
				if !declares(x, name) {
					continue
				}
				if x.Range.Start.Line < r.StartLine {
					declaredBefore = true
				} else if later == nil {
					later = x
				}
			}
			if _, ok := s.Instructions[first].State.Getenv(name); ok || declaredBefore || later == nil {
				continue // in scope (the base image's PATH too), or set nowhere here: as before
			}
			if later.Kind != "ARG" {
				return nil, fmt.Sprintf("the step moved above line %d reads %s, which the %s on line %d sets only after it", r.StartLine, name, later.Kind, later.Range.Start.Line)
			}
			for _, x := range s.Instructions[first:] {
				if x == later {
					break
				}
				if x.Kind == "RUN" && x.Range.Start.Line >= r.StartLine {
					return nil, fmt.Sprintf("the step moved above line %d reads %s, declared by the ARG on line %d only after the RUN on line %d, which repeating the ARG above would change", r.StartLine, name, later.Range.Start.Line, x.Range.Start.Line)
				}
			}
			if line := strings.Join(linesOf(in.File, later), "\n"); !slices.Contains(args, line) {
				args = append(args, line)
			}
		}
		if len(args) > 0 {
			fx.Replacements[i].Text = strings.Join(args, "\n") + "\n" + r.Text
			fx.Replacements[i].Kinds = append(slices.Repeat([]string{"ARG"}, len(args)), r.Kinds...)
		}
	}
	return fx, ""
}

// stageAtLine is the stage of the first instruction at or after line, and
// that instruction's index in it.
func (in *Input) stageAtLine(line int) (*dockerfile.Stage, int) {
	for _, s := range in.File.Stages {
		for i, x := range s.Instructions {
			if x.Range.Start.Line >= line {
				return s, i
			}
		}
	}
	return nil, -1
}

// declares: the ARG or ENV instruction sets the variable.
func declares(x *dockerfile.Instruction, name string) bool {
	switch c := x.Cmd.(type) {
	case *instructions.ArgCommand:
		return slices.ContainsFunc(c.Args, func(kv instructions.KeyValuePairOptional) bool { return kv.Key == name })
	case *instructions.EnvCommand:
		return slices.ContainsFunc(c.Env, func(kv instructions.KeyValuePair) bool { return kv.Key == name })
	}
	return false
}

// textVariables are the variables a Dockerfile text expands.
func textVariables(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// fixCacheOrder splits the broad COPY: the manifests that exist in the
// context are copied first, the install runs, then the rest is copied.
// For compiling tools a dependency step (go mod download, dotnet restore)
// is inserted after the manifests instead of moving the compile.
func fixCacheOrder(in *Input, f Finding) (*Fix, string) {
	if in.Context == nil || in.Context.Walk == nil {
		return nil, "the build context could not be read, so the manifests it holds are unknown"
	}
	if len(in.OtherContexts) > 0 {
		return nil, fmt.Sprintf("the Dockerfile is built with other contexts too (%s): the manifests a rewrite copies by name would have to be in each", strings.Join(in.OtherContexts, ", "))
	}
	if len(f.Affects) != 1 {
		return nil, "no single install step to move"
	}
	s1, bi, broad := in.instructionAt(f.Range.Start.Line)
	s2, ii, inst := in.instructionAt(f.Affects[0])
	if broad == nil || inst == nil || broad.Copy == nil {
		return nil, "instructions not found"
	}
	if s1 != s2 {
		return nil, "the install runs in another stage than the COPY that precedes it"
	}
	c := broad.Copy
	switch {
	case c.UsesVariables:
		return nil, "the COPY sources come from build args"
	case c.Parents || len(c.Excludes) > 0:
		return nil, "COPY --parents / --exclude are left as they are"
	case len(c.ContextSources()) != 1:
		return nil, "the COPY has several sources"
	}
	src := strings.TrimPrefix(path.Clean("/"+c.ContextSources()[0]), "/")
	if fix, why, ok := goManifestsInPlace(in, s1, bi, ii, broad, inst); ok {
		return fix, why
	}
	if fix, why, ok := mavenManifestsInPlace(in, s1, bi, ii, broad, inst); ok {
		return fix, why
	}
	if src != "" && !in.isDirSource(src) {
		return nil, "the COPY source is not a directory"
	}
	var tool *Tool
	var installCmd dockerfile.Command
	compile := false
	for _, i := range runInstalls(inst) {
		if !i.Tool.System && i.FromManifest {
			tool, compile, installCmd = i.Tool, i.Compile, i.Cmd
			break
		}
	}
	if tool == nil {
		return nil, "no manifest-driven install in the RUN"
	}
	if compile && in.uncachedInCI(in.stageOf(inst)) {
		// a compile gets a dependency step of its own, which fetches every
		// module where the compile alone fetches what it needs; with no
		// build that reuses it, every job pays for it (reviews 33, 34)
		return nil, in.CIWorkflow + " keeps no layer cache between jobs and nothing else builds the image: a dependency step would fetch more than the compile does on every job; it pays once the CI keeps a cache (LW118)"
	}
	broadDest := c.Dest
	if !path.IsAbs(broadDest) {
		broadDest = path.Join(broad.State.Workdir, broadDest)
	}
	// a RUN that picks the package manager by the lockfile it finds (the
	// Next.js example's `if [ -f yarn.lock ]; then yarn …; elif [ -f
	// package-lock.json ]; then npm ci; …`): its tests read manifests
	// only, and every manager's manifests come before it
	var dispatch []*Tool
	if !compile {
		dispatch = lockfileDispatch(inst, tool)
	}
	workdirMoves := false
	for _, x := range s1.Instructions[bi+1 : ii] {
		switch {
		case x.Kind == "WORKDIR":
			// `WORKDIR client` before the install: the install runs
			// there, and the moved source COPY keeps its destination
			workdirMoves = true
		case compile && (x.Kind == "ENV" || x.Kind == "ARG"):
			// the dependency step goes before the COPY, so before this
			// too: a variable the tool reads (GOPROXY, GOPRIVATE,
			// NUGET_...) would not reach it
			if v := toolVariable(x, tool); v != "" {
				return nil, fmt.Sprintf("%s %s (line %d) sets %s for the compile, which the dependency step before the sources would not see", x.Kind, v, x.Range.Start.Line, v)
			}
		case compile && (x.Kind == "LABEL" || x.Kind == "EXPOSE" || leavesFetchAlone(x, tool) || in.copyLeavesFetchAlone(x, broadDest, tool)):
		case compile:
			// it stays after the sources, and the dependency step runs
			// before it: it may install what the step needs (git, certs)
			return nil, fmt.Sprintf("%s (line %d) between the COPY and the compile may prepare what fetching the dependencies needs", x.Kind, x.Range.Start.Line)
		default:
			if why := in.betweenCommutesIn(x, broadDest); why != "" {
				return nil, fmt.Sprintf("%s (line %d) between the COPY and the install would run before the sources: %s", x.Kind, x.Range.Start.Line, why)
			}
		}
	}
	// A RUN that installs and then does more (`npm ci && npm run build`)
	// is split at the && after the install: the install moves, the rest
	// stays after the sources.
	// Where the install runs: the RUN's working directory, moved by
	// leading `cd DIR &&` commands and by the tool's own directory flag
	// (npm --prefix web, yarn --cwd web, pnpm -C web). Its manifests are
	// those of the matching directory of the context.
	cds := leadingCds(inst.Run.Commands)
	installDir := inst.State.Workdir
	for _, cd := range cds {
		installDir = path.Join(installDir, cd.Args[0])
	}
	var installPart, restPart []string
	movedCmds := len(inst.Run.Commands) // how many of the RUN's commands move
	// a pnpm workspace: its members' manifests (and their install
	// scripts) are needed by the install, so the install stays after the
	// sources; `pnpm fetch` before them fills the store from the lockfile
	// alone (pnpm's own recipe), and the install links from it
	pnpmFetch := false
	if r, ok := strings.CutPrefix(path.Clean(installDir)+"/", strings.TrimSuffix(path.Clean(broadDest), "/")+"/"); ok && tool == toolPnpm && !compile {
		pnpmFetch = in.contextHas(strings.TrimPrefix(path.Join(src, r, "pnpm-workspace.yaml"), "/"))
	}
	// the install runs in the workspace's root, above where the COPY puts
	// a member's sources (gogs: the root manifests, then `COPY web ./web`,
	// then `pnpm install`): the fetch goes before that COPY, in the root
	pnpmRoot, pnpmRootDir := false, ""
	if up, ok := strings.CutPrefix(path.Clean(broadDest), strings.TrimSuffix(path.Clean(installDir), "/")+"/"); ok && !pnpmFetch && tool == toolPnpm && !compile && len(cds) == 0 {
		if d, ok := strings.CutSuffix("/"+src, "/"+up); ok && in.contextHas(strings.TrimPrefix(path.Join(d, "pnpm-workspace.yaml"), "/")) {
			pnpmFetch, pnpmRoot, pnpmRootDir = true, true, strings.TrimPrefix(d, "/")
		}
	}
	if r, ok := strings.CutPrefix(path.Clean(installDir)+"/", strings.TrimSuffix(path.Clean(broadDest), "/")+"/"); ok && !pnpmFetch && !compile && (tool == toolPnpm || tool == toolNpm || tool == toolYarn) {
		// a workspace member's package.json (`"@plane/ui": "workspace:*"`)
		// with no workspace in the context: the install needs the
		// workspace root's lockfile and members, so the context the
		// rewrite would be written for is not the one the image is built
		// with (reviews 29, 30: plane's apps/*/Dockerfile.dev)
		if data, err := in.readContextFile(strings.TrimPrefix(path.Join(src, r, "package.json"), "/")); err == nil && bytes.Contains(data, []byte(`"workspace:`)) {
			return nil, "package.json depends on workspace packages (workspace:…), which this build context does not hold: the install reads the workspace root's lockfile and members; build it from the workspace root and copy their manifests first there"
		}
	}
	var fetchLines []string
	if pnpmFetch {
		var why string
		if fetchLines, why = pnpmFetchStep(in, inst, installCmd, cds, broadDest); why != "" {
			return nil, why
		}
	} else if !compile {
		k := len(cds)
		// a redirection or substitution in the RUN may write where the
		// sources go (`echo x > config.json && npm ci`), and the model
		// does not keep them: then only the install itself moves
		plain := !strings.ContainsAny(inst.Run.Script, "<>`") && !strings.Contains(inst.Run.Script, "$(")
		for _, cmd := range inst.Run.Commands[k:] {
			if !plain && Classify(cmd) == nil {
				break
			}
			// a command that provably neither reads nor writes the
			// sources (`npm install -g pnpm@9 && pnpm install`) goes
			// with the install; after a leading cd its relative paths
			// are not where the model says, so not then
			if !installOrBenign(cmd, tool) && !dispatchPart(cmd, dispatch) && (len(cds) > 0 || commutingCommand(inst, cmd, broadDest) != "") {
				break
			}
			k++
		}
		if k == len(cds) {
			first := inst.Run.Commands[k]
			return nil, fmt.Sprintf("the RUN runs `%s` before the install, which may need the sources", shortCmd(first))
		}
		if k < len(inst.Run.Commands) {
			rest := inst.Run.Commands[k]
			var ok bool
			installPart, restPart, ok = splitRunAt(in.File, inst, k)
			movedCmds = k
			if !ok {
				return nil, fmt.Sprintf("the RUN also runs `%s`, which may need the sources, and cannot be split safely", rest.Name+" "+strings.Join(rest.Args, " "))
			}
			for _, cmd := range inst.Run.Commands[k:] {
				if installOrBenign(cmd, tool) {
					return nil, "install commands come after other commands in the RUN"
				}
			}
			// the rest runs where it ran: the leading cds go with it
			if len(cds) > 0 {
				var pre []string
				for _, cd := range cds {
					pre = append(pre, "cd "+cd.Args[0]+" && ")
				}
				kw := strings.Repeat(" ", inst.Range.Start.Col-1) + keywordAsWritten(in.File, inst) + " "
				if !strings.HasPrefix(restPart[0], kw) {
					return nil, "the RUN's keyword could not be located"
				}
				restPart[0] = kw + strings.Join(pre, "") + strings.TrimPrefix(restPart[0], kw)
			}
		}
	}
	for _, cmd := range inst.Run.Commands {
		ci := Classify(cmd)
		for i, a := range cmd.Args {
			flag, val, hasVal := strings.Cut(a, "=")
			switch flag {
			case "--prefix", "-C", "--cwd", "--dir":
				if ci == nil || ci.Tool != tool || !ci.FromManifest {
					continue // a later command's own directory: it stays after the sources
				}
				if !hasVal && i+1 < len(cmd.Args) {
					val = cmd.Args[i+1]
				}
				if !literalPath(val) {
					return nil, fmt.Sprintf("`%s` reads its manifests from %s, which is not a literal path", cmd.Name, val)
				}
				installDir = path.Join(installDir, val)
			case "--project", "--manifest-path", "-f", "--file", "--modfile", "--working-directory", "--chdir":
				if ci == nil || ci.Tool != tool {
					continue // another command's flag (rm -f)
				}
				if flag == "-f" && (tool == toolNpm || tool == toolYarn || tool == toolPnpm || tool == toolDotnet) {
					continue // each tool's own -f: --force for npm, yarn and pnpm, --framework for dotnet
				}
				return nil, fmt.Sprintf("`%s` reads its manifests from elsewhere (%s)", cmd.Name, flag)
			}
		}
	}
	// every manifest the install names must come with the new COPY
	dest := path.Clean(c.Dest) // ADD . /app/ puts the sources in /app
	if !path.IsAbs(dest) {
		dest = path.Join(broad.State.Workdir, dest)
	}
	installDir = path.Clean(installDir)
	rel := ""
	// (for a workspace root above the sources, srcDir and where the
	// manifests go are the root's: below)
	if !pnpmRoot && installDir != dest {
		r, ok := strings.CutPrefix(installDir, strings.TrimSuffix(dest, "/")+"/")
		if !ok {
			// a RUN that installs, builds and removes what it installed
			// (docker/welcome-to-docker: npm install && npm run build
			// && rm -fr node_modules): the install moved before the
			// sources would keep node_modules in its own layer
			for _, cmd := range inst.Run.Commands {
				if path.Base(cmd.Name) == "rm" {
					for _, p := range cmd.Positional() {
						if out := path.Base(path.Clean(p)); out == "node_modules" || out == "vendor" || out == ".venv" {
							return nil, fmt.Sprintf("the RUN removes %s after using it: an install moved before the sources would keep it in the image; build in a stage of its own and copy the output", p)
						}
					}
				}
			}
			return nil, fmt.Sprintf("the install runs in %s, outside %s where the COPY puts the sources", installDir, dest)
		}
		rel = r
	}
	// Go finds its module upward: a compile in a package directory of a
	// module (`cd cmd/api && go build`, `WORKDIR /src/cmd/api`) reads the
	// go.mod of the nearest directory above that has one, and the
	// dependency step runs there.
	if tool == toolGo && compile {
		modRel := rel
		for modRel != "" && !in.contextHas(strings.TrimPrefix(path.Join(src, modRel, "go.mod"), "/")) {
			if modRel = path.Dir(modRel); modRel == "." {
				modRel = ""
			}
		}
		if modRel != rel {
			rel, installDir = modRel, path.Join(dest, modRel)
		}
	}
	srcDir := strings.TrimPrefix(path.Join(src, rel), "/")
	if pnpmRoot {
		srcDir = pnpmRootDir
	}
	if srcDir == "." {
		srcDir = ""
	}
	if rel != "" && !in.isDirSource(srcDir) {
		return nil, fmt.Sprintf("the install runs in %s, which is not a directory of the context", installDir)
	}
	if pnpmFetch != in.contextHas(strings.TrimPrefix(path.Join(srcDir, "pnpm-workspace.yaml"), "/")) {
		return nil, "the install's directory is not the one the workspace file is in"
	}
	if why := workspaceLayout(in, srcDir, tool); why != "" && !pnpmFetch {
		return nil, why
	}
	for _, t := range dispatch {
		if why := workspaceLayout(in, srcDir, t); why != "" {
			return nil, why
		}
		if why := installNeedsSources(in, inst, t, srcDir); why != "" {
			return nil, why
		}
	}
	if why := manifestMadeEarlier(in, s1, bi, tool); why != "" {
		return nil, why
	}
	if !pnpmFetch {
		// the install itself stays after the sources in pnpm's recipe
		if why := installNeedsSources(in, inst, tool, srcDir); why != "" {
			return nil, why
		}
	}
	var composerFlags, composerAfter string
	if tool == toolComposer && !compile {
		var why string
		if composerFlags, composerAfter, why = composerSplit(in, srcDir, installCmd); why != "" {
			return nil, why
		}
	}
	// the directory the install makes (node_modules), when the context
	// sends its own: copied after the install, it would overwrite what
	// the install made, unless the ignore file the fixer writes next
	// stops sending it
	var needsExcluded []string
	if d := RegeneratedDir(tool); d != "" && !compile {
		p := strings.TrimPrefix(path.Join(srcDir, d), "/")
		switch {
		case in.contextHas(p) && in.sent(p):
			if !in.IgnoreFixed {
				return nil, fmt.Sprintf("the context sends %s, which the COPY of the sources would copy over what the install makes once it runs first: exclude it in .dockerignore (LW122's fix does)", p)
			}
			needsExcluded = append(needsExcluded, p)
		case in.IgnoreFixed && !in.contextHas(p) && !in.ignoreExcludes(p):
			// not in this checkout, but in a developer's, where the
			// install once run before the sources would find it copied
			// over what it made (review 22: odigos' coupon): the ignore
			// rewrite excludes it too
			needsExcluded = append(needsExcluded, p)
		}
	}
	var manifests []string
	for _, p := range in.contextChildren(srcDir) {
		if matchesToolManifest(path.Base(p), tool) || slices.ContainsFunc(dispatch, func(t *Tool) bool { return matchesToolManifest(path.Base(p), t) }) {
			manifests = append(manifests, p)
		}
	}
	var groups []manifestGroup
	var why, dotnetArg string
	if pnpmFetch {
		manifests, why = pnpmFetchFiles(in, srcDir)
	} else if tool == toolDotnet {
		// the project or solution the command names: the groups follow it,
		// and a dependency step added for a compile restores it
		var arg, entry string
		if arg, why = dotnetEntry(installCmd); why != "" {
			return nil, why
		}
		if why = dotnetFlagsReadMore(installCmd); why != "" {
			return nil, why
		}
		// one restore's files are followed: a second dotnet command that
		// moves with it may restore other projects
		n := 0
		for _, c := range inst.Run.Commands[:movedCmds] {
			if ci := Classify(c); ci != nil && ci.Tool == toolDotnet {
				n++
			}
		}
		if n > 1 && !compile {
			return nil, "the RUN runs several dotnet commands before the sources, and the fixer follows one project's files: split it"
		}
		if arg != "" {
			p := arg
			if path.IsAbs(p) {
				r, ok := strings.CutPrefix(path.Clean(p), strings.TrimSuffix(dest, "/")+"/")
				if !ok {
					return nil, fmt.Sprintf("`%s` names %s, outside %s where the COPY puts the sources", shortCmd(installCmd), arg, dest)
				}
				p = path.Join(src, r)
			} else {
				p = path.Join(srcDir, p)
			}
			if p = path.Clean(p); p == ".." || strings.HasPrefix(p, "../") {
				return nil, fmt.Sprintf("`%s` names %s, outside the build context", shortCmd(installCmd), arg)
			}
			if entry = p; entry == "." {
				entry = ""
			}
			dotnetArg = " " + arg
		}
		groups, why = dotnetGroups(in, src, srcDir, entry)
	} else {
		groups, why = extraManifests(in, src, srcDir, tool)
	}
	if why != "" {
		return nil, why
	}
	if len(manifests) == 0 && len(groups) == 0 {
		return nil, fmt.Sprintf("no %s manifest (%s) in the context under %q", tool.Name, strings.Join(tool.Manifests, ", "), srcDir)
	}
	// a path the new COPY line cannot name as one plain word (a space, a
	// glob character, a $) would split or expand in it
	for _, p := range manifests {
		if !literalPath(p) {
			return nil, fmt.Sprintf("%s cannot be written plainly in a COPY", p)
		}
	}
	for _, g := range groups {
		for _, p := range append([]string{g.dir}, g.files...) {
			if p != "" && !literalPath(p) {
				return nil, fmt.Sprintf("%s cannot be written plainly in a COPY", p)
			}
		}
	}
	// the restore's own output beside each project, when the context
	// sends it: copied after the restore, the host's
	// obj/project.assets.json would replace the one just made
	if tool == toolDotnet {
		dirs := []string{srcDir}
		for _, g := range groups {
			dirs = append(dirs, g.dir)
		}
		for _, d := range dirs {
			if !slices.ContainsFunc(in.contextChildren(d), func(p string) bool { return strings.HasSuffix(p, "proj") }) {
				continue // no project here: nothing writes obj/ or bin/ beside it
			}
			for _, out := range []string{"obj", "bin"} {
				p := strings.TrimPrefix(path.Join(d, out), "/")
				switch {
				case in.contextHas(p) && in.sent(p):
					if !in.IgnoreFixed {
						return nil, fmt.Sprintf("the context sends %s, whose restore output the COPY of the sources would copy over the one the restore makes: exclude obj/ and bin/ in .dockerignore", p)
					}
					needsExcluded = append(needsExcluded, p)
				case in.IgnoreFixed && !in.contextHas(p) && !in.ignoreExcludes(p):
					// not in this checkout, but in a developer's who
					// built the project: its obj/project.assets.json
					// would replace the restore's and fail a
					// --no-restore publish (review 31: NETSDK1064)
					needsExcluded = append(needsExcluded, p)
				}
			}
		}
	}
	var groupLines, groupKinds, groupFiles []string
	for _, g := range groups {
		groupLines = append(groupLines, manifestCopyLine(in.File, broad, g.files, groupDest(c.Dest, src, g.dir)))
		groupKinds = append(groupKinds, broad.Kind)
		groupFiles = append(groupFiles, g.files...)
	}
	manifestDest := ""
	if rel != "" {
		manifestDest = path.Join(c.Dest, rel)
	}
	if pnpmRoot {
		manifestDest = installDir
	}
	for _, cmd := range inst.Run.Commands {
		// requirement and constraint files are pip's (and uv pip's): -c
		// is dotnet's configuration, -r its runtime
		if ci := Classify(cmd); ci == nil || ci.Tool != tool || (tool != toolPip && tool != toolUv) {
			continue
		}
		for i, a := range cmd.Args {
			if i == 0 || (cmd.Args[i-1] != "-r" && cmd.Args[i-1] != "--requirement" && cmd.Args[i-1] != "-c" && cmd.Args[i-1] != "--constraint") {
				continue
			}
			p := a
			if !path.IsAbs(p) {
				p = path.Join(installDir, p)
			}
			ok := false
			for _, mf := range manifests {
				if path.Join(dest, rel, path.Base(mf)) == p {
					ok = true
				}
			}
			if !ok {
				return nil, fmt.Sprintf("the install reads %s, which the manifest COPY would not bring", a)
			}
		}
	}
	var dl string
	if compile {
		for _, m := range inst.Run.Mounts {
			if m.Type == "ssh" || m.Type == "secret" {
				// a private module or crate the dependency step would fetch
				// without the key
				return nil, fmt.Sprintf("the compile mounts %s (type=%s), which a dependency step before the sources would need as well", m.Target, m.Type)
			}
		}
		switch tool {
		case toolGo:
			if pkgmgr.Vendored(&Install{Tool: tool, Cmd: installCmd}, inst.State) {
				return nil, "the compile builds from ./vendor, which comes with the sources: no dependency step to move before them"
			}
			dl = "go mod download"
		case toolDotnet:
			// restore for the runtime the compile targets, or the
			// compile downloads its runtime packs on every source change
			dl = "dotnet restore" + dotnetArg + dotnetRuntimeArgs(installCmd)
		case toolCargo:
			var why string
			if dl, why = cargoDependencyStep(in, inst, installCmd, srcDir); why != "" {
				return nil, why
			}
		case toolMaven:
			var why string
			if dl, why = mavenDependencyStep(in, installCmd, srcDir); why != "" {
				return nil, why
			}
		default:
			return nil, fmt.Sprintf("%s has no separate dependency step layerwise can add safely", tool.Name)
		}
		// the dependency step goes before the broad COPY, in its working
		// directory: it changes to where the compile runs (`cd billing &&
		// go build`, or a WORKDIR between the COPY and the compile)
		if here := broad.State.Workdir; installDir != here {
			d := installDir
			if r, ok := strings.CutPrefix(installDir, strings.TrimSuffix(here, "/")+"/"); ok {
				d = r
			}
			if !literalPath(d) {
				return nil, fmt.Sprintf("the compile runs in %s, which is not a literal path", installDir)
			}
			dl = "cd " + d + " && " + dl
		}
	}
	// Directories among the manifests (.mvn, gradle/) each get a COPY of
	// their own: several sources in one COPY copy a directory's contents,
	// not the directory.
	var files, dirs []string
	for _, m := range manifests {
		if in.isDirSource(m) {
			dirs = append(dirs, m)
		} else {
			files = append(files, m)
		}
	}
	if len(files) == 0 && len(groups) == 0 {
		return nil, fmt.Sprintf("no %s manifest file in the context under %q", tool.Name, srcDir)
	}
	copyLines, copyKinds := groupLines, groupKinds
	// the fetch goes before the first COPY between that brings more than
	// the files it reads (a member's sources would make it re-run, and
	// LW101 would report it); what the COPYs before it bring is not
	// copied again
	between := s1.Instructions[bi+1 : ii]
	fetchAt := len(between)
	if pnpmFetch {
		for k, x := range between {
			if (x.Kind == "COPY" || x.Kind == "ADD") && !copiesOnly(x, append(slices.Clone(manifests), strings.TrimPrefix(path.Join(srcDir, "package.json"), "/"))) {
				fetchAt = k
				break
			}
		}
		// what stays after the fetch is the sources' COPYs and metadata:
		// a RUN that installs pnpm, a USER, ENV or WORKDIR the install runs
		// under would otherwise come after the fetch (pnpm not found, or
		// another user's store: the install then links nothing — review)
		for _, x := range between[fetchAt:] {
			switch x.Kind {
			case "COPY", "ADD", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL":
			default:
				return nil, fmt.Sprintf("%s (line %d) comes after a COPY of sources and before the install: `pnpm fetch` before those sources would run before it", x.Kind, x.Range.Start.Line)
			}
		}
		before := append(append([]*dockerfile.Instruction(nil), s1.Instructions[:bi]...), between[:fetchAt]...)
		dir := absIn(broad, cmp.Or(manifestDest, c.Dest))
		files = slices.DeleteFunc(files, func(f string) bool { return copiedBefore(before, []string{f}, dir) })
		manifests = slices.DeleteFunc(manifests, func(f string) bool { return !in.isDirSource(f) && copiedBefore(before, []string{f}, dir) })
		if pnpmRoot && (len(files) > 0 || len(dirs) > 0) {
			// the install in the workspace root read only what the
			// Dockerfile copied there (a renamed lockfile, no .npmrc):
			// the fetch must read the same, not the context's own
			return nil, fmt.Sprintf("the install runs in the workspace root %s, where the Dockerfile does not copy %s before the sources: `pnpm fetch` would read the context's own", installDir, strings.Join(append(slices.Clone(files), dirs...), ", "))
		}
	}
	if len(files) > 0 && len(groups) == 0 && !compile && !pnpmFetch && copiedBefore(s1.Instructions[:bi], files, absIn(broad, cmp.Or(manifestDest, c.Dest))) {
		// an earlier COPY brought them already (bitwarden's admin:
		// `COPY src/Admin/package*.json ./`, then the sources, then npm
		// ci): the install only moves up
		files = nil
	}
	if len(files) > 0 {
		copyLines = append(copyLines, manifestCopyLine(in.File, broad, files, manifestDest))
		copyKinds = append(copyKinds, broad.Kind)
	}
	manifests = append(groupFiles, manifests...)
	for _, d := range dirs {
		copyLines = append(copyLines, manifestCopyLine(in.File, broad, []string{d}, path.Join(c.Dest, rel, path.Base(d))))
		copyKinds = append(copyKinds, broad.Kind)
	}
	var text []string
	if compile {
		// the dependency step fills the package store the compile reads,
		// in its own layer: a registry cache carries that layer to a fresh
		// CI builder, where every cache mount starts empty. A cache mount
		// of the compile over the store would hide what the step fetched,
		// so it goes (the compile keeps its other mounts, such as Go's
		// build cache).
		text = append(copyLines, keywordAsWritten(in.File, inst)+" "+dl)
		at := commentsAbove(in.File, broad.Range.Start.Line)
		reps := []Replacement{{StartLine: at, EndLine: at - 1, Text: joinLines(text), Kinds: append(copyKinds, "RUN")}}
		if flags := storeMountFlags(in, inst, tool); len(flags) > 0 {
			e := newRunEdit(in.File, inst)
			for _, fl := range flags {
				if !e.removeFlag(fl) {
					return nil, fmt.Sprintf("the compile's cache mount over the package store (%s) is not written plainly on its first line", fl)
				}
			}
			lines, err := e.result()
			if err != nil {
				return nil, err.Error()
			}
			reps = append(reps, Replacement{StartLine: inst.Range.Start.Line, EndLine: inst.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}})
		}
		return &Fix{Description: fmt.Sprintf("copy %s and fetch dependencies before the sources", strings.Join(baseNames(manifests), ", ")), File: in.Dockerfile,
			Replacements: reps}, ""
	}
	lines := in.File.Lines
	text = append(text, copyLines...)
	kinds := copyKinds
	// yarn 2+ runs the release .yarnrc.yml's yarnPath names, with the
	// plugins and the zero-install cache under .yarn/: they come with the
	// manifests, as a directory of their own (a flat COPY would lose the
	// path yarnPath names)
	if yarnDir := strings.TrimPrefix(srcDir+"/.yarn", "/"); tool == toolYarn && in.isDirSource(yarnDir) && in.contextHas(yarnDir) {
		text = append(text, manifestCopyLine(in.File, broad, []string{yarnDir}, path.Join(c.Dest, rel, ".yarn")))
		kinds = append(kinds, broad.Kind)
	}
	betweenLines := lines[broad.Range.End.Line : inst.Range.Start.Line-1] // what lies between, comments included
	var afterFetch []string
	if pnpmFetch && fetchAt < len(between) {
		cut := between[fetchAt].Range.Start.Line - 1 - broad.Range.End.Line
		betweenLines, afterFetch = betweenLines[:cut], betweenLines[cut:]
	}
	text = append(text, betweenLines...)
	for _, x := range between[:fetchAt] {
		kinds = append(kinds, x.Kind)
	}
	broadLines := linesOf(in.File, broad)
	if workdirMoves && !path.IsAbs(c.Dest) {
		// after the WORKDIR change a relative destination would move:
		// the source COPY names the directory it always meant
		var ok bool
		if broadLines, ok = withDest(broadLines, c.Dest, dest); !ok {
			return nil, "the COPY's destination is relative and not written plainly at its end"
		}
	}
	moved := installPart
	if moved == nil {
		moved = linesOf(in.File, inst)
	}
	if pnpmFetch {
		moved, restPart = fetchLines, linesOf(in.File, inst)
	}
	if composerFlags != "" {
		// the install must be the last command of what moves, its last
		// word the end of the lines, for the flags to go on it
		n := movedCmds
		var ok bool
		if n < 1 || inst.Run.Commands[n-1].Offset != installCmd.Offset {
			ok = false
		} else {
			moved, ok = appendToCommand(moved, installCmd, composerFlags)
		}
		if !ok {
			return nil, fmt.Sprintf("`%s` reads the sources (scripts, autoloader) and is not written so that --no-scripts --no-autoloader can be added at its end", shortCmd(installCmd))
		}
	}
	text = append(text, moved...)
	kinds = append(kinds, "RUN")
	text = append(text, afterFetch...)
	for _, x := range between[fetchAt:] {
		kinds = append(kinds, x.Kind)
	}
	// the comments above the source COPY go down with it
	at := commentsAbove(in.File, broad.Range.Start.Line)
	text = append(text, lines[at-1:broad.Range.Start.Line-1]...)
	text = append(text, broadLines...)
	kinds = append(kinds, broad.Kind)
	if composerAfter != "" {
		// the autoloader and scripts after the sources, where the
		// install ran them: in its directory (the leading cds), with the
		// RUN's mounts other than caches (a secret the scripts read)
		for _, m := range inst.Run.Mounts {
			if m.Type != "cache" {
				return nil, fmt.Sprintf("the RUN has a --mount=type=%s, which the composer dump-autoload after the sources may need too: split it by hand", m.Type)
			}
		}
		var pre []string
		for _, cd := range cds {
			pre = append(pre, "cd "+cd.Args[0]+" && ")
		}
		text = append(text, strings.Repeat(" ", inst.Range.Start.Col-1)+keywordAsWritten(in.File, inst)+" "+strings.Join(pre, "")+composerAfter)
		kinds = append(kinds, "RUN")
	}
	if restPart != nil {
		text = append(text, restPart...)
		kinds = append(kinds, "RUN")
	}
	desc := fmt.Sprintf("copy %s first, install, then copy the sources", strings.Join(baseNames(manifests), ", "))
	if pnpmFetch {
		desc = fmt.Sprintf("copy %s first and run `pnpm fetch` before the sources", strings.Join(baseNames(manifests), ", "))
	}
	return &Fix{Description: desc, File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: at, EndLine: inst.Range.End.Line, Text: joinLines(text), Kinds: kinds}}, NeedsExcluded: needsExcluded}, ""
}

// storeMountFlags are the --mount flags of a RUN, as written, that are
// cache mounts over the tool's package store.
func storeMountFlags(in *Input, ins *dockerfile.Instruction, t *Tool) []string {
	store := t.StoreDir(ins.State, stageBase(in, ins))
	if store == "" {
		return nil
	}
	return mountFlagsOver(ins, store)
}

// leadingCds are the `cd DIR` commands (literal relative paths) a RUN
// starts with.
func leadingCds(cmds []dockerfile.Command) []dockerfile.Command {
	var out []dockerfile.Command
	for _, c := range cmds {
		if c.Name != "cd" || len(c.Args) != 1 || !literalPath(c.Args[0]) || path.IsAbs(c.Args[0]) || len(c.Env) > 0 {
			break
		}
		out = append(out, c)
	}
	return out
}

// literalPath: a path written without quotes, variables or globs.
func literalPath(p string) bool {
	if p == "" {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/+@", r)) {
			return false
		}
	}
	return true
}

// withDest replaces a COPY's destination, written as the last word of its
// last line, by an absolute one (a trailing / kept).
func withDest(lines []string, dest, abs string) ([]string, bool) {
	out := append([]string(nil), lines...)
	last := strings.TrimRight(out[len(out)-1], " \t")
	if !strings.HasSuffix(last, " "+dest) && !strings.HasSuffix(last, "\t"+dest) {
		return nil, false
	}
	if strings.HasSuffix(dest, "/") && !strings.HasSuffix(abs, "/") {
		abs += "/"
	}
	out[len(out)-1] = strings.TrimSuffix(last, dest) + abs
	return out, true
}

func matchesToolManifest(base string, t *Tool) bool {
	for _, m := range t.Manifests {
		if ok, _ := path.Match(m, base); ok {
			return true
		}
	}
	return false
}

// workspaceLayout names layouts the fixer cannot split exactly: workspaces
// need every member's manifest, which a flat manifest COPY does not bring.
func workspaceLayout(in *Input, src string, t *Tool) string {
	join := func(n string) string { return strings.TrimPrefix(src+"/"+n, "/") }
	switch t {
	case toolGo:
		if in.contextHas(join("go.work")) {
			return "a go.work workspace is left as it is"
		}
	case toolNpm, toolYarn, toolPnpm:
		if in.contextHas(join("pnpm-workspace.yaml")) || in.contextHas(join("lerna.json")) {
			return "a JavaScript workspace is left as it is"
		}
		// npm workspaces: every member's manifest is copied too
		// (npmWorkspaceGroups); yarn's and pnpm's are left alone
		if data, err := in.readContextFile(join("package.json")); err == nil && strings.Contains(string(data), `"workspaces"`) && t != toolNpm {
			return "yarn workspaces are left as they are"
		}
	}
	return ""
}

// manifestCopyLine writes the new COPY with the broad COPY's keyword case
// and its --chown, --chmod and --link.
func manifestCopyLine(f *dockerfile.File, broad *dockerfile.Instruction, manifests []string, dest string) string {
	parts := []string{keywordAsWritten(f, broad)}
	c := broad.Copy
	if c.Chown != "" {
		parts = append(parts, "--chown="+c.Chown)
	}
	if c.Chmod != "" {
		parts = append(parts, "--chmod="+c.Chmod)
	}
	if c.Link {
		parts = append(parts, "--link")
	}
	parts = append(parts, manifests...)
	if dest == "" {
		dest = c.Dest
	}
	if !strings.HasSuffix(dest, "/") {
		dest += "/"
	}
	parts = append(parts, dest)
	return strings.Repeat(" ", broad.Range.Start.Col-1) + strings.Join(parts, " ")
}

func keywordAsWritten(f *dockerfile.File, ins *dockerfile.Instruction) string {
	line := f.Lines[ins.Range.Start.Line-1]
	start := ins.Range.Start.Col - 1
	if start+len(ins.Kind) <= len(line) {
		return line[start : start+len(ins.Kind)]
	}
	return ins.Kind
}

func baseNames(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = path.Base(p)
	}
	return out
}

// manifestMadeEarlier: a manifest produced in the image before the broad
// COPY (by a RUN or a heredoc COPY) would not be what the new COPY brings.
func manifestMadeEarlier(in *Input, s *dockerfile.Stage, upto int, t *Tool) string {
	var before []*dockerfile.Instruction
	for _, l := range in.lineage(s)[1:] {
		before = append(before, l.Instructions...)
	}
	before = append(before, s.Instructions[:upto]...)
	for _, x := range before {
		if x.Copy != nil {
			for _, h := range x.Copy.Heredocs {
				if matchesToolManifest(path.Base(h.Name), t) {
					return fmt.Sprintf("a heredoc COPY (line %d) writes a %s manifest", x.Range.Start.Line, t.Name)
				}
			}
		}
		if x.Run == nil {
			continue
		}
		words := strings.FieldsFunc(x.Run.Script, func(r rune) bool { return strings.ContainsRune(" \t\n><|;&()'\"", r) })
		for _, w := range words {
			if matchesToolManifest(path.Base(w), t) {
				return fmt.Sprintf("a RUN (line %d) may produce %s", x.Range.Start.Line, path.Base(w))
			}
		}
	}
	return ""
}

func installOrBenign(cmd dockerfile.Command, tool *Tool) bool {
	ci := Classify(cmd)
	if ci != nil && ci.Tool == tool && !ci.Compile {
		return true
	}
	switch path.Base(cmd.Name) {
	case "set", "true", ":", "echo":
		return true
	}
	return ci == nil && path.Base(cmd.Name) == tool.Name && first(cmd) == "cache"
}

// lockfileDispatch: the JavaScript package managers a RUN installs with
// from their manifests, when there are several and tool is one of them —
// a RUN that picks one by the lockfile it finds; nil otherwise.
func lockfileDispatch(ins *dockerfile.Instruction, tool *Tool) []*Tool {
	js := func(t *Tool) bool { return t == toolNpm || t == toolYarn || t == toolPnpm }
	if !js(tool) || ins.Run == nil {
		return nil
	}
	var out []*Tool
	for _, c := range ins.Run.Commands {
		if i := Classify(c); i != nil && i.FromManifest && !i.Compile && js(i.Tool) && !slices.Contains(out, i.Tool) {
			out = append(out, i.Tool)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// dispatchPart: a command of a lockfile dispatch that reads nothing but
// the managers' manifests — one of its installs, a test for a manifest
// by its name (`[ -f yarn.lock ]`, `test -f pnpm-lock.yaml`), or the
// `exit 1` of its last branch.
func dispatchPart(c dockerfile.Command, dispatch []*Tool) bool {
	if len(dispatch) == 0 || len(c.Env) > 0 {
		return false
	}
	if i := Classify(c); i != nil && i.FromManifest && !i.Compile && slices.Contains(dispatch, i.Tool) {
		return true
	}
	switch c.Name {
	case "exit":
		return len(c.Args) <= 1
	case "[", "test":
		args := c.Args
		if c.Name == "[" {
			if len(args) == 0 || args[len(args)-1] != "]" {
				return false
			}
			args = args[:len(args)-1]
		}
		if len(args) != 2 || (args[0] != "-f" && args[0] != "-e" && args[0] != "-s") || strings.Contains(args[1], "/") {
			return false
		}
		return slices.ContainsFunc(dispatch, func(t *Tool) bool { return matchesToolManifest(args[1], t) })
	}
	return false
}

// runFlagsText is the RUN's flags as written on its first line, each
// followed by a space ("" when it has none); not ok when they go on past
// the first line.
func runFlagsText(f *dockerfile.File, ins *dockerfile.Instruction) (string, bool) {
	if ins.Run == nil {
		return "", false
	}
	if len(ins.Run.Mounts) == 0 && !strings.Contains(ins.Original, " --") {
		return "", true
	}
	line := f.Lines[ins.Range.Start.Line-1]
	rest := strings.TrimLeft(line[min(len(line), ins.Range.Start.Col-1+len(ins.Kind)):], " \t")
	var flags []string
	for _, w := range strings.Fields(rest) {
		if !strings.HasPrefix(w, "--") {
			break
		}
		flags = append(flags, w)
	}
	text := strings.Join(flags, " ")
	if flags != nil {
		text += " "
	}
	// every flag the model read is on the first line
	if strings.Count(text, "--mount") != len(ins.Run.Mounts) || strings.TrimSpace(strings.TrimPrefix(rest, text)) == "\\" {
		return "", false
	}
	return text, true
}

// setsErrexit: the command is `set` with -e among its flags (set -e,
// set -eux, set -o errexit), before any `--` (after it, the words are
// positional parameters).
func setsErrexit(c dockerfile.Command) bool {
	if c.Name != "set" {
		return false
	}
	for _, a := range c.Args {
		if a == "--" || a == "-" || strings.HasPrefix(a, "+") && strings.Contains(a, "e") {
			return false
		}
	}
	for i, a := range c.Args {
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a[1:], "e") && a != "-o" {
			return true
		}
		if a == "-o" && i+1 < len(c.Args) && c.Args[i+1] == "errexit" {
			return true
		}
	}
	return false
}

// splitRunAt splits a RUN written as a plain && chain before its k-th
// command: the first part keeps the RUN's flags (its cache mounts serve the
// install), the second becomes a RUN of its own. Anything but a plain &&
// chain of simple commands (;, ||, pipes, subshells, heredocs, exec form) is
// not split.
func splitRunAt(f *dockerfile.File, ins *dockerfile.Instruction, k int) ([]string, []string, bool) {
	r := ins.Run
	// `set -e; a; b` (the official images' style): under errexit a `;`
	// list stops at the first failure as a && chain does, so it splits
	// the same way, the second part starting with the same `set`. A mix
	// of ; and && is not split: under errexit a failure in an && list
	// other than its last command does not stop the script.
	sep, prefix := "&&", ""
	if len(r.Commands) > 1 && setsErrexit(r.Commands[0]) && !strings.Contains(r.Script, "&&") {
		sep, prefix = ";", "set "+strings.Join(r.Commands[0].Args, " ")+"; "
		if k < 2 {
			return nil, nil, false // nothing but the set before the split
		}
		for _, c := range r.Commands[1:] {
			if c.Name == "set" {
				// another set (+e, -o pipefail) would not reach the
				// second part as written: left as it is
				return nil, nil, false
			}
		}
	}
	special := ";|()`{}<>\n"
	if sep == ";" {
		special = "|()`{}<>\n"
	}
	if r.Script == "" || len(r.Heredocs) > 0 || strings.ContainsAny(r.Script, special) || strings.Contains(r.Script, "$(") || strings.ContainsAny(r.Script, "'\"") && sep == ";" {
		return nil, nil, false
	}
	if strings.Count(r.Script, sep) != len(r.Commands)-1 {
		return nil, nil, false
	}
	lines := linesOf(f, ins)
	// the RUN's flags (mounts, network, security) go on both parts: a
	// secret or a bind mount the rest reads, a cache mount that keeps its
	// cache out of the image
	flags, ok := runFlagsText(f, ins)
	if !ok {
		return nil, nil, false
	}
	seen := 0
	for i, l := range lines {
		from := 0
		if i == 0 {
			// skip the keyword and flags: count && in the script only
			from = ins.Range.Start.Col - 1 + len(ins.Kind)
		}
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue // a comment line inside the RUN: not the script's
		}
		for {
			j := strings.Index(l[from:], sep)
			if j < 0 {
				break
			}
			seen++
			pos := from + j
			if seen == k {
				head := append(append([]string(nil), lines[:i]...), strings.TrimRight(l[:pos], " \t"))
				// the last line of the first part must not end in a continuation
				for len(head) > 0 && strings.TrimSpace(head[len(head)-1]) == "" {
					head = head[:len(head)-1]
				}
				if n := len(head); n > 0 {
					head[n-1] = strings.TrimRight(strings.TrimSuffix(strings.TrimRight(head[n-1], " \t"), "\\"), " \t")
				}
				restFirst := strings.TrimSpace(l[pos+len(sep):])
				tail := append([]string{}, lines[i+1:]...)
				if restFirst == "\\" || restFirst == "" {
					if len(tail) == 0 {
						return nil, nil, false
					}
					restFirst = strings.TrimSpace(tail[0])
					tail = tail[1:]
				}
				for restFirst == "\\" && len(tail) > 0 { // blank continuation lines
					restFirst = strings.TrimSpace(tail[0])
					tail = tail[1:]
				}
				indent := strings.Repeat(" ", ins.Range.Start.Col-1)
				rest := append([]string{indent + keywordAsWritten(f, ins) + " " + flags + prefix + restFirst}, tail...)
				return head, rest, true
			}
			from = pos + len(sep)
		}
	}
	return nil, nil, false
}

// dotnetRuntimeArgs are the options of a dotnet build or publish that pick
// the runtime it restores for (-r/--runtime, -a/--arch, --os), as written.
func dotnetRuntimeArgs(c dockerfile.Command) string {
	var out []string
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case (a == "-r" || a == "--runtime" || a == "-a" || a == "--arch" || a == "--os") && i+1 < len(c.Args):
			out = append(out, a, c.Args[i+1])
			i++
		case strings.HasPrefix(a, "--runtime=") || strings.HasPrefix(a, "--arch=") || strings.HasPrefix(a, "--os="):
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

// copiedBefore: every manifest file (a context path) is copied into dir by
// one of the instructions (a COPY/ADD from the context, by its path or a
// glob that matches it) — the last of them to write there, as far as the
// plain sources tell.
func copiedBefore(ins []*dockerfile.Instruction, files []string, dir string) bool {
	for _, f := range files {
		found := false
		for _, x := range ins {
			if x.Copy == nil || !x.Copy.FromContext() || x.Copy.UsesVariables || path.Clean(absIn(x, x.Copy.Dest)) != path.Clean(dir) {
				continue
			}
			for _, src := range x.Copy.ContextSources() {
				pat := strings.TrimPrefix(path.Clean("/"+src), "/")
				if ok, _ := path.Match(pat, f); ok && !strings.HasSuffix(src, "/") {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return len(files) > 0
}

// goManifestsInPlace handles a Go compile whose go.mod and go.sum earlier
// COPYs already put where it runs, with no dependency step between them
// and the sources (GoogleCloudPlatform's profiler samples: COPY go.mod,
// COPY go.sum, COPY ./app/*.go, go install): the dependency step goes in
// right before the sources' COPY, whatever that COPY's shape. ok is false
// when the shape is not that one (the general rewrite then decides).
func goManifestsInPlace(in *Input, s *dockerfile.Stage, bi, ii int, broad, inst *dockerfile.Instruction) (*Fix, string, bool) {
	compile := inPlaceCompile(inst, broad, toolGo)
	if compile == nil {
		return nil, "", false
	}
	// the context's go.mod (and the go.sum beside it) copied into the
	// compile's directory by earlier COPYs of the stage
	copied := map[string]bool{} // context paths
	mod := ""
	for _, p := range copiedInto(s.Instructions[:bi], inst.State.Workdir) {
		copied[p] = true
		if path.Base(p) == "go.mod" {
			mod = p // the last one copied is the one in place
		}
	}
	if mod == "" {
		return nil, "", false
	}
	// a module replaced by a local directory, or a go.work workspace:
	// go mod download reads what the earlier COPYs did not bring
	if why := workspaceLayout(in, strings.TrimPrefix(path.Dir("/"+mod), "/"), toolGo); why != "" {
		return nil, why, true
	}
	if groups, why := goReplaceGroups(in, "", path.Dir(mod)); why != "" || len(groups) > 0 {
		if why == "" {
			why = "go.mod replaces modules with local directories, which the COPYs before the sources do not bring"
		}
		return nil, why, true
	}
	if sum := path.Join(path.Dir(mod), "go.sum"); in.contextHas(sum) && !copied[sum] {
		return nil, "", false
	}
	if pkgmgr.Vendored(compile, inst.State) || in.contextHas(path.Join(path.Dir(mod), "vendor/modules.txt")) {
		return nil, "the compile builds from ./vendor, which comes with the sources: no dependency step to move before them", true
	}
	fix, why := dependencyStepBefore(in, s.Instructions[bi+1:ii], broad, inst, toolGo, "go mod download", "fetch the Go modules before the sources (go.mod and go.sum are already copied)")
	return fix, why, true
}

// inPlaceCompile is the compile of tool that inst runs in the directory
// the sources' COPY broad writes to (no leading cd), whose manifests
// earlier COPYs may have put in place; nil otherwise.
func inPlaceCompile(inst, broad *dockerfile.Instruction, tool *Tool) *Install {
	if inst.Run == nil || len(inst.Run.Commands) == 0 || inst.Run.Commands[0].Name == "cd" || broad.Copy == nil || broad.State.Workdir != inst.State.Workdir {
		return nil
	}
	for _, i := range runInstalls(inst) {
		if !i.Tool.System && i.FromManifest {
			if i.Tool != tool || !i.Compile {
				return nil
			}
			return i
		}
	}
	return nil
}

// copiedInto are the context paths that the COPYs among ins put directly
// into dir, in their order.
func copiedInto(ins []*dockerfile.Instruction, dir string) []string {
	var out []string
	for _, x := range ins {
		if x.Copy == nil || !x.Copy.FromContext() || x.Copy.UsesVariables {
			continue
		}
		d := absIn(x, x.Copy.Dest)
		srcs := x.Copy.ContextSources()
		for _, src := range srcs {
			p := strings.TrimPrefix(path.Clean("/"+src), "/")
			to := d
			if !strings.HasSuffix(x.Copy.Dest, "/") && len(srcs) == 1 && path.Base(d) == path.Base(p) {
				to = path.Dir(d)
			}
			if path.Clean(to) == path.Clean(dir) {
				out = append(out, p)
			}
		}
	}
	return out
}

// dependencyStepBefore inserts the dependency step dl right above the
// sources' COPY (and the comments over it), and takes the compile's cache
// mount off the package store the step fills in its layer. Refused where
// the step would run without what the compile has: a secret or SSH mount,
// or what the instructions between (the sources' COPY and the compile)
// set up for it.
func dependencyStepBefore(in *Input, between []*dockerfile.Instruction, broad, inst *dockerfile.Instruction, tool *Tool, dl, desc string) (*Fix, string) {
	if in.uncachedInCI(in.stageOf(inst)) {
		// nothing builds the image but a CI that keeps no layer: the new
		// step is reused by no build, and it fetches every module or
		// plugin where the compile alone fetches what it needs (reviews
		// 33, 34: hatchet's `go mod download` of a whole monorepo for a
		// file server, on every job)
		return nil, in.CIWorkflow + " keeps no layer cache between jobs and nothing else builds the image: a dependency step would fetch more than the compile does on every job; it pays once the CI keeps a cache (LW118)"
	}
	for _, m := range inst.Run.Mounts {
		if m.Type == "ssh" || m.Type == "secret" {
			return nil, fmt.Sprintf("the compile mounts %s (type=%s), which a dependency step before the sources would need as well", m.Target, m.Type)
		}
	}
	for _, x := range between {
		switch {
		case x.Kind == "ENV" || x.Kind == "ARG":
			if v := toolVariable(x, tool); v != "" {
				return nil, fmt.Sprintf("%s %s (line %d) sets %s for the compile, which the dependency step before the sources would not see", x.Kind, v, x.Range.Start.Line, v)
			}
		case x.Kind == "LABEL" || x.Kind == "EXPOSE" || leavesFetchAlone(x, tool) || (broad.Copy != nil && in.copyLeavesFetchAlone(x, absIn(broad, broad.Copy.Dest), tool)):
		default:
			return nil, fmt.Sprintf("%s (line %d) between the COPY and the compile may prepare what fetching the dependencies needs", x.Kind, x.Range.Start.Line)
		}
	}
	at := commentsAbove(in.File, broad.Range.Start.Line)
	reps := []Replacement{{StartLine: at, EndLine: at - 1, Text: joinLines([]string{keywordAsWritten(in.File, inst) + " " + dl}), Kinds: []string{"RUN"}}}
	if flags := storeMountFlags(in, inst, tool); len(flags) > 0 {
		e := newRunEdit(in.File, inst)
		for _, fl := range flags {
			if !e.removeFlag(fl) {
				return nil, fmt.Sprintf("the compile's cache mount over the package store (%s) is not written plainly on its first line", fl)
			}
		}
		lines, err := e.result()
		if err != nil {
			return nil, err.Error()
		}
		reps = append(reps, Replacement{StartLine: inst.Range.Start.Line, EndLine: inst.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}})
	}
	return &Fix{Description: desc, File: in.Dockerfile, Replacements: reps}, ""
}

// pythonTool: one of Python's package managers.
func pythonTool(t *Tool) bool {
	return t == toolPip || t == toolUv || t == toolPoetry || t == toolPipenv
}
