package rules

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// CacheDefeated is LW103.
var CacheDefeated = Register(&Rule{
	ID: "LW103", Name: "cache-defeated", Severity: Warning, Category: CatCache,
	Title: "A command empties or bypasses a cache that a cache mount keeps",
	Cost:  "The cache mount is there, but the step throws its content away (or never writes it): every run downloads everything again.",
	Description: `Size advice written for images without cache mounts — ` + "`pip install --no-cache-dir`" + `, ` + "`npm cache clean`" + `,
` + "`rm -rf /var/lib/apt/lists/*`" + `, ` + "`apk add --no-cache`" + ` — works against a cache mount: the mount's content is not
part of the image anyway, so removing it saves no bytes and only makes the next build slower. layerwise
flags these only when a cache mount of the same RUN covers what they delete.`,
	Bad:           `RUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir -r requirements.txt`,
	Good:          `RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt`,
	Check:         checkCacheDefeat,
	FixDockerfile: fixCacheDefeat,
})

func checkCacheDefeat(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Run == nil || len(ins.Run.Mounts) == 0 {
				continue
			}
			base := stageBase(in, ins)
			for _, c := range ins.Run.Commands {
				if what, dir := defeats(c, ins.State, base); what != "" && mountCovers(ins, dir) {
					msg := fmt.Sprintf("%s while a cache mount keeps %s: it saves no image bytes and makes every run start cold. Drop it.", what, dir)
					f := in.at(ins, msg, Cost{Invalidates: "every run of this step starts with an empty cache", Seconds: 10, Basis: "static"})
					f.Affects = []int{ins.Range.Start.Line}
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// defeats recognises a command that empties or bypasses a tool cache and
// returns what it does and the directory concerned.
func defeats(c dockerfile.Command, st *dockerfile.State, base string) (string, string) {
	name := path.Base(c.Name)
	sub := first(c)
	// the command's own environment (`export COMPOSER_HOME=/composer &&
	// … composer clearcache`: review 32, kimai), as LW102 reads it
	st = st.WithAssignments(append(slices.Clone(c.Exported), c.Env...))
	dirOf := func(t *Tool) string {
		if d := t.CacheDirs(st, base); len(d) > 0 {
			return d[0]
		}
		return ""
	}
	switch name {
	case "pip", "pip3":
		if c.HasArg("--no-cache-dir") {
			return "`pip --no-cache-dir`", dirOf(toolPip)
		}
		if sub == "cache" {
			return "`pip cache " + strings.Join(c.Positional()[1:], " ") + "`", dirOf(toolPip)
		}
	case "python", "python3":
		if c.HasArg("--no-cache-dir") {
			return "`pip --no-cache-dir`", dirOf(toolPip)
		}
	case "npm":
		if sub == "cache" && (c.HasArg("clean") || c.HasArg("clear")) {
			return "`npm cache clean`", dirOf(toolNpm)
		}
	case "yarn":
		if sub == "cache" && c.HasArg("clean") {
			return "`yarn cache clean`", dirOf(toolYarn)
		}
	case "pnpm":
		// a store on a mount of its own holds copies, not hard links:
		// prune removes every package no project links, all of them
		// (reviews 33, 34: openpanel's `pnpm install && pnpm store prune`)
		if sub == "store" && c.HasArg("prune") {
			return "`pnpm store prune`", dirOf(toolPnpm)
		}
	case "uv":
		// --no-cache-dir is uv's alias of --no-cache for pip's users
		// (review 29: openreplay's `uv pip install --no-cache-dir`)
		for _, fl := range []string{"--no-cache", "--no-cache-dir", "-n"} {
			if c.HasArg(fl) {
				return "`uv " + fl + "`", dirOf(toolUv)
			}
		}
	case "go":
		if sub == "clean" && (c.HasArg("-modcache") || c.HasArg("-cache")) {
			if c.HasArg("-modcache") {
				return "`go clean -modcache`", dirOf(toolGo)
			}
			return "`go clean -cache`", toolGo.CacheDirs(st, base)[1]
		}
	case "apk":
		if sub == "add" && c.HasArg("--no-cache") {
			return "`apk --no-cache`", apkCacheDir
		}
	case "composer":
		if sub == "clear-cache" || sub == "clearcache" {
			return "`composer clear-cache`", dirOf(toolComposer)
		}
	case "apt-get", "apt":
		// dist-clean (apt 2.7+) empties the lists too: with both mounted,
		// neither is in the layer anyway
		if sub == "clean" || sub == "autoclean" || sub == "dist-clean" {
			return "`apt-get " + sub + "`", "/var/cache/apt"
		}
	case "rm":
		for _, a := range c.Positional() {
			p := path.Clean(strings.TrimRight(strings.TrimSuffix(a, "*"), "/"))
			if !path.IsAbs(p) || p == "/" {
				continue
			}
			return fmt.Sprintf("`rm -rf %s`", a), p
		}
	}
	return "", ""
}

// fixCacheDefeat removes what defeats the cache mount: a --no-cache-dir /
// --no-cache flag, or a cleaning command with the && or ; that joins it.
func fixCacheDefeat(in *Input, f Finding) (*Fix, string) {
	_, _, ins := in.instructionAt(f.Range.Start.Line)
	if ins == nil || ins.Run == nil {
		return nil, "instruction not found"
	}
	e := newRunEdit(in.File, ins)
	if why := e.dropDefeats(stageBase(in, ins), func(dir string) bool { return mountCovers(ins, dir) }); why != "" {
		return nil, why
	}
	lines, err := e.result()
	if err != nil {
		return nil, err.Error()
	}
	return &Fix{Description: "drop what empties the cache mount", File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: ins.Range.Start.Line, EndLine: ins.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}}}}, ""
}

// dropDefeats cuts from the RUN every command or flag that empties or
// bypasses a cache directory that mounted reports as mounted. It returns
// why it cannot, when one of them cannot be cut exactly.
func (e *runEdit) dropDefeats(base string, mounted func(dir string) bool) string {
	cmds := e.ins.Run.Commands
	if mounted(apkCacheDir) {
		if err := e.apkUpdateCache(); err != nil {
			return err.Error()
		}
	}
	// back to front, so that earlier commands keep their places
	for i := len(cmds) - 1; i >= 0; i-- {
		c := cmds[i]
		what, dir := defeats(c, e.ins.State, base)
		if path.Base(c.Name) == "rm" && what != "" && !mounted(dir) {
			// any of its paths may be the mounted one (`rm -rf /var/cache/*
			// /var/lib/apt/lists/*` with the lists mounted)
			for _, a := range c.Positional() {
				if p := path.Clean(strings.TrimRight(strings.TrimSuffix(a, "*"), "/")); path.IsAbs(p) && p != "/" && mounted(p) {
					dir = p
					break
				}
			}
		}
		if what == "" || !mounted(dir) || path.Base(c.Name) == "apk" {
			continue
		}
		var err error
		switch {
		case c.HasArg("--no-cache-dir"):
			err = e.removeArg(i, "--no-cache-dir")
		case path.Base(c.Name) == "uv" && c.HasArg("--no-cache"):
			err = e.removeArg(i, "--no-cache")
		case path.Base(c.Name) == "uv" && c.HasArg("-n"):
			err = e.removeArg(i, "-n")
		case path.Base(c.Name) == "rm":
			// the mounted paths go, the others stay (review 36: kestra's
			// `rm -rf /var/lib/apt/lists/* /var/tmp/* /tmp/*`); a path
			// written through a variable or a relative one is not known
			var drop []string
			keep := false
			for _, a := range c.Positional() {
				p := path.Clean(strings.TrimRight(strings.TrimSuffix(a, "*"), "/"))
				switch {
				case mounted(p):
					drop = append(drop, a)
				case !path.IsAbs(p) || strings.ContainsAny(a, "$`\"'"):
					return fmt.Sprintf("`%s` also removes %s, which may be what a cache mount keeps: left as it is", shortCmd(c), a)
				default:
					keep = true
				}
			}
			if !keep {
				err = e.removeCommand(i)
				break
			}
			err = e.removeArgs(i, drop)
		default:
			err = e.removeCommand(i)
		}
		if err != nil {
			return err.Error()
		}
	}
	return ""
}
