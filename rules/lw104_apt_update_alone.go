package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// AptUpdateAlone is LW104.
var AptUpdateAlone = Register(&Rule{
	ID: "LW104", Name: "apt-update-alone", Severity: Warning, Category: CatCorrectness,
	Title: "apt-get update runs in a RUN of its own",
	Cost:  "The cached update layer goes stale: later installs use package lists of the day the cache was made, and fail with 404s once the mirror moves on.",
	Description: `A RUN that only updates the package lists is cached like any other step. When a later
` + "`apt-get install`" + ` changes, BuildKit re-runs the install but reuses the old lists, so it asks for versions the
mirror no longer has. Update and install in the same RUN.`,
	Bad:           "RUN apt-get update\nRUN apt-get install -y --no-install-recommends curl",
	Good:          "RUN apt-get update && apt-get install -y --no-install-recommends curl",
	Check:         checkAptUpdateAlone,
	FixDockerfile: fixAptUpdateAlone,
})

func checkAptUpdateAlone(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Run == nil {
				continue
			}
			update, install, after := false, false, false
			for _, c := range ins.Run.Commands {
				c = unwrapRunner(c)
				switch {
				case isApt(c, "update"):
					update = true
				case isApt(c, "install"), isApt(c, "upgrade"), isApt(c, "dist-upgrade"), isApt(c, "full-upgrade"), isApt(c, "build-dep"):
					install = true
				case update && !harmlessAfterUpdate[path.Base(c.Name)]:
					// a command after the update may install through apt
					// itself (`playwright install-deps`, install_packages,
					// a setup script: review 36, onyx's devcontainer)
					after = true
				}
			}
			if update && !install && !after {
				f := in.at(ins, "`apt-get update` runs alone: its cached layer goes stale and later installs fail or install old versions. Run it in the same RUN as `apt-get install`.",
					Cost{Invalidates: "the install that follows uses package lists cached on the day the layer was built"})
				if in.onlyUncachedCI() {
					// no layer is ever reused, so none goes stale
					f.Severity = Info
					f.Message += in.uncachedCINote()
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// unwrapRunner sees through commands that run another one from their
// arguments (`... | xargs apt-get install -y`, `sudo apt-get install`):
// the command they run is what counts.
// harmlessAfterUpdate are commands that install nothing after an apt-get
// update in the same RUN.
var harmlessAfterUpdate = map[string]bool{"echo": true, "true": true, ":": true, "set": true, "printf": true, "mkdir": true}

func unwrapRunner(c dockerfile.Command) dockerfile.Command {
	switch path.Base(c.Name) {
	case "xargs", "sudo", "nice", "nohup":
		for i, a := range c.Args {
			if !strings.HasPrefix(a, "-") {
				return dockerfile.Command{Name: a, Args: c.Args[i+1:], Offset: c.Offset, Heredoc: c.Heredoc}
			}
		}
	}
	return c
}

var aptInstallText = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`)

// aptInstallWithEnv is an apt install with the VAR=value words in front of
// it: `apt-get update && ` goes before them, so that
// `DEBIAN_FRONTEND=noninteractive apt-get install` keeps its prefix.
var aptInstallWithEnv = regexp.MustCompile(`(?:^|[\s;&|(])((?:[A-Za-z_][A-Za-z0-9_]*=\S*[ \t]+)*apt(?:-get)?\s+(?:-\S+\s+)*install\b)`)

// fixAptUpdateAlone moves the lone `apt-get update` into the next RUN of
// the stage that installs with apt.
func fixAptUpdateAlone(in *Input, f Finding) (*Fix, string) {
	s, idx, upd := in.instructionAt(f.Range.Start.Line)
	if upd == nil {
		return nil, "instruction not found"
	}
	for _, c := range upd.Run.Commands {
		if !isApt(c, "update") {
			return nil, "the RUN does more than apt-get update"
		}
	}
	var inst *dockerfile.Instruction
	for _, x := range s.Instructions[idx+1:] {
		if x.Run == nil {
			continue
		}
		for _, c := range x.Run.Commands {
			if isApt(c, "install") {
				inst = x
			}
		}
		if inst != nil {
			break
		}
	}
	if inst == nil {
		return nil, "no later RUN of the stage installs with apt"
	}
	reps := []Replacement{{StartLine: upd.Range.Start.Line, EndLine: upd.Range.End.Line, Text: ""}}
	hasUpdate := false
	for _, c := range inst.Run.Commands {
		if isApt(c, "update") {
			hasUpdate = true
		}
	}
	if !hasUpdate {
		// the install's VAR=value prefix must come after the inserted
		// update, or it would apply to the update alone (review 37:
		// Leantime's `DEBIAN_FRONTEND=noninteractive \` on the line
		// before `apt install`)
		var prefix string
		for _, c := range inst.Run.Commands {
			if isApt(c, "install") {
				if len(c.Env) > 0 {
					prefix, _, _ = strings.Cut(c.Env[0], "=")
					prefix += "="
				}
				break
			}
		}
		lines := linesOf(in.File, inst)
		done := false
		for i, l := range lines {
			if loc := aptInstallWithEnv.FindStringSubmatchIndex(l); loc != nil {
				if prefix != "" && !strings.HasPrefix(l[loc[2]:], prefix) {
					return nil, "the install's environment prefix is not written on its line"
				}
				lines[i] = l[:loc[2]] + "apt-get update && " + l[loc[2]:]
				done = true
				break
			}
		}
		if !done {
			return nil, "the apt install is not written literally in the RUN"
		}
		reps = append(reps, Replacement{StartLine: inst.Range.Start.Line, EndLine: inst.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}})
	}
	return &Fix{Description: fmt.Sprintf("run apt-get update in the install RUN (line %d)", inst.Range.Start.Line), File: in.Dockerfile, Replacements: reps}, ""
}
