package rules

import (
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// AptInstallRecommends is LW105.
var AptInstallRecommends = Register(&Rule{
	ID: "LW105", Name: "apt-install-recommends", Severity: Info, Category: CatSize,
	Title: "apt-get install pulls in recommended packages",
	Cost:  "Recommended packages often double what an install brings in: more to download on every rebuild of the step and more bytes in every image pull.",
	Description: `Without ` + "`--no-install-recommends`" + `, apt installs every package the requested ones merely recommend
(documentation tools, X libraries, ...). Pass the flag (or set ` + "`APT::Install-Recommends \"false\"`" + ` in
apt's configuration) and name what is really needed.`,
	Bad:           "RUN apt-get update && apt-get install -y curl",
	Good:          "RUN apt-get update && apt-get install -y --no-install-recommends curl",
	Check:         checkInstallRecommends,
	FixDockerfile: fixInstallRecommends,
	// a later step (pip building a C extension) or the service may use a
	// package apt installed only as a recommendation
	FixOnRequest: true,
	ImageEffects: []ImageEffect{EffectNoRecommends},
})

func checkInstallRecommends(in *Input) []Finding {
	var out []Finding
	for ins, c := range in.commands() {
		if !isApt(c, "install") || c.HasArg("--no-install-recommends") || hasAptNoRecommendsOption(c.Args) {
			continue
		}
		out = append(out, in.at(ins, "`apt-get install` without `--no-install-recommends` also installs every recommended package.",
			Cost{ImageBytes: 50e6, Seconds: bytesSeconds(0, 50e6), Basis: "static", Invalidates: "more packages downloaded on every rebuild of the step"}))
	}
	return out
}

func hasAptNoRecommendsOption(args []string) bool {
	for i, a := range args {
		v := a
		if a == "-o" && i+1 < len(args) {
			v = args[i+1]
		}
		v = strings.ToLower(v)
		if strings.Contains(v, "install-recommends=false") || strings.Contains(v, "install-recommends=0") {
			return true
		}
	}
	return false
}

// fixInstallRecommends adds --no-install-recommends (and -y where it is
// missing) to each apt install written literally in the RUN.
func fixInstallRecommends(in *Input, f Finding) (*Fix, string) {
	_, _, ins := in.instructionAt(f.Range.Start.Line)
	if ins == nil || ins.Run == nil {
		return nil, "instruction not found"
	}
	var cmds []dockerfile.Command
	for _, c := range ins.Run.Commands {
		if isApt(c, "install") {
			cmds = append(cmds, c)
		}
	}
	lines := linesOf(in.File, ins)
	count := 0
	for _, l := range lines {
		count += len(aptInstallText.FindAllStringIndex(l, -1))
	}
	if count != len(cmds) || count == 0 {
		return nil, "the apt installs are not written literally in the RUN"
	}
	k := 0
	for i, l := range lines {
		locs := aptInstallText.FindAllStringIndex(l, -1)
		for j := len(locs) - 1; j >= 0; j-- {
			c := cmds[k+j]
			add := ""
			if !c.HasArg("--no-install-recommends") && !hasAptNoRecommendsOption(c.Args) {
				add += " --no-install-recommends"
			}
			if !c.HasArg("-y") && !c.HasArg("--yes") && !c.HasArg("--assume-yes") && !c.HasArg("-qy") && !c.HasArg("-yq") {
				add += " -y"
			}
			l = l[:locs[j][1]] + add + l[locs[j][1]:]
		}
		k += len(locs)
		lines[i] = l
	}
	return &Fix{Description: "apt-get install --no-install-recommends -y", File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: ins.Range.Start.Line, EndLine: ins.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}}}}, ""
}
