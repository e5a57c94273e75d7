package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// CompileUnderEmulation is LW115.
var CompileUnderEmulation = Register(&Rule{
	ID: "LW115", Name: "compile-under-emulation", Severity: Info, Category: CatSpeed,
	Title: "A build stage compiles on the target platform instead of cross-compiling",
	Cost:  "Built for another platform than the builder's (linux/arm64 on an amd64 machine), every RUN of the stage runs under emulation: a compile 5–20× slower; where no emulator is installed, no build at all, or (a base image of one platform only) a binary of the builder's architecture shipped in the other platform's image.",
	Description: `Reported when ` + "`.layerwise.yaml`" + ` declares more than one ` + "`platforms:`" + `. A stage whose output only reaches the image by
` + "`COPY --from`" + ` does not have to run on the platform the image is for. ` + "`FROM --platform=$BUILDPLATFORM`" + ` runs it natively on the builder, and the compiler produces code for the target:
Go with ` + "`GOOS=$TARGETOS GOARCH=$TARGETARCH`" + ` (cgo off, as Go turns it off when it cross-compiles), a JavaScript bundle as
it is (it has no platform). ` + "`layerwise fix --rule LW115`" + ` makes the rewrite (it changes nothing for a build of the
builder's own platform) when it is certain: the stage runs ` + "`go`" + ` or npm/yarn/pnpm and plain file commands only,
installs no OS packages (a cgo dependency would be built for the wrong platform), is not the image's base, and
for JavaScript no later stage copies its node_modules (native addons are per platform). ` + "`layerwise build --platform`" + `
then builds every platform natively.`,
	Bad:           "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app",
	Good:          "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app",
	Check:         checkCompileUnderEmulation,
	FixDockerfile: fixCrossCompile,
	// it changes where a stage runs: applied when asked for, best with
	// --verify (and useful only for builds of several platforms)
	FixOnRequest: true,
})

// crossStage is a build stage that compiles, and how.
type crossStage struct {
	stage  *dockerfile.Stage
	goCmds []goCmd // the go build/install commands (Go)
	js     bool    // a JavaScript build (npm/yarn/pnpm run build)
}

type goCmd struct {
	ins *dockerfile.Instruction
	cmd dockerfile.Command
}

// compileStages are the stages that compile without a --platform of their
// own: a build stage another copies from, or the image's own stages (those
// the fix leaves to LW112's split).
func (in *Input) compileStages() []crossStage {
	var out []crossStage
	for _, s := range in.File.Stages {
		if s.Platform != "" {
			continue
		}
		cs := crossStage{stage: s}
		for _, x := range s.Instructions {
			if x.Run == nil {
				continue
			}
			for _, c := range x.Run.Commands {
				name := path.Base(c.Name)
				pos := c.Positional()
				switch {
				case name == "go" && len(pos) > 0 && (pos[0] == "build" || pos[0] == "install"):
					cs.goCmds = append(cs.goCmds, goCmd{x, c})
				case (name == "npm" || name == "yarn" || name == "pnpm") && runsBuild(c):
					cs.js = true
				}
			}
		}
		if len(cs.goCmds) > 0 || cs.js {
			out = append(out, cs)
		}
	}
	return out
}

func checkCompileUnderEmulation(in *Input) []Finding {
	// only a build for another platform than the builder's emulates
	if in.Config == nil || len(in.Config.Platforms) < 2 {
		return nil
	}
	var out []Finding
	for _, cs := range in.compileStages() {
		what := "compiles Go"
		if len(cs.goCmds) == 0 {
			what = "builds a JavaScript bundle"
		}
		msg := fmt.Sprintf("stage %s %s on the platform of the image: built for another platform, it runs under emulation. `FROM --platform=$BUILDPLATFORM` runs it natively and cross-compiles.", cs.stage.Label(), what)
		out = append(out, in.atStage(cs.stage, msg, Cost{Invalidates: "nothing: a build for another platform runs the stage 5-20x slower under emulation"}))
	}
	return out
}

// crossSafe are the commands a stage moved to the build platform may run
// besides the compile: file plumbing, whose result has no platform.
var crossSafe = map[string]bool{"cp": true, "mv": true, "mkdir": true, "rm": true, "chmod": true, "ln": true, "touch": true, "cat": true,
	"echo": true, "printf": true, "true": true, "cd": true, "set": true, "test": true, "[": true, "ls": true, "git": true, "sed": true, "tar": true}

func fixCrossCompile(in *Input, f Finding) (*Fix, string) {
	var cs *crossStage
	for _, c := range in.compileStages() {
		if c.stage.Range.Start.Line == f.Range.Start.Line {
			cs = &c
			break
		}
	}
	if cs == nil {
		return nil, "the stage no longer compiles"
	}
	s := cs.stage
	if s.BaseStage >= 0 {
		return nil, fmt.Sprintf("stage %s builds FROM another stage: move that one to $BUILDPLATFORM by hand", s.Label())
	}
	for _, l := range in.lineage(in.finalStage()) {
		if l == s {
			return nil, fmt.Sprintf("the image is built FROM stage %s: it must keep the target platform", s.Label())
		}
	}
	for _, o := range in.File.Stages {
		if o.BaseStage == s.Index {
			return nil, fmt.Sprintf("stage %s builds FROM stage %s and would move to the build platform too", o.Label(), s.Label())
		}
	}
	if cs.js && len(cs.goCmds) > 0 {
		return nil, "the stage builds both Go and JavaScript"
	}
	// every RUN of the stage: the compile, its package manager, file plumbing
	for _, x := range s.Instructions {
		if x.Run == nil {
			continue
		}
		if len(x.Run.Exec) > 0 || len(x.Run.Commands) == 0 && x.Run.Script != "" {
			return nil, fmt.Sprintf("the RUN on line %d is not shell layerwise can read", x.Range.Start.Line)
		}
		for _, c := range x.Run.Commands {
			name := path.Base(c.Name)
			switch {
			case crossSafe[name]:
			case name == "go" && len(cs.goCmds) > 0:
				for _, e := range c.Env {
					if strings.HasPrefix(e, "CGO_ENABLED=1") {
						return nil, fmt.Sprintf("line %d builds with cgo: cross-compiling needs a C cross-compiler", x.Range.Start.Line)
					}
					if strings.HasPrefix(e, "GOOS=") || strings.HasPrefix(e, "GOARCH=") {
						return nil, fmt.Sprintf("line %d sets GOOS/GOARCH itself", x.Range.Start.Line)
					}
				}
			case (name == "npm" || name == "yarn" || name == "pnpm") && cs.js:
			default:
				return nil, fmt.Sprintf("the RUN on line %d runs `%s`, whose output may be for the platform it runs on", x.Range.Start.Line, shortCmd(c))
			}
		}
	}
	for _, x := range s.Instructions {
		if e, ok := x.Cmd.(*instructions.EnvCommand); ok {
			for _, kv := range e.Env {
				if kv.Key == "CGO_ENABLED" && kv.Value != "0" || kv.Key == "GOOS" || kv.Key == "GOARCH" {
					return nil, fmt.Sprintf("line %d sets %s for the whole stage", x.Range.Start.Line, kv.Key)
				}
			}
		}
	}
	if len(cs.goCmds) > 0 && in.usesCgo() {
		return nil, "a Go file of the context imports \"C\": cross-compiling needs a C cross-compiler"
	}
	if cs.js {
		for _, o := range in.File.Stages {
			for _, x := range o.Instructions {
				if x.Copy == nil || x.Copy.FromStage != s.Index {
					continue
				}
				for _, src := range x.Copy.SourcesExpanded {
					clean := path.Clean("/" + src)
					if clean == "/" || strings.Contains(clean, "node_modules") || !strings.Contains(path.Base(clean), ".") && !strings.Contains(clean, "dist") && !strings.Contains(clean, "build") && !strings.Contains(clean, "out") {
						return nil, fmt.Sprintf("line %d copies %s from the stage: node_modules' native addons are built for the platform they are installed on", x.Range.Start.Line, src)
					}
				}
			}
		}
	}

	var reps []Replacement
	// FROM --platform=$BUILDPLATFORM
	from := linesOf(in.File, s.From)
	kw := s.From.Range.Start.Col - 1
	if kw+4 > len(from[0]) || !strings.EqualFold(from[0][kw:kw+4], "FROM") {
		return nil, "the FROM line is not written as layerwise can edit it"
	}
	from[0] = from[0][:kw+4] + " --platform=$BUILDPLATFORM" + from[0][kw+4:]
	text := joinLines(from)
	// the target's OS and architecture, declared in the stage
	var need []string
	for _, a := range []string{"TARGETOS", "TARGETARCH"} {
		if len(cs.goCmds) > 0 && !in.stageDeclaresArg(s, a) {
			need = append(need, a)
		}
	}
	kinds := []string{"FROM"}
	if len(need) > 0 {
		text += "ARG " + strings.Join(need, " ") + "\n"
		kinds = append(kinds, "ARG")
	}
	reps = append(reps, Replacement{StartLine: s.From.Range.Start.Line, EndLine: s.From.Range.End.Line, Text: text, Kinds: kinds})
	// GOOS/GOARCH in front of every go build and go install
	done := map[*dockerfile.Instruction]bool{}
	for _, g := range cs.goCmds {
		if done[g.ins] {
			continue
		}
		done[g.ins] = true
		lines := linesOf(in.File, g.ins)
		for _, o := range cs.goCmds {
			if o.ins != g.ins {
				continue
			}
			if o.cmd.Heredoc != "" {
				return nil, fmt.Sprintf("line %d runs go from a heredoc", g.ins.Range.Start.Line)
			}
			re := commandText(o.cmd)
			hit := -1
			for i, l := range lines {
				if m := re.FindAllStringSubmatchIndex(l, -1); len(m) == 1 {
					if hit >= 0 {
						return nil, fmt.Sprintf("line %d runs the same go command twice", g.ins.Range.Start.Line)
					}
					hit = i
					lines[i] = l[:m[0][2]] + "GOOS=$TARGETOS GOARCH=$TARGETARCH " + l[m[0][2]:]
				} else if len(m) > 1 {
					return nil, fmt.Sprintf("line %d runs the same go command twice", g.ins.Range.Start.Line)
				}
			}
			if hit < 0 {
				return nil, fmt.Sprintf("the go command of line %d is not written on one line", g.ins.Range.Start.Line)
			}
		}
		reps = append(reps, Replacement{StartLine: g.ins.Range.Start.Line, EndLine: g.ins.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}})
	}
	return &Fix{Description: fmt.Sprintf("run stage %s on the build platform and cross-compile", s.Label()), File: in.Dockerfile, Replacements: reps}, ""
}

// stageDeclaresArg: an ARG of that name in the stage.
func (in *Input) stageDeclaresArg(s *dockerfile.Stage, name string) bool {
	for _, x := range s.Instructions {
		if a, ok := x.Cmd.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				if kv.Key == name {
					return true
				}
			}
		}
	}
	return false
}

var importC = regexp.MustCompile(`(?m)^\s*import\s+(?:\(\s*(?:[^)]*\n)*?\s*)?"C"`)

// usesCgo reads the context's Go files (the first 2,000) for `import "C"`;
// without a context it cannot tell, and says yes.
func (in *Input) usesCgo() bool {
	if in.Context == nil || in.Context.Walk == nil {
		return true
	}
	n := 0
	for _, e := range in.Context.Entries {
		if !strings.HasSuffix(e.Path, ".go") {
			continue
		}
		if n++; n > 2000 {
			return true
		}
		data, err := in.readContextFile(e.Path)
		if err != nil {
			return true
		}
		if strings.Contains(string(data), `"C"`) && importC.Match(data) {
			return true
		}
	}
	return false
}
