package audit

import (
	"context"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

// applyMeasured replaces static estimates with measured seconds where the
// history holds real builds of the image: the median duration of the
// affected steps when they ran (not cached). It returns how many findings
// it could price that way.
func applyMeasured(ctx context.Context, store StepDurations, fs []rules.Finding, inputs []*rules.Input) (int, error) {
	models := map[string]*dockerfile.File{}
	for _, in := range inputs {
		models[in.Image] = in.File
	}
	secsByImage := map[string]map[string]float64{}
	n := 0
	for i := range fs {
		f := &fs[i]
		m := models[f.Image]
		if m == nil || f.Range.Start.Line == 0 || strings.HasPrefix(f.RuleID, "buildkit/") {
			continue
		}
		secs, ok := secsByImage[f.Image]
		if !ok {
			var err error
			if secs, err = store.StepSeconds(ctx, f.Image); err != nil {
				return n, err
			}
			secsByImage[f.Image] = secs
		}
		if len(secs) == 0 {
			continue
		}
		// only findings whose cost is the run time of steps say which
		lines := f.Affects
		if len(lines) == 0 {
			continue
		}
		total, found := 0.0, false
		for _, l := range lines {
			if key := stepKeyAt(m, l); key != "" {
				for k, v := range secs {
					if matchesKey(k, key) {
						total += v
						found = true
						break
					}
				}
			}
		}
		if found {
			f.Cost.Seconds, f.Cost.Basis = total, rules.BasisMeasured
			n++
		}
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
func matchesKey(stepKey, want string) bool {
	stage, text, _ := strings.Cut(want, "|")
	prefix, rest, ok := strings.Cut(stepKey, " ")
	if !ok || !strings.HasPrefix(prefix, stage+"#") {
		return false
	}
	return rest == text
}
