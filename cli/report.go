package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/render"
	"github.com/layerwise/layerwise/trends"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	historyPath string
	since       string
	title       string
	out         string
	linkBase    string
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
			store, err := openHistory(root, f.historyPath, history.ReadOnly)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := trends.Load(cmd.Context(), store, from, now)
			if err != nil {
				return &ExitError{Code: ExitFindings, Err: err}
			}
			write := func(w io.Writer) error {
				switch g.format {
				case "html":
					return render.TrendsHTML(w, rep, render.HTMLOptions{Title: f.title, Generated: time.Now(), LinkBase: linkBase(root, f.out, f.linkBase)})
				case "markdown":
					return render.TrendsMarkdown(w, rep, f.title)
				case "prometheus":
					return render.TrendsPrometheus(w, rep)
				case "json":
					return writeJSON(w, rep)
				}
				render.TrendsTable(w, rep)
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
	cmd.Flags().StringVar(&f.linkBase, "link-base", "", "html: prefix of the links to Dockerfile lines (e.g. https://github.com/ORG/REPO/blob/main/); default: relative to --out, or to PATH")
	cmd.Flags().StringVar(&f.out, "out", "", "write to this file (atomically) instead of standard output")
	return cmd
}

// linkBase is what the dashboard puts before a Dockerfile's repository
// path: the flag, or the way from the page (--out) to the repository root.
func linkBase(root, out, flag string) string {
	if flag != "" {
		return flag
	}
	if out == "" {
		return ""
	}
	absRoot, err1 := filepath.Abs(root)
	absOut, err2 := filepath.Abs(filepath.Dir(out))
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(absOut, absRoot)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel) + "/"
}
