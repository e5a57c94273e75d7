package render

// Verifications (layerwise verify): the table and the Markdown section.

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/verify"
)

// VerifyTable writes each image's verdict, its image comparison and its
// rebuild timings.
func VerifyTable(w io.Writer, vr *verify.Report) {
	for _, im := range vr.Images {
		fmt.Fprintf(w, "%s  %s  %s", safetext.Term(im.Image), safetext.Term(im.Dockerfile), strings.ToUpper(im.Status))
		if len(im.Rules) > 0 {
			fmt.Fprintf(w, "  (fixes: %s)", strings.Join(im.Rules, ", "))
		}
		fmt.Fprintln(w)
		if im.Reason != "" {
			fmt.Fprintf(w, "  %s\n", safetext.Term(im.Reason))
		}
		if c := im.Comparison; c != nil {
			fmt.Fprintf(w, "  image: %d paths original, %d fixed\n", c.OriginalPaths, c.FixedPaths)
			for _, gr := range c.Intended {
				fmt.Fprintf(w, "  intended  %-6s %5d paths  %s (e.g. %s)\n", gr.Rule, gr.Count, safetext.Term(gr.Reason), safetext.Term(strings.Join(gr.Examples, ", ")))
			}
			for _, gr := range c.Noise {
				fmt.Fprintf(w, "  noise            %5d paths  %s\n", gr.Count, gr.Reason)
			}
			for i, d := range c.Failures {
				if i == 50 {
					fmt.Fprintf(w, "  ... %d more differences (-o json lists them all)\n", len(c.Failures)-50)
					break
				}
				fmt.Fprintf(w, "  DIFFERENT %s %s %s\n", d.Change, safetext.Term(d.Path), safetext.Term(d.What))
			}
		}
		if s := im.Smoke; s != nil {
			fmt.Fprintf(w, "  smoke %q: original exit %d, fixed exit %d, stdout same: %v\n", s.Command, s.OriginalExit, s.FixedExit, s.OriginalOutput == s.FixedOutput)
		}
		if im.Cold != nil || len(im.Rebuilds) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  SCENARIO\tORIGINAL\tFIXED\tSPEEDUP\tCACHED\tDOMINANT STEP (FIXED)")
			rows := append([]*verify.Rebuild{im.Cold}, im.Rebuilds...)
			for _, r := range rows {
				if r == nil {
					continue
				}
				if r.Error != "" || r.OriginalError != "" {
					fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t%s\n", r.Scenario, safetext.Term(strings.TrimSpace(r.OriginalError+" "+r.Error)))
					continue
				}
				fmt.Fprintf(tw, "  %s\t%.1f s\t%.1f s\t%.2fx\t%.0f%% -> %.0f%%\t%s\n", r.Scenario, r.Original.Seconds(), r.Fixed.Seconds(), r.Speedup,
					100*r.OriginalHit, 100*r.FixedHit, safetext.Term(r.FixedStep))
			}
			tw.Flush()
		}
	}
	if len(vr.Images) == 0 {
		fmt.Fprintln(w, "nothing to verify: layerwise fix changes nothing here")
	}
}

// VerifyMarkdown is the "after" half of docs/docker-build-optimization.md.
func VerifyMarkdown(w io.Writer, vr *verify.Report) {
	fmt.Fprintf(w, "## After `layerwise fix`: verified on real builds\n\n")
	fmt.Fprintf(w, "| image | status | fixes | cold | warm | source change | deps change | intended differences | failures |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	cell := func(r *verify.Rebuild) string {
		if r == nil || r.Error != "" || r.OriginalError != "" || r.Fixed == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f s → %.1f s (%.1f×)", r.Original.Seconds(), r.Fixed.Seconds(), r.Speedup)
	}
	for _, im := range vr.Images {
		by := map[string]*verify.Rebuild{}
		for _, r := range im.Rebuilds {
			by[r.Scenario] = r
		}
		intended, failures := 0, 0
		if im.Comparison != nil {
			for _, g := range im.Comparison.Intended {
				intended += g.Count
			}
			failures = len(im.Comparison.Failures)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", safetext.Markdown(im.Image), im.Status, strings.Join(im.Rules, ", "),
			cell(im.Cold), cell(by[measure.Warm]), cell(by[measure.Source]), cell(by[measure.Deps]), intended, failures)
	}
	fmt.Fprintln(w)
	for _, im := range vr.Images {
		if im.Reason != "" {
			fmt.Fprintf(w, "- **%s**: %s\n", safetext.Markdown(im.Image), safetext.Markdown(im.Reason))
		}
	}
}
