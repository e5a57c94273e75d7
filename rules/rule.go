// Package rules holds layerwise's audit rules: one file per rule, each
// declared as a value (as BuildKit's linter declares its checks) with its
// metadata, its check and its documentation, and one test file per rule with
// the Dockerfiles it must catch and must not catch (as hadolint's specs do).
//
// A rule sees one image at a time (Input): its Dockerfile model, its build
// context report and the configuration. Repository-wide rules see every
// image at once (RepoCheck).
package rules

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/dockerfile"
)

// Severity orders findings and drives --fail-on.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "none"
}

// ParseSeverity reads "info", "warning", "error" (and "none" as 0).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	case "none", "off":
		return 0, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or none)", s)
}

// Categories of rules.
const (
	CatCache       = "cache"
	CatContext     = "context"
	CatSize        = "size"
	CatSpeed       = "speed"
	CatCorrectness = "correctness"
	CatSecurity    = "security"
)

// Rule is one audit rule.
type Rule struct {
	ID       string // LW1xx
	Name     string // kebab-case short name
	Title    string
	Severity Severity
	Category string
	// Cost says what the problem costs, in the words of the rule docs.
	Cost string
	// FixesIgnore: the .dockerignore rewrite of `layerwise fix`
	// (fix/ignore.go) as a whole resolves the rule's findings (a missing
	// ignore file); Excludes names the paths the rewrite excludes for
	// this rule (see IgnoreInput). The rewrite proves what they exclude
	// before it writes anything.
	FixesIgnore bool
	Excludes    func(in *IgnoreInput) []Exclusion
	// Description, Bad and Good feed the generated docs page.
	Description string
	Bad, Good   string
	// ContextOnly rules read nothing but Input.Context: the audit runs
	// them on each local named context of an image too.
	ContextOnly bool
	// Check examines one image; RepoCheck the whole repository. A rule
	// has one or the other, but for the audit's own (Builtin): its
	// findings come from the parser or the pragmas, not from a check.
	// Findings are made without their rule (in.at): Run and RunRepo
	// stamp them, so that a rule never names itself by an ID string.
	Check     func(in *Input) []Finding
	RepoCheck func(ins []*Input) []Finding
	Builtin   bool
	// FixDockerfile rewrites the Dockerfile to resolve one finding of the
	// rule. It returns nil and a reason when it cannot do so safely; the
	// fixer then leaves the file as it is and reports the reason.
	FixDockerfile func(in *Input, f Finding) (*Fix, string)
	// FixOnRequest: the fix changes what the image holds in a way a later
	// step or the service may depend on (recommended packages no longer
	// installed), so `fix` applies it only when the rule is named
	// (--rule), best with --verify.
	FixOnRequest bool
	// ImageConfig are the fields of the image config ("Cmd", "Entrypoint",
	// as in the OCI config) that the rule's fix changes on purpose:
	// verify attributes a difference in one of them to the rule when its
	// fix was applied to the image, and reports any other as a failure.
	ImageConfig []string
	// ImageEffects are the kinds of change the rule's fix makes to the
	// image's files on purpose: verify attributes a difference of such a
	// kind to the rule that declares it, and reports any other as a
	// failure.
	ImageEffects []ImageEffect
	// StateOfImage: the rule's findings describe what the image is (the
	// user its service runs as), which no fix changes; a rewrite that
	// makes it known (a runtime stage on a base whose user is known, where
	// the original's was not) adds no problem, so the fixer's check that a
	// rewrite adds no finding passes it by.
	StateOfImage bool
	// AboutUnreachedStages: the rule's findings are about stages the
	// built target does not reach (an unused stage), which the audit
	// otherwise leaves out as not built.
	AboutUnreachedStages bool
}

// ImageEffect is a kind of change a fix makes to the image's files.
type ImageEffect int

const (
	// EffectCacheMounts: directories become cache mounts, so their
	// content leaves the image (and apt keeps its downloads for the
	// mount, its docker-clean hook removed); BuildKit makes the
	// directories above a new mount point.
	EffectCacheMounts ImageEffect = iota + 1
	// EffectStoresInLayers: package stores leave their cache mounts for
	// the layer the install makes, so the image holds their content.
	EffectStoresInLayers
	// EffectNoRecommends: packages apt installed only as recommendations
	// are no longer installed.
	EffectNoRecommends
	// EffectRuntimeStage: the image is a slim runtime stage that takes
	// only the application's paths from a build stage; the rest of its
	// filesystem, environment and labels are the runtime base's.
	EffectRuntimeStage
	// EffectDevDependenciesPruned: the image is a runtime stage on the
	// same base that takes the application directory from a build stage
	// where the development dependencies were pruned: packages leave
	// node_modules, and what the build wrote outside the application
	// directory (the package manager's cache and logs under HOME, /tmp)
	// stays in the build stage.
	EffectDevDependenciesPruned
	// EffectLockfileRecopied: the install now runs on the manifests alone,
	// and the sources' COPY after it brings the repository's lockfiles
	// back over what the install rewrote (npm keeps yarn.lock in step with
	// what it installed, npm install updates package-lock.json); a husky
	// lifecycle script finds no .git then and writes no git hooks
	// (.husky/_, .git/config's hooksPath), which no container runs.
	EffectLockfileRecopied
	// EffectDependenciesPrefetched: a dependency step the fix added
	// (`go mod download`, `mvn dependency:go-offline`, `dotnet restore`)
	// fetches the whole dependency set the manifests declare into the
	// package store, more than the compile alone fetched (test-only
	// modules, plugins of every phase): files added under the store.
	EffectDependenciesPrefetched
)

// WithEffect is the rule whose fix makes changes of kind e ("" when none
// declares it).
func WithEffect(e ImageEffect) string {
	for _, r := range All() {
		if slices.Contains(r.ImageEffects, e) {
			return r.ID
		}
	}
	return ""
}

// Fixable says whether `layerwise fix` resolves the rule's findings: it has
// a Dockerfile rewrite, or the .dockerignore rewrite resolves it. Derived
// from the hooks, so that the rules list, the docs and `fix --rule` cannot
// claim a fix that does not exist.
func (r *Rule) Fixable() bool { return r.FixDockerfile != nil || r.FixesIgnore || r.Excludes != nil }

// Run checks one image with the rule; nil for a repository-wide or a
// builtin rule.
func (r *Rule) Run(in *Input) []Finding {
	if r.Check == nil || (r.aboutSpeed() && (testInput(in.Dockerfile) || devEnvironment(in.Dockerfile) || in.Unreferenced)) {
		return nil
	}
	return r.stamp(r.Check(in))
}

// aboutSpeed: the rule is about how fast the image builds, how big it is
// or what its context sends — nothing a test's input Dockerfile is for.
func (r *Rule) aboutSpeed() bool {
	switch r.Category {
	case CatCache, CatSize, CatSpeed, CatContext:
		return true
	}
	return false
}

// testInput: the Dockerfile lives under a testdata directory, Go's
// convention for a test's input files (skaffold's integration/testdata
// fixtures: `FROM busybox`, an echo, built fresh by the test), or under a
// directory of tests (test/, e2e/, integrationtest/: kratos's e2e webhook
// mock and watcher test, uptime-kuma's test/test-radius.dockerfile: review
// 11). Rules about build speed, size and context leave such files alone,
// as does LW109.
func testInput(p string) bool {
	// by the file's own name: Dockerfile.e2e, test.Dockerfile
	for _, w := range strings.FieldsFunc(strings.ToLower(path.Base(filepath.ToSlash(p))), func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) {
		if w == "test" || w == "tests" || w == "e2e" {
			return true
		}
	}
	for _, d := range strings.Split(path.Dir(filepath.ToSlash(p)), "/") {
		switch strings.ToLower(d) {
		case "testdata", "test", "tests", "e2e", "__tests__", "fixtures", "integrationtest", "integrationtests",
			"integration-test", "integration-tests", "integration_test", "integration_tests":
			return true
		}
	}
	return false
}

// Generated is the comment line (and its number) by which the Dockerfile
// says a tool writes it — "generated by Dofigen", "DO NOT EDIT", "Code
// generated … " in its first ten lines — or "" when it says none: a
// rewrite would be lost at the next generation (review 33: openstatus'
// Dofigen files), so the fixer leaves it and the source is the user's.
func (in *Input) Generated() (string, int) {
	for i, l := range in.File.Lines {
		if i >= 10 {
			break
		}
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "#") {
			continue
		}
		low := strings.ToLower(t)
		if strings.Contains(low, "do not edit") || strings.Contains(low, "don't edit") || strings.Contains(low, "generated by") ||
			strings.Contains(low, "auto-generated") || strings.Contains(low, "autogenerated") || strings.Contains(low, "code generated") ||
			strings.Contains(low, "this dockerfile is generated") || strings.Contains(low, "dofigen") {
			return strings.TrimSpace(strings.TrimLeft(t, "# ")), i + 1
		}
	}
	return "", 0
}

// TestFixture: the Dockerfile is a test's input data — under testdata/,
// fixtures/ or test/data/ — and no CI builds it: often wrong on purpose
// (garden's hadolint fixtures: review 29), never an image anyone ships.
// Its findings are information.
func (in *Input) TestFixture() bool {
	if in.CIWorkflow != "" {
		return false
	}
	dirs := strings.Split(strings.ToLower(path.Dir(filepath.ToSlash(in.Dockerfile))), "/")
	for i, d := range dirs {
		switch d {
		case "testdata", "test-data", "test_data", "fixtures", "__fixtures__", "fixture":
			return true
		case "data":
			if i > 0 && (dirs[i-1] == "test" || dirs[i-1] == "tests") {
				return true
			}
		}
	}
	return false
}

// devEnvironment: the Dockerfile makes an editor's development environment
// (.devcontainer/, .codesandbox/, .gitpod.Dockerfile): the editor builds it
// once per environment, not per change, so rules about build speed, size
// and context have nothing to save there (review 11).
func devEnvironment(p string) bool {
	p = filepath.ToSlash(p)
	for _, d := range strings.Split(path.Dir(p), "/") {
		if d == ".devcontainer" || d == ".codesandbox" || d == ".gitpod" {
			return true
		}
	}
	return strings.HasPrefix(path.Base(p), ".gitpod.")
}

// RunRepo checks the whole repository with a repository-wide rule; nil
// for the others.
func (r *Rule) RunRepo(ins []*Input) []Finding {
	if r.RepoCheck == nil {
		return nil
	}
	if r.aboutSpeed() {
		ins = slices.DeleteFunc(slices.Clone(ins), func(in *Input) bool {
			return testInput(in.Dockerfile) || devEnvironment(in.Dockerfile) || in.Unreferenced
		})
	}
	return r.stamp(r.RepoCheck(ins))
}

// stamp makes the findings the rule's: its ID, and its severity unless
// the check chose one (LW140 raises some to errors).
func (r *Rule) stamp(fs []Finding) []Finding {
	for i := range fs {
		fs[i].RuleID = r.ID
		if fs[i].Severity == 0 {
			fs[i].Severity = r.Severity
		}
	}
	return fs
}

// New returns a finding of the rule with its severity, for the builtin
// rules the audit reports itself.
func (r *Rule) New(image, file, msg string) Finding {
	return Finding{RuleID: r.ID, Severity: r.Severity, Image: image, File: file, Message: msg}
}

// DocURL is the rule's documentation page, relative to the repository.
func (r *Rule) DocURL() string { return "docs/rules/" + r.ID + ".md" }

// Input is what a rule sees of one image.
type Input struct {
	Image string // the image's name (layerwise ls)
	// Dockerfile is the path shown in findings (repository-relative).
	Dockerfile string
	File       *dockerfile.File
	// Context is the analysis of the image's build context; nil when it
	// could not be walked (context rules then stay silent).
	Context *buildctx.Report
	// ContextPath is the context directory, repository-relative;
	// IgnoreFile the ignore file in force ("" when there is none).
	ContextPath string
	IgnoreFile  string
	Config      *config.Config
	// Target is the stage built (compose target), "" for the last.
	Target string
	// BuiltHere holds the references the Dockerfile uses (FROM, COPY
	// --from) that name another image of the repository: built along
	// the graph, not pulled, so their tags do not move under the build —
	// or that the repository's CI or build scripts build and tag
	// (discover.Repo.Publishes).
	BuiltHere map[string]bool
	// RepoBases are the models of the images this repository builds that
	// the Dockerfile's FROM or COPY --from names (by the reference it uses)
	RepoBases map[string]*dockerfile.File
	// NoMounts says why the image's builder rejects RUN --mount or
	// always starts its cache mounts empty (discover.Image.NoMounts:
	// skaffold's kaniko or classic builder, Cloud Build, bashbrew, kaniko
	// in CI); "" when nothing says so.
	NoMounts string
	// SuppliedArgs are build args the image's build always passes (a
	// skaffold `requires` alias: discover.Image.SuppliedArgs), so an ARG
	// without a default is not empty there.
	SuppliedArgs map[string]bool
	// IgnoreFixed: the fixer rewrites the context's ignore file after the
	// Dockerfile, excluding the directories the images regenerate
	// (node_modules, vendor: RegeneratedDir), so a fix may count on them
	// no longer being sent.
	IgnoreFixed bool
	// OtherContexts are the other build contexts the same Dockerfile is
	// built with (compose services sharing one Dockerfile): a rewrite that
	// copies files by name must find them in each.
	OtherContexts []string
	// ServiceHealthcheck: the compose service that builds the image
	// decides its healthcheck (one of its own, or disable: true).
	ServiceHealthcheck bool
	// ServiceUser is the compose service's user: ("" when it sets none).
	ServiceUser string
	// MountsSources: a compose service bind-mounts the build context into
	// the container (discover.Image.MountsSources)
	MountsSources bool
	// ContextInferred: the build context was guessed from the
	// Dockerfile's place (discover.Image.ContextInferred)
	ContextInferred bool
	// CILine is the line of CIWorkflow where it builds images; CIUncached
	// says that CI keeps no layer cache between its jobs; LocalBuild that
	// something outside CI builds the image too (compose, bake, a script
	// or README that names it). discover.Image's fields of those names.
	CILine     int
	CIUncached bool
	LocalBuild bool
	// CIFresh: that CI runs on fresh runners, where cache mounts start
	// empty (discover.Image.CIFresh).
	CIFresh bool
	// CIPublishes, CIPerRunArgs, CIPlainDocker: that CI pushes images,
	// passes these build args a value of each run, builds with a plain
	// docker build (discover.Image's fields of those names).
	CIPublishes bool
	// Extended: another image of the repository is built FROM this one.
	Extended bool
	// RunsTests: a compose service runs the image's test suite in it
	// (discover.Image.RunsTests).
	RunsTests     bool
	CIPerRunArgs  []string
	CIPlainDocker bool
	// CIRefresh: that CI is a scheduled rebuild that refreshes packages
	// (discover.Image.CIRefresh)
	CIRefresh bool
	// CIOnDemand: that CI builds only when a commit message asks for it
	// (discover.Image.CIOnDemand)
	CIOnDemand bool
	// CIReleaseOnly: that CI builds on release tags alone
	// (discover.Image.CIReleaseOnly)
	CIReleaseOnly bool
	// CIPersistedMounts: the cache mount targets that CI carries between
	// jobs itself (discover.Image.CIPersistedMounts)
	CIPersistedMounts []string
	// CIPersistentBuilder: the CI's builders keep their state, cache
	// mounts included, between jobs (discover.Image.CIPersistentBuilder)
	CIPersistentBuilder bool
	// CIFinalStageCache: the CI's layer cache keeps the final image's
	// layers alone (discover.Image.CIFinalStageCache)
	CIFinalStageCache bool
	// CINoCache: the CI builds with no-cache on some runs
	// (discover.Image.CINoCache)
	CINoCache bool
	// Unreferenced: nothing in the repository builds the Dockerfile (a
	// name other than Dockerfile that no script, CI file, compose file or
	// README near it mentions: discover.Image.Unreferenced). Rules about
	// speed, size and context leave it alone, as they do a test's input.
	Unreferenced bool
	// NoLayerCache names the file that builds the image with --no-cache
	// wherever it is built locally (discover.Image.NoLayerCache): an
	// order finding cannot pay there, a cache mount still does.
	NoLayerCache string
	// BuiltOnce says why the image is built once, not per change (a
	// tutorial reader's build, a sample nothing builds:
	// discover.Image.BuiltOnce); "" otherwise.
	BuiltOnce string
	// PublishedEnv are the KEY=VALUE pairs the repository's compose files
	// write out literally (discover.Repo.ComposeEnv): values it publishes.
	PublishedEnv map[string]bool
	// CIWorkflow is the repository's CI configuration that builds this
	// image (discover.Image.CI; "" when none says so): its jobs run on
	// fresh builders, whose cache mounts start empty.
	CIWorkflow string

	// stageCtx memoizes stageUsesContext per stage index (headStep asks
	// it for every COPY --from of every RUN).
	stageCtx map[int]bool
	// orderLines memoizes the installs LW101 reports, by line (LW102 asks
	// it per install).
	orderLines map[int]int
	// aptKept memoizes aptMountLeftOut per RUN (the apt fix asks it of
	// every later apt RUN, each of which asks it of the ones after it)
	aptKept map[*dockerfile.Instruction]string
	// goNothing memoizes goRequiresNothing (0: not asked yet, 1: yes,
	// -1: no): it walks the whole context, and every Go RUN asks
	goNothing int8
	// goSumNone memoizes goSumUnreached, the same way
	goSumNone int8
	// depDirs memoizes the context directories that are cargo path
	// dependencies or JS file:/link: packages (cargoPathDir, jsFileDepDir:
	// every COPY of every stage asks)
	depDirs map[string]bool
}

// Cost is what a finding costs, as far as layerwise can tell.
type Cost struct {
	// ContextBytes sent to the builder on every build for nothing.
	ContextBytes int64 `json:"contextBytes,omitempty"`
	// ImageBytes left in the image (when static analysis can tell).
	ImageBytes int64 `json:"imageBytes,omitempty"`
	// Invalidates says what the problem makes BuildKit redo.
	Invalidates string `json:"invalidates,omitempty"`
	// Seconds is the estimated time lost per affected build; Basis says
	// where it came from: "static" (an estimate by tool) or "measured"
	// (history of real builds).
	Seconds float64 `json:"seconds,omitempty"`
	Basis   string  `json:"basis,omitempty"`
	// LayerBytes is the measured size of the layers the finding makes
	// new or repeats (Finding.RepullsLayers), per affected build of the
	// image: what it pushes, and every machine running it pulls, again.
	// Only measured (the audit reads it from the build history): no
	// static estimate of a step's output is honest enough.
	LayerBytes int64 `json:"layerBytes,omitempty"`
}

// Cost bases.
const (
	BasisStatic   = "static"
	BasisMeasured = "measured"
)

// Finding is one problem found.
type Finding struct {
	RuleID   string   `json:"rule"`
	Severity Severity `json:"-"`
	Image    string   `json:"image,omitempty"`
	// File is the repository-relative file the finding points into (the
	// Dockerfile, or the context directory for context findings).
	File    string           `json:"file"`
	Range   dockerfile.Range `json:"range"`
	Message string           `json:"message"`
	Cost    Cost             `json:"cost"`
	// Fix is the rewrite that resolves the finding, when one exists.
	Fix *Fix `json:"fix,omitempty"`
	// Affects are the lines of the instructions whose run time the
	// finding costs (the install an early COPY invalidates); empty means
	// the finding's own instruction. The audit looks their measured
	// durations up in the build history.
	Affects []int `json:"-"`
	// RepullsLayers says that the finding makes the affected steps'
	// layers new on every affected build (they re-run) or repeats them
	// per image (LW116), so that every machine running the images pulls
	// them again: the audit prices that with their measured layer sizes
	// (Cost.LayerBytes). Not set where the steps' layers are not the
	// finding's cost (a missing cache mount costs download time only).
	RepullsLayers bool `json:"-"`
}

// Fix is a textual edit of a file (filled in by the fix issue's rewriters).
type Fix struct {
	Description string `json:"description"`
	File        string `json:"file"`
	// Replacements apply to whole lines [StartLine, EndLine] (1-based,
	// inclusive); EndLine < StartLine inserts before StartLine.
	Replacements []Replacement `json:"replacements"`
	// NeedsExcluded are context paths (relative to the context) the fix is
	// right only if the ignore-file rewrite that follows stops sending
	// (Input.IgnoreFixed): the fixer checks that it did, and otherwise
	// fixes the Dockerfile again without counting on it.
	NeedsExcluded []string `json:"-"`
}

// Replacement replaces lines with new text.
type Replacement struct {
	StartLine int    `json:"startLine"`
	EndLine   int    `json:"endLine"`
	Text      string `json:"text"`
	// Kinds declares the instructions Text holds, in order (RUN, COPY,
	// ...; none for a removal or a directive). The fixer refuses a fix
	// whose text parses into anything else, or that changes any
	// instruction outside its replacements.
	Kinds []string `json:"-"`
}

var registry = map[string]*Rule{}

// Register adds a rule; rule files call it from init.
func Register(r *Rule) *Rule {
	if _, dup := registry[r.ID]; dup {
		panic("duplicate rule " + r.ID)
	}
	checks := 0
	for _, has := range []bool{r.Check != nil, r.RepoCheck != nil, r.Builtin} {
		if has {
			checks++
		}
	}
	if checks != 1 {
		panic("rule " + r.ID + " needs exactly one of Check, RepoCheck and Builtin")
	}
	registry[r.ID] = r
	return r
}

// All returns every rule, sorted by ID.
func All() []*Rule {
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns a rule by ID, or nil. BuildKit's checks are known as
// "buildkit/<Name>".
func Get(id string) *Rule { return registry[id] }

// Known reports whether id names a rule (ours or BuildKit's).
func Known(id string) bool {
	if _, ok := registry[id]; ok {
		return true
	}
	if name, ok := strings.CutPrefix(id, "buildkit/"); ok {
		return buildkitRuleNames()[name]
	}
	return false
}

// at builds a finding at an instruction (Rule.Run makes it the rule's).
func (in *Input) at(ins *dockerfile.Instruction, msg string, cost Cost) Finding {
	f := Finding{Image: in.Image, File: in.Dockerfile, Message: msg, Cost: cost}
	if ins != nil {
		f.Range = ins.Range
	}
	return f
}

// atStage builds a finding at a stage's FROM line.
func (in *Input) atStage(s *dockerfile.Stage, msg string, cost Cost) Finding {
	return Finding{Image: in.Image, File: in.Dockerfile, Message: msg, Cost: cost, Range: s.Range}
}

// finalStage is the stage the build produces: the target, or the last
// (also when the target names no stage: discovery warns about that).
func (in *Input) finalStage() *dockerfile.Stage {
	if s := in.File.Final(in.Target); s != nil {
		return s
	}
	return in.File.Final("")
}

// builtStages are the stages a build of the final stage (the target, or
// the last) runs: the final one and every stage it reads from, by index.
func (in *Input) builtStages() map[int]bool {
	reach := map[int]bool{}
	final := in.finalStage()
	if final == nil {
		return reach
	}
	var visit func(i int)
	visit = func(i int) {
		if reach[i] {
			return
		}
		reach[i] = true
		for _, d := range in.File.Stages[i].DependsOn {
			visit(d)
		}
	}
	visit(final.Index)
	return reach
}

// lineage returns a stage and the stages it builds FROM, nearest first.
func (in *Input) lineage(s *dockerfile.Stage) []*dockerfile.Stage { return in.File.Lineage(s) }

// estimate turns bytes into seconds for ranking: context bytes cross the
// client-builder link on every build; image bytes are pushed and pulled.
// The rates are deliberately round: they order findings, they do not
// promise times (measured history replaces them).
const (
	contextBytesPerSec = 100e6
	imageBytesPerSec   = 50e6
)

func bytesSeconds(contextBytes, imageBytes int64) float64 {
	return float64(contextBytes)/contextBytesPerSec + float64(imageBytes)/imageBytesPerSec
}

// onlyUncachedCI: the image is built only by a CI that keeps no layer
// cache (CIUncached, no LocalBuild): every job runs every step anyway, so
// an order or a cache mount saves nothing until the CI keeps a cache
// (LW118). Findings about those then inform rather than warn.
func (in *Input) onlyUncachedCI() bool {
	return in.CIWorkflow != "" && in.CIUncached && !in.LocalBuild
}

// uncachedInCI: like onlyUncachedCI for a step of stage s: also where the
// only CI keeps the final image's layers alone (an inline or mode=min
// cache) and s is not part of that image — its steps are never reused.
func (in *Input) uncachedInCI(s *dockerfile.Stage) bool {
	if in.onlyUncachedCI() {
		return true
	}
	if in.CIWorkflow == "" || !in.CIFinalStageCache || in.LocalBuild || s == nil {
		return false
	}
	final := in.finalStage()
	return final != nil && !slices.Contains(in.lineage(final), s)
}

// depStagesUncachedInCI: a new stage of its own (LW119's) would never be
// reused by the only CI that builds the image.
func (in *Input) depStagesUncachedInCI() bool {
	return in.onlyUncachedCI() || (in.CIWorkflow != "" && in.CIFinalStageCache && !in.LocalBuild)
}

// uncachedCINote ends such a finding's message.
func (in *Input) uncachedCINote() string {
	return fmt.Sprintf(" Only %s builds this image, and it keeps no layer cache between jobs (LW118): this pays once it does.", in.CIWorkflow)
}

// onlyFreshCI: the image is built only by a CI on fresh runners (no
// compose, script or README builds it): a cache mount starts empty on
// every job, with a layer cache or without.
func (in *Input) onlyFreshCI() bool {
	return in.CIWorkflow != "" && in.CIFresh && !in.LocalBuild
}

// informIfOnlyFreshCI makes a cache mount finding information where only
// a CI on fresh runners builds the image (onlyFreshCI), saying why: the
// mount pays there only once something keeps it between jobs (review 15).
func (in *Input) informIfOnlyFreshCI(fs []Finding) []Finding {
	if !in.onlyFreshCI() {
		return fs
	}
	return informWarnings(fs, fmt.Sprintf(" Only %s builds this image, on fresh runners where a cache mount starts empty: this pays once the mounts are kept between jobs (`layerwise build --cache-mounts`, which `layerwise generate ci` wires in).", in.CIWorkflow))
}

// informIfBuiltOnce makes a speed finding information where the image is
// built once rather than per change (BuiltOnce), saying why: an order or a
// cache mount pays on the second build, which a reader's one-off build of
// a sample never has (review 18). The fix stays available.
func (in *Input) informIfBuiltOnce(fs []Finding) []Finding {
	if in.BuiltOnce == "" {
		return fs
	}
	return informWarnings(fs, " But "+in.BuiltOnce+": this pays where it is rebuilt as its sources change (a compose file, a script or a CI with a layer cache that builds it).")
}

// informIfNoLayerCache makes an order finding information where every
// local build runs with --no-cache (NoLayerCache), saying why: no build
// reuses the last one's layers, whatever their order (review 18: harbor).
func (in *Input) informIfNoLayerCache(fs []Finding) []Finding {
	if in.NoLayerCache == "" {
		return fs
	}
	return informWarnings(fs, " But "+in.NoLayerCache+" builds this image with --no-cache, which reuses no layer of the last build: the order pays only where a build keeps its cache (drop --no-cache there, and add --pull for fresh bases).")
}

// informWarnings makes the findings that are not information yet
// information, their message ended by why; one already information keeps
// the reason an earlier step gave.
func informWarnings(fs []Finding, why string) []Finding {
	for i := range fs {
		if fs[i].Severity != Info {
			fs[i].Severity = Info
			fs[i].Message += why
		}
	}
	return fs
}

// informIfOnlyUncachedCI makes a speed finding information where only an
// uncached CI builds the image (onlyUncachedCI), saying why.
func (in *Input) informIfOnlyUncachedCI(fs []Finding) []Finding {
	for i := range fs {
		switch {
		case in.onlyUncachedCI():
			fs[i].Severity = Info
			fs[i].Message += in.uncachedCINote()
		case in.CIFinalStageCache:
			if s, _, _ := in.instructionAt(fs[i].Range.Start.Line); in.uncachedInCI(s) {
				fs[i].Severity = Info
				fs[i].Message += fmt.Sprintf(" Only %s builds this image, and its layer cache keeps the final image's layers alone (an inline cache, or no mode=max): this stage's steps are never reused there; export the cache with mode=max.", in.CIWorkflow)
			}
		}
	}
	return fs
}

// GuessedContextLacks is a COPY/ADD source that the context guessed from
// the Dockerfile's place does not hold ("" when there is none, or the
// context was not guessed): the image is built from another context (a
// tar a script pipes to `docker build -`, a directory above), and what
// the rules say of its steps and context is about a build that does not
// happen (reviews 37 and 38: novu's ./meta, biz-demo's conf).
func (in *Input) GuessedContextLacks() string {
	if !in.ContextInferred || in.Context == nil || in.Context.Usage == nil || in.Context.Usage.Undecidable {
		return ""
	}
	if u := in.Context.Usage.Unmatched; len(u) > 0 {
		return u[0].Pattern
	}
	return ""
}
