package rules

import (
	"encoding/xml"
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// Maven's dependency step is `mvn dependency:go-offline` on the pom alone
// (the step Docker's own Java guide and Spring's write): it resolves the
// project's dependencies and plugins into the local repository, in the
// step's layer, so a registry cache carries them to a fresh builder. It
// does not fetch everything (providers a plugin picks at run time, such as
// surefire's): the compile after the sources runs online as before and
// downloads what is left, so the step can only save time, never make the
// compile fail. Refused where the step would resolve something else than
// the compile, or fail where the compile does not: offline compiles (the
// step's gaps would fail them), reactor and parent poms the manifest COPY
// does not bring, system-scoped jars and file repositories inside the
// project, profiles switched on by files of the sources, and flags that
// pick other poms or modules.

// mavenKeptFlags are flags the dependency step repeats: they change how
// Maven talks (batch mode, logging, checksums, updates) or what it
// resolves (profiles, properties), never which project it reads.
var mavenKeptFlags = map[string]bool{
	"-B": true, "--batch-mode": true, "-q": true, "--quiet": true, "-e": true, "--errors": true,
	"-U": true, "--update-snapshots": true, "-ntp": true, "--no-transfer-progress": true,
	"-V": true, "--show-version": true, "-C": true, "--strict-checksums": true, "-c": true,
	"--lax-checksums": true, "-nsu": true, "--no-snapshot-updates": true, "-X": true, "--debug": true,
}

// mavenDependencyStep is the dependency step for a Maven compile run by
// cmd (mvn, mvnw, ./mvnw) in srcDir of the context, or why there is none.
func mavenDependencyStep(in *Input, c dockerfile.Command, srcDir string) (string, string) {
	// the command's own environment (MAVEN_OPTS, MAVEN_ARGS) comes along
	var words []string
	for _, e := range c.Env {
		if !plainWord(e) {
			return "", fmt.Sprintf("`%s` is not written plainly enough to be repeated before the sources", shortCmd(c))
		}
		words = append(words, e)
	}
	words = append(words, c.Name)
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		if !strings.HasPrefix(a, "-") {
			continue // a goal or phase: the step runs its own
		}
		if !plainWord(a) {
			return "", fmt.Sprintf("`%s` is not written plainly enough to be repeated before the sources", shortCmd(c))
		}
		switch {
		case mavenKeptFlags[a]:
			words = append(words, a)
		case strings.HasPrefix(a, "-D") && len(a) > 2, strings.HasPrefix(a, "-P") && len(a) > 2:
			// a property or profile: it may add dependencies or move the
			// local repository, so the step resolves with it too
			words = append(words, a)
		case a == "-D" || a == "-P" || a == "--define" || a == "--activate-profiles" || a == "-T" || a == "--threads":
			if i+1 >= len(c.Args) || !plainWord(c.Args[i+1]) {
				return "", fmt.Sprintf("`%s` is not written plainly enough to be repeated before the sources", shortCmd(c))
			}
			if a != "-T" && a != "--threads" {
				words = append(words, a, c.Args[i+1])
			}
			i++
		case a == "-s" || a == "--settings" || a == "-gs" || a == "--global-settings":
			if i+1 >= len(c.Args) || !path.IsAbs(c.Args[i+1]) || !plainWord(c.Args[i+1]) {
				return "", fmt.Sprintf("`%s`: a settings file of the sources, which the manifest COPY does not bring", shortCmd(c))
			}
			words = append(words, a, c.Args[i+1])
			i++
		case a == "-o" || a == "--offline":
			return "", "the compile runs offline (-o): `dependency:go-offline` does not fetch everything it may need (plugins' run-time dependencies), so an offline compile after it could fail"
		default:
			return "", fmt.Sprintf("`%s`: the flag %s is not one the dependency step knows to repeat", shortCmd(c), a)
		}
	}
	manifest := strings.TrimPrefix(path.Join(srcDir, "pom.xml"), "/")
	data, err := in.readContextFile(manifest)
	if err != nil {
		return "", fmt.Sprintf("%s could not be read: %v", manifest, err)
	}
	var pom struct {
		Parent *struct {
			RelativePath *string `xml:"relativePath"`
		} `xml:"parent"`
		Modules struct {
			Module []string `xml:"module"`
		} `xml:"modules"`
	}
	if err := xml.Unmarshal(data, &pom); err != nil {
		return "", fmt.Sprintf("%s does not parse: %v", manifest, err)
	}
	if len(pom.Modules.Module) > 0 {
		return "", "a Maven multi-module build: `dependency:go-offline` on the reactor fails where one module depends on another not yet built"
	}
	if pom.Parent != nil {
		rel := "../pom.xml"
		if pom.Parent.RelativePath != nil {
			rel = strings.TrimSpace(*pom.Parent.RelativePath)
		}
		if rel != "" {
			p := path.Join(srcDir, rel)
			if !strings.HasSuffix(p, ".xml") {
				p = path.Join(p, "pom.xml")
			}
			if p = strings.TrimPrefix(path.Clean("/"+p), "/"); in.contextHas(p) {
				return "", fmt.Sprintf("the pom's parent is %s of the context, which the manifest COPY does not bring", p)
			}
		}
	}
	s := string(data)
	switch {
	case strings.Contains(s, "<systemPath>"):
		return "", manifest + " has a system-scoped dependency (systemPath): a jar of the sources the dependency step would not have"
	case strings.Contains(s, "file:"):
		return "", manifest + " names a file: URL (a repository inside the project?), which the dependency step would not have"
	case strings.Contains(s, "<activation>") && strings.Contains(s, "<file>"):
		return "", manifest + " switches a profile on by a file's presence, which differs before the sources"
	}
	return strings.Join(append(words, "dependency:go-offline"), " "), ""
}

// plainWord: a shell word written without quotes, expansions or globs, so
// it can be written again as it is.
func plainWord(w string) bool {
	return w != "" && !strings.ContainsAny(w, " \t'\"\\`$;&|<>(){}*?[]~#!")
}

// mavenManifestsInPlace handles a Maven compile whose pom.xml an earlier
// COPY already put where it runs, the sources coming after it (`COPY
// pom.xml ./`, `COPY src ./src/`, `mvn package`: kubernetes-engine-samples'
// Java images): the dependency step goes in right before the sources'
// COPY. ok is false when the shape is not that one.
func mavenManifestsInPlace(in *Input, s *dockerfile.Stage, bi, ii int, broad, inst *dockerfile.Instruction) (*Fix, string, bool) {
	compile := inPlaceCompile(inst, broad, toolMaven)
	if compile == nil {
		return nil, "", false
	}
	pom, wrapper, dotMvn := "", false, false
	for _, p := range copiedInto(s.Instructions[:bi], inst.State.Workdir) {
		switch path.Base(p) {
		case "pom.xml":
			pom = p
		case "mvnw":
			wrapper = true
		case ".mvn":
			dotMvn = true
		}
	}
	if pom == "" || path.Base(compile.Cmd.Name) == "mvnw" && !wrapper {
		return nil, "", false // (a wrapper that comes with the sources)
	}
	pomDir := strings.TrimPrefix(path.Dir("/"+pom), "/")
	bringsDotMvn := false
	for _, src := range broad.Copy.ContextSources() {
		if p := strings.TrimPrefix(path.Clean("/"+src), "/"); p == pomDir || p == path.Join(pomDir, ".mvn") {
			bringsDotMvn = true
		}
	}
	if in.contextHas(path.Join(pomDir, ".mvn")) && !dotMvn && bringsDotMvn {
		// extensions and maven.config may change how the pom reads
		return nil, ".mvn (Maven's extensions and configuration) comes with the sources, after where the dependency step would run", true
	}
	dl, why := mavenDependencyStep(in, compile.Cmd, pomDir)
	if why != "" {
		return nil, why, true
	}
	fix, why := dependencyStepBefore(in, s.Instructions[bi+1:ii], broad, inst, toolMaven, dl, "fetch the Maven dependencies before the sources (pom.xml is already copied)")
	return fix, why, true
}
