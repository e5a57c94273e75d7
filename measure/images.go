package measure

import (
	"context"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
)

// Failure is an image that could not be measured, or one whose build
// failed (its measurements say where).
type Failure struct {
	Image    string `json:"image"`
	Scenario string `json:"scenario,omitempty"`
	Reason   string `json:"reason"`
	// Skipped: the image was not built at all (its Dockerfile does not
	// parse or could not be read).
	Skipped bool `json:"skipped,omitempty"`
}

// Images measures images one after another with opt: the per-image loop
// of `layerwise measure` and `layerwise bench`. An image that cannot be
// measured is a Failure and the others still run; the error is only for
// what stops everything — a cancelled context, or no builder at all.
// The repository images they build FROM must already be built
// (BuildDeps).
func Images(ctx context.Context, images []*discover.Image, opt Options) ([]*Measurement, []Failure, error) {
	var all []*Measurement
	var failures []Failure
	for _, im := range images {
		if im.Error != nil || im.Model == nil {
			reason := "its Dockerfile could not be read"
			if im.Error != nil {
				reason = im.Error.Error()
			}
			failures = append(failures, Failure{Image: im.Name, Reason: reason, Skipped: true})
			continue
		}
		ms, err := Image(ctx, im, opt)
		if err != nil {
			if ctx.Err() != nil {
				return all, failures, ctx.Err()
			}
			if engine.IsNoBuilder(err) {
				return all, failures, err
			}
			failures = append(failures, Failure{Image: im.Name, Reason: err.Error()})
			continue
		}
		for _, m := range ms {
			if m.Error != "" {
				failures = append(failures, Failure{Image: m.Image, Scenario: m.Scenario, Reason: m.Error})
				break
			}
		}
		all = append(all, ms...)
	}
	return all, failures, nil
}
