package rules

import (
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// sdkImages are base images that carry a compiler or SDK, with a rough size
// of what a runtime does not need (used for the image-bytes estimate).
var sdkImages = map[string]int64{
	// (a Java image's is its JDK-only part: the JRE that `java -jar`
	// needs stays in a runtime — review 21 took 450 MB for the whole JDK)
	"golang": 800e6, "rust": 1500e6, "maven": 250e6, "gradle": 450e6, "openjdk": 150e6,
	"eclipse-temurin": 150e6, "amazoncorretto": 150e6, "gcc": 1200e6, "buildpack-deps": 800e6,
	"mcr.microsoft.com/dotnet/sdk": 800e6, "swift": 1500e6, "haskell": 2000e6, "elixir": 600e6,
}

// sdkAlpine are the weights of the SDK images' Alpine variants.
var sdkAlpine = map[string]int64{"golang": 330e6, "rust": 900e6}

// sdkOf returns the SDK image family of a base image and its weight.
func sdkOf(base string) (string, int64) {
	n, ok := imageRef(base)
	if !ok {
		return "", 0
	}
	name := strings.TrimPrefix(n.Name(), "docker.io/library/")
	tag := ""
	if i := strings.LastIndex(base, ":"); i > strings.LastIndex(base, "/") {
		tag = base[i+1:]
	}
	if w, ok := sdkImages[name]; ok {
		// JRE tags of the Java images are runtimes, not SDKs
		if strings.Contains(tag, "jre") {
			return "", 0
		}
		if a, ok := sdkAlpine[name]; ok && strings.Contains(tag, "alpine") {
			w = a // review 29: golang's alpine image is ~330 MB, not 800
		}
		return name, w
	}
	return "", 0
}

// toolchainPackages are OS packages that are compilers or build tools.
var toolchainPackages = map[string]int64{
	"build-essential": 250e6, "gcc": 100e6, "g++": 120e6, "make": 2e6, "cmake": 40e6, "clang": 300e6,
	"golang-go": 400e6, "golang": 400e6, "rustc": 300e6, "cargo": 100e6, "default-jdk": 300e6,
	"maven": 50e6, "gradle": 150e6, "autoconf": 5e6, "automake": 5e6, "libtool": 5e6, "pkg-config": 1e6,
	"python3-dev": 50e6, "musl-dev": 5e6, "build-base": 200e6, "go": 400e6, "nodejs-dev": 10e6,
}

// toolchainIn lists the toolchain packages a RUN installs, and their weight.
func toolchainIn(ins *dockerfile.Instruction) ([]string, int64) {
	var names []string
	var w int64
	removed := removedInRun(ins)
	for _, inst := range runInstalls(ins) {
		if !inst.Tool.System || removed["*"] {
			continue
		}
		if v := flagValue(inst.Cmd, "--virtual") + flagValue(inst.Cmd, "-t"); v != "" && removed[v] {
			continue // apk add --virtual .build-deps ... && apk del .build-deps
		}
		for _, p := range inst.Cmd.Positional()[1:] {
			p = strings.SplitN(p, "=", 2)[0]
			if removed[p] {
				continue
			}
			if sz, ok := toolchainPackages[p]; ok {
				names = append(names, p)
				w += sz
			} else if strings.HasPrefix(p, "openjdk-") && strings.HasSuffix(p, "-jdk") {
				names = append(names, p)
				w += 300e6
			}
		}
	}
	return names, w
}

// removedInRun are the packages a RUN removes again (apk del, apt-get
// purge/remove): what it installs and removes never reaches its layer.
// "*" stands for all: the official images' pattern of marking everything
// automatic (apt-mark auto) and purging with --auto-remove, which keeps
// only what the runtime was re-marked manual for.
func removedInRun(ins *dockerfile.Instruction) map[string]bool {
	out := map[string]bool{}
	if ins.Run == nil {
		return out
	}
	markAuto := false
	for _, c := range ins.Run.Commands {
		name := path.Base(c.Name)
		pos := c.Positional()
		switch {
		case name == "apt-mark" && len(pos) > 0 && pos[0] == "auto":
			markAuto = true
		case (name == "apt-get" || name == "apt") && len(pos) > 0 && (pos[0] == "purge" || pos[0] == "remove" || pos[0] == "autoremove"):
			if markAuto && c.HasArg("--auto-remove", "--autoremove") || markAuto && pos[0] == "autoremove" {
				out["*"] = true
			}
			for _, p := range pos[1:] {
				out[p] = true
			}
		case name == "apk" && len(pos) > 0 && pos[0] == "del":
			for _, p := range pos[1:] {
				out[p] = true
			}
		}
	}
	return out
}

// toolchainImage: the image is a toolchain itself (the official rust or
// golang image, an SDK variant): it sets the toolchain's own variables,
// or builds on an SDK and copies nothing in (no application, no
// artifact). Its compilers are its purpose, not leftovers.
func (in *Input) toolchainImage(final *dockerfile.Stage) bool {
	copies := false
	for _, x := range in.lineageInstructions(final) {
		if c, ok := x.Cmd.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				switch k := strings.ToUpper(kv.Key); {
				case k == "RUSTUP_HOME", k == "RUST_VERSION", k == "GOLANG_VERSION", k == "GOROOT", strings.HasSuffix(k, "_SDK_VERSION"):
					return true
				}
			}
		}
		if x.Copy != nil {
			copies = true // an application (or its artifact) comes in
		}
	}
	sdk, _ := sdkOf(in.rootBase(final).Base)
	return sdk != "" && !copies
}

// devDepsInstall reports whether an install brings development
// dependencies into the stage.
func devDepsInstall(inst *Install, st *dockerfile.State) bool {
	if !inst.FromManifest {
		return false
	}
	c := inst.Cmd
	switch inst.Tool {
	case toolNpm:
		if env(st, "NODE_ENV", "") == "production" {
			return false
		}
		return !c.HasArg("--omit=dev") && !c.HasArg("--production") && !c.HasArg("--only=production") && !c.HasArg("--only=prod")
	case toolYarn:
		if env(st, "NODE_ENV", "") == "production" {
			return false
		}
		return !c.HasArg("--production") && !c.HasArg("--prod")
	case toolPnpm:
		return !c.HasArg("--prod") && !c.HasArg("-P") && env(st, "NODE_ENV", "") != "production"
	case toolPoetry:
		return !c.HasArg("--only") && !c.HasArg("--without") && !c.HasArg("--no-dev") && !hasArgPrefix(c, "--only=") && !hasArgPrefix(c, "--without=")
	case toolPip:
		for _, a := range c.Args {
			if strings.Contains(path.Base(a), "dev") && strings.HasSuffix(a, ".txt") {
				return true
			}
		}
	case toolBundler:
		return env(st, "BUNDLE_WITHOUT", "") == "" && !hasArgPrefix(c, "--without")
	}
	return false
}

func hasArgPrefix(c dockerfile.Command, p string) bool {
	for _, a := range c.Args {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	return false
}

// lineageInstructions returns the instructions of a stage's lineage, base
// stages first.
func (in *Input) lineageInstructions(s *dockerfile.Stage) []*dockerfile.Instruction {
	l := in.lineage(s)
	var out []*dockerfile.Instruction
	for i := len(l) - 1; i >= 0; i-- {
		out = append(out, l[i].Instructions...)
	}
	return out
}

// rootBase is the external image a stage's lineage starts from.
func (in *Input) rootBase(s *dockerfile.Stage) *dockerfile.Stage {
	l := in.lineage(s)
	return l[len(l)-1]
}

// sdkPrograms are toolchains whose image runs them as its command: the
// image is the toolchain (a protoc generator, a Go or Rust toolbox).
var sdkPrograms = map[string]bool{
	"go": true, "gofmt": true, "cargo": true, "rustc": true, "protoc": true, "buf": true, "make": true,
	"cmake": true, "gcc": true, "g++": true, "cc": true, "clang": true, "mvn": true, "gradle": true,
	"golangci-lint": true, "tsc": true, "javac": true,
}

// runsSDK reports whether the stage's command runs the toolchain itself
// (`dotnet run`, `dotnet watch`, `go run`, `npm run dev`, `cargo run`,
// `mvn spring-boot:run`, `gradle bootRun`, nodemon, air): a development
// image that needs its SDK at run time, where a multi-stage split or a
// slim runtime would break it.
func (in *Input) runsSDK(s *dockerfile.Stage) bool {
	// the command the container runs: ENTRYPOINT followed by CMD (an
	// ENTRYPOINT resets the CMD before it)
	var entry, cmd []string
	for _, x := range in.lineageInstructions(s) {
		switch c := x.Cmd.(type) {
		case *instructions.EntrypointCommand:
			entry, cmd = append([]string(nil), c.CmdLine...), nil
		case *instructions.CmdCommand:
			cmd = append([]string(nil), c.CmdLine...)
		}
	}
	words := strings.Fields(strings.Join(append(entry, cmd...), " "))
	// a tool image (`docker run img protoc ...`, a code generator, a
	// linter): the program it runs is the toolchain itself
	for i, w := range words {
		if w == "sh" || w == "bash" || w == "-c" || w == "-ec" || w == "exec" || strings.Contains(w, "=") && i == 0 {
			continue
		}
		if sdkPrograms[path.Base(w)] {
			return true
		}
		break
	}
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	for i, w := range words {
		switch path.Base(w) {
		case "dotnet":
			if has("run") || has("watch") {
				return true
			}
		case "go", "cargo":
			if i+1 < len(words) && words[i+1] == "run" {
				return true
			}
		case "npm", "yarn", "pnpm":
			if has("dev") || has("start:dev") || has("watch") || has("serve") {
				return true
			}
		case "mvn", "mvnw", "./mvnw":
			if has("spring-boot:run") || has("quarkus:dev") {
				return true
			}
		case "gradle", "gradlew", "./gradlew":
			if has("bootRun") || has("run") || has("quarkusDev") {
				return true
			}
		case "nodemon", "air", "ts-node-dev", "tsx", "reflex", "flask", "CompileDaemon", "compiledaemon", "gow", "realize":
			// file watchers that rebuild in the container (Go-CQRS's
			// `ENTRYPOINT CompileDaemon --build="go build …"`: review 26)
			return true
		case "mix", "iex":
			// `mix run --no-halt`, `mix phx.server`, `iex -S mix`: no
			// release to copy out, the runtime is Mix (review 21)
			return true
		}
	}
	return false
}
