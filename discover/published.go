package discover

import (
	"bytes"
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

// referenceDirs are the directories, besides the Dockerfile's own and its
// parent, whose files may say how a Dockerfile of another name is built:
// CI, scripts, dev containers, docs.
var referenceDirs = []string{"", ".github/workflows", ".devcontainer", ".circleci", "docs", "doc", "tools", "scripts", "script", "build", "hack", "ci", "docker", "deploy"}

// mentioned reports whether a file that could build the Dockerfile df
// (repository-relative, '/'-separated) names it: a regular file of at most
// maxConfig bytes in the Dockerfile's directory, its parent, or one of
// referenceDirs (a Makefile, a script, a workflow, compose, fly.toml,
// .gitpod.yml, devcontainer.json, a README). At most 2000 files and
// maxMentionBytes are read (and kept, per discovery); past that the answer
// is yes (not known).
const maxMentionBytes = 64 << 20

func (c *buildConfigs) mentioned(df string) bool {
	name := []byte(path.Base(df))
	dirs := []string{path.Dir(df), path.Dir(path.Dir(df))}
	dirs = append(dirs, referenceDirs...)
	seen := map[string]bool{}
	n := 0
	for _, d := range dirs {
		dir := filepath.Join(c.root, filepath.FromSlash(d))
		if seen[dir] {
			continue
		}
		seen[dir] = true
		for _, e := range c.list(dir) {
			if !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if filepath.ToSlash(relTo(c.root, p)) == df {
				continue
			}
			if n++; n > 2000 || c.mentionBytes > maxMentionBytes {
				return true
			}
			_, cached := c.files[p]
			data := c.read(p)
			if !cached {
				c.mentionBytes += int64(len(data))
			}
			if bytes.Contains(data, name) {
				return true
			}
		}
	}
	return false
}
