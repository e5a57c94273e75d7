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
	"github.com/layerwise/layerwise/internal/units"
)

// HistoryCSV writes one row per recorded build.
func HistoryCSV(w io.Writer, builds []*history.Build) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "started_at", "image", "scenario", "repetition", "git_commit", "git_branch", "git_dirty", "host", "backend", "builder", "buildkit_version",
		"wall_s", "pull_s", "context_bytes", "cache_hit_ratio", "cached_steps", "counted_steps", "image_bytes", "layers", "image_id", "error"})
	for _, b := range builds {
		r := b.Result
		cw.Write([]string{fmt.Sprint(b.ID), b.StartedAt.Format(time.RFC3339), b.Image, b.Scenario, fmt.Sprint(b.Repetition), b.Git.Commit, b.Git.Branch,
			strconv.FormatBool(b.Git.Dirty), b.Host, b.Builder.Backend, b.Builder.Builder, b.Builder.BuildKitVersion, fsec(r.Wall), fsec(r.Pull),
			fmt.Sprint(r.ContextBytes), fmt.Sprintf("%.3f", r.CacheHitRatio), fmt.Sprint(r.CachedSteps), fmt.Sprint(r.CountedSteps),
			fmt.Sprint(r.ImageSize), fmt.Sprint(r.Layers), r.ImageID, r.Err})
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2f s\t%.0f%%\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.StartedAt.Local().Format("2006-01-02 15:04:05"), b.Image, b.Scenario,
			r.Wall.Seconds(), 100*r.CacheHitRatio, units.Bytes(r.ContextBytes), units.Bytes(r.ImageSize), commit, b.Builder.Backend, result)
	}
	return tw.Flush()
}
