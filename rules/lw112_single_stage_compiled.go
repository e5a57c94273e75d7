package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// SingleStageCompiled is LW112.
var SingleStageCompiled = Register(&Rule{
	ID: "LW112", Name: "single-stage-compiled", Severity: Warning, Category: CatSize,
	Title: "A compiled service is built in the image it ships in",
	Cost:  "The image carries the compiler, the sources, the module cache and intermediate objects: often ten times the size of the artifact.",
	Description: `` + "`go build`" + `, ` + "`cargo build`" + `, ` + "`mvn package`" + `, ` + "`gradle build`" + ` and ` + "`dotnet publish`" + ` produce a self-contained
artifact. Run them in a build stage and copy the artifact alone into a runtime stage; keep the entrypoint, user,
workdir, environment and exposed ports. ` + "`layerwise fix`" + ` does this rewrite for Go when the runtime needs are certain:
one stage on a Debian-based golang image, one ` + "`go build -o`" + `, nothing after it but image config. The runtime stage
gets the golang image's CA certificates by a copy (Go reads the bundle itself) and re-runs only the OS package
installs the service needs at run time: build-only tools (git, compilers, make, pkg-config, ...) stay in the build
stage unless the Go sources sent in the context (vendored modules included; downloaded modules are not read),
CMD, ENTRYPOINT or HEALTHCHECK name the program; library ` + "`-dev`" + ` packages stay, since a cgo binary links what they
pull in. Review the runtime stage if the service runs tools through a dependency that is not vendored.`,
	Bad:           "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]",
	Good:          "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/api .\nFROM gcr.io/distroless/static\nCOPY --from=build /out/api /usr/local/bin/api\nCMD [\"api\"]",
	Check:         checkSingleStageCompiled,
	FixDockerfile: fixGoMultiStage,
	ImageEffects:  []ImageEffect{EffectRuntimeStage},
})

func checkSingleStageCompiled(in *Input) []Finding {
	final := in.finalStage()
	if final == nil || in.runsSDK(final) || in.devOrTestImage(final) {
		// (a CI image that runs the build and its tests, conductor's
		// docker/ci: its compiler is what it is for: review 16)
		return nil // a development image runs the SDK itself
	}
	for _, ins := range in.lineageInstructions(final) {
		for _, inst := range runInstalls(ins) {
			if !inst.Compile || inst.Tool.System {
				continue
			}
			_, w := sdkOf(in.rootBase(final).Base)
			if w == 0 {
				w = 300e6
			}
			msg := fmt.Sprintf("`%s` compiles in the stage that becomes the image: the compiler, sources and caches ship with it (~%s). Build in a separate stage and copy only the artifact.", inst, mb(w))
			return []Finding{in.at(ins, msg, Cost{ImageBytes: w, Seconds: bytesSeconds(0, w), Basis: "static"})}
		}
	}
	return nil
}

// fixGoMultiStage splits a single-stage Go build into a build stage (the
// original, unchanged) and a runtime stage that holds only what the
// original image held at run time besides the toolchain: the OS packages
// its RUNs installed that a run needs (see runtimePackages), the CA
// certificates, the working directory, the binary, and the image config (ENV, LABEL, EXPOSE, USER, WORKDIR, CMD,
// ENTRYPOINT, HEALTHCHECK, ...). It is offered only when that is certain:
// one stage on a Debian-based golang image, one `go build -o`, and nothing
// after it but image config.
func fixGoMultiStage(in *Input, f Finding) (*Fix, string) {
	m := in.File
	if len(m.Stages) == 0 {
		return nil, "no stage"
	}
	// the image's base is read before the stage count: after LW119 split
	// the image into stages, a refusal for its base (Alpine's) is the one
	// the first pass gave, not a second note
	s := m.Stages[len(m.Stages)-1]
	for seen := 0; s.BaseStage >= 0 && seen < len(m.Stages); seen++ {
		s = m.Stages[s.BaseStage]
	}
	n, ok := imageRef(s.Base)
	// golang, or a mirror of it (registry.example.com/library/golang)
	if !ok || path.Base(n.Name()) != "golang" {
		return nil, "only Go services on the golang image are rewritten to multi-stage for now"
	}
	runtime := ""
	if in.Config != nil {
		runtime = in.Config.Fix.GoRuntimeImage
	}
	if runtime == "" {
		switch {
		case strings.Contains(s.Base, "bookworm"):
			runtime = "debian:bookworm-slim"
		case strings.Contains(s.Base, "bullseye"):
			runtime = "debian:bullseye-slim"
		case strings.Contains(s.Base, "alpine"):
			return nil, "the golang image is Alpine's, and the runtime stage this rewrite writes is Debian's: set fix.go-runtime-image in .layerwise.yaml to the Alpine release the build uses (alpine:3.20)"
		default:
			return nil, "the golang tag does not say its Debian release (…-bookworm): set fix.go-runtime-image in .layerwise.yaml"
		}
	}
	if len(m.Stages) != 1 {
		return nil, "the multi-stage rewrite handles single-stage Dockerfiles only"
	}
	// the one compile, and its output
	ci, artifact := -1, ""
	for i, ins := range s.Instructions {
		for _, inst := range runInstalls(ins) {
			if inst.Tool != toolGo || !inst.Compile {
				continue
			}
			if first(inst.Cmd) != "build" || ci >= 0 {
				return nil, "more than one go command compiles, or one that is not go build"
			}
			out := flagValue(inst.Cmd, "-o")
			if out == "" || strings.ContainsAny(out, "$*") || strings.HasSuffix(out, "/") {
				return nil, "go build has no -o naming the binary"
			}
			if !path.IsAbs(out) {
				out = path.Join(ins.State.Workdir, out)
			}
			ci, artifact = i, path.Clean(out)
		}
	}
	if ci < 0 {
		return nil, "no go build found"
	}
	after := s.Instructions[ci+1:]
	for _, x := range after {
		switch x.Kind {
		case "ENV", "EXPOSE", "CMD", "ENTRYPOINT", "USER", "LABEL", "HEALTHCHECK", "STOPSIGNAL", "ARG", "VOLUME", "SHELL":
		default:
			return nil, fmt.Sprintf("%s (line %d) after the build may need the toolchain or the build's files", x.Kind, x.Range.Start.Line)
		}
	}
	for _, p := range []string{artifact, s.Instructions[ci].State.Workdir} {
		if strings.ContainsAny(p, " \t*?[]$\"'\\") {
			// the runtime stage names them in COPY lines (found by fuzzing)
			return nil, fmt.Sprintf("the path %q has blanks, quotes or wildcards a COPY would read otherwise", p)
		}
	}
	if !startsArtifact(after, artifact) {
		return nil, "CMD/ENTRYPOINT do not start the built binary " + artifact
	}
	// what the image held at run time, besides the toolchain
	pk := runtimePackages(in, s.Instructions[:ci], after)
	if noGlibc(runtime) {
		// the golang image's go build links against glibc unless cgo is
		// off: such a binary does not start on distroless/static, scratch
		// or Alpine ("no such file or directory")
		if !cgoOff(s.Instructions[ci]) {
			return nil, fmt.Sprintf("the runtime %s has no glibc, and the build does not set CGO_ENABLED=0: set it on the go build (if the service needs no cgo), or choose a glibc runtime in fix.go-runtime-image", runtime)
		}
		if len(pk.runs) > 0 && !strings.Contains(runtime, "alpine") {
			return nil, fmt.Sprintf("the runtime %s has no shell or package manager for the packages the service needs at run time", runtime)
		}
	}
	if in.Context == nil || in.Context.Walk == nil {
		// without the sources, no build tool can be left out: a runtime
		// stage that installs compilers is no fix (and LW111 would say so)
		for x := range pk.runs {
			if names, _ := toolchainIn(x); len(names) > 0 {
				return nil, fmt.Sprintf("the build context could not be read, so whether the service runs %s cannot be told", strings.Join(names, ", "))
			}
		}
	}
	comment := "# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain"
	if len(pk.dropped) > 0 {
		comment += " and build-only tools (" + strings.Join(pk.dropped, ", ") + ")"
	}
	var rt []string
	rt = append(rt, "", comment, fmt.Sprintf("%s %s", keywordAsWritten(m, s.From), runtime))
	kinds := []string{"FROM"}
	workdir := s.Instructions[ci].State.Workdir
	for _, x := range s.Instructions[:ci] {
		switch x.Kind {
		case "ENV", "LABEL", "EXPOSE", "USER", "ARG":
			rt = append(rt, linesOf(m, x)...)
			kinds = append(kinds, x.Kind)
		case "RUN":
			if lines, ok := pk.runs[x]; ok {
				rt = append(rt, lines...)
				kinds = append(kinds, "RUN")
			}
		}
	}
	// Go reads the CA bundle itself (crypto/x509): the golang image's
	// certificates replace the ca-certificates package and its apt run.
	rt = append(rt, "COPY --from=build /etc/ssl/certs /etc/ssl/certs", "COPY --from=build /usr/share/ca-certificates /usr/share/ca-certificates")
	kinds = append(kinds, "COPY", "COPY")
	if workdir != "/" {
		rt = append(rt, "WORKDIR "+workdir, fmt.Sprintf("COPY --from=build %s %s", workdir, workdir))
		kinds = append(kinds, "WORKDIR", "COPY")
	}
	rt = append(rt, fmt.Sprintf("COPY --from=build %s %s", artifact, artifact))
	kinds = append(kinds, "COPY")
	rt = append(rt, m.Lines[s.Instructions[ci].Range.End.Line:]...)
	for _, x := range after {
		kinds = append(kinds, x.Kind)
	}
	from := m.Lines[s.Range.Start.Line-1]
	if s.Name == "" {
		from += " AS build"
	} else {
		rt = replaceFromBuild(rt, s.Name)
	}
	reps := []Replacement{
		{StartLine: s.Range.Start.Line, EndLine: s.Range.Start.Line, Text: from + "\n", Kinds: []string{"FROM"}},
		{StartLine: s.Instructions[ci].Range.End.Line + 1, EndLine: len(m.Lines), Text: joinLines(rt), Kinds: kinds},
	}
	desc := fmt.Sprintf("build in a stage of its own; ship %s on %s", artifact, runtime)
	if len(pk.dropped) > 0 {
		desc += "; leave " + strings.Join(pk.dropped, ", ") + " in the build stage"
	}
	return &Fix{Description: desc, File: in.Dockerfile, Replacements: reps}, ""
}

// noGlibc: a runtime image without the GNU C library a cgo-linked Go
// binary needs.
func noGlibc(runtime string) bool {
	r := strings.ToLower(runtime)
	return r == "scratch" || strings.Contains(r, "distroless/static") || strings.Contains(r, "alpine") ||
		strings.Contains(r, "busybox:") && strings.Contains(r, "musl") || strings.Contains(r, "chainguard/static")
}

// cgoOff: the go build runs with CGO_ENABLED=0 (in its command's env or
// the build state's).
func cgoOff(ins *dockerfile.Instruction) bool {
	if v, ok := ins.State.Getenv("CGO_ENABLED"); ok && v == "0" {
		return true
	}
	for _, inst := range runInstalls(ins) {
		if inst.Tool == toolGo && inst.Compile {
			// its own assignment or an export before it (quoted or not)
			for _, e := range commandEnv(inst) {
				if k, v, _ := strings.Cut(e, "="); k == "CGO_ENABLED" && strings.Trim(v, `'"`) == "0" {
					return true
				}
			}
		}
	}
	return false
}

func flagValue(c dockerfile.Command, name string) string {
	for i, a := range c.Args {
		if a == name && i+1 < len(c.Args) {
			return c.Args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// startsArtifact: the last CMD or ENTRYPOINT runs the artifact, by path or
// by its name on the default PATH.
func startsArtifact(ins []*dockerfile.Instruction, artifact string) bool {
	onPath := map[string]bool{"/usr/local/sbin": true, "/usr/local/bin": true, "/usr/sbin": true, "/usr/bin": true, "/sbin": true, "/bin": true}
	var argv []string
	for _, x := range ins {
		switch c := x.Cmd.(type) {
		case *instructions.EntrypointCommand:
			argv = c.CmdLine
		case *instructions.CmdCommand:
			if argv == nil {
				argv = c.CmdLine
			}
		}
	}
	if len(argv) == 0 || len(strings.Fields(argv[0])) == 0 {
		return false // CMD [""] starts nothing (found by fuzzing)
	}
	bin := strings.Fields(argv[0])[0]
	return bin == artifact || (bin == path.Base(artifact) && onPath[path.Dir(artifact)])
}

// systemOnly: a RUN that only installs OS packages (or prepares apt).
func systemOnly(x *dockerfile.Instruction) bool {
	if x.Run == nil || len(x.Run.Commands) == 0 {
		return false
	}
	for _, c := range x.Run.Commands {
		switch path.Base(c.Name) {
		case "apt-get", "apt", "apk", "rm", "echo", "set":
		default:
			return false
		}
	}
	return true
}

func replaceFromBuild(lines []string, name string) []string {
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, "--from=build ", "--from="+name+" ")
	}
	return lines
}
