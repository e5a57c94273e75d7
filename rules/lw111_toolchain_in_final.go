package rules

import (
	"fmt"
	"github.com/layerwise/layerwise/baseimage"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// ToolchainInFinalStage is LW111.
var ToolchainInFinalStage = Register(&Rule{
	ID: "LW111", Name: "toolchain-in-final-stage", Severity: Warning, Category: CatSize,
	Title: "Compilers, SDKs or development dependencies are left in the final image",
	Cost:  "Hundreds of MB that the running service never uses are pushed, pulled and scanned with every release.",
	Description: `The final stage of a multi-stage build should hold the artifact and its runtime only. A final stage
that starts from an SDK image (golang, rust, maven, gradle, a JDK, the .NET SDK), installs build tools
(build-essential, gcc, make, a JDK) or installs development dependencies (` + "`npm ci`" + ` without ` + "`--omit=dev`" + `,
` + "`poetry install`" + ` without ` + "`--only main`" + `) ships all of it. Build in an earlier stage and copy the output into a
slim runtime base. ` + "`layerwise fix --rule LW111`" + ` does this for npm, on request (it trades rebuild time for
size: each source change prunes again and ships the production dependencies in a new layer): a single stage on the node image that installs its
development dependencies becomes the build stage, with ` + "`npm prune --omit=dev`" + ` after its last step, and a
runtime stage on the same node image takes the application directory from it. It refuses where that is not
certain: a step that writes outside the application directory (other than OS package installs, which the runtime
stage repeats), a command the container runs from a development dependency (` + "`npm start`" + ` is read through
package.json's scripts), a service source file that imports a package only devDependencies declare, or a
package that downloads into the home directory when installed (puppeteer, playwright, cypress).`,
	Bad:           "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM golang:1.22\nCOPY --from=build /app /app",
	Good:          "FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app",
	Check:         checkToolchainInFinal,
	FixDockerfile: fixToolchainInFinal,
	// on request (--rule LW111, best with --verify): the runtime stage
	// makes the image smaller and its pulls faster, but every source
	// change prunes again and copies the application directory with its
	// production node_modules into a new layer — measured on the examples'
	// storefront, a warm source-change rebuild of 12.1 s instead of 5.7 s.
	// A default fix must not make rebuilds slower.
	FixOnRequest: true,
	ImageEffects: []ImageEffect{EffectDevDependenciesPruned},
})

func checkToolchainInFinal(in *Input) []Finding {
	final := in.finalStage()
	if final == nil || compilesInLineage(in) || in.runsSDK(final) || in.toolchainImage(final) || in.officialImageSource() || in.devOrTestImage(final) || in.Extended || in.toolchainKeptForRunTime(final) || in.MountsSources {
		// LW112 covers builds that compile in the final image; a dev image
		// needs its SDK, and so do a debug image, a dev container and a
		// packaging image (review 11: kratos's Dockerfile-debug, mealie's
		// .devcontainer, miniflux's packaging/debian); an official image's
		// source is a toolchain or a base others build FROM (golang's tip
		// installs gcc for cgo), and so is an image this repository's own
		// images start FROM (review 29: openreplay's recommendation base,
		// whose children compile with its gcc)
		return nil
	}
	var out []Finding
	root := in.rootBase(final)
	if sdk, w := sdkOf(root.Base); sdk != "" {
		out = append(out, in.atStage(final, fmt.Sprintf("the final image builds on %s, an SDK image (~%s the runtime does not need): copy the artifact into a runtime base instead.", root.Base, mb(w)),
			Cost{ImageBytes: w, Seconds: bytesSeconds(0, w), Basis: "static"}))
	}
	// a C compiler is there already: installed by an earlier RUN, in the
	// base image (python:3.11's buildpack-deps holds gcc and make: review
	// 25), or by the Dockerfile of a base this repository builds
	// (dependabot's updater-core)
	cSeen := baseimage.HasCToolchain(root.Base) || in.repoBaseInstallsC(root.Base)
	for _, ins := range in.lineageInstructions(final) {
		names, w := toolchainIn(ins)
		hasC := slices.ContainsFunc(names, func(n string) bool { return cToolchain[n] })
		if cSeen {
			// build-base after `make g++` adds a few MB: the compiler is
			// there already, and counted where it came (Flowise: review 15)
			names = slices.DeleteFunc(names, func(n string) bool {
				if cToolchain[n] {
					w -= toolchainPackages[n]
					return true
				}
				return false
			})
		}
		if !cSeen && hasC {
			// make, g++ and build-base together are one compiler: the
			// largest of them, not their sum (~322 MB said for ~200)
			var sum, top int64
			for _, n := range names {
				if cToolchain[n] {
					sum += toolchainPackages[n]
					top = max(top, toolchainPackages[n])
				}
			}
			w -= sum - top
		}
		cSeen = cSeen || hasC
		if len(names) > 0 {
			f := in.at(ins, fmt.Sprintf("the final image installs build tools (%s, ~%s): install them in a build stage and copy only the output.", strings.Join(names, ", "), mb(w)),
				Cost{ImageBytes: w, Seconds: bytesSeconds(0, w), Basis: "static"})
			if w < smallToolchain {
				// make alone (~2 MB), which an entrypoint may run at
				// every start (photoprism's `make -C /scripts https`:
				// review 23): not worth a warning either way
				f.Severity = Info
			}
			out = append(out, f)
		}
		for _, inst := range runInstalls(ins) {
			// a compose service runs the image's tests in it, which need
			// the development dependencies (review 29: garden's frontend)
			if devDepsInstall(inst, ins.State) && !in.noDevDependencies(ins, inst) && !in.runsDevDependency(final, ins) && !in.devOrTestImage(final) && !in.RunsTests {
				bytes := int64(100e6)
				if inst.Tool == toolBundler {
					// rubocop, rspec and the like: tens of MB, and the
					// same install often feeds a test target (postal's
					// `FROM base AS ci`: review 23)
					bytes = 20e6
				}
				advice := fmt.Sprintf("install production dependencies only (%s), or build in an earlier stage", productionOnly(inst.Tool))
				if later := buildsAfter(final, ins); later != nil {
					// the build after it needs them (empower's ./build.sh
					// runs react-app-rewired: review 24): --omit=dev alone
					// would break it
					advice = fmt.Sprintf("the build on line %d needs them, so run the install and the build in an earlier stage and copy only the output (and the production dependencies) into this one", later.Range.Start.Line)
				}
				f := in.at(ins, fmt.Sprintf("`%s` installs development dependencies into the final image: %s.", inst, advice),
					Cost{ImageBytes: bytes, Seconds: bytesSeconds(0, bytes), Basis: "static"})
				if inst.Tool == toolBundler {
					f.Severity = Info
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// compilesInLineage reports whether the final image's lineage compiles.
func compilesInLineage(in *Input) bool {
	final := in.finalStage()
	for _, ins := range in.lineageInstructions(final) {
		for _, inst := range runInstalls(ins) {
			if inst.Compile && !inst.Tool.System {
				return true
			}
		}
	}
	return false
}

// buildsAfter is a later RUN of the final stage that builds the project
// (a package script, a bundler through npx, a shell script of the
// context), which may need the development dependencies; nil if none.
func buildsAfter(final *dockerfile.Stage, ins *dockerfile.Instruction) *dockerfile.Instruction {
	after := false
	for _, x := range final.Instructions {
		if x == ins {
			after = true
			continue
		}
		if !after || x.Run == nil {
			continue
		}
		for _, c := range x.Run.Commands {
			n := path.Base(c.Name)
			switch {
			case n == "npx" || n == "bunx" || strings.HasSuffix(n, ".sh"):
				return x
			case n == "npm" || n == "yarn" || n == "pnpm" || n == "bun":
				if Classify(c) == nil && len(c.Positional()) > 0 {
					return x // a script, not an install
				}
			}
		}
	}
	return nil
}

// smallToolchain: build tools that weigh less than this in the final
// image are information, not a warning.
const smallToolchain = 10e6

// productionOnly is how the tool installs production dependencies alone.
func productionOnly(t *Tool) string {
	switch t {
	case toolYarn:
		return "`yarn install --production`, or `yarn workspaces focus --production` with yarn 2+"
	case toolPnpm:
		return "`pnpm install --prod`"
	case toolPoetry:
		return "`poetry install --only main`"
	case toolPip:
		return "the runtime requirements file, not the development one"
	case toolBundler:
		return "`ENV BUNDLE_WITHOUT=\"development test\"` before `bundle install`, and a test target that installs them"
	}
	return "`npm ci --omit=dev`"
}

func mb(b int64) string { return fmt.Sprintf("%d MB", b/1e6) }

// noDevDependencies: an npm/yarn/pnpm install whose package.json (the one
// the COPY lines put where it runs, else the context root's) and its
// workspaces' declare no devDependencies installs none.
func (in *Input) noDevDependencies(ins *dockerfile.Instruction, inst *Install) bool {
	if inst.Tool != toolNpm && inst.Tool != toolYarn && inst.Tool != toolPnpm {
		return false
	}
	// where the install runs: the WORKDIR, then the RUN's own `cd DIR`
	// before it (moorara's `cd server && yarn install` reads
	// server/package.json: review 23)
	wd := path.Clean(ins.State.Workdir)
	if ins.Run != nil {
		for _, c := range ins.Run.Commands {
			if c.Name == inst.Cmd.Name && slices.Equal(c.Args, inst.Cmd.Args) {
				break
			}
			if c.Name == "cd" {
				if len(c.Args) != 1 || !literalPath(c.Args[0]) {
					return false
				}
				if path.IsAbs(c.Args[0]) {
					wd = path.Clean(c.Args[0])
				} else {
					wd = path.Join(wd, c.Args[0])
				}
			}
		}
	}
	dir := ""
	if s := in.stageOf(ins); s != nil {
		if d, ok := in.nodeContextDir(s, wd); ok {
			dir = d
		} else if wd != path.Clean(ins.State.Workdir) {
			return true // a directory of its own, whose manifest is not known here: no claim
		}
	}
	if _, err := in.readPackageJSON(dir); err != nil {
		return false
	}
	deps, why := in.nodeDeps(dir)
	return why == "" && len(deps.dev) == 0
}

// runsDevDependency: the container's command (or HEALTHCHECK) runs a
// development dependency — a test image (`cypress run`, `npm test`) or a
// dev server: it needs them, and they are no finding.
func (in *Input) runsDevDependency(final *dockerfile.Stage, ins *dockerfile.Instruction) bool {
	s := in.stageOf(ins)
	if s == nil || len(final.Instructions) == 0 {
		return false
	}
	pkgDir, ok := in.nodeContextDir(s, path.Clean(ins.State.Workdir))
	if !ok {
		return false
	}
	deps, why := in.nodeDeps(pkgDir)
	if why != "" {
		return false
	}
	wd := final.Instructions[len(final.Instructions)-1].State.Workdir
	startDir, ok := in.nodeContextDir(final, wd)
	if !ok {
		startDir = pkgDir
	}
	return strings.Contains(in.startNeedsDev(final, wd, startDir, deps), "development dependency")
}

// devOrTestImage: an image made for development, debugging, packaging or
// tests, by its name, its Dockerfile's path (discourse_dev,
// .ci/Dockerfile.cypress, .devcontainer/Dockerfile, Dockerfile.test,
// Dockerfile-debug, packaging/debian/Dockerfile) or a test runner's base image
// (cypress/browsers): its development dependencies are what it is for.
func (in *Input) devOrTestImage(final *dockerfile.Stage) bool {
	words := strings.FieldsFunc(strings.ToLower(in.Image+" "+in.Dockerfile+" "+final.Name), func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	for _, w := range words {
		switch w {
		case "dev", "develop", "development", "devcontainer", "test", "tests", "testing", "e2e", "ci", "cypress", "playwright", "debug", "packaging",
			// an integration-test image (review 32: logto's
			// Dockerfile.integration) and a cross-compiler whose
			// ENTRYPOINT is the build (review 31: netbird's Dockerfile.cross)
			"integration", "cross",
			// a toolbox the Makefile runs its tools in (tempo's tools/
			// image: make and the Go SDK are what it is for: review 16)
			"tools", "toolbox", "toolchain":
			return true
		}
	}
	// a builder image, by its file's name: its toolchain is what other
	// builds use it for (uptime-kuma's docker/builder-go.dockerfile); a
	// stage or service called builder is not one
	if b := strings.ToLower(path.Base(in.Dockerfile)); strings.HasPrefix(b, "builder") || strings.HasPrefix(b, "dockerfile.builder") ||
		// a base image other Dockerfiles build on or copy from (outline's
		// Dockerfile.base, dockge's Base.Dockerfile: review 12)
		b == "dockerfile.base" || b == "base.dockerfile" || strings.HasSuffix(b, "-base.dockerfile") {
		return true
	}
	base := strings.ToLower(in.rootBase(final).Base)
	if strings.Contains(base, "cypress/") || strings.Contains(base, "playwright") || strings.Contains(base, "puppeteer") {
		return true
	}
	// the image says it runs for development (wild-workouts' web image:
	// ENV NODE_ENV development, its start script runs yarn install and
	// node-gyp needs python2, make and g++ then: review 14)
	if n := len(final.Instructions); n > 0 && final.Instructions[n-1].State != nil {
		st := final.Instructions[n-1].State
		for _, k := range []string{"NODE_ENV", "RAILS_ENV", "RACK_ENV", "APP_ENV", "FLASK_ENV", "MIX_ENV", "ASPNETCORE_ENVIRONMENT", "DJANGO_ENV", "ENVIRONMENT"} {
			if v, ok := st.ImageEnv(k); ok && devEnvValue[strings.ToLower(strings.TrimSpace(v))] {
				return true
			}
		}
	}
	return in.startScriptInstalls(final)
}

// repoBaseInstallsC: base names an image this repository builds
// (Input.RepoBases) whose final stage installs a C compiler.
func (in *Input) repoBaseInstallsC(base string) bool {
	f := in.RepoBases[base]
	if f == nil {
		return false
	}
	for s, seen := f.Final(""), 0; s != nil && seen <= len(f.Stages); seen++ {
		for _, x := range s.Instructions {
			names, _ := toolchainIn(x)
			if slices.ContainsFunc(names, func(n string) bool { return cToolchain[n] }) {
				return true
			}
		}
		if s.BaseStage < 0 || s.BaseStage >= len(f.Stages) {
			break
		}
		s = f.Stages[s.BaseStage]
	}
	return false
}

// cToolchain: the packages of the C and C++ compilers, which pull in each
// other (build-base is make, gcc, g++ and the libc headers).
var cToolchain = map[string]bool{
	"gcc": true, "g++": true, "make": true, "build-base": true, "build-essential": true, "clang": true,
	"musl-dev": true, "libc-dev": true, "libc6-dev": true, "cpp": true, "binutils": true,
}

// devEnvValue: an environment's name for development.
var devEnvValue = map[string]bool{"development": true, "dev": true, "develop": true, "local": true}

// startScriptInstalls: the image's command is a script from the context
// (CMD ["/start.sh"], copied by COPY/ADD start.sh /) that installs
// dependencies when the container starts (`yarn install`, `npm install`,
// `pip install`, `bundle install`): the toolchain is needed at run time.
func (in *Input) startScriptInstalls(final *dockerfile.Stage) bool {
	// the command the container runs: the ENTRYPOINT, else the last CMD
	rc := in.runCommand()
	if rc == nil || rc.stage != final {
		return false
	}
	var cmd []string
	switch c := rc.ins.Cmd.(type) {
	case *instructions.EntrypointCommand:
		cmd = c.CmdLine
	case *instructions.CmdCommand:
		cmd = c.CmdLine
	}
	if len(cmd) == 0 {
		return false
	}
	lineage := in.lineageInstructions(final)
	script := strings.Fields(cmd[0])
	if len(script) == 0 || !path.IsAbs(script[0]) {
		return false
	}
	for _, x := range lineage {
		if x.Copy == nil || !x.Copy.FromContext() {
			continue
		}
		srcs := x.Copy.ContextSources()
		for _, src := range srcs {
			dest := x.Copy.Dest
			if !path.IsAbs(dest) {
				dest = path.Join(x.State.Workdir, dest)
			}
			if strings.HasSuffix(x.Copy.Dest, "/") || len(srcs) > 1 {
				dest = path.Join(dest, path.Base(src))
			}
			if path.Clean(dest) != path.Clean(script[0]) {
				continue
			}
			data, err := in.readContextFile(src)
			if err != nil {
				return false
			}
			return startInstalls.Match(data)
		}
	}
	return false
}

// startInstalls: a script line that installs the app's dependencies.
var startInstalls = regexp.MustCompile(`(?m)^[^#\n]*\b(yarn(\s+install)?\s*($|&&|;)|yarn\s+install|npm\s+(install|ci|i)\b|pnpm\s+(install|i)\b|pip3?\s+install|bundle\s+install|composer\s+install|poetry\s+install)`)

// toolchainKeptForRunTime: the final stage sets its toolchain up for the
// container to use (`rustup component add rust-src`, a target or a
// toolchain installed: review 36, kellnr, a crate registry that builds
// docs at run time), or is a workstation whose tools are the product (a
// desktop, a VNC server: review 35, khoj's computer sandbox).
func (in *Input) toolchainKeptForRunTime(final *dockerfile.Stage) bool {
	for _, x := range final.Instructions {
		if x.Run == nil {
			continue
		}
		for _, c := range x.Run.Commands {
			p := c.Positional()
			if path.Base(c.Name) == "rustup" && len(p) >= 2 && (p[0] == "component" || p[0] == "target" || p[0] == "toolchain") && (p[1] == "add" || p[1] == "install") {
				return true
			}
		}
		for _, inst := range runInstalls(x) {
			if !inst.Tool.System {
				continue
			}
			for _, a := range inst.Cmd.Positional() {
				if workstationPackage.MatchString(a) {
					return true
				}
			}
		}
	}
	return false
}

var workstationPackage = regexp.MustCompile(`^(xfce4|xfce4-\S+|lxde|lxqt|x11vnc|tigervnc-\S+|tightvncserver|novnc|xrdp|kde-plasma-desktop|gnome-session)$`)
