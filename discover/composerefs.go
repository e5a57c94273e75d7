package discover

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/internal/safefile"
	"gopkg.in/yaml.v3"
)

// composeRefs checks, before compose-go loads a project, every file the
// compose files pull in — `include:` (and its env_file) and a service's
// `extends: file:`, followed transitively — the way confine checks the
// build paths: each must be a regular file inside the repository, or
// nothing is loaded (compose-go would read it, and quote it in its errors
// and in the build args it resolves). A path holding a variable cannot be
// checked before interpolation and is refused too.
func composeRefs(root string, files []string) error {
	seen := map[string]bool{}
	var visit func(file, via string) error
	visit = func(file, via string) error {
		if seen[file] {
			return nil
		}
		seen[file] = true
		data, err := safefile.ReadWithin(root, file, safefile.MaxManifest)
		if err != nil {
			if via != "" {
				return fmt.Errorf("%s: %w", via, err)
			}
			return err
		}
		var doc struct {
			Include  []any                     `yaml:"include"`
			Services map[string]map[string]any `yaml:"services"`
		}
		if yaml.Unmarshal(data, &doc) != nil {
			return nil // compose-go reports what does not parse
		}
		dir := filepath.Dir(file)
		ref := func(p, field string) error {
			where := rel(root, file) + ": " + field
			if strings.Contains(p, "$") {
				return fmt.Errorf("%s: %s holds a variable, which layerwise cannot check stays inside the repository before compose interpolates it; write the path out", where, p)
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			return visit(p, where)
		}
		for i, inc := range doc.Include {
			var paths, envFiles []string
			switch v := inc.(type) {
			case string:
				paths = []string{v}
			case map[string]any:
				paths, envFiles = stringsOf(v["path"]), stringsOf(v["env_file"])
			}
			for _, p := range paths {
				if err := ref(p, fmt.Sprintf("include[%d].path", i)); err != nil {
					return err
				}
			}
			for _, p := range envFiles {
				if err := ref(p, fmt.Sprintf("include[%d].env_file", i)); err != nil {
					return err
				}
			}
		}
		for name, svc := range doc.Services {
			if ext, ok := svc["extends"].(map[string]any); ok {
				if f, ok := ext["file"].(string); ok {
					if err := ref(f, "services."+name+".extends.file"); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, f := range files {
		if err := visit(f, ""); err != nil {
			return err
		}
	}
	return nil
}

// stringsOf reads a compose value that is a string or a list of strings.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
