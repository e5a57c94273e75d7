package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// The manifest-first rewrite runs what stood between the broad COPY and the
// install before the sources instead of after them. That is the same build
// exactly when each of those instructions commutes with the COPY: it
// neither reads nor writes the paths the COPY writes (its destination, the
// directories above it, what lies below), and the COPY reads only the
// context. The checks below prove that for the shapes the field writes
// there (a global CLI install, a virtualenv, a user, a clean-up elsewhere,
// a binary copied from another image) and refuse everything they cannot
// read.

// betweenCommutes says why an instruction between the broad COPY (writing
// dest) and the install would not commute with it ("" when it does).
func betweenCommutes(x *dockerfile.Instruction, dest string) string {
	switch x.Kind {
	case "ENV", "ARG", "LABEL", "EXPOSE", "USER", "SHELL", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD":
		// the build state or the image's metadata: a COPY reads none of
		// it (USER does not own what COPY writes; --chown does)
		return ""
	case "COPY", "ADD":
		c := x.Copy
		if c == nil || c.UsesVariables || len(c.Heredocs) > 0 {
			return "its sources or destination are not literal"
		}
		d := c.Dest
		if !path.IsAbs(d) {
			d = path.Join(x.State.Workdir, d)
		}
		if overlaps(d, dest) {
			return fmt.Sprintf("it writes %s, where the sources go too", d)
		}
		return ""
	case "RUN":
		return runCommutes(x, dest)
	}
	return "layerwise cannot tell what it does to the sources"
}

// betweenCommutesIn is betweenCommutes, knowing the context: a COPY of
// files alone (`COPY package.json pnpm-lock.yaml ./` after `COPY packages
// ./packages`) writes those files into its destination, not the whole
// directory, and commutes with a COPY below it that none of them reaches.
func (in *Input) betweenCommutesIn(x *dockerfile.Instruction, dest string) string {
	c := x.Copy
	// COPY only: ADD unpacks a local archive into the destination, and
	// --parents writes each source's path, not its base name (review)
	if x.Kind != "COPY" || c == nil || c.Parents || !c.FromContext() || c.UsesVariables || len(c.Heredocs) > 0 || len(c.ContextSources()) == 0 {
		return betweenCommutes(x, dest)
	}
	d := c.Dest
	if !path.IsAbs(d) {
		d = path.Join(x.State.Workdir, d)
	}
	if !strings.HasSuffix(c.Dest, "/") && c.Dest != "." && len(c.ContextSources()) == 1 {
		return betweenCommutes(x, dest) // a file copied to a name of its own
	}
	for _, src := range c.ContextSources() {
		p := strings.TrimPrefix(path.Clean("/"+src), "/")
		if !literalPath(p) || in.isDirSource(p) || !in.contextHas(p) {
			return betweenCommutes(x, dest)
		}
		if w := path.Join(d, path.Base(p)); overlaps(w, dest) {
			return fmt.Sprintf("it writes %s, where the sources go too", w)
		}
	}
	return ""
}

// copiesOnly: a COPY from the context whose every source is one of the
// files (context paths).
func copiesOnly(x *dockerfile.Instruction, files []string) bool {
	c := x.Copy
	if c == nil || !c.FromContext() || c.UsesVariables || len(c.ContextSources()) == 0 {
		return false
	}
	for _, src := range c.ContextSources() {
		if !slices.Contains(files, strings.TrimPrefix(path.Clean("/"+src), "/")) {
			return false
		}
	}
	return true
}

func overlaps(a, b string) bool {
	a, b = path.Clean(a), path.Clean(b)
	// (the root holds everything: underDir's prefix test, "//", does
	// not say so)
	return a == "/" || b == "/" || underDir(a, b) || underDir(b, a)
}

// runCommutes: every command of the RUN is one whose reads and writes are
// known (commutingCommand), no mount brings the context, and the script
// has no redirection or substitution the model does not keep.
func runCommutes(x *dockerfile.Instruction, dest string) string {
	r := x.Run
	switch {
	case r.MountError != "" || r.ShellError != "" || len(r.Heredocs) > 0:
		return "its script cannot be read exactly"
	case strings.ContainsAny(r.Script, "<>`") || strings.Contains(r.Script, "$("):
		return "it redirects or substitutes output, which layerwise does not follow"
	case len(r.Commands) == 0:
		return "it runs no command layerwise can read"
	}
	for _, m := range r.Mounts {
		if m.Type == "bind" && m.From == "" {
			return "it mounts the build context"
		}
		if m.Target != "" && overlaps(absIn(x, m.Target), dest) {
			return fmt.Sprintf("it mounts %s, where the sources go", m.Target)
		}
	}
	for _, c := range r.Commands {
		if why := commutingCommand(x, c, dest); why != "" {
			return fmt.Sprintf("`%s` %s", shortCmd(c), why)
		}
	}
	return ""
}

func absIn(x *dockerfile.Instruction, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(x.State.Workdir, p)
}

// commutingCommand says why a command may read or write the sources (""
// when it provably does not).
func commutingCommand(x *dockerfile.Instruction, c dockerfile.Command, dest string) string {
	// a variable the image's ENV sets has one value here
	// (mealie's `. $VENV_PATH/bin/activate`); a build arg's may be any
	if args, ok := expandImageEnv(x.State, c.Args); ok {
		c.Args = args
	}
	for _, a := range append(append([]string(nil), c.Args...), c.Env...) {
		if strings.Contains(a, "$") {
			return "has arguments that expand"
		}
		if i := strings.IndexAny(a, "*?["); i >= 0 {
			// an absolute glob whose literal part lies outside the
			// sources matches nothing there (review 33: Dokploy's `rm -rf
			// /var/lib/apt/lists/*` between the COPY and the install)
			if lit := path.Dir(a[:i] + "x"); !path.IsAbs(a) || overlaps(lit, dest) {
				return "has arguments that expand"
			}
		}
	}
	// the working directory is under the sources: whatever the command
	// reads there by a relative name may be a source
	cwdInSources := overlaps(x.State.Workdir, dest)
	// a flag's value written with = (`--target-directory=/app/x`) is a
	// path as much as a positional argument
	var flagPaths []string
	for _, a := range c.Args {
		if f, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(f, "-") && (strings.HasPrefix(v, "/") || strings.HasPrefix(v, ".") || strings.Contains(v, "/")) {
			flagPaths = append(flagPaths, v)
		}
	}
	paths := func(ps []string) string {
		for _, p := range append(append([]string(nil), ps...), flagPaths...) {
			if !path.IsAbs(p) && cwdInSources {
				return "names a relative path in the directory the sources go to"
			}
			if overlaps(absIn(x, p), dest) {
				return "touches " + absIn(x, p) + ", where the sources go"
			}
		}
		return ""
	}
	name := path.Base(c.Name)
	pos := c.Positional()
	switch name {
	case "true", ":", "echo", "printf", "pwd", "id", "whoami", "date", "uname", "sleep", "nproc", "printenv", "set":
		return ""
	case ".", "source":
		// reads a file of variables (bitwarden's `. /tmp/rid.txt`, which
		// an earlier RUN wrote): one outside the sources is there before
		// them
		if len(pos) == 0 {
			return "names no file"
		}
		return paths(pos[:1])
	case "ls", "cat", "stat", "du", "tree", "find":
		// they only print (redirections were refused above): the image
		// is the same whenever they run, but one that names a source
		// fails before the sources are there
		if name == "find" {
			return "may run what it finds"
		}
		return paths(pos)
	case "rm", "mkdir", "touch", "rmdir", "ln", "cp", "mv", "install":
		if len(pos) == 0 {
			return "names no path"
		}
		return paths(pos)
	case "chown", "chmod", "chgrp":
		if len(pos) < 2 {
			return "names no path"
		}
		return paths(pos[1:])
	case "useradd", "adduser", "usermod", "groupadd", "addgroup", "groupmod":
		// a user's home is the only path they touch: -d/--home, else
		// /home/NAME (created with skeleton files when it is missing,
		// left alone when a COPY made it first)
		homes := []string{}
		for i, a := range c.Args {
			if (a == "-d" || a == "--home" || a == "--home-dir" || a == "-h") && i+1 < len(c.Args) {
				homes = append(homes, absIn(x, c.Args[i+1]))
			}
		}
		if len(homes) == 0 && len(pos) > 0 && (name == "useradd" || name == "adduser") {
			homes = append(homes, "/home/"+pos[len(pos)-1])
		}
		for _, h := range homes {
			if overlaps(h, dest) {
				return "makes a home directory where the sources go"
			}
		}
		return ""
	case "python", "python3":
		// python -m venv DIR / python -m pip install NAME...
		if len(c.Args) >= 3 && c.Args[0] == "-m" && (c.Args[1] == "venv" || c.Args[1] == "virtualenv") {
			return paths(positionalAfter(c.Args[2:]))
		}
		if len(c.Args) >= 3 && c.Args[0] == "-m" && c.Args[1] == "pip" {
			return namedPackages(c.Args[2:], "install")
		}
		return "runs a program layerwise does not read"
	case "virtualenv":
		return paths(pos)
	case "pip", "pip3":
		return namedPackages(c.Args, "install")
	case "npm", "pnpm":
		if hasAny(c.Args, "-g", "--global", "--location=global") {
			return namedPackages(c.Args, "install", "i", "add")
		}
		if len(pos) >= 2 && pos[0] == "config" && pos[1] == "set" && !hasProjectLocation(c.Args) {
			return "" // the user's ~/.npmrc, not the project's
		}
		return "may read or write the project's package.json or .npmrc"
	case "yarn":
		if len(pos) >= 2 && pos[0] == "global" && pos[1] == "add" {
			return namedPackages(c.Args, "add")
		}
		if len(pos) >= 2 && pos[0] == "cache" && pos[1] == "clean" && !hasProjectLocation(c.Args) {
			return "" // the user's cache, not the project (yarn 1)
		}
		// yarn 2+ writes `config set` into the project's .yarnrc.yml,
		// which the COPY of the sources would then put back
		return "may read or write the project's package.json or .yarnrc.yml"
	case "corepack":
		// a package manager's shim or release, named: not the project's
		if len(pos) >= 1 && (pos[0] == "enable" || (pos[0] == "prepare" || pos[0] == "install") && len(pos) >= 2) {
			return ""
		}
		// `corepack prepare --activate` (or `corepack install`) reads the
		// packageManager field of the package.json where it runs: in the
		// directory the sources go to, the manifest COPY brings that
		// package.json before it (bluesky's pds)
		if len(pos) == 1 && (pos[0] == "prepare" || pos[0] == "install") && path.Clean(x.State.Workdir) == path.Clean(dest) {
			return ""
		}
		return "may read the package.json of its working directory"
	case "gem":
		return namedPackages(c.Args, "install")
	case "apk", "apt-get", "apt", "dnf", "yum", "microdnf":
		// the system's package index and cache, not the project's files
		if len(pos) >= 1 && (pos[0] == "update" || pos[0] == "upgrade" || pos[0] == "clean" || pos[0] == "autoclean" || pos[0] == "autoremove" || pos[0] == "makecache") {
			return ""
		}
	}
	if in := Classify(c); in != nil && in.Tool.System {
		// OS packages by name (a local .deb or .apk is a path)
		for _, p := range pos {
			if strings.Contains(p, "/") || strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".rpm") || strings.HasSuffix(p, ".apk") {
				return "installs a package from a file"
			}
		}
		return ""
	}
	return "runs a program layerwise does not read"
}

func hasAny(args []string, want ...string) bool {
	return dockerfile.Command{Args: args}.HasArg(want...)
}

// positionalAfter are the arguments that are not flags.
func positionalAfter(args []string) []string {
	return dockerfile.Command{Args: args}.Positional()
}

// namedPackages: an install of packages named by the registry's names
// only (no requirements file, no local path, no URL a file could hide
// behind), after the subcommand sub.
func namedPackages(args []string, subs ...string) string {
	pos := positionalAfter(args)
	i := -1
	for j, p := range pos {
		for _, s := range subs {
			if p == s {
				i = j
			}
		}
		if i >= 0 {
			break
		}
	}
	if i < 0 {
		return "is not an install of named packages"
	}
	pkgs := pos[i+1:]
	if len(pkgs) == 0 {
		return "installs the project of its working directory"
	}
	for _, a := range args {
		if a == "-r" || a == "--requirement" || a == "-c" || a == "--constraint" || a == "-e" || a == "--editable" ||
			strings.HasPrefix(a, "--requirement=") || strings.HasPrefix(a, "--constraint=") {
			return "reads a requirements file"
		}
		f, _, _ := strings.Cut(a, "=")
		switch f {
		case "--target", "-t", "--prefix", "--root", "--src", "--cwd", "-C", "--dir":
			return "installs into or from a directory of its own (" + f + ")"
		}
	}
	for _, p := range pkgs {
		if strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.Contains(p, "://") ||
			strings.HasPrefix(p, "file:") || isArchive(p) ||
			(strings.Contains(p, "/") && !strings.HasPrefix(p, "@")) {
			return "installs " + p + ", which may be a local path"
		}
	}
	return ""
}

// toolVariable is the name of a variable an ENV or ARG sets that the
// tool reads ("" when none): GO* and CGO_* for Go, DOTNET_* and NUGET_*
// for .NET, and the proxies every download reads.
func toolVariable(x *dockerfile.Instruction, t *Tool) string {
	for _, n := range varNames(x) {
		u := strings.ToUpper(n)
		switch {
		case strings.HasSuffix(u, "_PROXY"), u == "SSL_CERT_FILE", u == "SSL_CERT_DIR":
			return n
		case t == toolGo && (strings.HasPrefix(u, "GO") || strings.HasPrefix(u, "CGO_")):
			return n
		case t == toolDotnet && (strings.HasPrefix(u, "DOTNET_") || strings.HasPrefix(u, "NUGET")):
			return n
		case t == toolCargo && (strings.HasPrefix(u, "CARGO_") || strings.HasPrefix(u, "RUSTUP_") || strings.HasPrefix(u, "RUST") || u == "CC" || u == "CXX"):
			return n
		case t == toolMaven && (strings.HasPrefix(u, "MAVEN_") || strings.HasPrefix(u, "M2_") || strings.HasPrefix(u, "JAVA_")):
			return n
		}
	}
	return ""
}

// isArchive: a package named by a file (a local tarball, wheel or gem):
// the tools read it from the working directory.
func isArchive(p string) bool {
	l := strings.ToLower(p)
	for _, ext := range []string{".tgz", ".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".whl", ".gem", ".egg"} {
		if strings.HasSuffix(l, ext) {
			return true
		}
	}
	return false
}

// hasProjectLocation: `npm config set --location=project` (or -L project)
// writes the project's .npmrc.
func hasProjectLocation(args []string) bool {
	for i, a := range args {
		if a == "--location=project" || (a == "--location" || a == "-L") && i+1 < len(args) && args[i+1] == "project" {
			return true
		}
	}
	return false
}

// bracedOperator: ${NAME:-default}, ${NAME#prefix} and the like.
var bracedOperator = regexp.MustCompile(`\$\{[^}]*[^A-Za-z0-9_{}][^}]*\}`)

// shellVar is a variable reference in a word ($NAME, ${NAME}).
var shellVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// expandImageEnv writes in the variables of args when each is one an ENV
// of the image sets (not a build arg, which a build may change) and the
// words hold no other expansion; ok is false otherwise.
func expandImageEnv(st *dockerfile.State, args []string) ([]string, bool) {
	if st == nil {
		return nil, false
	}
	out := make([]string, len(args))
	changed := false
	for i, a := range args {
		if !strings.Contains(a, "$") {
			out[i] = a
			continue
		}
		if strings.Contains(a, "$(") || strings.Contains(a, "`") || bracedOperator.MatchString(a) {
			return nil, false
		}
		for _, m := range shellVar.FindAllStringSubmatch(a, -1) {
			if _, ok := st.ImageEnv(m[1]); !ok {
				return nil, false
			}
		}
		out[i] = st.Expand(a)
		changed = true
	}
	return out, changed
}

// leavesFetchAlone: a RUN between the sources' COPY and a compile that
// stays where it is (the dependency step goes above the COPY, so above it
// too) and sets up nothing that fetching the dependencies needs — no
// credentials, git configuration, tool installed or proxy set: it only
// prints, checks or arranges files (gatus' `go mod tidy -diff` between
// `COPY . ./` and `go build`). A command that may write configuration
// (cp, git, go env -w, go generate) is not one.
func leavesFetchAlone(x *dockerfile.Instruction, tool *Tool) bool {
	if x.Kind != "RUN" || x.Run == nil {
		return false
	}
	r := x.Run
	if r.MountError != "" || r.ShellError != "" || len(r.Heredocs) > 0 || len(r.Commands) == 0 ||
		strings.ContainsAny(r.Script, "<>`") || strings.Contains(r.Script, "$(") {
		return false
	}
	for _, m := range r.Mounts {
		if m.Type == "secret" || m.Type == "ssh" {
			return false
		}
	}
	for _, c := range r.Commands {
		if len(c.Env) > 0 {
			return false
		}
		pos := c.Positional()
		switch path.Base(c.Name) {
		case "true", ":", "echo", "printf", "pwd", "id", "whoami", "date", "uname", "nproc", "printenv",
			"ls", "cat", "stat", "du", "tree", "test", "[", "rm", "mkdir", "touch", "chmod", "chown", "chgrp":
		case "go":
			if tool != toolGo || len(pos) == 0 {
				return false
			}
			switch pos[0] {
			case "version", "vet", "test", "build", "list", "fmt":
			case "mod":
				// tidy, verify, vendor: the module graph, never the
				// configuration the download reads (go env -w is that)
				if len(pos) < 2 || !slices.Contains([]string{"tidy", "verify", "vendor", "graph", "why", "download"}, pos[1]) {
					return false
				}
			default:
				return false
			}
		default:
			return false
		}
	}
	return true
}

// copyLeavesFetchAlone: a COPY between the sources' COPY and a compile
// that writes into the sources' directory (dest), or somewhere no tool
// reads programs or configuration from, and brings no file a download
// reads for its configuration or credentials: it stays where it is, after
// the dependency step, which it cannot have prepared.
func (in *Input) copyLeavesFetchAlone(x *dockerfile.Instruction, dest string, tool *Tool) bool {
	c := x.Copy
	if x.Kind != "COPY" || c == nil || c.UsesVariables || c.Unresolved || len(c.Heredocs) > 0 {
		return false
	}
	// a directory of the context holding the tool's manifests may be a
	// dependency the download needs (a cargo path crate, a Go replace
	// target): svix's `COPY rust /app/rust` must come before it
	if c.FromContext() {
		for _, src := range c.ContextSources() {
			if in.dirHoldsManifestOf(src, tool) {
				return false
			}
		}
	}
	d := c.Dest
	if !path.IsAbs(d) {
		d = path.Join(x.State.Workdir, d)
	}
	d = path.Clean(d)
	// into the sources, or somewhere no tool looks for programs or
	// configuration (gotify's `COPY --from=js-builder … /ui-build`)
	if !underDir(d, path.Clean(dest)) && d != path.Clean(dest) {
		if d == "/" || (x.State.Home != "" && (underDir(d, x.State.Home) || d == x.State.Home)) {
			return false
		}
		for _, sys := range []string{"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/root", "/home", "/opt", "/var/lib", "/go", "/usr/local"} {
			if d == sys || underDir(d, sys) {
				return false
			}
		}
	}
	for _, src := range c.SourcesExpanded {
		b := strings.ToLower(path.Base(strings.TrimRight(src, "/")))
		if fetchConfig[b] || strings.ContainsAny(b, "*?[") || b == "." || b == "" {
			return false
		}
	}
	return true
}

// fetchConfig are files and directories a dependency download reads its
// sources, proxies or credentials from.
var fetchConfig = map[string]bool{".netrc": true, ".gitconfig": true, ".npmrc": true, ".yarnrc": true, ".yarnrc.yml": true,
	"nuget.config": true, "settings.xml": true, ".ssh": true, "go.env": true, "pip.conf": true, ".pypirc": true,
	".cargo": true, "config.toml": true, "gradle.properties": true, ".m2": true, ".pip": true, "auth.json": true, ".git": true}
