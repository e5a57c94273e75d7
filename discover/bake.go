package discover

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/layerwise/layerwise/internal/safefile"
)

// SourceBake marks an image defined by a docker-bake target.
const SourceBake = "bake"

// bakeFileNames are the bake definition files buildx reads by default, in
// its order (later files override earlier ones). Compose files, which bake
// also reads, are discovered through compose-go instead.
var bakeFileNames = []string{"docker-bake.json", "docker-bake.hcl", "docker-bake.override.json", "docker-bake.override.hcl"}

func isBakeName(name string) bool { return slices.Contains(bakeFileNames, name) }

// bakeTarget is a target as `docker buildx bake --print` prints it: every
// variable, function, inherits and matrix already resolved by buildx.
type bakeTarget struct {
	Context          string             `json:"context"`
	Contexts         map[string]string  `json:"contexts"`
	Dockerfile       string             `json:"dockerfile"`
	DockerfileInline string             `json:"dockerfile-inline"`
	Args             map[string]*string `json:"args"`
	Tags             []string           `json:"tags"`
	Target           string             `json:"target"`
	CacheFrom        []json.RawMessage  `json:"cache-from"`
	CacheTo          []json.RawMessage  `json:"cache-to"`
}

// selfDefault: an HCL variable whose default is itself, from the
// environment.
var selfDefault = regexp.MustCompile(`variable\s+"(\w+)"\s*\{\s*default\s*=\s*"\$\{?(\w+)\}?"\s*\}`)

// envSecret: a secret bake reads from an environment variable.
var envSecret = regexp.MustCompile(`type=env,id=(\w+)`)

// selfDefaulted are NAME= for the variables of the bake files (in dir)
// whose default is "$NAME" and that the environment does not set.
func selfDefaulted(dir string, files []string) []string {
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".hcl") {
			continue
		}
		data, err := safefile.ReadWithin(dir, filepath.Join(dir, f), safefile.MaxManifest)
		if err != nil {
			continue
		}
		for _, m := range selfDefault.FindAllStringSubmatch(string(data), -1) {
			if _, set := os.LookupEnv(m[1]); m[1] == m[2] && !set && !slices.Contains(out, m[1]+"=") {
				out = append(out, m[1]+"=")
			}
		}
		if len(out) == 0 {
			continue
		}
		// the secrets such a file takes from the same environment
		// (type=env,id=NAME): bake --print checks they are there
		for _, m := range envSecret.FindAllStringSubmatch(string(data), -1) {
			if _, set := os.LookupEnv(m[1]); !set && !slices.Contains(out, m[1]+"=") {
				out = append(out, m[1]+"=")
			}
		}
	}
	return out
}

type bakeListEntry struct {
	Name  string `json:"name"`
	Group bool   `json:"group"`
}

// bakeImages reads the bake files of dir through buildx itself (`docker
// buildx bake --print`), the only complete implementation of bake's HCL
// dialect (variables, functions, inherits, matrix, overrides). Linking
// buildx's bake package instead would pull the whole buildx module, with
// its replace directives, into ours; running the user's own buildx also
// resolves the files exactly as their `docker buildx bake` will.
//
// The images are the targets of the "default" group when there is one
// (what `docker buildx bake` builds), otherwise every target. Bake reads
// the directory's compose file too: a target that overrides a compose
// service replaces that service's image in Discover.
func bakeImages(ctx context.Context, root, dir string, opt Options) ([]*Image, []string) {
	var files []string
	var refused []string
	generated := false
	for _, n := range bakeFileNames {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			continue
		}
		// buildx reads the bake files and quotes them in its errors: only
		// regular files inside the repository are handed to it
		if _, err := safefile.ReadWithin(root, filepath.Join(dir, n), safefile.MaxManifest); err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v: not read (its targets are missing)", rel(root, filepath.Join(dir, n)), unwrapPathErr(err)))
			continue
		}
		// a bake file `layerwise generate bake` wrote describes the
		// images discovery found without it: reading it back would
		// rename them after its targets
		if GeneratedFile(filepath.Join(dir, n)) {
			generated = true
			continue
		}
		files = append(files, n)
	}
	if len(refused) > 0 {
		// buildx would read the refused files by their default names
		msgs := make([]string, len(refused))
		for i, r := range refused {
			msgs[i] = failed(r)
		}
		return nil, msgs
	}
	if generated && len(files) == 0 {
		return nil, nil
	}
	relFiles := make([]string, len(files))
	for i, f := range files {
		relFiles[i] = rel(root, filepath.Join(dir, f))
	}
	label := strings.Join(relFiles, "+")
	docker := opt.Docker
	if docker == "" {
		docker = "docker"
	}
	if _, err := exec.LookPath(docker); err != nil {
		return nil, []string{fmt.Sprintf("%s: reading bake files needs the docker CLI with buildx (%v); run `make engine` or install buildx, then run again (bake targets skipped)", label, err)}
	}
	bake := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		// no -f: bake reads its default files, the compose file of the
		// directory included, and merges them as `docker buildx bake` does
		full := []string{"buildx", "bake", "--progress=quiet"}
		if generated { // name the user's own files, leaving the generated one out
			for _, f := range files {
				full = append(full, "-f", f)
			}
		}
		cmd := exec.CommandContext(ctx, docker, append(full, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), opt.Env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		// a bake file is the repository's: a matrix of 100^4 targets made
		// buildx grow past 4 GB. Its address space is capped (inherited by
		// the buildx plugin the docker CLI starts), so such a file fails
		// with an out-of-memory error instead of taking the machine.
		boundMemory(cmd.Process.Pid)
		if err := cmd.Wait(); err != nil {
			return nil, fmt.Errorf("%v: %s", err, bakeError(stderr.String()))
		}
		return stdout.Bytes(), nil
	}
	var targets []string
	if out, err := bake("--list=type=targets,format=json"); err == nil {
		var list []bakeListEntry
		if json.Unmarshal(out, &list) == nil {
			hasDefault := false
			for _, e := range list {
				if e.Group && e.Name == "default" {
					hasDefault = true
				}
			}
			for _, e := range list {
				if !hasDefault && !e.Group {
					targets = append(targets, e.Name)
				}
			}
		}
	} // an older buildx without --list: --print alone prints the default group
	out, err := bake(append([]string{"--print"}, targets...)...)
	var readWith []string
	if err != nil {
		// variables whose default is their own name from the
		// environment (`variable "DOCKER_PLATFORM" { default =
		// "$DOCKER_PLATFORM" }`: the CI exports them; bake takes the
		// text literally when it does not — review 30, stalwart): read
		// again with them empty, as a build outside that CI would
		if env := selfDefaulted(dir, files); len(env) > 0 {
			bake2 := func(args ...string) ([]byte, error) {
				saved := opt.Env
				opt.Env = append(slices.Clone(opt.Env), env...)
				defer func() { opt.Env = saved }()
				return bake(args...)
			}
			if out, err = bake2(append([]string{"--print"}, targets...)...); err == nil {
				readWith = env
			}
		}
	}
	if err != nil {
		return nil, []string{failed(fmt.Sprintf("%s: docker buildx bake --print: %v (its targets are missing; fix the file and run again)", label, err))}
	}
	var def struct {
		Target map[string]bakeTarget `json:"target"`
	}
	if err := json.Unmarshal(out, &def); err != nil {
		return nil, []string{failed(fmt.Sprintf("%s: unexpected output of docker buildx bake --print: %v", label, err))}
	}
	var warns []string
	if len(readWith) > 0 {
		warns = append(warns, fmt.Sprintf("%s: read with %s empty: their defaults name themselves, which only the environment that builds with the file sets", label, strings.Join(readWith, " ")))
	}
	names := make([]string, 0, len(def.Target))
	for n := range def.Target {
		names = append(names, n)
	}
	sort.Strings(names)
	var ims []*Image
	for _, n := range names {
		t := def.Target[n]
		im := &Image{
			Name: n, Target: t.Target, Source: SourceBake, SourceFile: relFiles[0], Root: root,
			Tags: t.Tags, CacheFrom: cacheEntries(t.CacheFrom), CacheTo: cacheEntries(t.CacheTo),
		}
		if len(t.Args) > 0 {
			im.Args = map[string]string{}
			for k, v := range t.Args {
				if v != nil {
					im.Args[k] = *v
				}
			}
		}
		if isRemoteContext(t.Context) {
			warns = append(warns, fmt.Sprintf("%s: target %s builds from a remote context %s; not analysed", relFiles[0], n, t.Context))
			continue
		}
		ctxDir := t.Context
		if ctxDir == "" {
			ctxDir = "."
		}
		if !filepath.IsAbs(ctxDir) {
			// bake resolves an HCL file's contexts against the directory it
			// runs in, not the file's (docker/buildx#1028): read from the
			// file's directory here, a context that exists only from the
			// repository's root is the root's (review 36: temporal's
			// docker/docker-bake.hcl, `context = "docker"`, which CI bakes
			// from the root)
			fromDir, fromRoot := filepath.Join(dir, ctxDir), filepath.Join(root, ctxDir)
			ctxDir = fromDir
			if inRoot := !strings.HasPrefix(filepath.Clean(ctxDir), ".."); dir != root && inRoot && !bakeContextHolds(fromDir, t) && bakeContextHolds(fromRoot, t) {
				ctxDir = fromRoot
				warns = append(warns, fmt.Sprintf("%s: target %s: context %q read from the repository's root, where it exists (bake resolves it against the directory it runs in)", relFiles[0], n, t.Context))
			}
		}
		im.Context = rel(root, ctxDir)
		im.AdditionalContexts = localContexts(root, dir, t.Contexts)
		modelImage(im, ctxDir, t.Dockerfile, t.DockerfileInline, "target."+n, "dockerfile-inline")
		ims = append(ims, im)
	}
	return ims, warns
}

// bakeContextHolds: the context directory exists and holds the target's
// Dockerfile (when it names one by a relative path, or takes the default).
func bakeContextHolds(ctxDir string, t bakeTarget) bool {
	if fi, err := os.Stat(ctxDir); err != nil || !fi.IsDir() {
		return false
	}
	if t.DockerfileInline != "" || filepath.IsAbs(t.Dockerfile) {
		return true
	}
	df := t.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	_, err := os.Stat(filepath.Join(ctxDir, df))
	return err == nil
}

// bakeMemory is the address space a `buildx bake --print` may take: a
// repository's bake files print in a few tens of MB.
const bakeMemory = 2 << 30

// maxBakeError bounds what of buildx's error output a message quotes.
const maxBakeError = 400

// bakeError keeps buildx's message (its ERROR line when there is one, which
// names file:line,col) and drops its progress lines and source excerpt; a
// crash (Go's "fatal error" and its goroutine dump, an out-of-memory kill)
// is its first line and what it means, and the whole is bounded.
func bakeError(stderr string) string {
	if i := strings.Index(stderr, "goroutine "); i >= 0 || strings.Contains(stderr, "out of memory") {
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(stderr), "\n", 2)[0])
		if len(first) > maxBakeError {
			first = first[:maxBakeError] + "…"
		}
		return fmt.Sprintf("buildx crashed (%s): a bake file expands to more than it can hold (%d MiB; a matrix of many targets?)", first, bakeMemory>>20)
	}
	msg := bakeErrorLines(stderr)
	if len(msg) > maxBakeError {
		msg = msg[:maxBakeError] + "…"
	}
	return msg
}

func bakeErrorLines(stderr string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		l = strings.TrimSpace(l)
		if msg, ok := strings.CutPrefix(l, "ERROR: "); ok {
			return msg
		}
		if strings.HasPrefix(l, "#") || l == "" {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "; ")
}

// cacheEntries renders bake's cache-from/cache-to entries, objects in newer
// buildx and strings in older, as the CSV form the CLI flags take.
func cacheEntries(raw []json.RawMessage) []string {
	var out []string
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		var m map[string]string
		if json.Unmarshal(r, &m) != nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if k != "type" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		parts := []string{}
		if t, ok := m["type"]; ok {
			parts = append(parts, "type="+t)
		}
		for _, k := range keys {
			parts = append(parts, k+"="+m[k])
		}
		out = append(out, strings.Join(parts, ","))
	}
	return out
}

// isRemoteContext reports whether a build context is one of the remote
// forms BuildKit accepts rather than a local directory: a URL (a git
// repository, a tarball), an scp-like git address (git@host:repo), a
// github.com/ path. A loader that joined such a value to the project
// directory (compose-go turns "https://host/r.git#ref" into
// "/project/https:/host/r.git#ref") is recognised too.
func isRemoteContext(c string) bool {
	if strings.Contains(c, "://") || strings.HasPrefix(c, "github.com/") {
		return true
	}
	for _, p := range strings.Split(filepath.ToSlash(c), "/") {
		switch {
		case p == "https:" || p == "http:" || p == "git:" || p == "ssh:":
			return true
		case strings.HasPrefix(p, "git@") && strings.Contains(p, ":"):
			return true
		}
	}
	return strings.HasPrefix(c, "git@")
}

// IsLocalContext reports whether a named build context value (as Image
// holds it) is a local directory, relative to the repository root, rather
// than an image, another service or target, an OCI layout or a URL.
func IsLocalContext(v string) bool {
	return !isRemoteContext(v) && !strings.HasPrefix(v, "target:") && !strings.HasPrefix(v, "service:") && !strings.HasPrefix(v, "git@")
}

// localContexts rewrites named build contexts that are local directories
// relative to the repository root; references to images, other
// targets/services and URLs are kept as written.
func localContexts(root, dir string, contexts map[string]string) map[string]string {
	if len(contexts) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range contexts {
		if IsLocalContext(v) {
			if !filepath.IsAbs(v) {
				v = filepath.Join(dir, v)
			}
			v = rel(root, v)
		}
		out[k] = v
	}
	return out
}

// GeneratedMarker starts every file `layerwise generate` writes.
const GeneratedMarker = "# Generated by `layerwise generate"

// GeneratedFile reports whether the file at p was written by `layerwise
// generate` (its first line says so).
func GeneratedFile(p string) bool {
	f, err := safefile.OpenRegular(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(GeneratedMarker))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == GeneratedMarker
}
