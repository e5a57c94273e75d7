// Package render is the render layer: every table, CSV, diff, Markdown,
// HTML, JSON and SARIF form of every result type, and nothing else. The
// data flows one way (repository → model → findings / fixes /
// measurements → here); no package but the CLI imports this one.
//
// One file per result type, named after it (ls.go, context.go, fix.go,
// measure.go, build.go, verify.go, trends.go, bench.go); the audit, which
// has six formats, has one file per format (audit_*.go) and this one for
// what they share. Each is tested against golden files in testdata/
// (go test ./render -update rewrites them after a deliberate change).
//
// Audit formats: text for people, JSON for programs, SARIF for
// code-scanning UIs, Markdown for the baseline document, checkstyle and
// GitLab code quality for CI systems.
package render

import (
	"fmt"
	"io"
	"sort"

	"github.com/layerwise/layerwise/internal/safetext"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/rules"
)

// AuditFormats lists the audit formats.
var AuditFormats = []string{"text", "json", "sarif", "markdown", "checkstyle", "gitlab"}

// AuditOptions tune rendering.
type AuditOptions struct {
	Color bool
	// Version is the layerwise version written into SARIF and JSON.
	Version string
	// Source reads a repository file's lines for excerpts (text format);
	// nil disables excerpts.
	Source func(path string) []string
}

// Audit writes res in the named format.
func Audit(w io.Writer, format string, res *audit.Report, opt AuditOptions) error {
	switch format {
	case "text":
		// names and messages come from the user's files: nothing in them
		// may act on the terminal
		return AuditText(w, mapText(res, safetext.Term), withSafeSource(opt))
	case "json":
		return AuditJSON(w, res, opt)
	case "sarif":
		return AuditSARIF(w, res, opt)
	case "markdown", "md":
		return AuditMarkdown(w, res, opt)
	case "checkstyle":
		return AuditCheckstyle(w, res, opt)
	case "gitlab":
		return AuditGitLab(w, res, opt)
	}
	return fmt.Errorf("unknown format %q", format)
}

// mapText returns a copy of the result with every string that comes from
// the repository passed through f.
func mapText(res *audit.Report, f func(string) string) *audit.Report {
	out := *res
	out.Root = f(res.Root)
	out.Images = make([]*audit.ImageSummary, len(res.Images))
	for i, im := range res.Images {
		c := *im
		c.Name, c.Dockerfile, c.Context, c.Error = f(im.Name), f(im.Dockerfile), f(im.Context), f(im.Error)
		c.BaseImages = make([]string, len(im.BaseImages))
		for j, b := range im.BaseImages {
			c.BaseImages[j] = f(b)
		}
		out.Images[i] = &c
	}
	out.Findings = make([]rules.Finding, len(res.Findings))
	for i, fd := range res.Findings {
		fd.Image, fd.File, fd.Message = f(fd.Image), f(fd.File), f(fd.Message)
		out.Findings[i] = fd
	}
	out.Warnings = make([]string, len(res.Warnings))
	for i, w := range res.Warnings {
		out.Warnings[i] = f(w)
	}
	return &out
}

// withSafeSource makes the source lines a text report quotes terminal-safe.
func withSafeSource(opt AuditOptions) AuditOptions {
	if opt.Source == nil {
		return opt
	}
	src := opt.Source
	// once per file: a finding per line of a 100k-line Dockerfile made
	// the text report quadratic
	done := map[string][]string{}
	opt.Source = func(p string) []string {
		if out, ok := done[p]; ok {
			return out
		}
		lines := src(p)
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = safetext.Term(l)
		}
		done[p] = out
		return out
	}
	return opt
}

func meta(res *audit.Report, id string) *audit.Meta {
	if m, ok := res.Rules[id]; ok {
		return m
	}
	return &audit.Meta{ID: id, Title: id, Severity: rules.Warning}
}

// usedRuleIDs lists the rules that have findings, sorted.
func usedRuleIDs(res *audit.Report) []string {
	seen := map[string]bool{}
	var ids []string
	for _, f := range res.Findings {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			ids = append(ids, f.RuleID)
		}
	}
	sort.Strings(ids)
	return ids
}

// seconds formats an estimate.
func seconds(s float64) string {
	switch {
	case s == 0:
		return "-"
	case s < 1:
		return "<1 s"
	case s < 90:
		return fmt.Sprintf("%.0f s", s)
	}
	return fmt.Sprintf("%.1f min", s/60)
}
