package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/pkgmgr"
)

// Target is one of the figures the benchmark must show (issue: the
// before/after benchmark), checked against the measured rows.
type Target struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
	Reason string `json:"reason,omitempty"`
}

// evaluate checks the targets (issue 12):
//   - source-change rebuild ≥ 15× faster for compiled services (Go), ≥ 5×
//     for Node services (their bundler or compiler is the floor), ≥ 10×
//     for other services with a dependency install
//   - deps-change rebuild ≥ 2× faster for the same services
//   - cold build no slower than 1.10×
//   - context bytes cut ≥ 90% where junk exists
//   - final image ≥ 50% smaller for compiled services
//   - with the expert variant: fixed within 1.20× of the expert's
//     Dockerfile on every rebuild (warm, source change, deps change)
//   - ci scenarios (issue 22), on a fresh builder per job: without persisted
//     cache mounts the fixed Dockerfile is never slower than naive end to
//     end; with them (--ci-cache-mounts) a Go source change is ≥ 10× faster
//     for the build itself and ≥ 5× end to end (cache import, export and
//     the mounts' restore and save included), a Node one ≥ 3× end to end
//   - pull scenarios (issue 26): the fixed image pulls onto an empty
//     machine in ≤ 0.6× the naive one's time
func evaluate(rows []*Row, d *discover.Repo, mountsPersisted bool) []Target {
	var out []Target
	get := func(image, scenario string) *Row {
		for _, r := range rows {
			if r.Image == image && r.Scenario == scenario && r.Runs > 0 {
				return r
			}
		}
		return nil
	}
	images := map[string]bool{}
	for _, r := range rows {
		images[r.Image] = true
	}
	for _, im := range d.Images {
		if !images[im.Name] || im.Model == nil {
			continue
		}
		installs, compiles, node := false, false, false
		for _, s := range im.Model.Stages {
			for _, in := range s.Instructions {
				if in.Run == nil {
					continue
				}
				for _, c := range in.Run.Commands {
					if i := pkgmgr.Classify(c); i != nil && !i.Tool.System && (i.FromManifest || i.Compile) {
						installs = true
						compiles = compiles || i.Compile
						switch i.Tool.Name {
						case "npm", "yarn", "pnpm":
							node = true
						}
					}
				}
			}
		}
		if installs {
			want := 10.0
			switch {
			case compiles && !node:
				want = 15
			case node:
				want = 5
			}
			if r := get(im.Name, measure.Source); r != nil {
				out = append(out, Target{Name: "source-change rebuild", Image: im.Name, Want: fmt.Sprintf("≥ %.0f× faster", want), Got: fmt.Sprintf("%.1f×", r.Speedup), Met: r.Speedup >= want})
			}
			if r := get(im.Name, measure.Deps); r != nil {
				out = append(out, Target{Name: "deps-change rebuild", Image: im.Name, Want: "≥ 2× faster", Got: fmt.Sprintf("%.1f×", r.Speedup), Met: r.Speedup >= 2})
			}
		}
		for _, sc := range []string{measure.CISource, measure.CIDeps} {
			r := get(im.Name, sc)
			if r == nil || r.CI == nil || r.CI.EndToEndSpeedup == 0 {
				continue
			}
			e2e := fmt.Sprintf("%.1f× (build %.1f×)", r.CI.EndToEndSpeedup, r.CI.BuildSpeedup)
			switch {
			case !mountsPersisted:
				out = append(out, Target{Name: sc + ", mounts not persisted", Image: im.Name, Want: "fixed never slower than naive end to end", Got: e2e, Met: r.CI.EndToEndSpeedup >= 1})
			case sc == measure.CISource && compiles && !node:
				out = append(out, Target{Name: sc + ", persisted mounts, the build", Image: im.Name, Want: "≥ 10× faster", Got: fmt.Sprintf("%.1f×", r.CI.BuildSpeedup), Met: r.CI.BuildSpeedup >= 10},
					Target{Name: sc + ", persisted mounts, end to end", Image: im.Name, Want: "≥ 5× faster", Got: fmt.Sprintf("%.1f×", r.CI.EndToEndSpeedup), Met: r.CI.EndToEndSpeedup >= 5})
			case sc == measure.CISource && node:
				out = append(out, Target{Name: sc + ", persisted mounts", Image: im.Name, Want: "≥ 3× end to end", Got: e2e, Met: r.CI.EndToEndSpeedup >= 3})
			default:
				out = append(out, Target{Name: sc + ", persisted mounts", Image: im.Name, Want: "fixed never slower than naive end to end", Got: e2e, Met: r.CI.EndToEndSpeedup >= 1})
			}
		}
		for _, sc := range measure.Scenarios {
			if r := get(im.Name, sc.Name); sc.Pull != "" && r != nil && r.Speedup > 0 {
				ratio := 1 / r.Speedup
				out = append(out, Target{Name: sc.Name, Image: im.Name, Want: "fixed pulls in ≤ 0.6× naive's time",
					Got: fmt.Sprintf("%.2f× (%s → %s)", ratio, units.Bytes(r.NaiveImage), units.Bytes(r.FixedImage)), Met: ratio <= 0.6})
			}
		}
		for _, sc := range measure.Scenarios {
			if !sc.Rebuild {
				continue
			}
			if r := get(im.Name, sc.Name); r != nil && r.FixedVsExpert > 0 {
				out = append(out, Target{Name: "fixed vs expert, " + sc.Name, Image: im.Name, Want: "≤ 1.20× expert", Got: fmt.Sprintf("%.2f×", r.FixedVsExpert), Met: r.FixedVsExpert <= 1.2})
			}
		}
		if r := get(im.Name, measure.Cold); r != nil {
			slower := 0.0
			if r.Speedup > 0 {
				slower = 1 / r.Speedup
			}
			out = append(out, Target{Name: "cold build", Image: im.Name, Want: "fixed ≤ 1.10× naive", Got: fmt.Sprintf("%.2f×", slower), Met: slower <= 1.10})
			if r.NaiveCtx > 1<<20 { // junk exists: more than a MiB sent
				cut := 1 - float64(r.FixedCtx)/float64(r.NaiveCtx)
				out = append(out, Target{Name: "context bytes", Image: im.Name, Want: "≥ 90% less", Got: fmt.Sprintf("%.0f%% less", 100*cut), Met: cut >= 0.9})
			}
			if compiles && r.NaiveImage > 0 {
				cut := 1 - float64(r.FixedImage)/float64(r.NaiveImage)
				out = append(out, Target{Name: "final image", Image: im.Name, Want: "≥ 50% smaller", Got: fmt.Sprintf("%.0f%% smaller", 100*cut), Met: cut >= 0.5})
			}
		}
	}
	return out
}

// machine describes the machine for the report.
func machine() string {
	cpu := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(data), "\n", 2)[0], "MemTotal:"), "%d", &kb)
		mem = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
	}
	kernel := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%d cores (%s), %s memory, Linux %s, %s/%s", runtime.NumCPU(), cpu, mem, kernel, runtime.GOOS, runtime.GOARCH)
}
