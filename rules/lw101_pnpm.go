package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"gopkg.in/yaml.v3"
)

// A pnpm workspace's install reads every member's package.json and runs
// their install scripts, so moving it before the sources means copying
// each member's manifest (and refusing wherever a script reads more).
// pnpm has a step made for this instead: `pnpm fetch` fills the store from
// the lockfile alone ("package manifest is ignored"), and the install
// after the sources then links from the store rather than downloading.
// The fix adds that step before the sources and leaves the install as it
// was written: the build after the sources is the original one, only with
// a warm store, and nothing is made offline (an `--offline` install would
// fail on a builder whose layers were evicted or not imported).

// pnpmFetchStep writes the RUN that fetches before the sources: the
// install RUN's flags (a secret the registry needs), its leading cds and
// the commands before the install that set pnpm up (`corepack enable`,
// `npm install -g pnpm@9`), then `pnpm fetch` with the install's options
// that choose what is fetched or from where.
func pnpmFetchStep(in *Input, inst *dockerfile.Instruction, installCmd dockerfile.Command, cds []dockerfile.Command, broadDest string) ([]string, string) {
	r := inst.Run
	if r.MountError != "" || r.ShellError != "" || len(r.Heredocs) > 0 || r.Script == "" {
		return nil, "the RUN's script cannot be read exactly"
	}
	j := slices.IndexFunc(r.Commands, func(c dockerfile.Command) bool { return c.Offset == installCmd.Offset })
	if j < len(cds) {
		return nil, "the install command was not found in the RUN"
	}
	plain := !strings.ContainsAny(r.Script, "<>`") && !strings.Contains(r.Script, "$(")
	for _, c := range r.Commands[len(cds):j] {
		if !plain {
			return nil, "the RUN redirects or substitutes output before the install, which layerwise does not follow"
		}
		// after a leading cd the command's relative paths are not where
		// the model says: only commands that read no path then
		why := commutingCommand(inst, c, broadDest)
		if len(cds) > 0 && why == "" && len(c.Positional()) > 0 && path.Base(c.Name) != "corepack" && !hasAny(c.Args, "-g", "--global") {
			why = "runs in a directory the RUN changes to"
		}
		if why != "" {
			return nil, fmt.Sprintf("the RUN runs `%s` before the install, which `pnpm fetch` before the sources would need too: %s", shortCmd(c), why)
		}
	}
	// the fetch writes node_modules/.modules.yaml with its own layout; an
	// install that wants another one (NODE_ENV=production, a store moved by
	// npm_config_*) finds it incompatible, removes node_modules and, with
	// no terminal to confirm on, links nothing and exits 0 (review): the
	// install's own variables are not carried over, so none is taken
	if len(installCmd.Env) > 0 {
		name, _, _ := strings.Cut(installCmd.Env[0], "=")
		return nil, fmt.Sprintf("the install sets %s in front of it, which `pnpm fetch` before the sources would not see (pnpm would then find node_modules incompatible and link nothing)", name)
	}
	if fl := storeMountFlags(in, inst, toolPnpm); len(fl) > 0 {
		return nil, fmt.Sprintf("the install keeps pnpm's store in a cache mount (%s): a `pnpm fetch` layer under it would be hidden, and the mount keeps the packages between builds already", strings.Join(fl, " "))
	}
	for _, m := range r.Mounts {
		if m.Type == "cache" && m.Target != "" && strings.Contains(m.Target, "pnpm") {
			return nil, fmt.Sprintf("the install mounts a cache at %s, which may be pnpm's store: a `pnpm fetch` layer under it would be hidden", m.Target)
		}
	}
	opts, why := pnpmFetchOptions(installCmd)
	if why != "" {
		return nil, why
	}
	fetch := "pnpm fetch" + opts
	if j > len(cds) {
		head, _, ok := splitRunAt(in.File, inst, j)
		if !ok {
			return nil, fmt.Sprintf("the RUN runs `%s` before the install and cannot be split safely", shortCmd(r.Commands[j-1]))
		}
		lines, ok := appendToCommand(head, r.Commands[j-1], " && "+fetch)
		if !ok {
			return nil, fmt.Sprintf("`%s` is not written so that `&& pnpm fetch` can follow it", shortCmd(r.Commands[j-1]))
		}
		return lines, ""
	}
	flags, ok := runFlagsText(in.File, inst)
	if !ok {
		return nil, "the RUN's flags go on past its first line"
	}
	var pre strings.Builder
	for _, cd := range cds {
		pre.WriteString("cd " + cd.Args[0] + " && ")
	}
	return []string{strings.Repeat(" ", inst.Range.Start.Col-1) + keywordAsWritten(in.File, inst) + " " + flags + pre.String() + fetch}, ""
}

// pnpmFetchOptions are the install's options `pnpm fetch` takes too
// (which dependencies: --prod, --dev), or why the install's options may
// want a node_modules layout the fetch would not write. Any option but
// the few known to leave the layout alone is refused: an install that
// finds the fetch's node_modules incompatible removes it and, with no
// terminal to confirm on, links nothing and exits 0 (--no-optional,
// --shamefully-hoist: found by a real build in review).
func pnpmFetchOptions(c dockerfile.Command) (string, string) {
	var out []string
	pos := c.Positional()
	for _, a := range c.Args {
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case !strings.HasPrefix(a, "-"):
			if len(pos) == 0 || a != pos[0] {
				return "", fmt.Sprintf("`%s` names %s, which `pnpm fetch` does not take", shortCmd(c), a)
			}
		case name == "--prod" || name == "-P" || name == "--production":
			if hasVal && val == "false" {
				continue // the default
			}
			if hasVal && val != "true" {
				return "", fmt.Sprintf("`%s` sets %s", shortCmd(c), a)
			}
			if !slices.Contains(out, "--prod") {
				out = append(out, "--prod")
			}
		case name == "--dev" || name == "-D":
			if !slices.Contains(out, "--dev") {
				out = append(out, "--dev")
			}
		case slices.Contains([]string{"--frozen-lockfile", "--prefer-offline", "--offline", "-r", "--recursive", "--silent", "-s", "--ignore-scripts", "--reporter", "--loglevel", "--no-color", "--color", "--force", "-f"}, name):
			// the lockfile's use, the output, scripts, re-linking: no layout
		default:
			return "", fmt.Sprintf("`%s` passes %s, which may want a node_modules layout `pnpm fetch` would not write", shortCmd(c), a)
		}
	}
	if len(out) == 0 {
		return "", ""
	}
	return " " + strings.Join(out, " "), ""
}

// patchPath matches a patch's path in pnpm-lock.yaml's patchedDependencies
// (`path: patches/x.patch`, lockfile v6 to v9).
var patchPath = regexp.MustCompile(`^\s+path:\s*['"]?([^'"\s]+)`)

// pnpmFetchFiles are the files `pnpm fetch` reads, as context paths: the
// lockfile and the workspace file (pnpm 9+ keeps settings there: catalogs,
// overrides, onlyBuiltDependencies), the project's .npmrc (registries,
// node-linker) and pnpmfile (its hooks change what is resolved), the
// package.json where it pins pnpm's version for corepack (packageManager),
// and the directories of the patches the lockfile names.
func pnpmFetchFiles(in *Input, dir string) ([]string, string) {
	join := func(n string) string { return strings.TrimPrefix(path.Join(dir, n), "/") }
	lock := join("pnpm-lock.yaml")
	if !in.contextHas(lock) {
		return nil, "the pnpm workspace has no pnpm-lock.yaml in the context, and `pnpm fetch` reads the lockfile alone"
	}
	files := []string{lock, join("pnpm-workspace.yaml")}
	for _, n := range []string{".npmrc", ".pnpmfile.cjs", ".pnpmfile.mjs"} {
		if in.contextHas(join(n)) {
			files = append(files, join(n))
		}
	}
	if data, err := in.readContextFile(join("package.json")); err == nil && strings.Contains(string(data), `"packageManager"`) {
		files = append(files, join("package.json"))
	}
	data, err := in.readContextFile(lock)
	if err != nil {
		return nil, fmt.Sprintf("%s cannot be read (%v)", lock, err)
	}
	// the patches' paths: lockfiles up to v9 write them under
	// patchedDependencies, newer ones a hash alone, the paths being in
	// pnpm-workspace.yaml (pnpm 9+) or package.json's pnpm field (review
	// 35: docmost's patches/scimmy@1.3.5.patch, named by the workspace
	// file; `pnpm fetch` without it fails with ENOENT)
	var patches []string
	lockPatches, inPatches := false, false
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && l[0] != ' ' && l[0] != '#' {
			inPatches = strings.HasPrefix(l, "patchedDependencies:")
			lockPatches = lockPatches || inPatches
			continue
		}
		if m := patchPath.FindStringSubmatch(l); inPatches && m != nil {
			patches = append(patches, m[1])
		}
	}
	if ws, err := in.readContextFile(join("pnpm-workspace.yaml")); err == nil {
		var w struct {
			PatchedDependencies map[string]string `yaml:"patchedDependencies"`
		}
		if yaml.Unmarshal(ws, &w) == nil {
			for _, p := range w.PatchedDependencies {
				patches = append(patches, p)
			}
		}
	}
	if pj, err := in.readContextFile(join("package.json")); err == nil {
		var m struct {
			Pnpm struct {
				PatchedDependencies map[string]string `json:"patchedDependencies"`
			} `json:"pnpm"`
		}
		if json.Unmarshal(pj, &m) == nil {
			for _, p := range m.Pnpm.PatchedDependencies {
				patches = append(patches, p)
			}
			// the file that names them comes with them (code review)
			if len(m.Pnpm.PatchedDependencies) > 0 && !slices.Contains(files, join("package.json")) {
				files = append(files, join("package.json"))
			}
		}
	}
	if lockPatches && len(patches) == 0 {
		return nil, fmt.Sprintf("%s patches packages with files it does not name, and neither pnpm-workspace.yaml nor package.json names them", lock)
	}
	slices.Sort(patches)
	for _, p0 := range slices.Compact(patches) {
		p := path.Clean(p0)
		if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Sprintf("%s patches a package with %s, outside the workspace", lock, p0)
		}
		top := join(strings.SplitN(p, "/", 2)[0])
		if !in.contextHas(join(p)) || !literalPath(top) {
			return nil, fmt.Sprintf("%s patches a package with %s, which the context does not send as written", lock, p0)
		}
		if !slices.Contains(files, top) {
			files = append(files, top)
		}
	}
	return files, ""
}
