package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// BaseImageUnpinned is LW109.
var BaseImageUnpinned = Register(&Rule{
	ID: "LW109", Name: "base-image-unpinned", Severity: Warning, Category: CatCorrectness,
	Title: "Base image has no tag or uses :latest",
	Cost:  "Builds are not reproducible, and when 'latest' moves every cached layer of the image is invalidated at once.",
	Description: `An untagged or ` + "`:latest`" + ` base image is whatever the registry serves that day. When it moves, every
layer built on it is invalid: the next build is a cold build, and it may behave differently. Pin a version tag
(` + "`node:20.11-bookworm-slim`" + `) or a digest. Dockerfiles under a ` + "`testdata`" + ` directory or a directory of tests (` + "`test/`, `e2e/`" + `…) are a test's
input, built fresh by the test whatever the tag serves, and are left alone.`,
	Bad:   "FROM node",
	Good:  "FROM node:20.11-bookworm-slim",
	Check: checkBaseTag,
})

// imageRef parses an image reference as docker does; ok is false for
// references that are not images (scratch, unresolved variables).
func imageRef(s string) (reference.Named, bool) {
	if s == "" || s == "scratch" || strings.Contains(s, "$") {
		return nil, false
	}
	n, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, false
	}
	return n, true
}

// suppliedArgIn: the text expands a build arg that the image's builds
// always pass (Input.SuppliedArgs).
func (in *Input) suppliedArgIn(text string) bool {
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		if in.SuppliedArgs[m[1]] {
			return true
		}
	}
	return false
}

// distrolessVersioned: a distroless image whose name is its version
// (gcr.io/distroless/nodejs24-debian13, static-debian12, java21).
var distrolessVersioned = regexp.MustCompile(`^gcr\.io/distroless/[a-z]+([0-9]+(-debian[0-9]+)?|-debian[0-9]+)$`)

func checkBaseTag(in *Input) []Finding {
	if testInput(in.Dockerfile) {
		// a test's input (skaffold's integration/testdata: `FROM busybox`
		// and an echo): the test builds it fresh, whatever latest is
		return nil
	}
	var out []Finding
	for _, s := range in.File.Stages {
		if s.BaseStage >= 0 || in.BuiltHere[s.Base] {
			continue // a stage, or an image the repository builds first
		}
		if in.suppliedArgIn(s.BaseRaw) {
			// the base is an ARG the repository's builds pass (outline's
			// CI passes BASE_IMAGE=...@digest): the default is not what
			// they build on (review 12)
			continue
		}
		n, ok := imageRef(s.Base)
		if !ok {
			continue
		}
		if _, digested := n.(reference.Digested); digested {
			continue
		}
		tagged, hasTag := n.(reference.Tagged)
		if distrolessVersioned.MatchString(n.Name()) && (!hasTag || tagged.Tag() == "latest" || tagged.Tag() == "nonroot") {
			// distroless names carry the version (nodejs24-debian13) and
			// publish no version tags: as pinned as node:24-trixie
			continue
		}
		switch {
		case !hasTag:
			out = append(out, in.atStage(s, fmt.Sprintf("FROM %s has no tag: it means :latest, which moves. Pin a version tag or a digest.", s.Base), Cost{Invalidates: "every layer of the image when the registry's latest moves"}))
		case tagged.Tag() == "latest":
			out = append(out, in.atStage(s, fmt.Sprintf("FROM %s uses :latest, which moves. Pin a version tag or a digest.", s.Base), Cost{Invalidates: "every layer of the image when the registry's latest moves"}))
		}
	}
	return out
}
