package baseimage

import (
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// What is known of the official images and the vendors' SDK images most
// services build on, without asking an engine or a registry: the one home
// of this knowledge (the rules read who a stage runs as from it, pkgmgr
// where a tool keeps its caches, discover the config an image built FROM
// one starts with). A fix must be the same on every machine, and an
// engine that happens to hold the image is not on every machine.

// rootUserImages run as root unless a Dockerfile says otherwise.
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

// toolEnv is the tool environment the official images set, which a
// Dockerfile built on them does not show (golang sets GOPATH=/go, rust
// CARGO_HOME, ...).
var toolEnv = map[string][]string{
	"golang":   {"GOPATH=/go"},
	"rust":     {"CARGO_HOME=/usr/local/cargo", "RUSTUP_HOME=/usr/local/rustup"},
	"ruby":     {"GEM_HOME=/usr/local/bundle"},
	"composer": {"COMPOSER_HOME=/tmp"},
}

// workdirs are the working directories official images set for every tag
// (php's differ between its variants: not known).
var workdirs = map[string]string{"golang": "/go"}

// knownUsers are users the official images create, with their uid and
// home: `USER node` in a node image is uid 1000 with HOME /home/node.
var knownUsers = map[string]map[string]struct{ UID, Home string }{
	"node": {"node": {"1000", "/home/node"}},
}

// noEntrypoint are the images that set no ENTRYPOINT in any tag, so the
// CMD of a Dockerfile built on them is the whole command line: a rewrite of
// the CMD changes no entrypoint script's arguments. (node's, nginx's,
// php's, postgres's and most service images' entrypoint scripts read the
// CMD's first word; eclipse-temurin's runs a CA-certificates script.)
var noEntrypoint = map[string]bool{
	"alpine": true, "debian": true, "ubuntu": true, "busybox": true, "centos": true, "fedora": true,
	"rockylinux": true, "almalinux": true, "amazonlinux": true, "oraclelinux": true, "archlinux": true,
	"buildpack-deps": true, "python": true, "golang": true, "rust": true, "ruby": true, "gcc": true,
	"amazoncorretto": true, "httpd": true, "scratch": true,
	"mcr.microsoft.com/dotnet/aspnet": true, "mcr.microsoft.com/dotnet/runtime": true,
	"mcr.microsoft.com/dotnet/runtime-deps": true, "mcr.microsoft.com/dotnet/sdk": true,
}

// NoEntrypoint reports whether the image is known to set no ENTRYPOINT.
func NoEntrypoint(ref string) bool {
	return noEntrypoint[Repo(ref)] || ref == "scratch"
}

// dashImages are official images whose default variants are Debian's or
// Ubuntu's, where /bin/sh is dash: `sh -c "cmd"` stays PID 1 with the
// command as its child (measured on debian:bookworm-slim), where BusyBox's
// ash (Alpine, busybox) replaces itself with the last command (measured on
// busybox:1.36) and bash with a single one (openjdk's default tags since 12
// are Oracle Linux, whose /bin/sh is bash: not listed).
var dashImages = map[string]bool{
	"debian": true, "ubuntu": true, "buildpack-deps": true, "node": true, "python": true, "golang": true, "ruby": true,
	"php": true, "rust": true, "gcc": true, "eclipse-temurin": true, "maven": true, "gradle": true,
	"nginx": true, "httpd": true, "perl": true, "haskell": true, "elixir": true, "erlang": true, "julia": true, "r-base": true,
	"clojure": true, "postgres": true, "redis": true, "mariadb": true, "mongo": true, "composer": false,
	"mcr.microsoft.com/dotnet/sdk": true, "mcr.microsoft.com/dotnet/aspnet": true, "mcr.microsoft.com/dotnet/runtime": true,
}

// DashShell reports whether the image's /bin/sh is known to be dash: an
// official image of dashImages in a tag that does not name another
// distribution (alpine, a Red Hat family one, a shell-less chiseled one).
func DashShell(ref string) bool {
	if !dashImages[Repo(ref)] || IsWindows(ref) {
		return false
	}
	tag := tagOf(ref)
	for _, other := range []string{"alpine", "busybox", "azurelinux", "cbl-mariner", "mariner", "chiseled", "distroless", "oracle", "ubi", "amazonlinux", "windows", "nanoserver"} {
		if strings.Contains(tag, other) {
			return false
		}
	}
	return true
}

// AshShell reports whether the image's /bin/sh is known to be BusyBox's
// ash, which runs a -c script's last command in the shell's place: alpine
// or busybox themselves, or an image's Alpine variant (golang:1.22-alpine).
func AshShell(ref string) bool {
	if r := Repo(ref); r == "alpine" || r == "busybox" {
		return true
	}
	return strings.Contains(tagOf(ref), "alpine")
}

// tagOf is a reference's tag, lower-cased ("" when it has none).
func tagOf(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return strings.ToLower(ref[i+1:])
	}
	return ""
}

// archNamespaces are the Docker Hub namespaces that publish the official
// images for one architecture each.
var archNamespaces = map[string]bool{"amd64": true, "arm32v5": true, "arm32v6": true, "arm32v7": true, "arm64v8": true,
	"i386": true, "ppc64le": true, "s390x": true, "riscv64": true, "mips64le": true, "windows-amd64": true}

// Repo strips the tag, digest and docker.io/library/ prefix of a
// reference: "docker.io/library/node:20" -> "node"; an official image
// under a registry that mirrors Docker Hub's library
// (mirror.example.com/library/golang) or an architecture namespace
// (arm64v8/alpine) is its official name.
func Repo(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref = strings.ToLower(ref)
	for _, p := range []string{"docker.io/", "index.docker.io/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	if i := strings.LastIndex(ref, "/library/"); i >= 0 {
		return ref[i+len("/library/"):]
	}
	ref = strings.TrimPrefix(ref, "library/")
	if ns, rest, ok := strings.Cut(ref, "/"); ok && archNamespaces[ns] && !strings.Contains(rest, "/") {
		return rest
	}
	return ref
}

// RunsAsRoot: the image is known to run as root when a Dockerfile sets no
// USER.
func RunsAsRoot(ref string) bool {
	repo := Repo(ref)
	if strings.HasPrefix(repo, "mcr.microsoft.com/dotnet/") && (strings.Contains(ref, "chiseled") || strings.Contains(ref, "distroless")) {
		return false // the chiseled and distroless .NET images run as app (uid 1654)
	}
	if rootUserImages[repo] {
		return true
	}
	return strings.HasPrefix(repo, "gcr.io/distroless/") && !strings.Contains(ref, "nonroot")
}

// KnownUser resolves a user an official image creates (node's "node").
func KnownUser(ref, user string) (uid, home string, ok bool) {
	u, ok := knownUsers[Repo(ref)][user]
	return u.UID, u.Home, ok
}

// ToolEnv is the value an official image gives a tool's variable ("" when
// it sets none, or the image is not known).
func ToolEnv(ref, key string) string {
	repo := Repo(ref)
	if _, ok := toolEnv[repo]; !ok {
		// a copy of the image under another name keeps its env
		// (registry.example.com/base/golang)
		repo = path.Base(repo)
	}
	for _, kv := range toolEnv[repo] {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// Official is the config of an official image as far as the model reads
// one (the user, the tool environment, the working directory), for a
// Linux image known to run as root; ok is false otherwise. What an
// engine's inspection adds to it (PATH, versions) decides nothing.
func Official(ref string) (cfg dockerfile.ImageConfig, ok bool) {
	if !RunsAsRoot(ref) || IsWindows(ref) {
		return dockerfile.ImageConfig{}, false
	}
	repo := Repo(ref)
	return dockerfile.ImageConfig{Env: append([]string(nil), toolEnv[repo]...), WorkingDir: workdirs[repo], EnvPartial: true}, true
}

// IsWindows reports whether a base image reference names a Windows image
// (nanoserver, servercore, the windows repositories, an ltsc tag): its
// paths are not Linux paths, its shell is cmd, the official images' Windows
// variants run as ContainerUser, and classic Windows builds have no cache
// mounts.
func IsWindows(ref string) bool {
	l := strings.ToLower(ref)
	for _, w := range []string{"nanoserver", "servercore", "windows", "-ltsc20", ":ltsc20", "/windows/"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// cToolchainImages are the official images whose full (Debian) tags are
// built on buildpack-deps, which holds gcc, g++, make and the C library's
// headers: build-essential installed on them adds next to nothing.
var cToolchainImages = map[string]bool{
	"buildpack-deps": true, "python": true, "node": true, "ruby": true, "golang": true, "rust": true, "gcc": true,
	"perl": true, "erlang": true, "elixir": true, "haskell": true, "pypy": true, "openjdk": false,
}

// HasCToolchain reports whether the image is known to hold a C compiler
// and make already: a full tag of cToolchainImages (not slim, alpine,
// windows or a variant from another distribution).
func HasCToolchain(ref string) bool {
	if !cToolchainImages[Repo(ref)] || IsWindows(ref) {
		return false
	}
	tag := tagOf(ref)
	for _, other := range []string{"slim", "alpine", "windows", "nanoserver", "busybox"} {
		if strings.Contains(tag, other) {
			return false
		}
	}
	if Repo(ref) == "buildpack-deps" && (strings.Contains(tag, "curl") || strings.Contains(tag, "scm")) {
		return false
	}
	return true
}
