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
	Check: checkCacheMount,
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
				dirs := t.CacheDirs(ins.State, stageBase(in, ins))
				if t == toolApt {
					if f, ok := aptMountFinding(in, ins, inst); ok {
						out = append(out, f)
					}
					continue
				}
				if t == toolGo {
					// downloads need the module cache; compiles the build cache
					if inst.Compile {
						dirs = dirs[1:]
					} else {
						dirs = dirs[:1]
					}
				}
				covered := false
				for _, d := range dirs {
					if mountCovers(ins, d) {
						covered = true
						break
					}
				}
				if covered || len(dirs) == 0 {
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
