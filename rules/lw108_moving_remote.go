package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// MovingRemoteInput is LW108.
var MovingRemoteInput = Register(&Rule{
	ID: "LW108", Name: "moving-remote-input", Severity: Warning, Category: CatCache,
	Title: "A remote input that moves is fetched before the dependency install",
	Cost:  "ADD of a URL is downloaded on every build to check it, and invalidates everything after it when upstream changes; RUN git clone/curl of a branch or 'latest' is either stale forever or, once busted, re-runs all that follows.",
	Description: `` + "`ADD https://...`" + ` without ` + "`--checksum`" + ` makes BuildKit fetch the URL on every build to learn whether it
changed, and a change invalidates every later step. ` + "`RUN git clone`" + ` of a branch and ` + "`curl`" + `/` + "`wget`" + ` of a moving URL
("latest", "main", "master") are worse: their cache never notices upstream changes, so they stay stale until
something above them changes — then everything below re-runs. Pin the input (a tag or commit, ` + "`ADD --checksum=`" + `,
a versioned URL) and fetch it after the dependency install, or in a stage of its own.`,
	Bad:   "ADD https://example.com/tool/latest/tool.tgz /opt/\nRUN npm ci",
	Good:  "RUN npm ci\nADD --checksum=sha256:... https://example.com/tool/1.4.2/tool.tgz /opt/",
	Check: checkMovingRemote,
})

var movingRef = regexp.MustCompile(`(?i)(/|=|-|_|\b)(latest|master|main|head|nightly|snapshot)(\b|/|\.|$)`)

// versionedURL: a URL whose path names a version (a segment or a file
// name with 1.2 or v1.2.3 in it): a release's file, which does not change.
var versionedURL = regexp.MustCompile(`://[^/]+/(.*[/_-])?v?\d+\.\d+(\.\d+)*([/_.-]|$)`)

func checkMovingRemote(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		for i, ins := range s.Instructions {
			what := ""
			if ins.Copy != nil && ins.Copy.IsAdd {
				add, _ := ins.Cmd.(*instructions.AddCommand)
				for _, u := range ins.Copy.URLs {
					if versionedURL.MatchString(u) && !movingRef.MatchString(u) {
						continue // its version is in its path (astral.sh/uv/0.8.13/install.sh): what it serves does not move
					}
					if add == nil || add.Checksum == "" {
						what = fmt.Sprintf("ADD %s (no --checksum)", u)
						break
					}
				}
				for _, g := range ins.Copy.GitRefs {
					if !pinnedGitRef(g) {
						what = fmt.Sprintf("ADD %s (not pinned to a tag or commit)", g)
						break
					}
				}
			}
			cloned := ""
			if ins.Run != nil {
				for j, c := range ins.Run.Commands {
					w := movingFetch(c)
					if w != "" && path.Base(c.Name) == "git" && (checkedOutLater(in, ins, ins.Run.Commands[j+1:]) || in.checkedOutNext(s, ins)) {
						continue // the clone is checked out at a pinned ref
					}
					if w != "" {
						what = w
						if path.Base(c.Name) == "git" {
							cloned = cloneDir(c)
						}
						break
					}
				}
			}
			if what == "" {
				continue
			}
			exp := firstExpensive(s.Instructions[i+1:], nil)
			if exp == nil {
				continue
			}
			msg := fmt.Sprintf("%s comes before %s (line %d): a moving remote input either goes stale in the cache or invalidates every step after it. Pin it and fetch it after the install.",
				what, short(exp.Original), exp.Range.Start.Line)
			if cloned != "" && installsIn(exp, cloned) {
				// the install reads the clone (lnbits' `git clone …
				// spark_sidecar`, then `cd spark_sidecar && npm ci`: review
				// 30): it cannot come after it
				msg = fmt.Sprintf("%s comes before %s (line %d), which installs what it fetched: unpinned, the cached clone goes stale (BuildKit reuses the RUN by its text) until an earlier step changes, then every step after it re-runs. Pin it to a tag or commit (`git clone --branch TAG` or a checkout of a commit).",
					what, short(exp.Original), exp.Range.Start.Line)
			}
			f := in.at(ins, msg, Cost{Invalidates: "every upstream change re-runs every step after line " + fmt.Sprint(ins.Range.Start.Line), Seconds: expensiveSeconds(s.Instructions[i+1:]), Basis: "static"})
			if v := in.perRunArgIn(s.BaseRaw); v != "" {
				// the CI passes the base a new value each run: every step
				// re-runs there anyway, and nothing goes stale
				f.Severity = Info
				f.Message += fmt.Sprintf(" (%s builds the stage FROM a new %s each run, so there every step re-runs anyway: this holds for builds that keep it.)", in.CIWorkflow, v)
			}
			f.Affects = runLines(s.Instructions[i+1:])
			f.RepullsLayers = true
			out = append(out, f)
		}
	}
	return out
}

// cloneDir is the directory `git clone URL [DIR]` makes ("" when not
// literal).
func cloneDir(c dockerfile.Command) string {
	pos := c.Positional()
	if len(pos) < 2 || pos[0] != "clone" {
		return ""
	}
	// flags with values (--branch x, -b x, --depth 1) read as positional
	// words: the URL is the first word with a scheme or a colon
	var rest []string
	for i, p := range pos[1:] {
		if strings.Contains(p, "://") || strings.HasPrefix(p, "git@") {
			rest = pos[1+i:]
			break
		}
	}
	if len(rest) == 0 {
		return ""
	}
	d := strings.TrimSuffix(path.Base(strings.TrimRight(rest[0], "/")), ".git")
	if len(rest) > 1 {
		d = rest[1]
	}
	if !literalPath(d) {
		return ""
	}
	return path.Clean(d)
}

// installsIn: the RUN changes into dir (`cd dir && …`) or names it as
// the install's directory before it installs.
func installsIn(x *dockerfile.Instruction, dir string) bool {
	if x.Run == nil {
		return false
	}
	for _, cd := range leadingCds(x.Run.Commands) {
		if path.Clean(cd.Args[0]) == dir || strings.HasPrefix(path.Clean(cd.Args[0]), dir+"/") {
			return true
		}
	}
	return false
}

// perRunArgIn is a build arg the image's CI passes a new value each run
// that the text uses ("" when none).
func (in *Input) perRunArgIn(text string) string {
	for _, v := range textVariables(text) {
		if slices.Contains(in.CIPerRunArgs, v) {
			return v
		}
	}
	return ""
}

var shaRef = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
var versionRef = regexp.MustCompile(`^v?\d+(\.\d+)*`)

func pinnedGitRef(ref string) bool {
	_, frag, ok := strings.Cut(ref, "#")
	if !ok {
		return false
	}
	frag, _, _ = strings.Cut(frag, ":")
	return shaRef.MatchString(frag) || versionRef.MatchString(frag)
}

// movingFetch recognises git clone of a branch and curl/wget of a moving URL.
func movingFetch(c dockerfile.Command) string {
	switch path.Base(c.Name) {
	case "git":
		if first(c) != "clone" {
			return ""
		}
		for i, a := range c.Args {
			if (a == "--branch" || a == "-b") && i+1 < len(c.Args) && versionRef.MatchString(c.Args[i+1]) {
				return ""
			}
		}
		return "RUN git clone without a pinned tag"
	case "curl", "wget":
		for _, a := range c.Positional() {
			if strings.Contains(a, "://") && movingRef.MatchString(a) {
				return fmt.Sprintf("RUN %s %s", path.Base(c.Name), a)
			}
		}
	}
	return ""
}

// checkedOutLater: a later command of the same RUN checks out a pinned
// ref — a tag or a commit, written or as the default of the build arg or
// variable it names (moby/buildkit's `git clone … && cd tools && git
// checkout ${GOPLS_VERSION}`, GOPLS_VERSION=v0.38.0 in its bake file's
// ARG): the clone does not move. A branch, an empty value or a command
// substitution (`git describe` of the latest tag) still moves.
func checkedOutLater(in *Input, ins *dockerfile.Instruction, cmds []dockerfile.Command) bool {
	for _, c := range cmds {
		if path.Base(c.Name) != "git" {
			continue
		}
		pos := c.Positional()
		// git -C DIR checkout REF: -C's value is a positional here
		for i := 0; i < len(c.Args)-1; i++ {
			if c.Args[i] == "-C" {
				pos = slices.DeleteFunc(slices.Clone(pos), func(p string) bool { return p == c.Args[i+1] })
			}
		}
		if len(pos) < 2 || (pos[0] != "checkout" && pos[0] != "switch" && !(pos[0] == "reset" && c.HasArg("--hard"))) {
			continue
		}
		ref := pos[len(pos)-1]
		if strings.Contains(ref, "$(") || strings.Contains(ref, "`") {
			continue
		}
		if m := refVar.FindStringSubmatch(ref); m != nil {
			v, set := ins.State.Getenv(m[1])
			if !set && in.SuppliedArgs[m[1]] && in.declaredWithoutDefault(ins, m[1]) {
				// an ARG with no default that the repository's builds
				// pass (skywalking's Makefile, a commit): its value is
				// part of the step's cache key (review 13); one nothing
				// passes is empty, and the checkout moves nothing
				return true
			}
			ref = v
		}
		if ref != "" && (shaRef.MatchString(ref) || versionRef.MatchString(ref)) {
			return true
		}
	}
	return false
}

// checkedOutNext: the next RUN of the stage starts with a checkout of a
// pinned ref (lago's `RUN git clone --tags …`, `WORKDIR /lago-expression/…`,
// `RUN git checkout v0.2.0 && cargo build`: review 16): what is built does
// not move, though the clone's layer may be old.
func (in *Input) checkedOutNext(s *dockerfile.Stage, ins *dockerfile.Instruction) bool {
	if s == nil {
		return false
	}
	i := slices.Index(s.Instructions, ins)
	if i < 0 {
		return false
	}
	for _, x := range s.Instructions[i+1:] {
		if x.Run == nil {
			if x.Kind == "WORKDIR" || x.Kind == "ENV" || x.Kind == "ARG" {
				continue
			}
			return false
		}
		if len(x.Run.Commands) > 0 && path.Base(x.Run.Commands[0].Name) == "git" {
			return checkedOutLater(in, x, x.Run.Commands[:1])
		}
		return false
	}
	return false
}

// refVar: a ref written as one variable ($REF, ${REF}).
var refVar = regexp.MustCompile(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`)

// declaredWithoutDefault: an ARG before the instruction (in its stage's
// lineage, or before the first FROM) declares the name with no default.
func (in *Input) declaredWithoutDefault(ins *dockerfile.Instruction, name string) bool {
	found := false
	check := func(x *dockerfile.Instruction) {
		if c, ok := x.Cmd.(*instructions.ArgCommand); ok {
			for _, kv := range c.Args {
				if kv.Key == name {
					found = kv.Value == nil
				}
			}
		}
	}
	for _, x := range in.File.MetaArgs {
		check(x)
	}
	if s := in.stageOf(ins); s != nil {
		for _, x := range in.lineageInstructions(s) {
			if x == ins {
				break
			}
			check(x)
		}
	}
	return found
}
