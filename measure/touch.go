package measure

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
)

// sourceExts are the source files of each language, in preference order.
var sourceExts = map[string][]string{
	"go": {".go"}, "npm": {".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".vue", ".svelte"},
	"pip": {".py"}, "ruby": {".rb"}, "java": {".java", ".kt", ".scala"}, "rust": {".rs"}, "dotnet": {".cs", ".fs"},
	"php": {".php"}, "elixir": {".ex", ".exs"},
}

var toolLang = map[string]string{
	"npm": "npm", "yarn": "npm", "pnpm": "npm", "pip": "pip", "pipenv": "pip", "poetry": "pip", "uv": "pip",
	"go": "go", "cargo": "rust", "maven": "java", "gradle": "java", "dotnet": "dotnet", "bundler": "ruby",
	"composer": "php", "mix": "elixir",
}

// toolsOf lists the (non-system) tools the Dockerfile installs with.
func toolsOf(m *dockerfile.File) []*pkgmgr.Tool {
	var out []*pkgmgr.Tool
	seen := map[string]bool{}
	for _, s := range m.Stages {
		for _, in := range s.Instructions {
			if in.Run == nil {
				continue
			}
			for _, c := range in.Run.Commands {
				if inst := pkgmgr.Classify(c); inst != nil && !inst.Tool.System && !seen[inst.Tool.Name] {
					seen[inst.Tool.Name] = true
					out = append(out, inst.Tool)
				}
			}
		}
	}
	return out
}

// isManifest reports whether a context path is a dependency manifest of
// any known tool.
func isManifest(p string, tools []*pkgmgr.Tool) bool {
	b := path.Base(p)
	for _, t := range tools {
		for _, m := range t.Manifests {
			if ok, _ := path.Match(m, b); ok {
				return true
			}
		}
	}
	switch b {
	case "package.json", "package-lock.json", "go.mod", "go.sum", "requirements.txt", "Cargo.toml", "Cargo.lock", "pom.xml", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock", "yarn.lock", "pnpm-lock.yaml", "pyproject.toml", "poetry.lock", "Pipfile", "Pipfile.lock", "mix.exs", "mix.lock":
		return true
	}
	return false
}

// chooseFiles picks the ordinary source file a source-change scenario
// edits and the manifest a deps-change scenario edits: files that are
// sent to the builder and that some COPY/ADD reaches.
func chooseFiles(ctx context.Context, contextDir, dockerfilePath string, m *dockerfile.File) (source, manifest string, err error) {
	rep, err := buildctx.Analyze(ctx, contextDir, buildctx.AnalyzeOptions{Dockerfile: dockerfilePath, Sources: buildctx.SourcesOf(m)})
	if err != nil {
		return "", "", err
	}
	unused := map[string]bool{}
	if rep.Usage != nil && !rep.Usage.Undecidable {
		for _, e := range rep.Usage.Unused {
			unused[e.Path] = true
		}
	}
	tools := toolsOf(m)
	var exts []string
	for _, t := range tools {
		exts = append(exts, sourceExts[toolLang[t.Name]]...)
	}
	for _, l := range sourceExts {
		exts = append(exts, l...)
	}
	rep.SortEntries()
	var files []string
	for _, e := range rep.Entries {
		if e.Type != buildctx.TypeFile || unused[e.Path] || isTestOrVendored(e.Path) {
			continue
		}
		files = append(files, e.Path)
	}
	// the shallowest file of the preferred language, in the Dockerfile's
	// own directory first: a context shared by several services (a Go
	// workspace, an npm monorepo) holds the other services' files too, and
	// a change to them says nothing about this image's rebuild
	own := ""
	if rel, err := filepath.Rel(contextDir, filepath.Dir(dockerfilePath)); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		own = filepath.ToSlash(rel) + "/"
	}
	outside := func(f string) bool { return own != "" && !strings.HasPrefix(f, own) }
	sort.SliceStable(files, func(i, j int) bool {
		if oi, oj := outside(files[i]), outside(files[j]); oi != oj {
			return oj
		}
		return strings.Count(files[i], "/") < strings.Count(files[j], "/")
	})
	for _, ext := range exts {
		for _, f := range files {
			if strings.HasSuffix(f, ext) && !isManifest(f, tools) {
				source = f
				break
			}
		}
		if source != "" {
			break
		}
	}
	// the manifest of the first tool that installs from one
	for _, t := range tools {
		for _, mf := range t.Manifests {
			for _, f := range files {
				if ok, _ := path.Match(mf, path.Base(f)); ok && editableManifest(f) {
					return source, f, nil
				}
			}
		}
	}
	return source, "", nil
}

func isTestOrVendored(p string) bool {
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "node_modules", "vendor", ".git", "test", "tests", "__tests__", "testdata", "dist", "build", "target":
			return true
		}
	}
	return strings.HasSuffix(p, "_test.go") || strings.Contains(path.Base(p), ".test.") || strings.Contains(path.Base(p), ".spec.")
}

// editableManifest: manifests layerwise knows how to change in a way the
// package manager accepts (lock files are not edited).
func editableManifest(p string) bool {
	switch path.Base(p) {
	case "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.sum", "Cargo.lock", "Gemfile.lock", "composer.lock", "poetry.lock", "Pipfile.lock", "mix.lock", "uv.lock":
		return false
	}
	return true
}

// touch changes a file of the work copy so that its content differs from
// every earlier version, in a way its tool accepts: a comment line in the
// file's own syntax, or for JSON manifests a changed "description" field.
//
// The mark carries a random nonce besides the change count n: BuildKit's
// cache is content-addressed and outlives this process, so a mark that an
// earlier measurement already wrote would be a cache hit, not a change.
func touch(file string, n int) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	mark := fmt.Sprintf("layerwise measure change %d %s", n, nonce())
	ext := strings.ToLower(filepath.Ext(file))
	var out []byte
	switch {
	case ext == ".json":
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		doc["description"] = mark
		out, err = json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		out = append(out, '\n')
	default:
		var line string
		switch ext {
		case ".go", ".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".java", ".kt", ".scala", ".rs", ".cs", ".fs", ".php", ".c", ".h", ".cpp", ".swift", ".gradle", ".kts", ".mod":
			line = "// " + mark
		case ".xml", ".csproj", ".fsproj", ".html", ".vue", ".svelte":
			line = "<!-- " + mark + " -->"
		default: // .py .rb .txt .toml .yaml .ex .exs Gemfile Pipfile shell ...
			line = "# " + mark
		}
		out = append(bytes.TrimRight(data, "\n"), '\n')
		out = append(out, line...)
		out = append(out, '\n')
	}
	return replaceFile(file, out)
}

func nonce() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprint(time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// ChooseFiles is the source file and the manifest that the source-change
// and deps-change scenarios of im would edit ("" where none qualifies), so
// that a caller comparing variants of one image (bench) edits the same
// files in each.
func ChooseFiles(ctx context.Context, im *discover.Image) (source, manifest string, err error) {
	if im.Model == nil || im.Dockerfile == "" {
		return "", "", nil
	}
	return chooseFiles(ctx, im.AbsContext(), im.AbsDockerfile(), im.Model)
}
