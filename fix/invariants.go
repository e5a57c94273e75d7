package fix

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

// The fixer does not trust a rewrite because it re-parses: a dangling `\`
// parses fine and swallows the next instruction into a RUN. After every
// single fix it checks, on the two models, that the fix changed exactly what
// it declares (rules.Replacement.Kinds) and nothing else, and that no new
// problem appears on the lines it wrote. A fix that fails is refused with
// the reason; the file keeps the text it had before that fix.

// lineMap maps the lines of a file to the lines of the file after a fix's
// whole-line replacements, and says where each replacement's text landed.
type lineMap struct {
	// old holds, for each original line (1-based index), its new line, or
	// 0 when a replacement removed or replaced it.
	old []int
	// spans are the new line ranges [start, end] of each replacement's
	// text (end < start for a pure removal), in the fix's order.
	spans [][2]int
	// replaced are the original line ranges each replacement covers
	// (end < start for a pure insertion).
	replaced [][2]int
	// insertAt are the original lines before which a pure insertion goes.
	insertAt []int
}

func newLineMap(nOld int, reps []rules.Replacement) (*lineMap, error) {
	lm := &lineMap{old: make([]int, nOld+2), spans: make([][2]int, len(reps)), replaced: make([][2]int, len(reps))}
	order := make([]int, len(reps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return reps[order[a]].StartLine < reps[order[b]].StartLine })
	// check the replacements do not overlap and lie inside the file
	last := 0
	for _, i := range order {
		r := reps[i]
		if r.StartLine < 1 || r.StartLine > nOld+1 || (r.EndLine >= r.StartLine && r.EndLine > nOld) {
			return nil, fmt.Errorf("replacement of lines %d-%d is outside the file (%d lines)", r.StartLine, r.EndLine, nOld)
		}
		if r.StartLine <= last {
			return nil, fmt.Errorf("replacements overlap at line %d", r.StartLine)
		}
		if r.EndLine >= r.StartLine {
			last = r.EndLine
		} else {
			last = r.StartLine - 1
		}
	}
	oldLine, newLine := 1, 1
	for _, i := range order {
		r := reps[i]
		for ; oldLine < r.StartLine; oldLine++ {
			lm.old[oldLine] = newLine
			newLine++
		}
		n := textLines(r.Text)
		lm.spans[i] = [2]int{newLine, newLine + n - 1}
		newLine += n
		if r.EndLine >= r.StartLine {
			lm.replaced[i] = [2]int{r.StartLine, r.EndLine}
			oldLine = r.EndLine + 1
		} else {
			lm.replaced[i] = [2]int{r.StartLine, r.StartLine - 1}
			lm.insertAt = append(lm.insertAt, r.StartLine)
		}
	}
	for ; oldLine <= nOld; oldLine++ {
		lm.old[oldLine] = newLine
		newLine++
	}
	return lm, nil
}

func textLines(t string) int {
	if t == "" {
		return 0
	}
	return strings.Count(strings.TrimSuffix(t, "\n"), "\n") + 1
}

// touched reports whether an original line range is replaced, in part or
// whole, or split by an insertion.
func (lm *lineMap) touched(start, end int) bool {
	for _, r := range lm.replaced {
		if r[1] >= r[0] && start <= r[1] && end >= r[0] {
			return true
		}
	}
	for _, at := range lm.insertAt {
		if start < at && at <= end {
			return true
		}
	}
	return false
}

// inSpan returns the replacement whose new text holds the range, or -1.
func (lm *lineMap) inSpan(start, end int) int {
	for i, s := range lm.spans {
		if s[1] >= s[0] && start >= s[0] && end <= s[1] {
			return i
		}
	}
	return -1
}

// allInstructions lists every instruction of a model in source order: meta
// ARGs, then each stage's FROM and instructions.
func allInstructions(m *dockerfile.File) []*dockerfile.Instruction {
	out := append([]*dockerfile.Instruction(nil), m.MetaArgs...)
	for _, s := range m.Stages {
		if s.From != nil {
			out = append(out, s.From)
		}
		out = append(out, s.Instructions...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range.Start.Line < out[j].Range.Start.Line })
	return out
}

// checkStructure verifies that the instructions the fix did not touch are
// all still there, unchanged and in order, and that the instructions in the
// fix's new text are exactly the kinds it declared.
func checkStructure(old, nw *dockerfile.File, fx *rules.Fix, lm *lineMap) error {
	want := map[int]*dockerfile.Instruction{} // new start line -> untouched original
	for _, x := range allInstructions(old) {
		if lm.touched(x.Range.Start.Line, x.Range.End.Line) {
			continue
		}
		want[lm.old[x.Range.Start.Line]] = x
	}
	got := map[int]bool{}
	inSpan := make([][]string, len(fx.Replacements))
	var undeclared error
	for _, x := range allInstructions(nw) {
		if o, ok := want[x.Range.Start.Line]; ok {
			if o.Kind != x.Kind || o.Original != x.Original || lm.old[o.Range.End.Line] != x.Range.End.Line {
				return fmt.Errorf("%s (line %d) would become %q", o.Kind, o.Range.Start.Line, short(x.Original))
			}
			got[x.Range.Start.Line] = true
			continue
		}
		i := lm.inSpan(x.Range.Start.Line, x.Range.End.Line)
		if i < 0 {
			if undeclared == nil {
				undeclared = fmt.Errorf("the rewrite makes an instruction the fix did not declare: %q (new line %d)", short(x.Original), x.Range.Start.Line)
			}
			continue
		}
		inSpan[i] = append(inSpan[i], x.Kind)
	}
	// an instruction that is gone says more than the one that swallowed it
	var lost []*dockerfile.Instruction
	for nl, o := range want {
		if !got[nl] {
			lost = append(lost, o)
		}
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i].Range.Start.Line < lost[j].Range.Start.Line })
	if len(lost) > 0 {
		o := lost[0]
		return fmt.Errorf("%s (line %d) would be lost or changed: %q", o.Kind, o.Range.Start.Line, short(o.Original))
	}
	if undeclared != nil {
		return undeclared
	}
	for i, r := range fx.Replacements {
		if strings.Join(inSpan[i], " ") != strings.Join(r.Kinds, " ") {
			return fmt.Errorf("lines %d-%d would hold [%s] where the fix declares [%s]", r.StartLine, r.EndLine, strings.Join(inSpan[i], " "), strings.Join(r.Kinds, " "))
		}
	}
	return nil
}

// view is what the checks read of one version of the file — the rules'
// findings and BuildKit's — computed once per version: the fixer picks its
// next fix from the same findings, and a version that passes becomes the
// one the next fix is checked against.
type view struct {
	in       *rules.Input
	findings []rules.Finding
	bk       []rules.BuildKitFinding
	bkErr    error
}

func newView(ctx context.Context, in *rules.Input, text []byte) *view {
	v := &view{in: in, findings: audit.ImageFindings(in, in.Config)}
	v.bk, v.bkErr = rules.RunBuildKitChecks(ctx, in.Dockerfile, text)
	return v
}

// newProblems lists the findings (layerwise's rules, BuildKit's checks and
// the parser's warnings) on the lines the fix wrote whose rule was not on
// the lines it replaced. A layerwise finding of a rule that already reported
// elsewhere in the file is not new: a fix that inserts a RUN (a dependency
// step before the sources, a runtime stage's package install) gives it no
// cache mount, exactly like the RUN it comes from, and the next pass adds
// the mount to both. BuildKit's checks and the parser's warnings (an empty
// continuation line) are held to the replaced lines alone.
func newProblems(old, nw *view, lm *lineMap, applies func(ruleID string) bool) ([]string, error) {
	inOld := func(l int) bool {
		for _, r := range lm.replaced {
			if r[1] >= r[0] && l >= r[0] && l <= r[1] {
				return true
			}
		}
		return false
	}
	inNew := func(l int) bool {
		for _, s := range lm.spans {
			if s[1] >= s[0] && l >= s[0] && l <= s[1] {
				return true
			}
		}
		return false
	}
	for _, v := range []*view{old, nw} {
		if v.bkErr != nil {
			return nil, v.bkErr
		}
	}
	before := map[string]bool{}
	for _, f := range old.findings {
		before[f.RuleID] = true
	}
	// parser warnings and BuildKit's checks: only those of the replaced
	// lines count as already there
	other := func(v *view, on func(int) bool, add func(id string, line int, msg string)) {
		for _, w := range v.in.File.Warnings {
			if w.Line > 0 && on(w.Line) {
				add("parser", w.Line, w.Message)
			}
		}
		for _, f := range v.bk {
			if on(f.StartLine) {
				add("buildkit/"+f.Rule, f.StartLine, f.Detail)
			}
		}
	}
	other(old, inOld, func(id string, _ int, _ string) { before[id] = true })
	var after []string
	add := func(id string, line int, msg string) {
		if !before[id] {
			after = append(after, fmt.Sprintf("%s on line %d (%s)", id, line, short(msg)))
		}
	}
	for _, f := range nw.findings {
		r := rules.Get(f.RuleID)
		if r != nil && r.StateOfImage {
			continue
		}
		if r != nil && r.FixDockerfile != nil && !r.FixOnRequest && applies != nil && applies(f.RuleID) && inNew(f.Range.Start.Line) && !before[f.RuleID] {
			// a finding the rewrite makes that its own rule's fix resolves
			// on the next pass (apt's update merged into the install's
			// RUN, which can now mount the lists): a step, not a problem
			if fx, _ := r.FixDockerfile(nw.in, f); fx != nil {
				continue
			}
		}
		if inNew(f.Range.Start.Line) {
			add(f.RuleID, f.Range.Start.Line, f.Message)
		}
	}
	other(nw, inNew, add)
	return after, nil
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 70 {
		return s[:67] + "..."
	}
	return s
}

// verifyFix runs both checks on one applied fix and returns why it is
// refused ("" when it holds), with the view of the rewritten file.
func verifyFix(ctx context.Context, old *view, nm *dockerfile.File, newText []byte, fx *rules.Fix, applies func(ruleID string) bool) (string, *view) {
	lm, err := newLineMap(len(old.in.File.Lines), fx.Replacements)
	if err != nil {
		return err.Error(), nil
	}
	if err := checkStructure(old.in.File, nm, fx, lm); err != nil {
		return err.Error(), nil
	}
	newIn := *old.in
	newIn.File = nm
	nw := newView(ctx, &newIn, newText)
	probs, err := newProblems(old, nw, lm, applies)
	if err != nil {
		return "the rewrite could not be checked: " + err.Error(), nil
	}
	if len(probs) > 0 {
		return "the rewrite would add " + strings.Join(probs, ", "), nil
	}
	return "", nw
}
