package rules

import (
	"iter"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// Tool is a package manager or build tool layerwise knows the caches and
// manifests of.
type Tool struct {
	Name string
	// Manifests are the files a dependency install reads (globs allowed),
	// the ones a manifest-first COPY must bring in before the install.
	Manifests []string
	// Seconds is a rough static estimate of re-running a typical install,
	// used only to rank findings when no measured history exists.
	Seconds float64
	// cacheDirs returns the download/build cache directories the tool
	// uses in a given build state (effective HOME, USER, tool env).
	cacheDirs func(st *dockerfile.State, base string) []string
	// System tools (apt, apk) install OS packages, not the app's
	// dependencies: they do not read the app's manifests.
	System bool
	// Store is true when the cache directory is where the dependencies
	// live for later steps to read (Go's module cache, NuGet's packages,
	// ~/.m2, ~/.gradle, cargo's registry), not only a download cache: a
	// RUN without the mount would find them missing.
	Store bool
}

// Install is a command in a RUN that installs dependencies or builds.
type Install struct {
	Tool *Tool
	Cmd  dockerfile.Command
	// FromManifest is true when the command installs what manifests
	// declare (npm ci, pip install -r, go mod download), false when it
	// names packages itself (npm install left-pad).
	FromManifest bool
	// Compile is true for commands that build the app from sources
	// (go build, cargo build, mvn package): they need sources and also
	// fetch dependencies when no earlier step did.
	Compile bool
}

func (i Install) String() string {
	s := i.Cmd.Name
	if len(i.Cmd.Args) > 0 {
		s += " " + strings.Join(i.Cmd.Args, " ")
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func home(st *dockerfile.State) string { return st.Home }

func env(st *dockerfile.State, key, def string) string {
	if v, ok := st.Getenv(key); ok && v != "" {
		return v
	}
	return def
}

func xdgCache(st *dockerfile.State) string { return env(st, "XDG_CACHE_HOME", home(st)+"/.cache") }

// imageEnv knows the tool env that official images set, which a Dockerfile
// does not show (golang sets GOPATH=/go, rust sets CARGO_HOME, ...).
func imageEnv(base, key string) string {
	b := path.Base(strings.SplitN(base, ":", 2)[0])
	switch {
	case b == "golang" && key == "GOPATH":
		return "/go"
	case b == "rust" && key == "CARGO_HOME":
		return "/usr/local/cargo"
	case b == "ruby" && key == "GEM_HOME":
		return "/usr/local/bundle"
	case b == "composer" && key == "COMPOSER_HOME":
		return "/tmp"
	}
	return ""
}

func envOrImage(st *dockerfile.State, base, key, def string) string {
	if v, ok := st.Getenv(key); ok && v != "" {
		return v
	}
	if v := imageEnv(base, key); v != "" {
		return v
	}
	return def
}

var (
	toolNpm = &Tool{Name: "npm", Manifests: []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "npm_config_cache", env(st, "NPM_CONFIG_CACHE", home(st)+"/.npm"))}
		}}
	toolYarn = &Tool{Name: "yarn", Manifests: []string{"package.json", "yarn.lock", ".yarnrc.yml", ".yarn/releases"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "YARN_CACHE_FOLDER", xdgCache(st)+"/yarn"), "/usr/local/share/.cache/yarn", st.Workdir + "/.yarn/cache"}
		}}
	toolPnpm = &Tool{Name: "pnpm", Manifests: []string{"package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "npm_config_store_dir", env(st, "PNPM_HOME", home(st)+"/.local/share/pnpm")+"/store"), "/pnpm/store"}
		}}
	toolPip = &Tool{Name: "pip", Manifests: []string{"requirements*.txt", "constraints*.txt", "setup.py", "setup.cfg", "pyproject.toml"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "PIP_CACHE_DIR", xdgCache(st)+"/pip")}
		}}
	toolPipenv = &Tool{Name: "pipenv", Manifests: []string{"Pipfile", "Pipfile.lock"}, Seconds: 35,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "PIPENV_CACHE_DIR", xdgCache(st)+"/pipenv"), xdgCache(st) + "/pip"}
		}}
	toolPoetry = &Tool{Name: "poetry", Manifests: []string{"pyproject.toml", "poetry.lock"}, Seconds: 35,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "POETRY_CACHE_DIR", xdgCache(st)+"/pypoetry")}
		}}
	toolUv = &Tool{Name: "uv", Manifests: []string{"pyproject.toml", "uv.lock", "requirements*.txt"}, Seconds: 10,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "UV_CACHE_DIR", xdgCache(st)+"/uv")}
		}}
	toolGo = &Tool{Name: "go", Manifests: []string{"go.mod", "go.sum"}, Seconds: 30, Store: true,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			gopath := envOrImage(st, base, "GOPATH", home(st)+"/go")
			return []string{env(st, "GOMODCACHE", gopath+"/pkg/mod"), env(st, "GOCACHE", xdgCache(st)+"/go-build")}
		}}
	toolCargo = &Tool{Name: "cargo", Manifests: []string{"Cargo.toml", "Cargo.lock"}, Seconds: 90, Store: true,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			return []string{envOrImage(st, base, "CARGO_HOME", home(st)+"/.cargo") + "/registry"}
		}}
	toolMaven = &Tool{Name: "maven", Manifests: []string{"pom.xml", ".mvn", "mvnw"}, Seconds: 90, Store: true,
		cacheDirs: func(st *dockerfile.State, _ string) []string { return []string{home(st) + "/.m2"} }}
	toolGradle = &Tool{Name: "gradle", Manifests: []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle", "gradlew"}, Seconds: 90, Store: true,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "GRADLE_USER_HOME", home(st)+"/.gradle")}
		}}
	toolDotnet = &Tool{Name: "dotnet", Manifests: []string{"*.csproj", "*.fsproj", "*.sln", "NuGet.config", "Directory.Build.props", "Directory.Packages.props"}, Seconds: 45, Store: true,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{env(st, "NUGET_PACKAGES", home(st)+"/.nuget/packages")}
		}}
	toolBundler = &Tool{Name: "bundler", Manifests: []string{"Gemfile", "Gemfile.lock", "*.gemspec"}, Seconds: 45,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			gh := envOrImage(st, base, "GEM_HOME", "/usr/local/bundle")
			return []string{gh + "/cache", home(st) + "/.bundle/cache", home(st) + "/.gem"}
		}}
	toolComposer = &Tool{Name: "composer", Manifests: []string{"composer.json", "composer.lock"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			return []string{env(st, "COMPOSER_CACHE_DIR", envOrImage(st, base, "COMPOSER_HOME", xdgCache(st)+"/composer")+"/cache"), xdgCache(st) + "/composer"}
		}}
	toolMix = &Tool{Name: "mix", Manifests: []string{"mix.exs", "mix.lock", "config"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string { return []string{home(st) + "/.hex", home(st) + "/.mix"} }}
	toolApt = &Tool{Name: "apt", System: true, Seconds: 25,
		cacheDirs: func(*dockerfile.State, string) []string { return []string{"/var/cache/apt", "/var/lib/apt"} }}
	// apk keeps downloaded packages only when /etc/apk/cache exists (a
	// directory or a link): a cache mount there is what makes it cache;
	// one on /var/cache/apk holds the index alone.
	toolApk = &Tool{Name: "apk", System: true, Seconds: 8,
		cacheDirs: func(*dockerfile.State, string) []string { return []string{apkCacheDir} }}
)

const apkCacheDir = "/etc/apk/cache"

// CacheDirs returns the tool's cache directories in a build state.
func (t *Tool) CacheDirs(st *dockerfile.State, base string) []string {
	if t.cacheDirs == nil || st == nil {
		return nil
	}
	var out []string
	for _, d := range t.cacheDirs(st, base) {
		out = append(out, path.Clean(d))
	}
	return out
}

func first(c dockerfile.Command) string {
	p := c.Positional()
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

// jsValueFlags are the npm/yarn/pnpm options written before the subcommand
// that take a value (`npm --prefix web ci`).
var jsValueFlags = map[string]bool{"--prefix": true, "-C": true, "--cwd": true, "--dir": true, "--workspace": true, "-w": true, "--filter": true, "-F": true}

// jsPositional is Positional without the values of jsValueFlags.
func jsPositional(c dockerfile.Command) []string {
	var out []string
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		if jsValueFlags[a] {
			i++
			continue
		}
		if len(a) > 0 && a[0] == '-' {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Classify recognises dependency installs and builds in a RUN command.
func Classify(c dockerfile.Command) *Install {
	name := path.Base(c.Name)
	sub := first(c)
	pos := c.Positional()
	if name == "npm" || name == "yarn" || name == "pnpm" {
		pos = jsPositional(c)
		sub = ""
		if len(pos) > 0 {
			sub = pos[0]
		}
	}
	switch name {
	case "npm":
		switch sub {
		case "ci", "install", "i", "add":
			return &Install{Tool: toolNpm, Cmd: c, FromManifest: len(pos) == 1}
		}
	case "yarn":
		if sub == "" || sub == "install" {
			return &Install{Tool: toolYarn, Cmd: c, FromManifest: true}
		}
		if sub == "add" {
			return &Install{Tool: toolYarn, Cmd: c}
		}
	case "pnpm":
		switch sub {
		case "install", "i", "fetch":
			return &Install{Tool: toolPnpm, Cmd: c, FromManifest: len(pos) == 1}
		case "add":
			return &Install{Tool: toolPnpm, Cmd: c}
		}
	case "pip", "pip3":
		return pipInstall(c, c.Args)
	case "python", "python3":
		// python -m pip install ...
		for i, a := range c.Args {
			if a == "-m" && i+1 < len(c.Args) && (c.Args[i+1] == "pip" || c.Args[i+1] == "pip3") {
				return pipInstall(c, c.Args[i+2:])
			}
		}
	case "pipenv":
		if sub == "install" || sub == "sync" {
			return &Install{Tool: toolPipenv, Cmd: c, FromManifest: true}
		}
	case "poetry":
		if sub == "install" {
			return &Install{Tool: toolPoetry, Cmd: c, FromManifest: true}
		}
	case "uv":
		if sub == "sync" {
			return &Install{Tool: toolUv, Cmd: c, FromManifest: true}
		}
		if sub == "pip" && len(pos) > 1 && pos[1] == "install" {
			in := pipInstall(c, c.Args[indexOf(c.Args, "pip")+1:])
			if in != nil {
				in.Tool = toolUv
			}
			return in
		}
	case "go":
		switch sub {
		case "mod":
			if len(pos) > 1 && pos[1] == "download" {
				return &Install{Tool: toolGo, Cmd: c, FromManifest: true}
			}
		case "build", "install", "test", "vet", "generate":
			if sub == "install" && hasVersionedPkg(pos[1:]) {
				return &Install{Tool: toolGo, Cmd: c} // go install x@v1: not the app
			}
			return &Install{Tool: toolGo, Cmd: c, FromManifest: true, Compile: true}
		}
	case "cargo":
		switch sub {
		case "fetch":
			return &Install{Tool: toolCargo, Cmd: c, FromManifest: true}
		case "build", "install", "test":
			if sub == "install" && !c.HasArg("--path") {
				return &Install{Tool: toolCargo, Cmd: c}
			}
			return &Install{Tool: toolCargo, Cmd: c, FromManifest: true, Compile: true}
		}
	case "mvn", "mvnw", "./mvnw":
		compile := false
		for _, g := range pos {
			switch g {
			case "package", "install", "verify", "compile", "test", "deploy":
				compile = true
			}
		}
		if len(pos) > 0 {
			return &Install{Tool: toolMaven, Cmd: c, FromManifest: true, Compile: compile}
		}
	case "gradle", "gradlew", "./gradlew":
		if len(pos) > 0 {
			compile := true
			for _, g := range pos {
				if g == "dependencies" || g == "--refresh-dependencies" {
					compile = false
				}
			}
			return &Install{Tool: toolGradle, Cmd: c, FromManifest: true, Compile: compile}
		}
	case "dotnet":
		switch sub {
		case "restore":
			return &Install{Tool: toolDotnet, Cmd: c, FromManifest: true}
		case "build", "publish", "test":
			return &Install{Tool: toolDotnet, Cmd: c, FromManifest: true, Compile: true}
		}
	case "bundle", "bundler":
		// `bundle` alone installs; `bundle --version` does not
		if sub == "install" || (sub == "" && !c.HasArg("--version", "-v", "--help", "-h", "version")) {
			return &Install{Tool: toolBundler, Cmd: c, FromManifest: true}
		}
	case "composer":
		if sub == "install" || sub == "update" {
			return &Install{Tool: toolComposer, Cmd: c, FromManifest: true}
		}
	case "mix":
		if sub == "deps.get" {
			return &Install{Tool: toolMix, Cmd: c, FromManifest: true}
		}
		if sub == "compile" || sub == "release" {
			return &Install{Tool: toolMix, Cmd: c, FromManifest: true, Compile: true}
		}
	case "apt-get", "apt":
		if sub == "install" {
			return &Install{Tool: toolApt, Cmd: c}
		}
	case "apk":
		if sub == "add" {
			return &Install{Tool: toolApk, Cmd: c}
		}
	}
	return nil
}

func pipInstall(c dockerfile.Command, args []string) *Install {
	if len(args) == 0 || args[0] != "install" {
		// pip may take options before the subcommand; find it
		i := indexOf(args, "install")
		if i < 0 {
			return nil
		}
		args = args[i:]
	}
	fromManifest := false
	for i, a := range args[1:] {
		switch {
		case a == "-r" || a == "--requirement" || a == "-c" || a == "--constraint" || strings.HasPrefix(a, "--requirement=") || strings.HasPrefix(a, "-r"):
			fromManifest = true
		case a == "." || a == "-e" && i+2 < len(args) && args[i+2] == ".":
			fromManifest = true
		}
	}
	return &Install{Tool: toolPip, Cmd: c, FromManifest: fromManifest}
}

func hasVersionedPkg(args []string) bool {
	for _, a := range args {
		if strings.Contains(a, "@") {
			return true
		}
	}
	return false
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// runInstalls lists the installs of a RUN instruction.
func runInstalls(ins *dockerfile.Instruction) []*Install {
	if ins.Run == nil {
		return nil
	}
	var out []*Install
	for _, c := range ins.Run.Commands {
		if in := Classify(c); in != nil {
			out = append(out, in)
		}
	}
	return out
}

// mountCovers reports whether a cache mount of the RUN covers dir.
func mountCovers(ins *dockerfile.Instruction, dir string) bool {
	if ins.Run == nil {
		return false
	}
	for _, m := range ins.Run.Mounts {
		if m.Type != "cache" {
			continue
		}
		t := m.Target
		if !path.IsAbs(t) && ins.State != nil {
			t = path.Join(ins.State.Workdir, t)
		}
		t = path.Clean(t)
		if dir == t || strings.HasPrefix(dir, t+"/") || t == "/" {
			return true
		}
	}
	return false
}

// matchesManifest reports whether a context path (or source pattern)
// names one of the manifests.
func matchesManifest(src string, manifests []string) bool {
	b := path.Base(path.Clean(src))
	for _, m := range manifests {
		if ok, _ := path.Match(m, b); ok || b == m {
			return true
		}
		// a pattern source such as package*.json matches the manifest
		if ok, _ := path.Match(b, m); ok && strings.ContainsAny(b, "*?[") {
			return true
		}
	}
	return false
}

// isApt reports whether c is `apt-get SUB` or `apt SUB`.
func isApt(c dockerfile.Command, sub string) bool {
	n := path.Base(c.Name)
	return (n == "apt-get" || n == "apt") && first(c) == sub
}

// commands yields every command of every RUN, with its instruction.
func (in *Input) commands() iter.Seq2[*dockerfile.Instruction, dockerfile.Command] {
	return func(yield func(*dockerfile.Instruction, dockerfile.Command) bool) {
		for _, s := range in.File.Stages {
			for _, ins := range s.Instructions {
				if ins.Run == nil {
					continue
				}
				for _, c := range ins.Run.Commands {
					if !yield(ins, c) {
						return
					}
				}
			}
		}
	}
}
