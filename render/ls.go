package render

// The discovered repository (layerwise ls).

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/layerwise/layerwise/discover"
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", im.Name, df, ctx, dash(im.Target), stages, dash(strings.Join(baseImages(im), ", ")), dash(strings.Join(im.Needs, ", ")), def)
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
