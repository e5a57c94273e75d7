package rules

import (
	"path"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/dockerfile"
)

// buildOnlyPackages are Debian packages that build a Go binary and that the
// binary does not need at run time, with the programs they provide. The Go
// multi-stage rewrite leaves them in the build stage unless the service's
// Go sources, CMD, ENTRYPOINT or HEALTHCHECK name one of those programs.
// Library -dev packages other than libc's are not in the list: a cgo
// binary links the shared libraries they pull in.
var buildOnlyPackages = map[string][]string{
	"git": {"git"}, "mercurial": {"hg"}, "subversion": {"svn"}, "bzr": {"bzr"}, "fossil": {"fossil"},
	"make": {"make"}, "cmake": {"cmake"}, "gcc": {"gcc", "cc"}, "g++": {"g++", "c++"}, "cpp": {"cpp"},
	"build-essential": {"gcc", "g++", "make", "cc"}, "pkg-config": {"pkg-config"}, "pkgconf": {"pkgconf", "pkg-config"},
	"autoconf": {"autoconf"}, "automake": {"automake"}, "libtool": {"libtool"}, "binutils": {"ld", "as", "objdump", "strip"},
	"upx": {"upx"}, "upx-ucl": {"upx"}, "protobuf-compiler": {"protoc"}, "golang": {"go"}, "golang-go": {"go"},
	"libc6-dev": nil,
}

// providedByCopy are packages whose payload the runtime stage copies from
// the build stage instead of installing: a Go binary reads the CA bundle
// itself.
var providedByCopy = map[string]bool{"ca-certificates": true}

// maxGoSourceScan bounds the Go sources read to find the programs a
// service runs; beyond it no build-only package is left out.
const maxGoSourceScan = 64 << 20

// runtimePlan is what the runtime stage keeps of the build stage's OS
// package RUNs: the lines of each RUN it copies (absent: left out), and
// the packages left in the build stage.
type runtimePlan struct {
	runs    map[*dockerfile.Instruction][]string
	dropped []string
}

// runtimePackages decides, for each RUN before the compile that only
// installs OS packages (or prepares apt), what the runtime stage needs:
// the RUN as written; the RUN without the build-only packages and those
// provided by a copy (removed from the text only when each is written
// once, as a word); or nothing. RUNs that only prepare apt go when no
// install is left; one that upgrades or removes packages is copied as
// written. When in doubt, a RUN is copied as written.
func runtimePackages(in *Input, before, after []*dockerfile.Instruction) runtimePlan {
	plan := runtimePlan{runs: map[*dockerfile.Instruction][]string{}}
	used := programsUsed(in, after)
	installs := false
	var prep []*dockerfile.Instruction
	dropped := map[string]bool{}
	for _, x := range before {
		if x.Kind != "RUN" || !systemOnly(x) {
			continue
		}
		lines := linesOf(in.File, x)
		var pkgs []string
		other := false // apt upgrade, remove, ...: copied as written
		for _, c := range x.Run.Commands {
			switch {
			case isApt(c, "install"):
				pkgs = append(pkgs, aptPackages(c)...)
			case isApt(c, "update"):
			case path.Base(c.Name) == "apt-get" || path.Base(c.Name) == "apt" || path.Base(c.Name) == "apk":
				other = true
			}
		}
		if other {
			plan.runs[x] = lines
			installs = true
			continue
		}
		if len(pkgs) == 0 {
			prep = append(prep, x)
			continue
		}
		var drop []string
		for _, p := range pkgs {
			name, _, _ := strings.Cut(p, "=")
			progs, buildOnly := buildOnlyPackages[name]
			if providedByCopy[name] || (buildOnly && used != nil && !used.usesAny(progs)) {
				drop = append(drop, p)
			}
		}
		switch {
		case len(drop) == len(pkgs):
			// nothing of this RUN is needed at run time
		case len(drop) == 0:
			plan.runs[x] = lines
			installs = true
			continue
		default:
			out, ok := removeWords(lines, drop)
			if !ok {
				plan.runs[x] = lines
				installs = true
				continue
			}
			plan.runs[x] = out
			installs = true
		}
		for _, p := range drop {
			name, _, _ := strings.Cut(p, "=")
			if !providedByCopy[name] {
				dropped[name] = true
			}
		}
	}
	if installs {
		for _, x := range prep {
			plan.runs[x] = linesOf(in.File, x)
		}
	}
	for p := range dropped {
		plan.dropped = append(plan.dropped, p)
	}
	sort.Strings(plan.dropped)
	return plan
}

// aptPackages are the package arguments of an apt install: the words that
// are neither options nor the values of options that take one.
func aptPackages(c dockerfile.Command) []string {
	var out []string
	skip, sub := false, false
	for _, a := range c.Args {
		switch {
		case skip:
			skip = false
		case a == "-o" || a == "-t" || a == "-c" || a == "--option" || a == "--target-release" || a == "--config-file" || a == "--default-release":
			skip = true
		case strings.HasPrefix(a, "-"):
		case !sub:
			sub = true // "install"
		default:
			out = append(out, a)
		}
	}
	return out
}

// usedText is where a service could name a program it runs.
type usedText struct {
	config  []string // its CMD, ENTRYPOINT and HEALTHCHECK
	sources []string // its Go sources sent in the build context
}

// programsUsed collects the text in which the service could name a program
// it runs. nil means it cannot tell (no context analysis, or more Go
// source than maxGoSourceScan).
func programsUsed(in *Input, after []*dockerfile.Instruction) *usedText {
	if in.Context == nil || in.Context.Walk == nil {
		return nil
	}
	texts := &usedText{}
	for _, x := range after {
		switch x.Kind {
		case "CMD", "ENTRYPOINT", "HEALTHCHECK":
			texts.config = append(texts.config, strings.Join(linesOf(in.File, x), "\n"))
		}
	}
	total := int64(0)
	for _, e := range in.Context.Entries {
		if path.Ext(e.Path) != ".go" || e.Type == buildctx.TypeDir {
			continue
		}
		total += e.Size
		if total > maxGoSourceScan {
			return nil
		}
		// a regular file inside the context, never a FIFO or a link out
		data, err := in.readContextFile(e.Path)
		if err != nil {
			return nil
		}
		texts.sources = append(texts.sources, string(data))
	}
	return texts
}

// usesAny reports whether the service names one of the programs: as a Go
// string (`"git"`, `"git pull"`, `"/usr/bin/git"`) in its sources, or as a
// word of its CMD/ENTRYPOINT/HEALTHCHECK.
func (u *usedText) usesAny(progs []string) bool {
	for _, p := range progs {
		for _, t := range u.sources {
			if strings.Contains(t, `"`+p+`"`) || strings.Contains(t, `"`+p+` `) || strings.Contains(t, `/`+p+`"`) {
				return true
			}
		}
		for _, t := range u.config {
			if containsWord(t, p) {
				return true
			}
		}
	}
	return false
}

func containsWord(t, w string) bool {
	for _, f := range strings.FieldsFunc(t, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '"' || r == '[' || r == ']' || r == ',' || r == ';' || r == '&' || r == '|' || r == '/'
	}) {
		if f == w {
			return true
		}
	}
	return false
}

// removeWords removes each word (with the blank before it) from the lines;
// it fails unless every word occurs exactly once, delimited by blanks, a
// line end, a continuation backslash or a shell separator.
func removeWords(lines []string, words []string) ([]string, bool) {
	out := append([]string(nil), lines...)
	for _, w := range words {
		found := 0
		li, at := -1, -1
		for i, l := range out {
			for j := 0; ; {
				k := strings.Index(l[j:], w)
				if k < 0 {
					break
				}
				k += j
				end := k + len(w)
				before := k > 0 && (l[k-1] == ' ' || l[k-1] == '\t')
				afterOK := end == len(l) || strings.ContainsRune(" \t\\;&|", rune(l[end]))
				if before && afterOK {
					found++
					li, at = i, k
				}
				j = k + 1
			}
		}
		if found != 1 {
			return nil, false
		}
		l := out[li]
		start := at
		for start > 0 && (l[start-1] == ' ' || l[start-1] == '\t') {
			start--
		}
		out[li] = l[:start] + l[at+len(w):]
		switch rest := strings.TrimSpace(out[li]); {
		case rest == "\\" && li+1 < len(out):
			// a continuation line that held only the word
			out = append(out[:li], out[li+1:]...)
		case rest == "" && li > 0:
			// the RUN's last line held only the word: the line before
			// must not continue into the next instruction
			out = append(out[:li], out[li+1:]...)
			out[li-1] = strings.TrimRight(strings.TrimSuffix(strings.TrimRight(out[li-1], " \t"), "\\"), " \t")
		case rest == "":
			return nil, false
		}
	}
	return out, true
}
