package rules

import (
	"strings"
	"testing"
)

// TestLW118: a CI file that builds images and keeps no layer cache is
// reported once, at its build line, naming the images; one that keeps a
// cache (or none that builds them) is not. The images only that CI builds
// get their order and mount findings as information.
func TestLW118(t *testing.T) {
	src := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	a, b, c := input(t, src), input(t, src), input(t, src)
	a.Image, b.Image, c.Image = "api", "web", "tool"
	for _, in := range []*Input{a, b} {
		in.CIWorkflow, in.CILine, in.CIUncached = ".github/workflows/build.yml", 12, true
	}
	fs := CIWithoutLayerCache.RunRepo([]*Input{a, b, c})
	if len(fs) != 1 || fs[0].File != ".github/workflows/build.yml" || fs[0].Range.Start.Line != 12 || !strings.Contains(fs[0].Message, "api, web") || fs[0].RuleID != "LW118" {
		t.Fatalf("uncached CI: %+v", fs)
	}
	a.CIUncached, b.CIUncached = false, false
	if fs := CIWithoutLayerCache.RunRepo([]*Input{a, b, c}); len(fs) != 0 {
		t.Errorf("cached CI: %+v", fs)
	}

	// only the uncached CI builds it: LW101 informs, and says why
	a.CIUncached = true
	fs = check(t, "LW101", a)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "keeps no layer cache between jobs (LW118)") {
		t.Errorf("only an uncached CI: %+v", fs)
	}
	// built locally too (compose, a script): a warning as before
	a.LocalBuild = true
	if fs = check(t, "LW101", a); len(fs) != 1 || fs[0].Severity != Warning || strings.Contains(fs[0].Message, "LW118") {
		t.Errorf("built locally too: %+v", fs)
	}
}
