package render

// Recorded builds (layerwise history): table and CSV; JSON is the
// history.Build values themselves.

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"
)

// HistoryCSV writes one row per recorded build.
func HistoryCSV(w io.Writer, builds []*history.Build) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "started_at", "image", "scenario", "repetition", "git_commit", "git_branch", "git_dirty", "host", "backend", "builder", "buildkit_version",
		"wall_s", "pull_s", "context_bytes", "cache_hit_ratio", "cached_steps", "counted_steps", "image_bytes", "layers", "image_id", "error"})
	for _, b := range builds {
		r := b.Result
		c := safetext.CSV
		cw.Write([]string{fmt.Sprint(b.ID), b.StartedAt.Format(time.RFC3339), c(b.Image), c(b.Scenario), fmt.Sprint(b.Repetition), c(b.Git.Commit), c(b.Git.Branch),
			strconv.FormatBool(b.Git.Dirty), c(b.Host), c(b.Builder.Backend), c(b.Builder.Builder), c(b.Builder.BuildKitVersion), fsec(r.Wall), fsec(r.Pull),
			fmt.Sprint(r.ContextBytes), fmt.Sprintf("%.3f", r.CacheHitRatio), fmt.Sprint(r.CachedSteps), fmt.Sprint(r.CountedSteps),
			fmt.Sprint(r.ImageSize), fmt.Sprint(r.Layers), c(r.ImageID), c(r.Err)})
	}
	cw.Flush()
	return cw.Error()
}

// HistoryTable writes one line per recorded build, in local time.
func HistoryTable(w io.Writer, builds []*history.Build) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWHEN\tIMAGE\tSCENARIO\tWALL\tCACHED\tCONTEXT\tIMAGE SIZE\tCOMMIT\tBACKEND\tRESULT")
	for _, b := range builds {
		r := b.Result
		result := "ok"
		if r.Err != "" {
			result = "FAILED: " + strings.SplitN(r.Err, "\n", 2)[0]
		}
		commit := b.Git.Commit
		if len(commit) > 10 {
			commit = commit[:10]
		}
		if b.Git.Dirty {
			commit += "+dirty"
		}
		t := safetext.Term
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2f s\t%.0f%%\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.StartedAt.Local().Format("2006-01-02 15:04:05"), t(b.Image), t(b.Scenario),
			r.Wall.Seconds(), 100*r.CacheHitRatio, units.Bytes(r.ContextBytes), units.Bytes(r.ImageSize), t(commit), t(b.Builder.Backend), t(result))
	}
	return tw.Flush()
}
