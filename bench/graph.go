package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
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
	// chain of dependent builds (graphbuild.Report.CriticalPath), the floor no
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
	var serial *graphbuild.Report
	for _, jobs := range []int{1, opt.Graph} {
		logf("bench graph: building %d images -j %d without cache", len(images), jobs)
		rep, err := graphbuild.Run(ctx, d, images, graphbuild.Options{Builders: []engine.Builder{opt.Builder}, Parallel: jobs, NoCache: true})
		if err != nil {
			return nil, err
		}
		for _, o := range rep.Outcomes {
			if o.Status != graphbuild.Built {
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
