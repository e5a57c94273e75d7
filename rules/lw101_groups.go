package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// A dependency install reads more manifests than its own directory's when
// the project spans directories: a go.mod that replaces a module with a
// local directory needs that module's go.mod (go mod download reads it),
// and an npm workspace root needs every member's package.json (npm ci
// links the members and installs their dependencies). Experts copy those
// too, each to its own directory, before the install; so does the fixer,
// when every one of them is a literal directory of the context under what
// the broad COPY copies (otherwise the original build could not have read
// them either, or the fixer cannot tell where they would land).

// manifestGroup is manifests copied to a directory of their own.
type manifestGroup struct {
	dir   string   // context path of the directory
	files []string // context paths
}

// groupDest is where the broad COPY of src to dest puts a context
// directory under src.
func groupDest(dest, src, dir string) string {
	rest := dir
	if src != "" {
		rest = strings.TrimPrefix(strings.TrimPrefix(dir, src), "/")
	}
	return path.Join(dest, rest)
}

// under reports whether context path p is src or below it.
func under(p, src string) bool {
	return src == "" || p == src || strings.HasPrefix(p, src+"/")
}

// extraManifests are the manifest groups the install in srcDir reads
// besides srcDir's own, or why they cannot be copied exactly.
func extraManifests(in *Input, src, srcDir string, t *Tool) ([]manifestGroup, string) {
	switch t {
	case toolGo:
		return goReplaceGroups(in, src, srcDir)
	case toolNpm:
		return npmWorkspaceGroups(in, src, srcDir)
	}
	return nil, ""
}

// goReplaceGroups follows local replace directives (transitively).
func goReplaceGroups(in *Input, src, srcDir string) ([]manifestGroup, string) {
	var out []manifestGroup
	seen := map[string]bool{srcDir: true}
	queue := []string{srcDir}
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		gomod := strings.TrimPrefix(path.Join(dir, "go.mod"), "/")
		data, err := in.readContextFile(gomod)
		if err != nil {
			continue
		}
		mf, err := modfile.Parse(gomod, data, nil) // ParseLax ignores replace directives
		if err != nil {
			return nil, fmt.Sprintf("%s does not parse (%v)", gomod, err)
		}
		for _, r := range mf.Replace {
			if !modfile.IsDirectoryPath(r.New.Path) {
				continue
			}
			if path.IsAbs(r.New.Path) || strings.Contains(r.New.Path, `\`) {
				return nil, fmt.Sprintf("%s replaces %s with %s, outside the build context", gomod, r.Old.Path, r.New.Path)
			}
			target := path.Clean(path.Join(dir, r.New.Path))
			if target == ".." || strings.HasPrefix(target, "../") {
				return nil, fmt.Sprintf("%s replaces %s with %s, outside the build context", gomod, r.Old.Path, r.New.Path)
			}
			if target == "." {
				target = ""
			}
			if !under(target, src) {
				return nil, fmt.Sprintf("%s replaces %s with %s, which the COPY of the sources does not copy", gomod, r.Old.Path, r.New.Path)
			}
			if seen[target] {
				continue
			}
			seen[target] = true
			mod := strings.TrimPrefix(path.Join(target, "go.mod"), "/")
			if !in.contextHas(mod) {
				return nil, fmt.Sprintf("%s replaces %s with %s, which has no go.mod in the build context", gomod, r.Old.Path, r.New.Path)
			}
			g := manifestGroup{dir: target, files: []string{mod}}
			if sum := strings.TrimPrefix(path.Join(target, "go.sum"), "/"); in.contextHas(sum) {
				g.files = append(g.files, sum)
			}
			out = append(out, g)
			queue = append(queue, target)
		}
	}
	return out, ""
}

// npmWorkspaceGroups lists the members of an npm workspace root.
func npmWorkspaceGroups(in *Input, src, srcDir string) ([]manifestGroup, string) {
	pjPath := strings.TrimPrefix(path.Join(srcDir, "package.json"), "/")
	data, err := in.readContextFile(pjPath)
	if err != nil {
		return nil, ""
	}
	var pj struct {
		Workspaces json.RawMessage `json:"workspaces"`
	}
	if json.Unmarshal(data, &pj) != nil || len(pj.Workspaces) == 0 {
		return nil, ""
	}
	var patterns []string
	if json.Unmarshal(pj.Workspaces, &patterns) != nil {
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(pj.Workspaces, &obj) != nil {
			return nil, pjPath + "'s workspaces field is neither a list nor {packages: [...]}"
		}
		patterns = obj.Packages
	}
	members := map[string]bool{}
	for _, pat := range patterns {
		clean := strings.TrimSuffix(strings.TrimPrefix(pat, "./"), "/")
		if clean == "" || strings.HasPrefix(clean, "!") || strings.Contains(clean, "**") || strings.HasPrefix(clean, "/") ||
			strings.HasPrefix(path.Clean(clean), "..") || strings.ContainsAny(clean, "{}") {
			return nil, fmt.Sprintf("the workspace pattern %q in %s is not one the fixer can expand exactly", pat, pjPath)
		}
		if _, err := path.Match(clean, ""); err != nil {
			return nil, fmt.Sprintf("the workspace pattern %q in %s is malformed", pat, pjPath)
		}
		depth := strings.Count(clean, "/") + 1
		for _, e := range in.Context.Entries {
			rest := e.Path
			if srcDir != "" {
				var ok bool
				if rest, ok = strings.CutPrefix(e.Path, srcDir+"/"); !ok {
					continue
				}
			}
			if path.Base(rest) != "package.json" || strings.Contains(rest, "node_modules/") {
				continue
			}
			dir := path.Dir(rest)
			if strings.Count(dir, "/")+1 != depth {
				continue
			}
			if ok, _ := path.Match(clean, dir); ok {
				members[strings.TrimPrefix(path.Join(srcDir, dir), "/")] = true
			}
		}
	}
	var dirs []string
	for d := range members {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []manifestGroup
	for _, d := range dirs {
		if !under(d, src) {
			return nil, fmt.Sprintf("the workspace member %s is not under what the COPY of the sources copies", d)
		}
		mpj := path.Join(d, "package.json")
		if data, err := in.readContextFile(mpj); err == nil {
			var m struct {
				Scripts map[string]string `json:"scripts"`
			}
			if json.Unmarshal(data, &m) == nil {
				for _, k := range []string{"preinstall", "install", "postinstall", "prepare"} {
					if v, ok := m.Scripts[k]; ok && !in.scriptReadsNothing(v) {
						return nil, fmt.Sprintf("%s's %s script (%s) runs during the install and may read the member's sources", mpj, k, short(v))
					}
				}
			}
		}
		out = append(out, manifestGroup{dir: d, files: []string{mpj}})
	}
	return out, ""
}
