package render

// The discovered repository (layerwise ls).

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/safetext"
)

// LsTable writes one line per discovered image.
func LsTable(w io.Writer, res *discover.Repo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tDOCKERFILE\tCONTEXT\tTARGET\tSTAGES\tBASE IMAGES\tNEEDS\tDEFINED BY")
	for _, im := range res.Images {
		ctx := im.Context
		if im.ContextInferred {
			ctx += " (inferred)"
		}
		df := im.Dockerfile
		if im.DockerfileInline != "" {
			df = "(inline)"
		}
		stages := fmt.Sprint(len(im.Stages))
		if im.Error != nil {
			stages = "error"
		}
		def := im.Source
		if im.SourceFile != "" {
			def += ": " + im.SourceFile
		}
		// names come from the repository's directories and files: no
		// control character reaches the terminal, no tab splits a column
		t := func(s string) string { return strings.ReplaceAll(safetext.Term(s), "\t", `\t`) }
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t(im.Name), t(df), t(ctx), t(dash(im.Target)), stages, t(dash(strings.Join(baseImages(im), ", "))), t(dash(strings.Join(im.Needs, ", "))), t(def))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// baseImages lists the external images an image builds from.
func baseImages(im *discover.Image) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range im.Stages {
		if s.BaseStage >= 0 || seen[s.Base] {
			continue
		}
		seen[s.Base] = true
		out = append(out, s.Base)
	}
	sort.Strings(out)
	return out
}
