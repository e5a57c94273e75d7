package rules

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// The Node runtime stage. A single-stage Node image that installs its
// development dependencies (npm ci without --omit=dev) ships them: the
// bundler, the type checker, the linters and test runners, often most of
// node_modules. The fix keeps the stage as it is, as the build stage, adds
// `npm prune --omit=dev` after its last RUN, and starts a runtime stage on
// the same node image with the application directory copied from it. The
// node binary, the OS and everything the base holds are the same; what
// goes is the development dependencies and what the build left outside the
// application directory (npm's cache and logs). It is offered only when
// that is certain: every step writes inside the application directory (or
// only installs OS packages, which the runtime stage repeats), the command
// the container runs comes from node or a production dependency, and no
// source file of the service imports a package that only devDependencies
// declare.

// maxNodeSourceScan bounds the JavaScript and TypeScript sources read for
// imports; beyond it the rewrite is refused.
const maxNodeSourceScan = 64 << 20

// fixToolchainInFinal is LW111's fix: for now the npm case only.
func fixToolchainInFinal(in *Input, f Finding) (*Fix, string) {
	if _, _, ins := in.instructionAt(f.Range.Start.Line); ins != nil {
		for _, inst := range runInstalls(ins) {
			if devDepsInstall(inst, ins.State) {
				return fixNodeRuntimeStage(in, ins, inst)
			}
		}
	}
	return nil, "only development dependencies that npm installs are moved out of the image for now: split an SDK base or build tools into a build stage by hand"
}

func fixNodeRuntimeStage(in *Input, ins *dockerfile.Instruction, inst *Install) (*Fix, string) {
	if inst.Tool != toolNpm {
		return nil, fmt.Sprintf("`%s`: only npm's development dependencies are pruned into a runtime stage for now", inst)
	}
	m := in.File
	if len(m.Stages) != 1 {
		return nil, "the runtime-stage rewrite handles single-stage Dockerfiles only"
	}
	s := m.Stages[0]
	if n, ok := imageRef(s.Base); !ok || path.Base(n.Name()) != "node" {
		return nil, fmt.Sprintf("the runtime stage would start from the same image as the build, and %s is not the node image (node may come from a step the runtime stage would not repeat)", s.Base)
	}
	if s.Platform != "" {
		return nil, "the stage names its platform (FROM --platform): the runtime stage's platform is not certain"
	}
	if in.Context == nil || in.Context.Walk == nil {
		return nil, "the build context could not be read, so whether the service imports a development dependency cannot be told"
	}
	for _, a := range inst.Cmd.Args {
		if a == "-g" || a == "--global" || strings.HasPrefix(a, "--prefix") || strings.HasPrefix(a, "--location") {
			return nil, fmt.Sprintf("`%s` installs outside the working directory", inst)
		}
	}
	root := path.Clean(ins.State.Workdir)
	if root == "/" {
		return nil, "the install runs in /: the application directory is the whole filesystem"
	}
	if strings.ContainsAny(root, " \t*?[]$\"'\\") {
		return nil, fmt.Sprintf("the path %q has blanks, quotes or wildcards a COPY would read otherwise", root)
	}
	// what the install reads, and what the container runs
	pkgDir, ok := in.nodeContextDir(s, root)
	if !ok {
		return nil, fmt.Sprintf("which package.json the install in %s reads could not be told from the COPY lines", root)
	}
	deps, why := in.nodeDeps(pkgDir)
	if why != "" {
		return nil, why
	}
	if len(deps.dev) == 0 {
		return nil, "package.json declares no development dependency that is not also a dependency"
	}
	idx, lastRun, lastWrite := -1, -1, -1
	for i, x := range s.Instructions {
		if x == ins {
			idx = i
		}
		switch x.Kind {
		case "COPY", "ADD":
			c := x.Copy
			if c == nil || c.Unresolved || c.UsesVariables {
				return nil, fmt.Sprintf("%s (line %d) uses variables or could not be read", x.Kind, x.Range.Start.Line)
			}
			d := c.Dest
			if !path.IsAbs(d) {
				d = path.Join(x.State.Workdir, d)
			}
			if !within(path.Clean(d), root) {
				return nil, fmt.Sprintf("%s (line %d) writes to %s, outside the application directory %s that the runtime stage takes", x.Kind, x.Range.Start.Line, d, root)
			}
			lastWrite = i
		case "RUN":
			if systemOnly(x) {
				continue // repeated in the runtime stage
			}
			if why := nodeRunStaysIn(x, root, deps.scripts); why != "" {
				return nil, why
			}
			for _, mt := range x.Run.Mounts {
				if mt.Type != "cache" {
					// a bind-mounted package.json is gone when the prune
					// runs, and npm prunes everything; a secret .npmrc too
					return nil, fmt.Sprintf("the RUN at line %d mounts %s (type=%s), which the prune after it would not see", x.Range.Start.Line, mt.Target, mt.Type)
				}
			}
			for _, c := range runInstalls(x) {
				if c.Tool == toolNpm && (!c.FromManifest || c.Cmd.HasArg("--no-save")) && c.Cmd.Name != "" && first(c.Cmd) != "run" {
					return nil, fmt.Sprintf("`%s` (line %d) installs packages package.json does not declare: the prune would remove them", c, x.Range.Start.Line)
				}
			}
			lastRun, lastWrite = i, i
		case "ENV", "ARG", "LABEL", "EXPOSE", "USER", "VOLUME", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER", "WORKDIR":
		default:
			return nil, fmt.Sprintf("%s (line %d) is not repeated in a runtime stage", x.Kind, x.Range.Start.Line)
		}
	}
	if idx < 0 || lastRun < idx {
		return nil, "the install is not a step of the stage"
	}
	lock, _ := in.readContextFile(strings.TrimPrefix(path.Join(pkgDir, "package-lock.json"), "/"))
	for _, p := range nodeHomeWriters {
		for n := range deps.prod {
			if strings.Contains(n, p) {
				return nil, fmt.Sprintf("%s (a dependency) downloads into the home directory when it installs, which the runtime stage does not take", n)
			}
		}
		if n := lockInstallsForRuntime(lock, p); n != "" {
			return nil, fmt.Sprintf("package-lock.json installs %s for run time, which downloads into the home directory, which the runtime stage does not take", n)
		}
	}
	final := s.Instructions[len(s.Instructions)-1].State.Workdir
	startDir, ok := in.nodeContextDir(s, final)
	if !ok {
		startDir = pkgDir
	}
	if why := in.startNeedsDev(s, final, startDir, deps); why != "" {
		return nil, why
	}
	if why := in.sourcesImportDev("", deps); why != "" {
		return nil, why
	}
	// --no-save: prune rewrites a workspace's package-lock.json otherwise
	// (same content, other key order), and the image's lockfile would differ
	prune := "RUN npm prune --omit=dev --no-save --no-audit --no-fund"
	if v, ok := nodeMajor(s.Base); ok && v < 15 {
		prune = "RUN npm prune --production" // npm 6 has no --omit
	}
	// the prune resolves the tree again: with the install's own flags, or
	// it fails where they were needed (peer conflicts) or adds packages
	for _, a := range inst.Cmd.Args {
		flag, _, _ := strings.Cut(a, "=")
		switch flag {
		case "--legacy-peer-deps", "--force", "--strict-peer-deps", "--no-optional", "--install-links", "--ignore-scripts":
			prune += " " + a
		case "--omit":
			if a == "--omit=optional" {
				prune += " " + a
			}
		}
	}
	// the runtime stage
	comment := "# runtime: the application without its development dependencies (pruned in the build stage), on the same node image"
	var rt []string
	kinds := []string{}
	if lastRun == lastWrite {
		rt = append(rt, prune)
		kinds = append(kinds, "RUN")
	}
	rt = append(rt, "", comment, keywordAsWritten(m, s.From)+" "+s.BaseRaw)
	kinds = append(kinds, "FROM")
	// the build stage's image config and OS packages, in their order; its
	// WORKDIRs too, so that the directories they make belong to the user
	// they belonged to (a COPY would make them root's)
	for _, x := range s.Instructions[:lastWrite+1] {
		switch {
		case x.Kind == "RUN" && systemOnly(x),
			slices.Contains([]string{"ENV", "ARG", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL"}, x.Kind):
			rt = append(rt, linesOf(m, x)...)
			kinds = append(kinds, x.Kind)
		}
	}
	rt = append(rt, fmt.Sprintf("COPY --from=build %s %s", root, root))
	kinds = append(kinds, "COPY")
	rt = append(rt, m.Lines[s.Instructions[lastWrite].Range.End.Line:]...)
	for _, x := range s.Instructions[lastWrite+1:] {
		kinds = append(kinds, x.Kind)
	}
	from := m.Lines[s.Range.Start.Line-1]
	if s.Name == "" {
		from += " AS build"
	} else {
		rt = replaceFromBuild(rt, s.Name)
	}
	reps := []Replacement{{StartLine: s.Range.Start.Line, EndLine: s.Range.Start.Line, Text: from + "\n", Kinds: []string{"FROM"}}}
	if lastRun != lastWrite {
		at := s.Instructions[lastRun].Range.End.Line + 1
		reps = append(reps, Replacement{StartLine: at, EndLine: at - 1, Text: prune + "\n", Kinds: []string{"RUN"}})
	}
	reps = append(reps, Replacement{StartLine: s.Instructions[lastWrite].Range.End.Line + 1, EndLine: len(m.Lines), Text: joinLines(rt), Kinds: kinds})
	desc := fmt.Sprintf("prune the development dependencies (%s) in a build stage; ship %s on %s", strings.Join(firstN(deps.devNames(), 4), ", "), root, s.Base)
	return &Fix{Description: desc, File: in.Dockerfile, Replacements: reps}, ""
}

// nodeHomeWriters are packages whose install downloads a browser or a
// binary into the user's home (~/.cache): the runtime stage would not have
// it.
var nodeHomeWriters = []string{"puppeteer", "playwright", "cypress", "mermaid-cli"}

func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// nodeRunStaysIn: a RUN of the build writes only inside the application
// directory: npm installs and scripts, node, npx, and file commands on
// paths inside it. Anything else may change the filesystem elsewhere,
// which the runtime stage would not have.
func nodeRunStaysIn(x *dockerfile.Instruction, root string, scripts map[string]string) string {
	line := x.Range.Start.Line
	if x.Run == nil || len(x.Run.Commands) == 0 || x.Run.ShellError != "" {
		return fmt.Sprintf("the RUN at line %d could not be read", line)
	}
	if !within(path.Clean(x.State.Workdir), root) {
		return fmt.Sprintf("the RUN at line %d runs in %s, outside the application directory %s", line, x.State.Workdir, root)
	}
	for _, red := range redirectTarget.FindAllStringSubmatch(x.Run.Script, -1) {
		t := red[1]
		if !path.IsAbs(t) {
			t = path.Join(x.State.Workdir, t)
		}
		if strings.HasPrefix(red[1], "&") || strings.HasPrefix(t, "/dev/") {
			continue // 2>&1, /dev/null
		}
		if !within(path.Clean(t), root) || strings.ContainsAny(red[1], "$`~") {
			return fmt.Sprintf("the RUN at line %d writes %s, outside the application directory %s", line, t, root)
		}
	}
	inside := func(args []string) string {
		for i, a := range args {
			if strings.HasPrefix(a, "-") {
				// a flag's value that is a path: cp -t DIR, --target-directory=DIR
				if v, ok := strings.CutPrefix(a, "--target-directory="); ok {
					a = v
				} else if a == "-t" && i+1 < len(args) {
					a = args[i+1]
				} else {
					continue
				}
			}
			p := a
			if !path.IsAbs(p) {
				p = path.Join(x.State.Workdir, p)
			}
			if strings.ContainsAny(a, "$`~") || !within(path.Clean(p), root) {
				return fmt.Sprintf("the RUN at line %d touches %s, outside the application directory %s", line, a, root)
			}
		}
		return ""
	}
	for _, c := range x.Run.Commands {
		name := path.Base(c.Name)
		switch name {
		case "npm":
			for _, a := range c.Args {
				if a == "-g" || a == "--global" || strings.HasPrefix(a, "--prefix") || strings.HasPrefix(a, "--location") {
					return fmt.Sprintf("`npm %s` (line %d) installs outside the application directory", strings.Join(c.Args, " "), line)
				}
			}
			var run []string // the scripts the command runs
			switch first(c) {
			case "ci", "install", "i", "rebuild":
				run = []string{"preinstall", "install", "postinstall", "prepare"}
			case "run", "run-script":
				if pos := c.Positional(); len(pos) > 1 {
					run = []string{"pre" + pos[1], pos[1], "post" + pos[1]}
				}
			case "test", "t":
				run = []string{"pretest", "test", "posttest"}
			case "prune":
			default:
				return fmt.Sprintf("`npm %s` (line %d) is not an install or a script run the rewrite knows stays in the application directory", first(c), line)
			}
			seen := map[string]bool{}
			for _, n := range run {
				if why := scriptWritesOutside(scripts, n, root, seen, 0); why != "" {
					return fmt.Sprintf("the RUN at line %d runs the script %q, which %s", line, n, why)
				}
			}
		case "node", "npx":
			if p := outsidePath(c.Args, x.State.Workdir, root); p != "" {
				return fmt.Sprintf("the RUN at line %d names %s, outside the application directory %s", line, p, root)
			}
		case "cd", "set", "echo", "true":
			if name == "cd" {
				if why := inside(c.Args); why != "" {
					return why
				}
			}
		case "mkdir", "rm", "cp", "mv", "touch", "chmod", "chown", "ln":
			if name == "chmod" || name == "chown" {
				pos := c.Positional()
				if len(pos) > 0 {
					pos = pos[1:] // the owner or the mode
				}
				for _, a := range pos {
					if p := path.Join(x.State.Workdir, a); path.IsAbs(a) && path.Clean(a) == root || !path.IsAbs(a) && p == root {
						return fmt.Sprintf("the RUN at line %d changes the owner or mode of %s itself, which the runtime stage's copy does not carry", line, root)
					}
				}
			}
			if why := inside(c.Args); why != "" {
				return why
			}
		default:
			return fmt.Sprintf("the RUN at line %d runs `%s`, which may change files outside the application directory %s that the runtime stage would not have", line, c.Name, root)
		}
	}
	return ""
}

// redirectTarget finds output redirections to absolute paths in a script.
var redirectTarget = regexp.MustCompile(`>>?\s*([^\s;&|)<>]+)`)

// nodeContextDir maps a directory of the image to the context directory
// whose files a COPY put there: the last COPY of the whole context (or a
// directory of it) that covers dir, or a COPY of package.json into dir.
func (in *Input) nodeContextDir(s *dockerfile.Stage, dir string) (string, bool) {
	return in.nodeContextDirDepth(s, dir, 0)
}

func (in *Input) nodeContextDirDepth(s *dockerfile.Stage, dir string, depth int) (string, bool) {
	found, out := false, ""
	for _, x := range s.Instructions {
		c := x.Copy
		if c == nil || c.Unresolved {
			continue
		}
		d := c.Dest
		if !path.IsAbs(d) {
			d = path.Join(x.State.Workdir, d)
		}
		d = path.Clean(d)
		if c.From != "" {
			// a directory another stage of the file copied from the
			// context (moorara's `COPY --from=builder
			// /usr/src/app/server/ ./server/`: review 23)
			from := in.File.Stage(c.From)
			if from == nil || from == s || depth > len(in.File.Stages) || len(c.Sources) != 1 || !path.IsAbs(c.Sources[0]) || !within(dir, d) {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(dir, d), "/")
			if o, ok := in.nodeContextDirDepth(from, path.Join(c.Sources[0], rel), depth+1); ok {
				out, found = o, true
			}
			continue
		}
		for _, src := range c.Sources {
			src = strings.TrimPrefix(path.Clean(src), "/")
			if src == "." {
				src = ""
			}
			switch {
			case len(c.Sources) == 1 && in.isDirSource(src) && within(dir, d):
				rel := strings.TrimPrefix(strings.TrimPrefix(dir, d), "/")
				out, found = strings.TrimPrefix(path.Join(src, rel), "/"), true
			case d == dir && matchName(path.Base(src), "package.json"):
				out, found = strings.TrimPrefix(path.Dir(src), "."), true
			}
		}
	}
	return out, found
}

// nodeDependencies are the package names a package (and its workspaces)
// declares: prod are needed at run time, dev only by devDependencies.
type nodeDependencies struct {
	prod, dev map[string]bool
	scripts   map[string]string
}

func (d nodeDependencies) devNames() []string {
	var out []string
	for n := range d.dev {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

type packageJSON struct {
	Name                 string            `json:"name"`
	Scripts              map[string]string `json:"scripts"`
	Dependencies         map[string]any    `json:"dependencies"`
	OptionalDependencies map[string]any    `json:"optionalDependencies"`
	PeerDependencies     map[string]any    `json:"peerDependencies"`
	DevDependencies      map[string]any    `json:"devDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
}

func (in *Input) readPackageJSON(dir string) (*packageJSON, error) {
	p := strings.TrimPrefix(path.Join(dir, "package.json"), "/")
	data, err := in.readContextFile(p)
	if err != nil {
		return nil, err
	}
	var pj packageJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	return &pj, nil
}

// nodeDeps reads the package.json in dir and, for a workspace root, its
// workspaces' ones.
func (in *Input) nodeDeps(dir string) (nodeDependencies, string) {
	d := nodeDependencies{prod: map[string]bool{}, dev: map[string]bool{}}
	rootPJ, err := in.readPackageJSON(dir)
	if err != nil {
		return d, fmt.Sprintf("the package.json in %q could not be read: %v", dir, err)
	}
	d.scripts = rootPJ.Scripts
	pjs := []*packageJSON{rootPJ}
	if len(rootPJ.Workspaces) > 0 {
		var pats []string
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(rootPJ.Workspaces, &pats) != nil {
			if json.Unmarshal(rootPJ.Workspaces, &obj) != nil {
				return d, "the workspaces of package.json could not be read"
			}
			pats = obj.Packages
		}
		if len(pats) > 64 {
			return d, "package.json lists more workspace patterns than the rewrite reads"
		}
		seenPat := map[string]bool{}
		for _, pat := range pats {
			pat = strings.TrimSuffix(path.Clean(pat), "/")
			if seenPat[pat] {
				continue
			}
			seenPat[pat] = true
			var dirs []string
			if base, ok := strings.CutSuffix(pat, "/*"); ok && !strings.ContainsAny(base, "*?[") {
				for _, c := range in.contextChildren(strings.TrimPrefix(path.Join(dir, base), "/")) {
					if in.isDirSource(c) {
						dirs = append(dirs, c)
					}
				}
			} else if !strings.ContainsAny(pat, "*?[") {
				dirs = append(dirs, strings.TrimPrefix(path.Join(dir, pat), "/"))
			} else {
				return d, fmt.Sprintf("the workspace pattern %q is not one the rewrite reads", pat)
			}
			for _, wd := range dirs {
				pj, err := in.readPackageJSON(wd)
				if err != nil {
					continue // a directory without a package is no workspace
				}
				pjs = append(pjs, pj)
				if pj.Name != "" {
					d.prod[pj.Name] = true
				}
			}
		}
	}
	for _, pj := range pjs {
		for _, m := range []map[string]any{pj.Dependencies, pj.OptionalDependencies, pj.PeerDependencies} {
			for n := range m {
				d.prod[n] = true
			}
		}
	}
	for _, pj := range pjs {
		for n := range pj.DevDependencies {
			if !d.prod[n] {
				d.dev[n] = true
			}
		}
	}
	return d, ""
}

// nodeBins are programs whose package has another name.
var nodeBins = map[string]string{
	"tsc": "typescript", "tsserver": "typescript", "nest": "@nestjs/cli", "pm2-runtime": "pm2", "pm2-docker": "pm2",
	"ng": "@angular/cli", "vue-cli-service": "@vue/cli-service", "remix-serve": "@remix-run/serve", "nuxi": "nuxt",
	"astro": "astro", "svelte-kit": "@sveltejs/kit", "prisma": "prisma", "sequelize": "sequelize-cli", "knex": "knex",
}

// passThrough are programs that run the rest of their arguments.
var passThrough = map[string]bool{"tini": true, "dumb-init": true, "docker-entrypoint.sh": true, "exec": true, "env": true, "cross-env": true}

// startNeedsDev tells why the command the container runs (or its
// HEALTHCHECK) may need a development dependency, or "".
func (in *Input) startNeedsDev(s *dockerfile.Stage, workdir, pkgDir string, deps nodeDependencies) string {
	// an ENTRYPOINT resets the CMD the base image set, not one the stage
	// sets itself (BuildKit keeps a CMD written before the ENTRYPOINT)
	var entry, cmd []string
	var entryShell, cmdShell bool
	var probes [][]string
	for _, x := range s.Instructions {
		switch c := x.Cmd.(type) {
		case *instructions.EntrypointCommand:
			entry, entryShell = c.CmdLine, c.PrependShell
		case *instructions.CmdCommand:
			cmd, cmdShell = c.CmdLine, c.PrependShell
		case *instructions.HealthCheckCommand:
			if c.Health != nil && len(c.Health.Test) > 1 {
				switch c.Health.Test[0] {
				case "CMD":
					probes = append(probes, c.Health.Test[1:])
				case "CMD-SHELL":
					probes = append(probes, []string{"sh", "-c", strings.Join(c.Health.Test[1:], " ")})
				}
			}
		}
	}
	var argv []string
	switch {
	case len(entry) > 0 && entryShell:
		argv = []string{"sh", "-c", strings.Join(entry, " ")}
	case len(entry) > 0:
		argv = append(append(argv, entry...), cmd...)
	case cmdShell && len(cmd) > 0:
		argv = []string{"sh", "-c", strings.Join(cmd, " ")}
	default:
		argv = cmd
	}
	if len(argv) == 0 {
		return "the image has no CMD or ENTRYPOINT of its own: what it runs cannot be told"
	}
	sc := &startCheck{deps: deps, seen: map[string]bool{}}
	if pj, err := in.readPackageJSON(pkgDir); err == nil {
		sc.scripts = pj.Scripts
	}
	st := s.Instructions[len(s.Instructions)-1].State
	for _, k := range []string{"NODE_OPTIONS", "NPM_CONFIG_NODE_OPTIONS", "npm_config_node_options"} {
		if v, ok := st.Getenv(k); ok {
			if why := sc.nodeFlags(strings.Fields(v)); why != "" {
				return k + ": " + why
			}
		}
	}
	// npm passes the project's node-options to every node it starts
	if rc, err := in.readContextFile(strings.TrimPrefix(path.Join(pkgDir, ".npmrc"), "/")); err == nil && strings.Contains(string(rc), "node-options") {
		return ".npmrc sets node-options, which the rewrite does not read"
	}
	if why := sc.argv(argv, 0); why != "" {
		return why
	}
	// a probe runs the image's OS tools (curl, wget) as often as node:
	// only a development dependency's program refuses it
	sc.probe = true
	for _, a := range probes {
		if why := sc.argv(a, 0); why != "" {
			return why
		}
	}
	return ""
}

// startCheck follows a start command through package.json's scripts;
// each script is read once (a script that runs another many times costs
// one read, not a product of them).
type startCheck struct {
	scripts map[string]string
	deps    nodeDependencies
	seen    map[string]bool
	probe   bool // a HEALTHCHECK: a program no package names is the OS's
}

// wrappers run a command given after their own arguments in a way the
// rewrite does not follow.
var wrappers = map[string]bool{"dotenv": true, "env-cmd": true, "concurrently": true, "npm-run-all": true, "run-s": true, "run-p": true, "nodemon": true}

func (sc *startCheck) argv(argv []string, depth int) string {
	if depth > 8 {
		return "the start command's scripts nest too deep to follow"
	}
	for len(argv) > 0 && (passThrough[path.Base(argv[0])] || argv[0] == "--" || strings.Contains(argv[0], "=") && !strings.HasPrefix(argv[0], "-")) {
		if k, v, ok := strings.Cut(argv[0], "="); ok && k == "NODE_OPTIONS" {
			if why := sc.nodeFlags(strings.Fields(strings.Trim(v, `'"`))); why != "" {
				return "NODE_OPTIONS: " + why
			}
		}
		argv = argv[1:]
		for len(argv) > 0 && strings.HasPrefix(argv[0], "-") && argv[0] != "--" {
			argv = argv[1:]
		}
	}
	if len(argv) == 0 {
		return ""
	}
	script := func(name string) string {
		for _, n := range []string{"pre" + name, name, "post" + name} {
			body, ok := sc.scripts[n]
			if !ok {
				if n == "start" {
					body = "node server.js" // npm's default start
				} else if n == name {
					return fmt.Sprintf("the container runs the script %q, which package.json does not have", name)
				} else {
					continue
				}
			}
			if sc.seen[n] {
				continue
			}
			sc.seen[n] = true
			if why := sc.shell(body, depth+1); why != "" {
				return why
			}
		}
		return ""
	}
	name := path.Base(argv[0])
	rest := argv[1:]
	if wrappers[name] {
		return fmt.Sprintf("the container runs %s, which runs a command the rewrite does not follow", name)
	}
	switch name {
	case "sh", "bash", "ash", "dash":
		for i, a := range rest {
			if (a == "-c" || a == "-ec" || a == "-ce") && i+1 < len(rest) {
				return sc.shell(rest[i+1], depth+1)
			}
		}
		return fmt.Sprintf("the container runs a shell script (%s) the rewrite does not read", strings.Join(argv, " "))
	case "node", "nodejs":
		return sc.nodeFlags(rest)
	case "npm", "yarn", "pnpm":
		for _, a := range rest {
			if a == "-w" || a == "-ws" || strings.HasPrefix(a, "--workspace") || a == "--prefix" || strings.HasPrefix(a, "--prefix=") || a == "-C" {
				return fmt.Sprintf("the container runs `%s`, a script of another package", strings.Join(argv, " "))
			}
		}
		pos := dockerfile.Command{Args: rest}.Positional()
		switch {
		case len(pos) == 0:
			return fmt.Sprintf("the container runs `%s`", strings.Join(argv, " "))
		case pos[0] == "start" || pos[0] == "test" && name != "yarn":
			return script(pos[0])
		case (pos[0] == "run" || pos[0] == "run-script") && len(pos) > 1:
			return script(pos[1])
		case name == "yarn" && sc.scripts[pos[0]] != "":
			return script(pos[0])
		}
		return fmt.Sprintf("the container runs `%s`, which may install or need development dependencies", strings.Join(argv, " "))
	case "npx":
		pos := dockerfile.Command{Args: rest}.Positional()
		if len(pos) == 0 {
			return "the container runs npx without a package"
		}
		if why := devServer(pos[0], pos[1:]); why != "" {
			return why
		}
		return sc.bin(pos[0])
	}
	if why := devServer(name, rest); why != "" {
		return why
	}
	return sc.bin(argv[0])
}

// devServer says why a program is a development server ("" when it is
// not): it compiles the sources as it serves them, with whatever
// development dependency they import (sass, typescript: conductor's UI
// runs `react-scripts start`, review 16).
func devServer(prog string, args []string) string {
	pos := dockerfile.Command{Args: args}.Positional()
	sub := ""
	if len(pos) > 0 {
		sub = pos[0]
	}
	dev := false
	switch path.Base(prog) {
	case "react-scripts", "craco", "react-app-rewired":
		dev = sub == "start"
	case "vite":
		dev = sub == "" || sub == "dev" || sub == "serve"
	case "webpack-dev-server", "nodemon", "ts-node-dev":
		dev = true
	case "webpack", "vue-cli-service", "ng":
		dev = sub == "serve"
	case "next", "nuxt", "nuxi", "astro", "remix":
		dev = sub == "dev"
	case "gatsby":
		dev = sub == "develop"
	case "parcel":
		dev = sub != "build"
	}
	if !dev {
		return ""
	}
	return fmt.Sprintf("the container runs %s, a development server: it compiles the sources with any development dependency they import", strings.TrimSpace(path.Base(prog)+" "+sub))
}

func (sc *startCheck) bin(prog string) string {
	why := binNeedsDev(prog, sc.deps)
	if sc.probe && strings.Contains(why, "cannot be told") {
		return ""
	}
	return why
}

// nodeFlags: node's preload and loader flags naming a development
// dependency.
func (sc *startCheck) nodeFlags(args []string) string {
	for i, a := range args {
		flag, val, has := strings.Cut(a, "=")
		switch flag {
		case "-r", "--require", "--import", "--loader", "--experimental-loader":
			if !has && i+1 < len(args) {
				val = args[i+1]
			}
			if p := packageOf(strings.Trim(val, `'"`)); p != "" && !sc.deps.prod[p] {
				return fmt.Sprintf("the container runs node with %s %s, which no dependency declares", flag, val)
			}
		}
	}
	return ""
}

// shell reads a script (an npm script, sh -c) command by command.
func (sc *startCheck) shell(script string, depth int) string {
	cmds, err := dockerfile.ParseScript(script)
	if err != nil || len(cmds) == 0 {
		return fmt.Sprintf("the start script %q could not be read", script)
	}
	for _, c := range cmds {
		argv := append(append([]string(nil), c.Env...), c.Name)
		if why := sc.argv(append(argv, c.Args...), depth); why != "" {
			return why
		}
	}
	return ""
}

// packageOf is the package a bare import specifier names ("" for relative
// paths, node built-ins and path aliases).
func packageOf(spec string) string {
	if spec == "" || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "node:") || strings.HasPrefix(spec, "#") {
		return ""
	}
	parts := strings.Split(spec, "/")
	if strings.HasPrefix(spec, "@") {
		if len(parts) < 2 || parts[0] == "@" {
			return "" // "@/components": a path alias
		}
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// importSpec finds the module specifiers of import declarations, dynamic
// imports, require calls and re-exports. A regular expression rather than a
// JavaScript parser: the rewrite needs the bare package names only, and
// no parser of JavaScript and TypeScript is among the libraries the project
// uses; a miss is a file the rewrite could not read, so it refuses rather
// than guesses (see sourcesImportDev).
var importSpec = regexp.MustCompile(`(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']([^"'\n]+)["']`)

// typeOnly: a declaration that imports or re-exports types only.
var typeOnly = regexp.MustCompile(`^(?:import|export)\s+type\b`)

// nodeSkipDir are directories whose files do not run in the service:
// installed packages, tests, mocks, stories. Build output sent in the
// context (dist/) is read: it may be what runs.
var nodeSkipDir = map[string]bool{"node_modules": true, "coverage": true,
	"test": true, "tests": true, "__tests__": true, "__mocks__": true, "e2e": true, "cypress": true, ".storybook": true, "mocks": true, "fixtures": true}

// sourcesImportDev: a JavaScript or TypeScript file of the build context
// that imports a package no dependency declares (a devDependency, or one
// that comes only with one); test files, stories and build tools'
// configuration are not the service's. The whole context is read: a COPY
// may put any of it in the application directory.
func (in *Input) sourcesImportDev(dir string, deps nodeDependencies) string {
	total := int64(0)
	aliases := in.tsPathAliases()
	for _, e := range in.Context.Entries {
		if e.Type != buildctx.TypeFile {
			// a symlink's target is read where it lies in the context (a
			// link counted by its own size would let links multiply the
			// bytes read)
			continue
		}
		rel := e.Path
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(e.Path, dir+"/"); !ok {
				continue
			}
		}
		switch path.Ext(rel) {
		case ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx":
		default:
			continue
		}
		base := path.Base(rel)
		if strings.HasSuffix(base, ".d.ts") || strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") || strings.Contains(base, ".stories.") ||
			buildToolConfig(base) || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "setupTests") {
			continue
		}
		skip := false
		for _, seg := range strings.Split(path.Dir(rel), "/") {
			skip = skip || nodeSkipDir[seg]
		}
		if skip {
			continue
		}
		if total += e.Size; total > maxNodeSourceScan {
			return "the service's JavaScript sources are too large to read for the packages they import"
		}
		data, err := in.readContextFile(e.Path)
		if err != nil {
			return fmt.Sprintf("%s could not be read: %v", e.Path, err)
		}
		text := string(data)
		for _, mt := range importSpec.FindAllStringSubmatchIndex(text, -1) {
			spec := text[mt[2]:mt[3]]
			p := packageOf(spec)
			if p == "" || deps.prod[p] || nodeBuiltins[p] || aliased(spec, aliases) {
				continue
			}
			if strings.HasPrefix(text[mt[0]:], "from") {
				// the declaration's keyword is near: a bounded look back
				// keeps a file of many imports linear
				lo := max(0, mt[0]-400)
				kw := max(strings.LastIndex(text[lo:mt[0]], "import"), strings.LastIndex(text[lo:mt[0]], "export"))
				if kw >= 0 {
					kw += lo
				}
				if kw >= 0 && typeOnly.MatchString(text[kw:mt[0]]) {
					continue // erased by the compiler
				}
			}
			if deps.dev[p] {
				return fmt.Sprintf("%s imports %s, which only devDependencies declare: the runtime stage would not have it (move it to dependencies)", e.Path, p)
			}
			return fmt.Sprintf("%s imports %s, which no dependency declares: it may come with a development dependency, which the prune removes (declare it in dependencies)", e.Path, p)
		}
	}
	return ""
}

// nodeMajor is the node version a node image's tag names.
func nodeMajor(base string) (int, bool) {
	_, tag, ok := strings.Cut(base[strings.LastIndex(base, "/")+1:], ":")
	if !ok {
		return 0, false
	}
	if v, ok := nodeCodenames[strings.Split(tag, "-")[0]]; ok {
		return v, true
	}
	v, err := strconv.Atoi(strings.Split(strings.Split(tag, "-")[0], ".")[0])
	return v, err == nil
}

func firstN(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], "…")
	}
	return xs
}

// nodeCodenames are the LTS lines' names the node image tags.
var nodeCodenames = map[string]int{"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}

func matchName(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

// binNeedsDev: a program the container runs is a development dependency's
// (or cannot be placed).
func binNeedsDev(prog string, deps nodeDependencies) string {
	if strings.Contains(prog, "/") && !strings.HasPrefix(prog, "node_modules/.bin/") && !strings.HasPrefix(prog, "./node_modules/.bin/") {
		if path.IsAbs(prog) && (strings.HasPrefix(prog, "/usr/") || strings.HasPrefix(prog, "/bin/")) {
			return "" // a program of the image's OS
		}
		return fmt.Sprintf("the container runs %s, a file the rewrite does not read", prog)
	}
	name := path.Base(prog)
	switch name {
	case "echo", "true", "cd", "set", "exec", "printf", "test", "[", "sleep", "cat", "mkdir", "cp", "rm", "ls":
		return ""
	}
	pkg := name
	if p, ok := nodeBins[name]; ok {
		pkg = p
	}
	switch {
	case deps.dev[pkg]:
		return fmt.Sprintf("the container runs %s, from the development dependency %s", name, pkg)
	case deps.prod[pkg]:
		return ""
	}
	// a scoped package's bin is usually named after it: @web/dev-server
	// installs web-dev-server (review 19: emblem's `npm start`)
	if p := binProvider(name, deps.prod); p != "" {
		return ""
	}
	if p := binProvider(name, deps.dev); p != "" {
		return fmt.Sprintf("the container runs %s, from the development dependency %s", name, p)
	}
	return fmt.Sprintf("the container runs %s, and which package provides it cannot be told", name)
}

// binProvider is the dependency among deps whose usual bin names include
// name ("" when none): a scoped package's name alone (@nestjs/cli: no;
// @web/dev-server: dev-server) or scope and name joined (web-dev-server).
func binProvider(name string, deps map[string]bool) string {
	for _, d := range slices.Sorted(maps.Keys(deps)) {
		scope, n, ok := strings.Cut(strings.TrimPrefix(d, "@"), "/")
		if !ok || !strings.HasPrefix(d, "@") {
			continue
		}
		if name == scope+"-"+n || name == n {
			return d
		}
	}
	return ""
}

// buildToolConfig: a configuration file that only a build or test tool
// loads (next.config.js is not one: next start loads it).
func buildToolConfig(base string) bool {
	for _, t := range []string{"vite", "vitest", "webpack", "rollup", "jest", "babel", "postcss", "tailwind", "eslint", "prettier", "tsup", "playwright", "cypress", "karma", "esbuild", "stylelint", "commitlint", "lint-staged", "storybook"} {
		if strings.HasPrefix(base, t+".config.") || strings.HasPrefix(base, t+".conf.") {
			return true
		}
	}
	return false
}

// nodeBuiltins are Node's own modules, importable without "node:".
var nodeBuiltins = map[string]bool{}

func init() {
	for _, m := range strings.Fields("assert async_hooks buffer child_process cluster console constants crypto dgram diagnostics_channel dns domain events fs http http2 https inspector module net os path perf_hooks process punycode querystring readline repl stream string_decoder sys timers tls trace_events tty url util v8 vm wasi worker_threads zlib test sqlite") {
		nodeBuiltins[m] = true
	}
}

// tsPathAliases are the import prefixes tsconfig.json's compilerOptions.paths
// (or jsconfig.json's) maps to the project's own files.
func (in *Input) tsPathAliases() []string {
	var out []string
	for _, f := range []string{"tsconfig.json", "jsconfig.json"} {
		data, err := in.readContextFile(f)
		if err != nil {
			continue
		}
		var tc struct {
			CompilerOptions struct {
				Paths map[string]any `json:"paths"`
			} `json:"compilerOptions"`
		}
		if json.Unmarshal(data, &tc) != nil {
			continue // tsconfig allows comments: without its aliases, their imports are refused
		}
		for k := range tc.CompilerOptions.Paths {
			out = append(out, strings.TrimSuffix(k, "*"))
		}
	}
	return out
}

func aliased(spec string, aliases []string) bool {
	for _, a := range aliases {
		if a != "" && strings.HasPrefix(spec, a) {
			return true
		}
	}
	return false
}

// outsidePath is the first path among a command's arguments (alone or as
// a flag's value) that lies outside dir, /tmp and /dev: an absolute one, or
// a relative one that climbs out of cwd.
func outsidePath(args []string, cwd, dir string) string {
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		a = strings.Trim(a, `'"`)
		p := a
		switch {
		case path.IsAbs(a):
		case a == ".." || strings.HasPrefix(a, "../") || strings.Contains(a, "/../"):
			p = path.Join(cwd, a) // `tsc --outDir ../srv`
		default:
			continue
		}
		if p = path.Clean(p); !within(p, dir) && !within(p, "/tmp") && !within(p, "/dev") {
			return a
		}
	}
	return ""
}

// scriptWritesOutside reads an npm script (and the scripts it runs) for
// arguments that name a path outside dir: `tsc --outDir /srv/dist`, a
// postinstall that copies into /usr/share. Each script is read once.
func scriptWritesOutside(scripts map[string]string, name, dir string, seen map[string]bool, depth int) string {
	body, ok := scripts[name]
	if !ok || seen[name] {
		return ""
	}
	seen[name] = true
	if depth > 8 {
		return "runs scripts nested too deep to follow"
	}
	cmds, err := dockerfile.ParseScript(body)
	if err != nil {
		return "could not be read"
	}
	for _, c := range cmds {
		if p := outsidePath(append([]string{c.Name}, c.Args...), dir, dir); p != "" {
			return "names " + p + ", outside the application directory " + dir
		}
		if path.Base(c.Name) == "npm" || path.Base(c.Name) == "yarn" {
			pos := c.Positional()
			if len(pos) > 1 && (pos[0] == "run" || pos[0] == "run-script") {
				if why := scriptWritesOutside(scripts, pos[1], dir, seen, depth+1); why != "" {
					return why
				}
			}
		}
	}
	return ""
}

// lockInstallsForRuntime is a package of package-lock.json whose name holds
// name and that is not only a development dependency's ("" when none). A
// devDependency (cypress for the tests) goes with the prune anyway. A
// lockfile that does not parse is read as text: any mention counts.
func lockInstallsForRuntime(lock []byte, name string) string {
	if len(lock) == 0 {
		return ""
	}
	var l struct {
		Packages map[string]struct {
			Dev bool `json:"dev"`
		} `json:"packages"`
	}
	if json.Unmarshal(lock, &l) != nil || l.Packages == nil {
		if strings.Contains(string(lock), "node_modules/"+name) || strings.Contains(string(lock), "node_modules/@"+name) {
			return name
		}
		return ""
	}
	for k, p := range l.Packages {
		i := strings.LastIndex(k, "node_modules/")
		if i < 0 || p.Dev {
			continue
		}
		if pkg := k[i+len("node_modules/"):]; strings.Contains(pkg, name) {
			return pkg
		}
	}
	return ""
}
