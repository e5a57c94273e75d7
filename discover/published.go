package discover

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
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
func (c *buildConfigs) publishedNames() (names []string, args map[string]bool) {
	args = map[string]bool{}
	var files []string
	dir := filepath.Join(c.root, ".github", "workflows")
	for _, e := range c.list(dir) {
		if n := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")) {
			files = append(files, filepath.Join(dir, n))
		}
	}
	files = append(files, filepath.Join(c.root, ".gitlab-ci.yml"))
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
		raw = append(raw, yamlValues(data, "tags:")...)
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
		}
	}
	names = make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, args
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
	if len(r.Published) == 0 || strings.Contains(ref, "$") {
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
		return false
	}
	_, ok := slices.BinarySearch(r.Published, "*/"+path.Base(name))
	return ok
}

// Mentions. Whether a file names a Dockerfile is asked for every image,
// of the same files (the root's, the CI's): each file is read and cut into
// tokens once per discovery (path-like words, each with its directories
// and its base name), so that the question costs a look-up per image and
// the whole stays linear in the files' size.

// tokenSet is what a file (or a directory's files) names: all its tokens,
// and those on lines that build an image (buildLine).
type tokenSet struct {
	all, build map[string]bool
	// builds: some line builds an image (`docker build .` in a README
	// beside the Dockerfile names nothing)
	builds bool
}

func newTokenSet() *tokenSet { return &tokenSet{all: map[string]bool{}, build: map[string]bool{}} }

func (t *tokenSet) merge(o *tokenSet) {
	for k := range o.all {
		t.all[k] = true
	}
	for k := range o.build {
		t.build[k] = true
	}
	t.builds = t.builds || o.builds
}

// buildLine: a line that builds an image or names what a build reads
// (not a solution file that lists the project's directory).
var buildLine = regexp.MustCompile(`(?i)(docker|podman)\s+(buildx\s+)?build|docker-compose|docker\s+compose|\bcontext:|\bdockerfile:|\s-f\s|--file`)

// tokens of the file at p (nil when it cannot be read), once per discovery
// and within maxMentionBytes of text in all.
func (c *buildConfigs) tokens(p string) *tokenSet {
	if t, ok := c.tokenCache[p]; ok {
		return t
	}
	var t *tokenSet
	if c.mentionBytes <= maxMentionBytes {
		if data := c.read(p); data != nil {
			c.mentionBytes += int64(len(data))
			t = newTokenSet()
			ci := c.isCI(p)
			for line := range bytes.Lines(data) {
				if ci {
					// a CI file's comments build nothing
					if l := bytes.TrimSpace(line); bytes.HasPrefix(l, []byte("#")) || bytes.HasPrefix(l, []byte("//")) {
						continue
					}
				}
				build := buildLine.Match(line)
				t.builds = t.builds || build
				for _, w := range strings.FieldsFunc(string(line), func(r rune) bool {
					return r <= ' ' || strings.ContainsRune(`"'`+"`"+`,;=()[]{}<>|`, r)
				}) {
					addToken(t.all, w)
					if build {
						addToken(t.build, w)
					}
				}
			}
		}
	} else {
		c.overBudget = true
	}
	c.tokenCache[p] = t
	return t
}

// addToken adds a word, its base name and its directories ("./src/Api/"
// gives src/Api, Api, src).
func addToken(set map[string]bool, w string) {
	w = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(w, "./"), ":"), "/")
	if w == "" {
		return
	}
	set[w] = true
	set[path.Base(w)] = true
	for i := 0; i < len(w); i++ {
		if w[i] == '/' && i > 0 {
			set[w[:i]] = true
		}
	}
}

// dirTokens is what the regular files directly in dir (repository-relative)
// name, once per discovery; the file skip is left out (a Dockerfile does
// not mention itself).
func (c *buildConfigs) dirTokens(dir, skip string, noCI bool) *tokenSet {
	key := fmt.Sprint(dir, "\x00", skip, "\x00", noCI)
	if t, ok := c.dirTokenCache[key]; ok {
		return t
	}
	t := newTokenSet()
	abs := filepath.Join(c.root, filepath.FromSlash(dir))
	for i, e := range c.list(abs) {
		if i >= 2000 {
			c.overBudget = true
			break
		}
		p := filepath.Join(abs, e.Name())
		if !e.Type().IsRegular() || filepath.ToSlash(relTo(c.root, p)) == skip || (noCI && c.isCI(p)) {
			continue
		}
		if ft := c.tokens(p); ft != nil {
			t.merge(ft)
		}
	}
	c.dirTokenCache[key] = t
	return t
}

// referenceDirs are the directories, besides the Dockerfile's own and its
// parent, whose files may say how a Dockerfile of another name is built:
// CI, scripts, dev containers, docs.
var referenceDirs = []string{"", ".github/workflows", ".devcontainer", ".circleci", "docs", "doc", "tools", "scripts", "script", "build", "hack", "ci", "docker", "deploy", "dev", "bin"}

// isCI: the file is a CI configuration that builds images (ciWorkflow's).
func (c *buildConfigs) isCI(p string) bool { return slices.Contains(c.ciBuilding, p) }

// names is what the Dockerfile's directory, its parent and referenceDirs
// name (the Dockerfile itself left out); with noCI, without what the CI
// files that build images say.
func (c *buildConfigs) names(df string, noCI bool) *tokenSet {
	ref := &c.refTokens
	if noCI {
		ref = &c.refLocalTokens
	}
	if *ref == nil {
		*ref = newTokenSet()
		for _, d := range referenceDirs {
			(*ref).merge(c.dirTokens(path.Clean(d), "", noCI))
		}
	}
	t := newTokenSet()
	t.merge(*ref)
	t.merge(c.dirTokens(path.Dir(df), df, noCI))
	t.merge(c.dirTokens(path.Dir(path.Dir(df)), df, noCI))
	return t
}

const maxMentionBytes = 16 << 20

// mentioned reports whether a file that could build the Dockerfile df
// (repository-relative, '/'-separated) names it: a regular file in the
// Dockerfile's directory, its parent, or one of referenceDirs (a
// Makefile, a script, a workflow, compose, fly.toml, .gitpod.yml,
// devcontainer.json, a README). Past 2000 files in a directory or
// maxMentionBytes of text the answer is yes (not known).
func (c *buildConfigs) mentioned(df string) bool {
	t := c.names(df, false)
	return t.all[path.Base(df)] || c.overBudget
}

// ciCacheWords are what a CI configuration writes to keep a layer cache
// between jobs, or what hides it from here: buildx's cache-from/cache-to
// (in any spelling), a CI cache step (actions/cache), kaniko's --cache,
// layerwise build's own; bake and compose builds, whose files may declare
// a cache of their own.
var ciCacheWords = regexp.MustCompile(`cache-from|cache-to|cache_from|--cache\b|actions/cache|layerwise\s+build|bake|compose`)

// ciCache is the line of the CI file (repository-relative) where it first
// builds images, and whether the file keeps no layer cache anywhere.
func (c *buildConfigs) ciCache(rel string) (line int, uncached bool) {
	orig := c.read(filepath.Join(c.root, filepath.FromSlash(rel)))
	if loc := ciBuild.FindIndex(orig); loc != nil {
		line = 1 + bytes.Count(orig[:loc[0]], []byte("\n"))
	}
	return line, !ciCacheWords.Match(uncommented(orig))
}

// mentionedLocally reports whether a line that builds an image (a
// script's, a Makefile's, a README's, compose's) in the Dockerfile's
// directory, its parent or referenceDirs — CI files left out — names the
// Dockerfile (by its name, or its directory for one called Dockerfile): a
// developer builds it. The root's Dockerfile is always taken as built
// locally (`docker build .`), and so is any when the files are past the
// budget.
func (c *buildConfigs) mentionedLocally(df string) bool {
	if df == "" || df == "Dockerfile" {
		return true
	}
	needle := path.Base(df)
	if needle == "Dockerfile" {
		needle = path.Dir(df)
	}
	// a file beside the Dockerfile that builds (a README's `docker build
	// -t app .`) builds it
	return c.names(df, true).build[needle] || c.dirTokens(path.Dir(df), df, true).builds || c.overBudget
}

// argsBeside are the build args that a Makefile or shell script in the
// Dockerfile's directory passes (--build-arg NAME), read once per file.
func (c *buildConfigs) argsBeside(df string) map[string]bool {
	if df == "" {
		return nil
	}
	var out map[string]bool
	dir := filepath.Join(c.root, filepath.FromSlash(path.Dir(df)))
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
	return out
}
