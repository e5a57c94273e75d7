package cli

import (
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/internal/units"

	"github.com/layerwise/layerwise/history"
	"github.com/spf13/cobra"
)

func newHistoryCmd(g *globals) *cobra.Command {
	var image, scenario, since, path string
	var steps bool
	cmd := &cobra.Command{
		Use:   "history [PATH]",
		Short: "List the measured builds recorded in the history store",
		Long: `List the builds recorded by layerwise measure in PATH/.layerwise/history.db (or
--history FILE), oldest first. --since takes a date (2026-11-01), a timestamp
(RFC 3339) or an age (36h, 7d). Formats: table (default, also "text"), json
(with --steps, every step of every build), csv.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("json", "csv"); err != nil {
				return err
			}
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			if path == "" {
				path = filepath.Join(root, history.DefaultPath)
			}
			q := history.Query{Image: image, Scenario: scenario, WithSteps: steps || g.format == "json"}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageErr("--since: %v", err)
				}
				q.Since = t
			}
			s, err := history.OpenReadOnly(path)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			defer s.Close()
			builds, err := s.List(cmd.Context(), q)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			switch g.format {
			case "json":
				if builds == nil {
					builds = []*history.Build{}
				}
				return writeJSON(g.stdout, builds)
			case "csv":
				cw := csv.NewWriter(g.stdout)
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
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
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
		},
	}
	cmd.Flags().StringVar(&image, "image", "", "only this image")
	cmd.Flags().StringVar(&scenario, "scenario", "", "only this scenario")
	cmd.Flags().StringVar(&since, "since", "", "only builds since a date, timestamp or age (7d, 36h)")
	cmd.Flags().StringVar(&path, "history", "", "history store (default .layerwise/history.db under PATH)")
	cmd.Flags().BoolVar(&steps, "steps", false, "include every step (json)")
	return cmd
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil {
			// a Duration holds about 292 years: more days than that
			// would wrap around into the future
			if n < 0 || n > 100*365 {
				return time.Time{}, fmt.Errorf("%q: an age in days is between 0d and 36500d", s)
			}
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01), timestamp (RFC 3339) or age (7d, 36h)", s)
}
