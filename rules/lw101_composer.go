package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// composer install runs the project's scripts and dumps its autoloader,
// and both read the sources (the autoloader scans the classes composer.json
// maps; Laravel's post-autoload-dump runs artisan). An expert splits it:
// `composer install --no-scripts --no-autoloader` on the manifests, then,
// after the sources, `composer dump-autoload` (which runs the autoload-dump
// scripts itself) and the install's post-install-cmd.

// composerInstallEvents are the script events composer install and update
// fire while they install, which a deferred run cannot replay in their
// place.
var composerInstallEvents = []string{"pre-install-cmd", "pre-update-cmd", "pre-package-install", "post-package-install",
	"pre-package-update", "post-package-update", "pre-package-uninstall", "post-package-uninstall", "pre-operations-exec"}

// composerSplit says what the moved composer install gets (flags) and what
// runs after the sources (after), or why it cannot be split; both "" when
// the install reads nothing of the sources.
func composerSplit(in *Input, srcDir string, c dockerfile.Command) (flags, after, why string) {
	noScripts, noAuto := c.HasArg("--no-scripts"), c.HasArg("--no-autoloader")
	data, err := in.readContextFile(strings.TrimPrefix(path.Join(srcDir, "composer.json"), "/"))
	if err != nil {
		return "", "", ""
	}
	if noScripts && noAuto {
		var cj struct {
			Repositories json.RawMessage            `json:"repositories"`
			Extra        map[string]json.RawMessage `json:"extra"`
		}
		if json.Unmarshal(data, &cj) == nil {
			if why := composerReadsMore(cj.Repositories, cj.Extra); why != "" {
				return "", "", why
			}
		}
		return "", "", ""
	}
	var cj struct {
		Autoload     json.RawMessage            `json:"autoload"`
		AutoloadDev  json.RawMessage            `json:"autoload-dev"`
		Scripts      map[string]json.RawMessage `json:"scripts"`
		Repositories json.RawMessage            `json:"repositories"`
		Extra        map[string]json.RawMessage `json:"extra"`
	}
	if json.Unmarshal(data, &cj) != nil {
		return "", "", "composer.json does not parse as JSON"
	}
	// what the install reads besides composer.json and composer.lock:
	// another manifest (COMPOSER=...), local repositories, patch files
	// (cweagans/composer-patches runs as a plugin, --no-scripts or not),
	// merged manifests
	for _, e := range c.Env {
		if strings.HasPrefix(e, "COMPOSER=") {
			return "", "", fmt.Sprintf("`%s` reads %s, not composer.json", shortCmd(c), e)
		}
	}
	if why := composerReadsMore(cj.Repositories, cj.Extra); why != "" {
		return "", "", why
	}
	if len(cj.Autoload) == 0 && len(cj.AutoloadDev) == 0 && len(cj.Scripts) == 0 {
		return "", "", ""
	}
	sub := ""
	for i, a := range c.Args {
		if a == "-d" || a == "--working-dir" || strings.HasPrefix(a, "--working-dir=") {
			return "", "", fmt.Sprintf("`%s` works in another directory (%s)", shortCmd(c), a)
		}
		if sub == "" && !strings.HasPrefix(a, "-") {
			sub = c.Args[i]
			continue
		}
		if flag, _, _ := strings.Cut(a, "="); strings.HasPrefix(a, "-") && !composerInstallFlags[flag] {
			// a flag whose effect on the deferred autoloader and scripts
			// the fixer does not know (--apcu-autoloader-prefix, ...)
			return "", "", fmt.Sprintf("`%s` has %s, which the fixer cannot carry over to composer dump-autoload", shortCmd(c), a)
		}
	}
	if !noScripts {
		for _, ev := range composerInstallEvents {
			if _, ok := cj.Scripts[ev]; ok {
				return "", "", fmt.Sprintf("composer.json's %s script runs during the install and may read the sources", ev)
			}
		}
	}
	for _, e := range c.Env {
		if _, v, _ := strings.Cut(e, "="); v != "" && !literalPath(v) {
			return "", "", fmt.Sprintf("`%s` sets %s, which the fixer cannot repeat for the autoloader exactly", shortCmd(c), e)
		}
	}
	prefix := ""
	if len(c.Env) > 0 {
		prefix = strings.Join(c.Env, " ") + " "
	}
	has := func(fs ...string) bool {
		for _, a := range c.Args {
			for _, f := range fs {
				if a == f {
					return true
				}
			}
		}
		return false
	}
	var steps []string
	if !noAuto {
		flags += " --no-autoloader"
		dump := prefix + c.Name + " dump-autoload"
		for _, m := range [][2]string{{"--no-dev", "--no-dev"}, {"--optimize-autoloader", "--optimize"}, {"-o", "--optimize"},
			{"--classmap-authoritative", "--classmap-authoritative"}, {"-a", "--classmap-authoritative"},
			{"--apcu-autoloader", "--apcu"}, {"--ignore-platform-reqs", "--ignore-platform-reqs"},
			{"--no-interaction", "--no-interaction"}, {"-n", "--no-interaction"}, {"--no-scripts", "--no-scripts"},
			{"--no-plugins", "--no-plugins"}, {"--quiet", "--quiet"}, {"-q", "--quiet"}, {"--no-ansi", "--no-ansi"}} {
			if has(m[0]) && !strings.Contains(dump, " "+m[1]) {
				dump += " " + m[1]
			}
		}
		for _, a := range c.Args {
			if strings.HasPrefix(a, "--ignore-platform-req=") && literalPath(strings.TrimPrefix(a, "--ignore-platform-req=")) {
				dump += " " + a
			}
		}
		steps = append(steps, dump)
	}
	if !noScripts {
		flags += " --no-scripts"
		if sub == "" {
			sub = "install"
		}
		if _, ok := cj.Scripts["post-"+sub+"-cmd"]; ok {
			run := prefix + c.Name + " run-script"
			if has("--no-dev") {
				run += " --no-dev"
			}
			if has("--no-plugins") {
				run += " --no-plugins"
			}
			steps = append(steps, run+" post-"+sub+"-cmd")
		}
	}
	if len(steps) == 0 {
		return "", "", ""
	}
	return flags, strings.Join(steps, " && "), ""
}

// composerInstallFlags are the flags of composer install/update whose
// effect the split keeps: install-only ones, and those passed on to
// dump-autoload and run-script.
var composerInstallFlags = map[string]bool{
	"--no-dev": true, "--dev": true, "--prefer-dist": true, "--prefer-source": true, "--prefer-install": true, "--no-progress": true,
	"--no-interaction": true, "-n": true, "--optimize-autoloader": true, "-o": true, "--classmap-authoritative": true, "-a": true,
	"--apcu-autoloader": true, "--ignore-platform-reqs": true, "--ignore-platform-req": true, "--no-scripts": true,
	"--no-autoloader": true, "--no-plugins": true, "--quiet": true, "-q": true, "--no-ansi": true, "--ansi": true,
	"--no-suggest": true, "--audit": true, "--no-audit": true, "--audit-format": true, "-v": true, "-vv": true, "-vvv": true,
	"--verbose": true, "--dry-run": false, "--no-cache": true, "--strict-psr": false,
}

// composerReadsMore says what composer.json makes the install read besides
// itself and the lock file ("" when nothing the fixer knows of).
func composerReadsMore(repos json.RawMessage, extra map[string]json.RawMessage) string {
	if len(repos) > 0 {
		var list []map[string]any
		var obj map[string]map[string]any
		if json.Unmarshal(repos, &list) != nil {
			if json.Unmarshal(repos, &obj) != nil {
				return "composer.json's repositories cannot be read"
			}
			for _, r := range obj {
				list = append(list, r)
			}
		}
		for _, r := range list {
			t, _ := r["type"].(string)
			u, _ := r["url"].(string)
			if t == "path" || t == "artifact" || (u != "" && !strings.Contains(u, "://") && !strings.HasPrefix(u, "git@")) {
				return fmt.Sprintf("composer.json has a local %s repository (%s), which the manifest COPY does not bring", t, u)
			}
		}
	}
	for _, k := range []string{"patches", "patches-file", "merge-plugin", "installer-paths"} {
		if _, ok := extra[k]; ok {
			return fmt.Sprintf("composer.json's extra.%s makes the install read files besides the manifests", k)
		}
	}
	return ""
}

// appendToCommand appends words to a command that ends the RUN lines as
// written (its last word the last thing on the last line).
func appendToCommand(lines []string, c dockerfile.Command, extra string) ([]string, bool) {
	if len(lines) == 0 {
		return nil, false
	}
	last := c.Name
	if len(c.Args) > 0 {
		last = c.Args[len(c.Args)-1]
	}
	out := append([]string(nil), lines...)
	l := strings.TrimRight(out[len(out)-1], " \t")
	if !strings.HasSuffix(l, last) || strings.HasSuffix(l, "\\") {
		return nil, false
	}
	out[len(out)-1] = l + extra
	return out, true
}
