package rules

import (
	"path"
	"strings"

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

// rootUserImages run as root unless a Dockerfile says otherwise: Docker's
// official images and the vendors' SDK images most services build on.
var rootUserImages = map[string]bool{
	"alpine": true, "debian": true, "ubuntu": true, "busybox": true, "centos": true, "fedora": true,
	"rockylinux": true, "almalinux": true, "amazonlinux": true, "oraclelinux": true, "archlinux": true,
	"buildpack-deps": true, "node": true, "python": true, "golang": true, "rust": true, "ruby": true,
	"php": true, "openjdk": true, "eclipse-temurin": true, "amazoncorretto": true, "ibmjava": true,
	"maven": true, "gradle": true, "elixir": true, "erlang": true, "perl": true, "haskell": true,
	"swift": true, "julia": true, "r-base": true, "clojure": true, "composer": true, "nginx": true,
	"httpd": true, "docker": true, "postgres": true, "redis": true, "mysql": true, "mariadb": true, "mongo": true, "sbt": true, "groovy": true, "dart": true, "crystallang/crystal": true,
	"mcr.microsoft.com/dotnet/sdk": true, "mcr.microsoft.com/dotnet/aspnet": true,
	"mcr.microsoft.com/dotnet/runtime": true, "mcr.microsoft.com/dotnet/runtime-deps": true,
	"mcr.microsoft.com/dotnet/core/sdk": true, "mcr.microsoft.com/dotnet/core/aspnet": true,
	"mcr.microsoft.com/dotnet/core/runtime": true,
}

// repoOf strips the tag, digest and docker.io/library/ prefix of a
// reference: "docker.io/library/node:20" -> "node".
func repoOf(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref = strings.ToLower(ref)
	for _, p := range []string{"docker.io/", "index.docker.io/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	// an official image under any registry that mirrors Docker Hub's
	// library (mirror.gcr.io/library/golang, .../docker/library/node), or
	// under one of the architecture namespaces (amd64/alpine, arm64v8/...)
	if i := strings.LastIndex(ref, "/library/"); i >= 0 {
		return ref[i+len("/library/"):]
	}
	ref = strings.TrimPrefix(ref, "library/")
	if ns, rest, ok := strings.Cut(ref, "/"); ok && archNamespaces[ns] && !strings.Contains(rest, "/") {
		return rest
	}
	return ref
}

// archNamespaces are the Docker Hub namespaces that publish the official
// images for one architecture each.
var archNamespaces = map[string]bool{"amd64": true, "arm32v5": true, "arm32v6": true, "arm32v7": true, "arm64v8": true,
	"i386": true, "ppc64le": true, "s390x": true, "riscv64": true, "mips64le": true, "windows-amd64": true}

// knownUsers are users the official images create, with their uid and
// home: `USER node` in a node image is uid 1000 with HOME /home/node.
var knownUsers = map[string]map[string]struct{ uid, home string }{
	"node": {"node": {"1000", "/home/node"}},
}

// knownUser resolves a named USER of the stage's official base image.
func (in *Input) knownUser(ins *dockerfile.Instruction, user string) (uid, home string, ok bool) {
	s := in.stageOf(ins)
	if s == nil {
		return "", "", false
	}
	name, _, _ := strings.Cut(user, ":")
	u, ok := knownUsers[repoOf(in.rootBase(s).Base)][name]
	return u.uid, u.home, ok
}

// baseImageUser is the user an image runs as when the Dockerfile sets none,
// and whether that is known, from what is known of official images.
func (in *Input) baseImageUser(base string) (string, bool) {
	repo := repoOf(base)
	if rootUserImages[repo] {
		return "", true
	}
	if strings.HasPrefix(repo, "gcr.io/distroless/") && !strings.Contains(base, "nonroot") {
		return "", true
	}
	return "", false
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
	return in.baseImageUser(root.Base)
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
// image (nanoserver, servercore, the windows repositories, an ltsc tag):
// its paths are not Linux paths, its shell is cmd, and classic Windows
// builds have no cache mounts.
func IsWindowsImage(ref string) bool {
	l := strings.ToLower(ref)
	for _, w := range []string{"nanoserver", "servercore", "windows", "-ltsc20", ":ltsc20", "/windows/"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// windowsStage reports whether a stage builds on Windows.
func (in *Input) windowsStage(s *dockerfile.Stage) bool {
	return IsWindowsImage(in.rootBase(s).Base) || strings.Contains(strings.ToLower(s.Platform), "windows")
}
