package rules

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/distribution/reference"
	"github.com/layerwise/layerwise/dockerfile"
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
	if devEnvironmentFile(in.Dockerfile) {
		// a developer's workspace (a dev container, a Gitpod workspace):
		// made from the newest tools on purpose, and rebuilt by each
		// developer's editor, not shipped (review 38: novu's
		// .gitpod.dockerfile)
		return nil
	}
	if floatingOnPurpose(in.Dockerfile) {
		// a nightly or edge build: it is made from the newest of
		// everything, its base included (nats-server's Dockerfile.nightly:
		// review 16)
		return nil
	}
	var out []Finding
	for _, s := range in.File.Stages {
		if s.BaseStage >= 0 || in.BuiltHere[s.Base] {
			continue // a stage, or an image the repository builds first
		}
		if in.downloadStage(s) {
			// a stage that only downloads and unpacks pinned files for a
			// later stage to copy (nats' `FROM alpine` fetching
			// microcheck v1.3.0): its base does not reach the image
			continue
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
		if rollingRelease(n.Name(), tagged, hasTag) {
			// a rolling release moves by design, whatever the tag
			// (code-server's tumbleweed variant runs zypper dup)
			continue
		}
		if (n.Name() == "gcr.io/distroless/static" || n.Name() == "gcr.io/distroless/static-debian") && (!hasTag || tagged.Tag() == "latest" || tagged.Tag() == "nonroot") {
			// no libc, no package a binary links against: the Debian
			// release underneath is its certificates and time zones, which
			// every tag follows anyway (review 32: wakapi's static binary)
			continue
		}
		if strings.HasPrefix(n.Name(), "gcr.io/distroless/") && (!hasTag || tagged.Tag() == "latest" || tagged.Tag() == "nonroot") {
			// gcr.io/distroless/static publishes no version tags; the
			// names with the Debian release in them are the pins
			// (review 29: knative's samples)
			out = append(out, in.atStage(s, fmt.Sprintf("FROM %s follows whichever Debian release distroless builds on now, and moves to the next one unannounced: name the release (%s-debian12, as distroless publishes it: it has no version tags) or pin a digest.", s.Base, n.Name()), Cost{Invalidates: "every layer of the image when distroless moves to the next Debian release"}))
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

// floatingOnPurpose: the Dockerfile's name says it builds from the newest
// of everything (Dockerfile.nightly, edge.Dockerfile, Dockerfile-canary).
func floatingOnPurpose(df string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(path.Base(df)), func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		if w == "nightly" || w == "edge" || w == "canary" || w == "snapshot" {
			return true
		}
	}
	return false
}

// rollingRelease: an image of a rolling distribution, which has no
// release to pin (openSUSE Tumbleweed, Arch Linux, Fedora Rawhide,
// Debian sid).
func rollingRelease(name string, tagged reference.Tagged, hasTag bool) bool {
	base := path.Base(name)
	if base == "tumbleweed" || base == "archlinux" || base == "arch" || base == "kali-rolling" {
		return true
	}
	// Chainguard's free images are published as :latest (and
	// :latest-dev) alone, Wolfi underneath is rolling: there is no
	// version tag to pin (review 30: Flagsmith's wolfi-base)
	if strings.HasPrefix(name, "cgr.dev/chainguard/") || strings.HasPrefix(name, "docker.io/chainguard/") {
		return true
	}
	return hasTag && (tagged.Tag() == "rawhide" || tagged.Tag() == "sid" || tagged.Tag() == "unstable" || tagged.Tag() == "tumbleweed")
}

// downloadStage: a stage another one copies from whose RUNs only fetch,
// check and unpack files (curl, wget, tar, unzip, sha256sum, chmod, mv),
// none installing or building: what it hands on is the files, not its
// base image.
func (in *Input) downloadStage(s *dockerfile.Stage) bool {
	if s == in.finalStage() || s.Name == "" {
		return false
	}
	// handed on by COPY --from only: no stage builds FROM it, and one
	// copies from it
	copied := false
	for _, t := range in.File.Stages {
		if t.BaseStage == s.Index {
			return false
		}
		for _, x := range t.Instructions {
			copied = copied || (x.Copy != nil && x.Copy.FromStage == s.Index)
		}
	}
	if !copied {
		return false
	}
	runs := 0
	for _, x := range s.Instructions {
		switch x.Kind {
		case "RUN":
			if x.Run == nil || len(x.Run.Commands) == 0 {
				return false
			}
			for _, c := range x.Run.Commands {
				if c.Name != "" && !fetchCommands[path.Base(c.Name)] { // ("" assigns a variable)
					return false
				}
			}
			runs++
		case "WORKDIR", "ARG", "ENV", "ADD":
		default:
			return false
		}
	}
	return runs > 0
}

// fetchCommands only fetch, check, unpack or move files.
var fetchCommands = map[string]bool{
	"curl": true, "wget": true, "tar": true, "unzip": true, "gunzip": true, "xz": true, "sha256sum": true,
	"sha512sum": true, "md5sum": true, "gpg": true, "chmod": true, "mv": true, "mkdir": true, "rm": true,
	"cp": true, "ln": true, "install": true, "echo": true, "test": true, "[": true, "true": true, "set": true, "cd": true,
}

// devEnvironmentFile: the Dockerfile of a development environment an editor
// or a cloud workspace builds (.devcontainer/, .gitpod.Dockerfile).
func devEnvironmentFile(df string) bool {
	p := strings.ToLower(filepath.ToSlash(df))
	return strings.HasPrefix(p, ".devcontainer/") || strings.Contains(p, "/.devcontainer/") || strings.HasPrefix(path.Base(p), ".gitpod.")
}
