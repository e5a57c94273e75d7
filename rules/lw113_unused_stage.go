package rules

import "fmt"

// UnusedStage is LW113.
var UnusedStage = Register(&Rule{
	ID: "LW113", Name: "unused-stage", Severity: Info, Category: CatSpeed,
	Title: "A stage is never used by the image that is built",
	Cost:  "With BuildKit it costs nothing at build time (unreachable stages are skipped), but the legacy builder builds every stage, and a dead stage misleads readers and reviewers.",
	Description: `A stage that the built target neither builds FROM, COPYs from nor mounts is dead code. BuildKit
skips it, the legacy builder (` + "`DOCKER_BUILDKIT=0`" + `) builds it anyway. Remove it, or build it explicitly with
` + "`--target`" + ` if it is a separate image (a test or lint stage).`,
	Bad:                  "FROM golang:1.22 AS lint\nRUN golangci-lint run\nFROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app",
	Good:                 "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app",
	Check:                checkUnusedStage,
	AboutUnreachedStages: true,
})

func checkUnusedStage(in *Input) []Finding {
	final := in.finalStage()
	if final == nil {
		return nil
	}
	reach := in.builtStages()
	var out []Finding
	for _, s := range in.File.Stages {
		if reach[s.Index] || s.Index > final.Index && in.Target != "" {
			continue
		}
		out = append(out, in.atStage(s, fmt.Sprintf("stage %s is not used by the built stage %s: remove it, or build it with --target if it is an image of its own.", s.Label(), final.Label()), Cost{}))
	}
	return out
}
