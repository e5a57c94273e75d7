package rules

import (
	"path"
	"strings"
)

var _ = Register(&Rule{
	ID: "LW105", Name: "apt-install-recommends", Severity: Info, Category: CatSize, Fixable: true,
	Title: "apt-get install pulls in recommended packages",
	Cost:  "Recommended packages often double what an install brings in: more to download on every rebuild of the step and more bytes in every image pull.",
	Description: `Without ` + "`--no-install-recommends`" + `, apt installs every package the requested ones merely recommend
(documentation tools, X libraries, ...). Pass the flag (or set ` + "`APT::Install-Recommends \"false\"`" + ` in
apt's configuration) and name what is really needed.`,
	Bad:   "RUN apt-get update && apt-get install -y curl",
	Good:  "RUN apt-get update && apt-get install -y --no-install-recommends curl",
	Check: checkInstallRecommends,
})

func checkInstallRecommends(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Run == nil {
				continue
			}
			for _, c := range ins.Run.Commands {
				n := path.Base(c.Name)
				if (n != "apt-get" && n != "apt") || first(c) != "install" {
					continue
				}
				if c.HasArg("--no-install-recommends") || hasAptNoRecommendsOption(c.Args) {
					continue
				}
				out = append(out, in.at("LW105", ins, "`apt-get install` without `--no-install-recommends` also installs every recommended package.",
					Cost{ImageBytes: 50e6, Seconds: bytesSeconds(0, 50e6), Basis: "static", Invalidates: "more packages downloaded on every rebuild of the step"}))
			}
		}
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
