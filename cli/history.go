package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/render"
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
			q := history.Query{Image: image, Scenario: scenario, WithSteps: steps || g.format == "json"}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageErr("--since: %v", err)
				}
				q.Since = t
			}
			s, err := openHistory(root, path, history.ReadOnly)
			if err != nil {
				return err
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
				return render.HistoryCSV(g.stdout, builds)
			}
			return render.HistoryTable(g.stdout, builds)
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
