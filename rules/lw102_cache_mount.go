package rules

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// MissingCacheMount is LW102.
var MissingCacheMount = Register(&Rule{
	ID: "LW102", Name: "missing-cache-mount", Severity: Warning, Category: CatCache,
	Title: "A package manager downloads into a cache no cache mount keeps",
	Cost:  "When the step re-runs (a dependency changed, a base image moved), every package is downloaded again instead of coming from BuildKit's cache.",
	Description: `BuildKit cache mounts (` + "`RUN --mount=type=cache,target=DIR`" + `) keep a package manager's download and
build caches between builds without putting them in the image. layerwise knows where each tool keeps its
cache in the stage's effective state — USER, HOME and the tool's own variables (` + "`npm_config_cache`" + `,
` + "`PIP_CACHE_DIR`" + `, ` + "`GOMODCACHE`" + `, ` + "`GOCACHE`" + `, ` + "`CARGO_HOME`" + `, ` + "`GRADLE_USER_HOME`" + `, ...), including those the official
images set (` + "`GOPATH=/go`" + ` in golang) — and asks for a mount there. apt needs both ` + "`/var/cache/apt`" + ` and
` + "`/var/lib/apt/lists`" + ` mounted (the lists alone: ` + "`extended_states`" + ` beside them is the image's own record of automatically installed packages) with ` + "`sharing=locked`" + `, since apt takes a lock that concurrent builds would otherwise fight over.

A cache mount is a cache, not a store: it is empty on every fresh CI builder (BuildKit exports no cache
mount; the layers come back from a registry cache without it) and whenever BuildKit's garbage collector
evicts it. So only what the RUN alone reads goes in a mount — download caches, compiler caches (Go's build
cache). A package store that a later step or the running container reads — Go's module cache after
` + "`go mod download`" + `, NuGet's packages before ` + "`--no-restore`" + `, ` + "`~/.m2`" + ` before ` + "`mvn -o`" + `, cargo's registry
before ` + "`--offline`" + `, a store ` + "`go run`" + ` or ` + "`dotnet run`" + ` reads at run time — stays in the layer the install
makes, where a registry cache carries it; apt's lists stay there too when a later RUN installs without its
own ` + "`apt-get update`" + ` (or runs a script that may), and so does a store another stage copies out
(` + "`COPY --from=deps /root/.m2`" + `), one a later step reads offline (` + "`pnpm fetch`" + ` before ` + "`pnpm install --offline`" + `),
and yarn 4's global cache under Plug'n'Play, which the app reads when it runs. Maven's mount covers the local
repository (` + "`~/.m2/repository`" + `), never the settings beside it. No mount is added where a command of the RUN
would remove the mount point (` + "`rm -rf /var/cache/*`" + `, ` + "`rm -rf ~/.cache`" + ` fail with "Device or resource busy");
an install that only package manifests come before (the dependency step as it should be) re-runs only when they
change, so its mount is information there, and so is one whose order LW101 warns about (once the install comes
first, the same holds); a system package install that re-runs only because it comes after a
` + "`COPY --from`" + ` of the built application it does not read is told to move above that COPY first; where the RUN runs a script copied from the context that empties the cache (` + "`&& /tmp/clean-layer.sh`" + ` running
` + "`apt-get clean`" + `) the finding is information and the fix waits for the script; nor is one added for an image that skaffold builds with kaniko, whose parser rejects ` + "`RUN --mount`" + `, or with its default local
builder (the Docker Engine API's classic builder, unless ` + "`useBuildkit`" + ` or ` + "`useDockerCLI`" + `), nor for one its README
builds with ` + "`gcloud builds submit --tag`" + ` (a fresh Cloud Build worker and ` + "`--no-cache`" + ` per build) or that a
repository publishing a Docker official image builds (` + "`generate-stackbrew-library.sh`" + `: bashbrew). A non-root USER's
mount needs its ` + "`uid`" + ` and ` + "`gid`" + `: a cache mount belongs to root otherwise. Where the repository's CI builds images
(a GitHub workflow, .gitlab-ci.yml, a root cloudbuild.yaml or Jenkinsfile), the finding says that the mount starts empty on each fresh CI builder and
pays there only when kept between jobs (` + "`layerwise build --cache-mounts`" + `). A published base
image — no CMD or ENTRYPOINT, nothing copied in, and either a toolchain's own variables (` + "`RUSTUP_HOME`" + `, ` + "`GOLANG_VERSION`" + `)
or an operating system's image (or scratch) kept in a directory per version — gets no mount: apt's
fix would take the docker-clean hook out of that image and of every image built FROM it, and such images are built
once per release on fresh builders, whose mounts are empty. For the same reason the stages the shipped image is
made of keep docker-clean: there the finding and the fix are about apt's lists alone (` + "`/var/lib/apt/lists`" + `,
which the hook does not touch) — without the hook every apt-get install in an image built FROM it, or in its
containers, would keep its downloads. Build stages get both mounts and the keep-cache step.`,
	Bad: `FROM node:20
COPY package.json package-lock.json ./
RUN npm ci`,
	Good: `FROM node:20
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci`,
	Check: func(in *Input) []Finding {
		return in.informIfOrderFirst(in.informIfManifestsOnly(in.informIfBuiltOnce(in.informIfOnlyFreshCI(in.informIfOnlyUncachedCI(checkCacheMount(in))))))
	},
	FixDockerfile: fixCacheMount,
	ImageEffects:  []ImageEffect{EffectCacheMounts},
})

func stageBase(in *Input, ins *dockerfile.Instruction) string {
	for _, s := range in.File.Stages {
		for _, x := range s.Instructions {
			if x == ins {
				for _, l := range in.lineage(s) {
					if l.BaseStage < 0 {
						return l.Base
					}
				}
			}
		}
	}
	return ""
}

// orderReported: LW101 reports the install of this RUN (sources copied
// before it).
func (in *Input) orderReported(ins *dockerfile.Instruction) bool {
	in.orderFindings()
	return in.orderLines[ins.Range.Start.Line] != 0
}

// orderFindings fills orderLines once: the installs LW101 reports, 1 for
// information, 2 for a warning (the order pays: a layer cache reuses the
// step once it comes first).
func (in *Input) orderFindings() {
	if in.orderLines != nil {
		return
	}
	in.orderLines = map[int]int{}
	for _, f := range CacheOrder.Check(in) {
		level := 1
		if f.Severity != Info {
			level = 2
		}
		for _, l := range f.Affects {
			in.orderLines[l] = max(in.orderLines[l], level)
		}
	}
}

// informIfOrderFirst makes a mount finding information where LW101 warns
// about the same install, re-run by the sources copied before it
// (reviews 27 and 28: two warnings for one cause, and once LW101's fix
// puts the install first it re-runs only when the manifests change, where
// this rule informs anyway). Where LW101 only informs (every build runs
// --no-cache, a CI without a layer cache), the mount is what pays: the
// warning stays.
func (in *Input) informIfOrderFirst(fs []Finding) []Finding {
	in.orderFindings()
	for i := range fs {
		if fs[i].Severity != Info && in.orderLines[fs[i].Range.Start.Line] == 2 {
			fs[i].Severity = Info
			if !strings.Contains(fs[i].Message, "LW101") { // (a compile's message says it already)
				fs[i].Message += " LW101 reports the order that re-runs it on every source change: with the install first, it re-runs only when the manifests change, and the mount pays then."
			}
		}
	}
	return fs
}

// informIfManifestsOnly makes the mount findings that are still warnings
// information where only package manifests come before the step
// (manifestsOnlyBefore): the dependency step as it should be, which
// re-runs only when they change (review 22, and 18–19 before it: a strict
// reader calls the mount noise on a step that re-runs once a month).
func (in *Input) informIfManifestsOnly(fs []Finding) []Finding {
	for i := range fs {
		if fs[i].Severity == Info {
			continue
		}
		if _, _, ins := in.instructionAt(fs[i].Range.Start.Line); ins != nil && ins.Run != nil {
			if line := in.manifestsOnlyBefore(ins); line > 0 {
				fs[i].Severity = Info
				fs[i].Message += fmt.Sprintf(" The step re-runs only when the manifests copied before it change (line %d): the mount pays then, fetching only what changed.", line)
			}
		}
	}
	return fs
}

func checkCacheMount(in *Input) []Finding {
	fs := checkCacheMounts(in)
	if in.noCachePolicy() {
		for i := range fs {
			fs[i].Severity = Info
			fs[i].Message += fmt.Sprintf(" But %s builds with no-cache on some runs, on builders that keep their state: a cache mount survives --no-cache, so it would carry what other builds left into those runs (add one with an id keyed by a build arg, or --no-cache-filter, by hand).", in.CIWorkflow)
		}
		return fs
	}
	for i := range fs {
		_, _, ins := in.instructionAt(fs[i].Range.Start.Line)
		if ins == nil || ins.Run == nil {
			continue
		}
		msg := fs[i].Message
		if what, dir, script := in.scriptDefeats(ins, func(d string) bool { return strings.Contains(msg, d) }); what != "" {
			// review 21 (Kaggle's clean-layer.sh ends every RUN)
			fs[i].Severity = Info
			fs[i].Message += fmt.Sprintf(" But the RUN runs %s, which empties %s (%s): a mount there keeps nothing until the script leaves it alone.", script, dir, what)
			continue
		}
		// the RUN empties the cache itself (cinema's `npm cache clean`
		// before `npm install`: review 26): the mount pays once that goes,
		// which the fix does
		base := stageBase(in, ins)
		for _, c := range ins.Run.Commands {
			if w, d := defeats(c, ins.State, base); w != "" && strings.Contains(msg, d) && !strings.Contains(fs[i].Message, "drop "+w) {
				fs[i].Message += fmt.Sprintf(" And drop %s from the RUN, which empties %s (the fix does).", w, d)
				break
			}
		}
		if cp := in.onlyAfterStageOutput(ins); cp != nil {
			// review 23 (EventualShop's final stage: `COPY --from=publish
			// /app/publish .`, then apt-get install curl): the order is
			// what makes it re-run, and the move is the first fix
			fs[i].Message += fmt.Sprintf(" But it re-runs on every source change only because it comes after line %d (`%s`), whose files it does not read: move it above that line, and it re-runs only when its base image or its own line changes.", cp.Range.Start.Line, short(cp.Original))
			continue
		}
		if in.headStep(ins) {
			// nothing of the context comes before it: it re-runs only
			// when its base image or its own line changes, and a mount
			// saves the download then (reviews 11 and 12: a strict reader
			// calls a warning there noise)
			fs[i].Severity = Info
			fs[i].Message += " The step re-runs only when its base image or its own line changes."
		}
	}
	return fs
}

func checkCacheMounts(in *Input) []Finding {
	if in.noMounts() != "" {
		return nil // the image's builder rejects RUN --mount
	}
	if in.officialImageSource() {
		// an official image's source: bashbrew builds some of them with
		// the classic builder (php declares no Builder: buildkit), where
		// RUN --mount fails, and apt's mount would take docker-clean out
		// of every image built FROM it
		return nil
	}
	if in.baseImageRole() {
		// a published base: apt's fix would take docker-clean out of every
		// image built FROM it, and its builds run once per release on
		// fresh builders, whose mounts are empty
		return nil
	}
	var out []Finding
	for _, s := range in.File.Stages {
		if in.windowsStage(s) {
			continue // Windows: other paths, no cache mounts in classic builds
		}
		for _, ins := range s.Instructions {
			seen := map[string]bool{}
			for _, inst := range runInstalls(ins) {
				t := inst.Tool
				if seen[t.Name] {
					continue
				}
				seen[t.Name] = true
				if t == toolMix && !pkgmgr.MixFetches(inst.Cmd) {
					continue // compile, release: they download nothing
				}
				if in.jsInstallsNothing(ins, inst) {
					continue // a package.json without dependencies
				}
				if v := cacheOffByEnv(inst, ins.State); v != "" {
					// the environment turns the cache off on purpose: a
					// mount beside it would keep nothing
					continue
				}
				if (t == toolPip || t == toolUv) && inst.Cmd.HasArg("--no-index", "--offline") {
					// wheels from a local directory (nameko's
					// `--no-index -f /wheelhouse`: review 26): nothing is
					// downloaded, nothing cached
					continue
				}
				if allSmall(ins, t) || (inst.Compile && in.headStep(ins)) || in.projectOnlyInstall(ins, t) {
					// a package manager, one pinned package, small runtime
					// helpers or a local tarball: a mount would save a
					// second or two wherever it runs (review 11: frappe's
					// `npm install -g yarn`); a compile that nothing of the
					// context comes before (a checksummed download built)
					// re-runs only when its base or its own line changes
					continue
				}
				if t == toolApt {
					if f, ok := aptMountFinding(in, ins, inst); ok {
						out = append(out, f)
					}
					continue
				}
				dirs := mountable(in, ins, inst, uncovered(in, ins, inst))
				if len(dirs) == 0 {
					continue
				}
				// LW101's fix puts a dependency step before the sources,
				// which fills the store in its layer, where a mount here
				// would hide it (review 27: the two pieces of advice read
				// as one conflicted); until it is applied, the mount pays
				orderFirst := ""
				if st := storeDirOf(in, ins, inst); st != "" && inst.Compile && slices.Contains(dirs, st) && in.orderReported(ins) {
					rest := "only the other caches belong in a mount here"
					if len(dirs) == 1 {
						rest = "this step needs no mount"
					}
					orderFirst = fmt.Sprintf(" Once LW101's dependency step goes in first (layerwise fix does that), it keeps %s in its layer, and %s.", st, rest)
				}
				guess := ""
				if ins.State.HomeGuessed && strings.HasPrefix(dirs[0], ins.State.Home) {
					guess = fmt.Sprintf(" (HOME assumed %s for USER %s: check the image's /etc/passwd)", ins.State.Home, ins.State.User)
				}
				// a cache mount is root's unless uid/gid say otherwise: a
				// non-root USER needs its own (npm ci as USER node fails
				// with EACCES on a root-owned /home/node/.npm)
				owner := ""
				if !ins.State.IsRoot() {
					owner = ",uid=<uid>,gid=<gid>"
					if uid, gid := mountIDs(in, ins); isNumber(uid) && isNumber(gid) { // BuildKit takes numbers only
						owner = ",uid=" + uid + ",gid=" + gid
					}
				}
				var add []string
				for _, d := range dirs {
					add = append(add, "`--mount=type=cache,target="+d+owner+"`")
				}
				if owner == ",uid=<uid>,gid=<gid>" {
					guess += fmt.Sprintf(" (with USER %s's uid and gid: a cache mount belongs to root otherwise)", ins.State.User)
				}
				what := "its cache in " + dirs[0]
				if len(dirs) > 1 {
					what = "caches in " + strings.Join(dirs, " and ")
				}
				msg := fmt.Sprintf("`%s` keeps %s, which no cache mount keeps between builds: add %s%s.",
					inst, what, strings.Join(add, " "), guess)
				if t == toolApk && dirs[0] == pkgmgr.ApkCacheDir {
					// apk caches packages only where /etc/apk/cache
					// exists, which no Alpine image has (review 14)
					msg = fmt.Sprintf("`%s` downloads every package again on each run (apk keeps packages only where %s exists, which the image lacks): add %s%s, which makes it exist and keeps it out of the layer.",
						inst, pkgmgr.ApkCacheDir, strings.Join(add, " "), guess)
				}
				if flag, instead := cacheOffFlag(inst); flag != "" {
					// it keeps no cache at all: say what it does, and
					// what the rewrite changes besides the mount
					msg = fmt.Sprintf("`%s` keeps no cache (%s), so every run downloads every package again: add %s and %s%s; the mount keeps the cache out of the layer.",
						inst, flag, strings.Join(add, " "), instead, guess)
				}
				again := "each re-run of this step downloads every package again"
				if t == toolGo && len(dirs) == 1 && dirs[0] != storeDirOf(in, ins, inst) {
					// Go's build cache alone: compiled packages, no
					// downloads (review 27: the message said downloads)
					again = "each re-run of this step compiles every package again"
				}
				f := in.at(ins, msg+orderFirst+in.ciMountNote(), Cost{
					Invalidates: again,
					Seconds:     t.Seconds / 2, Basis: "static",
				})
				f.Affects = []int{ins.Range.Start.Line}
				out = append(out, f)
			}
		}
	}
	return out
}

// cacheOffFlag is the flag by which the install keeps no cache (apk's
// --no-cache, pip's --no-cache-dir), and what the fix does with it.
func cacheOffFlag(inst *Install) (flag, instead string) {
	switch {
	case inst.Tool == toolApk && inst.Cmd.HasArg("--no-cache"):
		return "--no-cache", "use --update-cache instead of --no-cache (the index stays fresh)"
	case (inst.Tool == toolPip || inst.Tool == toolUv) && inst.Cmd.HasArg("--no-cache-dir", "--no-cache"):
		f := "--no-cache-dir"
		if !inst.Cmd.HasArg(f) {
			f = "--no-cache"
		}
		return f, "drop " + f
	}
	return "", ""
}

// commandEnv is the environment an install's command sets for itself: the
// `export NAME=value` commands of the RUN before it (kanidm's `export
// CARGO_HOME=/cargo &&` under a cache mount on /cargo: review 25), then its
// own assignments in front of it.
func commandEnv(inst *Install) []string {
	return append(slices.Clone(inst.Cmd.Exported), inst.Cmd.Env...)
}

// toolCacheDirs are the cache directories an install reads or writes,
// first the one to name. Most tools have one cache (the others listed are
// where it may be instead); go has two that a compile both needs: it reads
// the modules from the module cache (a `go mod download` whose cache is a
// mount leaves the image's module cache empty, so a `go build` without the
// same mount downloads everything again) and writes the build cache.
func toolCacheDirs(in *Input, ins *dockerfile.Instruction, inst *Install) []string {
	// the command's own flag names its cache (ArchiveBox's `npm install
	// --cache /home/archivebox/.npm_cache`, a cache mount: review 14;
	// the default ~/.npm there is npm's global prefix, which a mount
	// would take out of the image)
	if f, ok := cacheDirFlags[inst.Tool]; ok {
		for i, a := range inst.Cmd.Args {
			v, ok := strings.CutPrefix(a, f+"=")
			if !ok && a == f && i+1 < len(inst.Cmd.Args) {
				v, ok = inst.Cmd.Args[i+1], true
			}
			if !ok {
				continue
			}
			v = ins.State.Expand(strings.Trim(v, `"'`))
			if !path.IsAbs(v) || strings.Contains(v, "$") {
				return nil // somewhere this cannot tell
			}
			return []string{path.Clean(v)}
		}
	}
	if inst.Tool == toolYarn {
		if v, ok := ins.State.WithAssignments(commandEnv(inst)).Getenv("YARN_CACHE_FOLDER"); ok && path.IsAbs(v) {
			return []string{path.Clean(v)} // the command's own (review 19)
		}
		return yarnCacheDirs(in, ins)
	}
	if inst.Tool == toolMaven {
		// the local repository is where settings say: -Dmaven.repo.local
		// names it; a settings file (-s) may move it anywhere (the maven
		// image's settings-docker.xml does), so no mount is guessed
		for _, a := range inst.Cmd.Args {
			if v, ok := strings.CutPrefix(a, "-Dmaven.repo.local="); ok && path.IsAbs(v) {
				return []string{path.Clean(v)}
			}
		}
		if inst.Cmd.HasArg("-s", "--settings", "-gs", "--global-settings") || hasArgPrefix(inst.Cmd, "--settings=") {
			return nil
		}
	}
	base := stageBase(in, ins)
	if inst.Tool == toolGo && (base == "" || strings.Contains(base, "$")) {
		if _, set := ins.State.Getenv("GOPATH"); !set {
			// a base named by a build arg (skywalking's
			// ${SW_AGENT_GO_IMAGE}): where its GOPATH puts the modules
			// is not known here (/go in golang's images, ~/go
			// otherwise), and a mount elsewhere keeps nothing (review 13)
			return nil
		}
	}
	dirs := inst.Tool.CacheDirs(ins.State.WithAssignments(commandEnv(inst)), base)
	if inst.Tool == toolGo && len(dirs) == 2 && !inst.Compile && first(inst.Cmd) == "mod" && len(inst.Cmd.Positional()) > 1 && inst.Cmd.Positional()[1] == "tidy" {
		// go mod tidy compiles nothing; before a go mod vendor, or
		// after one, the build reads ./vendor and no module cache
		if in.vendoredBefore(ins) || strings.Contains(ins.Run.Script, "mod vendor") {
			return nil
		}
		return dirs[:1]
	}
	if inst.Tool == toolGo && len(dirs) == 2 && (pkgmgr.Vendored(inst, ins.State) || in.vendoredBefore(ins)) {
		if inst.Cmd.HasArg("-a") {
			return nil // no module cache, and -a reads no build cache (review 27)
		}
		return dirs[1:] // builds from ./vendor: the build cache alone
	}
	if inst.Tool == toolGo && len(dirs) == 2 && inst.Cmd.HasArg("-a") {
		// go build -a rebuilds every package and reads no build cache
		return dirs[:1]
	}
	if inst.Tool == toolGo && len(dirs) == 2 && !inst.Compile {
		return dirs[:1]
	}
	if inst.Tool == toolGo && len(dirs) == 2 && (in.compiledInLayerBefore(ins, dirs[1]) || in.compiledAfter(in.stageOf(ins), ins)) {
		// an earlier RUN compiled into the build cache of its layer on
		// purpose (photoview's `go install github.com/mattn/go-sqlite3`
		// warms cgo's packages): a mount here would hide that cache and
		// start empty on a fresh builder (review 15)
		return dirs[:1]
	}
	return dirs
}

// cacheDirFlags: the flag that names a tool's cache directory on its
// command line.
var cacheDirFlags = map[*pkgmgr.Tool]string{
	toolNpm: "--cache", toolPip: "--cache-dir", toolYarn: "--cache-folder", toolPnpm: "--store-dir",
}

// compiledAfter: a later RUN of the stage compiles Go after the sources
// come: ins, before them, warms the build cache in its layer for it (and
// takes no mount, so that the rule says the same of both before and after
// its fix).
func (in *Input) compiledAfter(s *dockerfile.Stage, ins *dockerfile.Instruction) bool {
	if s == nil {
		return false
	}
	after, sources := false, false
	for _, x := range s.Instructions {
		if x == ins {
			after = true
			continue
		}
		if !after {
			if in.broadCopy(x) || copiesWholeContext(x) {
				return false // the sources came before it: no warming step
			}
			continue
		}
		sources = sources || in.broadCopy(x) || copiesWholeContext(x)
		for _, i := range runInstalls(x) {
			if sources && i.Tool == toolGo && i.Compile {
				return true
			}
		}
	}
	return false
}

// compiledInLayerBefore: an earlier RUN of the lineage runs a Go compile
// (go build, go install) with no cache mount on dir, and the sources come
// between it and ins: it compiled the dependencies into the build cache of
// its layer, which ins reuses.
func (in *Input) compiledInLayerBefore(ins *dockerfile.Instruction, dir string) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	warmed := false
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return false
		}
		if warmed && (in.broadCopy(x) || copiesWholeContext(x)) {
			return true // the sources came after it: it compiled the dependencies
		}
		for _, i := range runInstalls(x) {
			if i.Tool == toolGo && i.Compile && coveringMount(x, dir) == nil {
				warmed = true
			}
		}
		// a script of the context that compiles (linkerd-style
		// `./bin/install-deps $TARGETARCH`, whose `go build` of the
		// slow dependencies fills the build cache of the layer)
		if coveringMount(x, dir) == nil {
			for _, sc := range in.contextScripts(x) {
				for _, c := range sc.cmds {
					if i := Classify(c); i != nil && i.Tool == toolGo && i.Compile {
						warmed = true
					}
				}
			}
		}
	}
	return false
}

// yarnCacheDirs: yarn 1 (classic) keeps its cache in
// /usr/local/share/.cache/yarn when it runs as root and in
// $XDG_CACHE_HOME/yarn otherwise; yarn 4 in ~/.yarn/berry/cache; yarn 2 and
// 3 in the project's .yarn/cache, which a mount would hide (zero-installs
// copy it in from the context): no mount for those. The flavour is read
// from the context (.yarnrc.yml, package.json's packageManager).
func yarnCacheDirs(in *Input, ins *dockerfile.Instruction) []string {
	if v, ok := ins.State.Getenv("YARN_CACHE_FOLDER"); ok && v != "" {
		return []string{path.Clean(v)}
	}
	// the package.json of the directory the install runs in (pgadmin's
	// web/, yarn@4 through corepack: review 17), else the context's root
	dir := ""
	if s := in.stageOf(ins); s != nil {
		if d, ok := in.nodeContextDir(s, path.Clean(ins.State.Workdir)); ok {
			dir = strings.Trim(d, "/")
		}
	}
	join := func(n string) string { return strings.TrimPrefix(path.Join(dir, n), "/") }
	pm := ""
	if data, err := in.readContextFile(join("package.json")); err == nil {
		var pj struct {
			PackageManager string `json:"packageManager"`
		}
		if json.Unmarshal(data, &pj) == nil {
			pm = pj.PackageManager
		}
	}
	major := 0
	if v, ok := strings.CutPrefix(pm, "yarn@"); ok {
		fmt.Sscanf(v, "%d", &major)
	}
	berry := major >= 2 || in.contextHas(join(".yarnrc.yml"))
	switch {
	case berry && major >= 4 && yarnPnP(in, join(".yarnrc.yml")):
		// Plug'n'Play reads the packages out of the global cache when
		// the app runs: a store the image needs, never a mount
		return nil
	case berry && major >= 4:
		return []string{path.Join(ins.State.Home, ".yarn/berry/cache")}
	case berry:
		return nil
	}
	if user, known := in.effectiveUser(ins); known {
		st := *ins.State
		st.User = user
		if st.IsRoot() {
			return []string{"/usr/local/share/.cache/yarn"}
		}
	}
	return []string{path.Clean(pkgmgr.XDGCache(ins.State) + "/yarn")}
}

// yarnPnP reports whether yarn 2+ installs for Plug'n'Play, its default:
// .yarnrc.yml sets no other nodeLinker (node-modules, pnpm).
func yarnPnP(in *Input, rc string) bool {
	data, err := in.readContextFile(rc)
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "nodeLinker:"); ok {
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			return v != "node-modules" && v != "pnpm"
		}
	}
	return true
}

// neededDirs are the cache directories an install needs mounted: for go
// all of toolCacheDirs, for the others the first (the rest are places the
// same cache may be).
func neededDirs(in *Input, ins *dockerfile.Instruction, inst *Install) []string {
	dirs := toolCacheDirs(in, ins, inst)
	if inst.Tool == toolGo || len(dirs) <= 1 {
		return dirs
	}
	return dirs[:1]
}

// uncovered lists the cache directories an install needs that no cache
// mount of its RUN covers (a tool with alternatives is covered by a mount on
// any of them).
func uncovered(in *Input, ins *dockerfile.Instruction, inst *Install) []string {
	all := toolCacheDirs(in, ins, inst)
	if len(all) == 0 {
		return nil
	}
	if inst.Tool != toolGo {
		if anyCovered(ins, all) {
			return nil
		}
		return all[:1]
	}
	var out []string
	for _, d := range all {
		if !mountCovers(ins, d) {
			out = append(out, d)
		}
	}
	return out
}

func anyCovered(ins *dockerfile.Instruction, dirs []string) bool {
	for _, d := range dirs {
		if mountCovers(ins, d) {
			return true
		}
	}
	return false
}

// aptMountFinding checks apt-get install: /var/cache/apt and /var/lib/apt
// mounted, sharing=locked.
func aptMountFinding(in *Input, ins *dockerfile.Instruction, inst *Install) (Finding, bool) {
	var missing, unlocked []string
	for _, d := range aptMountDirs(in, ins) {
		m := coveringMount(ins, d)
		switch {
		case m == nil:
			missing = append(missing, d)
		case m.Sharing != "locked":
			unlocked = append(unlocked, d)
		}
	}
	if len(missing) == 0 && len(unlocked) == 0 {
		return Finding{}, false
	}
	var msg string
	if len(missing) > 0 && in.keepsCleanHook(ins) {
		msg = fmt.Sprintf("`%s` downloads the package lists into %s, which no cache mount keeps: add `--mount=type=cache,target=%s,sharing=locked`. (The packages themselves are deleted by the base image's docker-clean hook, which this stage keeps: it is part of the image%s, and without the hook every apt-get install in an image built FROM it, or in its containers, would keep its downloads.) Install in a build stage to cache the packages too.",
			inst, strings.Join(missing, " and "), missing[0], in.extendedBy()) + in.ciMountNote()
	} else if len(missing) > 0 {
		msg = fmt.Sprintf("`%s` downloads packages into %s, which no cache mount keeps: add `--mount=type=cache,target=%s,sharing=locked` for each (and keep apt's downloads: remove the docker-clean hook that empties the cache and set Binary::apt::APT::Keep-Downloaded-Packages, which the apt command turns off).",
			inst, strings.Join(missing, " and "), missing[0]) + in.ciMountNote()
		if m := otherMountOver(ins, missing); m != nil {
			msg = fmt.Sprintf("`%s` downloads packages into %s, where its %s mount keeps them out of the layer but keeps nothing for the next build: a cache mount in its place (`--mount=type=cache,target=%s,sharing=locked` for each, with apt's docker-clean hook removed and Binary::apt::APT::Keep-Downloaded-Packages set) keeps them between builds.",
				inst, strings.Join(missing, " and "), m.Type, missing[0]) + in.ciMountNote()
		}
	} else {
		msg = fmt.Sprintf("the apt cache mount on %s has no `sharing=locked`: concurrent builds corrupt apt's cache or wait on its lock.", strings.Join(unlocked, " and "))
	}
	f := in.at(ins, msg, Cost{Invalidates: "each re-run of this step downloads every package again", Seconds: toolApt.Seconds / 2, Basis: "static"})
	f.Affects = []int{ins.Range.Start.Line}
	return f, true
}

// officialImageSource: the Dockerfile is a Docker official image's source
// (docker-library's header: "NOTE: THIS DOCKERFILE IS GENERATED VIA
// apply-templates.sh"), an image the world builds FROM.
func (in *Input) officialImageSource() bool {
	for i, l := range in.File.Lines {
		if i > 10 {
			break
		}
		if strings.Contains(l, "THIS DOCKERFILE IS GENERATED VIA") {
			return true
		}
	}
	return false
}

// ciMountNote completes the advice where CI builds the images: a cache
// mount starts empty on every fresh CI builder, so there it pays only
// when something keeps it between jobs.
func (in *Input) ciMountNote() string {
	if in.CIWorkflow == "" || in.onlyUncachedCI() || in.onlyFreshCI() {
		return "" // (informIfOnlyUncachedCI or informIfOnlyFreshCI says it)
	}
	return fmt.Sprintf(" %s builds this image on fresh CI builders, where a cache mount starts empty: keep it between jobs (`layerwise build --cache-mounts`, which `layerwise generate ci` wires in) or it pays only on developers' machines.", in.CIWorkflow)
}

// baseImageRole: the Dockerfile makes an image others build FROM — a
// published base such as dotnet's runtime-deps or the rust image, outside
// docker-library's header —, not a service: its final stage sets no CMD
// or ENTRYPOINT of its own and copies nothing from the context but
// scripts, on an operating system's image or as a toolchain image.
func (in *Input) baseImageRole() bool {
	final := in.finalStage()
	if final == nil {
		return false
	}
	scratch := in.rootBase(final).IsScratch()
	toolchain := false
	for _, x := range in.lineageInstructions(final) {
		if c, ok := x.Cmd.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				toolchain = toolchain || toolchainEnv.MatchString(kv.Key)
			}
		}
	}
	for _, x := range in.lineageInstructions(final) {
		switch x.Kind {
		case "CMD", "ENTRYPOINT":
			return false
		}
		if x.Copy == nil {
			continue
		}
		if x.Copy.From != "" {
			// an artifact built in another stage: an application,
			// unless the image is assembled that way — FROM scratch
			// (dotnet's chiseled runtime-deps copy a root filesystem) or
			// as a toolchain (dotnet's sdk copies /dotnet from its
			// installer stage and sets DOTNET_SDK_VERSION)
			if !scratch && !toolchain {
				return false
			}
			continue
		}
		for _, src := range x.Copy.Sources {
			if b := path.Base(src); !strings.HasSuffix(b, ".sh") && !strings.Contains(strings.ToLower(b), "entrypoint") {
				return false
			}
		}
	}
	// a toolchain's own variables (the rust image's RUSTUP_HOME,
	// RUST_VERSION), or an operating system (or scratch) in a directory
	// per version, as generated images are kept
	// (src/runtime-deps/9.0/noble/amd64/Dockerfile). An operating system
	// plus packages and an ENV alone is also what a tool image run with
	// `docker run img cmd` is: not enough.
	if toolchain {
		return true
	}
	return (osImage(in.rootBase(final).Base) || scratch) && versionedDir.MatchString("/"+path.Dir(in.Dockerfile)+"/")
}

// toolchainEnv are the variables a published toolchain image sets for the
// images built FROM it.
var toolchainEnv = regexp.MustCompile(`^(RUSTUP_HOME|GOROOT|[A-Z]+_SDK_VERSION|(RUST|GOLANG|NODE|PYTHON|JAVA|DOTNET|RUBY|PHP|ERLANG|ELIXIR)_VERSION)$`)

// versionedDir: a directory of the path is a version (9.0, 1.85.0, 3.12-rc).
var versionedDir = regexp.MustCompile(`/v?\d+(\.\d+)+(-[a-z0-9]+)?/`)

// osImages are the operating systems' own images, by the last element of
// their repository path (docker.io/library/debian, a mirror's
// ubuntu.azurecr.io/ubuntu, mcr.microsoft.com/azurelinux/base/core).
var osImages = map[string]bool{
	"debian": true, "ubuntu": true, "alpine": true, "fedora": true, "centos": true, "rockylinux": true,
	"almalinux": true, "amazonlinux": true, "oraclelinux": true, "archlinux": true, "busybox": true,
	"buildpack-deps": true, "ubi": true, "ubi8": true, "ubi9": true, "ubi-minimal": true, "leap": true,
	"tumbleweed": true, "core": true, "photon": true, "clearlinux": true,
}

func osImage(ref string) bool {
	name, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return osImages[path.Base(name)]
}

func coveringMount(ins *dockerfile.Instruction, dir string) *dockerfile.Mount {
	if ins.Run == nil {
		return nil
	}
	for i := range ins.Run.Mounts {
		m := &ins.Run.Mounts[i]
		if m.Type != "cache" {
			continue
		}
		one := &dockerfile.Instruction{Run: &dockerfile.Run{Mounts: []dockerfile.Mount{*m}}, State: ins.State}
		if mountCovers(one, dir) {
			return m
		}
	}
	return nil
}

// otherMountOver is a mount of the RUN other than a cache mount (a tmpfs,
// a bind) whose target overlaps one of dirs (nil when none does).
func otherMountOver(ins *dockerfile.Instruction, dirs []string) *dockerfile.Mount {
	for i := range ins.Run.Mounts {
		m := &ins.Run.Mounts[i]
		if m.Type == "cache" || m.Target == "" {
			continue
		}
		for _, d := range dirs {
			if overlaps(absIn(ins, m.Target), d) {
				return m
			}
		}
	}
	return nil
}

// missingMounts lists the cache directories a RUN's installs need and no
// mount of it covers (apt reported apart: it needs two locked mounts).
func missingMounts(in *Input, ins *dockerfile.Instruction) (dirs []string, apt bool) {
	seen := map[string]bool{}
	for _, inst := range runInstalls(ins) {
		t := inst.Tool
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		if t == toolApt {
			for _, d := range aptMountDirs(in, ins) {
				if coveringMount(ins, d) == nil {
					apt = true
				}
			}
			continue
		}
		for _, d := range mountable(in, ins, inst, uncovered(in, ins, inst)) {
			if !contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs, apt
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// aptKeepCache is the RUN that makes Debian's apt keep downloaded packages
// (the images' docker-clean hook deletes them after every install, which
// would leave a cache mount empty).
const aptKeepCache = `RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache`

// fixCacheMount adds the missing cache mounts to the RUN. It mounts only
// what the RUN alone reads: download and compiler caches, and a package
// store that no other step and not the running container reads (mountable
// leaves the others out: they stay in the layer, where a registry cache
// carries them to a fresh builder). Commands that would empty a mounted
// cache are cut in the same rewrite; when one cannot be cut exactly, or a
// command would remove a mount point (BuildKit cannot: "Device or resource
// busy"), no mount is added.
func fixCacheMount(in *Input, f Finding) (*Fix, string) {
	if in.noCachePolicy() {
		return nil, in.CIWorkflow + " builds with no-cache on some runs, on builders that keep their state: a cache mount would survive it"
	}
	s, idx, ins := in.instructionAt(f.Range.Start.Line)
	if ins == nil || ins.Run == nil {
		return nil, "instruction not found"
	}
	if ins.Run.MountError != "" {
		// its mounts cannot be read, so whether one covers a cache cannot
		// be told (found by fuzzing: the fix kept adding mounts)
		return nil, "a --mount flag of the RUN does not parse (" + ins.Run.MountError + "): fix it first"
	}
	dirs, apt := missingMounts(in, ins)
	if len(dirs) == 0 && !apt {
		return nil, "nothing to mount"
	}
	if a, b := systemTools(ins); b != "" {
		// `if [ alpine ]; then apk add …; else apt-get install …; fi`
		// (review 30: KurrentDB's test stage): apt's keep-cache step
		// before it would fail on the Alpine base
		return nil, fmt.Sprintf("the RUN installs with %s or %s, whichever the base has: which one runs is decided at build time", a, b)
	}
	if what, dir, script := in.scriptDefeats(ins, func(d string) bool {
		for _, t := range append(aptMountDirs(in, ins), dirs...) {
			if underDir(d, t) || underDir(t, d) {
				return true
			}
		}
		return false
	}); what != "" {
		return nil, fmt.Sprintf("the RUN runs %s, which empties %s (%s): change the script first", script, dir, what)
	}
	if why := mountableAsUser(in, ins, dirs); why != "" {
		if !apt {
			return nil, why
		}
		// apt's mounts need no user: its cache paths do not depend on
		// HOME, and a RUN that runs apt-get itself (not through sudo,
		// which Classify does not read as apt) runs as root in any build
		// that works, so the keep-cache RUN before it may write /etc/apt
		// too. The other tools' caches wait until the user is known.
		if _, known := in.effectiveUser(ins); known {
			return nil, why
		}
		dirs = nil
	}
	aptDirs := aptMountDirs(in, ins)
	if apt {
		for _, d := range aptDirs {
			if m := coveringMount(ins, d); m != nil && m.Sharing != "locked" {
				return nil, "an apt cache mount without sharing=locked is already there: add sharing=locked to it by hand"
			}
		}
	}
	var flags, targets []string
	for _, d := range dirs {
		flag := "--mount=type=cache,target=" + d + sharedID(in, d) + mountOwner(in, ins)
		if d == apkCacheDir {
			// stages of one build run apk side by side on the shared
			// cache: one at a time, as apt's
			flag += ",sharing=locked"
		}
		flags = append(flags, flag)
		targets = append(targets, d)
	}
	if apt {
		for _, d := range aptDirs {
			if coveringMount(ins, d) == nil {
				flags = append(flags, "--mount=type=cache,target="+d+",sharing=locked")
				targets = append(targets, d)
			}
		}
	}
	e := newRunEdit(in.File, ins)
	mounted := func(dir string) bool {
		if mountCovers(ins, dir) {
			return true
		}
		for _, t := range targets {
			if underDir(dir, t) {
				return true
			}
		}
		return false
	}
	if why := e.dropDefeats(stageBase(in, ins), mounted); why != "" {
		return nil, fmt.Sprintf("line %d empties the cache it would mount, and %s", ins.Range.Start.Line, why)
	}
	if m := otherMountOver(ins, targets); m != nil {
		// BuildKit mounts them in order: a tmpfs after the cache mount
		// would hide it, one before it be hidden (review 22: envoy's
		// tmpfs on apt's directories)
		return nil, fmt.Sprintf("the RUN already mounts a %s on %s: replace it with the cache mount by hand", m.Type, m.Target)
	}
	if c, t, ok := removesMountPoint(e.want, targets, ins.State); ok {
		return nil, fmt.Sprintf("`%s` would remove the mount point %s, which fails in a build with the mount (\"Device or resource busy\"): remove only what is inside it (%s/*), or exclude it, and the mount can be added", shortCmd(c), t, t)
	}
	if !e.insertFlags(strings.Join(flags, " ")) {
		return nil, "the RUN keyword could not be located"
	}
	lines, err := e.result()
	if err != nil {
		return nil, err.Error()
	}
	kinds := []string{"RUN"}
	if apt && !in.keepsCleanHook(ins) && !keepsAptCache(s.Instructions[:idx], in.lineage(s)[1:]) {
		// with docker-clean gone, a later apt install that gets no cache
		// mount keeps its .debs in its layer (review 25: dependabot's
		// nodejs RUNs, refused for their `rm -rf ~/.npm`)
		if why := in.laterAptLeftOut(s, ins); why != "" {
			return nil, why
		}
		if final := in.finalStage(); final != nil && in.CIPublishes && slices.Contains(in.lineage(final), s) {
			// the image others pull and extend would keep apt's
			// downloads in every layer of theirs that installs a
			// package (reviews 26 and 28: sftpgo, CTFd, guacamole)
			return nil, fmt.Sprintf("%s publishes this image, and the stage is part of it: without docker-clean, every image built FROM it would keep apt's downloads in its layers; mount apt's cache in a build stage, or leave this one as it is", in.CIWorkflow)
		}
		lines = append([]string{strings.Repeat(" ", ins.Range.Start.Col-1) + keywordAsWritten(in.File, ins) + strings.TrimPrefix(aptKeepCache, "RUN")}, lines...)
		kinds = append(kinds, "RUN")
	}
	return &Fix{Description: "add cache mounts: " + strings.Join(targets, ", "), File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: ins.Range.Start.Line, EndLine: ins.Range.End.Line, Text: joinLines(lines), Kinds: kinds}}}, ""
}

// mountable are the directories among dirs that a cache mount on the RUN
// may hold: all but a package store that has to stay in a layer.
func mountable(in *Input, ins *dockerfile.Instruction, inst *Install, dirs []string) []string {
	var out []string
	noModules := inst.Tool == toolGo && (!in.contextHasManifestOf(toolGo) || in.goRequiresNothing() || in.goDownloadsNothing(ins))
	for _, d := range dirs {
		if noModules && d == storeDirOf(in, ins, inst) {
			continue // no go.mod sent: a GOPATH or standard-library build fetches no module
		}
		if storeInLayer(in, ins, inst, d) == "" {
			out = append(out, d)
		}
	}
	return out
}

// storeInLayer says why dir, when it is the install's package store, must
// stay in the layers rather than in a cache mount ("" when a mount may hold
// it). A cache mount is a cache, not a store: it is empty on every fresh CI
// builder (BuildKit exports no cache mount, and the layers come back from
// a registry cache without it) and whenever BuildKit's garbage collector
// evicts it while keeping the layers. So a store may only be a mount when
// the RUN both fills and consumes it, and nothing after it reads it.
func storeInLayer(in *Input, ins *dockerfile.Instruction, inst *Install, dir string) string {
	offline := pkgmgr.Offline(inst, ins.State)
	if storeDirOf(in, ins, inst) != dir && !(offline && offlineDir(in, ins, inst) == dir) && !laterOfflineReader(in, ins, dir) && !pnpmFetchChain(in, ins, inst, dir) {
		return ""
	}
	if offline {
		return fmt.Sprintf("`%s` builds offline from what an earlier step left in %s", inst, dir)
	}
	s := in.stageOf(ins)
	if s == nil {
		return "its stage is not known"
	}
	for _, x := range in.lineageInstructions(s) {
		if _, st := copiesStore(in, x); st == dir && x.Copy.From != "" && !in.after(x, ins) && x != ins {
			return fmt.Sprintf("the COPY on line %d puts %s in its layer, which a mount here would hide", x.Range.Start.Line, dir)
		}
	}
	for _, x := range in.lineageRuns(s) {
		if x == ins {
			continue
		}
		if !in.after(x, ins) {
			if usesCache(in, x, dir) && mountCovers(x, dir) {
				return fmt.Sprintf("the RUN on line %d fills %s in a cache mount, which the next fresh builder finds empty", x.Range.Start.Line, dir)
			}
			if usesCache(in, x, dir) {
				return fmt.Sprintf("the RUN on line %d fills %s in its layer, which a mount here would hide", x.Range.Start.Line, dir)
			}
			continue
		}
		if usesCache(in, x, dir) {
			return fmt.Sprintf("the RUN on line %d reads %s after it: the packages stay in this step's layer, where a registry cache carries them to a fresh builder", x.Range.Start.Line, dir)
		}
		if c, opaque := opaqueCommand(x); opaque {
			return fmt.Sprintf("the RUN on line %d runs `%s`, which may read %s", x.Range.Start.Line, c, dir)
		}
	}
	return storeLeavesStage(in, s, dir)
}

// storeLeavesStage: the store at dir is read past the stage's RUNs — an
// image of its lineage runs the toolchain, or another stage copies it out
// ("" when neither).
func storeLeavesStage(in *Input, s *dockerfile.Stage, dir string) string {
	for _, t := range in.File.Stages {
		if !slices.Contains(in.lineage(t), s) {
			continue
		}
		if in.runsSDK(t) {
			return fmt.Sprintf("the image of stage %s runs the toolchain, which reads %s at run time", stageLabel(t), dir)
		}
		// another stage copies the store out of this one
		for _, u := range in.File.Stages {
			for _, x := range u.Instructions {
				if x.Copy == nil || x.Copy.FromStage != t.Index {
					continue
				}
				for _, src := range x.Copy.SourcesExpanded {
					p := path.Clean("/" + src)
					if underDir(p, dir) || underDir(dir, p) {
						return fmt.Sprintf("the COPY --from on line %d copies %s out of the stage", x.Range.Start.Line, p)
					}
				}
			}
		}
	}
	return ""
}

// scriptDefeats: the RUN runs a script that a COPY or ADD put in the image
// from the build context (`&& /tmp/clean-layer.sh`, `bash scripts/x.sh`),
// and a command of that script empties or bypasses a tool cache (LW103's
// defeats): what it does, the directory, and the script as the RUN names
// it ("" when none does), for a directory that concerns says matters.
func (in *Input) scriptDefeats(ins *dockerfile.Instruction, concerns func(dir string) bool) (what, dir, script string) {
	base := stageBase(in, ins)
	for _, sc := range in.contextScripts(ins) {
		for _, c := range sc.cmds {
			if w, d := defeats(c, ins.State, base); w != "" && concerns(d) {
				return w + " in " + sc.src, d, sc.run
			}
		}
	}
	return "", "", ""
}

// contextScript is a script of the build context a RUN runs: the path the
// RUN names, the context file, and its commands.
type contextScript struct {
	run, src string
	cmds     []dockerfile.Command
}

// contextScripts are the scripts of the build context that a RUN runs
// (`./bin/install-deps`, `bash /tmp/clean-layer.sh`), where a COPY of the
// lineage put them, with their commands as the model reads a RUN's.
func (in *Input) contextScripts(ins *dockerfile.Instruction) []contextScript {
	if ins.Run == nil {
		return nil
	}
	var out []contextScript
	for _, c := range ins.Run.Commands {
		p := c.Name
		if n := path.Base(c.Name); (n == "bash" || n == "sh") && len(c.Args) > 0 && !strings.HasPrefix(c.Args[0], "-") {
			p = c.Args[0]
		}
		if !strings.Contains(p, "/") && !strings.HasSuffix(p, ".sh") {
			continue
		}
		src := in.copiedFromContext(ins, p)
		if src == "" {
			continue
		}
		data, err := in.readContextFile(src)
		if err != nil {
			continue
		}
		cmds, err := dockerfile.ParseScript(string(data))
		if err != nil {
			continue
		}
		out = append(out, contextScript{run: p, src: src, cmds: cmds})
	}
	return out
}

// copiedFromContext is the context path a COPY or ADD before ins (in its
// lineage) put at the image path p (relative to the RUN's WORKDIR), ""
// when none did. (contextDirOf answers for a directory, over an ignore
// rewrite's entries; this one for a file, which must be in the context.)
func (in *Input) copiedFromContext(ins *dockerfile.Instruction, p string) string {
	if !path.IsAbs(p) {
		p = path.Join(cmp.Or(ins.State.Workdir, "/"), p)
	}
	p = path.Clean(p)
	s := in.stageOf(ins)
	if s == nil {
		return ""
	}
	found := ""
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			break
		}
		if x.Copy == nil || !x.Copy.FromContext() {
			continue
		}
		dest := x.Copy.Dest
		if !path.IsAbs(dest) {
			dest = path.Join(cmp.Or(x.State.Workdir, "/"), dest)
		}
		srcs := x.Copy.ContextSources()
		for _, src := range srcs {
			src = strings.TrimPrefix(path.Clean("/"+src), "/")
			switch {
			case strings.Contains(src, "$"):
			case strings.ContainsAny(src, "*?["):
				// package*.json into a directory: the file of p's name
				if ok, _ := path.Match(path.Base(src), path.Base(p)); ok && path.Dir(p) == path.Clean(dest) {
					if c := path.Join(path.Dir(src), path.Base(p)); in.contextHas(c) {
						found = c
					}
				}
			case src == "" || in.isDirSource(src):
				// a directory's content goes into dest
				if rel, ok := strings.CutPrefix(p, strings.TrimSuffix(path.Clean(dest), "/")+"/"); ok {
					if c := strings.TrimPrefix(path.Join(src, rel), "/"); in.contextHas(c) {
						found = c
					}
				}
			default:
				target := path.Clean(dest)
				if strings.HasSuffix(x.Copy.Dest, "/") || len(srcs) > 1 {
					target = path.Join(dest, path.Base(src))
				}
				if target == p {
					found = src
				}
			}
		}
	}
	return found
}

// jsInstallsNothing: an npm install from the manifest (npm ci, npm
// install) whose package-lock.json, as the COPYs before it put it in the
// install's directory, locks no package but the project itself: it
// downloads nothing (review 22: speedscale's node-auth, a package.json
// without dependencies). A lock file that says neither is not evidence.
func (in *Input) jsInstallsNothing(ins *dockerfile.Instruction, inst *Install) bool {
	if inst.Tool != toolNpm || !inst.FromManifest || len(pkgmgr.JSPositional(inst.Cmd)) > 1 {
		return false
	}
	src := in.copiedFromContext(ins, path.Join(cmp.Or(ins.State.Workdir, "/"), "package-lock.json"))
	if src == "" {
		return false
	}
	data, err := in.readContextFile(src)
	if err != nil {
		return false
	}
	var lock struct {
		Packages     map[string]json.RawMessage `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return false
	}
	switch {
	case lock.Packages != nil: // lockfileVersion 2 and 3: "" is the project
		_, root := lock.Packages[""]
		return root && len(lock.Packages) == 1 && len(lock.Dependencies) == 0
	default:
		return false // version 1 or no lock: not known
	}
}

// storeDirOf is the install's package store ("" for a tool with none, or
// an install that reads none: a vendored Go build).
func storeDirOf(in *Input, ins *dockerfile.Instruction, inst *Install) string {
	if !inst.Tool.Store {
		return ""
	}
	dirs := toolCacheDirs(in, ins, inst)
	if len(dirs) == 0 {
		return ""
	}
	if inst.Tool == toolGo {
		if st := inst.Tool.StoreDir(ins.State, stageBase(in, ins)); contains(dirs, st) {
			return st
		}
		return ""
	}
	return dirs[0]
}

// offlineDir is the directory an offline install reads its packages
// from: the store of a tool that has one (a vendored Go build: none), the
// cache of one that keeps its store there (pnpm's).
func offlineDir(in *Input, ins *dockerfile.Instruction, inst *Install) string {
	if inst.Tool.Store {
		return storeDirOf(in, ins, inst)
	}
	return firstCacheDir(in, ins, inst)
}

func firstCacheDir(in *Input, ins *dockerfile.Instruction, inst *Install) string {
	if d := toolCacheDirs(in, ins, inst); len(d) > 0 {
		return d[0]
	}
	return ""
}

// pnpmFetchChain: dir is pnpm's store in a stage that runs `pnpm fetch`
// and then installs from what it fetched (LW101's fix for a workspace, and
// pnpm's own recipe). The fetch exists to leave the packages in its layer
// for the install after the sources: in a cache mount on either step they
// are gone on every fresh builder, and the install downloads them all again.
func pnpmFetchChain(in *Input, ins *dockerfile.Instruction, inst *Install, dir string) bool {
	if inst.Tool != toolPnpm || offlineDir(in, ins, inst) != dir {
		return false
	}
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	// `pnpm deploy` copies a package's dependencies out of the store an
	// install filled (review 27: karakeep): after an install, the store
	// is a store too, which a mount over it would empty or hide
	deploy := isPnpmDeploy(inst)
	fetch, install := isPnpmFetch(inst), !isPnpmFetch(inst) && !deploy
	for _, x := range in.lineageRuns(s) {
		if x == ins {
			continue
		}
		for _, o := range runInstalls(x) {
			if o.Tool != toolPnpm || offlineDir(in, x, o) != dir {
				continue
			}
			later := in.after(x, ins)
			if fetch && later && !isPnpmFetch(o) || install && !later && isPnpmFetch(o) ||
				!deploy && later && isPnpmDeploy(o) || deploy && !later && !isPnpmDeploy(o) {
				return true
			}
		}
	}
	return false
}

func isPnpmFetch(inst *Install) bool {
	return inst.Tool == toolPnpm && first(inst.Cmd) == "fetch"
}

func isPnpmDeploy(inst *Install) bool {
	pos := pkgmgr.JSPositional(inst.Cmd)
	return inst.Tool == toolPnpm && len(pos) > 0 && pos[0] == "deploy"
}

// laterOfflineReader reports whether a later RUN of the lineage reads dir
// offline (`pnpm install --offline` after `pnpm fetch`): whatever the
// tool, dir is then a store that has to stay in the layer.
func laterOfflineReader(in *Input, ins *dockerfile.Instruction, dir string) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	for _, x := range in.lineageRuns(s) {
		if x == ins || !in.after(x, ins) {
			continue
		}
		for _, inst := range runInstalls(x) {
			if offlineDir(in, x, inst) == dir && pkgmgr.Offline(inst, x.State) {
				return true
			}
		}
	}
	return false
}

func stageLabel(s *dockerfile.Stage) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprint(s.Index)
}

// aptListsDir is where apt keeps its package lists. The mount covers the
// lists alone, not all of /var/lib/apt: extended_states beside them
// records which packages were installed automatically, the image's own
// state (apt-mark, autoremove), which a mount shared by every image on the
// builder would mix up.
const aptListsDir = "/var/lib/apt/lists"

// aptMountDirs are the directories an apt cache mount of the RUN may
// cover: /var/cache/apt (downloaded packages), and /var/lib/apt/lists
// (the package lists) only when the RUN itself runs apt-get update before its
// installs and no later RUN installs without an update of its own: the
// lists are a store those steps read, and a mount would leave them
// without any on a fresh builder (or hide the lists an earlier step left).
func aptMountDirs(in *Input, ins *dockerfile.Instruction) []string {
	dirs := []string{"/var/cache/apt"}
	if in.keepsCleanHook(ins) {
		// the downloads are deleted by docker-clean, which stays: only
		// the lists can be kept
		dirs = nil
	}
	if !aptUpdatesFirst(ins) {
		return dirs
	}
	if s := in.stageOf(ins); s != nil {
		for _, x := range in.lineageRuns(s) {
			if x == ins || !in.after(x, ins) {
				continue
			}
			if _, opaque := opaqueCommand(x); opaque || !aptUpdatesFirst(x) {
				return dirs // a script may install from the lists too
			}
		}
	}
	return append(dirs, aptListsDir)
}

// keepsCleanHook: the RUN's stage is part of the image that is shipped
// (the final stage or one it starts FROM), and nothing before it took out
// the base image's docker-clean hook. That hook deletes what apt
// downloads after every install, so a cache mount on /var/cache/apt keeps
// nothing there; but taking the hook out would change the image's apt
// configuration: every apt-get install in an image built FROM it, or in
// its containers, would keep its downloads (reviews 26, 28, 29, 30 and
// 31: published images, base images, images users extend). Such a stage
// keeps the hook: only apt's lists are mounted, which the hook does not
// touch; build stages get both mounts and the keep-cache step.
func (in *Input) keepsCleanHook(ins *dockerfile.Instruction) bool {
	s := in.stageOf(ins)
	if s == nil || !in.mayShip(s) {
		return false
	}
	for _, st := range in.lineage(s) {
		for _, x := range st.Instructions {
			if x.Run != nil && strings.Contains(x.Run.Script, "docker-clean") && (st != s || in.after(ins, x)) {
				return false
			}
		}
	}
	return true
}

// sharedID is ",id=X" when the file's other cache mounts over dir all
// name the id X: the new mount joins their cache instead of starting a
// second one of the same store (review 29: plane's `pnpm add -g turbo`
// beside its installer's id=pnpm-store). Ids with variables are left out
// (their value is the stage's to know).
func sharedID(in *Input, dir string) string {
	id := ""
	for _, s := range in.File.Stages {
		for _, x := range s.Instructions {
			if x.Run == nil {
				continue
			}
			for _, m := range x.Run.Mounts {
				if m.Type != "cache" || m.Target == "" || absIn(x, m.Target) != dir {
					continue
				}
				if m.ID == "" || strings.ContainsAny(m.ID, "$,\\'\" ") || (id != "" && id != m.ID) {
					return ""
				}
				id = m.ID
			}
		}
	}
	if id == "" {
		return ""
	}
	return ",id=" + id
}

// systemTools are the first two different operating-system package
// managers the RUN runs ("" when fewer).
func systemTools(ins *dockerfile.Instruction) (string, string) {
	var names []string
	for _, inst := range runInstalls(ins) {
		if inst.Tool.System && !slices.Contains(names, inst.Tool.Name) {
			names = append(names, inst.Tool.Name)
		}
	}
	switch len(names) {
	case 0:
		return "", ""
	case 1:
		return names[0], ""
	}
	return names[0], names[1]
}

// extendedBy says who builds FROM the image, when that is known: the CI
// that publishes it, or the repository's own images.
func (in *Input) extendedBy() string {
	switch {
	case in.CIPublishes && in.CIWorkflow != "":
		return ", which " + in.CIWorkflow + " publishes"
	case in.CIPublishes:
		return ", which its CI publishes"
	case in.Extended:
		return ", which images of this repository start FROM"
	}
	return ""
}

// aptUpdatesFirst reports whether every apt install of the RUN follows an
// apt-get update of the same RUN (true for a RUN without installs).
func aptUpdatesFirst(x *dockerfile.Instruction) bool {
	if x.Run == nil {
		return true
	}
	updated := false
	for _, c := range x.Run.Commands {
		name := path.Base(c.Name)
		if name != "apt-get" && name != "apt" {
			continue
		}
		switch first(c) {
		case "update":
			updated = true
		case "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source":
			if !updated {
				return false
			}
		}
	}
	return true
}

// removesMountPoint finds an rm among cmds that would remove one of the
// mount targets or a directory above one: `rm -rf /var/cache/*` with a
// mount on /var/cache/apt fails the build ("Device or resource busy"), and
// so does `rm -rf "${BUNDLE_PATH}"/ruby/*/cache` with one on
// /usr/local/bundle/ruby/4.0.0/cache (review 35: errbit, set -e). A word's
// variables are expanded with the values in scope; one whose value is not
// known may stand for any directory, so what follows it is matched against
// the end of the target's path.
func removesMountPoint(cmds []dockerfile.Command, targets []string, st *dockerfile.State) (dockerfile.Command, string, bool) {
	for _, c := range cmds {
		if path.Base(c.Name) != "rm" || !rmRemovesDirectories(c) {
			// without -r (or -d), rm removes no directory: it would
			// have failed the build before the mount too
			continue
		}
		for _, a := range c.Positional() {
			for _, t := range targets {
				if rmRemoves(a, t, st) {
					return c, t, true
				}
			}
		}
	}
	return dockerfile.Command{}, "", false
}

// rmRemovesDirectories: the rm takes -r, -R, --recursive, -d or --dir
// (frappe's `rm $downloaded_file` of a .deb removes no directory).
func rmRemovesDirectories(c dockerfile.Command) bool {
	for _, a := range c.Args {
		switch {
		case a == "--":
			return false
		case a == "--recursive" || a == "--dir":
			return true
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsAny(a, "rRd"):
			return true
		}
	}
	return false
}

var shellVarRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// rmRemoves: `rm -rf word` removes target or a directory above it. A
// word with a part that is not known (an unset variable, a command
// substitution) is taken to remove target when target lies under its
// literal beginning (`/root/.cache/$TOOL` may be `/root/.cache/`), or when
// what follows the unknown part names target's path or a directory above
// it; a word that is unknown from its start is taken to remove anything.
func rmRemoves(word, target string, st *dockerfile.State) bool {
	a := expandHome(word, st)
	unknownPrefix := false
	if strings.ContainsAny(a, "$`") {
		known := !strings.Contains(a, "`") && !strings.Contains(a, "$(") && st != nil
		if known {
			for _, m := range shellVarRef.FindAllStringSubmatch(a, -1) {
				if _, ok := st.Getenv(m[1]); !ok {
					known = false
					break
				}
			}
		}
		if known && !strings.ContainsAny(st.Expand(a), "$`") {
			a = st.Expand(a)
		} else {
			unquote := strings.NewReplacer(`"`, "", "'", "")
			lit := unquote.Replace(a[:strings.IndexAny(a, "$`")])
			if lit == "" || lit == "/" {
				return true // nothing of it is known: it may be anything
			}
			// the literal beginning is a directory (`/root/.cache/$X`) or
			// the start of a name (`/root/.cache/p$X`): its directory
			if !strings.HasSuffix(lit, "/") {
				lit = path.Dir(lit)
			}
			if !path.IsAbs(lit) && st != nil {
				lit = path.Join(st.Workdir, lit)
			}
			if underDir(target, lit) {
				return true
			}
			// what follows the last unknown part, matched against the end
			i := max(strings.LastIndex(a, "}"), strings.LastIndex(a, "`"), strings.LastIndex(a, ")"))
			if loc := shellVarRef.FindAllStringIndex(a, -1); len(loc) > 0 {
				i = max(i, loc[len(loc)-1][1]-1)
			}
			a, unknownPrefix = unquote.Replace(a[i+1:]), true
		}
	} else {
		a = strings.NewReplacer(`"`, "", "'", "").Replace(a)
	}
	if !unknownPrefix && !path.IsAbs(a) {
		if st == nil {
			return false
		}
		a = path.Join(st.Workdir, a)
	}
	pat := strings.Split(strings.Trim(path.Clean("/"+a), "/"), "/")
	if unknownPrefix && (len(pat) == 0 || pat[0] == "") {
		return false // (its literal beginning was checked above)
	}
	// the target and every directory above it: does the word name one?
	for t := path.Clean(target); ; t = path.Dir(t) {
		comps := strings.Split(strings.Trim(t, "/"), "/")
		if t == "/" {
			comps = nil
		}
		if unknownPrefix && len(comps) >= len(pat) {
			comps = comps[len(comps)-len(pat):]
		}
		if len(comps) == len(pat) && len(pat) > 0 {
			match := true
			for i := range pat {
				if ok, err := path.Match(pat[i], comps[i]); err != nil || !ok {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
		if t == "/" {
			return false
		}
	}
}

// expandHome writes ~ and $HOME as the state's home directory.
func expandHome(a string, st *dockerfile.State) string {
	if st == nil || st.Home == "" {
		return a
	}
	for _, h := range []string{"~", "$HOME", "${HOME}"} {
		if a == h {
			return st.Home
		}
		if r, ok := strings.CutPrefix(a, h+"/"); ok {
			return st.Home + "/" + r
		}
	}
	return a
}

// mountableAsUser says why cache mounts at dirs cannot be added for the
// RUN's user ("" when they can): a mount belongs to root unless uid/gid are
// given, so the user's uid must be known, and a directory under a home
// directory must be the real one of that user.
func mountableAsUser(in *Input, ins *dockerfile.Instruction, dirs []string) string {
	user, known := in.effectiveUser(ins)
	if !known {
		s := in.stageOf(ins)
		base := ""
		if s != nil {
			base = in.rootBase(s).Base
		}
		return fmt.Sprintf("the stage's user is that of its base image %s, which is not known here (it may not be root): a cache mount could sit where the tool does not write, or belong to the wrong user; add it by hand with uid= and the real cache path", base)
	}
	st := *ins.State
	st.User = user
	if st.IsRoot() {
		return ""
	}
	uid, gid, _ := strings.Cut(user, ":")
	if n, home, ok := in.knownUser(ins, user); ok && gid == "" {
		// a user the official image creates (node's uid 1000)
		if ins.State.HomeGuessed && ins.State.Home != home {
			return fmt.Sprintf("HOME is %s for USER %s in this image, not %s", home, user, ins.State.Home)
		}
		_ = n
		return ""
	}
	if !isNumber(uid) || (gid != "" && !isNumber(gid)) {
		return fmt.Sprintf("USER %s is not root and its uid is not known here: a cache mount would belong to root; add --mount=type=cache,target=...,uid=<uid> by hand", user)
	}
	if ins.State.HomeGuessed || ins.State.User == "" {
		for _, d := range dirs {
			if underDir(d, ins.State.Home) {
				return fmt.Sprintf("%s is under the home directory of user %s, which is not known here (set ENV HOME, or the tool's cache variable)", d, user)
			}
		}
	}
	return ""
}

// mountOwner is the uid/gid option a mount needs for a non-root USER.
func mountOwner(in *Input, ins *dockerfile.Instruction) string {
	if ins.State.IsRoot() {
		return ""
	}
	uid, gid := mountIDs(in, ins)
	return ",uid=" + uid + ",gid=" + gid
}

// mountIDs are the uid and gid of the RUN's USER as a mount names them:
// numbers where the user is numeric or known (node's 1000), its words
// otherwise (which BuildKit's uid= and gid= do not take).
func mountIDs(in *Input, ins *dockerfile.Instruction) (uid, gid string) {
	uid, gid, _ = strings.Cut(ins.State.User, ":")
	if !isNumber(uid) {
		if n, _, ok := in.knownUser(ins, ins.State.User); ok {
			uid = n
		}
	}
	if gid == "" {
		gid = uid
	}
	return uid, gid
}

// allSmall: every install of the tool in the RUN is small (smallInstall).
func allSmall(ins *dockerfile.Instruction, t *Tool) bool {
	n := 0
	for _, inst := range runInstalls(ins) {
		if inst.Tool != t {
			continue
		}
		if !smallInstall(inst, ins.State) {
			return false
		}
		n++
	}
	return n > 0
}

// smallSystemPackages are operating system packages of a few hundred KB
// to a few MB that images add for their runtime: an apt/apk/dnf step of
// these alone downloads next to nothing.
var smallSystemPackages = map[string]bool{
	"ca-certificates": true, "tzdata": true, "tini": true, "dumb-init": true, "gosu": true, "su-exec": true,
	"shadow": true, "passwd": true, "netcat-openbsd": true, "procps": true, "psmisc": true,
	"inotify-tools": true, "less": true, "xz-utils": true, "apt-transport-https": true, "libcap2-bin": true,
	"xdg-utils": true, "iputils-ping": true, "sudo": true,
}

// apkLarge are Alpine packages (prefixes) of tens of MB and up, with their
// dependencies: toolchains, browsers, media and font sets, runtimes. An apk
// step without one of them fetches a few MB from a nearby mirror (nextcloud
// AIO's runtime libraries: review 14).
var apkLarge = []string{
	"build-base", "gcc", "g++", "clang", "llvm", "gfortran", "rust", "cargo", "go", "openjdk", "nodejs", "npm",
	"python3", "py3-", "ruby", "php", "perl-", "chromium", "firefox", "ffmpeg", "texlive", "font-", "mesa",
	"libreoffice", "qt5", "qt6", "gtk", "postgresql", "mariadb", "mysql", "imagemagick", "gdal", "opencv",
	"cmake", "linux-headers", "musl-dev", "git", "docker", "kubectl", "helm", "-dev", "dotnet", "pandoc",
	"maven", "gradle", "erlang", "elixir", "ghc", "julia", "r-base", "R", "java", "jdk", "jre",
}

// bootstrapPackages are package managers and their own tooling: small,
// and installed once on top of a base.
var bootstrapPackages = map[string]bool{
	"pip": true, "setuptools": true, "wheel": true, "uv": true, "poetry": true, "pipenv": true, "virtualenv": true,
	"npm": true, "pnpm": true, "yarn": true, "corepack": true, "bundler": true,
}

// smallInstall: an install that names its packages, and they are package
// managers (`npm i -g pnpm`, `pip install --upgrade pip setuptools
// wheel`), or for a system package manager only small runtime helpers
// (`apt-get install -y ca-certificates`, `apk add shadow gosu`: review
// 11). (One pinned package may be torch; a local wheel or tarball still
// downloads its dependencies.)
func smallInstall(inst *Install, st *dockerfile.State) bool {
	if (inst.Tool == toolPip || inst.Tool == toolUv) && inst.Cmd.HasArg("--no-deps") && localPackagesOnly(inst, st) {
		// the project itself, without its dependencies: pip downloads its
		// build backend alone (ArchiveBox's `pip install --no-deps
		// "$CODE_DIR"`: review 14)
		return true
	}
	if inst.FromManifest {
		return false
	}
	var pkgs []string
	verb := false
	for _, a := range inst.Cmd.Args {
		switch {
		case !verb:
			verb = a == "install" || a == "i" || a == "add"
		case strings.HasPrefix(a, "-"):
		default:
			pkgs = append(pkgs, a)
		}
	}
	if len(pkgs) == 0 {
		return false
	}
	small := true
	for _, p := range pkgs {
		name := strings.ToLower(p)
		if i := strings.LastIndex(name, "@"); i > 0 {
			name = name[:i]
		}
		name, _, _ = strings.Cut(name, "==")
		name = strings.Trim(name, `"'`)
		if inst.Tool == toolApk {
			name, _, _ = strings.Cut(name, "=")
			small = small && !slices.ContainsFunc(apkLarge, func(l string) bool {
				// the name, its sub-packages, and its versioned names
				// (php83, openjdk8-jre, ruby3.3, dotnet8-sdk)
				rest, ok := strings.CutPrefix(name, l)
				return name == l || (strings.HasSuffix(l, "-") && ok) || (strings.HasPrefix(l, "-") && strings.HasSuffix(name, l)) ||
					(ok && (strings.HasPrefix(rest, "-") || rest != "" && rest[0] >= '0' && rest[0] <= '9'))
			})
			continue
		}
		if inst.Tool.System {
			name, _, _ = strings.Cut(name, "=") // apt's pkg=version
			small = small && smallSystemPackages[name]
			continue
		}
		small = small && bootstrapPackages[name]
	}
	return small
}

// projectOnlyInstall: every install of the Python tool t in the RUN names
// local paths only, and an earlier RUN of the lineage installed the
// dependencies from manifests: this one fetches the build backend at most
// (nicegui's `uv pip install .` after `uv sync --no-install-project`,
// esphome's `pip install -e /esphome` after its requirements: review 17).
func (in *Input) projectOnlyInstall(ins *dockerfile.Instruction, t *Tool) bool {
	if !pythonTool(t) {
		return false
	}
	if (t == toolUv || t == toolPoetry) && in.projectAfterDependencies(ins, t) {
		return true
	}
	n := 0
	for _, inst := range runInstalls(ins) {
		if inst.Tool != t {
			continue
		}
		if !localPackagesOnly(inst, ins.State) {
			return false // (`pip install .` reads pyproject: FromManifest, and still the project)
		}
		n++
	}
	s := in.stageOf(ins)
	if n == 0 || s == nil {
		return false
	}
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return false
		}
		for _, i := range runInstalls(x) {
			if pythonTool(i.Tool) && i.FromManifest {
				return true
			}
		}
	}
	return false
}

// projectAfterDependencies: every uv or poetry install of the RUN syncs
// what an earlier RUN of the stage's lineage installed with
// --no-install-project (--no-root), which left the project alone to
// install (review 35: tensorzero's benchmark, snuba): nothing to download.
func (in *Input) projectAfterDependencies(ins *dockerfile.Instruction, t *Tool) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	deps := false
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			break
		}
		for _, i := range runInstalls(x) {
			if i.Tool == t && i.FromManifest && i.Cmd.HasArg("--no-install-project", "--no-install-workspace", "--no-root") {
				deps = true
			}
		}
	}
	if !deps {
		return false
	}
	for _, i := range runInstalls(ins) {
		if i.Tool == t && (i.Cmd.HasArg("--no-install-project", "--no-install-workspace", "--no-root") || i.Cmd.HasArg("add", "lock")) {
			return false
		}
	}
	return true
}

// cacheOffByEnv is the variable in the RUN's environment (ENV, inherited
// through the stages it is built FROM, or exported by the RUN) that turns
// the tool's cache off: a mount would keep nothing (review 35: snuba's
// UV_NO_CACHE=1 and PIP_NO_CACHE_DIR=1 in its base stage).
func cacheOffByEnv(inst *Install, st *dockerfile.State) string {
	var names []string
	switch inst.Tool {
	case toolUv:
		names = []string{"UV_NO_CACHE"}
	case toolPip, toolPipenv:
		names = []string{"PIP_NO_CACHE_DIR"}
	case toolPoetry:
		names = []string{"POETRY_NO_CACHE"}
	default:
		return ""
	}
	env := map[string]string{}
	if st != nil {
		for _, n := range names {
			if v, ok := st.Getenv(n); ok {
				env[n] = v
			}
		}
	}
	for _, kv := range commandEnv(inst) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for _, n := range names {
		v, set := env[n]
		switch w := strings.ToLower(strings.Trim(v, `"'`)); {
		case !set || w == "":
		case n == "UV_NO_CACHE" && (w == "0" || w == "false" || w == "no" || w == "off"):
			// uv reads these as "keep the cache"
		default:
			// pip reads PIP_NO_CACHE_DIR=0 or false as "no cache" too
			// (the variable sets a negated option): any value is off
			return n + "=" + v
		}
	}
	return ""
}

// localPackagesOnly: every package the install names is a local path
// (".", "./dist", "/src", "$CODE_DIR"), none from an index.
func localPackagesOnly(inst *Install, st *dockerfile.State) bool {
	n := 0
	for _, a := range inst.Cmd.Positional() {
		a = strings.Trim(a, `"'`)
		if st != nil {
			a = st.Expand(a) // ("$CODE_DIR" is a path; "$EXTRA" may be package names)
		}
		if a == "install" || a == "pip" {
			continue
		}
		if !strings.HasPrefix(a, ".") && !strings.HasPrefix(a, "/") {
			return false
		}
		n++
	}
	return n > 0
}

// vendoredBefore: an earlier RUN of the lineage (or the RUN itself, before
// the build) runs `go mod vendor`: go builds from ./vendor then (Go ≥ 1.14)
// and reads no module cache (hoppscotch's caddy build).
func (in *Input) vendoredBefore(ins *dockerfile.Instruction) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	for _, x := range in.lineageInstructions(s) {
		if x.Run != nil {
			for _, c := range x.Run.Commands {
				if p := c.Positional(); path.Base(c.Name) == "go" && len(p) >= 2 && p[0] == "mod" && p[1] == "vendor" {
					return true
				}
			}
		}
		if x == ins {
			return false
		}
	}
	return false
}

// headStep: no COPY or ADD comes before the RUN in its stage's lineage,
// and it mounts nothing from the context: its cache key is its base image
// and the lines above it, so it re-runs when those change, not when the
// repository's files do. (A COPY --from another stage counts: that stage
// may read the context.)
// manifestsOnlyBefore: what the context brings before the RUN ins (in
// its lineage) is package manifests and lock files alone — a dependency
// step behind them re-runs only when they change. The line of the last
// such COPY (0 when something else comes, or nothing of the context).
func (in *Input) manifestsOnlyBefore(ins *dockerfile.Instruction) int {
	s := in.stageOf(ins)
	if s == nil {
		return 0
	}
	for _, m := range ins.Run.Mounts {
		if m.Type == "bind" {
			return 0
		}
	}
	last := 0
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return last
		}
		if x.Run != nil && slices.ContainsFunc(x.Run.Mounts, func(m dockerfile.Mount) bool { return m.Type == "bind" }) {
			return 0
		}
		if x.Copy == nil {
			continue
		}
		if !x.Copy.FromContext() {
			if x.Copy.FromStage >= 0 && in.stageUsesContext(x.Copy.FromStage, map[int]bool{}) {
				return 0
			}
			continue // an image's file, or a stage's that reads no context
		}
		if x.Copy.IsAdd || len(x.Copy.Heredocs) > 0 {
			return 0
		}
		for _, src := range x.Copy.ContextSources() {
			if !slices.ContainsFunc(manifestTools, func(t *Tool) bool { return matchesManifest(src, t.Manifests) }) || in.isDirSource(strings.TrimPrefix(path.Clean("/"+src), "/")) {
				return 0
			}
		}
		last = x.Range.Start.Line
	}
	return 0
}

// manifestTools are the package managers whose manifests a dependency
// step copies first.
var manifestTools = []*Tool{toolNpm, toolYarn, toolPnpm, toolPip, toolPipenv, toolPoetry, toolUv, toolGo, toolCargo, toolMaven, toolGradle, toolDotnet, toolBundler, toolComposer, toolMix}

func (in *Input) headStep(ins *dockerfile.Instruction) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	for _, m := range ins.Run.Mounts {
		if m.Type == "bind" {
			return false
		}
	}
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return true
		}
		if x.Copy != nil && (x.Copy.FromContext() || x.Copy.FromStage < 0 && x.Copy.From == "" || in.stageUsesContext(x.Copy.FromStage, map[int]bool{})) {
			// (a COPY --from an image, or from a stage that reads nothing
			// of the context, changes only with its base: ErsatzTV's
			// COPY --from=dotnet-runtime /usr/share/dotnet: review 17)
			return false
		}
		if x.Run != nil {
			for _, m := range x.Run.Mounts {
				if m.Type == "bind" {
					return false
				}
			}
		}
	}
	return false
}

// onlyAfterStageOutput is the COPY --from of a stage that reads the
// context, the one such COPY of the RUN's own stage, after which the RUN
// would be a head step (nothing else of the context before it, nothing it
// reads there: the RUN is a system package install, whose paths are not
// the COPY's destination); nil otherwise.
func (in *Input) onlyAfterStageOutput(ins *dockerfile.Instruction) *dockerfile.Instruction {
	s := in.stageOf(ins)
	if s == nil || ins.Run == nil {
		return nil
	}
	for _, c := range ins.Run.Commands {
		if i := Classify(c); i == nil || !i.Tool.System {
			switch path.Base(c.Name) {
			case "apt-get", "apt", "apk", "dnf", "yum", "microdnf":
				continue // update, clean
			case "rm", "true", "echo", ":", "set":
				// apt's list clean-up and the like
				for _, a := range c.Positional() {
					if !strings.HasPrefix(a, "/var/") && !strings.HasPrefix(a, "/tmp") {
						return nil
					}
				}
				continue
			}
			return nil
		}
	}
	var found *dockerfile.Instruction
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			break
		}
		if x.Run != nil {
			for _, m := range x.Run.Mounts {
				if m.Type == "bind" {
					return nil
				}
			}
		}
		if x.Copy == nil {
			continue
		}
		if x.Copy.FromContext() || x.Copy.FromStage < 0 && x.Copy.From == "" {
			return nil
		}
		if !in.stageUsesContext(x.Copy.FromStage, map[int]bool{}) {
			continue
		}
		if found != nil || in.stageOf(x) != s {
			return nil
		}
		dest := absIn(x, x.Copy.Dest)
		for _, p := range []string{"/usr", "/var", "/etc", "/lib", "/bin", "/sbin", "/opt"} {
			if overlaps(dest, p) {
				return nil // it may bring what the install reads or replaces
			}
		}
		found = x
	}
	return found
}

// stageUsesContext: the stage (an index into the file's stages) or one it
// copies from or builds on reads the build context (a COPY or ADD from it,
// a bind mount). An index outside the file (an image) reads none.
func (in *Input) stageUsesContext(i int, seen map[int]bool) bool {
	if i < 0 || i >= len(in.File.Stages) || seen[i] {
		return false
	}
	if v, ok := in.stageCtx[i]; ok {
		return v
	}
	seen[i] = true
	v := false
	for _, x := range in.lineageInstructions(in.File.Stages[i]) {
		if x.Copy != nil && (x.Copy.FromContext() || in.stageUsesContext(x.Copy.FromStage, seen)) {
			v = true
			break
		}
		if x.Run != nil && slices.ContainsFunc(x.Run.Mounts, func(m dockerfile.Mount) bool { return m.Type == "bind" }) {
			v = true
			break
		}
	}
	if in.stageCtx == nil {
		in.stageCtx = map[int]bool{}
	}
	in.stageCtx[i] = v
	return v
}

// lineageRuns are the RUNs of the stages that share a filesystem with s:
// the stages it builds FROM, s, and the stages built FROM it.
func (in *Input) lineageRuns(s *dockerfile.Stage) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, t := range in.File.Stages {
		related := false
		for _, l := range in.lineage(t) {
			if l == s {
				related = true
			}
		}
		for _, l := range in.lineage(s) {
			if l == t {
				related = true
			}
		}
		if !related {
			continue
		}
		for _, x := range t.Instructions {
			if x.Run != nil {
				out = append(out, x)
			}
		}
	}
	return out
}

// after reports whether x runs after ins: later in the same stage, or in
// a stage built FROM ins's stage.
func (in *Input) after(x, ins *dockerfile.Instruction) bool {
	sx, si := in.stageOf(x), in.stageOf(ins)
	if sx == nil || si == nil {
		return true
	}
	if sx == si {
		return x.Index > ins.Index
	}
	for _, l := range in.lineage(sx) {
		if l == si {
			return true
		}
	}
	return false
}

// benignCommands cannot compile the app: they may follow a store's
// download step without its mount.
var benignCommands = map[string]bool{
	"apt-get": true, "apt": true, "apk": true, "yum": true, "dnf": true, "microdnf": true, "echo": true, "printf": true,
	"cp": true, "mv": true, "mkdir": true, "rm": true, "chmod": true, "chown": true, "chgrp": true, "ln": true, "touch": true,
	"cat": true, "useradd": true, "adduser": true, "groupadd": true, "addgroup": true, "set": true, "true": true, "cd": true,
	"export": true, "sed": true, "tar": true, "unzip": true, "gzip": true, "curl": true, "wget": true, "test": true, "[": true,
	"ls": true, "find": true, "update-ca-certificates": true, "ldconfig": true, "setcap": true, "id": true, "whoami": true,
	"npm": true, "yarn": true, "pnpm": true, "pip": true, "pip3": true, "upx": true, "strip": true, "sleep": true, "env": true,
}

// opaqueCommand returns a command of the RUN that may build with any tool
// (make, a script, an unknown program), and whether there is one.
func opaqueCommand(x *dockerfile.Instruction) (string, bool) {
	if x.Run == nil {
		return "", false
	}
	if len(x.Run.Commands) == 0 && (x.Run.Script != "" || len(x.Run.Exec) > 0) {
		return short(x.Original), true // not shell layerwise can read
	}
	for _, c := range x.Run.Commands {
		if Classify(c) != nil || benignCommands[path.Base(c.Name)] {
			continue
		}
		return shortCmd(c), true
	}
	return "", false
}

// storeDir reports whether dir is the package store of one of the RUN's
// installs.
func storeDir(in *Input, x *dockerfile.Instruction, dir string) bool {
	for _, inst := range runInstalls(x) {
		if inst.Tool.Store && contains(neededDirs(in, x, inst), dir) {
			return true
		}
	}
	return false
}

// usesCache reports whether a RUN's installs need the cache directory.
func usesCache(in *Input, x *dockerfile.Instruction, dir string) bool {
	for _, inst := range runInstalls(x) {
		for _, d := range neededDirs(in, x, inst) {
			if d == dir {
				return true
			}
		}
	}
	return false
}

// silenced reports whether a `# layerwise ignore=` pragma above the
// instruction names the rule.
func silenced(x *dockerfile.Instruction, id string) bool {
	for _, c := range x.Comments {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c), "#"))
		if list, ok := strings.CutPrefix(t, "layerwise ignore="); ok {
			for _, v := range strings.Split(list, ",") {
				if strings.TrimSpace(v) == id {
					return true
				}
			}
		}
	}
	return false
}

// laterAptLeftOut says why an apt install after ins — later in its stage,
// or in a stage built on it — would keep the packages it downloads in its
// layer once docker-clean is gone: it has no apt cache mount and gets none
// from its own finding's fix ("" when every one is covered).
func (in *Input) laterAptLeftOut(s *dockerfile.Stage, ins *dockerfile.Instruction) string {
	if in.aptKept == nil {
		in.aptKept = map[*dockerfile.Instruction]string{}
	}
	var later []*dockerfile.Instruction
	after := false
	for _, x := range s.Instructions {
		if after {
			later = append(later, x)
		}
		after = after || x == ins
	}
	for _, t := range in.File.Stages {
		if t != s && slices.Contains(in.lineage(t), s) {
			later = append(later, t.Instructions...)
		}
	}
	for _, y := range later {
		if y.Run == nil {
			continue
		}
		for _, inst := range runInstalls(y) {
			if inst.Tool != toolApt || first(inst.Cmd) != "install" {
				continue
			}
			why, ok := in.aptKept[y]
			if !ok {
				in.aptKept[y] = "" // a cycle cannot happen (later only); this marks the visit
				if _, reported := aptMountFinding(in, y, inst); !reported || allSmall(y, toolApt) {
					why = ""
					if coveringMount(y, "/var/cache/apt") == nil {
						why = "no apt cache mount is advised there"
					}
				} else if fx, w := fixCacheMount(in, Finding{Range: y.Range}); fx == nil {
					why = w
				}
				in.aptKept[y] = why
			}
			if why != "" {
				return fmt.Sprintf("line %d installs apt packages too and would keep them in its layer once docker-clean is gone (%s)", y.Range.Start.Line, why)
			}
		}
	}
	return ""
}

// keepsAptCache reports whether an earlier instruction (of the stage or its
// bases) already removes the docker-clean hook.
func keepsAptCache(before []*dockerfile.Instruction, bases []*dockerfile.Stage) bool {
	all := append([]*dockerfile.Instruction(nil), before...)
	for _, b := range bases {
		all = append(all, b.Instructions...)
	}
	for _, x := range all {
		if x.Run != nil && strings.Contains(x.Run.Script, "docker-clean") {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// noMounts says why the image's builder rejects RUN --mount ("" when
// nothing says so): what discovery found (Input.NoMounts), else a
// skaffold.yaml in the context that builds with kaniko ("Unknown flag:
// mount", kaniko#1568).
func (in *Input) noMounts() string {
	if in.NoMounts != "" {
		return in.NoMounts
	}
	for _, name := range []string{"skaffold.yaml", "skaffold.yml"} {
		if data, err := in.readContextFile(name); err == nil && strings.Contains(string(data), "kaniko:") {
			return "skaffold builds it with kaniko, whose Dockerfile parser rejects RUN --mount"
		}
	}
	return ""
}

// noCachePolicy: the image's CI builds with no-cache on some runs (a
// release built from nothing, against cache poisoning: review 35,
// tensorzero) on builders that keep their state between jobs, where a
// cache mount, which --no-cache leaves alone, would carry what pull
// requests' builds left into those runs.
func (in *Input) noCachePolicy() bool {
	return in.CINoCache && in.CIPersistentBuilder
}

// mayShip: stage s is part of an image the Dockerfile's builds may ship —
// the final stage's lineage, and where no target is known (a Dockerfile
// found by its name), the lineage of every stage no other stage uses,
// which a build may name with --target (review 38: polar's CI builds
// `target: production`, followed in the file by stages of another image).
func (in *Input) mayShip(s *dockerfile.Stage) bool {
	final := in.finalStage()
	if final != nil && slices.Contains(in.lineage(final), s) {
		return true
	}
	if in.Target != "" {
		return false
	}
	used := map[int]bool{}
	for _, t := range in.File.Stages {
		for _, d := range t.DependsOn {
			used[d] = true
		}
	}
	for _, t := range in.File.Stages {
		if !used[t.Index] && slices.Contains(in.lineage(t), s) {
			return true
		}
	}
	return false
}
