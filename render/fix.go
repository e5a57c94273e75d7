package render

// Fix results: the unified diff of a rewritten file.

import (
	"io"
	"strings"

	"github.com/layerwise/layerwise/fix"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/layerwise/layerwise/internal/safetext"
)

// FixDiff writes a rewritten file as a unified diff (from /dev/null for a
// file the fix creates), coloured for a terminal when color is set.
func FixDiff(w io.Writer, f *fix.FileFix, color bool) {
	// an absolute path (fix /abs/one /abs/two) joins a/ without doubling
	// the slash; a file name's control characters never reach the terminal
	p := safetext.Term(strings.TrimPrefix(f.Path, "/"))
	from := "a/" + p
	if f.Before == nil {
		from = "/dev/null"
	}
	d := difflib.UnifiedDiff{A: diffLines(f.Before), B: diffLines(f.After), FromFile: from, ToFile: "b/" + p, Context: 3}
	text, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return
	}
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue
		}
		// the files' own control characters print escaped, as audit's
		// excerpts do (\r of a CRLF file included)
		l = safetext.Term(strings.TrimSuffix(l, "\n")) + "\n"
		if color {
			switch {
			case strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---"):
				l = cBold + l[:len(l)-1] + cReset + "\n"
			case strings.HasPrefix(l, "+"):
				l = cGreen + l[:len(l)-1] + cReset + "\n"
			case strings.HasPrefix(l, "-"):
				l = cRed + l[:len(l)-1] + cReset + "\n"
			case strings.HasPrefix(l, "@@"):
				l = cCyan + l[:len(l)-1] + cReset + "\n"
			}
		}
		io.WriteString(w, l)
	}
}

// diffLines splits text into lines that keep their newline (difflib's
// SplitLines adds a phantom empty last line).
func diffLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	ls := strings.SplitAfter(string(b), "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	} else {
		ls[len(ls)-1] += "\n\\ No newline at end of file\n"
	}
	return ls
}
