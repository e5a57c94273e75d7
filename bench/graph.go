package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/layerwise/layerwise/build"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
)

// GraphRun is every image of the fixed copy built along its dependency
// graph without cache: once one build at a time (a measured serial run),
// once Jobs at a time.
type GraphRun struct {
	Jobs     int           `json:"jobs"`
	Images   int           `json:"images"`
	Serial   time.Duration `json:"serialNs"`
	Parallel time.Duration `json:"parallelNs"`
	// Speedup = Serial / Parallel, both measured.
	Speedup float64 `json:"speedup"`
	// CriticalPath and Critical are from the parallel run: the longest
	// chain of dependent builds (build.Report.CriticalPath), the floor no
	// number of builders goes under at those build times.
	CriticalPath []string      `json:"criticalPath"`
	Critical     time.Duration `json:"criticalNs"`
	// SerialCritical is the same chain's time in the serial run, where
	// no build competed with another for the cores.
	SerialCritical time.Duration `json:"serialCriticalNs"`
	Failed         []string      `json:"failed,omitempty"`
}

func graphRun(ctx context.Context, opt Options, d *discover.Repo, logf func(string, ...any)) (*GraphRun, error) {
	var images []*discover.Image
	for _, im := range d.Images {
		if im.Model != nil && im.Error == nil && im.Dockerfile != "" {
			images = append(images, im)
		}
	}
	g := &GraphRun{Jobs: opt.Graph, Images: len(images)}
	var serial *build.Report
	for _, jobs := range []int{1, opt.Graph} {
		logf("bench graph: building %d images -j %d without cache", len(images), jobs)
		rep, err := build.Run(ctx, d, images, build.Options{Builders: []engine.Builder{opt.Builder}, Parallel: jobs, NoCache: true})
		if err != nil {
			return nil, err
		}
		for _, o := range rep.Outcomes {
			if o.Status != build.Built {
				g.Failed = append(g.Failed, fmt.Sprintf("%s (-j %d): %s", o.Image, jobs, firstLine(o.Error)))
			}
		}
		if jobs == 1 {
			serial, g.Serial = rep, rep.Wall
			continue
		}
		g.Parallel, g.CriticalPath, g.Critical = rep.Wall, rep.CriticalPath, rep.Critical
	}
	if g.Parallel > 0 {
		g.Speedup = g.Serial.Seconds() / g.Parallel.Seconds()
	}
	on := map[string]bool{}
	for _, n := range g.CriticalPath {
		on[n] = true
	}
	for _, o := range serial.Outcomes {
		if on[o.Image] && o.Result != nil {
			g.SerialCritical += o.Result.Wall
		}
	}
	return g, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Summary is the graph run for a terminal.
func (g *GraphRun) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Dependency graph (%d images, fixed, no cache): -j 1 %.1f s, -j %d %.1f s: %.2f× faster in parallel.\n",
		g.Images, g.Serial.Seconds(), g.Jobs, g.Parallel.Seconds(), g.Speedup)
	fmt.Fprintf(&b, "Critical path: %s, %.1f s of builds at -j %d (%.1f s when each ran alone): the floor of any parallel run.\n",
		strings.Join(g.CriticalPath, " → "), g.Critical.Seconds(), g.Jobs, g.SerialCritical.Seconds())
	for _, f := range g.Failed {
		fmt.Fprintf(&b, "not built: %s\n", f)
	}
	return b.String()
}

// Markdown is the graph run for docs/benchmarks.md.
func (g *GraphRun) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Every image of the fixed copy (%d), built along the dependency graph without cache by `layerwise build`, one build at a time and %d at a time, in the same run:\n\n", g.Images, g.Jobs)
	fmt.Fprintf(&b, "| run | wall | critical path |\n| --- | ---: | --- |\n")
	fmt.Fprintf(&b, "| `-j 1` | %.1f s | %.1f s |\n", g.Serial.Seconds(), g.SerialCritical.Seconds())
	fmt.Fprintf(&b, "| `-j %d` | %.1f s | %.1f s |\n\n", g.Jobs, g.Parallel.Seconds(), g.Critical.Seconds())
	fmt.Fprintf(&b, "Parallel speed-up over the measured serial run: **%.2f×**. Critical path: %s. No schedule of these builds ends before the critical path's builds do; on %s, builds that run side by side also slow each other down, which the critical path at `-j %d` includes.\n",
		g.Speedup, strings.Join(g.CriticalPath, " → "), "this machine's cores", g.Jobs)
	for _, f := range g.Failed {
		fmt.Fprintf(&b, "\n- not built: %s\n", f)
	}
	return b.String()
}
