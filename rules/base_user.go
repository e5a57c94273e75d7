package rules

import (
	"path"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
)

// The user a stage runs as is not always written in the Dockerfile: a
// stage without USER runs as its base image's user. A cache mount belongs
// to root and lands at a path; if the stage in fact runs as jovyan (the
// Jupyter images) or 1001 (Bitnami's), a mount under /root is not where the
// tool writes and a root-owned mount cannot be written at all. So mounts
// under a home directory, or for a user whose uid is unknown, are added only
// when the user is known: from USER in the Dockerfile, from the image's
// config when the caller inspected it (dockerfile.Options.BaseImages), or from what the
// official images are known to run as. Otherwise the fix says so and stays
// away.

// knownUser resolves a named USER of the stage's official base image.
func (in *Input) knownUser(ins *dockerfile.Instruction, user string) (uid, home string, ok bool) {
	s := in.stageOf(ins)
	if s == nil {
		return "", "", false
	}
	name, _, _ := strings.Cut(user, ":")
	return baseimage.KnownUser(in.rootBase(s).Base, name)
}

// baseImageUser is the user an image runs as when the Dockerfile sets none,
// and whether that is known, from what is known of official images.
func (in *Input) baseImageUser(base string) (string, bool) {
	return "", baseimage.RunsAsRoot(base)
}

// effectiveUser is the user a RUN runs as and whether it is known: USER in
// the Dockerfile (its stage or a stage it builds FROM) or in the inspected
// base image's config, else what is known of its root image.
func (in *Input) effectiveUser(ins *dockerfile.Instruction) (string, bool) {
	if ins.State.User != "" || ins.State.BaseKnown {
		return ins.State.User, true
	}
	s := in.stageOf(ins)
	if s == nil {
		return "", false
	}
	root := in.rootBase(s)
	if root.IsScratch() {
		return "", true
	}
	if u, ok := in.baseImageUser(root.Base); ok {
		return u, true
	}
	// a system package install (apt-get, apk, dnf) run as the base's own
	// user, here or before, works only as root: a build that gets here
	// runs as root
	for _, x := range in.lineageInstructions(s) {
		if x.Run != nil && x.State != nil && x.State.User == "" {
			for _, c := range x.Run.Commands {
				if i := Classify(c); i != nil && i.Tool.System {
					return "", true
				}
			}
		}
		if x == ins {
			break
		}
	}
	return "", false
}

// stageOf returns the stage an instruction belongs to.
func (in *Input) stageOf(ins *dockerfile.Instruction) *dockerfile.Stage {
	for _, s := range in.File.Stages {
		if s.From == ins {
			return s
		}
		for _, x := range s.Instructions {
			if x == ins {
				return s
			}
		}
	}
	return nil
}

// underDir reports whether p is dir or below it.
func underDir(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// IsWindowsImage reports whether a base image reference names a Windows
// image (baseimage.IsWindows).
func IsWindowsImage(ref string) bool { return baseimage.IsWindows(ref) }

// windowsStage reports whether a stage builds on Windows.
func (in *Input) windowsStage(s *dockerfile.Stage) bool {
	return IsWindowsImage(in.rootBase(s).Base) || strings.Contains(strings.ToLower(s.Platform), "windows")
}
