// Package pkgmgr is what layerwise knows of package managers and build
// tools: the manifests an install reads, where each tool keeps its caches
// for a given build state (user, HOME, tool variables, the official
// images' own env), and which RUN commands are dependency installs or
// compiles. It is model-level knowledge: the rules, measure and bench read
// it, and it reads nothing but the Dockerfile model.
package pkgmgr

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
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

// Home is the state's effective HOME.
func Home(st *dockerfile.State) string { return st.Home }

func Env(st *dockerfile.State, key, def string) string {
	if v, ok := st.Getenv(key); ok && v != "" {
		return v
	}
	return def
}

// XDGCache is the state's XDG cache directory (XDG_CACHE_HOME or ~/.cache).
func XDGCache(st *dockerfile.State) string { return Env(st, "XDG_CACHE_HOME", Home(st)+"/.cache") }

func envOrImage(st *dockerfile.State, base, key, def string) string {
	if v, ok := st.Getenv(key); ok && v != "" {
		return v
	}
	if v := baseimage.ToolEnv(base, key); v != "" {
		return v
	}
	return def
}

var (
	Npm = &Tool{Name: "npm", Manifests: []string{"package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", ".npmrc"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "npm_config_cache", Env(st, "NPM_CONFIG_CACHE", Home(st)+"/.npm"))}
		}}
	Yarn = &Tool{Name: "yarn", Manifests: []string{"package.json", "yarn.lock", ".yarnrc.yml", ".yarn/releases"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "YARN_CACHE_FOLDER", XDGCache(st)+"/yarn"), "/usr/local/share/.cache/yarn", st.Workdir + "/.yarn/cache"}
		}}
	Pnpm = &Tool{Name: "pnpm", Manifests: []string{"package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "npm_config_store_dir", Env(st, "PNPM_HOME", Home(st)+"/.local/share/pnpm")+"/store"), "/pnpm/store"}
		}}
	Pip = &Tool{Name: "pip", Manifests: []string{"requirements*.txt", "constraints*.txt", "setup.py", "setup.cfg", "pyproject.toml"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "PIP_CACHE_DIR", XDGCache(st)+"/pip")}
		}}
	Pipenv = &Tool{Name: "pipenv", Manifests: []string{"Pipfile", "Pipfile.lock"}, Seconds: 35,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "PIPENV_CACHE_DIR", XDGCache(st)+"/pipenv"), XDGCache(st) + "/pip"}
		}}
	Poetry = &Tool{Name: "poetry", Manifests: []string{"pyproject.toml", "poetry.lock"}, Seconds: 35,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "POETRY_CACHE_DIR", XDGCache(st)+"/pypoetry")}
		}}
	Uv = &Tool{Name: "uv", Manifests: []string{"pyproject.toml", "uv.lock", "requirements*.txt"}, Seconds: 10,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "UV_CACHE_DIR", XDGCache(st)+"/uv")}
		}}
	Go = &Tool{Name: "go", Manifests: []string{"go.mod", "go.sum"}, Seconds: 30, Store: true,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			gopath := envOrImage(st, base, "GOPATH", Home(st)+"/go")
			return []string{Env(st, "GOMODCACHE", gopath+"/pkg/mod"), Env(st, "GOCACHE", XDGCache(st)+"/go-build")}
		}}
	Cargo = &Tool{Name: "cargo", Manifests: []string{"Cargo.toml", "Cargo.lock", "rust-toolchain.toml", "rust-toolchain"}, Seconds: 90, Store: true,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			return []string{envOrImage(st, base, "CARGO_HOME", Home(st)+"/.cargo") + "/registry"}
		}}
	Maven = &Tool{Name: "maven", Manifests: []string{"pom.xml", ".mvn", "mvnw"}, Seconds: 90, Store: true,
		// the local repository, not all of ~/.m2: settings.xml (mirrors,
		// credentials) that a COPY puts beside it must stay visible
		cacheDirs: func(st *dockerfile.State, _ string) []string { return []string{Home(st) + "/.m2/repository"} }}
	Gradle = &Tool{Name: "gradle", Manifests: []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle", "gradlew"}, Seconds: 90, Store: true,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "GRADLE_USER_HOME", Home(st)+"/.gradle")}
		}}
	Dotnet = &Tool{Name: "dotnet", Manifests: []string{"*.csproj", "*.fsproj", "*.sln", "*.vbproj", "NuGet.config", "nuget.config", "NuGet.Config", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "packages.lock.json"}, Seconds: 45, Store: true,
		cacheDirs: func(st *dockerfile.State, _ string) []string {
			return []string{Env(st, "NUGET_PACKAGES", Home(st)+"/.nuget/packages")}
		}}
	Bundler = &Tool{Name: "bundler", Manifests: []string{"Gemfile", "Gemfile.lock", "*.gemspec"}, Seconds: 45,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			if bp, ok := st.Getenv("BUNDLE_PATH"); ok && path.IsAbs(bp) {
				// bundler installs into BUNDLE_PATH/ruby/<ABI>/ and keeps the
				// downloaded gems in its cache/ (Rails' generated Dockerfile
				// sets BUNDLE_PATH=/usr/local/bundle: review 20); the ABI is
				// the base's Ruby X.Y.0, and where it is not known no mount
				// is guessed for the gems
				if abi := rubyABI(base); abi != "" {
					return []string{path.Join(bp, "ruby", abi, "cache"), Home(st) + "/.bundle/cache"}
				}
				return []string{Home(st) + "/.bundle/cache"}
			}
			gh := envOrImage(st, base, "GEM_HOME", "/usr/local/bundle")
			return []string{gh + "/cache", Home(st) + "/.bundle/cache", Home(st) + "/.gem"}
		}}
	Composer = &Tool{Name: "composer", Manifests: []string{"composer.json", "composer.lock"}, Seconds: 30,
		cacheDirs: func(st *dockerfile.State, base string) []string {
			// COMPOSER_HOME is ~/.composer unless the system follows XDG
			// (an XDG_* variable set, or /etc/xdg present), which Debian's
			// and Alpine's slim images do not; the official composer image
			// sets COMPOSER_HOME=/tmp
			return []string{Env(st, "COMPOSER_CACHE_DIR", envOrImage(st, base, "COMPOSER_HOME", Home(st)+"/.composer")+"/cache"), XDGCache(st) + "/composer"}
		}}
	Mix = &Tool{Name: "mix", Manifests: []string{"mix.exs", "mix.lock", "config"}, Seconds: 40,
		cacheDirs: func(st *dockerfile.State, _ string) []string { return []string{Home(st) + "/.hex", Home(st) + "/.mix"} }}
	Apt = &Tool{Name: "apt", System: true, Seconds: 25,
		cacheDirs: func(*dockerfile.State, string) []string { return []string{"/var/cache/apt", "/var/lib/apt/lists"} }}
	// apk keeps downloaded packages only when /etc/apk/cache exists (a
	// directory or a link): a cache mount there is what makes it cache;
	// one on /var/cache/apk holds the index alone.
	Apk = &Tool{Name: "apk", System: true, Seconds: 8,
		cacheDirs: func(*dockerfile.State, string) []string { return []string{ApkCacheDir} }}
)

const ApkCacheDir = "/etc/apk/cache"

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

// First is the command's first positional argument (its subcommand).
func First(c dockerfile.Command) string {
	p := c.Positional()
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

// jsValueFlags are the npm/yarn/pnpm options written before the subcommand
// that take a value (`npm --prefix web ci`).
var jsValueFlags = map[string]bool{"--prefix": true, "-C": true, "--cwd": true, "--dir": true, "--workspace": true, "-w": true, "--filter": true, "-F": true}

// JSPositional is Positional without the values of jsValueFlags.
func JSPositional(c dockerfile.Command) []string {
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

// runners run the command their arguments name, after their own flags,
// as the same user: the official maven image's `mvn-entrypoint.sh mvn
// package` is a Maven build (review 27). Not sudo, gosu or su-exec: the
// command runs as another user, with another HOME and other caches.
var runners = map[string]bool{"env": true, "exec": true, "nice": true, "nohup": true, "time": true,
	"mvn-entrypoint.sh": true}

// runnerValueFlags take a value in the runners' own flags.
var runnerValueFlags = map[string]bool{"-n": true, "-u": true, "-a": true, "--adjustment": true, "--unset": true}

// Unwrap is the command a runner runs (`env A=1 mvn package`, `nice -n
// 10 npm ci`), with the runner's assignments; ok is false for any other
// command.
func Unwrap(c dockerfile.Command) (dockerfile.Command, bool) {
	if !runners[c.Name] && !runners[path.Base(c.Name)] {
		return c, false
	}
	env, envSpelled := slices.Clone(c.Env), c.SpelledEnv()
	i := 0
	for ; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case a == "--":
			i++
		case strings.HasPrefix(a, "-"):
			if runnerValueFlags[a] {
				i++
			}
			continue
		case path.Base(c.Name) == "env" && strings.Contains(a, "=") && !strings.HasPrefix(a, "="):
			// `env "A=x y" cmd`: the quoted word is one assignment for
			// env, but no assignment in front of a command; written
			// back, it is spelled name=value
			sp := c.SpelledArg(i)
			if k, v, _ := strings.Cut(a, "="); !strings.HasPrefix(sp, k+"=") {
				sp = k + "=" + dockerfile.Quote(v)
			}
			env, envSpelled = append(env, a), append(envSpelled, sp)
			continue
		}
		break
	}
	if i >= len(c.Args) {
		return c, false
	}
	inner := dockerfile.Command{Name: c.Args[i], Args: slices.Clone(c.Args[i+1:]), Env: env, EnvSpelled: envSpelled,
		Offset: c.Offset, Heredoc: c.Heredoc, Exported: c.Exported, ExportedSpelled: c.ExportedSpelled}
	if len(c.Spelled) == len(c.Args)+1 {
		inner.Spelled = slices.Clone(c.Spelled[i+1:])
	}
	return inner, true
}

// Classify recognises dependency installs and builds in a RUN command.
func Classify(c dockerfile.Command) *Install {
	// a few runners deep (`env A=1 nice npm ci`), not as many as a
	// hostile RUN repeats `env`: each level copies the arguments
	for depth := 0; depth < 4; depth++ {
		inner, ok := Unwrap(c)
		if !ok {
			break
		}
		c = inner
	}
	name := path.Base(c.Name)
	sub := First(c)
	pos := c.Positional()
	if name == "npm" || name == "yarn" || name == "pnpm" {
		pos = JSPositional(c)
		sub = ""
		if len(pos) > 0 {
			sub = pos[0]
		}
	}
	switch name {
	case "npm":
		switch sub {
		case "ci", "install", "i", "add":
			// `npm install -g` alone installs the project itself,
			// sources and all: not what its manifests declare
			return &Install{Tool: Npm, Cmd: c, FromManifest: len(pos) == 1 && !c.HasArg("-g", "--global", "--location=global")}
		}
	case "yarn":
		if sub == "" || sub == "install" {
			return &Install{Tool: Yarn, Cmd: c, FromManifest: true}
		}
		if sub == "add" {
			return &Install{Tool: Yarn, Cmd: c}
		}
	case "pnpm":
		switch sub {
		case "install", "i", "fetch":
			return &Install{Tool: Pnpm, Cmd: c, FromManifest: len(pos) == 1}
		case "add":
			return &Install{Tool: Pnpm, Cmd: c}
		case "deploy":
			// copies a workspace package with its dependencies out of
			// the store an install filled: a reader of that store, and
			// a download of what it lacks (review 27: karakeep)
			return &Install{Tool: Pnpm, Cmd: c}
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
			return &Install{Tool: Pipenv, Cmd: c, FromManifest: true}
		}
	case "poetry":
		if sub == "install" {
			return &Install{Tool: Poetry, Cmd: c, FromManifest: true}
		}
	case "uv":
		if sub == "sync" {
			return &Install{Tool: Uv, Cmd: c, FromManifest: true}
		}
		if sub == "pip" && len(pos) > 1 && pos[1] == "install" {
			in := pipInstall(c, c.Args[indexOf(c.Args, "pip")+1:])
			if in != nil {
				in.Tool = Uv
			}
			return in
		}
	case "go":
		switch sub {
		case "mod":
			if len(pos) > 1 && pos[1] == "download" {
				return &Install{Tool: Go, Cmd: c, FromManifest: true}
			}
			if len(pos) > 1 && pos[1] == "tidy" {
				// downloads into the module cache as go mod download
				// does, but reads the sources' imports (review 18:
				// knative's samples run it between COPY . . and go build)
				return &Install{Tool: Go, Cmd: c}
			}
		case "build", "install", "test", "vet", "generate":
			if sub == "install" && hasVersionedPkg(pos[1:]) {
				return &Install{Tool: Go, Cmd: c} // go install x@v1: not the app
			}
			return &Install{Tool: Go, Cmd: c, FromManifest: true, Compile: true}
		}
	case "cargo":
		switch sub {
		case "fetch":
			return &Install{Tool: Cargo, Cmd: c, FromManifest: true}
		case "chef":
			// cargo-chef: `cook` builds the dependencies from the recipe
			// alone (a dependency step); `prepare` reads the sources
			if len(pos) > 1 && pos[1] == "cook" {
				return &Install{Tool: Cargo, Cmd: c, FromManifest: true}
			}
		case "build", "install", "test":
			if sub == "install" && !c.HasArg("--path") {
				return &Install{Tool: Cargo, Cmd: c}
			}
			return &Install{Tool: Cargo, Cmd: c, FromManifest: true, Compile: true}
		}
	case "mvn", "mvnw", "./mvnw":
		if len(pos) > 0 && !slices.ContainsFunc(pos, func(g string) bool { return g != "clean" }) {
			// `mvn clean` alone fetches the clean plugin, not the
			// project's dependencies: no dependency step (review 22)
			return nil
		}
		compile := false
		for _, g := range pos {
			switch g {
			case "package", "install", "verify", "compile", "test", "deploy":
				compile = true
			}
		}
		if len(pos) > 0 {
			return &Install{Tool: Maven, Cmd: c, FromManifest: true, Compile: compile}
		}
	case "gradle", "gradlew", "./gradlew":
		if len(pos) > 0 {
			compile := true
			for _, g := range pos {
				if g == "dependencies" || g == "--refresh-dependencies" {
					compile = false
				}
			}
			return &Install{Tool: Gradle, Cmd: c, FromManifest: true, Compile: compile}
		}
	case "dotnet":
		switch sub {
		case "restore":
			return &Install{Tool: Dotnet, Cmd: c, FromManifest: true}
		case "build", "publish", "test":
			return &Install{Tool: Dotnet, Cmd: c, FromManifest: true, Compile: true}
		}
	case "bundle", "bundler":
		// `bundle` alone installs; `bundle --version` does not
		if sub == "install" || (sub == "" && !c.HasArg("--version", "-v", "--help", "-h", "version")) {
			return &Install{Tool: Bundler, Cmd: c, FromManifest: true}
		}
	case "composer":
		if sub == "install" || sub == "update" {
			return &Install{Tool: Composer, Cmd: c, FromManifest: true}
		}
	case "mix":
		if sub == "deps.get" {
			return &Install{Tool: Mix, Cmd: c, FromManifest: true}
		}
		if sub == "do" && MixFetches(c) {
			// `mix do deps.get, compile`: fetches, then compiles the sources
			return &Install{Tool: Mix, Cmd: c, FromManifest: true, Compile: true}
		}
		if sub == "compile" || sub == "release" {
			return &Install{Tool: Mix, Cmd: c, FromManifest: true, Compile: true}
		}
	case "apt-get", "apt":
		if sub == "install" {
			return &Install{Tool: Apt, Cmd: c}
		}
	case "apk":
		if sub == "add" {
			return &Install{Tool: Apk, Cmd: c}
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
	return &Install{Tool: Pip, Cmd: c, FromManifest: fromManifest}
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

// StoreDir is the tool's package store in a build state ("" for a tool
// whose caches only speed a download up): where the dependencies live for
// the steps after the install, and for the container when it runs the
// toolchain. A store belongs in a layer unless one RUN both fills and
// consumes it: a cache mount may be empty at any build (every fresh CI
// builder, BuildKit's garbage collector), and BuildKit exports none.
func (t *Tool) StoreDir(st *dockerfile.State, base string) string {
	if !t.Store {
		return ""
	}
	if d := t.CacheDirs(st, base); len(d) > 0 {
		return d[0]
	}
	return ""
}

// rubyABIVersion: the official ruby image's tag, X.Y first.
var rubyABIVersion = regexp.MustCompile(`(?:^|/)ruby:(\d+)\.(\d+)`)

// rubyABI is the Ruby ABI version of a ruby image reference ("3.4.0" for
// ruby:3.4.1-slim), "" when the reference does not say.
func rubyABI(base string) string {
	m := rubyABIVersion.FindStringSubmatch(base)
	if m == nil {
		return ""
	}
	return m[1] + "." + m[2] + ".0"
}

// MixFetches: the mix command runs deps.get (alone or in a `mix do`
// list), the one task that downloads; compile and release read what it
// fetched (review 18: a hex cache mount on `mix release` caches nothing).
func MixFetches(c dockerfile.Command) bool {
	for _, a := range c.Positional() {
		for _, task := range strings.Split(a, ",") {
			if strings.TrimSpace(task) == "deps.get" {
				return true
			}
		}
	}
	return false
}

// Offline reports whether an install or compile runs from the package
// store an earlier step filled and downloads nothing: GOPROXY=off for go,
// -o for Maven, --offline/--frozen for cargo, --no-restore (or --no-build) for dotnet,
// --offline for Gradle, npm, yarn and pnpm (`pnpm fetch`, then `pnpm
// install --offline`). Such a command fails on an empty store, so its
// store can never be a cache mount. (A vendored Go build reads no module
// cache at all: Vendored.)
func Offline(inst *Install, st *dockerfile.State) bool {
	c := inst.Cmd
	switch inst.Tool {
	case Go:
		return envOf(c, st, "GOPROXY") == "off"
	case Maven:
		return c.HasArg("-o", "--offline")
	case Cargo:
		return c.HasArg("--offline", "--frozen") || envOf(c, st, "CARGO_NET_OFFLINE") == "true"
	case Dotnet:
		// --no-build implies --no-restore (publish after build, review 24)
		return c.HasArg("--no-restore", "--no-build")
	case Gradle, Npm, Yarn, Pnpm:
		return c.HasArg("--offline")
	}
	return false
}

// Vendored reports whether a go command builds from ./vendor
// (-mod=vendor, in its flags or GOFLAGS): it reads no module cache.
func Vendored(inst *Install, st *dockerfile.State) bool {
	if inst.Tool != Go {
		return false
	}
	for i, a := range inst.Cmd.Args {
		// -mod=vendor, --mod=vendor, or -mod vendor (review 27: dapr's
		// samples)
		switch a {
		case "-mod=vendor", "--mod=vendor":
			return true
		case "-mod", "--mod":
			if i+1 < len(inst.Cmd.Args) && inst.Cmd.Args[i+1] == "vendor" {
				return true
			}
		}
	}
	return strings.Contains(envOf(inst.Cmd, st, "GOFLAGS"), "-mod=vendor")
}

// envOf is a variable as the command sees it: its own assignment, else
// the build state's.
func envOf(c dockerfile.Command, st *dockerfile.State, k string) string {
	for _, e := range c.Env {
		if v, ok := strings.CutPrefix(e, k+"="); ok {
			return v
		}
	}
	if st != nil {
		v, _ := st.Getenv(k)
		return v
	}
	return ""
}
