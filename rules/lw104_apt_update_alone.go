package rules

import "path"

var _ = Register(&Rule{
	ID: "LW104", Name: "apt-update-alone", Severity: Warning, Category: CatCorrectness, Fixable: true,
	Title: "apt-get update runs in a RUN of its own",
	Cost:  "The cached update layer goes stale: later installs use package lists of the day the cache was made, and fail with 404s once the mirror moves on.",
	Description: `A RUN that only updates the package lists is cached like any other step. When a later
` + "`apt-get install`" + ` changes, BuildKit re-runs the install but reuses the old lists, so it asks for versions the
mirror no longer has. Update and install in the same RUN.`,
	Bad:   "RUN apt-get update\nRUN apt-get install -y --no-install-recommends curl",
	Good:  "RUN apt-get update && apt-get install -y --no-install-recommends curl",
	Check: checkAptUpdateAlone,
})

func checkAptUpdateAlone(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if ins.Run == nil {
				continue
			}
			update, install := false, false
			for _, c := range ins.Run.Commands {
				n := path.Base(c.Name)
				if n != "apt-get" && n != "apt" {
					continue
				}
				switch first(c) {
				case "update":
					update = true
				case "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep":
					install = true
				}
			}
			if update && !install {
				out = append(out, in.at("LW104", ins, "`apt-get update` runs alone: its cached layer goes stale and later installs fail or install old versions. Run it in the same RUN as `apt-get install`.",
					Cost{Invalidates: "the install that follows uses package lists cached on the day the layer was built"}))
			}
		}
	}
	return out
}
