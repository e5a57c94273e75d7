package rules

import (
	"fmt"
	"strings"
)

// RunsChangeTogether is LW130.
var RunsChangeTogether = Register(&Rule{
	ID: "LW130", Name: "runs-change-together", Severity: Info, Category: CatSpeed,
	Title: "Consecutive RUN instructions always rebuild together",
	Cost:  "Each RUN is a layer to snapshot, store, push and pull; adjacent ones are invalidated together anyway, so splitting them buys no cache reuse.",
	Description: `When RUN instructions follow each other with nothing in between, any change that invalidates the
first invalidates the rest: they are one unit for the cache. Each still costs a layer snapshot and
an extra layer to transfer. Join them with ` + "`&&`" + ` (or a heredoc) unless a separate layer is wanted on purpose
(a large, rarely changing download followed by a small, often changing step: there the split pays when
only the second one's text changes).`,
	Bad:   "RUN apt-get update && apt-get install -y curl\nRUN curl -fsSL https://example.com/x.sh | sh\nRUN useradd app",
	Good:  "RUN apt-get update && apt-get install -y curl \\\n && curl -fsSL https://example.com/x.sh | sh \\\n && useradd app",
	Check: checkRunsTogether,
})

func checkRunsTogether(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		run := 0
		flush := func(end int) {
			if run >= 3 {
				first := s.Instructions[end-run]
				var lines []string
				for _, x := range s.Instructions[end-run : end] {
					lines = append(lines, fmt.Sprint(x.Range.Start.Line))
				}
				f := in.at(first, fmt.Sprintf("%d consecutive RUN instructions (lines %s) always rebuild together: join them to save %d layers.", run, strings.Join(lines, ", "), run-1), Cost{})
				f.Range.End = s.Instructions[end-1].Range.End
				out = append(out, f)
			}
			run = 0
		}
		for i, ins := range s.Instructions {
			// RUNs with mounts (caches, secrets) are usually split on purpose
			if ins.Kind == "RUN" && ins.Run != nil && len(ins.Run.Mounts) == 0 {
				run++
				continue
			}
			flush(i)
		}
		flush(len(s.Instructions))
	}
	return out
}
