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
	if ins.State != nil {
		name = ins.State.Expand(name)
	}
	if uid, home, ok := in.createdUser(s, ins, name); ok {
		return uid, home, true
	}
	return baseimage.KnownUser(in.rootBase(s).Base, name)
}

// createdUser: a RUN of the stage's lineage before ins creates the user
// with a given uid (`useradd --uid ${UID} … nodebb`, `adduser -D -u 1000
// app`: review 36, NodeBB, whose npm install as that user was refused as
// of an unknown uid), and its home directory (given, or /home/NAME).
func (in *Input) createdUser(s *dockerfile.Stage, ins *dockerfile.Instruction, name string) (uid, home string, ok bool) {
	if name == "" || isNumber(name) {
		return "", "", false
	}
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			break
		}
		if x.Run == nil {
			continue
		}
		for _, c := range x.Run.Commands {
			if b := path.Base(c.Name); b != "useradd" && b != "adduser" {
				continue
			}
			var u, h, b, who string
			args := c.Args
			for i := 0; i < len(args); i++ {
				a := args[i]
				if x.State != nil {
					a = x.State.Expand(a)
				}
				next := func() string {
					if i+1 < len(args) {
						i++
						if x.State != nil {
							return x.State.Expand(args[i])
						}
						return args[i]
					}
					return ""
				}
				switch {
				case a == "-u" || a == "--uid":
					// a uid through a variable may be passed anything
					// (`--build-arg UID=…`, compose's `UID: ${UID}`): a
					// mount written with its default would not be the
					// user's (code review)
					if i+1 < len(args) && strings.Contains(args[i+1], "$") {
						next()
						u = "$"
						continue
					}
					u = next()
				case strings.HasPrefix(a, "--uid="):
					u = strings.TrimPrefix(a, "--uid=")
					if strings.Contains(c.Args[i], "$") {
						u = "$"
					}
				case a == "-d" || a == "--home-dir" || a == "--home" || (a == "-h" && path.Base(c.Name) == "adduser"):
					h = next()
				case strings.HasPrefix(a, "--home-dir=") || strings.HasPrefix(a, "--home="):
					_, h, _ = strings.Cut(a, "=")
				case (a == "-b" || a == "--base-dir") && path.Base(c.Name) == "useradd":
					b = next()
				case a == "-g" || a == "--gid" || a == "-G" || a == "--groups" || a == "-s" || a == "--shell" || a == "-c" || a == "--comment" || a == "-k" || a == "-K" || a == "--ingroup" || a == "-e" || a == "-f" || a == "--gecos":
					next()
				case strings.HasPrefix(a, "-"):
				default:
					who = a
				}
			}
			if who == name && isNumber(u) {
				if h == "" && b != "" {
					h = path.Join(b, name)
				}
				if h == "" {
					h = "/home/" + name
				}
				return u, path.Clean(h), true
			}
		}
	}
	return "", "", false
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
