package discover

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/layerwise/layerwise/internal/safefile"
)

// Published names: the images a repository's own CI workflows and build
// scripts tag (`docker build -t NAME`, docker/build-push-action's `tags:`).
// An image FROM one of them builds on the repository's own image, built
// just before it (TeaStore's services FROM descartesresearch/teastore-base:latest,
// which its workflow and tools/build_docker.sh build first), not on one a
// registry moves under it. compose and bake name their images themselves
// (Image.Tags, Deps); these names come from files that only say so in
// commands, so they only inform findings, never the build graph.

// scriptDirs are the directories whose shell scripts and Makefiles are read
// for `docker build -t`, besides the repository's root.
var scriptDirs = []string{"", "tools", "scripts", "script", "build", "hack", "ci", "docker", "deploy"}

// dockerVarTag is the first -t/--tag value of a docker build called
// through a variable (bank-of-sirius' `$(DOCKER_BUILD) --tag
// "$${SHORTNAME}"`).
var dockerVarTag = regexp.MustCompile(`\$[({]?[A-Z_]*DOCKER[A-Z_]*[)}]?[^\n]*?(?:\s-t|\s--tag)(?:\s+|=)("[^"]+"|'[^']+'|\S+)`)

// dockerTag is a docker build command's -t/--tag value.
var dockerTag = regexp.MustCompile(`\bdocker(?:\s+buildx)?\s+build\b[^\n]*?(?:\s-t|\s--tag)(?:\s+|=)("[^"]+"|'[^']+'|\S+)`)

// expression is a shell or workflow expression inside a name: ${VAR},
// $VAR, ${{ env.X }}, $(VAR) in a Makefile.
var expression = regexp.MustCompile(`\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*`)

// buildArg is a build argument a docker build command or a workflow's
// build-args passes: --build-arg NAME=..., --build-arg NAME (from the
// environment), or a NAME=... line under `build-args:`.
var buildArg = regexp.MustCompile(`--build-arg(?:\s+|=)["']?([A-Za-z_][A-Za-z0-9_]*)`)

// publishedNames collects the names, without tag, that the repository's CI
// workflows and build scripts tag, and the build args they pass. A name
// whose registry or owner is an expression (${registry}teastore-base) is
// kept as "*/" + its last path element.
func (c *buildConfigs) publishedNames() (names []string, args map[string]bool, variableTags bool) {
	args = map[string]bool{}
	files := append(c.workflows(), filepath.Join(c.root, ".gitlab-ci.yml"))
	for _, d := range scriptDirs {
		dir := filepath.Join(c.root, d)
		for _, e := range c.list(dir) {
			if n := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(n, ".sh") || n == "Makefile" || strings.HasSuffix(n, ".mk")) {
				files = append(files, filepath.Join(dir, n))
			}
		}
	}
	seen := map[string]bool{}
	for i, p := range files {
		if i >= 200 {
			break
		}
		data := c.read(p)
		if data == nil {
			continue
		}
		data = uncommented(data)
		var raw []string
		for _, m := range dockerTag.FindAllSubmatch(data, -1) {
			raw = append(raw, strings.Trim(string(m[1]), `"'`))
		}
		for _, m := range dockerVarTag.FindAllSubmatch(data, -1) {
			raw = append(raw, strings.Trim(string(m[1]), `"'`))
		}
		for _, v := range yamlValues(data, "tags:") {
			// an image's name has a registry, an owner or a tag:
			// GitLab's runner tags (`tags: [docker, node]`) and a
			// workflow's `on: push: tags:` patterns have none
			if strings.ContainsAny(v, "/:") {
				raw = append(raw, v)
			}
		}
		for _, m := range buildArg.FindAllSubmatch(data, -1) {
			args[string(m[1])] = true
		}
		for _, v := range yamlValues(data, "build-args:") {
			if k, _, ok := strings.Cut(v, "="); ok && validArg.MatchString(k) {
				args[k] = true
			}
		}
		for _, r := range raw {
			if n := publishedName(r); n != "" {
				seen[n] = true
			}
			// a tag that is a variable whole (`--tag "$${SHORTNAME}"`)
			variableTags = variableTags || strings.HasPrefix(r, "$")
		}
	}
	names = make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, args, variableTags
}

var validArg = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlValues reads the values of a key such as docker/build-push-action's
// `tags:` or `build-args:` (comma- or newline-separated, inline or as a
// block).
func yamlValues(data []byte, key string) []string {
	var out []string
	lines := bytes.Split(data, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		l := string(lines[i])
		t := strings.TrimSpace(l)
		rest, ok := strings.CutPrefix(t, key)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest != "" && rest != "|" && rest != ">" && rest != "|-" && rest != ">-" {
			out = append(out, splitTags(rest)...)
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		for i+1 < len(lines) {
			n := string(lines[i+1])
			if strings.TrimSpace(n) == "" {
				i++
				continue
			}
			if len(n)-len(strings.TrimLeft(n, " \t")) <= indent {
				break
			}
			out = append(out, splitTags(strings.TrimPrefix(strings.TrimSpace(n), "- "))...)
			i++
		}
	}
	return out
}

func splitTags(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.Trim(strings.TrimSpace(f), `"'`); f != "" && !strings.ContainsAny(expression.ReplaceAllString(f, "x"), " \t") {
			out = append(out, f)
		}
	}
	return out
}

// publishedName is the name a tag value publishes, without its tag ("" when
// nothing of it is a name).
func publishedName(v string) string {
	loc := expression.FindStringIndex(v)
	lead := loc != nil && loc[0] == 0
	// the tag: after the last ':' that follows the last '/'
	// (a tag that is an expression too: ${{ env.GIT_BRANCH }})
	if i := strings.LastIndex(v, ":"); i > strings.LastIndex(v, "/") {
		v = v[:i]
	}
	if lead {
		// ${registry}teastore-base, ${{ env.REGISTRY }}/app: the
		// owner is not known; keep the last element
		last := path.Base(expression.ReplaceAllString(v, "/"))
		if last == "" || last == "." || last == "/" || expression.MatchString(last) {
			return ""
		}
		return "*/" + strings.ToLower(last)
	}
	if expression.MatchString(v) {
		return ""
	}
	n, err := reference.ParseNormalizedNamed(strings.ToLower(v))
	if err != nil {
		return ""
	}
	return reference.FamiliarName(n)
}

// Publishes reports whether ref names an image the repository's CI or
// build scripts tag (Repo.Published). A name known only by its last
// element never matches an official image's (FROM node is not the
// repository's ${REGISTRY}node).
func (r *Repo) Publishes(ref string) bool {
	if len(r.Published) == 0 && !r.variableTags || strings.Contains(ref, "$") {
		return false
	}
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	name := reference.FamiliarName(n)
	if _, ok := slices.BinarySearch(r.Published, name); ok {
		return true
	}
	if !strings.Contains(name, "/") {
		return r.prefixedDirImage(name)
	}
	_, ok := slices.BinarySearch(r.Published, "*/"+path.Base(name))
	return ok
}

// prefixedDirImage: an unqualified name PREFIX-DIR (or PREFIX_DIR) where
// DIR is the directory of one of the repository's Dockerfiles, and a build
// script or workflow tags images from a variable: the repository's own
// image, tagged by a recipe (review 28: bank-of-sirius' Makefile tags
// base-images/python as "$(IMAGE_NAME_PREFIX)python", bos-python, which
// the services build FROM). Whatever the prefix, a bare official name
// (node, python) has none and is never one.
func (r *Repo) prefixedDirImage(name string) bool {
	if !r.variableTags {
		return false
	}
	i := strings.LastIndexAny(name, "-_")
	if i <= 0 || i == len(name)-1 {
		return false
	}
	// (the directories' names are indexed once per discovery: this is
	// asked for every stage of every image)
	names := r.dirNames
	if names == nil {
		names = dirNames(r.Images)
	}
	return names[name[i+1:]]
}

// dirNames are the names of the directories holding the images'
// Dockerfiles.
func dirNames(images []*Image) map[string]bool {
	out := map[string]bool{}
	for _, im := range images {
		if im.Dockerfile != "" {
			out[path.Base(path.Dir(filepath.ToSlash(im.Dockerfile)))] = true
		}
	}
	return out
}

// Mentions. Whether a file names a Dockerfile is asked for every image,
// of the same files (the root's, the CI's): each file is read and cut into
// tokens once per discovery (path-like words, each with its directories
// and its base name), and each directory's files are counted once per
// token, so that the question costs a few look-ups per image and the
// whole stays linear in the files' size.

// tokenSet is what a file names: all its tokens (with their base names and
// directories), the paths among them (tokens and their directories, no
// base names), and those on lines that build an image (buildLine).
type tokenSet struct {
	all, paths, build map[string]bool
	// builds: some line builds an image (`docker build .` in a README
	// beside the Dockerfile names nothing)
	builds bool
	// doc: the file is a document (a README, Markdown, reStructuredText,
	// AsciiDoc, plain text): a build line there is a reader's one-off
	// build, not a loop anybody runs per change
	doc bool
	// noCache, cached: a build line of the file passes --no-cache (no
	// layer of an earlier build is reused), one does not; cachedBuild
	// holds the tokens of the build lines that do not
	noCache, cached bool
	cachedBuild     map[string]bool
}

// docFile: a document's name — Markdown, reStructuredText, AsciiDoc, a
// README or INSTALL of any extension. Not every .txt (requirements.txt,
// CMakeLists.txt) nor .html (a template) is prose a reader follows.
func docFile(name string) bool {
	n := strings.ToLower(name)
	switch path.Ext(n) {
	case ".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc":
		return true
	}
	return strings.HasPrefix(n, "readme") || strings.HasPrefix(n, "install")
}

// buildLine: a line that builds an image or names what a build reads.
// Compose's short `build: ./dir` counts in a file of any name
// (docker-compose-local.yml: review 19) — an unquoted key with its value,
// so not package.json's "build" script nor a CI job named build. Also a
// YAML key `context:` or `dockerfile:` at the line's start (not a Go
// snippet's `fmt.Errorf("context: %w")` in CONTRIBUTING.md, not `#
// syntax=docker/dockerfile:1`: review 15), compose's build or up --build
// (not an installer's docker-compose-plugin package, not pds's `docker
// compose up` of published images: the images compose builds are found
// from its files), not a solution file that lists
// the project's directory, not a script's `[ -f x ]` or `cp -f`.
var buildLine = regexp.MustCompile(`(?i)(docker|podman)\s+(buildx\s+)?build|(docker-compose|docker\s+compose)\b[^\n]*\s(build|--build)\b|^\s*-?\s*["']?(context|dockerfile)["']?\s*:|^\s*build:\s*["']?[./\w]`)

// assignment is a shell or make variable's assignment at a line's start
// (export, readonly and local allowed; make's :=, ?= and ::= too).
var assignment = regexp.MustCompile(`(?m)^[ \t]*(?:export[ \t]+|readonly[ \t]+|local[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:=|:=|::=|\?=)[ \t]*(.*?)[ \t]*$`)

// selfDir: a value that is the file's own directory — a script's
// `$(cd "$(dirname "$0")"; pwd -P)` or `${BASH_SOURCE[0]}`'s, a Makefile's
// $(CURDIR) or its MAKEFILE_LIST's directory.
var selfDir = regexp.MustCompile(`dirname[^\n]*(\$0|\$\{0\}|BASH_SOURCE)|\$[({]CURDIR[)}]|MAKEFILE_LIST`)

// knownVariables writes a script's or Makefile's variables whose value the
// file itself fixes — its own directory (as "."), a literal path, each
// assigned once — in place of their references, so `docker build -f
// $SCRIPT_DIR/Dockerfile $SCRIPT_DIR/../..` names the Dockerfile beside the
// script, not every Dockerfile of the repository (review 18's knative docs:
// one such script made 80 tutorials look built), and `$(DOCKER) build`
// is the docker build it runs. A loop's variable, one assigned twice or
// from a command stays a variable: not known here.
func knownVariables(data []byte) []byte {
	raw := map[string]string{}
	const twice = "\x00"
	for _, m := range assignment.FindAllSubmatch(data, 200) {
		name, v := string(m[1]), unquoted(strings.TrimSpace(string(m[2])))
		if selfDir.MatchString(v) {
			v = "."
		} else if w := whichProgram.FindStringSubmatch(v); w != nil {
			v = w[1] // DOCKERCMD=$(shell which docker)
		}
		if old, seen := raw[name]; seen && old != v {
			v = twice // assigned twice, differently
		}
		raw[name] = v
	}
	// a value made of known ones is known (harbor's DOCKERBUILD=$(DOCKERCMD)
	// build --no-cache): a few passes, in name order
	names := slices.Sorted(maps.Keys(raw))
	known := map[string]string{}
	for pass := 0; pass < 4; pass++ {
		changed := false
		for _, name := range names {
			v := raw[name]
			if _, ok := known[name]; ok || v == twice || v == "" || len(v) > maxToken || strings.ContainsAny(v, "`\n\\") {
				continue
			}
			// what is left may be plain references ($(DOCKERNETWORK)),
			// not a command's output
			if r := string(replaceKnown([]byte(v), known)); !strings.Contains(plainRef.ReplaceAllString(r, ""), "$") && (r != v || !strings.Contains(r, "$")) {
				known[name] = r
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return replaceKnown(data, known)
}

// plainRef is a reference to a variable by name: $NAME, ${NAME}, $(NAME).
var plainRef = regexp.MustCompile(`\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}|\([A-Za-z_][A-Za-z0-9_]*\))`)

// whichProgram: a value that is the path of a program on PATH.
var whichProgram = regexp.MustCompile(`^\$\((?:shell\s+)?(?:which|command\s+-v)\s+([A-Za-z0-9_.-]+)\)$`)

// unquoted strips one pair of matching outer quotes.
func unquoted(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// replaceKnown writes the known variables' values in place of their
// references: ${NAME}, $(NAME), $NAME and make's $$NAME, whole names only.
// One pass over the text (a file may hold thousands of references).
func replaceKnown(data []byte, known map[string]string) []byte {
	if len(known) == 0 || bytes.IndexByte(data, '$') < 0 {
		return data
	}
	isName := func(b byte, first bool) bool {
		return b == '_' || 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || !first && '0' <= b && b <= '9'
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		if data[i] != '$' {
			out = append(out, data[i])
			i++
			continue
		}
		j := i + 1
		if j < len(data) && data[j] == '$' {
			j++ // make's $$NAME is the shell's $NAME
		}
		var name string
		end := -1
		switch {
		case j < len(data) && (data[j] == '{' || data[j] == '(') && j == i+1:
			close := byte('}')
			if data[j] == '(' {
				close = ')'
			}
			k := j + 1
			for k < len(data) && isName(data[k], k == j+1) {
				k++
			}
			if k < len(data) && data[k] == close && k > j+1 {
				name, end = string(data[j+1:k]), k+1
			}
		case j < len(data) && isName(data[j], true):
			k := j
			for k < len(data) && isName(data[k], false) {
				k++
			}
			name, end = string(data[j:k]), k
		}
		if v, ok := known[name]; ok && end > 0 {
			out = append(out, v...)
			i = end
			continue
		}
		out = append(out, data[i])
		i++
	}
	return out
}

// maxToken: longer words are no paths a build names (and their directories
// would cost their length squared).
const maxToken = 256

// tokens of the file at p (nil when it cannot be read), once per discovery
// and within maxMentionBytes of text in all.
func (c *buildConfigs) tokens(p string) *tokenSet {
	if t, ok := c.tokenCache[p]; ok {
		return t
	}
	var t *tokenSet
	if namesNoBuild(p) || c.loadedCompose[p] {
		// a lock file, a change log, an image: names no Dockerfile, and
		// one of them over the size cap must not make every mention
		// unknown (a root package-lock.json did)
		c.tokenCache[p] = nil
		return nil
	}
	if c.mentionBytes <= maxMentionBytes {
		if data := c.read(p); data != nil {
			c.mentionBytes += int64(len(data))
			n := filepath.Base(p)
			t = &tokenSet{all: map[string]bool{}, paths: map[string]bool{}, build: map[string]bool{}, cachedBuild: map[string]bool{}, doc: docFile(n)}
			code := c.isCI(p) || n == "Makefile" || n == "Jenkinsfile" || slices.Contains([]string{".yml", ".yaml", ".sh", ".mk"}, filepath.Ext(n))
			if code || filepath.Ext(n) == "" {
				data = knownVariables(data)
			}
			ignoreIndent := -1 // inside a workflow's `paths-ignore:` list
			for line := range bytes.Lines(data) {
				if code {
					// a CI file's, a script's or a YAML file's comments
					// build nothing (a README's # is a heading)
					if l := bytes.TrimSpace(line); bytes.HasPrefix(l, []byte("#")) || bytes.HasPrefix(l, []byte("//")) {
						continue
					}
				}
				if c.isCI(p) {
					// the paths a workflow ignores name what it does not
					// build (coolify's paths-ignore of the other images'
					// Dockerfiles: review 25)
					l := bytes.TrimSpace(line)
					indent := len(line) - len(bytes.TrimLeft(line, " \t"))
					if ignoreIndent >= 0 && len(l) > 0 && (indent < ignoreIndent || !bytes.HasPrefix(l, []byte("-"))) {
						ignoreIndent = -1
					}
					if ignoreIndent >= 0 {
						continue
					}
					if k, rest, ok := bytes.Cut(l, []byte(":")); ok && (string(k) == "paths-ignore" || string(k) == "branches-ignore" || string(k) == "tags-ignore") {
						if len(bytes.TrimSpace(rest)) == 0 {
							ignoreIndent = indent
						}
						continue
					}
				}
				build := buildLine.Match(line)
				t.builds = t.builds || build
				noCache := build && noCacheFlag.Match(line)
				if build {
					t.noCache = t.noCache || noCache
					t.cached = t.cached || !noCache
				}
				if build && !t.doc && !c.isCI(p) && variableContext(string(line)) {
					// `for svc in api web; do docker build $$svc; done`:
					// which directories it builds is not known here
					c.addVariableBuild(p)
				}
				for _, w := range strings.FieldsFunc(string(line), func(r rune) bool {
					return r <= ' ' || strings.ContainsRune(`"'`+"`"+`,;=()[]{}<>|`, r)
				}) {
					if len(w) > maxToken || strings.Contains(w, "@") {
						// (an action's reference, docker/build-push-action@v6,
						// names no directory docker/: lago's review 16)
						continue
					}
					if strings.Contains(w, "$") && strings.Contains(w, "ockerfile") {
						// docker build -f docker/Dockerfile.$(ENV): any
						// Dockerfile of that shape may be the one it names
						// (not every Dockerfile: review 19's Makefile loop
						// over storefront-versions/$$container/Dockerfile
						// made the whole repository look built locally)
						d := dynamicName{glob: strings.TrimPrefix(variableRef.ReplaceAllString(w, "*"), "./"), doc: t.doc}
						// each shape once, and a bounded number of shapes:
						// every Dockerfile is matched against them
						// (400 Dockerfiles × one per word took minutes)
						if !slices.Contains(c.dynamic, d) {
							if len(c.dynamic) >= maxDynamic {
								c.overBudget = true
							} else {
								c.dynamic = append(c.dynamic, d)
							}
						}
					}
					paths := t.paths
					if code && strings.Contains(w, "*") {
						// a glob (a workflow's `on: push: paths:
						// - 'ads-service-fixed/**'`) filters what triggers
						// a job: it names no directory the job builds
						// (review 19)
						paths = nil
					}
					addToken(t.all, paths, w)
					if build {
						addToken(t.build, nil, w)
						if !noCache {
							addToken(t.cachedBuild, nil, w)
						}
					}
				}
			}
		} else if _, err := os.Lstat(p); err == nil && !binaryFile(c.root, p) {
			c.overBudget = true // there, but not read (too large, not a file)
		}
	} else {
		c.overBudget = true
	}
	c.tokenCache[p] = t
	return t
}

// noBuildNames are files that name no image build: lock files and
// checksums (machine-written), change logs and licences, and media,
// archives and compiled files by extension.
var (
	noBuildNames = map[string]bool{
		"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true,
		"bun.lockb": true, "go.sum": true, "cargo.lock": true, "poetry.lock": true, "pdm.lock": true,
		"uv.lock": true, "pipfile.lock": true, "composer.lock": true, "gemfile.lock": true,
		"mix.lock": true, "packages.lock.json": true, "gradle.lockfile": true, "flake.lock": true,
	}
	noBuildPrefixes = []string{"changelog", "changes", "history", "license", "licence", "copying", "notice", "authors", "contributors", "third_party_notices", "thirdpartynotices"}
	noBuildExts     = []string{
		".png", ".jpg", ".jpeg", ".gif", ".ico", ".icns", ".webp", ".svg", ".pdf", ".mp4", ".mp3", ".wav",
		".woff", ".woff2", ".ttf", ".otf", ".eot", ".zip", ".gz", ".tgz", ".xz", ".bz2", ".zst", ".tar",
		".jar", ".war", ".so", ".dylib", ".dll", ".exe", ".a", ".o", ".pyc", ".wasm", ".db", ".sqlite",
		".lock", ".sum", ".map", ".min.js", ".min.css", ".bin", ".dat",
	}
)

// namesNoBuild: by its name alone, the file at p names no image build.
func namesNoBuild(p string) bool {
	n := strings.ToLower(filepath.Base(p))
	if noBuildNames[n] {
		return true
	}
	for _, x := range noBuildPrefixes {
		if n == x || strings.HasPrefix(n, x+".") || strings.HasPrefix(n, x+"-") || strings.HasPrefix(n, x+"_") {
			return true
		}
	}
	for _, x := range noBuildExts {
		if strings.HasSuffix(n, x) {
			return true
		}
	}
	return false
}

// binaryFile: the regular file at p (inside root) holds a NUL byte in its
// first 8 KiB, as compiled files and archives do and text never does.
func binaryFile(root, p string) bool {
	q, err := safefile.Within(root, p)
	if err != nil {
		return false
	}
	f, err := safefile.OpenRegular(q)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 8<<10)
	n, _ := io.ReadFull(f, buf)
	return bytes.IndexByte(buf[:n], 0) >= 0
}

// addToken adds a word, its base name and its directories ("./src/Api/"
// gives src/Api, Api, src) to set, and the word and its directories to
// paths (when not nil).
func addToken(set, paths map[string]bool, w string) {
	w = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(w, "./"), ":"), "/")
	if w == "" {
		return
	}
	set[w] = true
	set[path.Base(w)] = true
	if paths != nil {
		paths[w] = true
	}
	for i := 1; i < len(w); i++ {
		if w[i] == '/' {
			set[w[:i]] = true
			if paths != nil {
				paths[w[:i]] = true
			}
		}
	}
}

// dirIndex counts, for the regular files directly in a directory, how many
// name each token (all, build) and how many have a build line; files are
// the files counted.
type dirIndex struct {
	all, build map[string]int
	builds     int
	files      map[string]*tokenSet
	// toolBuild and toolBuilds count the files that are no documents
	// (compose, scripts, Makefiles, dev containers)
	toolBuild  map[string]int
	toolBuilds int
}

// index of the directory (repository-relative), once per discovery; with
// noCI, without the CI files that build images.
func (c *buildConfigs) index(dir string, noCI bool) *dirIndex {
	key := fmt.Sprint(dir, "\x00", noCI)
	if x, ok := c.dirIndexCache[key]; ok {
		return x
	}
	x := &dirIndex{all: map[string]int{}, build: map[string]int{}, files: map[string]*tokenSet{}, toolBuild: map[string]int{}}
	abs := filepath.Join(c.root, filepath.FromSlash(dir))
	for i, e := range c.list(abs) {
		if i >= 2000 {
			c.overBudget = true
			break
		}
		p := filepath.Join(abs, e.Name())
		if !e.Type().IsRegular() || (noCI && c.isCI(p)) {
			continue
		}
		t := c.tokens(p)
		if t == nil {
			continue
		}
		x.files[filepath.ToSlash(relTo(c.root, p))] = t
		for k := range t.all {
			x.all[k]++
		}
		for k := range t.build {
			x.build[k]++
			if !t.doc {
				x.toolBuild[k]++
			}
		}
		if t.builds {
			x.builds++
			if !t.doc {
				x.toolBuilds++
			}
		}
	}
	c.dirIndexCache[key] = x
	return x
}

// named: a file of the index other than df names tok (build: on a build
// line).
func (x *dirIndex) named(tok, df string, build bool) bool {
	m, own := x.all, x.files[df]
	if build {
		m = x.build
	}
	n := m[tok]
	if own != nil && ((build && own.build[tok]) || (!build && own.all[tok])) {
		n--
	}
	return n > 0
}

// namedByTool: a file of the index other than df and no document names
// tok on a build line.
func (x *dirIndex) namedByTool(tok, df string) bool {
	n := x.toolBuild[tok]
	if own := x.files[df]; own != nil && !own.doc && own.build[tok] {
		n--
	}
	return n > 0
}

// referenceDirs are the directories, besides the Dockerfile's own and its
// parent, whose files may say how a Dockerfile of another name is built:
// CI, scripts, dev containers, docs.
var referenceDirs = []string{"", ".github/workflows", ".devcontainer", ".circleci", "docs", "doc", "tools", "scripts", "script", "build", "hack", "ci", "docker", "deploy", "dev", "bin"}

// indexes are those of the Dockerfile's directory, its parent and
// referenceDirs, each once.
func (c *buildConfigs) indexes(df string, noCI bool) []*dirIndex {
	seen := map[string]bool{}
	var out []*dirIndex
	for _, d := range append([]string{path.Dir(df), path.Dir(path.Dir(df))}, referenceDirs...) {
		d = path.Clean(d)
		if !seen[d] {
			seen[d] = true
			out = append(out, c.index(d, noCI))
		}
	}
	return out
}

const maxMentionBytes = 16 << 20

// noCacheFlag: a build line's --no-cache (docker build, compose build).
var noCacheFlag = regexp.MustCompile(`\s--no-cache(\s|=true|$)`)

// noCacheOnly: the files with a build line that names the Dockerfile df,
// or builds beside it, as builtLocally reads them, all build with
// --no-cache (harbor's Makefile: DOCKERBUILD=$(DOCKERCMD) build
// --no-cache): no layer of one build is reused by the next. The first
// such file ("" when one builds with its cache, or none builds it).
func (c *buildConfigs) noCacheOnly(df string) string {
	needles := buildNeedles(df)
	var found []string
	check := func(name string, t *tokenSet) bool {
		if name == df || t == nil || !t.builds {
			return true
		}
		beside := path.Dir(name) == path.Dir(df) && !t.doc // a file beside it that builds
		names, cached := false, false
		for _, n := range needles {
			names = names || t.build[n]
			cached = cached || t.cachedBuild[n]
		}
		switch {
		case cached || (beside && t.cached):
			return false // a build that keeps its layer cache
		case names || beside:
			found = append(found, name)
		}
		return true
	}
	// (any order: one cached build decides, and found is sorted below)
	for _, x := range c.indexes(df, true) { // (its own directory first)
		for name, t := range x.files {
			if !check(name, t) {
				return ""
			}
		}
	}
	if len(found) == 0 || c.namedDynamically(df, false) {
		return ""
	}
	slices.Sort(found)
	return found[0]
}

// mentioned reports whether a file that could build the Dockerfile df
// (repository-relative, '/'-separated) names it: a regular file in the
// Dockerfile's directory, its parent, or one of referenceDirs (a
// Makefile, a script, a workflow, compose, fly.toml, .gitpod.yml,
// devcontainer.json, a README). A name built from a variable
// (Dockerfile.$(ENV)) names them all; past 2000 files in a directory or
// maxMentionBytes of text, or with a file too large to read, the answer
// is yes (not known).
func (c *buildConfigs) mentioned(df string) bool {
	for _, x := range c.indexes(df, false) {
		if x.named(path.Base(df), df, false) {
			return true
		}
	}
	return c.namedDynamically(df, false) || c.overBudget
}

// variableContext: a docker build line whose context (its last word) or
// Dockerfile (-f) is written with a variable: `docker build $$svc`,
// `docker build -f $dir/Dockerfile .` (not `-t $IMAGE .`, whose context
// is known).
func variableContext(line string) bool {
	f := strings.Fields(strings.TrimRight(strings.TrimSpace(line), ";\\"))
	i := slices.IndexFunc(f, func(w string) bool { return w == "build" })
	if i < 0 || i == len(f)-1 {
		return false
	}
	args := f[i+1:]
	for j, a := range args {
		// the command ends at the shell's next separator
		if a == "&&" || a == "||" || a == "|" || a == ";" {
			args = args[:j]
			break
		}
		if strings.HasSuffix(a, ";") {
			args = append(args[:j:j], strings.TrimSuffix(a, ";"))
			break
		}
	}
	if len(args) == 0 {
		return false
	}
	if strings.Contains(args[len(args)-1], "$") {
		return true
	}
	for j, a := range args {
		if (a == "-f" || a == "--file") && j+1 < len(args) && strings.Contains(args[j+1], "$") {
			return true
		}
		if v, ok := strings.CutPrefix(a, "--file="); ok && strings.Contains(v, "$") {
			return true
		}
	}
	return false
}

// addVariableBuild notes that the file at p builds directories named by a
// variable. A Makefile runs in its own directory, and so builds below it; a
// script in a directory of scripts (scripts/, hack/…) is run from that
// directory's parent; other scripts from their own. At the root, anything.
func (c *buildConfigs) addVariableBuild(p string) {
	rel, err := filepath.Rel(c.root, filepath.Dir(p))
	if err != nil {
		rel = "."
	}
	dir := filepath.ToSlash(rel)
	if n := strings.ToLower(filepath.Base(p)); n != "makefile" && n != "gnumakefile" && filepath.Ext(n) != ".mk" &&
		slices.Contains(scriptDirs, strings.ToLower(path.Base(dir))) {
		dir = path.Dir(dir)
	}
	if !slices.Contains(c.variableBuilds, dir) {
		c.variableBuilds = append(c.variableBuilds, dir)
	}
}

// variableBuildOf: a variable build (addVariableBuild) may build the
// Dockerfile df (repository-relative).
func (c *buildConfigs) variableBuildOf(df string) bool {
	for _, d := range c.variableBuilds {
		if d == "." || strings.HasPrefix(df, d+"/") {
			return true
		}
	}
	return false
}

// maxDynamic caps the distinct Dockerfile shapes written with a variable;
// past it every Dockerfile counts as named (not known).
const maxDynamic = 64

// dynamicName is a Dockerfile path written with a variable, as a glob.
type dynamicName struct {
	glob string
	doc  bool
}

// variableRef is a shell or make variable's reference left in a token
// ($$container, $VAR, the $ of $(ENV) and ${ENV}, whose brackets split
// tokens).
var variableRef = regexp.MustCompile(`\$+[A-Za-z0-9_]*`)

// namedDynamically: a file (not a document, with toolsOnly) names df
// through a variable: the glob matches df's last path elements, or, when
// it starts with a variable, any depth of directories before the rest.
func (c *buildConfigs) namedDynamically(df string, toolsOnly bool) bool {
	for _, d := range c.dynamic {
		if toolsOnly && d.doc {
			continue
		}
		g := strings.Split(path.Clean(d.glob), "/")
		for len(g) > 1 && g[0] == ".." {
			g = g[1:] // relative to the file that names it: its tail is what is known
		}
		if g[0] == "*" && len(g) > 1 {
			g = g[1:] // $DIR/Dockerfile (a bare $ word; $(DIR) is split at its brackets): any directory, any depth
		}
		parts := strings.Split(df, "/")
		if len(parts) < len(g) {
			continue
		}
		if ok, _ := path.Match(strings.Join(g, "/"), strings.Join(parts[len(parts)-len(g):], "/")); ok {
			return true
		}
	}
	return false
}

// ciCacheWords are what a CI configuration writes to keep a layer cache
// between jobs, or what hides it from here: buildx's cache-from/cache-to
// (in any spelling), a CI cache step (actions/cache), kaniko's --cache,
// layerwise build's own; bake and compose builds, whose files may declare
// a cache of their own.
var ciCacheWords = regexp.MustCompile(`cache-from|cache-to|cache_from|--cache\b|actions/cache|layerwise\s+build|bake|compose`)

// ciPush: a CI step that publishes an image (build-push-action's
// `push: true` or a conditional push, buildx's --push or a registry
// output, a docker/podman/compose push, crane or skopeo).
var ciPush = regexp.MustCompile(`(?m)^\s*push:\s*(true|\$\{\{)|--push\b|\b(docker|podman|docker-compose|compose|buildah)\s+(image\s+)?push\b|type=(registry|image)\b|\bcrane\s+(push|copy)|\bskopeo\s+copy`)

// ciSchedule: a GitHub workflow's cron trigger (`schedule:` then `- cron:`;
// a GitLab pipeline's schedule rule is often one job's, not the build's).
var ciSchedule = regexp.MustCompile(`(?m)^\s*schedule:\s*\n\s*-\s*cron:`)

// ciCommitMessageGate: an `if:` that runs the job only when the commit
// message (or the whole event, serialized) holds some text:
// microservices-design-patterns' `if: contains(toJson(github), 'build
// dotnet-service')` (review 24).
// (the job's whole condition is that test: `!contains(…, '[skip ci]')`
// is the opposite, a build on every push but those)
var ciCommitMessageGate = regexp.MustCompile(`(?m)^\s*if:\s*["']?(?:\$\{\{\s*)?contains\(\s*(?:(?:toJSON|toJson|tojson)\(\s*github\s*\)|github\.event\.(?:head_commit\.message|commits))`)

// ciCodeTrigger: a workflow trigger on pushes or pull requests.
var ciCodeTrigger = regexp.MustCompile(`(?m)^\s*(push|pull_request|pull_request_target):|^on:\s*\[?[^\n]*\b(push|pull_request)\b`)

// ciBuildArg: NAME=VALUE passed as a build arg, on a --build-arg flag or
// a build-args: list's line.
var ciBuildArg = regexp.MustCompile(`(?:--build-arg[ =]|^\s*-?\s*|build-args:\s*)["']?([A-Za-z_][A-Za-z0-9_]*)=((?:\$\{\{[^}]*\}\}|\$\([^)]*\)|\S)*)`)

// ciPerRunValue: a value that changes from run to run — an expression of
// the run, its event, its inputs or a step's output, a shell variable of
// those names (GITHUB_SHA, VERSION, GIT_COMMIT, BUILD_DATE…), a command's
// output — not a matrix entry, a secret, a repository variable or an env
// value (PYTHON_VERSION is the same on every run).
var ciPerRunValue = regexp.MustCompile(`\$\{\{\s*(github\.(sha|run_|ref|event|head_ref)|inputs\.|steps\.|needs\.)|\$\(|\$\{?(GITHUB_(SHA|RUN_[A-Z_]+|REF[A-Z_]*)|VERSION|TAG|SHA|COMMIT|GIT_SHA|GIT_COMMIT|BUILD_DATE|BUILD_NUMBER|BUILD_TIME|DATE|TIMESTAMP|REVISION|IMAGE_TAG|RELEASE_VERSION|APP_VERSION)\b`)

// ciCache is what the CI file (repository-relative) says of its image
// builds: the line where it first builds, whether it keeps no layer cache
// anywhere, publishes, passes per-run build args, builds with a plain
// docker build only.
func (c *buildConfigs) ciCache(rel string) ciCacheAnswer {
	if a, ok := c.ciCaches[rel]; ok {
		return a
	}
	var a ciCacheAnswer
	p := filepath.Join(c.root, filepath.FromSlash(rel))
	orig := c.read(p)
	loc := ciBuild.FindIndex(orig)
	if loc == nil {
		loc = c.runsBuildScript(orig)
	}
	if loc != nil {
		a.line = 1 + bytes.Count(orig[:loc[0]], []byte("\n"))
	}
	text := uncommented(orig)
	// fresh runners: GitHub's hosted ones (not self-hosted, which keep
	// their Docker's cache); GitLab's, Jenkins' and Cloud Build's
	// executors may keep one, which the file does not tell
	hosted := strings.Contains(filepath.ToSlash(rel), ".github/workflows/") && !bytes.Contains(text, []byte("self-hosted"))
	a.hosted = hosted
	// a called workflow of another repository may keep a layer cache:
	// that is not known here (its runners are hosted all the same)
	a.uncached = hosted && !ciCacheWords.Match(text) && !remoteImageWorkflow.Match(text)
	a.publishes = ciPush.Match(text)
	// a cron trigger, and pushes or pull requests only where some paths
	// change (wger's monthly base image: review 22)
	// (the triggers come before the jobs: a step's `push: true` is none)
	triggers := text
	if i := bytes.Index(text, []byte("\njobs:")); i >= 0 {
		triggers = text[:i]
	}
	a.refresh = ciSchedule.Match(triggers) && (!ciCodeTrigger.Match(triggers) || bytes.Contains(triggers, []byte("paths:")))
	a.onDemand = ciCommitMessageGate.Match(text)
	a.releaseOnly = releaseOnly(triggers)
	if ciPersistentBuilder.Match(text) {
		// a hosted builder that keeps its state between jobs: layers and
		// cache mounts both (reviews 31, 32: pocket-id's and trigger.dev's
		// Depot builds)
		a.persistent, a.hosted, a.uncached = true, false, false
	}
	a.persistedMounts = persistedMounts(text)
	if len(a.persistedMounts) > 0 && a.hosted && !ciLayerCacheWords.Match(text) && !remoteImageWorkflow.Match(text) {
		// its actions/cache holds the cache mounts' contents, not a layer
		// cache (review 29: SigNoz's cacheci.yml)
		a.uncached = true
	}
	// (a self-hosted runner's builder keeps every stage's layers itself)
	a.finalOnly = a.hosted && !a.uncached && !a.persistent && finalStageCacheOnly(text)
	a.noCache = ciNoCacheMatch(text)
	a.plainDocker = !bytes.Contains(text, []byte("buildx")) && !bytes.Contains(text, []byte("build-push-action"))
	// build-push-action's first version runs `docker build` on the
	// runner's Engine, the classic builder unless DOCKER_BUILDKIT=1
	a.classic = classicActionStep(text) && !bytes.Contains(text, []byte("buildx"))
	inArgs := false
	for line := range bytes.Lines(text) {
		l := string(line)
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "build-args:"):
			inArgs = true
		case inArgs && (t == "" || strings.HasSuffix(t, ":") || (strings.Contains(t, ": ") && !strings.Contains(t, "="))):
			inArgs = false
		}
		if !inArgs && !strings.Contains(l, "--build-arg") {
			continue
		}
		for _, m := range ciBuildArg.FindAllStringSubmatch(l, -1) {
			if ciPerRunValue.MatchString(m[2]) && !slices.Contains(a.perRunArgs, m[1]) {
				a.perRunArgs = append(a.perRunArgs, m[1])
			}
		}
	}
	c.ciCaches[rel] = a
	return a
}

// ciNoCache: build-push-action's or bake-action's no-cache input set to
// anything but false (an expression counts: `${{ github.event_name ==
// 'release' }}`), or --no-cache on a docker build, buildx build or bake
// line (not apk's or poetry's).
var (
	ciNoCacheInput = regexp.MustCompile(`(?m)^\s*no-cache:\s*["']?([^"'\s#]+)`)
	ciNoCacheFlag  = regexp.MustCompile(`(?m)\b(?:docker|buildx|podman)\b[^\n]*\b(?:build|bake)\b[^\n]*\s--no-cache(?:\s|=true|$)`)
)

func ciNoCacheMatch(text []byte) bool {
	for _, m := range ciNoCacheInput.FindAllSubmatch(text, -1) {
		if !strings.EqualFold(string(m[1]), "false") {
			return true
		}
	}
	return ciNoCacheFlag.Match(text)
}

var (
	ciCacheToValue = regexp.MustCompile(`(?:cache-to:|--cache-to[= ])\s*["']?([^\n"']*)`)
	ciInlineCache  = regexp.MustCompile(`BUILDKIT_INLINE_CACHE=1`)
)

// finalStageCacheOnly: every layer cache the workflow exports keeps the
// final image's layers alone — `type=inline`, or a cache-to without
// mode=max (min is the default of every exporter) — so a step of another
// stage is never reused by the next job (review 36: onyx's CLI, built
// with `cache-to: type=inline`, whose dependency stage LW101 and LW119
// added for nothing). layerwise build exports mode=max.
func finalStageCacheOnly(text []byte) bool {
	if bytes.Contains(text, []byte("layerwise build")) {
		return false
	}
	tos := ciCacheToValue.FindAllSubmatch(text, -1)
	if len(tos) == 0 {
		return ciInlineCache.Match(text)
	}
	for _, m := range tos {
		v := strings.TrimSpace(string(m[1]))
		if v == "" || strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") || strings.Contains(v, "mode=max") || strings.Contains(v, "${{") || strings.Contains(v, "$") {
			return false // (a value on the next lines, or one a variable holds: not known)
		}
	}
	return true
}

// classicActionStep: a step of the workflow uses build-push-action's
// first version and nothing sets DOCKER_BUILDKIT for it — not its own step
// (the sock shop's front-end sets it on its test steps only), not the
// workflow's or a job's env before the steps. Each step is read once.
func classicActionStep(text []byte) bool {
	if !bytes.Contains(text, []byte("docker/build-push-action@v1")) {
		return false
	}
	first := bytes.Index(text, []byte("steps:"))
	if first >= 0 && bytes.Contains(text[:first], []byte("DOCKER_BUILDKIT")) {
		return false // (the workflow's env)
	}
	starts := stepStart.FindAllIndex(text, -1)
	for k, m := range starts {
		end := len(text)
		if k+1 < len(starts) {
			end = starts[k+1][0]
		}
		step := text[m[0]:end]
		if bytes.Contains(step, []byte("docker/build-push-action@v1")) && !bytes.Contains(step, []byte("DOCKER_BUILDKIT")) {
			return true
		}
	}
	return false
}

// stepStart: the next step of a workflow's job.
var stepStart = regexp.MustCompile(`\n\s*- (name|uses|run|id|env|if):`)

// ciCacheAnswer is ciCache's answer for one CI file.
type ciCacheAnswer struct {
	line                                              int
	hosted, uncached, publishes, plainDocker, classic bool
	perRunArgs                                        []string
	refresh                                           bool // Image.CIRefresh
	onDemand                                          bool // Image.CIOnDemand
	releaseOnly                                       bool // Image.CIReleaseOnly
	persistedMounts                                   []string
	persistent                                        bool // Image.CIPersistentBuilder
	finalOnly                                         bool // Image.CIFinalStageCache
	noCache                                           bool // Image.CINoCache
}

// ciPersistentBuilder: a build service whose builders keep their BuildKit
// state (layers and cache mounts) between jobs: Depot, Namespace,
// Blacksmith's builders.
var ciPersistentBuilder = regexp.MustCompile(`depot/(build-push-action|bake-action|setup-action|use-action)|\bdepot\s+(build|bake)\b|namespacelabs/nscloud-setup-buildx-action|useblacksmith/(build-push-action|setup-docker-builder)`)

// ciLayerCacheWords: a build that imports or exports a layer cache.
var ciLayerCacheWords = regexp.MustCompile(`cache-from|cache-to|cache_from|--cache\b|layerwise\s+build`)

var (
	// a cache mount written in the workflow (an inline Dockerfile that
	// injects or extracts the mounts' contents: the "cache dance")
	ciMountTarget = regexp.MustCompile(`--mount=(?:[^\s\\]*?,)?type=cache,(?:[^\s\\]*?,)?target=([^\s,\\'"]+)|--mount=target=([^\s,\\'"]+),(?:[^\s\\]*?,)?type=cache`)
	ciQuotedPath  = regexp.MustCompile(`"(/[^"\s]+)"`)
)

// persistedMounts are the cache mount targets a workflow carries from one
// job to the next itself: those its inline Dockerfiles mount (SigNoz's
// inject and extract steps around actions/cache: review 29), and the
// paths of reproducible-containers/buildkit-cache-dance's cache-map.
func persistedMounts(text []byte) []string {
	var out []string
	add := func(p string) {
		p = path.Clean(p)
		if path.IsAbs(p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if bytes.Contains(text, []byte("actions/cache")) {
		for _, m := range ciMountTarget.FindAllSubmatch(text, -1) {
			add(string(m[1]) + string(m[2]))
		}
	}
	if i := bytes.Index(text, []byte("cache-map")); i >= 0 && bytes.Contains(text, []byte("cache-dance")) {
		end := min(len(text), i+4096)
		for _, m := range ciQuotedPath.FindAllSubmatch(text[i:end], -1) {
			add(string(m[1]))
		}
	}
	return out
}

var (
	ciPRTrigger      = regexp.MustCompile(`(?m)^\s*(pull_request|pull_request_target|merge_group):|^on:\s*\[?[^\n]*\bpull_request\b`)
	ciPushTrigger    = regexp.MustCompile(`(?m)^\s*push:|^on:\s*\[?[^\n]*\bpush\b`)
	ciReleaseTrigger = regexp.MustCompile(`(?m)^\s*release:|^on:\s*\[?[^\n]*\brelease\b`)
	// a timetable runs the workflow on the branch's head too (nightly
	// images), not on release tags alone
	ciScheduleTrigger = regexp.MustCompile(`(?m)^\s*schedule:|^on:\s*\[?[^\n]*\bschedule\b`)
)

// releaseOnly: a workflow's triggers (the text before its jobs) run it on
// release tags alone — pushes filtered to tags, or releases — and never on
// a branch or a pull request (review 30: Exceptionless' arm64 release).
func releaseOnly(triggers []byte) bool {
	if ciPRTrigger.Match(triggers) || ciScheduleTrigger.Match(triggers) || bytes.Contains(triggers, []byte("branches:")) || bytes.Contains(triggers, []byte("branches-ignore:")) {
		return false
	}
	if ciPushTrigger.Match(triggers) {
		return bytes.Contains(triggers, []byte("tags:"))
	}
	return ciReleaseTrigger.Match(triggers)
}

// isCI: the file is a CI configuration that builds images (ciWorkflow's).
func (c *buildConfigs) isCI(p string) bool { return slices.Contains(c.ciBuilding, p) }

// mentionedLocally reports whether a line that builds an image (a
// script's, a Makefile's, a README's, compose's) in the Dockerfile's
// directory, its parent or referenceDirs — CI files left out — names the
// Dockerfile (by its name, or its directory for one called Dockerfile), or
// a file beside it builds at all: a developer builds it. Any is taken as
// built locally when the files are past the budget.
func (c *buildConfigs) mentionedLocally(df string) bool {
	return c.builtLocally(df, false)
}

// onlyDocsBuild: the Dockerfile df is built locally (mentionedLocally),
// but only documents build it — a README's `docker build -t
// "{username}/x" --push .` in a tutorial, which each reader runs once —,
// no compose file, script, Makefile or dev container. The answer is the
// first such document ("" otherwise).
func (c *buildConfigs) onlyDocsBuild(df string) string {
	if df == "" || !c.builtLocally(df, false) || c.builtLocally(df, true) {
		return ""
	}
	needles := []string{path.Base(df), path.Dir(df), "Dockerfile", "."}
	for _, dir := range append([]string{path.Dir(df)}, referenceDirs...) {
		x := c.index(path.Clean(dir), true)
		names := slices.Sorted(maps.Keys(x.files))
		for _, n := range names {
			t := x.files[n]
			if n == df || !t.doc || !t.builds {
				continue
			}
			if path.Clean(dir) == path.Dir(df) {
				return n
			}
			for _, k := range needles {
				if t.build[k] {
					return n
				}
			}
		}
	}
	return "a document"
}

// builtLocally is mentionedLocally, counting only files that are no
// documents when toolsOnly.
// buildNeedles are the words a build line names the Dockerfile df by:
// its name; for the root's Dockerfile, also `.` (scripts/build.sh's
// `docker build -f Dockerfile .`, docs' `docker build -t app .`); for
// another one called Dockerfile, its directory.
func buildNeedles(df string) []string {
	switch {
	case df == "Dockerfile":
		return []string{"Dockerfile", "."}
	case path.Base(df) == "Dockerfile":
		return []string{path.Dir(df)}
	}
	return []string{path.Base(df)}
}

func (c *buildConfigs) builtLocally(df string, toolsOnly bool) bool {
	if df == "" {
		return true
	}
	// the root's Dockerfile: a build line in a file at the root (a
	// README's `docker build -t app .`, a Makefile's) builds it; one that
	// only CI builds is not taken as built locally any more (review 15:
	// vikunja, gogs, Kavita, answer build theirs on fresh runners only)
	needles := buildNeedles(df)
	for _, x := range c.indexes(df, true) {
		for _, n := range needles {
			if (!toolsOnly && x.named(n, df, true)) || (toolsOnly && x.namedByTool(n, df)) {
				return true
			}
		}
	}
	// a file beside the Dockerfile that builds (a README's `docker build
	// -t app .`) builds it
	own := c.index(path.Dir(df), true)
	n := own.builds
	if toolsOnly {
		n = own.toolBuilds
	}
	if t := own.files[df]; t != nil && t.builds && (!toolsOnly || !t.doc) {
		n--
	}
	return n > 0 || c.namedDynamically(df, toolsOnly) || c.overBudget
}

// argsBeside are the build args that a Makefile or shell script in the
// Dockerfile's directory passes (--build-arg NAME), read once per file.
func (c *buildConfigs) argsBeside(df string) map[string]bool {
	if df == "" {
		return nil
	}
	d := path.Dir(df)
	if out, ok := c.argsCache[d]; ok {
		return out
	}
	var out map[string]bool
	dir := filepath.Join(c.root, filepath.FromSlash(d))
	for _, e := range c.list(dir) {
		n := e.Name()
		if !e.Type().IsRegular() || (n != "Makefile" && !strings.HasSuffix(n, ".mk") && !strings.HasSuffix(n, ".sh")) {
			continue
		}
		for _, m := range buildArg.FindAllSubmatch(c.read(filepath.Join(dir, n)), -1) {
			if out == nil {
				out = map[string]bool{}
			}
			out[string(m[1])] = true
		}
	}
	c.argsCache[d] = out
	return out
}
