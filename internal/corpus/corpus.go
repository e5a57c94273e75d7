// Package corpus runs layerwise over real repositories the way a new user
// would — ls, audit, fix --write, re-parse, re-audit, fix --check — and
// checks what the fixer must never do: lose or change an instruction
// (the fixer's own invariants, counted from its refusals), add a finding on
// a line it wrote, stop sending a file a named COPY source reaches, or change
// its own output when run again. It works on a copy the caller owns: it
// writes the fixes into the tree it is given.
package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/fix"
)

// Result is one repository's row.
type Result struct {
	Repo        string
	Images      int
	Dockerfiles int
	ParseErrors int
	Findings    map[string]int // by rule
	Fixes       map[string]int // by rule
	Refusals    map[string]int // by rule: reason
	// Invariant violations the fixer caught and refused (a rule's fix
	// wrote something it did not declare).
	Violations []string
	// NewFindings on lines the fix wrote, found by the re-audit.
	NewFindings []string
	// LostSources are named COPY/ADD sources that reach fewer files after
	// the .dockerignore rewrite.
	LostSources []string
	// Reparse lists rewritten Dockerfiles that no longer parse.
	Reparse []string
	// NotIdempotent lists files fix --check would still change.
	NotIdempotent []string
	Written       int
}

// Check runs the pipeline on root, writing the fixes into it.
func Check(ctx context.Context, root string) (*Result, error) {
	res := &Result{Repo: filepath.Base(root), Findings: map[string]int{}, Fixes: map[string]int{}, Refusals: map[string]int{}}
	cfg := config.Default()
	disc, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		return nil, err
	}
	res.Images = len(disc.Images)
	dfs := map[string]bool{}
	for _, im := range disc.Images {
		dfs[im.Dockerfile] = true
		if im.Error != nil {
			res.ParseErrors++
		}
	}
	res.Dockerfiles = len(dfs)
	before, err := audit.Run(ctx, disc, audit.Options{Config: cfg})
	if err != nil {
		return nil, err
	}
	for _, f := range before.Findings {
		res.Findings[f.RuleID]++
	}
	reachedBefore := sourceReach(ctx, disc)
	fx, err := fix.Run(ctx, disc, fix.Options{Config: cfg})
	if err != nil {
		return nil, err
	}
	for _, n := range fx.Notes {
		switch {
		case strings.HasPrefix(n.Reason, "refused:"):
			res.Violations = append(res.Violations, fmt.Sprintf("%s:%d %s %s", n.File, n.Line, n.Rule, n.Reason))
		case n.Rule != "" && !strings.Contains(n.Reason, "no longer sent") && !strings.Contains(n.Reason, "will not be sent") && !strings.Contains(n.Reason, "sent per build"):
			res.Refusals[n.Rule+": "+reasonKey(n.Reason)]++
		}
	}
	rewritten := map[string]*fix.FileFix{}
	for _, f := range fx.Files {
		for _, a := range f.Applied {
			res.Fixes[a.Rule]++
		}
		if err := os.WriteFile(f.Abs, f.After, 0o644); err != nil {
			return nil, err
		}
		rewritten[f.Path] = f
		res.Written++
	}
	// re-parse, re-audit
	disc2, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		return nil, err
	}
	for _, im := range disc2.Images {
		if im.Error != nil && rewritten[im.Dockerfile] != nil {
			res.Reparse = append(res.Reparse, im.Dockerfile+": "+im.Error.Message)
		}
	}
	after, err := audit.Run(ctx, disc2, audit.Options{Config: cfg})
	if err != nil {
		return nil, err
	}
	res.NewFindings = newOnRewrittenLines(before, after, rewritten)
	reachedAfter := sourceReach(ctx, disc2)
	for k, n := range reachedBefore {
		if m, ok := reachedAfter[k]; ok && m < n {
			res.LostSources = append(res.LostSources, fmt.Sprintf("%s: %d -> %d files", k, n, m))
		}
	}
	sort.Strings(res.LostSources)
	again, err := fix.Run(ctx, disc2, fix.Options{Config: cfg})
	if err != nil {
		return nil, err
	}
	for _, f := range again.Files {
		res.NotIdempotent = append(res.NotIdempotent, f.Path)
	}
	return res, nil
}

// reasonKey shortens a refusal reason to group it: line numbers and
// quoted commands vary, the reason does not.
func reasonKey(r string) string {
	r = strings.TrimSpace(r)
	if i := strings.IndexAny(r, "`("); i > 20 {
		r = r[:i]
	}
	if len(r) > 90 {
		r = r[:90]
	}
	return strings.TrimSpace(r)
}

// newOnRewrittenLines lists findings of the re-audit on lines of a
// rewritten Dockerfile that are not lines of the original, whose rule the
// original file did not have at all.
func newOnRewrittenLines(before, after *audit.Report, rewritten map[string]*fix.FileFix) []string {
	had := map[string]bool{}
	for _, f := range before.Findings {
		had[f.File+"\x00"+f.RuleID] = true
	}
	var out []string
	for _, f := range after.Findings {
		ff := rewritten[f.File]
		if ff == nil || had[f.File+"\x00"+f.RuleID] {
			continue
		}
		lines := strings.Split(string(ff.After), "\n")
		old := map[string]bool{}
		for _, l := range strings.Split(string(ff.Before), "\n") {
			old[l] = true
		}
		l := f.Range.Start.Line
		if l >= 1 && l <= len(lines) && !old[lines[l-1]] {
			out = append(out, fmt.Sprintf("%s:%d %s %s", f.File, l, f.RuleID, f.Message))
		}
	}
	return out
}

// sourceReach counts, for every named COPY/ADD source of every image (not
// the whole context), the context files it reaches with the ignore file in
// force.
func sourceReach(ctx context.Context, disc *discover.Repo) map[string]int64 {
	out := map[string]int64{}
	walks := map[string]*buildctx.Walk{}
	for _, im := range disc.Images {
		if im.Model == nil {
			continue
		}
		ign, err := buildctx.FindIgnoreFile(im.AbsContext(), im.AbsDockerfile())
		if err != nil {
			continue
		}
		key := im.AbsContext() + "\x00" + ign.Path
		w := walks[key]
		if w == nil {
			w, err = buildctx.WalkContext(ctx, im.AbsContext(), buildctx.WalkOptions{Patterns: ign.Patterns})
			if err != nil {
				continue
			}
			walks[key] = w
		}
		files := int64(0)
		for _, e := range w.Entries {
			if e.Type != buildctx.TypeDir {
				files++
			}
		}
		for _, src := range buildctx.SourcesOf(im.Model) {
			clean := strings.Trim(filepath.ToSlash(filepath.Clean("/"+src.Pattern)), "/")
			if clean == "" || src.Unresolved {
				continue
			}
			u, err := buildctx.ComputeUsage(w, []buildctx.Source{src})
			if err != nil || u.Undecidable {
				continue
			}
			out[fmt.Sprintf("%s %s %s", im.Dockerfile, src.Where, src.Pattern)] = files - int64(len(u.Unused))
		}
	}
	return out
}
