package rules

import (
	"fmt"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// SyntaxDirective is LW140.
var SyntaxDirective = Register(&Rule{
	ID: "LW140", Name: "syntax-directive", Severity: Warning, Category: CatCorrectness,
	Title: "The # syntax= directive does not fit how the project builds",
	Cost:  "With no registry access, a # syntax= directive fails the build before its first step; without one, a feature newer than the builder's built-in frontend fails it too.",
	Description: `` + "`# syntax=docker/dockerfile:1`" + ` makes BuildKit pull the Dockerfile frontend image from a registry before
building. A project that declares ` + "`offline: true`" + ` in ` + "`.layerwise.yaml`" + ` (air-gapped builders, no registry mirror)
cannot pull it: drop the directive — BuildKit's built-in frontend already understands cache mounts. Conversely,
heredocs, ` + "`COPY --link`" + `, ` + "`COPY --exclude`" + `, ` + "`COPY --parents`" + `, ` + "`ADD --checksum`" + ` and ` + "`ADD`" + ` of git repositories need a
newer frontend than the one built into older engines (Docker Engine 20.10 ships dockerfile 1.2-era parsing): declare
` + "`# syntax=docker/dockerfile:1`" + ` or build with a recent BuildKit.`,
	Bad:           "# syntax=docker/dockerfile:1   (with offline: true)",
	Good:          "(no directive; RUN --mount=type=cache works with the built-in frontend)",
	Check:         checkSyntaxDirective,
	FixDockerfile: fixSyntaxDirective,
})

func checkSyntaxDirective(in *Input) []Finding {
	if in.officialImageSource() {
		// the official images' builds (bashbrew) pass a pinned frontend
		// themselves (BUILDKIT_SYNTAX): their sources carry no directive
		return nil
	}
	var syntax string
	line := 0
	for _, d := range in.File.Directives {
		if d.Name == "syntax" {
			syntax, line = d.Value, d.Line
		}
	}
	offline := in.Config != nil && in.Config.Offline
	if syntax != "" && offline {
		f := Finding{Severity: Error, Image: in.Image, File: in.Dockerfile,
			Message: fmt.Sprintf("`# syntax=%s` makes BuildKit pull a frontend image, but the project is offline (offline: true): the build fails before its first step. Remove the directive.", syntax)}
		f.Range.Start.Line, f.Range.Start.Col = line, 1
		f.Range.End.Line, f.Range.End.Col = line, len(in.File.Lines[line-1])
		return []Finding{f}
	}
	if syntax != "" {
		return nil
	}
	var out []Finding
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if feat := newFrontendFeature(ins); feat != "" {
				advice := "add `# syntax=docker/dockerfile:1` as the first line, or build only with BuildKit ≥ 0.13"
				if offline {
					advice = "the project is offline, so a # syntax= directive cannot help: build only with BuildKit ≥ 0.13 (Docker Engine ≥ 25)"
				}
				out = append(out, in.at(ins, fmt.Sprintf("%s needs a newer Dockerfile frontend than older engines build in: %s.", feat, advice), Cost{}))
				return out // one finding per file says it
			}
		}
	}
	return out
}

func newFrontendFeature(ins *dockerfile.Instruction) string {
	switch c := ins.Cmd.(type) {
	case *instructions.RunCommand:
		if len(ins.Run.Heredocs) > 0 {
			return "RUN with a heredoc"
		}
	case *instructions.CopyCommand:
		switch {
		case len(ins.Copy.Heredocs) > 0:
			return "COPY with a heredoc"
		case c.Link:
			return "COPY --link"
		case len(c.ExcludePatterns) > 0:
			return "COPY --exclude"
		case c.Parents:
			return "COPY --parents"
		}
	case *instructions.AddCommand:
		switch {
		case c.Checksum != "":
			return "ADD --checksum"
		case c.Link:
			return "ADD --link"
		case len(c.ExcludePatterns) > 0:
			return "ADD --exclude"
		case len(ins.Copy.GitRefs) > 0:
			return "ADD of a git repository"
		}
	}
	return ""
}

// fixSyntaxDirective removes a # syntax= directive from an offline
// project's Dockerfile (BuildKit's built-in frontend then parses it). The
// other direction — adding a directive — is never done offline, and
// layerwise's own rewrites use only what the built-in frontend knows.
func fixSyntaxDirective(in *Input, f Finding) (*Fix, string) {
	if in.Config == nil || !in.Config.Offline || f.Severity != Error {
		return nil, "a feature needs a newer frontend: declare # syntax= or build with a newer BuildKit (not changed automatically)"
	}
	l := f.Range.Start.Line
	return &Fix{Description: "remove the # syntax= directive (offline builds cannot pull the frontend)", File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: l, EndLine: l, Text: "", Kinds: nil}}}, ""
}
