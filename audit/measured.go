package audit

import (
	"context"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/rules"
)

// measured is what the history holds of one image's steps.
type measured struct {
	secs  map[engine.StepKey]float64
	layer map[engine.StepKey]int64
}

// applyMeasured replaces static estimates with measured seconds where the
// history holds real builds of the image: the median duration of the
// affected steps when they ran (not cached); and, for findings that make
// those steps' layers pulled again, their measured size. It returns how
// many findings it could price by seconds.
func applyMeasured(ctx context.Context, store StepDurations, fs []rules.Finding, inputs []*rules.Input) (int, error) {
	models := map[string]*dockerfile.File{}
	for _, in := range inputs {
		models[in.Image] = in.File
	}
	byImage := map[string]*measured{}
	n := 0
	for i := range fs {
		f := &fs[i]
		m := models[f.Image]
		if m == nil || f.Range.Start.Line == 0 || strings.HasPrefix(f.RuleID, "buildkit/") {
			continue
		}
		// only findings whose cost is the run time of steps say which
		if len(f.Affects) == 0 {
			continue
		}
		h, ok := byImage[f.Image]
		if !ok {
			h = &measured{}
			var err error
			if h.secs, err = store.StepSeconds(ctx, f.Image); err != nil {
				return n, err
			}
			if h.layer, err = store.StepLayerBytes(ctx, f.Image); err != nil {
				return n, err
			}
			byImage[f.Image] = h
		}
		total, found := 0.0, false
		var layers int64
		for _, l := range f.Affects {
			key := stepKeyAt(m, l)
			if key == "" {
				continue
			}
			for k, v := range h.secs {
				if matchesKey(k, key) {
					total += v
					found = true
					break
				}
			}
			if f.RepullsLayers {
				for k, v := range h.layer {
					if matchesKey(k, key) {
						layers += v
						break
					}
				}
			}
		}
		if found {
			f.Cost.Seconds, f.Cost.Basis = total, rules.BasisMeasured
			n++
		}
		f.Cost.LayerBytes = layers
	}
	return n, nil
}

// stepKeyAt returns "stage|instruction text" for the instruction starting
// at line, in the form BuildKit names its vertex ("[build 3/5] RUN ...").
func stepKeyAt(m *dockerfile.File, line int) string {
	for _, s := range m.Stages {
		for _, in := range s.Instructions {
			if in.Range.Start.Line != line {
				continue
			}
			return m.ProgressName(s) + "|" + strings.Join(strings.Fields(in.Original), " ")
		}
	}
	return ""
}

// matchesKey compares a history step key ("build#3 RUN go build ./...")
// with stepKeyAt's "build|RUN go build ./...".
func matchesKey(stepKey engine.StepKey, want string) bool {
	return stepKey.ID() == want
}
