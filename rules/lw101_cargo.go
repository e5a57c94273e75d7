package rules

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	toml "github.com/pelletier/go-toml/v2"
)

// Cargo has no command that fetches and builds the dependencies alone:
// `cargo fetch` needs the crate's targets to exist, and what takes the
// time is compiling the dependencies, not fetching them. The dependency
// step is therefore the compile itself, run once on stand-in sources: each
// target the manifest declares (src/main.rs, src/lib.rs, [[bin]] paths...)
// made an empty one, the same `cargo build` with the same flags (so the
// dependencies are built with the features and profile the real build
// uses), then `cargo clean -p` of the crate itself so the real build
// after the sources compiles the crate again however old the copied
// files' times are, and the stand-ins removed. The compile after the
// sources finds the dependencies built in target/ and compiles the crate
// alone. Refused where that is not certain: a workspace, a build script
// or a `links` key (the stand-in build would run or need it), vendored or
// offline builds, a target directory in a cache mount, and flags that pick
// packages or targets.

// cargoDependencyStep is the dependency step for a `cargo build`, or why
// there is none.
func cargoDependencyStep(in *Input, ins *dockerfile.Instruction, c dockerfile.Command, srcDir string) (string, string) {
	pos := c.Positional()
	if len(pos) == 0 || pos[0] != "build" && pos[0] != "b" {
		return "", fmt.Sprintf("`cargo %s`: only `cargo build` gets a dependency step", strings.Join(pos, " "))
	}
	for i, a := range c.Args {
		flag, val, hasVal := strings.Cut(a, "=")
		if strings.HasPrefix(flag, "-Z") {
			return "", fmt.Sprintf("`cargo build %s`: an unstable flag the stand-in build may not reproduce", a)
		}
		if flag == "--target" {
			if !hasVal && i+1 < len(c.Args) {
				val = c.Args[i+1]
			}
			// a target file is not among the manifests; a bare-metal
			// target has no std for the stand-in main
			if strings.HasSuffix(val, ".json") || strings.Contains(val, "-none") || strings.Contains(val, "none-") {
				return "", fmt.Sprintf("`cargo build --target %s`: a custom or bare-metal target the stand-in build cannot build", val)
			}
		}
		switch flag {
		case "-p", "--package", "--workspace", "--all", "--exclude", "--manifest-path", "--bin", "--example", "--examples", "--test", "--tests", "--bench", "--benches", "--all-targets", "--offline", "--frozen", "--target-dir", "-Z", "--config":
			return "", fmt.Sprintf("`cargo build %s`: the flag picks packages, targets or sources the stand-in build would not have", a)
		}
	}
	for _, a := range append(c.Args, c.Env...) {
		// the words are written back as spelled; a command substitution
		// might read the sources the stand-in build does not have
		if strings.Contains(a, "$(") || strings.Contains(a, "`") || strings.HasPrefix(a, "CARGO_TARGET_DIR=") || strings.HasPrefix(a, "CARGO_BUILD_TARGET_DIR=") {
			return "", fmt.Sprintf("`%s` is not written plainly enough to be repeated before the sources", shortCmd(c))
		}
	}
	for _, m := range ins.Run.Mounts {
		if m.Type == "cache" && (strings.HasSuffix(path.Clean(m.Target), "/target") || path.Base(m.Target) == "target") {
			return "", "the compile keeps target/ in a cache mount, which a dependency build before the sources would not fill"
		}
	}
	// the workspace, configuration and toolchain cargo finds above the crate
	for d := srcDir; d != ""; {
		d = path.Dir(d)
		if d == "." {
			d = ""
		}
		for _, f := range []string{".cargo", "rust-toolchain", "rust-toolchain.toml"} {
			if in.contextHas(strings.TrimPrefix(path.Join(d, f), "/")) {
				return "", fmt.Sprintf("the context has %s above the crate, which the dependency build would not see", path.Join(d, f))
			}
		}
		if data, err := in.readContextFile(strings.TrimPrefix(path.Join(d, "Cargo.toml"), "/")); err == nil && strings.Contains(string(data), "[workspace") {
			return "", "the crate is a member of the cargo workspace at " + path.Join(d, "Cargo.toml") + ": the workspace's manifests are not followed (cargo-chef does this)"
		}
	}
	for _, d := range []string{"vendor", ".cargo"} {
		if in.contextHas(strings.TrimPrefix(path.Join(srcDir, d), "/")) {
			return "", fmt.Sprintf("the context has %s: vendored sources or cargo configuration the stand-in build would not have", path.Join(srcDir, d))
		}
	}
	manifest := strings.TrimPrefix(path.Join(srcDir, "Cargo.toml"), "/")
	data, err := in.readContextFile(manifest)
	if err != nil {
		return "", fmt.Sprintf("%s could not be read: %v", manifest, err)
	}
	if len(data) > 1<<20 {
		return "", manifest + " is larger than a manifest the rewrite reads (1 MiB)"
	}
	var m map[string]any
	if err := toml.Unmarshal(data, &m); err != nil {
		return "", fmt.Sprintf("%s does not parse: %v", manifest, err)
	}
	if _, ok := m["workspace"]; ok {
		return "", "a cargo workspace: its members' manifests and sources are not followed (cargo-chef does this)"
	}
	pkg, _ := m["package"].(map[string]any)
	name, _ := pkg["name"].(string)
	if !cargoName.MatchString(name) {
		return "", manifest + " names no package (or one that is not a plain crate name)"
	}
	if _, ok := pkg["default-run"]; ok {
		return "", manifest + " sets default-run, a binary the stand-in build would not have"
	}
	if _, ok := m["replace"]; ok {
		return "", manifest + " has a [replace] table"
	}
	if _, ok := pkg["build"]; ok {
		return "", manifest + " names a build script, which the stand-in build would run without the sources"
	}
	if _, ok := pkg["links"]; ok {
		return "", manifest + " links a native library through a build script"
	}
	if dep := pathDependency(m); dep != "" && !in.pathDepsCopiedBefore(ins, m, srcDir) {
		return "", fmt.Sprintf("%s depends on %s by path: its sources come with the COPY of the sources, after the dependency build", manifest, dep)
	}
	if in.contextHas(strings.TrimPrefix(path.Join(srcDir, "build.rs"), "/")) {
		return "", "the crate has a build script (build.rs), which may read the sources the stand-in build does not have"
	}
	// the targets the manifest declares or cargo finds
	type target struct{ path, body string }
	var targets []target
	add := func(kind string, t map[string]any, def string) string {
		p, _ := t["path"].(string)
		if p == "" {
			p = def
		}
		if p == "" {
			return fmt.Sprintf("a [%s] target without a path", kind)
		}
		if !literalPath(p) || path.IsAbs(p) || strings.HasPrefix(path.Clean(p), "..") || strings.ContainsAny(p, " '\"\\") {
			return fmt.Sprintf("the %s target's path %q cannot be written plainly", kind, p)
		}
		body := "fn main() {}"
		if kind == "lib" {
			body = ""
		}
		targets = append(targets, target{path.Clean(p), body})
		return ""
	}
	has := func(p string) bool { return in.contextHas(strings.TrimPrefix(path.Join(srcDir, p), "/")) }
	if lib, ok := m["lib"].(map[string]any); ok {
		if why := add("lib", lib, "src/lib.rs"); why != "" {
			return "", why
		}
	} else if has("src/lib.rs") {
		targets = append(targets, target{"src/lib.rs", ""})
	}
	bins, _ := m["bin"].([]any)
	if len(bins) == 0 && has("src/main.rs") {
		targets = append(targets, target{"src/main.rs", "fn main() {}"})
	}
	for _, kind := range []string{"bin", "example", "test", "bench"} {
		list, _ := m[kind].([]any)
		for _, x := range list {
			t, _ := x.(map[string]any)
			if why := add(kind, t, ""); why != "" {
				return "", why
			}
		}
	}
	if len(targets) == 0 {
		return "", "no target (src/main.rs, src/lib.rs, [[bin]]) to stand in for"
	}
	// a file two targets share (a lib and a bin on src/main.rs) gets one
	// stand-in, with a main: a lib compiles with one too
	byPath := map[string]int{}
	var uniq []target
	for _, t := range targets {
		if i, ok := byPath[t.path]; ok {
			if t.body != "" {
				uniq[i].body = t.body
			}
			continue
		}
		byPath[t.path] = len(uniq)
		uniq = append(uniq, t)
	}
	var dirs, make_, files []string
	for _, t := range uniq {
		if d := path.Dir(t.path); d != "." && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
		files = append(files, t.path)
		if t.body == "" {
			make_ = append(make_, ": > "+t.path)
		} else {
			make_ = append(make_, "echo '"+t.body+"' > "+t.path)
		}
	}
	// the profile and target platform the compile builds for, for the clean
	var clean []string
	for i, a := range c.Args {
		switch flag, _, hasVal := strings.Cut(a, "="); flag {
		case "--release", "-r":
			clean = append(clean, "--release")
		case "--profile", "--target":
			clean = append(clean, c.SpelledArg(i))
			if !hasVal && i+1 < len(c.Args) {
				clean = append(clean, c.SpelledArg(i+1))
			}
		}
	}
	// as the script wrote it: `--features "a b"` stays one word
	compile := c.Spelling()
	step := ""
	if len(dirs) > 0 {
		step = "mkdir -p " + strings.Join(dirs, " ") + " && "
	}
	// the clean with the compile's own variables (CARGO_BUILD_TARGET picks
	// the directory it cleans)
	cleanCmd := append(append(c.SpelledEnv(), dockerfile.Quote(c.Name), "clean"), append(clean, "-p", dockerfile.Quote(name))...)
	step += strings.Join(make_, " && ") + " && " + compile + " && " + strings.Join(cleanCmd, " ") +
		" && rm " + strings.Join(files, " ")
	return step, ""
}

// cargoPathDeps are the dependencies of the manifest given by path (in
// any dependency table, target-specific ones included): name to path
// (the path "" when it is not a string).
func cargoPathDeps(m map[string]any) map[string]string {
	tables := []map[string]any{m}
	if ts, ok := m["target"].(map[string]any); ok {
		for _, t := range ts {
			if tt, ok := t.(map[string]any); ok {
				tables = append(tables, tt)
			}
		}
	}
	out := map[string]string{}
	for _, t := range tables {
		for _, k := range []string{"dependencies", "build-dependencies", "dev-dependencies", "build_dependencies", "dev_dependencies"} {
			deps, _ := t[k].(map[string]any)
			for name, d := range deps {
				if dt, ok := d.(map[string]any); ok {
					if p, ok := dt["path"]; ok {
						s, _ := p.(string)
						out[name] = s
					}
				}
			}
		}
	}
	return out
}

// pathDependency is a dependency of the manifest given by path, or "".
func pathDependency(m map[string]any) string {
	for _, name := range slices.Sorted(maps.Keys(cargoPathDeps(m))) {
		return name
	}
	if p, ok := m["patch"].(map[string]any); ok && len(p) > 0 {
		return "a [patch] table"
	}
	return ""
}

// pathDepsCopiedBefore: every path dependency of the manifest m (of the
// crate in the context directory srcDir) is a directory an earlier COPY
// of the stage put where the compile finds it, and the manifest has no
// [patch] (review 30: svix-cli's `COPY rust /app/rust` before its own
// crate, for `svix = { path = "../rust" }`). The dependency build before
// the sources then finds it as the compile does.
func (in *Input) pathDepsCopiedBefore(ins *dockerfile.Instruction, m map[string]any, srcDir string) bool {
	if _, ok := m["patch"]; ok {
		return false
	}
	s := in.stageOf(ins)
	if s == nil || ins.State == nil {
		return false
	}
	crate := ins.State.Workdir
	for _, cd := range leadingCds(ins.Run.Commands) {
		crate = path.Join(crate, cd.Args[0])
	}
	for _, p := range cargoPathDeps(m) {
		if p == "" || !literalPath(p) || path.IsAbs(p) {
			return false
		}
		if !dirCopiedTo(s, ins, strings.TrimPrefix(path.Clean("/"+path.Join(srcDir, p)), "/"), path.Join(crate, p)) {
			return false
		}
	}
	return true
}

// dirCopiedTo: an instruction of s before ins copies the context directory
// ctxDir, alone, to imgDir.
func dirCopiedTo(s *dockerfile.Stage, ins *dockerfile.Instruction, ctxDir, imgDir string) bool {
	for _, x := range s.Instructions {
		if x.Index >= ins.Index {
			return false
		}
		c := x.Copy
		if c == nil || !c.FromContext() || c.UsesVariables || len(c.ContextSources()) != 1 {
			continue
		}
		if strings.TrimPrefix(path.Clean("/"+c.ContextSources()[0]), "/") == ctxDir && path.Clean(absIn(x, c.Dest)) == path.Clean(imgDir) {
			return true
		}
	}
	return false
}

// cargoName is a crate name as cargo allows it, and as it can be written
// into a RUN unquoted.
var cargoName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
