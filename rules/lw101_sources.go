package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// An install moved before the sources sees the manifests only. Some
// installs read more than their manifests, and would then fail — or worse,
// build without what they read: a package.json install script (prisma
// generate, patch-package, husky), `pip install .` (it builds the project
// from its sources), requirements that include other files or local paths,
// a Gemfile that
// reads the gemspec, a composer.json whose autoloader scans the sources, a
// Maven multi-module build. Those are left as they are, and the note says
// what to copy with the manifests. (.NET projects that reference others:
// lw101_dotnet.go copies each to its directory.)

// installNeedsSources says why the install of inst cannot run on the
// manifests of srcDir alone ("" when it can).
func installNeedsSources(in *Input, inst *dockerfile.Instruction, t *Tool, srcDir string) string {
	read := func(name string) (string, bool) {
		data, err := in.readContextFile(strings.TrimPrefix(path.Join(srcDir, name), "/"))
		return string(data), err == nil
	}
	var cmds []dockerfile.Command
	for _, c := range inst.Run.Commands {
		if ci := Classify(c); ci != nil && ci.Tool == t {
			cmds = append(cmds, c)
		}
	}
	switch t {
	case toolNpm, toolYarn, toolPnpm:
		for _, c := range cmds {
			if c.HasArg("--ignore-scripts") {
				return ""
			}
		}
		if s, ok := read("package.json"); ok {
			var pj struct {
				Scripts map[string]string `json:"scripts"`
			}
			if json.Unmarshal([]byte(s), &pj) == nil {
				for _, k := range []string{"preinstall", "install", "postinstall", "prepare"} {
					if v, ok := pj.Scripts[k]; ok && !in.scriptReadsNothing(v) {
						return fmt.Sprintf("package.json's %s script (%s) runs during the install and may read the sources: add --ignore-scripts and run it after the sources are copied, or copy what it reads with the manifests", k, short(v))
					}
				}
			}
		}
	case toolPip, toolUv:
		for _, c := range cmds {
			for i, a := range c.Args {
				if a == "." || a == "-e" || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || strings.HasPrefix(a, "file:") ||
					(i > 0 && c.Args[i-1] == "install" && !strings.HasPrefix(a, "-") && strings.Contains(a, "/") && !strings.Contains(a, "://")) {
					return fmt.Sprintf("`%s` builds a local project from its sources, which a dependency step before them does not have", shortCmd(c))
				}
				if (a == "-r" || a == "--requirement" || a == "-c" || a == "--constraint") && i+1 < len(c.Args) {
					if why := requirementsNeedSources(in, path.Join(srcDir, c.Args[i+1])); why != "" {
						return why
					}
				}
			}
		}
	case toolBundler:
		if s, ok := read("Gemfile"); ok && (regexp.MustCompile(`(?m)^\s*gemspec\b`).MatchString(s) || strings.Contains(s, "path:") || strings.Contains(s, ":path")) {
			return "the Gemfile reads a gemspec or a local path, which usually read the sources (lib/*/version.rb)"
		}
	case toolMaven:
		if s, ok := read("pom.xml"); ok && strings.Contains(s, "<modules>") {
			return "a Maven multi-module build needs every module's pom.xml, which a flat manifest COPY does not bring"
		}
	}
	return ""
}

// huskyScript is a lifecycle script that only sets up husky's git hooks
// ("husky", "husky install", "is-ci || husky install", "npx husky install
// .husky", "husky || true"): husky reads nothing of the sources but .git.
// Before the sources it finds no .git, prints a message and exits 0 (husky
// 4 to 9), so the install does the same as on the whole sources, except for
// the hooks it would have written where a .git is sent (.husky/_ and
// .git/config's hooksPath), which no container runs: a change the rule
// declares (EffectLockfileRecopied) and verify attributes. Not `node
// .husky/install.mjs` (a script of the sources).
var huskyScript = regexp.MustCompile(`^(?:(?:npx\s+)?is-ci\s*\|\|\s*)?(?:npx\s+)?husky(?:\s+install)?(?:\s+[\w./-]+)?(?:\s*\|\|\s*(?:true|exit 0|echo\b[^;&|]*))?$`)

// scriptReadsNothing reports whether a package.json lifecycle script runs
// the same on the manifests alone as on the whole sources.
func (in *Input) scriptReadsNothing(script string) bool {
	return huskyScript.MatchString(strings.TrimSpace(script))
}

// requirementsNeedSources reads a requirements file for what makes pip
// read more than it: includes of other files, editable or local paths.
func requirementsNeedSources(in *Input, p string) string {
	data, err := in.readContextFile(strings.TrimPrefix(path.Clean("/"+p), "/"))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "-r ") || strings.HasPrefix(l, "-c ") || strings.HasPrefix(l, "--requirement") || strings.HasPrefix(l, "--constraint"):
			return fmt.Sprintf("%s includes another file (%s), which the manifest COPY does not bring", path.Base(p), l)
		case strings.HasPrefix(l, "-e ") || strings.HasPrefix(l, "--editable") || l == "." || strings.HasPrefix(l, "./") || strings.HasPrefix(l, "../") || strings.HasPrefix(l, "file:"):
			return fmt.Sprintf("%s installs a local path (%s), which a dependency step before the sources does not have", path.Base(p), l)
		}
	}
	return ""
}
