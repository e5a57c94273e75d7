package rules

import (
	"fmt"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

var _ = Register(&Rule{
	ID: "LW102", Name: "missing-cache-mount", Severity: Warning, Category: CatCache, Fixable: true,
	Title: "A package manager downloads into a cache no cache mount keeps",
	Cost:  "When the step re-runs (a dependency changed, a base image moved), every package is downloaded again instead of coming from BuildKit's cache.",
	Description: `BuildKit cache mounts (` + "`RUN --mount=type=cache,target=DIR`" + `) keep a package manager's download and
build caches between builds without putting them in the image. layerwise knows where each tool keeps its
cache in the stage's effective state — USER, HOME and the tool's own variables (` + "`npm_config_cache`" + `,
` + "`PIP_CACHE_DIR`" + `, ` + "`GOMODCACHE`" + `, ` + "`GOCACHE`" + `, ` + "`CARGO_HOME`" + `, ` + "`GRADLE_USER_HOME`" + `, ...), including those the official
images set (` + "`GOPATH=/go`" + ` in golang) — and asks for a mount there. apt needs both ` + "`/var/cache/apt`" + ` and
` + "`/var/lib/apt`" + ` mounted with ` + "`sharing=locked`" + `, since apt takes a lock that concurrent builds would otherwise fight over.`,
	Bad: `FROM node:20
COPY package.json package-lock.json ./
RUN npm ci`,
	Good: `FROM node:20
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci`,
	Check:         checkCacheMount,
	FixDockerfile: fixCacheMount,
})

func stageBase(in *Input, ins *dockerfile.Instruction) string {
	for _, s := range in.File.Stages {
		for _, x := range s.Instructions {
			if x == ins {
				for _, l := range in.lineage(s) {
					if l.BaseStage < 0 {
						return l.Base
					}
				}
			}
		}
	}
	return ""
}

func checkCacheMount(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			seen := map[string]bool{}
			for _, inst := range runInstalls(ins) {
				t := inst.Tool
				if seen[t.Name] {
					continue
				}
				seen[t.Name] = true
				if t == toolApt {
					if f, ok := aptMountFinding(in, ins, inst); ok {
						out = append(out, f)
					}
					continue
				}
				dirs := toolCacheDirs(in, ins, inst)
				if len(dirs) == 0 || anyCovered(ins, dirs) {
					continue
				}
				guess := ""
				if ins.State.HomeGuessed && strings.HasPrefix(dirs[0], ins.State.Home) {
					guess = fmt.Sprintf(" (HOME assumed %s for USER %s: check the image's /etc/passwd)", ins.State.Home, ins.State.User)
				}
				msg := fmt.Sprintf("`%s` keeps its cache in %s, which no cache mount keeps between builds: add `--mount=type=cache,target=%s`%s.",
					inst, dirs[0], dirs[0], guess)
				f := in.at("LW102", ins, msg, Cost{
					Invalidates: "each re-run of this step downloads every package again",
					Seconds:     t.Seconds / 2, Basis: "static",
				})
				f.Affects = []int{ins.Range.Start.Line}
				out = append(out, f)
			}
		}
	}
	return out
}

// toolCacheDirs are the cache directories an install needs mounted, first
// the one to name: for go, the module cache for downloads and the build
// cache for compiles.
func toolCacheDirs(in *Input, ins *dockerfile.Instruction, inst *Install) []string {
	dirs := inst.Tool.CacheDirs(ins.State, stageBase(in, ins))
	if inst.Tool == toolGo && len(dirs) == 2 {
		if inst.Compile {
			return dirs[1:]
		}
		return dirs[:1]
	}
	return dirs
}

func anyCovered(ins *dockerfile.Instruction, dirs []string) bool {
	for _, d := range dirs {
		if mountCovers(ins, d) {
			return true
		}
	}
	return false
}

// aptMountFinding checks apt-get install: /var/cache/apt and /var/lib/apt
// mounted, sharing=locked.
func aptMountFinding(in *Input, ins *dockerfile.Instruction, inst *Install) (Finding, bool) {
	var missing, unlocked []string
	for _, d := range []string{"/var/cache/apt", "/var/lib/apt"} {
		m := coveringMount(ins, d)
		switch {
		case m == nil:
			missing = append(missing, d)
		case m.Sharing != "locked":
			unlocked = append(unlocked, d)
		}
	}
	if len(missing) == 0 && len(unlocked) == 0 {
		return Finding{}, false
	}
	var msg string
	if len(missing) > 0 {
		msg = fmt.Sprintf("`%s` downloads packages into %s, which no cache mount keeps: add `--mount=type=cache,target=%s,sharing=locked` for each (and remove the docker-clean hook that empties the cache).",
			inst, strings.Join(missing, " and "), missing[0])
	} else {
		msg = fmt.Sprintf("the apt cache mount on %s has no `sharing=locked`: concurrent builds corrupt apt's cache or wait on its lock.", strings.Join(unlocked, " and "))
	}
	f := in.at("LW102", ins, msg, Cost{Invalidates: "each re-run of this step downloads every package again", Seconds: toolApt.Seconds / 2, Basis: "static"})
	f.Affects = []int{ins.Range.Start.Line}
	return f, true
}

func coveringMount(ins *dockerfile.Instruction, dir string) *dockerfile.Mount {
	if ins.Run == nil {
		return nil
	}
	for i := range ins.Run.Mounts {
		m := &ins.Run.Mounts[i]
		if m.Type != "cache" {
			continue
		}
		one := &dockerfile.Instruction{Run: &dockerfile.Run{Mounts: []dockerfile.Mount{*m}}, State: ins.State}
		if mountCovers(one, dir) {
			return m
		}
	}
	return nil
}

// missingMounts lists the cache directories a RUN's installs need and no
// mount of it covers (apt reported apart: it needs two locked mounts).
func missingMounts(in *Input, ins *dockerfile.Instruction) (dirs []string, apt bool) {
	seen := map[string]bool{}
	for _, inst := range runInstalls(ins) {
		t := inst.Tool
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		if t == toolApt {
			for _, d := range []string{"/var/cache/apt", "/var/lib/apt"} {
				if coveringMount(ins, d) == nil {
					apt = true
				}
			}
			continue
		}
		cand := toolCacheDirs(in, ins, inst)
		covered := anyCovered(ins, cand)
		if !covered && len(cand) > 0 && !contains(dirs, cand[0]) {
			dirs = append(dirs, cand[0])
		}
	}
	return dirs, apt
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// aptKeepCache is the RUN that makes Debian's apt keep downloaded packages
// (the images' docker-clean hook deletes them after every install, which
// would leave a cache mount empty).
const aptKeepCache = `RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache`

// fixCacheMount adds the missing cache mounts to the RUN.
func fixCacheMount(in *Input, f Finding) (*Fix, string) {
	s, idx, ins := in.instructionAt(f.Range.Start.Line)
	if ins == nil || ins.Run == nil {
		return nil, "instruction not found"
	}
	owner := ""
	if !ins.State.IsRoot() {
		uid, gid, _ := strings.Cut(ins.State.User, ":")
		if !isNumber(uid) || (gid != "" && !isNumber(gid)) {
			return nil, fmt.Sprintf("USER %s is not root and its uid is not known here: a cache mount would belong to root; add --mount=type=cache,target=...,uid=<uid> by hand", ins.State.User)
		}
		if gid == "" {
			gid = uid
		}
		owner = ",uid=" + uid + ",gid=" + gid
	}
	dirs, apt := missingMounts(in, ins)
	var flags []string
	for _, d := range dirs {
		flags = append(flags, "--mount=type=cache,target="+d+owner)
	}
	if apt {
		for _, d := range []string{"/var/cache/apt", "/var/lib/apt"} {
			switch m := coveringMount(ins, d); {
			case m == nil:
				flags = append(flags, "--mount=type=cache,target="+d+",sharing=locked")
			case m.Sharing != "locked":
				return nil, "an apt cache mount without sharing=locked is already there: add sharing=locked to it by hand"
			}
		}
	}
	if len(flags) == 0 {
		return nil, "nothing to mount"
	}
	first := insertFlag(in.File, ins, strings.Join(flags, " "))
	if first == "" {
		return nil, "the RUN keyword could not be located"
	}
	text := first + "\n"
	if apt && !keepsAptCache(s.Instructions[:idx], in.lineage(s)[1:]) {
		text = strings.Repeat(" ", ins.Range.Start.Col-1) + keywordAsWritten(in.File, ins) + strings.TrimPrefix(aptKeepCache, "RUN") + "\n" + text
	}
	return &Fix{Description: "add cache mounts: " + strings.Join(append(dirs, aptDirs(apt)...), ", "), File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: ins.Range.Start.Line, EndLine: ins.Range.Start.Line, Text: text}}}, ""
}

func aptDirs(apt bool) []string {
	if apt {
		return []string{"/var/cache/apt", "/var/lib/apt"}
	}
	return nil
}

// keepsAptCache reports whether an earlier instruction (of the stage or its
// bases) already removes the docker-clean hook.
func keepsAptCache(before []*dockerfile.Instruction, bases []*dockerfile.Stage) bool {
	all := append([]*dockerfile.Instruction(nil), before...)
	for _, b := range bases {
		all = append(all, b.Instructions...)
	}
	for _, x := range all {
		if x.Run != nil && strings.Contains(x.Run.Script, "docker-clean") {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
