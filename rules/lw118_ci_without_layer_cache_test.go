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
	ordered := "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n"
	a, b, c := input(t, src), input(t, ordered), input(t, src)
	a.Image, b.Image, c.Image = "api", "web", "tool"
	for _, in := range []*Input{a, b} {
		in.CIWorkflow, in.CILine, in.CIUncached, in.CIPublishes = ".github/workflows/build.yml", 12, true, true
	}
	fs := CIWithoutLayerCache.RunRepo([]*Input{a, b, c})
	if len(fs) != 1 || fs[0].File != ".github/workflows/build.yml" || fs[0].Range.Start.Line != 12 || !strings.Contains(fs[0].Message, "api, web") || fs[0].RuleID != "LW118" || fs[0].Severity != Warning {
		t.Fatalf("uncached CI: %+v", fs)
	}

	// only a check that the images build (pushes nothing: a sample's
	// per-directory workflow), with a plain docker build: information,
	// and the advice sets up buildx
	b.CIPublishes, a.CIPublishes, b.CIPlainDocker = false, false, true
	b.Image, a.Image = "aaa", "zzz"
	fs = CIWithoutLayerCache.RunRepo([]*Input{b, a})
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "pushes nothing") || !strings.Contains(fs[0].Message, "setup-buildx-action") {
		t.Errorf("check-only CI: %+v", fs)
	}
	b.CIPublishes, a.CIPublishes, b.CIPlainDocker = true, true, false
	b.Image, a.Image = "web", "api"

	// a scheduled rebuild that means to pick up new packages (review 22:
	// wger's base image): information, saying why
	a.CIRefresh, b.CIRefresh = true, true
	fs = CIWithoutLayerCache.RunRepo([]*Input{a, b})
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "scheduled rebuild") {
		t.Errorf("scheduled refresh: %+v", fs)
	}
	a.CIRefresh, b.CIRefresh = false, false

	// built only when a commit message asks for it (review 24):
	// information, saying why
	a.CIOnDemand, b.CIOnDemand = true, true
	fs = CIWithoutLayerCache.RunRepo([]*Input{a, b})
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "commit message asks") {
		t.Errorf("on demand: %+v", fs)
	}
	a.CIOnDemand, b.CIOnDemand = false, false

	// release tags alone (review 30: Exceptionless' arm64 release): a
	// gha cache of one tag is not read by the next: information
	a.CIReleaseOnly, b.CIReleaseOnly = true, true
	fs = CIWithoutLayerCache.RunRepo([]*Input{a, b})
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "release tags alone") {
		t.Errorf("release only: %+v", fs)
	}
	a.CIReleaseOnly, b.CIReleaseOnly = false, false

	// nothing a cache could keep as the Dockerfiles stand (the install
	// after COPY . ., or after an ARG each run passes anew): information
	for _, tc := range []struct {
		name, src string
		args      []string
	}{
		{"whole context first", "FROM golang:1.24 AS builder\nCOPY * ./\nRUN go build -o /export .\n", nil},
		{"per-run arg", "FROM node:20\nARG VERSION\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n", []string{"VERSION"}},
	} {
		x := input(t, tc.src)
		x.Image, x.CIWorkflow, x.CILine, x.CIUncached, x.CIPublishes, x.CIPerRunArgs = "x", ".github/workflows/x.yml", 3, true, true, tc.args
		if fs := CIWithoutLayerCache.RunRepo([]*Input{x}); len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "no install or compile step could come from it") {
			t.Errorf("%s: %+v", tc.name, fs)
		}
		x.CIPerRunArgs = []string{"OTHER"}
		if tc.args != nil {
			if fs := CIWithoutLayerCache.RunRepo([]*Input{x}); len(fs) != 1 || fs[0].Severity != Warning {
				t.Errorf("%s, another arg per run: %+v", tc.name, fs)
			}
		}
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

// TestLW102OnlyFreshCI: an image only a CI on fresh runners builds gets
// its cache mount advice as information, with a layer cache or without
// (the mount starts empty on every job: review 15); one a developer builds
// too keeps the warning, with the note on CI.
func TestLW102OnlyFreshCI(t *testing.T) {
	// (a file besides the manifests before the install: a step behind
	// its manifests alone is information anyway, and one LW101 reports
	// too)
	in := input(t, "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json tsconfig.json ./\nRUN npm ci\nCOPY . .\n")
	in.CIWorkflow, in.CIFresh = ".github/workflows/release.yml", true
	fs := check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "on fresh runners where a cache mount starts empty") {
		t.Errorf("only a fresh CI: %+v", fs)
	}
	in.LocalBuild = true
	fs = check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Warning || !strings.Contains(fs[0].Message, "pays only on developers' machines") {
		t.Errorf("built locally too: %+v", fs)
	}
	in.LocalBuild, in.CIFresh = false, false // a self-hosted runner keeps its mounts
	if fs = check(t, "LW102", in); len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("self-hosted CI: %+v", fs)
	}
}
