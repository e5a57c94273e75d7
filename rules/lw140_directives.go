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
heredocs and ` + "`COPY --link`" + ` need frontend 1.4 (built into Docker Engine 23 and later), ` + "`ADD --checksum`" + ` and ` + "`ADD`" + ` of
git repositories 1.6 (Engine 25), ` + "`COPY --exclude`" + ` 1.19 and ` + "`COPY --parents`" + ` 1.20 (Engine 29) — Docker Engine 20.10,
which Debian 12 still ships as docker.io, builds in a 1.2-era frontend: declare ` + "`# syntax=docker/dockerfile:1`" + ` or build
only on builders that recent. Every supported Docker Engine parses heredocs, ` + "`--link`" + ` and ` + "`ADD --checksum`" + `, so those
are reported as information; ` + "`--exclude`" + ` and ` + "`--parents`" + `, which most engines in use do not parse, as a warning.`,
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
	// one finding per file says it, for the feature that needs the
	// newest frontend (a heredoc must not hide a COPY --parents)
	var newest frontendFeature
	var at *dockerfile.Instruction
	for _, s := range in.File.Stages {
		for _, ins := range s.Instructions {
			if feat := newFrontendFeature(ins); feat.name != "" && feat.rank > newest.rank {
				newest, at = feat, ins
			}
		}
	}
	if at == nil {
		return nil
	}
	need := fmt.Sprintf("Dockerfile frontend %s (BuildKit %s, built into Docker Engine %s; Debian 12's docker.io 20.10 builds in an older one)", newest.frontend, newest.buildkit, newest.engine)
	advice := "add `# syntax=docker/dockerfile:1` as the first line, or build only on such builders"
	if offline {
		advice = "the project is offline, so a # syntax= directive cannot help: build only on such builders"
	}
	f := in.at(at, fmt.Sprintf("%s needs %s: %s.", newest.name, need, advice), Cost{})
	if newest.old {
		// a note, not a warning: every supported Docker Engine builds in
		// a frontend that parses it; only builders older than the feature
		// (Debian's 20.10 with BuildKit) fail
		f.Severity = Info
	}
	return []Finding{f}
}

// frontendFeature is a Dockerfile feature and the first stable frontend
// that parses it, with the BuildKit release that ships that frontend
// built in and the first Docker Engine that vendors that BuildKit
// (docs.docker.com's Dockerfile release notes).
type frontendFeature struct {
	name, frontend, buildkit, engine string
	// rank orders the features by the frontend they need; old says every
	// supported Docker Engine parses it (a note, not a warning)
	rank int
	old  bool
}

var (
	since14 = frontendFeature{frontend: "≥ 1.4", buildkit: "≥ 0.10", engine: "≥ 23.0", rank: 14, old: true}
	since16 = frontendFeature{frontend: "≥ 1.6", buildkit: "≥ 0.12", engine: "≥ 25.0", rank: 16, old: true}
	// --exclude and --parents left the labs channel late (1.19, 1.20)
	since119 = frontendFeature{frontend: "≥ 1.19", buildkit: "≥ 0.25", engine: "≥ 29.0", rank: 119}
	since120 = frontendFeature{frontend: "≥ 1.20", buildkit: "≥ 0.26", engine: "≥ 29.1", rank: 120}
)

func (f frontendFeature) named(name string) frontendFeature { f.name = name; return f }

func newFrontendFeature(ins *dockerfile.Instruction) frontendFeature {
	switch c := ins.Cmd.(type) {
	case *instructions.RunCommand:
		if len(ins.Run.Heredocs) > 0 {
			return since14.named("RUN with a heredoc")
		}
	case *instructions.CopyCommand:
		switch {
		case len(ins.Copy.Heredocs) > 0:
			return since14.named("COPY with a heredoc")
		case len(c.ExcludePatterns) > 0:
			return since119.named("COPY --exclude")
		case c.Parents:
			return since120.named("COPY --parents")
		case c.Link:
			return since14.named("COPY --link")
		}
	case *instructions.AddCommand:
		switch {
		case len(c.ExcludePatterns) > 0:
			return since119.named("ADD --exclude")
		case c.Checksum != "":
			return since16.named("ADD --checksum")
		case len(ins.Copy.GitRefs) > 0:
			return since16.named("ADD of a git repository")
		case c.Link:
			return since14.named("ADD --link")
		}
	}
	return frontendFeature{}
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
