package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/layerwise/layerwise/internal/units"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/rules"
)

// AuditText renders findings grouped per image, with the offending lines and a
// caret under them, most costly first.
func AuditText(w io.Writer, res *audit.Report, opt AuditOptions) error {
	col := func(c, s string) string {
		if !opt.Color {
			return s
		}
		return c + s + cReset
	}
	sevColor := map[rules.Severity]string{rules.Error: cRed, rules.Warning: cYellow, rules.Info: cBlue}
	byImage := findingsByImage(res)
	for _, im := range res.Images {
		fs := byImage[im.Name]
		delete(byImage, im.Name) // an image label is printed once, whatever repeats it
		fmt.Fprintf(w, "%s  %s\n", col(cBold, im.Name), summaryLine(im))
		if im.Error != "" && len(fs) == 0 {
			fmt.Fprintf(w, "  error: %s\n", im.Error)
		}
		for _, f := range fs {
			pos := f.File
			if f.Range.Start.Line > 0 {
				pos = fmt.Sprintf("%s:%d:%d", f.File, f.Range.Start.Line, f.Range.Start.Col)
			}
			fmt.Fprintf(w, "  %s %s %s %s\n", pos, col(sevColor[f.Severity], f.Severity.String()), col(cBold, f.RuleID), f.Message)
			if opt.Source != nil && f.Range.Start.Line > 0 {
				excerpt(w, opt.Source(f.File), f, col)
			}
			if c := costLine(f.Cost); c != "" {
				fmt.Fprintf(w, "      %s\n", col(cDim, c))
			}
		}
		fmt.Fprintln(w)
	}
	var errs, warns, infos int
	for _, f := range res.Findings {
		switch f.Severity {
		case rules.Error:
			errs++
		case rules.Warning:
			warns++
		default:
			infos++
		}
	}
	fmt.Fprintf(w, "%d images, %d findings (%d errors, %d warnings, %d info); %s.\n", len(res.Images), len(res.Findings), errs, warns, infos, res.RankingNote)
	for _, wn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
	return nil
}

// findingsByImage groups the findings by image in one pass (in their
// order), so that rendering stays linear in images plus findings.
func findingsByImage(res *audit.Report) map[string][]rules.Finding {
	out := map[string][]rules.Finding{}
	for _, f := range res.Findings {
		out[f.Image] = append(out[f.Image], f)
	}
	return out
}

func summaryLine(im *audit.ImageSummary) string {
	parts := []string{im.Dockerfile}
	if im.ContextFiles > 0 || im.ContextBytes > 0 {
		parts = append(parts, fmt.Sprintf("context %s %s (%s)", im.Context, units.Bytes(im.ContextBytes), plural(int(im.ContextFiles), "file")))
	}
	parts = append(parts, fmt.Sprintf("%s, %s", plural(im.Stages, "stage"), plural(im.Layers, "layer instruction")))
	if len(im.BaseImages) > 0 {
		parts = append(parts, "base "+strings.Join(im.BaseImages, ", "))
	}
	var sev []string
	for _, s := range []string{"error", "warning", "info"} {
		if n := im.BySeverity[s]; n > 0 {
			if s != "info" {
				sev = append(sev, plural(n, s))
			} else {
				sev = append(sev, fmt.Sprintf("%d info", n))
			}
		}
	}
	if len(sev) == 0 {
		sev = []string{"no findings"}
	}
	parts = append(parts, strings.Join(sev, ", "))
	return strings.Join(parts, " · ")
}

func costLine(c rules.Cost) string {
	var parts []string
	if c.Invalidates != "" {
		parts = append(parts, c.Invalidates)
	}
	if c.ContextBytes > 0 {
		parts = append(parts, units.Bytes(c.ContextBytes)+" sent per build")
	}
	if c.ImageBytes > 0 {
		parts = append(parts, "~"+units.Bytes(c.ImageBytes)+" in the image")
	}
	if c.Seconds > 0 {
		parts = append(parts, fmt.Sprintf("%s per affected build (%s estimate)", approx(c.Seconds), c.Basis))
	}
	if c.LayerBytes > 0 {
		parts = append(parts, units.Bytes(c.LayerBytes)+" of layers pushed and pulled again (measured)")
	}
	if len(parts) == 0 {
		return ""
	}
	return "cost: " + strings.Join(parts, "; ")
}

// maxExcerpt is the most of a line an excerpt shows.
const maxExcerpt = 160

// excerpt prints the finding's lines (at most 4) with a caret line under
// the first, as compilers do.
func excerpt(w io.Writer, lines []string, f rules.Finding, col func(string, string) string) {
	if len(lines) == 0 {
		return
	}
	end := f.Range.End.Line
	if end < f.Range.Start.Line {
		end = f.Range.Start.Line
	}
	if end-f.Range.Start.Line > 3 {
		end = f.Range.Start.Line + 3
	}
	for l := f.Range.Start.Line; l <= end && l <= len(lines); l++ {
		text := strings.ReplaceAll(lines[l-1], "\t", " ")
		cut := false
		if r := []rune(text); len(r) > maxExcerpt {
			// a 10 MB line is shown by its start, not echoed whole
			text, cut = string(r[:maxExcerpt]), true
		}
		if cut {
			fmt.Fprintf(w, "  %5d | %s… (%d more characters)\n", l, text, len([]rune(lines[l-1]))-maxExcerpt)
		} else {
			fmt.Fprintf(w, "  %5d | %s\n", l, text)
		}
		if l == f.Range.Start.Line {
			start := min(max(f.Range.Start.Col, 1), maxExcerpt)
			stop := len(strings.TrimRight(text, " "))
			if f.Range.End.Line == l && f.Range.End.Col >= start {
				stop = min(f.Range.End.Col, maxExcerpt)
			}
			n := max(stop-start+1, 1)
			fmt.Fprintf(w, "        | %s%s\n", strings.Repeat(" ", start-1), col(cRed, strings.Repeat("^", n)))
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// approx is seconds() with a tilde for estimates above a second.
func approx(s float64) string {
	if s < 1 {
		return seconds(s)
	}
	return "~" + seconds(s)
}
