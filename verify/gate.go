package verify

import (
	"context"
	"sort"

	"github.com/layerwise/layerwise/rules"
)

// Culprit is an image whose fix did not verify, the rules left out for it
// and why.
type Culprit struct {
	Image      string   `json:"image"`
	Dockerfile string   `json:"dockerfile"`
	Status     string   `json:"status"`
	Rules      []string `json:"rules"`
	Reason     string   `json:"reason"`
}

// Gate is what `fix --verify` writes: the rules to leave out per
// Dockerfile so that every fix written verified.
type Gate struct {
	Verification *Report             `json:"verification"`
	Skip         map[string][]string `json:"skip"`
	Culprits     []Culprit           `json:"culprits,omitempty"`
}

// Bisect verifies the fixes and, for each image that fails, finds the
// rules responsible by verifying again with one rule left out at a time:
// a rule whose absence makes the image verify is a culprit. When no single
// rule explains the failure, every rule is left out for that image. Images
// that cannot be verified (or whose original does not build) keep none of
// their fixes: only what verified is written.
func Bisect(ctx context.Context, root string, opt Options) (*Gate, error) {
	opt.NoRebuilds = true
	res, err := Run(ctx, root, opt)
	if err != nil {
		return nil, err
	}
	g := &Gate{Verification: res, Skip: map[string][]string{}}
	all := fixable()
	for _, im := range res.Images {
		if im.Status == Verified {
			continue
		}
		c := Culprit{Image: im.Image, Dockerfile: im.Dockerfile, Status: im.Status, Reason: im.Reason}
		if im.Status == Failed && len(im.Rules) > 1 {
			for _, r := range im.Rules {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				one := opt
				one.Images = []string{im.Image}
				one.Skip = map[string][]string{im.Dockerfile: {r}}
				again, err := Run(ctx, root, one)
				if err != nil {
					return nil, err
				}
				if len(again.Images) == 1 && again.Images[0].Status == Verified {
					c.Rules = append(c.Rules, r)
				}
			}
		}
		if len(c.Rules) == 0 {
			c.Rules = all // no single rule explains it: none of this image's fixes
		}
		g.Skip[im.Dockerfile] = append(g.Skip[im.Dockerfile], c.Rules...)
		g.Culprits = append(g.Culprits, c)
	}
	return g, nil
}

// fixable lists every rule with a rewrite, the context rules included.
func fixable() []string {
	var out []string
	for _, r := range rules.All() {
		if r.Fixable() {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}
