package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// VolatileEarlyInput is LW107.
var VolatileEarlyInput = Register(&Rule{
	ID: "LW107", Name: "volatile-early-input", Severity: Warning, Category: CatCache,
	Title: "A value that changes on every build comes before expensive steps",
	Cost:  "Every RUN after it re-runs on every build: a changing ARG or ENV value is part of each later step's cache key.",
	Description: `Build args are in the environment of every RUN after their ARG, and ENV values are too, so a
value that differs on each build (a date, a commit id, a build number, a ` + "`CACHE_BUST`" + `) invalidates every RUN that
follows it — including the dependency install. Declare such values as late as possible: after the installs,
ideally in the last stage just before the LABEL or the final COPY that needs them. A RUN after a COPY of the whole
context is not counted: the context changes with every commit anyway.`,
	Bad: `FROM node:20
ARG GIT_COMMIT
COPY package*.json ./
RUN npm ci`,
	Good: `FROM node:20
COPY package*.json ./
RUN npm ci
ARG GIT_COMMIT
LABEL org.opencontainers.image.revision=$GIT_COMMIT`,
	Check: checkVolatile,
})

var (
	// the name ends with the word: S6_BUILD_TIME_PKGS (paperless-ngx's
	// list of packages) is no time
	volatileName  = regexp.MustCompile(`(?i)(^|_)(cache_?bust|build_?(date|time|timestamp|number|id)|git_?(commit|sha|hash|rev)|vcs_?ref|commit(_?(sha|id|hash))?|revision|timestamp)$`)
	volatileValue = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?|\d{10,}|[0-9a-f]{40}|[0-9a-f]{7,12})$`)
)

func checkVolatile(in *Input) []Finding {
	if in.officialImageSource() {
		// its commit and version ARGs are pinned defaults that the
		// templates rewrite (docker-library/golang's tip GOLANG_COMMIT),
		// and the RUN after them builds exactly that
		return nil
	}
	var out []Finding
	for _, s := range in.File.Stages {
		for i, ins := range s.Instructions {
			names := volatileNames(ins)
			if len(names) == 0 {
				continue
			}
			// the first expensive RUN that does not read the value: one
			// that compiles it in (kratos's -ldflags -X ...Commit=${COMMIT})
			// must re-run when it changes wherever it is declared
			exp := firstExpensive(s.Instructions[i+1:], names)
			after := s.Instructions[i+1:]
			if exp == nil && ins.Kind == "ENV" {
				// an ENV reaches the stages built FROM this one: their
				// steps re-run when it changes (review 36: maybe's
				// BUILD_COMMIT_SHA in its base stage, before the build
				// stage's bundle install)
				for _, t := range in.File.Stages {
					if t == s || !slices.Contains(in.lineage(t), s) {
						continue
					}
					if e := firstExpensive(t.Instructions, names); e != nil && !wholeContextBetween(in.lineageInstructions(t), e) {
						exp, after = e, t.Instructions
						break
					}
				}
			}
			if exp == nil || wholeContextBetween(in.lineageInstructions(in.stageOf(exp)), exp) {
				continue
			}
			msg := fmt.Sprintf("%s %s changes on every build and comes before %s (line %d): every RUN after it re-runs each time. Move it after the expensive steps.",
				ins.Kind, strings.Join(names, ", "), short(exp.Original), exp.Range.Start.Line)
			f := in.at(ins, msg, Cost{Invalidates: "every build re-runs every RUN after line " + fmt.Sprint(ins.Range.Start.Line), Seconds: expensiveSeconds(after), Basis: "static"})
			f.Affects = runLines(after)
			f.RepullsLayers = true
			if in.CIWorkflow == "" && !in.LocalBuild && ins.Kind == "ARG" && constantOrUnset(ins, names) {
				// no CI, compose file or script builds it: nothing here
				// passes a new value, and the default changes only with
				// the file (review 34: autobrr's REVISION and BUILDTIME)
				f.Severity = Info
				f.Message += " But nothing in the repository builds the image and passes it a value: its default changes only with the file; this holds for builds that pass one each time (--build-arg " + names[0] + "=$(git rev-parse HEAD))."
			} else if in.CIWorkflow != "" && in.CIUncached && constantDefaults(ins, names) {
				// the default stays put where the image is built by hand;
				// only the CI passes a new value, and it keeps no layer
				// cache anyway (review 26: dependency-track's COMMIT_SHA)
				f.Severity = Info
				f.Message += fmt.Sprintf(" But its default is constant, and %s, which passes a new value, keeps no layer cache between jobs (LW118): this pays once it does.", in.CIWorkflow)
			}
			out = append(out, f)
		}
	}
	return out
}

// volatileBefore is the first ARG or ENV before the RUN ins in its
// lineage whose value changes on every build and that the RUN does not
// read: it re-runs the RUN on every build (nil when there is none).
func (in *Input) volatileBefore(ins *dockerfile.Instruction) *dockerfile.Instruction {
	s := in.stageOf(ins)
	if s == nil || in.officialImageSource() {
		return nil
	}
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return nil
		}
		if names := volatileNames(x); len(names) > 0 && !readsVariable(ins.Original, names) {
			return x
		}
	}
	return nil
}

// volatileNames are the variables an ARG or ENV sets to a value that
// changes on every build (by name, or by a value that looks like a date
// or a commit).
func volatileNames(ins *dockerfile.Instruction) []string {
	var names []string
	switch c := ins.Cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			val := ""
			if kv.Value != nil {
				val = *kv.Value
			}
			if volatileName.MatchString(kv.Key) || volatileValue.MatchString(val) {
				names = append(names, kv.Key)
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			before, _ := ins.State.Getenv(kv.Key)
			// a value written in the ENV itself changes only when the
			// Dockerfile does (ENV APACHE_BODY_LIMIT 1073741824): by
			// its value, only one that comes from a variable counts
			// (and by its name too: docker-library's generated
			// `ENV GOLANG_COMMIT 0123abc…` changes with the file)
			fromVar := strings.Contains(ins.Original, "$")
			if (fromVar && (volatileName.MatchString(kv.Key) || volatileValue.MatchString(kv.Value))) || volatileValue.MatchString(before) {
				names = append(names, kv.Key)
			}
		}
	}
	return names
}

// wholeContextBetween: a COPY/ADD of the whole context comes before the
// expensive RUN (in its stage's lineage, before or after the value). The context changes with every commit, as a commit id
// does, so the value costs that RUN nothing more (meilisearch's
// VERGEN_GIT_SHA, which its cargo build compiles in: it cannot move after
// the build anyway).
func wholeContextBetween(ins []*dockerfile.Instruction, exp *dockerfile.Instruction) bool {
	for _, x := range ins {
		if x == exp {
			return false
		}
		if copiesWholeContext(x) {
			return true
		}
	}
	return false
}

// copiesWholeContext: x is a COPY/ADD of the whole build context (`.`,
// `*`).
func copiesWholeContext(x *dockerfile.Instruction) bool {
	if x.Copy == nil || !x.Copy.FromContext() {
		return false
	}
	for _, src := range x.Copy.ContextSources() {
		if c := path.Clean("/" + src); c == "/" || c == "/*" {
			return true
		}
	}
	return false
}

// firstExpensive is the first RUN that installs or compiles and names
// none of the variables.
func firstExpensive(ins []*dockerfile.Instruction, names []string) *dockerfile.Instruction {
	for _, x := range ins {
		if len(runInstalls(x)) > 0 && !readsVariable(x.Original, names) {
			return x
		}
	}
	return nil
}

// readsVariable: the instruction's text expands one of the variables ($N
// or ${N...}).
func readsVariable(text string, names []string) bool {
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		if slices.Contains(names, m[1]) {
			return true
		}
	}
	return false
}

func expensiveSeconds(ins []*dockerfile.Instruction) float64 {
	total := 0.0
	for _, x := range ins {
		for _, i := range runInstalls(x) {
			total += i.Tool.Seconds
		}
	}
	return total
}

// runLines lists the lines of the RUN instructions among ins.
func runLines(ins []*dockerfile.Instruction) []int {
	var out []int
	for _, x := range ins {
		if x.Kind == "RUN" {
			out = append(out, x.Range.Start.Line)
		}
	}
	return out
}

// constantDefaults: every one of names is an ARG of ins declared with a
// default that does not look volatile itself (COMMIT_SHA=unknown).
// constantOrUnset: every ARG of names has no default, or a constant one
// (what a build that passes nothing gets).
func constantOrUnset(ins *dockerfile.Instruction, names []string) bool {
	c, ok := ins.Cmd.(*instructions.ArgCommand)
	if !ok {
		return false
	}
	for _, kv := range c.Args {
		if slices.Contains(names, kv.Key) && kv.Value != nil && (volatileValue.MatchString(*kv.Value) || strings.Contains(*kv.Value, "$")) {
			return false
		}
	}
	return true
}

func constantDefaults(ins *dockerfile.Instruction, names []string) bool {
	c, ok := ins.Cmd.(*instructions.ArgCommand)
	if !ok {
		return false
	}
	for _, n := range names {
		found := false
		for _, kv := range c.Args {
			if kv.Key == n && kv.Value != nil && *kv.Value != "" && !volatileValue.MatchString(*kv.Value) && !strings.Contains(*kv.Value, "$") {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
