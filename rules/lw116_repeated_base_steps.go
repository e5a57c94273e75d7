package rules

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// RepeatedBaseSteps is LW116.
var RepeatedBaseSteps = Register(&Rule{
	ID: "LW116", Name: "repeated-base-steps", Severity: Info, Category: CatSpeed,
	Title: "Services repeat the same base image and the same install steps",
	Cost:  "Every service runs the same OS-package or toolchain installs again wherever its builder has not cached them (a fresh CI runner, a new version of the base): seconds per service per build, and as many copies of the layers in the registry.",
	Description: `Images whose Dockerfiles start FROM the same base image with the same instructions — the same
` + "`apt-get install`" + `, the same toolchain download — before each reads its own sources run those steps once each.
BuildKit reuses a step it has in its cache, so on one warm builder this costs nothing; on fresh CI runners, on
several builders and after every move of the base image it costs each service the full install. A shared base
image built once (and the services built FROM it) runs them once: ` + "`layerwise fix --shared-base`" + ` (opt-in) writes
it under ` + "`base-images/`" + ` from the steps the services repeated and points them at it; ` + "`layerwise build`" + ` and
` + "`verify --shared-base`" + ` build it first (a plain ` + "`docker build`" + ` of a service then needs it built first). It refuses an
ARG among the shared steps (it would not reach the services). The finding names the services, the shared steps and
their price per build: seconds (measured when the history has builds of the image, estimated otherwise) and the
layer bytes each image carries of them, which every machine pulls once per service instead of once (measured
only: ` + "`layerwise measure`" + ` or ` + "`layerwise build`" + ` records each step's layer).`,
	Bad:       "# api/Dockerfile and worker/Dockerfile both:\nFROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libpq5\nCOPY . /app",
	Good:      "# base/Dockerfile:\nFROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libpq5\n# api/Dockerfile and worker/Dockerfile:\nFROM registry.example.com/team/python-base:1\nCOPY . /app",
	RepoCheck: checkRepeatedBaseSteps,
})

// sharedPrefix is the part of an image's Dockerfile that does not depend on
// its own sources: its root stage's base and the instructions before the
// first one that reads the context or another stage.
type sharedPrefix struct {
	in    *Input
	base  string
	steps []string // instruction texts, blanks collapsed
	lines []int
	runs  []bool // the step is a RUN that installs something
	secs  []float64
}

func prefixOf(in *Input) *sharedPrefix {
	final := in.finalStage()
	if final == nil {
		return nil
	}
	root := in.rootBase(final)
	n, ok := imageRef(root.Base)
	if !ok {
		return nil
	}
	p := &sharedPrefix{in: in, base: n.String()}
	for _, x := range root.Instructions {
		if x.Copy != nil || (x.Run != nil && len(x.Run.Mounts) > 0) {
			break // its own sources, another stage, or a mount of them
		}
		p.steps = append(p.steps, strings.Join(strings.Fields(x.Original), " "))
		p.lines = append(p.lines, x.Range.Start.Line)
		installs := false
		secs := 0.0
		for _, inst := range runInstalls(x) {
			installs = true
			secs = max(secs, inst.Tool.Seconds)
		}
		p.runs = append(p.runs, installs)
		p.secs = append(p.secs, secs)
	}
	return p
}

// prefixesByBase groups the images' shared prefixes by base image, and
// returns the bases in order.
func prefixesByBase(ins []*Input) (map[string][]*sharedPrefix, []string) {
	byBase := map[string][]*sharedPrefix{}
	for _, in := range ins {
		if p := prefixOf(in); p != nil && len(p.steps) > 0 {
			byBase[p.base] = append(byBase[p.base], p)
		}
	}
	return byBase, slices.Sorted(maps.Keys(byBase))
}

func checkRepeatedBaseSteps(ins []*Input) []Finding {
	byBase, bases := prefixesByBase(ins)
	var out []Finding
	for _, base := range bases {
		ps := byBase[base]
		// the longest prefix each image shares with at least one other
		for _, p := range ps {
			k, with := 0, []*sharedPrefix(nil)
			for _, o := range ps {
				if o == p || o.in.Image == p.in.Image {
					continue
				}
				n := common(p.steps, o.steps)
				switch {
				case n > k:
					k, with = n, []*sharedPrefix{o}
				case n == k && n > 0:
					with = append(with, o)
				}
			}
			installs, secs := 0, 0.0
			var lines []int
			for i := 0; i < k; i++ {
				if p.runs[i] {
					installs++
					secs += p.secs[i]
					lines = append(lines, p.lines[i])
				}
			}
			if installs == 0 {
				continue // a shared WORKDIR or ENV costs nothing
			}
			names := []string{p.in.Image}
			for _, o := range with {
				names = append(names, o.in.Image)
			}
			sort.Strings(names)
			// the price is in the cost (seconds, measured layer bytes), not
			// here: the audit replaces the estimate when the history has one
			msg := fmt.Sprintf("%s repeat FROM %s and the same %d step(s) before their own sources (%s): each runs them again where its builder has not cached them and carries its own copy of their layers; a shared base image built once from them runs them once, and machines pull its layers once.",
				strings.Join(names, ", "), base, k, short(p.steps[k-1]))
			f := p.in.atStage(p.in.rootBase(p.in.finalStage()), msg, Cost{Seconds: secs, Basis: BasisStatic, Invalidates: "the shared installs, in every service"})
			f.Affects, f.RepullsLayers = lines, true
			out = append(out, f)
		}
	}
	return out
}

func common(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// SharedGroup is a set of images whose Dockerfiles start with the same
// base and the same K instructions (at least one an install): what `fix
// --shared-base` moves into one base image.
type SharedGroup struct {
	Base   string
	Inputs []*Input
	K      int
}

// SharedGroups groups the images by the longest shared prefix each has
// with others (the images of a group share exactly its first K steps);
// an image joins the deepest group it can.
func SharedGroups(ins []*Input) []SharedGroup {
	byBase, bases := prefixesByBase(ins)
	var out []SharedGroup
	for _, base := range bases {
		left := byBase[base]
		for len(left) >= 2 {
			// the longest prefix two of the remaining images share
			bestK, bestI := 0, -1
			for i, p := range left {
				for _, o := range left[i+1:] {
					if k := common(p.steps, o.steps); k > bestK {
						bestK, bestI = k, i
					}
				}
			}
			if bestI < 0 {
				break
			}
			p := left[bestI]
			installs := false
			for i := 0; i < bestK; i++ {
				installs = installs || p.runs[i]
			}
			var members, rest []*sharedPrefix
			for _, o := range left {
				if common(p.steps, o.steps) >= bestK {
					members = append(members, o)
				} else {
					rest = append(rest, o)
				}
			}
			if installs {
				g := SharedGroup{Base: base, K: bestK}
				for _, m := range members {
					g.Inputs = append(g.Inputs, m.in)
				}
				out = append(out, g)
			}
			left = rest
		}
	}
	return out
}
