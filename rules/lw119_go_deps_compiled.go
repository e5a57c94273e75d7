package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// GoDepsCompiledInMount is LW119.
var GoDepsCompiledInMount = Register(&Rule{
	ID: "LW119", Name: "go-deps-compiled-in-mount-only", Severity: Warning, Category: CatCache,
	Title: "Go's compiled dependencies live only in a cache mount",
	Cost:  "On a fresh CI builder (the layers from a registry cache, every cache mount empty) each source change compiles every dependency package again: most of a Go build.",
	Description: `A Go build keeps what it compiled in its build cache (GOCACHE), and the usual fix mounts a cache
there. On one warm builder that is the fastest there is, but BuildKit exports no cache mount: on a fresh CI
builder the modules come back with the ` + "`go mod download`" + ` layer while the build cache starts empty, so
every job compiles every dependency package again (on the examples' orders service: 41 s of a 49 s build).
The fix compiles the dependencies in layers of their own, which a registry cache carries, and seeds the
compile's cache mount from them (` + "`--mount=type=cache,from=…,source=…`" + `):

- a stage lists the packages the sources import (` + "`go list -deps`" + `, with the compile's environment and
  the flags that change a compiled package, written as the Dockerfile spells them; ` + "`-gcflags`" + ` without a
  pattern applies to the main packages only and is left out) on every change — under a second;
- a stage compiles them: BuildKit compares the list by content, so it re-runs only when the imports or the
  modules change, and then from its own cache mount (a dependency change recompiles what changed);
- the compile's cache mount starts from that stage's compiled packages: on a fresh builder only the main
  module is compiled; on a warm one the mount stays incremental until the imports or the modules change (then a
  new mount starts from the new dependency layer, and the main module compiles once from it).

It pays where the layer cache keeps build stages: a registry or CI cache exported with ` + "`mode=max`" + ` (what
` + "`layerwise generate ci`" + ` writes); an inline cache keeps only the final stage.

On one warm builder the listing costs about half a second per source change (orders: 3.0 s instead of 2.4 s,
still 13× naive's); a team that builds only on a persistent builder can switch the rule off
(` + "`rules: {LW119: off}`" + ` in .layerwise.yaml). The image is unchanged (the new stages are build stages). A failing listing or dependency compile never
fails the build: the compile then does what it did before. Where the compile is in the stage the image is made of (a single-stage image
LW112 leaves), that stage is split the same way: no layer and no config of the image changes. Not reported:
vendored modules, a go.work, and a compile that may use cgo after a step that may
install what cgo compiles against (move that step above the download, or set ` + "`CGO_ENABLED=0`" + `).`,
	Bad: `FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /app /app`,
	Good: `FROM golang:1.23 AS build-modules
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM build-modules AS build-go-imports
COPY . .
RUN go list -e -deps -f '…' . > /tmp/go-imports || true

FROM build-modules AS build-go-deps
COPY --from=build-go-imports /tmp/go-imports /tmp/go-imports
RUN --mount=type=cache,id=go-deps-app,target=/root/.cache/go-build { xargs -r go list … < /tmp/go-imports | xargs -r go build; } || true; …

FROM build-modules AS build
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build,from=build-go-deps,source=/tmp/go-build-deps go build -o /app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /app /app`,
	// a sample built once, or an image only a CI without a layer cache
	// builds, gains nothing from it (review 28: istio's samples; reviews
	// 31 and 32: three stages and a copy of the build cache for nothing):
	// not reported there — LW118 asks for the layer cache first, and this
	// finding comes with it
	Check: func(in *Input) []Finding {
		if in.BuiltOnce != "" || in.depStagesUncachedInCI() {
			return nil
		}
		return checkGoDepsInMount(in)
	},
	FixDockerfile: fixGoDepsInMount,
})

// goDepsDir is where the dependency stage leaves the compiled packages in
// its layer: the compile's cache mount is seeded from it.
const goDepsDir = "/tmp/go-build-deps"

// goDepsShape is one build stage's dependency step and the compiles after
// it whose compiled dependencies are in no layer (their build cache is at
// most an unseeded cache mount).
type goDepsShape struct {
	stage               *dockerfile.Stage
	download            *dockerfile.Instruction // go mod download on the manifests alone
	compiles            []*dockerfile.Instruction
	gocache, gomodcache string
	// parent is the stage the download ends, when it is not in stage
	parent *dockerfile.Stage
}

// goDepsShapes finds the stages whose Go compile keeps the compiled
// dependencies only in a cache mount, after a dependency step that keeps
// the modules in its layer (the shape LW101 and LW102 leave).
func goDepsShapes(in *Input) []goDepsShape {
	if in.goVendoredAnywhere() { // one walk of the context, not one per RUN
		return nil
	}
	if in.CIPersistentBuilder {
		return nil // the CI's builders keep the build cache mount
	}
	if in.contextHasManifestOf(toolGo) && in.goRequiresNothing() {
		// no module to compile: the standard library alone, seconds on
		// a fresh builder, less than fetching its compiled layer (review
		// 31: a one-file stdlib service)
		return nil
	}
	var out []goDepsShape
	final := in.finalStage()
	built := in.builtStages()
	for _, s := range in.File.Stages {
		// the stage the image is made of too (a single-stage Go image
		// LW112 leaves: an Alpine toolchain, a dev image): splitting it
		// changes no layer and no config of the image
		if !built[s.Index] || in.windowsStage(s) || in.NoMounts != "" || s.Name == "" && s != final {
			continue
		}
		if s == final && lw112Splits(in) {
			continue // its build stage comes first, then this rule's
		}
		var sh goDepsShape
		// the dependency step may end the stage this one builds FROM
		// (`FROM deps AS build`): the new stages go between the two
		if s.BaseStage >= 0 {
			if p := in.File.Stages[s.BaseStage]; len(p.Instructions) > 0 && p.Name != "" {
				if d := p.Instructions[len(p.Instructions)-1]; goDownload(in, d) {
					sh = goDepsShape{stage: s, download: d, parent: p}
				}
			}
		}
		for _, ins := range s.Instructions {
			if ins.Run == nil || ins.Run.MountError != "" {
				continue
			}
			for _, inst := range runInstalls(ins) {
				if inst.Tool != toolGo {
					continue
				}
				switch {
				case inst.FromManifest && !inst.Compile:
					if goDownload(in, ins) {
						sh = goDepsShape{stage: s, download: ins}
					}
				case inst.Compile && sh.download != nil && goBuildOrInstall(inst.Cmd):
					// whatever the mounts (LW102 and LW117 come first on
					// the same line): the fix reads them
					dirs := toolCacheDirs(in, ins, inst)
					if len(dirs) < 2 || slices.Contains(inst.Cmd.Args, "-a") || slices.Contains(in.CIPersistedMounts, dirs[1]) {
						// (a build cache the CI carries from job to job
						// itself brings the compiled dependencies back)
						continue
					}
					if m := coveringMount(ins, dirs[1]); m != nil && (m.From != "" || path.Clean(m.Target) != dirs[1]) {
						continue
					}
					if cgoUnsafeBetween(s, sh.download, ins) != nil {
						continue
					}
					if _, why := goCall(ins, inst.Cmd); why != "" {
						// what it compiles, or how, is known only as it runs
						// (a loop variable, a conditional export, a profile)
						continue
					}
					if !slices.Contains(sh.compiles, ins) {
						sh.compiles = append(sh.compiles, ins)
						sh.gocache = dirs[1]
						sh.gomodcache = dirs[0]
					}
				}
			}
		}
		if sh.download != nil && len(sh.compiles) > 0 {
			out = append(out, sh)
		}
	}
	return out
}

// lw112Splits: LW112 will split the single-stage image into a build and
// a runtime stage (its finding may come later in the file than this
// rule's): split by this rule first, the image would no longer be the
// single-stage one LW112 rewrites, and would keep its toolchain.
func lw112Splits(in *Input) bool {
	for _, f := range checkSingleStageCompiled(in) {
		if fx, _ := fixGoMultiStage(in, f); fx != nil {
			return true
		}
	}
	return false
}

// goDownload: the RUN is a Go dependency step on the manifests alone.
func goDownload(in *Input, ins *dockerfile.Instruction) bool {
	if ins.Run == nil || ins.Run.MountError != "" || in.manifestsOnlyBefore(ins) == 0 {
		return false
	}
	return slices.ContainsFunc(runInstalls(ins), func(i *Install) bool { return i.Tool == toolGo && i.FromManifest && !i.Compile })
}

// goVendoredAnywhere: the context holds a vendor directory of a module
// (the compile then reads the packages from the sources, not from the
// module cache the dependency stage would compile from) or a go.work.
func (in *Input) goVendoredAnywhere() bool {
	if in.Context == nil {
		return false
	}
	for _, e := range in.Context.Entries {
		if e.Path == "vendor/modules.txt" || strings.HasSuffix(e.Path, "/vendor/modules.txt") {
			return true
		}
		// a workspace: the listing (with the sources' go.work) and the
		// dependency stage (without) would not resolve the same versions
		if e.Path == "go.work" || strings.HasSuffix(e.Path, "/go.work") {
			return true
		}
	}
	return false
}

func goBuildOrInstall(c dockerfile.Command) bool {
	s := first(c)
	return s == "build" || s == "install"
}

func checkGoDepsInMount(in *Input) []Finding {
	var out []Finding
	for _, sh := range goDepsShapes(in) {
		for _, c := range sh.compiles {
			modules := fmt.Sprintf("although the modules come back with the layer of line %d", sh.download.Range.Start.Line)
			if mountCovers(sh.download, sh.gomodcache) {
				modules = fmt.Sprintf("and downloads the modules too: line %d keeps them in a cache mount (LW117)", sh.download.Range.Start.Line)
			}
			where := fmt.Sprintf("its build cache %s is a cache mount", sh.gocache)
			if !mountCovers(c, sh.gocache) {
				where = fmt.Sprintf("its build cache %s is in the compile's own layer, which every source change re-runs", sh.gocache)
			}
			msg := fmt.Sprintf("The compile keeps Go's compiled dependencies in no layer a source change leaves (%s): on a fresh CI builder (layers from a registry cache, mounts empty) every source change compiles every dependency package again, %s. Compile the dependencies in a stage of their own, whose layers a registry cache exported with mode=max carries (what layerwise generate ci writes), and seed the compile's cache mount from it (from=, source=).",
				where, modules)
			f := in.at(c, msg, Cost{Basis: "static"})
			f.Affects = []int{c.Range.Start.Line}
			out = append(out, f)
		}
	}
	return out
}

// goKeptFlags are the go build flags that change what a dependency
// compiles to (its cache key): the dependency compile repeats them. The
// others (-o, -ldflags, -v…) concern the main package or the output only.
var goKeptFlags = map[string]bool{"-race": true, "-msan": true, "-asan": true, "-trimpath": true, "-linkshared": true, "-modcacherw": true,
	"-tags": true, "-gcflags": true, "-asmflags": true, "-buildmode": true, "-mod": true, "-installsuffix": true, "-compiler": true, "-gccgoflags": true}

// goPackageFlags take `[pattern=]args`: without a pattern they apply to
// the packages named on the command line (go help build).
var goPackageFlags = map[string]bool{"-gcflags": true, "-asmflags": true, "-gccgoflags": true}

// goValueFlags take a value (as `-flag value` or `-flag=value`).
var goValueFlags = map[string]bool{"-o": true, "-p": true, "-C": true, "-asmflags": true, "-buildmode": true, "-buildvcs": true, "-compiler": true,
	"-gccgoflags": true, "-gcflags": true, "-installsuffix": true, "-ldflags": true, "-mod": true, "-modfile": true, "-overlay": true, "-pgo": true,
	"-pkgdir": true, "-tags": true, "-toolexec": true, "-coverpkg": true, "-covermode": true}

// scriptAssigns: a name a shell script sets (a for loop's, read's, an
// assignment's or an export's).
var scriptAssigns = regexp.MustCompile(`(?:^|[\s;&|(])(?:for\s+(\w+)\s|read\s+(?:-\w+\s+)*(\w+)|(?:export\s+)?(\w+)=)`)

// conditionalExport: an export the script runs only on a condition.
var conditionalExport = regexp.MustCompile(`(&&|\|\||\bthen|\bdo|\belse|\))\s*export\s`)

// goCompileCall is what the listing and the dependency compile repeat of
// a go build: its environment, the flags that change the compiled
// packages, the packages named and the directories it runs in.
type goCompileCall struct {
	env, flags, pkgs []string
	cds              []string
}

func goCall(ins *dockerfile.Instruction, c dockerfile.Command) (goCompileCall, string) {
	var call goCompileCall
	// The environment and arguments are written back as the script spelled
	// them: in the new steps they mean what they meant (quotes and
	// expansions kept).
	for _, e := range append(slices.Clone(c.Exported), c.Env...) {
		if strings.Contains(e, "$(") || strings.Contains(e, "`") {
			return call, "its environment is computed by a command substitution"
		}
	}
	exported := c.ExportedSpelled
	if len(exported) != len(c.Exported) {
		return call, "its environment could not be read" // not from a script
	}
	if len(c.Exported) > 0 && conditionalExport.MatchString(ins.Run.Script) {
		// `[ "$GOARCH" = "amd64" ] && export GOAMD64=…` (review 34:
		// autobrr): repeated unconditionally, the exports contradict
		return call, "its environment is exported conditionally by the script"
	}
	call.env = append(slices.Clone(exported), c.SpelledEnv()...)
	spelled := c.SpelledArg
	sub := slices.Index(c.Args, first(c))
	if sub < 0 {
		return call, "no go subcommand"
	}
	for _, a := range c.Args[:sub] {
		if a != "-v" && a != "-x" {
			return call, "go takes flags before its subcommand"
		}
	}
	for i := sub + 1; i < len(c.Args); i++ {
		a := c.Args[i]
		if strings.Contains(a, "$(") || strings.Contains(a, "`") {
			return call, "its arguments are computed by a command substitution"
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			call.pkgs = append(call.pkgs, spelled(i))
			continue
		}
		name, val, hasVal := strings.Cut(strings.Replace(a, "--", "-", 1), "=")
		if name == "-C" {
			return call, "it changes directory with -C"
		}
		words := spelled(i)
		if goValueFlags[name] && !hasVal {
			if i+1 >= len(c.Args) {
				return call, "a flag has no value"
			}
			val, hasVal = c.Args[i+1], true
			words += " " + spelled(i+1)
			i++
		}
		if name == "-pgo" && val != "off" {
			// the profile keys every package's compile, the dependencies'
			// too (review 34: autobrr regenerates it each release)
			return call, "it compiles with a profile (-pgo), which keys every package's compile"
		}
		if goPackageFlags[name] && strings.HasPrefix(strings.TrimLeft(val, ` "'`), "-") {
			// No pattern: go applies it to the packages named on the
			// command line only, the main ones here. Repeated on the
			// dependencies it would key them apart from the compile's.
			continue
		}
		if goKeptFlags[name] {
			call.flags = append(call.flags, words)
		}
	}
	if len(call.pkgs) == 0 {
		call.pkgs = []string{"."}
	}
	for _, cd := range leadingCds(ins.Run.Commands) {
		call.cds = append(call.cds, cd.Args[0])
	}
	// a variable the script itself sets (`for name in a b; do go build
	// ./cmd/$name; done`: review 29, openreplay) has no value in the
	// listing stage, which would list nothing and compile nothing
	var assigned map[string]bool // the names the script itself sets, read once
	for _, w := range slices.Concat(call.env, call.flags, call.pkgs) {
		for _, v := range textVariables(w) {
			if _, ok := ins.State.Getenv(v); ok {
				continue
			}
			if assigned == nil {
				assigned = map[string]bool{}
				for _, m := range scriptAssigns.FindAllStringSubmatch(ins.Run.Script, -1) {
					assigned[m[1]+m[2]+m[3]] = true
				}
			}
			if assigned[v] {
				return call, fmt.Sprintf("it compiles with $%s, which the script itself sets: the dependency stage would not know its values", v)
			}
		}
	}
	return call, ""
}

// numericStageRef: an instruction names a stage by its index, which new
// stages before it would shift.
func numericStageRef(f *dockerfile.File) bool {
	num := regexp.MustCompile(`^[0-9]+$`)
	for _, s := range f.Stages {
		if num.MatchString(s.BaseRaw) {
			return true
		}
		for _, x := range s.Instructions {
			if x.Copy != nil && num.MatchString(x.Copy.From) {
				return true
			}
			if x.Run != nil && slices.ContainsFunc(x.Run.Mounts, func(m dockerfile.Mount) bool { return num.MatchString(m.From) }) {
				return true
			}
		}
	}
	return false
}

var fromAsName = regexp.MustCompile(`(?i)^(\s*from\s.*\sas\s+)(\S+)(\s*)$`)

func fixGoDepsInMount(in *Input, f Finding) (*Fix, string) {
	// the dependency stage pays on a builder that imports a layer cache
	// and nowhere else; where the image's only CI keeps none, or it is
	// built once, it is three stages and a copy of the build cache for
	// nothing (reviews 31, 32: gotenberg, wakapi, samples)
	if in.depStagesUncachedInCI() {
		return nil, fmt.Sprintf("%s keeps no layer cache of the build stages between jobs: the dependency stage pays once it does (LW118; mode=max)", in.CIWorkflow)
	}
	if in.BuiltOnce != "" {
		return nil, "the image is built once (" + in.BuiltOnce + "): a dependency stage pays only where it is rebuilt"
	}
	var sh *goDepsShape
	for _, x := range goDepsShapes(in) {
		if slices.ContainsFunc(x.compiles, func(c *dockerfile.Instruction) bool { return c.Range.Start.Line == f.Range.Start.Line }) {
			sh = &x
			break
		}
	}
	if sh == nil {
		return nil, "the compile's shape changed"
	}
	m, s := in.File, sh.stage
	for _, inst := range runInstalls(sh.download) {
		if inst.Tool == toolGo && mountCovers(sh.download, sh.gomodcache) {
			return nil, fmt.Sprintf("the modules of line %d are kept in a cache mount: the dependency stage would download them again (LW117 keeps them in the layer)", sh.download.Range.Start.Line)
		}
	}
	for _, c := range sh.compiles {
		if mountCovers(c, sh.gomodcache) {
			return nil, fmt.Sprintf("the compile on line %d mounts a cache over the module cache (LW117)", c.Range.Start.Line)
		}
	}
	if s.Name == "" && s != in.finalStage() {
		return nil, "the build stage has no name (AS …) to keep for the stages that read it"
	}
	if numericStageRef(m) {
		return nil, "a stage is named by its index (--from=0), which the new stages would shift"
	}
	base := strings.ToLower(s.Name)
	// names[0] is the stage the new ones build FROM: the first part of
	// the split stage, or the stage the download ends
	names := []string{base + "-modules", base + "-go-imports", base + "-go-deps"}
	if s.Name == "" { // the final stage, unnamed: nothing names it
		names = []string{"go-modules", "go-imports", "go-deps"}
	}
	// the new FROM lines' AS in the case of their FROM keyword, as
	// BuildKit's FromAsCasing asks (review 28: copying a file's `FROM x
	// as y` added three of its warnings per rewrite)
	as := "AS"
	if kw := keywordAsWritten(m, s.From); kw == strings.ToLower(kw) {
		as = "as"
	}
	var fromText string // the split stage's FROM line, renamed
	if sh.parent != nil {
		names[0] = sh.parent.Name
	} else {
		if s.From.Range.Start.Line != s.From.Range.End.Line {
			return nil, "the stage's FROM spans several lines"
		}
		l := m.Lines[s.From.Range.Start.Line-1]
		if s.Name == "" {
			fromText = strings.TrimRight(l, " \t") + " " + as + " " + names[0]
		} else {
			mm := fromAsName.FindStringSubmatch(l)
			if mm == nil || !strings.EqualFold(mm[2], s.Name) {
				return nil, "the stage's FROM line is not `FROM image AS name`"
			}
			fromText = mm[1] + names[0] + mm[3]
		}
	}
	for _, o := range m.Stages {
		for _, n := range names[1:] {
			if strings.EqualFold(o.Name, n) {
				return nil, "a stage is already called " + n
			}
		}
		if sh.parent == nil && strings.EqualFold(o.Name, names[0]) {
			return nil, "a stage is already called " + names[0]
		}
	}
	for _, st := range m.Stages {
		for _, x := range st.Instructions {
			if x.Kind == "SHELL" {
				return nil, "a SHELL instruction changes the shell the new steps would run in"
			}
		}
	}
	di := slices.Index(s.Instructions, sh.download) // -1: it ends the parent
	last := slices.Index(s.Instructions, sh.compiles[len(sh.compiles)-1])
	first := slices.Index(s.Instructions, sh.compiles[0])
	var call *goCompileCall
	for _, c := range sh.compiles {
		if c.Run.Script == "" || len(c.Run.Heredocs) > 0 {
			return nil, fmt.Sprintf("the compile on line %d is not a shell-form RUN", c.Range.Start.Line)
		}
		if !c.State.IsRoot() {
			return nil, "the compile runs as another user than root: the seeded cache would not be writable"
		}
		for _, fl := range c.Flags {
			if strings.Contains(fl, "type=cache") && (strings.Contains(fl, "uid=") || strings.Contains(fl, "gid=") || strings.Contains(fl, "mode=")) {
				return nil, "the compile's cache mount sets its owner or mode"
			}
		}
		for _, cmd := range c.Run.Commands {
			inst := Classify(cmd)
			if inst == nil || inst.Tool != toolGo || !inst.Compile || !goBuildOrInstall(cmd) {
				continue
			}
			cc, why := goCall(c, cmd)
			if why != "" {
				return nil, fmt.Sprintf("line %d: %s", c.Range.Start.Line, why)
			}
			if call == nil {
				call = &cc
				continue
			}
			if !slices.Equal(call.env, cc.env) || !slices.Equal(call.flags, cc.flags) || !slices.Equal(call.cds, cc.cds) {
				return nil, "the compiles differ in environment, flags or directory"
			}
			for _, p := range cc.pkgs {
				if !slices.Contains(call.pkgs, p) {
					call.pkgs = append(call.pkgs, p)
				}
			}
		}
	}
	if call == nil {
		return nil, "no go build to repeat"
	}
	// what stands between the dependency step and the first compile is
	// repeated in the listing stage (the context's files, their directory,
	// the variables); a RUN, or another stage's or a URL's files, are not
	// (goDepsShapes reported the compile only where they cannot matter to
	// cgo: cgoUnsafeBetween)
	var sources, betweenVars []*dockerfile.Instruction
	var sourceText string
	for _, x := range s.Instructions[di+1 : first] {
		switch x.Kind {
		case "USER":
			return nil, fmt.Sprintf("USER on line %d changes who compiles", x.Range.Start.Line)
		case "COPY", "ADD":
			if x.Copy != nil && x.Copy.FromContext() && len(x.Copy.URLs) == 0 && len(x.Copy.GitRefs) == 0 {
				sources = append(sources, x)
				sourceText += " " + x.Original
			}
		case "WORKDIR":
			sources = append(sources, x)
			sourceText += " " + x.Original
		case "ENV", "ARG":
			betweenVars = append(betweenVars, x)
		}
	}
	for _, x := range s.Instructions[first : last+1] {
		if x.Kind == "USER" {
			return nil, fmt.Sprintf("USER on line %d changes who compiles", x.Range.Start.Line)
		}
	}
	// the stage's ARGs before the split: the rest of the stage reads them
	// (all of them, as before); the new stages only those their steps name
	// or that Go reads from the environment (a build arg that changes on
	// every build must not re-run the dependency compile)
	var prefixArgs []string
	var prefixArgIns []*dockerfile.Instruction
	for _, x := range s.Instructions[:max(di, 0)] {
		if x.Kind == "ARG" {
			prefixArgs = append(prefixArgs, linesOf(m, x)...)
			prefixArgIns = append(prefixArgIns, x)
		}
	}
	callText := strings.Join(append(append(append([]string{}, call.env...), call.flags...), call.pkgs...), " ")
	// the listing stage re-runs with every change anyway: it repeats all
	// that stands between and the ARGs those name; the dependency stage
	// only the variables its steps read
	listVars := usedVars(prefixArgIns, betweenVars, callText+sourceText)
	depsVars := usedVars(prefixArgIns, betweenVars, callText)
	// the listing stage: the ARGs it reads, then in their order what
	// stands between (the sources without --chown/--chmod: a user a RUN
	// there creates does not exist in it) and the variables it reads
	var listIns []*dockerfile.Instruction
	for _, x := range prefixArgIns {
		if slices.Contains(listVars, x) {
			listIns = append(listIns, x)
		}
	}
	for _, x := range s.Instructions[di+1 : first] {
		if slices.Contains(sources, x) || slices.Contains(listVars, x) {
			listIns = append(listIns, x)
		}
	}
	var listLines, depsLines []string
	for _, x := range listIns {
		for _, l := range linesOf(m, x) {
			if x.Copy != nil {
				l = copyOwner.ReplaceAllString(l, "")
			}
			listLines = append(listLines, l)
		}
	}
	for _, x := range depsVars {
		depsLines = append(depsLines, linesOf(m, x)...)
	}
	kw := keywordAsWritten(m, s.From)
	if sh.parent != nil {
		// the new stages build FROM the parent, as this one does, and
		// this one stays as it is
		prefixArgIns, prefixArgs = nil, nil
	}
	env := ""
	if len(call.env) > 0 {
		env = strings.Join(call.env, " ") + " "
	}
	flags := ""
	if len(call.flags) > 0 {
		flags = " " + strings.Join(call.flags, " ")
	}
	cds := ""
	for _, d := range call.cds {
		cds += "cd " + d + " && "
	}
	var dlCds string
	for _, cd := range leadingCds(sh.download.Run.Commands) {
		dlCds += "cd " + cd.Args[0] + " && "
	}
	// the standard library's packages too: since Go 1.20 they are
	// compiled like any other, and for a small service they are most of
	// the compile (review of LW119: golang-samples' stdlib-only samples)
	listTmpl := `'{{if .Standard}}{{.ImportPath}}{{else}}{{with .Module}}{{if not (or .Main (and .Replace (not .Replace.Version)))}}{{$.ImportPath}}{{end}}{{end}}{{end}}'`
	okTmpl := `'{{if not (or .Error .DepsErrors)}}{{.ImportPath}}{{end}}'`
	id := "go-deps-" + strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(in.Image+"-"+base), "-"), "-")
	// RUN and COPY in the file's case (BuildKit's ConsistentInstructionCasing)
	runKw, copyKw := "RUN", "COPY"
	if kw == strings.ToLower(kw) {
		runKw, copyKw = "run", "copy"
	}
	var b []string
	if sh.parent == nil {
		b = append(b, "")
	}
	b = append(b,
		"# Go's compiled dependencies in layers a registry cache carries (layerwise LW119): the packages",
		"# the sources import are listed on every change, and compiled again only when that list or the",
		"# modules change; the compile's cache mount starts from them, also on a fresh CI builder.",
		kw+" "+names[0]+" "+as+" "+names[1])
	b = append(b, listLines...)
	// the listing's own cache mount keeps Go's index of the module cache
	// and the standard library: 0.15 s instead of 0.55 s per change
	b = append(b, fmt.Sprintf("%s --mount=type=cache,target=%s %s%sgo list -e -deps%s -f %s %s > /tmp/go-imports || true", runKw, sh.gocache, cds, env, flags, listTmpl, strings.Join(call.pkgs, " ")),
		"",
		kw+" "+names[0]+" "+as+" "+names[2])
	b = append(b, depsLines...)
	b = append(b, fmt.Sprintf("%s --from=%s /tmp/go-imports /tmp/go-imports", copyKw, names[1]),
		fmt.Sprintf("%s --mount=type=cache,id=%s,target=%s,sharing=locked %s{ %sxargs -r go list -e%s -f %s < /tmp/go-imports | %sxargs -r go build%s; } || true; mkdir -p %s && cp -a %s/. %s/",
			runKw, id, sh.gocache, dlCds, env, flags, okTmpl, env, flags, goDepsDir, sh.gocache, goDepsDir),
		"")
	if sh.parent == nil {
		if s.Name == "" {
			b = append(b, kw+" "+names[0])
		} else {
			b = append(b, kw+" "+names[0]+" "+as+" "+s.Name)
		}
		b = append(b, prefixArgs...)
	}
	kinds := []string{"FROM"}
	kinds = append(kinds, kindsOf(listIns)...)
	kinds = append(kinds, "RUN", "FROM")
	kinds = append(kinds, kindsOf(depsVars)...)
	kinds = append(kinds, "COPY", "RUN")
	if sh.parent == nil {
		kinds = append(kinds, "FROM")
		kinds = append(kinds, kindsOf(prefixArgIns)...)
	}
	fx := &Fix{Description: "compile Go's dependencies in a stage of their own and seed the compile's cache mount from it", File: in.Dockerfile}
	if sh.parent == nil {
		fx.Replacements = append(fx.Replacements,
			Replacement{StartLine: s.From.Range.Start.Line, EndLine: s.From.Range.Start.Line, Text: fromText + "\n", Kinds: []string{"FROM"}},
			Replacement{StartLine: sh.download.Range.End.Line + 1, EndLine: sh.download.Range.End.Line, Text: joinLines(b), Kinds: kinds})
	} else {
		at := commentsAbove(m, s.From.Range.Start.Line)
		fx.Replacements = append(fx.Replacements, Replacement{StartLine: at, EndLine: at - 1, Text: joinLines(b), Kinds: kinds})
	}
	for _, c := range sh.compiles {
		ls := linesOf(m, c)
		seed := ",from=" + names[2] + ",source=" + goDepsDir
		if coveringMount(c, sh.gocache) == nil {
			e := newRunEdit(m, c)
			if !e.insertFlags("--mount=type=cache,target=" + sh.gocache + seed) {
				return nil, fmt.Sprintf("the RUN keyword of line %d is not where it should be", c.Range.Start.Line)
			}
			var err error
			if ls, err = e.result(); err != nil {
				return nil, err.Error()
			}
		} else {
			mount := ""
			for _, fl := range c.Flags {
				if strings.Contains(fl, "type=cache") && strings.Contains(fl, "target="+sh.gocache) {
					mount = fl
				}
			}
			if mount == "" || !strings.Contains(ls[0], mount) {
				return nil, fmt.Sprintf("the cache mount of line %d is not written on its first line", c.Range.Start.Line)
			}
			ls[0] = strings.Replace(ls[0], mount, mount+seed, 1)
		}
		fx.Replacements = append(fx.Replacements, Replacement{StartLine: c.Range.Start.Line, EndLine: c.Range.End.Line, Text: joinLines(ls), Kinds: []string{"RUN"}})
	}
	return fx, ""
}

var copyOwner = regexp.MustCompile(`[ \t]--ch(?:own|mod)=\S+`)

// cgoUnsafeBetween is the first step between the download and the
// compile that may bring in what a cgo package compiles against (a RUN
// that installs, an ADD, a COPY from another stage), unless the compile
// has cgo off: the dependency stage would compile that package without
// it, and Go's cache would hand the compile the wrong object.
func cgoUnsafeBetween(s *dockerfile.Stage, download, compile *dockerfile.Instruction) *dockerfile.Instruction {
	if cgoOff(compile) {
		return nil
	}
	from := slices.Index(s.Instructions, download) + 1 // 0: it ends the parent
	to := slices.Index(s.Instructions, compile)
	for _, x := range s.Instructions[from:max(from, to)] {
		switch x.Kind {
		case "COPY", "ADD":
			if x.Copy == nil || !x.Copy.FromContext() || len(x.Copy.URLs) > 0 || len(x.Copy.GitRefs) > 0 {
				return x
			}
		case "RUN":
			if !harmlessRun(x) {
				return x
			}
		}
	}
	return nil
}

// harmlessRun: the RUN makes directories, sets modes or runs go itself
// (go generate, go mod tidy): nothing a C compile reads.
func harmlessRun(x *dockerfile.Instruction) bool {
	if x.Run == nil || x.Run.Script == "" || len(x.Run.Commands) == 0 {
		return false
	}
	for _, c := range x.Run.Commands {
		switch path.Base(c.Name) {
		case "mkdir", "chmod", "chown", "touch", "echo", "ls", "true", "cd", "pwd", "go", "printf", "test", "[":
		default:
			return false
		}
	}
	return true
}

// kindsOf lists the kinds of the instructions a new stage repeats
// (COPY, ADD, WORKDIR, ENV, ARG; not RUN).
func kindsOf(xs []*dockerfile.Instruction) []string {
	var out []string
	for _, x := range xs {
		switch x.Kind {
		case "COPY", "ADD", "WORKDIR", "ENV", "ARG":
			out = append(out, x.Kind)
		}
	}
	return out
}

// usedVars picks, in order (the ARGs first, then the ENV and ARG
// instructions of vars), those that declare a variable Go reads or one
// that text names — or that an ENV picked names, up to a fixed point.
func usedVars(args, vars []*dockerfile.Instruction, text string) []*dockerfile.Instruction {
	all := append(slices.Clone(args), vars...)
	picked := make([]bool, len(all))
	for changed := true; changed; {
		changed = false
		for i, x := range all {
			if picked[i] {
				continue
			}
			names := varNames(x)
			if toolVariable(x, toolGo) != "" || slices.ContainsFunc(names, cgoVariable) || readsVariable(text, names) {
				picked[i], changed = true, true
				if x.Kind == "ENV" {
					text += " " + x.Original
				}
			}
		}
	}
	var out []*dockerfile.Instruction
	for i, x := range all {
		if picked[i] {
			out = append(out, x)
		}
	}
	return out
}

// cgoVariable: cgo's compiler and what it finds (toolVariable knows Go's
// own variables and the proxies).
func cgoVariable(n string) bool {
	switch n {
	case "CC", "CXX", "AR", "PKG_CONFIG", "PKG_CONFIG_PATH":
		return true
	}
	return false
}
