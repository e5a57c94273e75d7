// Package fix rewrites Dockerfiles and .dockerignore files so that builds
// hit the cache, and never breaks them: every rewrite re-parses with
// BuildKit's parser, a rewrite that does not is dropped, and a rule that
// cannot rewrite safely says why and leaves the file alone.
//
// Dockerfile fixes live with their rules (rules.Rule.FixDockerfile). The
// fixer applies them one at a time and re-audits after each, so fixes that
// touch the same lines compose, and running the fixer on its own output
// changes nothing.
package fix

import (
	"bytes"
	"context"
	"fmt"
	"github.com/pmezard/go-difflib/difflib"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/layerwise/layerwise/rules"
)

// Options tune the fixer.
type Options struct {
	Config *config.Config
	// Rules limits the fixes to these rule IDs (empty: every fixable rule).
	Rules []string
	// Skip leaves rules out for one Dockerfile (repository-relative path):
	// fix --verify leaves out the rules whose rewrite failed to verify. A
	// context rule (rules.Rule.FixesIgnore) left out for a Dockerfile
	// leaves its context's ignore file alone.
	Skip map[string][]string
	// SharedBase makes Run write the shared base images of LW116 instead
	// of the rules' fixes (fix --shared-base; see SharedBase).
	SharedBase bool
	// Only limits the rewrite to these images (nil: all): their
	// Dockerfiles, and the ignore files of the contexts they read, which
	// still keep what every other image reading the same context needs
	// (fix FILE..., as pre-commit passes the changed files).
	Only func(*discover.Image) bool

	// contexts are the build contexts each Dockerfile is built with.
	contexts map[string][]string
	// requiredExcludes: per Dockerfile (repository-relative), the context
	// paths its fixes count on the ignore rewrite excluding
	// (rules.Fix.NeedsExcluded), present now or not
	requiredExcludes map[string][]string
	// ignoreNotFixed: fix the Dockerfiles without counting on the ignore
	// rewrite (it did not exclude what a fix needed excluded).
	ignoreNotFixed bool

	// walks are the context walks Run already made, by context directory
	// and ignore file: the .dockerignore proof starts from them instead of
	// walking the same context again.
	walks map[string]*buildctx.Walk
	// repo is the discovery Run fixes (what the audit knows of each
	// image's builds), facts what its images share
	repo  *discover.Repo
	facts audit.RepoFacts
}

func walkKey(contextDir, ignoreFile string) string { return contextDir + "\x00" + ignoreFile }

func (o Options) skips(dockerfile, id string) bool {
	for _, r := range o.Skip[dockerfile] {
		if r == id {
			return true
		}
	}
	return false
}

// wantsIgnoreRewrite: some rule whose findings the .dockerignore rewrite
// resolves is among the rules asked for (rules.Rule.FixesIgnore).
func (o Options) wantsIgnoreRewrite() bool {
	for _, r := range rules.All() {
		if r.FixesIgnore && o.wants(r.ID) {
			return true
		}
	}
	return false
}

func (o Options) wants(id string) bool {
	if len(o.Rules) == 0 {
		return true
	}
	for _, r := range o.Rules {
		if r == id {
			return true
		}
	}
	return false
}

// FileFix is the rewrite of one file.
type FileFix struct {
	// Path is repository-relative; Abs absolute.
	Path string `json:"path"`
	Abs  string `json:"-"`
	// Before is nil for a file the fixer creates.
	Before  []byte    `json:"-"`
	After   []byte    `json:"-"`
	Applied []Applied `json:"applied"`
	// Excludes are the context paths (relative to the ignore file's
	// directory) a .dockerignore rewrite stops sending on purpose: what
	// verify accepts as no longer in the image.
	Excludes []string `json:"excludes,omitempty"`
	// needsExcluded are the context paths the applied fixes count on the
	// context's ignore rewrite to stop sending (rules.Fix.NeedsExcluded).
	needsExcluded []string
	image         *discover.Image
}

// Changed reports whether the file changes.
func (f *FileFix) Changed() bool {
	return !bytes.Equal(f.Before, f.After) || (f.Before == nil && f.After != nil)
}

// Applied is one fix that was applied.
type Applied struct {
	Rule        string `json:"rule"`
	Line        int    `json:"line,omitempty"`
	Description string `json:"description"`
}

// Note is a finding the fixer left alone, with the reason, or a path a
// .dockerignore rewrite stops sending on purpose.
type Note struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason"`
}

// Result is what the fixer would write.
type Result struct {
	Files []*FileFix `json:"files"`
	Notes []Note     `json:"notes"`
}

// Run computes the fixes for every image of a discovery result.
func Run(ctx context.Context, disc *discover.Repo, opt Options) (*Result, error) {
	if opt.Config == nil {
		opt.Config = config.Default()
	}
	if opt.SharedBase {
		res, err := SharedBase(ctx, disc, opt)
		if err == nil {
			res.confine(disc.Root)
		}
		return res, err
	}
	res := &Result{}
	done := map[string]bool{}
	opt.repo, opt.facts = disc, audit.Facts(disc)
	opt.walks = map[string]*buildctx.Walk{}
	// the contexts each Dockerfile is built with: a rewrite that copies
	// files by name must hold in every one of them
	opt.contexts = map[string][]string{}
	for _, im := range disc.Images {
		if im.Dockerfile != "" && im.Refused == "" && !slices.Contains(opt.contexts[im.Dockerfile], im.Context) {
			opt.contexts[im.Dockerfile] = append(opt.contexts[im.Dockerfile], im.Context)
		}
	}
	for _, im := range disc.Images {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if im.Refused != "" {
			// discovery read nothing of it: a path outside the repository
			res.Notes = append(res.Notes, Note{File: im.SourceFile, Reason: im.Refused + " Left as it is."})
			continue
		}
		if im.Model == nil || im.Dockerfile == "" || done[im.Dockerfile] || (opt.Only != nil && !opt.Only(im)) {
			continue
		}
		done[im.Dockerfile] = true
		if im.Dockerfile == ".." || strings.HasPrefix(im.Dockerfile, "../") {
			// layerwise fix PATH writes under PATH only
			res.Notes = append(res.Notes, Note{File: im.Dockerfile, Reason: "the Dockerfile is outside " + disc.Root + ": left as it is"})
			continue
		}
		if im.Error != nil {
			res.Notes = append(res.Notes, Note{File: im.Dockerfile, Line: im.Error.Line, Reason: "the Dockerfile does not parse: " + im.Error.Message})
			continue
		}
		if what, line := opt.input(im).Generated(); what != "" {
			res.Notes = append(res.Notes, Note{File: im.Dockerfile, Line: line, Reason: fmt.Sprintf("the Dockerfile says a tool writes it (%q): a rewrite would be lost at the next generation; left as it is — change what generates it", what)})
			continue
		}
		if opt.input(im).TestFixture() {
			// a test reads it as it is (a linter's fixture, wrong on
			// purpose: review 29, garden)
			res.Notes = append(res.Notes, Note{File: im.Dockerfile, Reason: "a test's input (under a test data directory, built by no CI): left as it is"})
			continue
		}
		rep, err := contextReport(ctx, im)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			res.Notes = append(res.Notes, Note{File: im.Dockerfile, Reason: "build context: " + err.Error()})
		} else {
			opt.walks[walkKey(im.AbsContext(), rep.IgnoreFile.Path)] = rep.Walk
		}
		ff, notes, err := Dockerfile(ctx, im, rep, opt)
		if err != nil {
			return nil, err
		}
		res.Notes = append(res.Notes, notes...)
		if ff.Changed() {
			res.Files = append(res.Files, ff)
		}
	}
	if opt.wantsIgnoreRewrite() {
		iopt := opt
		iopt.requiredExcludes = map[string][]string{}
		for _, ff := range res.Files {
			if ff.image != nil && len(ff.needsExcluded) > 0 {
				iopt.requiredExcludes[ff.image.Dockerfile] = append(iopt.requiredExcludes[ff.image.Dockerfile], ff.needsExcluded...)
			}
		}
		ign, notes, err := Ignores(ctx, disc, iopt)
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, ign...)
		res.Notes = append(res.Notes, notes...)
		// a Dockerfile fix that counted on the ignore rewrite excluding a
		// path (the sent node_modules a moved install would be overwritten
		// by) is made again without it where the rewrite left the path
		// sent: another image of the context needs it, the ignore file was
		// left alone
		for i, ff := range res.Files {
			if len(ff.needsExcluded) == 0 || ff.image == nil || excludedBy(ign, ff.image, ff.needsExcluded) {
				continue
			}
			again := opt
			again.ignoreNotFixed = true
			rep, err := contextReport(ctx, ff.image)
			if err != nil {
				rep = nil
			}
			nf, notes, err := Dockerfile(ctx, ff.image, rep, again)
			if err != nil {
				return nil, err
			}
			res.Files[i] = nf
			res.Notes = append(res.Notes, notes...)
		}
		kept := res.Files[:0]
		for _, f := range res.Files {
			if f.Changed() {
				kept = append(kept, f)
			}
		}
		res.Files = kept
	}
	res.confine(disc.Root)
	res.Notes = uniqueNotes(res.Notes)
	sort.SliceStable(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	return res, nil
}

// input is what the rules know of the image, as the audit knows it: its
// CI and the repository's images around it, when the fixer was given the
// discovery (Run); the Dockerfile's own facts alone otherwise. A
// Dockerfile built as several images is fixed once: it is published when
// any of them is.
func (opt Options) input(im *discover.Image) *rules.Input {
	if opt.repo == nil {
		return &rules.Input{Image: im.Name, Dockerfile: im.Dockerfile, File: im.Model, Config: opt.Config, ContextPath: im.Context, Target: im.Target,
			ServiceHealthcheck: im.Healthcheck, ServiceUser: im.User}
	}
	in := audit.NewInput(opt.repo, opt.facts, im, im.Name, opt.Config)
	in.Dockerfile = im.Dockerfile
	for _, o := range opt.repo.Images {
		if o == im || o.Dockerfile != im.Dockerfile {
			continue
		}
		if o.CIPublishes && !in.CIPublishes {
			in.CIPublishes, in.CIWorkflow = true, o.CI
		}
		// a builder of any of them that rejects RUN --mount rejects the
		// rewrite (compose v1 beside a bake target), and a local build
		// of any is one
		if o.NoMounts != "" && in.NoMounts == "" {
			in.NoMounts = o.NoMounts
		}
		in.LocalBuild = in.LocalBuild || o.LocalBuild
		// another CI that keeps every stage's layers reuses them
		in.CIFinalStageCache = in.CIFinalStageCache && (o.CI == "" || o.CIFinalStageCache || o.CIUncached)
	}
	return in
}

// others are the contexts but this one.
func others(all []string, this string) []string {
	var out []string
	for _, c := range all {
		if c != this {
			out = append(out, c)
		}
	}
	return out
}

// excludedBy: the ignore rewrite of the image's context excludes every
// path (context-relative) in paths.
func excludedBy(ign []*FileFix, im *discover.Image, paths []string) bool {
	// the ignore file that applies to the image: its Dockerfile's own
	// (Dockerfile.dockerignore), else the context's
	target := filepath.Join(im.AbsContext(), ".dockerignore")
	if f, err := buildctx.FindIgnoreFile(im.AbsContext(), im.AbsDockerfile()); err == nil && f.Path != "" {
		target = f.Path
	}
	for _, p := range paths {
		ok := false
		for _, f := range ign {
			if filepath.Clean(f.Abs) != filepath.Clean(target) {
				continue
			}
			for _, e := range f.Excludes {
				if p == e || strings.HasPrefix(p, e+"/") {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// uniqueNotes drops repeated notes (a refused image is noted by the
// Dockerfile pass and by the ignore pass).
func uniqueNotes(ns []Note) []Note {
	seen := map[Note]bool{}
	out := ns[:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// confine drops the files that resolve, through a symlink on the way (a
// context directory `ext -> ../outside`), outside the repository: the
// fixer proposes no edit it must not write (the writer checks again).
func (res *Result) confine(root string) {
	kept := res.Files[:0]
	for _, f := range res.Files {
		if _, err := atomicfile.Within(root, f.Abs); err != nil {
			res.Notes = append(res.Notes, Note{File: f.Path, Reason: err.Error()})
			continue
		}
		kept = append(kept, f)
	}
	res.Files = kept
}

func contextReport(ctx context.Context, im *discover.Image) (*buildctx.Report, error) {
	return buildctx.Analyze(ctx, im.AbsContext(), buildctx.AnalyzeOptions{Dockerfile: im.AbsDockerfile(), Sources: buildctx.SourcesOf(im.Model)})
}

// Dockerfile fixes one image's Dockerfile.
func Dockerfile(ctx context.Context, im *discover.Image, rep *buildctx.Report, opt Options) (*FileFix, []Note, error) {
	orig := []byte(strings.Join(im.Model.Lines, "\n"))
	data, err := safefile.ReadRegular(im.AbsDockerfile(), safefile.MaxManifest)
	if err == nil {
		orig = data
	}
	ff := &FileFix{Path: im.Dockerfile, Abs: im.AbsDockerfile(), Before: orig}
	after, applied, notes, needs := fixText(ctx, im, rep, orig, opt)
	ff.After, ff.Applied, ff.needsExcluded, ff.image = after, applied, needs, im
	return ff, notes, nil
}

// maxFixes bounds the fix loop (each pass applies one fix).
const maxFixes = 50

func fixText(ctx context.Context, im *discover.Image, rep *buildctx.Report, orig []byte, opt Options) ([]byte, []Applied, []Note, []string) {
	style := styleOf(orig)
	m, err := dockerfile.Parse(im.Dockerfile, orig, im.ParseOptions())
	if err != nil {
		return orig, nil, []Note{{File: im.Dockerfile, Reason: "does not parse: " + err.Error()}}, nil
	}
	if u := m.Unclean; u != nil {
		return orig, nil, []Note{{File: im.Dockerfile, Line: u.Line, Reason: u.Message}}, nil
	}
	for _, st := range m.Stages {
		if rules.IsWindowsImage(st.Base) || strings.Contains(strings.ToLower(st.Platform), "windows") {
			return orig, nil, []Note{{File: im.Dockerfile, Line: st.Range.Start.Line, Reason: "a Windows image (" + st.Base + "): layerwise's rewrites (cache mounts, Linux paths, apt) are for Linux images; the Dockerfile is left as it is"}}, nil
		}
		for _, x := range st.Instructions {
			if x.Kind == "ONBUILD" {
				return orig, nil, []Note{{File: im.Dockerfile, Line: x.Range.Start.Line, Reason: "ONBUILD instructions run in other images' builds: the Dockerfile is left as it is"}}, nil
			}
		}
	}
	lines := m.Lines
	var applied []Applied
	var needs []string
	var notes []Note
	tried := map[string]bool{}
	// a fix that does not resolve its finding would come back at the same
	// instruction with every pass (the text changes, so tried does not
	// see it): after a few, it is refused
	again := map[string]int{}
	var cur *view                      // the current version's findings, computed once
	noMounts := opt.input(im).NoMounts // (what any image of the Dockerfile says)
	for pass := 0; pass < maxFixes; pass++ {
		if ctx.Err() != nil {
			break
		}
		if cur == nil {
			in := opt.input(im)
			in.File, in.Context, in.NoMounts = m, rep, noMounts
			in.IgnoreFixed, in.OtherContexts = opt.wantsIgnoreRewrite() && !opt.ignoreNotFixed, others(opt.contexts[im.Dockerfile], im.Context)
			cur = newView(ctx, in, style.join(lines))
		}
		in := cur.in
		var next *rules.Finding
		var rule *rules.Rule
		for _, f := range sortedByLine(append([]rules.Finding(nil), cur.findings...)) {
			r := rules.Get(f.RuleID)
			key := fmt.Sprintf("%s\x00%d\x00%s", f.RuleID, f.Range.Start.Line, lineText(m, f.Range.Start.Line))
			if r == nil || r.FixDockerfile == nil || !opt.wants(f.RuleID) || opt.skips(im.Dockerfile, f.RuleID) || tried[key] {
				continue
			}
			at := fmt.Sprintf("%s\x00%d", f.RuleID, f.Range.Start.Line)
			if again[at]++; again[at] > 3 {
				tried[key] = true
				notes = append(notes, Note{File: im.Dockerfile, Line: f.Range.Start.Line, Rule: f.RuleID, Reason: "refused: the fix does not resolve the finding (it came back after each pass)"})
				continue
			}
			if r.FixOnRequest && len(opt.Rules) == 0 {
				tried[key] = true
				notes = append(notes, Note{File: im.Dockerfile, Line: f.Range.Start.Line, Rule: f.RuleID,
					Reason: "not applied unless asked: it changes what the image holds, which a later step or the service may use; run layerwise fix --rule " + f.RuleID + " --verify"})
				continue
			}
			f := f
			next, rule = &f, r
			tried[key] = true
			break
		}
		if next == nil {
			break
		}
		fx, why := rule.FixDockerfile(in, *next)
		if fx == nil {
			notes = append(notes, Note{File: im.Dockerfile, Line: next.Range.Start.Line, Rule: next.RuleID, Reason: why})
			continue
		}
		newLines := rules.ApplyFix(lines, fx)
		text := style.join(newLines)
		nm, err := dockerfile.Parse(im.Dockerfile, text, im.ParseOptions())
		if err != nil || len(nm.Errors) > len(m.Errors) {
			reason := "the rewrite would not parse"
			if err != nil {
				reason += ": " + err.Error()
			}
			notes = append(notes, Note{File: im.Dockerfile, Line: next.Range.Start.Line, Rule: next.RuleID, Reason: reason})
			continue
		}
		// a finding the rewrite makes counts as a step only where its
		// rule's fix runs in this pass too (not left out by --rule or
		// the configuration)
		why, nw := verifyFix(ctx, cur, nm, text, fx, func(id string) bool { return opt.wants(id) && !opt.skips(im.Dockerfile, id) })
		if why != "" {
			notes = append(notes, Note{File: im.Dockerfile, Line: next.Range.Start.Line, Rule: next.RuleID, Reason: "refused: " + why})
			continue
		}
		applied = append(applied, Applied{Rule: next.RuleID, Line: next.Range.Start.Line, Description: fx.Description})
		needs = append(needs, fx.NeedsExcluded...)
		m, lines, cur = nm, newLines, nw
	}
	notes = dedupeNotes(notes)
	if ctx.Err() != nil {
		return orig, nil, notes, nil // interrupted mid-file: nothing of it
	}
	if len(applied) == 0 {
		return orig, nil, notes, nil
	}
	return style.joinKeeping(orig, lines), applied, notes, needs
}

// dedupeNotes drops repeats: a fix that failed may be tried again after
// another fix moved its line.
func dedupeNotes(ns []Note) []Note {
	seen := map[string]bool{}
	var out []Note
	for _, n := range ns {
		k := n.Rule + "\x00" + n.Reason
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

func sortedByLine(fs []rules.Finding) []rules.Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Range.Start.Line != fs[j].Range.Start.Line {
			return fs[i].Range.Start.Line < fs[j].Range.Start.Line
		}
		return fs[i].RuleID < fs[j].RuleID
	})
	return fs
}

func lineText(m *dockerfile.File, l int) string {
	if l < 1 || l > len(m.Lines) {
		return fmt.Sprint(l)
	}
	return m.Lines[l-1]
}

// textStyle keeps what splitting into lines loses: CRLF line ends, a
// byte-order mark and whether the file ends with a newline.
type textStyle struct {
	crlf, bom, finalNewline bool
}

func styleOf(b []byte) textStyle {
	return textStyle{
		crlf:         bytes.Contains(b, []byte("\r\n")),
		bom:          bytes.HasPrefix(b, []byte("\ufeff")),
		finalNewline: len(b) == 0 || bytes.HasSuffix(b, []byte("\n")),
	}
}

func (s textStyle) join(lines []string) []byte {
	nl := "\n"
	if s.crlf {
		nl = "\r\n"
	}
	out := strings.Join(lines, nl)
	if s.finalNewline {
		out += nl
	}
	if s.bom {
		out = "\ufeff" + out
	}
	return []byte(out)
}

// joinKeeping joins the fixed lines as join does, but in a file whose lines
// end both ways (CRLF and LF) every line the fixes left as it was keeps its
// own ending, and only the lines they wrote take the file's commoner one:
// a fix changes its lines, not the rest of the file.
func (s textStyle) joinKeeping(orig []byte, lines []string) []byte {
	body := bytes.TrimPrefix(orig, []byte("\ufeff"))
	crlf := bytes.Count(body, []byte("\r\n"))
	lf := bytes.Count(body, []byte("\n")) - crlf
	if crlf == 0 || lf == 0 {
		return s.join(lines)
	}
	s.crlf = crlf >= lf
	nl := "\n"
	if s.crlf {
		nl = "\r\n"
	}
	var texts, ends []string
	for _, l := range strings.SplitAfter(string(body), "\n") {
		if l == "" {
			continue
		}
		t := strings.TrimSuffix(l, "\n")
		end := l[len(t):]
		if strings.HasSuffix(t, "\r") {
			t, end = strings.TrimSuffix(t, "\r"), "\r"+end
		}
		texts, ends = append(texts, t), append(ends, end)
	}
	out := make([]string, len(lines))
	own := make([]string, len(lines))
	for _, op := range difflib.NewMatcherWithJunk(texts, lines, false, nil).GetOpCodes() {
		if op.Tag != 'e' {
			continue
		}
		for k := 0; k < op.I2-op.I1; k++ {
			own[op.J1+k] = ends[op.I1+k]
		}
	}
	var b strings.Builder
	if s.bom {
		b.WriteString("\ufeff")
	}
	for i, l := range lines {
		e := own[i]
		if e == "" && (i < len(lines)-1 || s.finalNewline) {
			e = nl
		}
		out[i] = l + e
		b.WriteString(out[i])
	}
	return []byte(b.String())
}
