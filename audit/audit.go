// Package audit runs the rules over every image a repository builds and
// ranks what it finds by cost. It produces plain data (Report); renderers
// live in package render.
package audit

import (
	"context"
	"fmt"
	"github.com/layerwise/layerwise/internal/dirlist"
	"github.com/layerwise/layerwise/internal/par"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/rules"
)

// SchemaVersion versions the JSON form of Report (docs/audit-json.md).
const SchemaVersion = 1

// Ranking bases.
const (
	RankStatic   = "static"
	RankMeasured = "measured"
)

// Options tune an audit.
type Options struct {
	Config *config.Config
	// SkipContext skips the build-context walks (rules-only audits).
	SkipContext bool
	// SkipBuildKit skips BuildKit's own checks.
	SkipBuildKit bool
	// History, when set, prices findings with measured step durations.
	History StepDurations
	// WithFixes attaches to each finding the rewrite that resolves it
	// (the formats that carry fixes: json, sarif).
	WithFixes bool
	// Listings are the directory listings discovery took in this command
	// (discover.Options.Listings), so the context walks read each
	// directory once.
	Listings *dirlist.Cache
}

// StepDurations is what the audit needs of the build history: the median
// seconds of each step of an image when it ran (not cached) and the size
// of the layer it added, by step key, and where they come from.
// *history.Store is one.
type StepDurations interface {
	StepSeconds(ctx context.Context, image string) (map[engine.StepKey]float64, error)
	// StepLayerBytes is the median size of the layer each step added to
	// the image, by step key.
	StepLayerBytes(ctx context.Context, image string) (map[engine.StepKey]int64, error)
	// Where names the source in messages (the history file's path).
	Where() string
}

// walkCache is one walk per context and ignore file, and the listings
// discovery left for the first walk of each directory.
type walkCache struct {
	reports  map[string]*buildctx.Report
	listings *dirlist.Cache
}

// Report is an audit of a repository.
type Report struct {
	SchemaVersion int    `json:"schemaVersion"`
	Root          string `json:"root"`
	// Ranking says how findings are ordered: "static" (layerwise's
	// estimates) or "measured" (seconds from recorded builds).
	Ranking     string           `json:"ranking"`
	RankingNote string           `json:"rankingNote"`
	Images      []*ImageSummary  `json:"images"`
	Findings    []rules.Finding  `json:"findings"`
	Warnings    []string         `json:"warnings,omitempty"`
	Rules       map[string]*Meta `json:"-"`
}

// Meta is what renderers need to know of a rule (ours or BuildKit's).
type Meta struct {
	ID, Name, Title, Category, Description, HelpURI string
	Severity                                        rules.Severity
	Fixable                                         bool
}

// ImageSummary is the per-image line of a report.
type ImageSummary struct {
	Name         string         `json:"name"`
	Dockerfile   string         `json:"dockerfile"`
	Context      string         `json:"context"`
	ContextFiles int64          `json:"contextFiles"`
	ContextBytes int64          `json:"contextBytes"`
	Stages       int            `json:"stages"`
	Layers       int            `json:"layerInstructions"`
	BaseImages   []string       `json:"baseImages"`
	BySeverity   map[string]int `json:"findingsBySeverity"`
	Error        string         `json:"error,omitempty"`
	// Measured is what the history's recorded builds of the image say
	// (build times per scenario, image size, layers); nil without any.
	Measured *history.Figures `json:"measured,omitempty"`
}

// BuildFigures is the history's summary of an image's recorded builds,
// for the baseline document (audit -o markdown). *history.Store is one.
type BuildFigures interface {
	Figures(ctx context.Context, image string) (*history.Figures, error)
}

// Run audits the images discovered in a repository.
func Run(ctx context.Context, disc *discover.Repo, opt Options) (*Report, error) {
	cfg := opt.Config
	if cfg == nil {
		cfg = config.Default()
	}
	res := &Report{SchemaVersion: SchemaVersion, Root: disc.Root, Ranking: RankStatic,
		RankingNote: "ranked by layerwise's static estimate of seconds lost per build (no measured builds recorded yet)",
		Rules:       map[string]*Meta{}}
	for _, r := range rules.All() {
		res.Rules[r.ID] = &Meta{ID: r.ID, Name: r.Name, Title: r.Title, Category: r.Category, Description: r.Cost,
			HelpURI: r.DocURL(), Severity: r.Severity, Fixable: r.Fixable()}
	}
	for id, line := range cfg.RuleLines {
		if !rules.Known(id) && id != "buildkit" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d: unknown rule %q in config (see docs/rules/)", relPath(disc.Root, cfg.Path), line, id))
		}
	}
	sort.Strings(res.Warnings)

	walks := &walkCache{reports: map[string]*buildctx.Report{}, listings: opt.Listings}
	var inputs []*rules.Input
	var findings []rules.Finding
	labels := discover.Labels(disc.Images)
	facts := Facts(disc)
	for _, im := range disc.Images {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := labels[im]
		sum := &ImageSummary{Name: name, Dockerfile: im.Dockerfile, Context: im.Context, Stages: len(im.Stages), BySeverity: map[string]int{}}
		if sum.Dockerfile == "" {
			sum.Dockerfile = im.SourceFile
		}
		res.Images = append(res.Images, sum)
		if im.Error != nil {
			findings = append(findings, parseErrorFinding(im, name))
			sum.Error = im.Error.Error()
		}
		if im.Model == nil || (im.Error != nil && strings.Contains(im.Error.Error(), "unknown instruction: INCLUDE")) {
			// (a custom frontend's INCLUDE, dockerfile-x's, splices in
			// stages the model does not have: what the rules would read
			// of the rest is not the image — review 26: manyfold)
			continue
		}
		if u := im.Model.Unclean; u != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d:%d: %s", dfPath(im), u.Line, u.Col, u.Message))
		}
		in := NewInput(disc, facts, im, name, cfg)
		if !opt.SkipContext {
			rep, err := contextReport(ctx, im, walks)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: build context %s: %v (context rules skipped)", name, im.Context, err))
			} else {
				in.Context = rep
				sum.ContextFiles, sum.ContextBytes = rep.Files, rep.Bytes
				if rep.IgnoreFile.Path != "" {
					in.IgnoreFile = relPath(disc.Root, rep.IgnoreFile.Path)
				}
			}
		}
		sum.Layers, sum.BaseImages = layersAndBases(im.Model, in)
		inputs = append(inputs, in)
		if !opt.SkipContext {
			nf, err := namedContextFindings(ctx, disc.Root, im, in, walks)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				res.Warnings = append(res.Warnings, err.Error())
			}
			findings = append(findings, nf...)
		}
	}
	// The rules and BuildKit's checks of each image are independent of the
	// others' (the inputs only share read-only models and context walks):
	// they run on every core, and their findings are gathered in the
	// images' order, so the output does not depend on the scheduling.
	perImage := make([][]rules.Finding, len(inputs))
	warns := make([]string, len(inputs))
	var metaMu sync.Mutex
	par.Each(len(inputs), func() bool { return ctx.Err() != nil }, func(i int) {
		in := inputs[i]
		fs := RunRules(in)
		if opt.WithFixes {
			fs = withFixes(in, fs)
		}
		if !opt.SkipBuildKit {
			bk, err := buildkitFindings(ctx, in, res.Rules, &metaMu)
			if err != nil {
				warns[i] = fmt.Sprintf("%s: BuildKit checks: %v", in.Dockerfile, err)
			}
			fs = append(fs, bk...)
		}
		fs = inBuiltStages(in, fs)
		if in.TestFixture() {
			for j := range fs {
				if fs[j].Severity == rules.Warning {
					fs[j].Severity = rules.Info
				}
			}
		}
		if src := in.GuessedContextLacks(); src != "" {
			for j := range fs {
				if fs[j].Severity == rules.Warning {
					fs[j].Severity = rules.Info
					fs[j].Message += fmt.Sprintf(" (The context guessed for this image, %s, has no %s, which it copies: it is built from another context, which nothing here names: name it in a compose or bake file.)", in.ContextPath, src)
				}
			}
		}
		perImage[i] = fs
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range inputs {
		if warns[i] != "" {
			res.Warnings = append(res.Warnings, warns[i])
		}
		findings = append(findings, perImage[i]...)
	}
	for _, r := range rules.All() {
		findings = append(findings, r.RunRepo(inputs)...)
	}
	findings = applyPragmas(findings, inputs)
	findings = applyConfig(findings, cfg)
	if bf, ok := opt.History.(BuildFigures); ok {
		for _, im := range res.Images {
			f, err := bf.Figures(ctx, im.Name)
			if err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("history %s: %v (no build figures)", opt.History.Where(), err))
				break
			}
			im.Measured = f
		}
	}
	if opt.History != nil {
		n, err := applyMeasured(ctx, opt.History, findings, inputs)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("history %s: %v (static estimates used)", opt.History.Where(), err))
		} else if n > 0 {
			res.Ranking = RankMeasured
			res.RankingNote = fmt.Sprintf("ranked by measured seconds of the affected steps (median of recorded builds in %s) for %d findings, by layerwise's static estimate for the rest",
				relPath(disc.Root, opt.History.Where()), n)
		}
	}
	findings = dedupeFindings(findings)
	rank(findings)
	for _, f := range findings {
		for _, s := range res.Images {
			if s.Name == f.Image {
				s.BySeverity[f.Severity.String()]++
			}
		}
	}
	res.Findings = findings
	if res.Findings == nil {
		res.Findings = []rules.Finding{}
	}
	return res, nil
}

// inBuiltStages drops the Dockerfile findings in stages that the image's
// target (compose/bake target:) never reaches: BuildKit does not build
// them for this image, and another image that targets them reports them.
// Without a target every stage is kept (a Dockerfile found by name may be
// built with any --target). LW113, which is about unreached stages, stays.
func inBuiltStages(in *rules.Input, fs []rules.Finding) []rules.Finding {
	if in.Target == "" || in.File == nil {
		return fs
	}
	m := in.File
	final := m.Stage(in.Target)
	if final == nil {
		return fs
	}
	reached := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if reached[i] {
			return
		}
		reached[i] = true
		for _, d := range m.Stages[i].DependsOn {
			visit(d)
		}
	}
	visit(final.Index)
	stageAt := func(line int) int {
		for i := len(m.Stages) - 1; i >= 0; i-- {
			if line >= m.Stages[i].Range.Start.Line {
				return i
			}
		}
		return -1
	}
	out := fs[:0]
	for _, f := range fs {
		if r := rules.Get(f.RuleID); f.File == in.Dockerfile && (r == nil || !r.AboutUnreachedStages) {
			if s := stageAt(f.Range.Start.Line); s >= 0 && !reached[s] {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// dedupeFindings keeps one finding of each rule at each place with each
// message: images that share a build context (or a Dockerfile, with other
// targets) would otherwise repeat the same context finding once per image
// (one repository showed 120 identical LW123 errors for 20 files). The
// first image keeps it.
func dedupeFindings(fs []rules.Finding) []rules.Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := fmt.Sprintf("%s\x00%s\x00%v\x00%s", f.RuleID, f.File, f.Range, f.Message)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// RunRules runs every per-image rule on one input (no context walk, no
// BuildKit checks): the part the rules benchmark times.
func RunRules(in *rules.Input) []rules.Finding {
	var out []rules.Finding
	for _, r := range rules.All() {
		out = append(out, r.Run(in)...)
	}
	return out
}

// namedContextFindings runs the context rules on each local named context
// of an image (compose additional_contexts, bake contexts): it is sent to
// the builder like the build context, with the .dockerignore at its root.
func namedContextFindings(ctx context.Context, root string, im *discover.Image, in *rules.Input, walks *walkCache) ([]rules.Finding, error) {
	var out []rules.Finding
	for _, name := range slices.Sorted(maps.Keys(im.AdditionalContexts)) {
		v := im.AdditionalContexts[name]
		if !discover.IsLocalContext(v) {
			continue
		}
		rep, err := dirReport(ctx, filepath.Join(root, filepath.FromSlash(v)), "", buildctx.SourcesFrom(im.Model, name), walks)
		if err != nil {
			return out, fmt.Errorf("%s: named context %s (%s): %v (context rules skipped for it)", im.Name, name, v, err)
		}
		nin := *in
		nin.Context, nin.ContextPath, nin.IgnoreFile = rep, v, ""
		if rep.IgnoreFile.Path != "" {
			nin.IgnoreFile = relPath(root, rep.IgnoreFile.Path)
		}
		for _, r := range rules.All() {
			if r.ContextOnly {
				out = append(out, r.Run(&nin)...)
			}
		}
	}
	return out, nil
}

func dfPath(im *discover.Image) string {
	if im.Dockerfile != "" {
		return im.Dockerfile
	}
	return im.SourceFile
}

func relPath(root, p string) string {
	if p == "" {
		return ""
	}
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

func parseErrorFinding(im *discover.Image, name string) rules.Finding {
	e := im.Error
	f := rules.ParseError.New(name, e.File, e.Message)
	if f.File == "" {
		f.File = dfPath(im)
	}
	if e.Line > 0 {
		end := max(e.Col, 1)
		if im.Model != nil && e.Line <= len(im.Model.Lines) {
			end = max(len(im.Model.Lines[e.Line-1]), end)
		}
		f.Range = dockerfile.Range{Start: dockerfile.Pos{Line: e.Line, Col: max(e.Col, 1)}, End: dockerfile.Pos{Line: e.Line, Col: end}}
	}
	return f
}

func contextReport(ctx context.Context, im *discover.Image, cache *walkCache) (*buildctx.Report, error) {
	return dirReport(ctx, im.AbsContext(), im.AbsDockerfile(), buildctx.SourcesOf(im.Model), cache)
}

// dirReport analyses a directory sent to the builder (a build context, or
// a named context when dockerfile is ""), walking each directory and
// ignore file once; the usage is that of the given sources.
func dirReport(ctx context.Context, dir, dockerfile string, sources []buildctx.Source, cache *walkCache) (*buildctx.Report, error) {
	ign, err := buildctx.FindIgnoreFile(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	key := dir + "\x00" + ign.Path
	base, ok := cache.reports[key]
	if !ok {
		base, err = buildctx.Analyze(ctx, dir, buildctx.AnalyzeOptions{Dockerfile: dockerfile, Listings: cache.listings})
		if err != nil {
			return nil, err
		}
		cache.reports[key] = base
	}
	// usage depends on this image's COPY sources
	rep := *base
	u, err := buildctx.ComputeUsage(base.Walk, sources)
	if err != nil {
		return nil, err
	}
	rep.Usage = u
	rep.UnusedDirs = buildctx.TopDirs(u.Unused, 10)
	return &rep, nil
}

// layersAndBases counts the layer-creating instructions of the built
// stage's lineage and lists its external base images.
func layersAndBases(m *dockerfile.File, in *rules.Input) (int, []string) {
	n := 0
	seen := map[string]bool{}
	var bases []string
	for _, s := range m.Stages {
		if s.BaseStage < 0 && !seen[s.Base] {
			seen[s.Base] = true
			bases = append(bases, s.Base)
		}
	}
	final := m.Final(in.Target)
	if final == nil {
		final = m.Final("")
	}
	for _, s := range m.Lineage(final) {
		for _, ins := range s.Instructions {
			switch ins.Kind {
			case "RUN", "COPY", "ADD":
				n++
			}
		}
	}
	sort.Strings(bases)
	return n, bases
}

// rank orders findings by estimated seconds lost, then severity, then
// position, so that the first finding is the one most worth fixing.
func rank(fs []rules.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Cost.Seconds != b.Cost.Seconds {
			return a.Cost.Seconds > b.Cost.Seconds
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if ab, bb := a.Cost.ContextBytes+a.Cost.ImageBytes+a.Cost.LayerBytes, b.Cost.ContextBytes+b.Cost.ImageBytes+b.Cost.LayerBytes; ab != bb {
			return ab > bb
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Range.Start.Line != b.Range.Start.Line {
			return a.Range.Start.Line < b.Range.Start.Line
		}
		return a.RuleID < b.RuleID
	})
}

// Exit reports whether any finding is at or above the fail level.
// Unprocessed counts the images whose Dockerfile could not be read or
// parsed: an input the audit could not process, whatever the fail level.
func (r *Report) Unprocessed() int {
	n := 0
	for _, im := range r.Images {
		if im.Error != "" {
			n++
		}
	}
	return n
}

func (r *Report) Failed(failOn rules.Severity) bool {
	if failOn == 0 {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return true
		}
	}
	return false
}

// RepoFacts are what the inputs of every image share: the KEY=VALUE pairs
// the repository's compose files give the services' environment, and the
// images other images of the repository are built FROM. Computed once per
// discovery (Facts), for every NewInput.
type RepoFacts struct {
	PublishedEnv map[string]bool
	Extended     map[*discover.Image]bool
	// Tested are the Dockerfiles some compose service runs a test suite
	// in (an image of the same Dockerfile must keep what they need)
	Tested map[string]bool
}

// Facts computes the RepoFacts of a discovery.
func Facts(disc *discover.Repo) RepoFacts {
	var f RepoFacts
	for _, kv := range disc.ComposeEnv {
		if f.PublishedEnv == nil {
			f.PublishedEnv = map[string]bool{}
		}
		f.PublishedEnv[kv] = true
	}
	for _, o := range disc.Images {
		if o.RunsTests && o.Dockerfile != "" {
			if f.Tested == nil {
				f.Tested = map[string]bool{}
			}
			f.Tested[o.Dockerfile] = true
		}
		if o.Model == nil {
			continue
		}
		deps := disc.DepRefs(o)
		for _, s := range o.Model.Stages {
			if b := deps[s.Base]; b != nil && s.BaseStage < 0 {
				if f.Extended == nil {
					f.Extended = map[*discover.Image]bool{}
				}
				f.Extended[b] = true
			}
		}
	}
	return f
}

// NewInput is what the rules know of one image: its model and everything
// discovery learned of how it is built (its CI, who builds it FROM it, the
// repository's own base images). The audit and the fixer build it here
// alike, so a fix refuses what the audit's knowledge says it must (review
// 30: the fixer did not know that lnbits' CI publishes its image, and
// took docker-clean out of it).
func NewInput(disc *discover.Repo, facts RepoFacts, im *discover.Image, name string, cfg *config.Config) *rules.Input {
	in := &rules.Input{Image: name, Dockerfile: dfPath(im), File: im.Model, Config: cfg, ContextPath: im.Context, Target: im.Target, NoMounts: im.NoMounts, SuppliedArgs: im.SuppliedArgs, CIWorkflow: im.CI, CILine: im.CILine, CIUncached: im.CIUncached, CIFresh: im.CIFresh, CIPublishes: im.CIPublishes, CIPerRunArgs: im.CIPerRunArgs, CIPlainDocker: im.CIPlainDocker, CIRefresh: im.CIRefresh, CIOnDemand: im.CIOnDemand, CIReleaseOnly: im.CIReleaseOnly, CIPersistedMounts: im.CIPersistedMounts, CIPersistentBuilder: im.CIPersistentBuilder, CIFinalStageCache: im.CIFinalStageCache, CINoCache: im.CINoCache, LocalBuild: im.LocalBuild, Unreferenced: im.Unreferenced, BuiltOnce: im.BuiltOnce, NoLayerCache: im.NoLayerCache, PublishedEnv: facts.PublishedEnv,
		Extended: facts.Extended[im], RunsTests: im.RunsTests || facts.Tested[im.Dockerfile], ServiceHealthcheck: im.Healthcheck, ServiceUser: im.User, ContextInferred: im.ContextInferred, MountsSources: im.MountsSources}
	for ref, o := range disc.DepRefs(im) {
		if in.BuiltHere == nil {
			in.BuiltHere = map[string]bool{}
		}
		in.BuiltHere[ref] = true
		if o.Model != nil {
			if in.RepoBases == nil {
				in.RepoBases = map[string]*dockerfile.File{}
			}
			in.RepoBases[ref] = o.Model
		}
	}
	if im.Model != nil {
		for _, s := range im.Model.Stages {
			if s.BaseStage < 0 && disc.Publishes(s.Base) {
				if in.BuiltHere == nil {
					in.BuiltHere = map[string]bool{}
				}
				in.BuiltHere[s.Base] = true
			}
		}
	}
	return in
}

// ImageFindings runs the per-image rules on one input and applies its
// pragmas and the config, as Run does (no repository rules, no BuildKit
// checks): what the fixer works from.
func ImageFindings(in *rules.Input, cfg *config.Config) []rules.Finding {
	fs := applyPragmas(inBuiltStages(in, RunRules(in)), []*rules.Input{in})
	if cfg != nil {
		fs = applyConfig(fs, cfg)
	}
	return fs
}

// withFixes attaches to each finding the rewrite `layerwise fix` would make
// for it alone (SARIF carries it as the result's fixes).
func withFixes(in *rules.Input, fs []rules.Finding) []rules.Finding {
	for i := range fs {
		r := rules.Get(fs[i].RuleID)
		if r == nil || r.FixDockerfile == nil {
			continue
		}
		if fx, _ := r.FixDockerfile(in, fs[i]); fx != nil {
			fs[i].Fix = fx
		}
	}
	return fs
}
