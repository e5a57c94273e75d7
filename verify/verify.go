// Package verify proves, with real builds, that what `layerwise fix` wrote
// keeps the image and makes rebuilds faster. For each image the fix
// changes it builds the original and the fixed version on private copies of
// the repository (the user's tree is never touched), exports both images
// through the engine (`docker save`, read with go-containerregistry) and
// compares them path by path — type, mode, owner, size, content digest,
// link target, with whiteouts applied — and config field by field. Every
// difference is either intended, attributed to the rule whose rewrite
// causes it (a cache now in a cache mount, a file no longer sent, a
// recommended package no longer installed, the toolchain left in the build
// stage), build noise, or a failure listed path by path. Then it runs the
// rebuild scenarios on both and, with a smoke command, compares what the
// two containers do.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/layerwise/layerwise/internal/safefile"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/rules"
	"github.com/layerwise/layerwise/stepinputs"
)

// Options tune a verification.
type Options struct {
	Builder engine.Builder
	Config  *config.Config
	// Images limits the verification to these images (default: every
	// image the fix changes).
	Images []string
	// Rules limits the fix to these rules; Skip leaves these out for the
	// named images (the bisection of fix --verify).
	Rules []string
	Skip  map[string][]string
	// SharedBase verifies `fix --shared-base` instead of the rules' fixes.
	SharedBase bool
	// Smoke runs in both containers (sh -c, no network); exit code and
	// stdout must be the same.
	Smoke string
	// Scenarios are the rebuild scenarios run on both (default warm,
	// source-change, deps-change); NoRebuilds skips them.
	Scenarios  []string
	NoRebuilds bool
	// CI configures the ci scenarios (each a CI job on a fresh builder);
	// the original and the fixed version get caches of their own.
	CI *measure.CIOptions
	// Docker is the docker CLI that exports and runs the images.
	Docker string
	// BaseImages is discovery's base-image inspection.
	BaseImages func(ctx context.Context, refs []string) map[string]dockerfile.ImageConfig
	// Log receives progress, one line per build.
	Log io.Writer
	// History records every verification build.
	History *history.Store
	Git     history.Git
	Host    string
	// inject, for tests only, rewrites the fixed copy after the fix: the
	// deliberately broken rewrites verify must catch.
	inject func(fixedRoot string) error
}

// Status of an image's verification.
const (
	Verified      = "verified"
	Failed        = "failed"
	CannotVerify  = "cannot-verify"
	OriginalFails = "original-fails"
)

// Rebuild compares one scenario.
type Rebuild struct {
	Scenario      string        `json:"scenario"`
	Original      time.Duration `json:"originalNs"`
	Fixed         time.Duration `json:"fixedNs"`
	Speedup       float64       `json:"speedup"`
	OriginalHit   float64       `json:"originalCacheHitRatio"`
	FixedHit      float64       `json:"fixedCacheHitRatio"`
	OriginalStep  string        `json:"originalDominantStep,omitempty"`
	FixedStep     string        `json:"fixedDominantStep,omitempty"`
	Error         string        `json:"error,omitempty"`
	OriginalError string        `json:"originalError,omitempty"`
}

// Smoke is the smoke command's outcome in both containers.
type Smoke struct {
	Command        string `json:"command"`
	Same           bool   `json:"same"`
	OriginalExit   int    `json:"originalExit"`
	FixedExit      int    `json:"fixedExit"`
	OriginalOutput string `json:"originalStdout"`
	FixedOutput    string `json:"fixedStdout"`
}

// ImageResult is the verdict on one image.
type ImageResult struct {
	Image      string      `json:"image"`
	Dockerfile string      `json:"dockerfile"`
	Status     string      `json:"status"`
	Reason     string      `json:"reason,omitempty"`
	Rules      []string    `json:"rules"`
	Comparison *Comparison `json:"comparison,omitempty"`
	Smoke      *Smoke      `json:"smoke,omitempty"`
	Cold       *Rebuild    `json:"cold,omitempty"`
	Rebuilds   []*Rebuild  `json:"rebuilds,omitempty"`
}

// Report is a verification of a repository.
type Report struct {
	Root   string         `json:"root"`
	Images []*ImageResult `json:"images"`
	// Files are the fixes verified (their paths relative to Root).
	Files []*fix.FileFix `json:"-"`
	Notes []fix.Note     `json:"notes,omitempty"`
}

// OK reports whether every image verified.
func (r *Report) OK() bool {
	for _, im := range r.Images {
		if im.Status != Verified && im.Status != OriginalFails {
			return false
		}
	}
	return true
}

// Run verifies the fixes of the repository at root.
func Run(ctx context.Context, root string, opt Options) (*Report, error) {
	if opt.Config == nil {
		opt.Config = config.Default()
	}
	if opt.Docker == "" {
		opt.Docker = "docker"
	}
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "layerwise-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // the copies go whatever happens, Ctrl-C included
	origRoot, fixedRoot := filepath.Join(tmp, "original", filepath.Base(abs)), filepath.Join(tmp, "fixed", filepath.Base(abs))
	for _, d := range []string{origRoot, fixedRoot} {
		if err := measure.CopyTree(abs, d); err != nil {
			return nil, fmt.Errorf("copying %s: %w", root, err)
		}
	}
	dopt := discover.Options{BaseImages: opt.BaseImages, Exclude: opt.Config.Exclude}
	fdisc, err := discover.Discover(ctx, fixedRoot, dopt)
	if err != nil {
		return nil, err
	}
	fr, err := fix.Run(ctx, fdisc, fix.Options{Config: opt.Config, Rules: opt.Rules, Skip: opt.Skip, SharedBase: opt.SharedBase})
	if err != nil {
		return nil, err
	}
	res := &Report{Root: abs, Notes: fr.Notes}
	changed := map[string]*fix.FileFix{}
	for _, f := range fr.Files {
		if err := os.MkdirAll(filepath.Dir(f.Abs), 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.Write(f.Abs, f.After, 0o644); err != nil {
			return nil, err
		}
		changed[f.Path] = f
		cp := *f
		cp.Abs = filepath.Join(abs, filepath.FromSlash(f.Path))
		res.Files = append(res.Files, &cp)
	}
	if opt.inject != nil {
		if err := opt.inject(fixedRoot); err != nil {
			return nil, err
		}
	}
	odisc, err := discover.Discover(ctx, origRoot, dopt)
	if err != nil {
		return nil, err
	}
	if fdisc, err = discover.Discover(ctx, fixedRoot, dopt); err != nil {
		return nil, err
	}
	byName := func(d *discover.Repo) map[string]*discover.Image {
		m := map[string]*discover.Image{}
		for _, im := range d.Images {
			m[im.Name] = im
		}
		return m
	}
	origs, fixeds := byName(odisc), byName(fdisc)
	want := map[string]bool{}
	for _, n := range opt.Images {
		if origs[n] == nil {
			return nil, fmt.Errorf("no image named %q", n)
		}
		want[n] = true
	}
	var names []string
	for _, im := range odisc.Images {
		if len(opt.Images) > 0 && !want[im.Name] || fixeds[im.Name] == nil {
			continue
		}
		if len(opt.Images) == 0 && touchedBy(im, changed) == nil && opt.inject == nil {
			continue // the fix changes nothing this image reads
		}
		names = append(names, im.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o, f := origs[n], fixeds[n]
		ir := &ImageResult{Image: n, Dockerfile: o.Dockerfile, Rules: touchedBy(o, changed)}
		res.Images = append(res.Images, ir)
		if o.Model == nil || f.Model == nil {
			ir.Status, ir.Reason = CannotVerify, "the Dockerfile does not parse"
			continue
		}
		if err := verifyImage(ctx, opt, tmp, odisc, fdisc, o, f, ir, changed, logf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// touchedBy lists the rules whose fixes change what an image reads (its
// Dockerfile, or the ignore file of its context); nil when none.
func touchedBy(im *discover.Image, changed map[string]*fix.FileFix) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f *fix.FileFix) {
		for _, a := range f.Applied {
			if !seen[a.Rule] {
				seen[a.Rule] = true
				out = append(out, a.Rule)
			}
		}
	}
	if f := changed[im.Dockerfile]; f != nil {
		add(f)
	}
	for p, f := range changed {
		if path.Base(p) == ".dockerignore" || strings.HasSuffix(p, ".dockerignore") {
			dir := path.Dir(p)
			if dir == im.Context || (im.Context == "." && dir == ".") || p == im.Dockerfile+".dockerignore" {
				add(f)
			}
		}
	}
	sort.Strings(out)
	return out
}

// rewrittenIn maps the fixed files inside the image's context to the
// rules that rewrote them.
func rewrittenIn(im *discover.Image, changed map[string]*fix.FileFix) map[string]string {
	out := map[string]string{}
	for p, f := range changed {
		rel := p
		if im.Context != "." {
			var ok bool
			if rel, ok = strings.CutPrefix(p, im.Context+"/"); !ok {
				continue
			}
		}
		var rs []string
		for _, a := range f.Applied {
			rs = append(rs, a.Rule)
		}
		if len(rs) == 0 {
			// an ignore file the fix wrote: the ignore rewrite's rule
			rs = []string{ignoreRule()}
		}
		out[rel] = rs[0]
	}
	return out
}

// effectRule is the rule whose fix makes image changes of kind e: verify
// asks the rules rather than knowing them.
func effectRule(e rules.ImageEffect) string { return rules.WithEffect(e) }

// ignoreRule is the rule an ignore file the fix writes stands for: the
// first whose findings the .dockerignore rewrite resolves as a whole.
func ignoreRule() string {
	for _, r := range rules.All() {
		if r.FixesIgnore {
			return r.ID
		}
	}
	return ""
}

// declaredExcludes are the context-relative paths the fix's ignore files
// for the image's context stop sending on purpose.
func declaredExcludes(im *discover.Image, changed map[string]*fix.FileFix) []string {
	var out []string
	for p, f := range changed {
		dir := path.Dir(p)
		if len(f.Excludes) > 0 && (dir == im.Context || p == im.Dockerfile+".dockerignore") {
			out = append(out, f.Excludes...)
		}
	}
	return out
}

func verifyImage(ctx context.Context, opt Options, tmp string, odisc, fdisc *discover.Repo, o, f *discover.Image, ir *ImageResult, changed map[string]*fix.FileFix, logf func(string, ...any)) error {
	rewritten := rewrittenIn(o, changed)
	info, err := opt.Builder.Info(ctx)
	if err != nil {
		return err
	}
	tag := func(variant string) string {
		return fmt.Sprintf("layerwise.local/verify-%s:%s-%d", graphbuild.Sanitize(o.Name), variant, os.Getpid())
	}
	defer func() {
		// the images it made go too (a cancelled context must not stop it)
		exec.Command(opt.Docker, "image", "rm", "-f", tag("original"), tag("fixed")).Run()
	}()
	builds := map[string]*engine.Result{}
	for _, v := range []struct {
		name string
		disc *discover.Repo
		im   *discover.Image
	}{{"original", odisc, o}, {"fixed", fdisc, f}} {
		if err := measure.BuildDeps(ctx, opt.Builder, v.disc, []*discover.Image{v.im}, opt.Log); err != nil {
			return err
		}
		contexts, err := graphbuild.Contexts(v.disc, v.im)
		if err != nil {
			return err
		}
		// what the steps read, recorded with the build (layerwise why)
		var inputs *history.Inputs
		if opt.History != nil {
			var baseID func(string) string
			if store, ok := opt.Builder.(engine.ImageStore); ok {
				baseID = stepinputs.BaseIDs(ctx, store)
			}
			if inputs, err = stepinputs.Of(ctx, v.im, stepinputs.NewHasher(), baseID); err != nil {
				logf("%s %s: the steps' inputs are not recorded: %v", o.Name, v.name, err)
				inputs = nil
			}
		}
		started := time.Now()
		r, err := opt.Builder.Build(ctx, engine.Request{ContextDir: v.im.AbsContext(), Dockerfile: v.im.AbsDockerfile(), Target: v.im.Target,
			BuildArgs: v.im.Args, Contexts: contexts, NoCache: true, Tag: tag(v.name), Load: true})
		if err != nil {
			return err
		}
		logf("%s %s cold build: %.1f s", o.Name, v.name, r.Wall.Seconds())
		if opt.History != nil {
			b := &history.Build{StartedAt: started, Image: o.Name, Scenario: "verify-" + v.name, Repetition: 1, Dockerfile: o.Dockerfile,
				Git: opt.Git, Host: opt.Host, Builder: info, Result: *r, Inputs: inputs}
			if _, err := opt.History.Append(ctx, b); err != nil {
				return fmt.Errorf("recording the build in %s: %w", opt.History.Path, err)
			}
		}
		if r.Failed() {
			if v.name == "original" {
				if base := missingBase(ctx, opt.Docker, o.Model, r.Err); base != "" {
					ir.Status, ir.Reason = CannotVerify, fmt.Sprintf("cannot verify %s: base image %s is not available to the builder (build or load it first)", o.Name, base)
				} else {
					ir.Status, ir.Reason = OriginalFails, "the original does not build (not counted against the fix): "+r.Err
				}
			} else {
				ir.Status, ir.Reason = Failed, "the fixed Dockerfile does not build: "+r.Err
			}
			return nil
		}
		builds[v.name] = r
	}
	ir.Cold = rebuild("cold", builds["original"], builds["fixed"])
	os_, err := SnapshotFromDocker(ctx, opt.Docker, tag("original"), tmp)
	if err != nil {
		return err
	}
	fs_, err := SnapshotFromDocker(ctx, opt.Docker, tag("fixed"), tmp)
	if err != nil {
		return err
	}
	in, err := intentOf(ctx, o, f, declaredExcludes(o, changed))
	if err != nil {
		return err
	}
	in.Rewritten = rewritten
	// the config fields the applied rules say their fixes change
	for _, id := range ir.Rules {
		in.Lockfiles = in.Lockfiles || id == effectRule(rules.EffectLockfileRecopied)
		if r := rules.Get(id); r != nil {
			for _, field := range r.ImageConfig {
				if in.ConfigFields == nil {
					in.ConfigFields = map[string]string{}
				}
				in.ConfigFields[field] = id
			}
		}
	}
	ir.Comparison = Compare(os_, fs_, in)
	ir.Status = Verified
	if !ir.Comparison.Same {
		ir.Status, ir.Reason = Failed, fmt.Sprintf("%d differences no rule explains", len(ir.Comparison.Failures))
	}
	if opt.Smoke != "" {
		ir.Smoke = smoke(ctx, opt.Docker, tag("original"), tag("fixed"), opt.Smoke)
		if !ir.Smoke.Same {
			ir.Status, ir.Reason = Failed, "the smoke command behaves differently"
		}
	}
	if opt.NoRebuilds || ir.Status != Verified {
		return nil
	}
	scen := measure.ExpandScenarios(opt.Scenarios)
	if len(scen) == 0 {
		scen = []string{measure.Warm, measure.Source, measure.Deps}
	}
	ms := map[string][]*measure.Measurement{}
	for _, v := range []struct {
		name string
		disc *discover.Repo
		im   *discover.Image
	}{{"original", odisc, o}, {"fixed", fdisc, f}} {
		m, err := measure.Image(ctx, v.im, measure.Options{Builder: opt.Builder, Scenarios: scen, Repetitions: 1, Repo: v.disc, Log: opt.Log,
			History: opt.History, Git: opt.Git, Host: opt.Host, CI: opt.CI.Variant(v.name)})
		if err != nil {
			return err
		}
		ms[v.name] = m
	}
	for i := range ms["original"] {
		a, b := ms["original"][i], ms["fixed"][i]
		rb := &Rebuild{Scenario: a.Scenario, Error: b.Error, OriginalError: a.Error}
		if a.Skipped != "" || b.Skipped != "" {
			rb.Error = a.Skipped
			if rb.Error == "" || (b.Skipped != "" && b.Skipped != a.Skipped) {
				rb.Error = strings.TrimSpace(rb.Error + " " + b.Skipped)
			}
		}
		if len(a.Runs) > 0 && len(b.Runs) > 0 {
			x := rebuild(a.Scenario, a.Runs[0], b.Runs[0])
			x.Error, x.OriginalError = rb.Error, rb.OriginalError
			rb = x
		}
		ir.Rebuilds = append(ir.Rebuilds, rb)
	}
	return nil
}

func rebuild(scenario string, a, b *engine.Result) *Rebuild {
	r := &Rebuild{Scenario: scenario, Original: a.Wall, Fixed: b.Wall, OriginalHit: a.CacheHitRatio, FixedHit: b.CacheHitRatio,
		OriginalStep: dominant(a), FixedStep: dominant(b)}
	if b.Wall > 0 {
		r.Speedup = a.Wall.Seconds() / b.Wall.Seconds()
	}
	return r
}

// dominant is the step that took longest, with its seconds.
func dominant(r *engine.Result) string {
	var best *engine.Step
	for i := range r.Steps {
		s := &r.Steps[i]
		if s.Kind == "internal" {
			continue
		}
		if best == nil || s.Duration > best.Duration {
			best = s
		}
	}
	if best == nil {
		return ""
	}
	return fmt.Sprintf("%s (%.1f s)", best.Key, best.Duration.Seconds())
}

// missingBase names the external base image the builder could not get,
// when that is why the original failed.
func missingBase(ctx context.Context, docker string, m *dockerfile.File, buildErr string) string {
	l := strings.ToLower(buildErr)
	if !strings.Contains(l, "pull access denied") && !strings.Contains(l, "not found") && !strings.Contains(l, "failed to resolve") &&
		!strings.Contains(l, "failed to do request") && !strings.Contains(l, "no such host") && !strings.Contains(l, "manifest unknown") {
		return ""
	}
	for _, s := range m.Stages {
		if s.BaseStage >= 0 || s.IsScratch() {
			continue
		}
		if exec.CommandContext(ctx, docker, "image", "inspect", s.Base).Run() != nil {
			return s.Base
		}
	}
	return ""
}

// smoke runs the command in both images, without network.
func smoke(ctx context.Context, docker, a, b, command string) *Smoke {
	run := func(tag string) (int, string) {
		cmd := exec.CommandContext(ctx, docker, "run", "--rm", "--network", "none", "--entrypoint", "sh", tag, "-c", command)
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1
		}
		return code, string(out)
	}
	s := &Smoke{Command: command}
	s.OriginalExit, s.OriginalOutput = run(a)
	s.FixedExit, s.FixedOutput = run(b)
	s.Same = s.OriginalExit == s.FixedExit && s.OriginalOutput == s.FixedOutput
	return s
}

// prefetchedStores are the package stores of the dependency steps the fix
// added: RUNs of the fixed Dockerfile that the original does not have,
// which install from manifests alone into a store.
func prefetchedStores(o, f *dockerfile.File) []string {
	var out []string
	had := map[string]bool{}
	for _, st := range o.Stages {
		for _, x := range st.Instructions {
			if x.Run != nil {
				had[x.Run.Script] = true
			}
		}
	}
	for _, st := range f.Stages {
		root := st
		for seen := 0; root.BaseStage >= 0 && root.BaseStage < len(f.Stages) && seen < len(f.Stages); seen++ {
			root = f.Stages[root.BaseStage]
		}
		for _, x := range st.Instructions {
			if x.Run == nil || had[x.Run.Script] {
				continue
			}
			for _, c := range x.Run.Commands {
				if i := rules.Classify(c); i != nil && i.FromManifest && !i.Compile {
					if d := i.Tool.StoreDir(x.State, root.Base); d != "" && !slices.Contains(out, d) {
						out = append(out, d)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// intentOf reads from the two Dockerfiles and contexts what the fix set
// out to change.
func intentOf(ctx context.Context, o, f *discover.Image, declared []string) (Intent, error) {
	var in Intent
	mounts := func(m *dockerfile.File) map[string]bool {
		out := map[string]bool{}
		for _, s := range m.Stages {
			for _, x := range s.Instructions {
				if x.Run == nil {
					continue
				}
				for _, mt := range x.Run.Mounts {
					if mt.Type == "cache" && mt.Target != "" {
						t := mt.Target
						if !path.IsAbs(t) {
							t = path.Join(x.State.Workdir, t)
						}
						out[path.Clean(t)] = true
					}
				}
			}
		}
		return out
	}
	before := mounts(o.Model)
	for t := range before {
		in.Mounts = append(in.Mounts, t)
	}
	after := mounts(f.Model)
	for t := range after {
		if !before[t] {
			in.CacheDirs = append(in.CacheDirs, t)
			in.Mounts = append(in.Mounts, t)
		}
	}
	for t := range before {
		if !after[t] {
			in.Stored = append(in.Stored, t)
		}
	}
	in.Prefetched = prefetchedStores(o.Model, f.Model)
	sort.Strings(in.CacheDirs)
	sort.Strings(in.Stored)
	sort.Strings(in.Mounts)
	count := func(m *dockerfile.File, s string) int {
		n := 0
		for _, st := range m.Stages {
			for _, x := range st.Instructions {
				if x.Run != nil {
					n += strings.Count(x.Run.Script, s)
				}
			}
		}
		return n
	}
	in.AptKeep = count(f.Model, "docker-clean") > count(o.Model, "docker-clean")
	// development dependencies pruned in a build stage, the application
	// directory copied into a runtime stage on the same base
	if of, ff := finalStage(o), finalStage(f); of != nil && ff != nil && ff.Base == of.Base && len(f.Model.Stages) > len(o.Model.Stages) &&
		count(f.Model, "npm prune") > count(o.Model, "npm prune") {
		for _, x := range ff.Instructions {
			if x.Copy != nil && x.Copy.From != "" {
				d := x.Copy.Dest
				if !path.IsAbs(d) {
					d = path.Join(x.State.Workdir, d)
				}
				in.Pruned = append(in.Pruned, path.Clean(d))
			}
		}
		in.DevPackages = devPackages(o.AbsContext())
	}
	in.Recommends = count(f.Model, "--no-install-recommends") > count(o.Model, "--no-install-recommends")
	// what the new ignore file stops sending
	walk := func(im *discover.Image) (map[string]bool, error) {
		ign, err := buildctx.FindIgnoreFile(im.AbsContext(), im.AbsDockerfile())
		if err != nil {
			return nil, err
		}
		w, err := buildctx.WalkContext(ctx, im.AbsContext(), buildctx.WalkOptions{Patterns: ign.Patterns})
		if err != nil {
			return nil, err
		}
		out := map[string]bool{}
		for _, e := range w.Entries {
			out[e.Path] = true
		}
		return out, nil
	}
	a, err := walk(o)
	if err != nil {
		return in, err
	}
	b, err := walk(f)
	if err != nil {
		return in, err
	}
	// only what the fix declared it stops sending is intended: anything
	// else the new ignore file drops is a failure (a COPY source lost)
	for p := range a {
		if b[p] {
			continue
		}
		for _, d := range declared {
			if p == d || strings.HasPrefix(p, d+"/") {
				in.Excluded = append(in.Excluded, p)
				break
			}
		}
	}
	sort.Strings(in.Excluded)
	// a split into build and runtime stages: the application is what the
	// final stage copies from the build stage, and its working directory
	of, ff := finalStage(o), finalStage(f)
	if of != nil && ff != nil && len(f.Model.Stages) > len(o.Model.Stages) && ff.Base != of.Base {
		for _, x := range ff.Instructions {
			if x.Copy != nil && x.Copy.From != "" {
				d := x.Copy.Dest
				if !path.IsAbs(d) {
					d = path.Join(x.State.Workdir, d)
				}
				in.Runtime = append(in.Runtime, path.Clean(d))
			}
		}
		in.OwnLabels, in.OwnEnv = map[string]bool{}, map[string]bool{}
		for _, s := range o.Model.Stages {
			for _, x := range s.Instructions {
				switch c := x.Cmd.(type) {
				case *instructions.LabelCommand:
					for _, kv := range c.Labels {
						in.OwnLabels[kv.Key] = true
					}
				case *instructions.EnvCommand:
					for _, kv := range c.Env {
						in.OwnEnv[kv.Key] = true
					}
				}
			}
		}
	}
	return in, nil
}

func finalStage(im *discover.Image) *dockerfile.Stage {
	if s := im.Model.Final(im.Target); s != nil {
		return s
	}
	return im.Model.Final("")
}

// devPackages reads the context's package-lock.json (lockfile v2/v3) for
// the packages only development dependencies need ("dev": true), keyed by
// their path under the project ("node_modules/eslint"); nil without one.
func devPackages(contextDir string) map[string]bool {
	data, err := safefile.ReadWithin(contextDir, filepath.Join(contextDir, "package-lock.json"), safefile.MaxManifest)
	if err != nil {
		return nil
	}
	var lock struct {
		Packages map[string]struct {
			Dev         bool `json:"dev"`
			DevOptional bool `json:"devOptional"`
		} `json:"packages"`
	}
	if json.Unmarshal(data, &lock) != nil || len(lock.Packages) == 0 {
		return nil
	}
	out := map[string]bool{}
	for k, p := range lock.Packages {
		out[k] = p.Dev || p.DevOptional
	}
	return out
}
