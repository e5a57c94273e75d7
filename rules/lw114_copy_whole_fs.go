package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/distribution/reference"
	"github.com/layerwise/layerwise/baseimage"
)

// CopyWholeFilesystem is LW114.
var CopyWholeFilesystem = Register(&Rule{
	ID: "LW114", Name: "copy-whole-filesystem", Severity: Warning, Category: CatSize,
	Title: "COPY --from copies a whole filesystem",
	Cost:  "Everything the other stage or image holds — its package manager, caches, toolchain — lands in this image, defeating the multi-stage build.",
	Description: `` + "`COPY --from=build / /`" + ` (or ` + "`COPY --from=build /usr /usr`" + `) brings the other stage's OS and toolchain along
with the artifact. Copy the artifact and the files it needs by path.`,
	Bad:   "COPY --from=build / /",
	Good:  "COPY --from=build /out/app /usr/local/bin/app",
	Check: checkCopyWholeFS,
})

var wholeFSPaths = map[string]bool{"/": true, "/usr": true, "/usr/local": true, "/lib": true, "/var": true, "/opt": true, "/root": true, "/go": true}

func checkCopyWholeFS(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Copy == nil || ins.Copy.From == "" {
				continue
			}
			// a stage built FROM scratch holds only what it copied in (a
			// binaries-only stage): all of it is the artifact
			if i := ins.Copy.FromStage; i >= 0 && i < len(in.File.Stages) && in.rootBase(in.File.Stages[i]).Base == "scratch" {
				continue
			}
			if in.helperImage(ins.Copy.From, ins.Copy.FromStage) {
				continue
			}
			for _, src := range ins.Copy.SourcesExpanded {
				p := path.Clean("/" + strings.TrimSuffix(src, "*"))
				if (p == "/usr/local" || p == "/opt") && in.osStage(ins.Copy.FromStage) {
					// an operating system's image leaves /usr/local and
					// /opt empty: the tree is what the stage installed
					// there (nextcloud AIO's janus `make install`: review 14)
					continue
				}
				if p == "/usr/local" && languageImage(ins.Copy.From, ins.Copy.FromStage, in) {
					// an official language image keeps the language in
					// /usr/local (ruby, python, node; its OS under /usr):
					// `COPY --from=ruby:3.3 /usr/local /usr/local` is the
					// language itself (dependabot's updater-core: review 25)
					continue
				}
				if wholeFSPaths[p] {
					out = append(out, in.at(ins, fmt.Sprintf("COPY --from=%s %s copies a whole filesystem tree: copy the artifact by path instead.", ins.Copy.From, src),
						Cost{ImageBytes: 200e6, Seconds: bytesSeconds(0, 200e6), Basis: "static"}))
					break
				}
			}
		}
	}
	return out
}

// helperImage: the COPY takes from an image made to be copied whole, with
// nothing run on it (a bare FROM, or a --from of the image itself):
// tonistiigi/xx's cross-compile scripts (`COPY --from=xx / /`, its
// documented use; review 11), images of binaries such as
// dockereng/cli-bin and docker/buildx-bin.
func (in *Input) helperImage(from string, stage int) bool {
	ref := from
	if stage >= 0 && stage < len(in.File.Stages) {
		s := in.File.Stages[stage]
		if s.BaseStage >= 0 || len(s.Instructions) > 0 {
			return false
		}
		ref = s.Base
	}
	n, ok := imageRef(ref)
	if !ok {
		return false
	}
	name := reference.FamiliarName(n)
	// by name: what an unknown image holds is not known
	return name == "tonistiigi/xx" || strings.HasSuffix(name, "-bin")
}

// osStage: the stage (an index into the file's stages) starts from an
// operating system's own image.
func (in *Input) osStage(stage int) bool {
	return stage >= 0 && stage < len(in.File.Stages) && osImage(in.rootBase(in.File.Stages[stage]).Base)
}

// languageImages keep the language they ship in /usr/local and nothing
// else there.
var languageImages = map[string]bool{"ruby": true, "python": true, "node": true, "php": true, "perl": true, "pypy": true}

// languageImage: the COPY takes from an official language image of
// languageImages, named directly or by a stage that is only a FROM of it.
func languageImage(from string, stage int, in *Input) bool {
	ref := from
	if stage >= 0 && stage < len(in.File.Stages) {
		s := in.File.Stages[stage]
		if s.BaseStage >= 0 || len(s.Instructions) > 0 {
			return false
		}
		ref = s.Base
	}
	return languageImages[baseimage.Repo(ref)]
}
