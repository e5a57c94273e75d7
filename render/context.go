package render

// Build-context reports (layerwise context).

import (
	"fmt"
	"io"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"
)

// ContextText writes one image's build context: what is sent and
// excluded, what the COPY/ADD instructions use, the largest, heavy and
// sensitive paths. errMsg stands in for rep when the walk failed.
func ContextText(w io.Writer, title, errMsg string, rep *buildctx.Report, root string) {
	// paths and messages come from the repository's file names: no
	// control character reaches the terminal
	t := safetext.Term
	title, errMsg = t(title), t(errMsg)
	if rep == nil {
		fmt.Fprintf(w, "%s\n  error: %s\n\n", title, errMsg)
		return
	}
	ign := "none"
	if rep.IgnoreFile.Path != "" {
		ign = t(relTo(root, rep.IgnoreFile.Path))
		if rep.IgnoreFile.DockerfileSpecific {
			ign += " (Dockerfile-specific)"
		}
	}
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "  context      %s   ignore file: %s\n", t(rep.Context), ign)
	fmt.Fprintf(w, "  sent         %d files, %s (%d dirs)\n", rep.Files, units.Bytes(rep.Bytes), rep.Dirs)
	ex := fmt.Sprintf("%d files, %s", rep.ExcludedFiles, units.Bytes(rep.ExcludedBytes))
	if len(rep.PrunedDirs) > 0 {
		ex += fmt.Sprintf(" + %s not read: %s", pluralOf(len(rep.PrunedDirs), "directory", "directories"), strings.Join(firstN(rep.PrunedDirs, 5), ", "))
	}
	fmt.Fprintf(w, "  excluded     %s\n", t(ex))
	if u := rep.Usage; u != nil {
		if u.Undecidable {
			fmt.Fprintf(w, "  used         cannot tell: a COPY/ADD source depends on a build arg\n")
		} else {
			pct := 0.0
			if rep.Bytes > 0 {
				pct = 100 * float64(u.UnusedBytes) / float64(rep.Bytes)
			}
			fmt.Fprintf(w, "  used         %d files, %s by COPY/ADD\n", u.UsedFiles, units.Bytes(u.UsedBytes))
			fmt.Fprintf(w, "  unused       %d files, %s (%.0f%% of what is sent)\n", u.UnusedFiles, units.Bytes(u.UnusedBytes), pct)
			for _, d := range rep.UnusedDirs {
				fmt.Fprintf(w, "                 %-30s %10s  %d files\n", t(d.Path), units.Bytes(d.Bytes), d.Files)
			}
		}
		for _, s := range u.Unmatched {
			fmt.Fprintf(w, "  no match     %s (%s) matches nothing that is sent\n", t(s.Pattern), t(s.Where))
		}
	}
	if len(rep.LargestDirs) > 0 {
		fmt.Fprintf(w, "  largest directories\n")
		for _, d := range rep.LargestDirs {
			fmt.Fprintf(w, "                 %-30s %10s  %d files\n", t(d.Path), units.Bytes(d.Bytes), d.Files)
		}
	}
	if len(rep.LargestFiles) > 0 {
		fmt.Fprintf(w, "  largest files\n")
		for _, d := range rep.LargestFiles {
			fmt.Fprintf(w, "                 %-30s %10s\n", t(d.Path), units.Bytes(d.Bytes))
		}
	}
	for _, h := range rep.Heavy {
		fmt.Fprintf(w, "  heavy        %s: %s in %d files\n", t(h.Path), units.Bytes(h.Bytes), h.Files)
	}
	for _, s := range rep.Sensitive {
		fmt.Fprintf(w, "  sensitive    %s: %s\n", t(s.Path), t(s.Reason))
	}
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "  warning      %s\n", t(wn))
	}
	fmt.Fprintln(w)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(append([]string(nil), s[:n]...), fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

func pluralOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func relTo(root, p string) string {
	if strings.HasPrefix(p, root+"/") {
		return p[len(root)+1:]
	}
	return p
}
