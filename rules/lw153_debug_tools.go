package rules

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// DebugToolsInFinal is LW153.
var DebugToolsInFinal = Register(&Rule{
	ID: "LW153", Name: "debug-tools-in-final", Severity: Info, Category: CatSize,
	Title: "Debugging and editing tools ship in every image, not only in the ones that need them",
	Cost:  "Editors, tracers and network tools the service never runs add megabytes to every pull and packages to every vulnerability scan of production images.",
	Description: `The final stage installs tools a person uses inside a container (vim, nano, htop, strace,
gdb, tcpdump, net-tools, dnsutils, telnet, lsof, ...) and that the image's CMD, ENTRYPOINT and HEALTHCHECK do not
run. Keep one Dockerfile for both images: install them behind a build argument,

    ARG DEBUG_TOOLS=
    RUN if [ -n "$DEBUG_TOOLS" ]; then apt-get update && apt-get install -y --no-install-recommends vim strace; fi

so that the default build is lean and ` + "`docker build --build-arg DEBUG_TOOLS=1`" + ` gives a debuggable one (or debug
with ` + "`docker debug`" + ` / an ephemeral container instead). Installs already behind a condition (` + "`if`" + `) are
not reported. No fix: whether someone relies on the tools in production is the team's to say.`,
	Bad:   "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates vim strace\nCMD [\"/app\"]",
	Good:  "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nARG DEBUG_TOOLS=\nRUN if [ -n \"$DEBUG_TOOLS\" ]; then apt-get update && apt-get install -y --no-install-recommends vim strace; fi\nCMD [\"/app\"]",
	Check: checkDebugTools,
	// what the image holds, which a rewrite that carries the install into
	// a runtime stage does not change
	StateOfImage: true,
})

// debugTools are Debian and Alpine packages of interactive debugging and
// editing tools, with a rough installed size, and the programs they give
// (less is not one: git, psql and man page through it).
var debugTools = map[string]struct {
	bytes int64
	progs []string
}{
	"vim": {35e6, []string{"vim", "vi"}}, "vim-tiny": {2e6, []string{"vi", "vim.tiny"}}, "nano": {3e6, []string{"nano"}},
	"emacs-nox": {90e6, []string{"emacs"}}, "htop": {1e6, []string{"htop"}},
	"strace": {3e6, []string{"strace"}}, "ltrace": {1e6, []string{"ltrace"}}, "gdb": {60e6, []string{"gdb"}},
	"tcpdump": {3e6, []string{"tcpdump"}}, "net-tools": {1e6, []string{"netstat", "ifconfig", "route"}},
	"dnsutils": {10e6, []string{"dig", "nslookup"}}, "bind9-dnsutils": {10e6, []string{"dig", "nslookup"}}, "bind-tools": {10e6, []string{"dig", "nslookup"}},
	"telnet": {1e6, []string{"telnet"}}, "lsof": {1e6, []string{"lsof"}}, "tree": {1e6, []string{"tree"}},
	"iputils-ping": {1e6, []string{"ping"}}, "inetutils-ping": {1e6, []string{"ping"}}, "iputils": {1e6, []string{"ping"}}, "nmap": {25e6, []string{"nmap"}},
	"busybox-extras": {1e6, []string{"telnet", "nc"}},
	"tmux":           {2e6, []string{"tmux"}}, "screen": {2e6, []string{"screen"}}, "mc": {10e6, []string{"mc"}},
}

func checkDebugTools(in *Input) []Finding {
	final := in.finalStage()
	if final == nil || in.windowsStage(final) || in.runsSDK(final) {
		return nil
	}
	// a debug stage (the pattern the rule recommends, as a target) or a
	// toolbox whose command is a shell: the tools are what it is for
	switch strings.ToLower(final.Name) {
	case "debug", "dev", "devel", "development", "toolbox", "tools":
		return nil
	}
	var config []string
	for _, x := range in.lineageInstructions(final) {
		switch x.Cmd.(type) {
		case *instructions.CmdCommand, *instructions.EntrypointCommand, *instructions.HealthCheckCommand:
			config = append(config, x.Original)
		}
	}
	used := func(progs []string) bool {
		for _, c := range config {
			for _, w := range strings.FieldsFunc(c, func(r rune) bool { return strings.ContainsRune(" \t\"'[],;&|()/=", r) }) {
				for _, p := range progs {
					if w == p {
						return true
					}
				}
			}
		}
		return false
	}
	var argv []string
	for _, x := range in.lineageInstructions(final) {
		switch c := x.Cmd.(type) {
		case *instructions.EntrypointCommand:
			argv = c.CmdLine
		case *instructions.CmdCommand:
			if len(argv) == 0 {
				argv = c.CmdLine
			}
		}
	}
	if len(argv) == 1 {
		switch path.Base(strings.Fields(argv[0] + " x")[0]) {
		case "sh", "bash", "ash", "zsh", "fish":
			return nil
		}
	}
	var out []Finding
	for _, x := range in.lineageInstructions(final) {
		if x.Run == nil || conditional(x) {
			continue
		}
		var names []string
		var bytes int64
		verb := "apt-get install -y --no-install-recommends"
		for _, c := range x.Run.Commands {
			switch n := path.Base(c.Name); {
			case isApt(c, "install"):
			case n == "apk" && first(c) == "add":
				verb = "apk add --no-cache"
			case (n == "dnf" || n == "yum" || n == "microdnf") && first(c) == "install":
				verb = n + " install -y"
			default:
				continue
			}
			for _, p := range aptPackages(c) {
				name, _, _ := strings.Cut(p, "=")
				if t, ok := debugTools[name]; ok && !used(t.progs) && !slices.Contains(names, name) {
					names = append(names, name)
					bytes += t.bytes
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		out = append(out, in.at(x, fmt.Sprintf("the image installs %s (~%s), for a person working inside the container: its CMD, ENTRYPOINT and HEALTHCHECK do not run them. Install them only on request, behind a build argument (`ARG DEBUG_TOOLS=` and `RUN if [ -n \"$DEBUG_TOOLS\" ]; then %s %s; fi`), and build a debuggable image with `--build-arg DEBUG_TOOLS=1`.", strings.Join(names, ", "), mb(bytes), verb, strings.Join(names, " ")),
			Cost{ImageBytes: bytes, Seconds: bytesSeconds(0, bytes), Basis: "static"}))
	}
	return out
}

// conditional: the RUN already installs under a shell condition.
func conditional(x *dockerfile.Instruction) bool {
	s := " " + x.Run.Script + " "
	return strings.Contains(s, " if ") || strings.Contains(s, " case ") || strings.Contains(s, "||") && strings.Contains(s, "$") ||
		strings.Contains(s, "&&") && strings.Contains(s, "[ ") && strings.Contains(s, "$")
}
