package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/layerwise/layerwise/internal/safetext"
	"github.com/layerwise/layerwise/internal/units"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/trends"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	historyPath string
	since       string
	title       string
	out         string
}

func newReportCmd(g *globals) *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report [PATH]",
		Short: "Build-time trends from the history: dashboard, Prometheus metrics, weekly report",
		Long: `Summarise the builds recorded in the history (measure, bench, build) over a
window (--since, default 7d) and compare each image × scenario with the window
of the same length before: median and last build time, change, failures, cache
hits, context and image size, time spent building.

Formats:
  table       (default, also "text") one line per image × scenario
  html        a self-contained dashboard page (inline CSS and SVG sparklines)
  markdown    the weekly report: totals, slower, faster, failures, every image
  prometheus  gauges in the text exposition format (node_exporter textfile
              collector, Pushgateway)
  json        the summaries with every build of the window

--out FILE writes atomically to FILE instead of standard output. Exit 1 when
an image × scenario got slower than the window before by more than 25% and
0.5 s.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkTableFormat("html", "markdown", "prometheus", "json"); err != nil {
				return err
			}
			now := time.Now()
			from, err := parseSince(f.since, now)
			if err != nil {
				return usageErr("--since: %v", err)
			}
			if !from.Before(now) {
				return usageErr("--since %s is not in the past", f.since)
			}
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			p := f.historyPath
			if p == "" {
				p = filepath.Join(root, history.DefaultPath)
			}
			store, err := history.OpenReadOnly(p)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			defer store.Close()
			rep, err := trends.Load(cmd.Context(), store, from, now)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			write := func(w io.Writer) error {
				switch g.format {
				case "html":
					return trends.WriteHTML(w, rep, f.title)
				case "markdown":
					return trends.WriteMarkdown(w, rep, f.title)
				case "prometheus":
					return trends.WritePrometheus(w, rep)
				case "json":
					return writeJSON(w, rep)
				}
				reportTable(w, rep)
				return nil
			}
			if f.out != "" {
				err = atomicfile.WriteFunc(f.out, 0o644, write)
			} else {
				err = write(g.stdout)
			}
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			var slower []string
			for _, s := range rep.Summaries {
				if s.Regressed() {
					slower = append(slower, s.Image+" "+s.Scenario)
				}
			}
			if len(slower) > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("slower than the window before: %v", slower)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.historyPath, "history", "", "history store (default .layerwise/history.db under PATH)")
	cmd.Flags().StringVar(&f.since, "since", "7d", "start of the window: an age (7d, 36h) or a date (2026-11-01)")
	cmd.Flags().StringVar(&f.title, "title", "Image build report", "title of the html and markdown reports")
	cmd.Flags().StringVar(&f.out, "out", "", "write to this file (atomically) instead of standard output")
	return cmd
}

func reportTable(w io.Writer, rep *trends.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSCENARIO\tBUILDS\tFAILED\tMEDIAN\tBEFORE\tCHANGE\tLAST\tCACHED\tIMAGE SIZE")
	for _, s := range rep.Summaries {
		change := "new"
		if s.Previous > 0 && s.Median > 0 {
			change = fmt.Sprintf("%+.0f%%", 100*s.Change)
			if s.Regressed() {
				change += " slower"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.0f%%\t%s\n", safetext.Term(s.Image), safetext.Term(s.Scenario), s.Builds, s.Failures,
			dsecs(s.Median), dsecs(s.Previous), change, dsecs(s.Last.Wall), 100*s.CacheHitRatio, units.Bytes(s.ImageSize))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d builds (%d failed) from %s, %s spent building.\n", rep.Builds, rep.Failures, rep.From.Format("2006-01-02 15:04"), dsecs(rep.Total))
}

func dsecs(d time.Duration) string { return units.SecondsOr(d, 2, "-") }
