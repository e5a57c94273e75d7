package rules

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// A .NET restore reads more than the project it is given: the projects it
// references (transitively), every project a solution lists, and the
// files MSBuild and NuGet look for in the project's directory and each one
// above it (Directory.Build.props/.targets, Directory.Packages.props,
// NuGet.config, global.json), and whatever those import. Visual Studio's
// Dockerfile template copies each project file to its own directory before
// `dotnet restore`; so does the fixer, when every one of those files is a
// literal path of the context under what the broad COPY copies. Anything
// it cannot follow exactly (a wildcard ProjectReference, an Import built
// from properties, a solution filter) is a refusal that says so.

// dotnetDirFiles are the files MSBuild, NuGet and the SDK resolver look
// for in a project's directory and every directory above it. NuGet looks
// for its config under these three spellings on case-sensitive systems.
var dotnetDirFiles = []string{
	"Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props",
	"NuGet.config", "nuget.config", "NuGet.Config", "global.json",
}

// dotnetSolutionFiles are looked for above a solution that is restored.
var dotnetSolutionFiles = []string{"Directory.Solution.props", "Directory.Solution.targets"}

// dotnetValueFlags are the options of dotnet restore/build/publish/test
// that take a value in the next argument.
var dotnetValueFlags = map[string]bool{
	"-c": true, "--configuration": true, "-f": true, "--framework": true, "-r": true, "--runtime": true,
	"-a": true, "--arch": true, "--os": true, "-o": true, "--output": true, "-s": true, "--source": true,
	"--packages": true, "-v": true, "--verbosity": true, "--version-suffix": true, "--lock-file-path": true,
	"--artifacts-path": true, "-l": true, "--logger": true, "--filter": true, "--settings": true, "-d": true,
	"--diag": true, "--results-directory": true, "--collect": true, "-e": true, "--environment": true,
	"--property": true, "--launch-profile": true,
}

// msbuildSwitch matches MSBuild's own switches (/p:X=Y, -p:X=Y, /v:q).
var msbuildSwitch = regexp.MustCompile(`^(--?|/)[A-Za-z]+:`)

// dotnetEntry is the project, solution or directory a dotnet command
// names ("" when it names none and works on its directory's one).
func dotnetEntry(c dockerfile.Command) (string, string) {
	var pos []string
	sub := 0
	for sub < len(c.Args) && strings.HasPrefix(c.Args[sub], "-") {
		sub++
	}
	for i := sub + 1; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case msbuildSwitch.MatchString(a):
		case strings.HasPrefix(a, "-"):
			if _, _, eq := strings.Cut(a, "="); !eq && dotnetValueFlags[a] {
				i++
			}
			if (a == "--self-contained" || a == "--sc") && i+1 < len(c.Args) && (c.Args[i+1] == "true" || c.Args[i+1] == "false") {
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	switch len(pos) {
	case 0:
		return "", ""
	case 1:
		if a := pos[0]; literalPath(a) {
			return a, ""
		}
		return "", fmt.Sprintf("`%s` names %s, which is not a literal path", shortCmd(c), pos[0])
	}
	return "", fmt.Sprintf("`%s` has several arguments (%s) the fixer cannot tell apart", shortCmd(c), strings.Join(pos, " "))
}

// dotnetGroups lists the files a dotnet restore of entry (a context path:
// a project, a solution or a directory) reads besides the manifests of
// srcDir that the main manifest COPY brings, grouped by directory; or why
// they cannot be known exactly.
func dotnetGroups(in *Input, src, srcDir, entry string) ([]manifestGroup, string) {
	var roots []string // projects and solutions the restore starts from
	if entry != "" && !in.contextHas(entry) {
		return nil, fmt.Sprintf("the restore names %s, which the build context does not have", entry)
	}
	if entry == "" || in.isDirSource(entry) {
		dir := entry
		if entry == "" {
			dir = srcDir
		}
		var projs, slns []string
		for _, p := range in.contextChildren(dir) {
			switch {
			case strings.HasSuffix(p, ".sln") || strings.HasSuffix(p, ".slnx") || strings.HasSuffix(p, ".slnf"):
				slns = append(slns, p)
			case strings.HasSuffix(p, "proj") && !in.isDirSource(p):
				projs = append(projs, p)
			}
		}
		// MSBuild's choice (XMake's ProcessProjectSwitch): the one
		// project, else the one solution; a project and a solution of the
		// same name: the solution; anything else is MSB1011
		sameName := len(projs) == 1 && len(slns) == 1 &&
			strings.TrimSuffix(path.Base(projs[0]), path.Ext(projs[0])) == strings.TrimSuffix(path.Base(slns[0]), path.Ext(slns[0]))
		switch {
		case sameName:
			roots = slns
		case len(projs) == 1 && len(slns) == 0:
			roots = projs
		case len(projs) == 0 && len(slns) == 1:
			roots = slns
		case len(projs) == 0 && len(slns) == 0:
			return nil, fmt.Sprintf("no project or solution in %q for the restore", dir)
		default:
			return nil, fmt.Sprintf("%q holds several projects or solutions, and the restore names none", dir)
		}
	} else {
		roots = []string{entry}
	}
	files := map[string]bool{}
	var queue []string
	add := func(p string) string {
		if !under(p, src) {
			return fmt.Sprintf("the restore reads %s, which the COPY of the sources does not copy", p)
		}
		if !in.contextHas(p) || in.isDirSource(p) {
			return fmt.Sprintf("the restore reads %s, which the build context does not have", p)
		}
		if !files[p] {
			files[p] = true
			queue = append(queue, p)
		}
		return ""
	}
	for _, r := range roots {
		if why := add(r); why != "" {
			return nil, why
		}
	}
	walked := map[string]bool{}
	walkUp := func(dir string, names []string) {
		for {
			if dir == "." {
				dir = ""
			}
			key := dir + "\x00" + strings.Join(names, ",")
			if walked[key] || !under(dir, src) {
				return
			}
			walked[key] = true
			for _, n := range names {
				if p := strings.TrimPrefix(path.Join(dir, n), "/"); in.contextHas(p) && !in.isDirSource(p) && !files[p] {
					files[p] = true
					queue = append(queue, p)
				}
			}
			if dir == "" || dir == src {
				return
			}
			dir = path.Dir(dir)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		dir := path.Dir(p)
		if dir == "." {
			dir = ""
		}
		data, err := in.readContextFile(p)
		if err != nil {
			return nil, fmt.Sprintf("%s cannot be read (%v)", p, err)
		}
		switch {
		case strings.HasSuffix(p, ".slnx") || strings.HasSuffix(p, ".slnf"):
			return nil, fmt.Sprintf("%s is a solution format the fixer does not read: copy the projects it lists before the restore by hand", p)
		case strings.HasSuffix(p, ".sln"):
			walkUp(dir, dotnetSolutionFiles)
			walkUp(dir, dotnetDirFiles)
			projs, why := slnProjects(p, data)
			if why != "" {
				return nil, why
			}
			for _, pr := range projs {
				if why := add(strings.TrimPrefix(path.Join(dir, pr), "/")); why != "" {
					return nil, fmt.Sprintf("%s lists %s: %s", p, pr, why)
				}
			}
		case strings.HasSuffix(strings.ToLower(p), ".config"):
			if why := localFeeds(p, data); why != "" {
				return nil, why
			}
		case strings.HasSuffix(p, ".json"):
			// global.json, packages.lock.json: read, not followed
		default:
			walkUp(dir, dotnetDirFiles)
			if m := restoreSourceProperty.Find(data); m != nil {
				return nil, fmt.Sprintf("%s sets %s, which may name a local package feed the manifest COPY does not bring", p, m)
			}
			refs, why := msbuildRefs(p, data)
			if why != "" {
				return nil, why
			}
			for _, r := range refs {
				if why := add(strings.TrimPrefix(path.Join(dir, r), "/")); why != "" {
					return nil, fmt.Sprintf("%s references %s: %s", p, r, why)
				}
			}
			if strings.HasSuffix(p, "proj") {
				if lock := strings.TrimPrefix(path.Join(dir, "packages.lock.json"), "/"); in.contextHas(lock) && !files[lock] {
					files[lock] = true
				}
			}
		}
	}
	byDir := map[string][]string{}
	for p := range files {
		dir := path.Dir(p)
		if dir == "." {
			dir = ""
		}
		if dir == srcDir && matchesToolManifest(path.Base(p), toolDotnet) {
			continue // the main manifest COPY brings it
		}
		byDir[dir] = append(byDir[dir], p)
	}
	var dirs []string
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []manifestGroup
	for _, d := range dirs {
		sort.Strings(byDir[d])
		out = append(out, manifestGroup{dir: d, files: byDir[d]})
	}
	return out, ""
}

// restoreSourceProperty are the MSBuild properties that add package
// sources or folders to a restore.
var restoreSourceProperty = regexp.MustCompile(`Restore(Additional)?(Project)?Sources|RestoreFallbackFolders|RestorePackagesPath|RestoreConfigFile`)

// nugetSource is a package source of a NuGet.config.
var nugetSource = regexp.MustCompile(`(?is)<add\s[^>]*value\s*=\s*"([^"]*)"`)

// localFeeds says why a NuGet.config's sources cannot be followed: a
// package source that is a directory (a local feed the manifest COPY does
// not bring), or a fallback folder.
func localFeeds(p string, data []byte) string {
	s := string(data)
	if strings.Contains(strings.ToLower(s), "fallbackpackagefolders") || strings.Contains(strings.ToLower(s), "globalpackagesfolder") {
		return fmt.Sprintf("%s names package folders, which may be directories of the context the manifest COPY does not bring", p)
	}
	i := strings.Index(strings.ToLower(s), "<packagesources")
	if i < 0 {
		return ""
	}
	end := strings.Index(strings.ToLower(s[i:]), "</packagesources")
	if end < 0 {
		end = len(s) - i
	}
	for _, m := range nugetSource.FindAllStringSubmatch(s[i:i+end], -1) {
		if v := m[1]; !strings.Contains(v, "://") {
			return fmt.Sprintf("%s has the local package source %s, which the manifest COPY does not bring", p, v)
		}
	}
	return ""
}

// dotnetFlagsReadMore says why a dotnet command's flags make it read what
// the fixer does not follow ("" when nothing).
func dotnetFlagsReadMore(c dockerfile.Command) string {
	for i, a := range c.Args {
		flag, val, hasVal := strings.Cut(a, "=")
		switch {
		case flag == "-s" || flag == "--source":
			if !hasVal && i+1 < len(c.Args) {
				val = c.Args[i+1]
			}
			if !strings.Contains(val, "://") {
				return fmt.Sprintf("`%s` restores from the local source %s, which the manifest COPY does not bring", shortCmd(c), val)
			}
		case flag == "--configfile" || flag == "--packages" || flag == "--lock-file-path":
			return fmt.Sprintf("`%s` reads %s, which the fixer does not follow", shortCmd(c), a)
		case msbuildSwitch.MatchString(a) && restoreSourceProperty.MatchString(a):
			return fmt.Sprintf("`%s` sets %s, which may name a local package feed", shortCmd(c), a)
		}
	}
	return ""
}

// slnLine is a project entry of a .sln file:
// Project("{type}") = "Name", "path\to\x.csproj", "{guid}"
var slnLine = regexp.MustCompile(`(?m)^\s*Project\("[^"]*"\)\s*=\s*"[^"]*"\s*,\s*"([^"]*)"`)

// slnProjects are the project files a solution lists, relative to it
// (solution folders, which are names and not files, left out).
func slnProjects(p string, data []byte) ([]string, string) {
	var out []string
	for _, m := range slnLine.FindAllSubmatch(data, -1) {
		rel := strings.ReplaceAll(string(m[1]), `\`, "/")
		if !strings.HasSuffix(strings.ToLower(rel), "proj") {
			continue
		}
		if why := relativeMSBuildPath(p, rel); why != "" {
			return nil, why
		}
		out = append(out, rel)
	}
	return out, ""
}

// importAbove is the import Directory.Build.props files use to chain to
// the one above them; the fixer copies every one of those already.
var importAbove = regexp.MustCompile(`^\$\(\[MSBuild\]::GetPathOfFileAbove\(\s*'?(Directory\.(Build|Packages|Solution)\.(props|targets))'?\s*(,.*)?\)\)$`)

// msbuildRefs are the files an MSBuild file makes the restore read: its
// ProjectReferences and Imports (SDK imports aside), relative to it.
func msbuildRefs(p string, data []byte) ([]string, string) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return out, ""
			}
			return nil, fmt.Sprintf("%s does not parse as XML (%v)", p, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) (string, bool) {
			for _, a := range se.Attr {
				if strings.EqualFold(a.Name.Local, name) {
					return strings.TrimSpace(a.Value), true
				}
			}
			return "", false
		}
		switch se.Name.Local {
		case "ProjectReference":
			if !strings.HasSuffix(p, "proj") {
				// an item of an imported file is relative to each project
				// that imports it, not to the file
				return nil, fmt.Sprintf("%s adds ProjectReferences to the projects that import it: copy them before the restore by hand", p)
			}
			inc, _ := attr("Include")
			for _, r := range strings.Split(inc, ";") {
				r = strings.TrimSpace(strings.ReplaceAll(r, `\`, "/"))
				if r == "" {
					continue
				}
				if strings.ContainsAny(r, "*?$@%") {
					return nil, fmt.Sprintf("%s references projects by a pattern or property (%s): copy them before the restore by hand", p, r)
				}
				if why := relativeMSBuildPath(p, r); why != "" {
					return nil, why
				}
				out = append(out, r)
			}
		case "Import":
			if _, sdk := attr("Sdk"); sdk {
				continue // from the SDK, not the context
			}
			proj, _ := attr("Project")
			if importAbove.MatchString(proj) {
				continue
			}
			r := strings.ReplaceAll(proj, `\`, "/")
			if strings.ContainsAny(r, "*?$@%") {
				return nil, fmt.Sprintf("%s imports %s, which the fixer cannot resolve: copy it before the restore by hand", p, proj)
			}
			if why := relativeMSBuildPath(p, r); why != "" {
				return nil, why
			}
			out = append(out, r)
		}
	}
}

func relativeMSBuildPath(p, rel string) string {
	if rel == "" || path.IsAbs(rel) || strings.Contains(rel, ":") {
		return fmt.Sprintf("%s names %s, which is not a path inside the context", p, rel)
	}
	if c := path.Clean(path.Join(path.Dir(p), rel)); c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Sprintf("%s names %s, outside the build context", p, rel)
	}
	return ""
}
