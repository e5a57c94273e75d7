package bench

import (
	"slices"
	"time"

	"github.com/layerwise/layerwise/measure"
)

// CICost is what a variant's CI jobs cost in a ci scenario (medians over
// the runs): the build itself (the job's build minus the transfers: the
// layer cache's import and export, and the layers fetched — base images'
// and the cached steps' from the cache), the transfers, and end to end — the build with the transfer and
// the persisted cache mounts' restore and save, what the CI bills.
type CICost struct {
	Build       time.Duration `json:"buildNs"`
	CacheImport time.Duration `json:"cacheImportNs"`
	LayerFetch  time.Duration `json:"layerFetchNs"`
	CacheExport time.Duration `json:"cacheExportNs"`
	// Mounts is the restore and save of the persisted cache mounts per
	// job (0 when they are not persisted).
	Mounts   time.Duration `json:"mountsNs"`
	EndToEnd time.Duration `json:"endToEndNs"`
	// CacheBytes is the layer cache's stored size; MountBytes what the
	// cache mounts' entries moved per job (restored + saved archives).
	CacheBytes int64 `json:"cacheBytes"`
	MountBytes int64 `json:"mountBytes,omitempty"`
	// MountErrors are why persisting the cache mounts failed in some job
	// (each once): a table of zeros must say why.
	MountErrors []string `json:"mountErrors,omitempty"`
}

// CIRow is a ci scenario's costs per variant, and the speed-ups of the
// fixed one over naive: of the build itself and end to end.
type CIRow struct {
	Naive           *CICost `json:"naive,omitempty"`
	Fixed           *CICost `json:"fixed,omitempty"`
	Expert          *CICost `json:"expert,omitempty"`
	BuildSpeedup    float64 `json:"buildSpeedup,omitempty"`
	EndToEndSpeedup float64 `json:"endToEndSpeedup,omitempty"`
}

func ciCost(scenario string, ms []*measure.Measurement) *CICost {
	var builds, imports, loads, exports, mounts, e2e []time.Duration
	c := &CICost{}
	for _, m := range ms {
		if m.Scenario != scenario || len(m.Runs) == 0 {
			continue
		}
		perRun := time.Duration(0)
		var bytes int64
		if mc := m.CacheMounts; mc != nil {
			perRun = time.Duration((mc.RestoreSeconds + mc.SaveSeconds) / float64(len(m.Runs)) * float64(time.Second))
			bytes = (mc.RestoredBytes + mc.SavedBytes) / int64(len(m.Runs))
			for _, e := range mc.Errors {
				if !slices.Contains(c.MountErrors, e) {
					c.MountErrors = append(c.MountErrors, e)
				}
			}
		}
		for _, r := range m.Runs {
			builds = append(builds, max(r.Wall-r.Transfer, 0))
			imports, loads, exports = append(imports, r.CacheImport), append(loads, r.LayerFetch), append(exports, r.CacheExport)
			mounts, e2e = append(mounts, perRun), append(e2e, r.Wall+perRun)
		}
		c.CacheBytes, c.MountBytes = m.CacheBytes, bytes
	}
	if len(builds) == 0 {
		return nil
	}
	med := func(d []time.Duration) time.Duration { slices.Sort(d); return measure.Median(d) }
	c.Build, c.CacheImport, c.LayerFetch, c.CacheExport, c.Mounts, c.EndToEnd = med(builds), med(imports), med(loads), med(exports), med(mounts), med(e2e)
	return c
}

// ciRow fills the ci costs of a row of a ci scenario.
func ciRow(row *Row, naive, fixed, expert []*measure.Measurement) {
	if sc, ok := measure.ScenarioNamed(row.Scenario); !ok || !sc.Fresh {
		return
	}
	ci := &CIRow{Naive: ciCost(row.Scenario, naive), Fixed: ciCost(row.Scenario, fixed), Expert: ciCost(row.Scenario, expert)}
	if ci.Naive != nil && ci.Fixed != nil {
		if ci.Fixed.Build > 0 {
			ci.BuildSpeedup = float64(ci.Naive.Build) / float64(ci.Fixed.Build)
		}
		if ci.Fixed.EndToEnd > 0 {
			ci.EndToEndSpeedup = float64(ci.Naive.EndToEnd) / float64(ci.Fixed.EndToEnd)
		}
	}
	row.CI = ci
}
