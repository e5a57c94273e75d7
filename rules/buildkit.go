package rules

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// BuildKit's own checks (the ones `docker build --check` runs) are run
// in-process through dockerfile2llb.DockerfileLint, which needs no daemon
// once it is given an image resolver that does not go to a registry:
// offlineResolver answers every base image with an empty linux/amd64
// config. Checks that need the real base image (InvalidBaseImagePlatform)
// therefore stay silent, and CopyIgnoredFile, which needs the build
// context's ignore file through a frontend client, does too; layerwise's
// own context rules cover that ground with the real context.

type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, "", []byte(`{"os":"linux","architecture":"amd64","config":{}}`), nil
}

var (
	scratchDefOnce sync.Once
	scratchDef     *llb.Definition
	scratchDefErr  error
)

// BuildKitFinding is one result of BuildKit's checks.
type BuildKitFinding struct {
	Rule, Description, URL, Detail string
	StartLine, EndLine             int
}

// RunBuildKitChecks lints a Dockerfile with BuildKit's linter.
//
// BuildKit's converter is quadratic in the instructions of a stage: every
// step's state is a chain of the steps before it, and each lookup of the
// environment walks that chain (llb.State.getValue), so 10,000 RUNs take
// seconds and a 10 MB file minutes. A long file is therefore linted in
// windows of windowSize consecutive instructions (see lintWindows), each
// answering for the findings on its own lines: the cost is linear in the
// file, and the findings are those of linting it whole (tested), but for
// ConsistentInstructionCasing, which a window judges by the casing of its
// own instructions.
func RunBuildKitChecks(ctx context.Context, name string, dt []byte) ([]BuildKitFinding, error) {
	dt, _ = dockerfile.Clean(dt) // as the model reads it, and nothing printed to stderr
	// a file of fewer lines than the windowing threshold has fewer
	// instructions too: no need to parse it once more to count them
	if bytes.Count(dt, []byte("\n")) < windowSize*3/2 {
		return lintOnce(ctx, name, dt)
	}
	windows, err := lintWindows(dt)
	if err != nil || len(windows) <= 1 {
		return lintOnce(ctx, name, dt)
	}
	var out []BuildKitFinding
	seen := map[string]bool{}
	for _, w := range windows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs, err := lintOnce(ctx, name, w.text)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.EndLine > 0 {
				f.EndLine = w.original(f.EndLine)
			}
			f.StartLine = w.original(f.StartLine)
			key := fmt.Sprintf("%s\x00%d\x00%s", f.Rule, f.StartLine, f.Detail)
			if w.owns(f.StartLine) && !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// varRef matches a variable reference ($NAME, ${NAME...}) in a line.
var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// windowSize is the number of instructions linted at once.
const windowSize = 400

// lintWindow is one window's text, the original line of each of its
// lines, and the original lines it answers for.
type lintWindow struct {
	text     []byte
	origin   []int // origin[i] is the original line of the window's line i+1
	from, to int
}

// original maps a line of the window's text back to the file's.
func (w lintWindow) original(line int) int {
	if line >= 1 && line <= len(w.origin) {
		return w.origin[line-1]
	}
	return line
}

func (w lintWindow) owns(line int) bool { return line >= w.from && line <= w.to }

// lintWindows splits a long Dockerfile (more than windowSize*3/2
// instructions) into windows of windowSize consecutive instructions; nil
// for a short one. A window keeps its own instructions in place and, of the
// rest, only what its instructions' checks read:
//   - every FROM and ARG (stages, their names and build args stay defined);
//   - per stage, one ENV on the line of its last ENV before the window that
//     defines every variable set so far (UndefinedVar asks whether a
//     variable is defined, not its value), and the last WORKDIR, USER and
//     SHELL before it (the state they leave);
//   - per stage, the first CMD, ENTRYPOINT and HEALTHCHECK after it (what
//     makes one of the window's own "not the last" for
//     MultipleInstructionsDisallowed).
//
// Everything else is left out of the window's text (its lines are mapped
// back to the file's), so every window costs the same wherever it is in
// the file.
func lintWindows(dt []byte) ([]lintWindow, error) {
	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return nil, err
	}
	type node struct {
		n     *parser.Node
		kw    string
		stage int
	}
	var all []node
	stage := -1
	for _, n := range res.AST.Children {
		kw := strings.ToLower(n.Value)
		if kw == "from" {
			stage++
		}
		all = append(all, node{n, kw, stage})
	}
	if len(all) <= windowSize*3/2 {
		return nil, nil
	}
	lines := bytes.SplitAfter(dt, []byte("\n"))
	// One pass over the file, windows in order: what lies before a window
	// (the variables each stage set, its last WORKDIR/USER/SHELL) is
	// carried forward rather than gathered again per window, and what
	// follows it (the first CMD/ENTRYPOINT/HEALTHCHECK per stage) is found
	// by a binary search, so the windows cost linear time in the file.
	var always []int            // every FROM and ARG
	after := map[string][]int{} // stage+kw -> indexes of its CMDs, ... in order
	for i, nd := range all {
		switch nd.kw {
		case "from", "arg":
			always = append(always, i)
		case "cmd", "entrypoint", "healthcheck":
			k := fmt.Sprint(nd.stage, nd.kw)
			after[k] = append(after[k], i)
		}
	}
	envSet := map[int]map[string]bool{} // stage -> variables set so far
	lastEnv := map[int]int{}            // stage -> line of its last ENV so far
	lastOf := map[string]int{}          // stage+kw -> index of the last WORKDIR, USER, SHELL so far
	next := 0                           // the nodes before it are in the state above
	var out []lintWindow
	for lo := 0; lo < len(all); lo += windowSize {
		hi := min(lo+windowSize, len(all)) - 1
		for ; next < lo; next++ {
			nd := all[next]
			switch nd.kw {
			case "env":
				if c, err := instructions.ParseInstruction(nd.n); err == nil {
					if e, ok := c.(*instructions.EnvCommand); ok {
						if envSet[nd.stage] == nil {
							envSet[nd.stage] = map[string]bool{}
						}
						for _, kv := range e.Env {
							envSet[nd.stage][kv.Key] = true
						}
					}
				}
				lastEnv[nd.stage] = nd.n.StartLine
			case "workdir", "user", "shell":
				lastOf[fmt.Sprint(nd.stage, nd.kw)] = next
			}
		}
		keep := map[int]bool{}
		for i := lo; i <= hi; i++ {
			keep[i] = true
		}
		for _, i := range always {
			keep[i] = true
		}
		for _, i := range lastOf {
			keep[i] = true
		}
		for _, idx := range after {
			if j := sort.SearchInts(idx, hi+1); j < len(idx) {
				keep[idx[j]] = true // the first one after the window
			}
		}
		// only the variables the window's own lines name: BuildKit's
		// dispatcher adds an ENV's variables one by one to a list it
		// searches each time, so an ENV of every variable set so far made
		// a file of n ENV lines cost n² (16,000 ENV lines: 16 s)
		var named []string
		seenName := map[string]bool{}
		for i := lo; i <= hi; i++ {
			for l := all[i].n.StartLine; l <= all[i].n.EndLine && l <= len(lines); l++ {
				for _, m := range varRef.FindAllSubmatch(lines[l-1], -1) {
					if n := string(m[1]); !seenName[n] {
						seenName[n] = true
						named = append(named, n)
					}
				}
			}
		}
		replace := map[int]string{}
		for st, l := range lastEnv {
			var b strings.Builder
			b.WriteString("ENV")
			for _, k := range named {
				if envSet[st][k] {
					b.WriteString(" " + k + "=x")
				}
			}
			if b.Len() == len("ENV") {
				b.WriteString(" LAYERWISE_WINDOW=x") // an ENV needs a variable
			}
			replace[l] = b.String()
		}
		// the window's text: the lines before the first instruction
		// (parser directives), then the kept instructions' lines in file
		// order, each remembered with its original line
		order := make([]int, 0, len(keep)+len(replace))
		for i := range keep {
			order = append(order, i)
		}
		sort.Ints(order)
		var b bytes.Buffer
		var origin []int
		emit := func(l int, text []byte) {
			b.Write(text)
			if !bytes.HasSuffix(text, []byte("\n")) {
				b.WriteByte('\n')
			}
			origin = append(origin, l)
		}
		for l := 1; l < all[0].n.StartLine && l <= len(lines); l++ {
			emit(l, lines[l-1])
		}
		// merge the kept nodes with the replacement ENV lines by line
		var repl []int
		for l := range replace {
			repl = append(repl, l)
		}
		sort.Ints(repl)
		ri := 0
		for _, i := range order {
			nd := all[i]
			for ri < len(repl) && repl[ri] < nd.n.StartLine {
				emit(repl[ri], []byte(replace[repl[ri]]))
				ri++
			}
			if ri < len(repl) && repl[ri] == nd.n.StartLine {
				ri++ // the ENV is kept whole (it is in the window)
			}
			for l := nd.n.StartLine; l <= nd.n.EndLine && l <= len(lines); l++ {
				emit(l, lines[l-1])
			}
		}
		for ; ri < len(repl); ri++ {
			emit(repl[ri], []byte(replace[repl[ri]]))
		}
		w := lintWindow{text: b.Bytes(), origin: origin, from: all[lo].n.StartLine, to: len(lines) + 1}
		if lo == 0 {
			w.from = 0
		}
		if hi+1 < len(all) {
			w.to = all[hi+1].n.StartLine - 1
		}
		out = append(out, w)
	}
	return out, nil
}

// lintOnce runs BuildKit's linter over one text.
func lintOnce(ctx context.Context, name string, dt []byte) (out []BuildKitFinding, err error) {
	defer func() {
		// the converter behind the linter assumes a frontend client in
		// places; one Dockerfile it trips on must not take the audit down
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("BuildKit's checks failed on this file: %v", r)
		}
	}()
	scratchDefOnce.Do(func() { scratchDef, scratchDefErr = llb.Scratch().Marshal(context.Background()) })
	if scratchDefErr != nil {
		return nil, scratchDefErr
	}
	sm := &llb.SourceMap{Filename: name, Language: "Dockerfile", Data: dt, Definition: scratchDef}
	// Without a frontend client the converter has no LLB capabilities and
	// dereferences nil on RUN --mount (seen on real Dockerfiles): offer all
	// of this BuildKit version's, as a current builder would.
	caps := pb.Caps.CapSet(pb.Caps.All())
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{SourceMap: sm, MetaResolver: offlineResolver{}, LLBCaps: &caps})
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		f := BuildKitFinding{Rule: w.RuleName, Description: w.Description, URL: w.URL, Detail: w.Detail}
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			r := w.Location.Ranges[0]
			if r.Start != nil {
				f.StartLine = int(r.Start.Line)
			}
			if r.End != nil {
				f.EndLine = int(r.End.Line)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

var bkNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, r := range []linter.LinterRuleI{
		&linter.RuleStageNameCasing, &linter.RuleFromAsCasing, &linter.RuleNoEmptyContinuation,
		&linter.RuleConsistentInstructionCasing, &linter.RuleDuplicateStageName, &linter.RuleReservedStageName,
		&linter.RuleJSONArgsRecommended, &linter.RuleMaintainerDeprecated, &linter.RuleUndefinedArgInFrom,
		&linter.RuleWorkdirRelativePath, &linter.RuleUndefinedVar, &linter.RuleMultipleInstructionsDisallowed,
		&linter.RuleLegacyKeyValueFormat, &linter.RuleInvalidBaseImagePlatform, &linter.RuleRedundantTargetPlatform,
		&linter.RuleSecretsUsedInArgOrEnv, &linter.RuleInvalidDefaultArgInFrom, &linter.RuleFromPlatformFlagConstDisallowed,
		&linter.RuleCopyIgnoredFile, &linter.RuleInvalidDefinitionDescription, &linter.RuleExposeProtoCasing,
		&linter.RuleExposeInvalidFormat,
	} {
		m[r.RuleName()] = true
	}
	return m
})

func buildkitRuleNames() map[string]bool { return bkNames() }

var undefinedVarName = regexp.MustCompile(`Usage of undefined variable '\$([A-Za-z_][A-Za-z0-9_]*)'`)

// argInFrom is the ARG an InvalidDefaultArgInFrom finding names.
var argInFrom = regexp.MustCompile(`ARG \$\{?(\w+)`)

// requiredArgsOnly: every variable of the FROM text in the finding's
// detail is a global ARG declared with no default at all.
func (in *Input) requiredArgsOnly(detail string) bool {
	refs := varRef.FindAllStringSubmatch(detail, -1)
	if len(refs) == 0 {
		return false
	}
	for _, r := range refs {
		required := false
		for _, x := range in.File.MetaArgs {
			c, ok := x.Cmd.(*instructions.ArgCommand)
			if !ok {
				continue
			}
			for _, kv := range c.Args {
				if kv.Key == r[1] {
					// no default, or one that only says a value is
					// needed (SigNoz's ALPINE_SHA="pass-a-valid-docker-
					// sha-otherwise-this-will-fail": review 29)
					required = kv.Value == nil || placeholderDefault.MatchString(*kv.Value)
				}
			}
		}
		if !required {
			return false
		}
	}
	return true
}

// placeholderDefault: an ARG default that is a request for the value, not
// a value: it makes the FROM fail on purpose when the build passes none.
var placeholderDefault = regexp.MustCompile(`(?i)^["']?(<[^>]*>|(please[-_ ])?(pass|set|provide|supply|specify|override|replace|fill)[-_ ](in[-_ ])?(a|an|the|your|me|this|valid)\b.*|.*[-_ ](otherwise|must[-_ ]be[-_ ](set|passed|provided)|is[-_ ]required|will[-_ ]fail).*|required|must[-_ ]be[-_ ]set|override[-_ ]me|changeme|change[-_]me)["']?$`)

// gpgFingerprint is a GPG key's fingerprint or id as images pin their
// release keys (ENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D).
var gpgFingerprint = regexp.MustCompile(`^[0-9A-Fa-f]{16,}( [0-9A-Fa-f]{16,})*$`)

// BuildKitFindingInforms says whether one of BuildKit's findings that holds
// is information rather than a warning: InvalidDefaultArgInFrom where every
// ARG of the FROM is declared with no default at all — the Dockerfile asks
// its build for the value by design (eventuate's Gradle plugin and
// skywalking's Makefiles pass it: review 13), though a plain `docker build`
// without it fails.
func (in *Input) BuildKitFindingInforms(w BuildKitFinding) bool {
	return w.Rule == "InvalidDefaultArgInFrom" && in.requiredArgsOnly(w.Detail)
}

// buildkitStyleOnly are BuildKit's checks of how a Dockerfile is written
// that change nothing in what it builds, how fast, or how the image runs:
// casing, the legacy `ENV key value` form, MAINTAINER. They are reported
// as information beside the findings that cost seconds or bytes (reviews
// 35 and 36 read them as warnings that cost nothing).
var buildkitStyleOnly = map[string]bool{
	"StageNameCasing": true, "FromAsCasing": true, "ConsistentInstructionCasing": true,
	"LegacyKeyValueFormat": true, "MaintainerDeprecated": true, "ExposeProtoCasing": true,
	"InvalidDefinitionDescription": true, "RedundantTargetPlatform": true,
}

// BuildKitStyleOnly: BuildKit's check rule is about style alone.
func BuildKitStyleOnly(rule string) bool { return buildkitStyleOnly[rule] }

// BuildKitFindingHolds says whether one of BuildKit's findings holds for
// this image, where BuildKit's linter, run offline, could not know:
//   - UndefinedVar on a variable the stage's base image may define: the
//     linter was given an empty config for every base (offlineResolver),
//     so a variable the base sets (the .NET images' APP_UID) is reported
//     undefined; it holds only when the base's config is known and lacks it;
//   - SecretsUsedInArgOrEnv on a GPG key's fingerprint, which is public
//     (the official images pin their release keys so);
//   - JSONArgsRecommended on a command that needs the shell (its exec
//     form is sh -c again);
//   - InvalidDefaultArgInFrom on an ARG the build always supplies.
func (in *Input) BuildKitFindingHolds(w BuildKitFinding) bool {
	if w.Rule == "InvalidDefaultArgInFrom" {
		// an ARG the build always supplies (skaffold's `requires` alias);
		// the finding is on the FROM line, which is no instruction here
		if m := argInFrom.FindStringSubmatch(w.Detail); m != nil && in.SuppliedArgs[m[1]] {
			return false
		}

		// a test's image: its harness passes the args (shiori's
		// Dockerfile.e2e through testcontainers: review 12)
		return !testInput(in.Dockerfile)
	}
	if w.Rule == "FromPlatformFlagConstDisallowed" {
		// one Dockerfile per architecture (ErsatzTV's docker/arm64/,
		// docker/arm32v7/ beside docker/Dockerfile, merged into one
		// manifest by its workflow: review 17): the constant is the point
		return !in.perArchDockerfile()
	}
	_, _, ins := in.instructionAt(w.StartLine)
	if ins == nil || ins.State == nil {
		return true
	}
	switch w.Rule {
	case "UndefinedVar":
		m := undefinedVarName.FindStringSubmatch(w.Detail)
		if m == nil {
			return true
		}
		if _, set := ins.State.Getenv(m[1]); set {
			return false // the base image's config sets it
		}
		return ins.State.BaseKnown && !ins.State.BaseEnvPartial
	case "JSONArgsRecommended":
		if testInput(in.Dockerfile) {
			return false // a one-shot test runner: nothing stops it gracefully
		}
		// a CMD or ENTRYPOINT a later one of the stage replaces never runs
		// (EventualShop's four CMDs: review 23); BuildKit's
		// MultipleInstructionsDisallowed says that one
		if s := in.stageOf(ins); s != nil {
			after := false
			for _, x := range s.Instructions {
				if x == ins {
					after = true
				} else if after && x.Kind == ins.Kind {
					return false
				}
			}
		}
		// the exec form of a command that needs the shell (an && chain,
		// a variable, a redirection) is ["sh", "-c", ...]: the same shell
		// as PID 1, so the advice changes nothing
		if line, ok := shellForm(ins); ok {
			if _, plain := plainWords(line); !plain {
				return false
			}
			if f := strings.Fields(line); len(f) > 0 && f[0] == "exec" {
				return false // the shell replaces itself with the program
			}
			if ignoresSIGTERM(line) != "" {
				// the JSON form makes it PID 1, which drops SIGTERM
				// without a handler: no better at stopping (review 22)
				return false
			}
		}
		// BusyBox's ash (Alpine's /bin/sh) runs the last command in the
		// shell's place: the program gets the signals (review 19). Only
		// there: an unknown base, scratch or distroless may have no shell
		// at all, where a shell-form command cannot start (review)
		if s := in.stageOf(ins); s != nil && baseimage.AshShell(in.rootBase(s).Base) {
			return false
		}
	case "WorkdirRelativePath":
		// a variable of the base image's config (dependabot's `WORKDIR
		// $DEPENDABOT_HOME`, set by the base its repository builds: review
		// 25): BuildKit's linter, run offline, expanded it to nothing
		if c, ok := ins.Cmd.(*instructions.WorkdirCommand); ok && strings.Contains(c.Path, "$") {
			known := ins.State.BaseKnown && !ins.State.BaseEnvPartial
			for _, m := range shellVar.FindAllStringSubmatch(c.Path, -1) {
				if v, set := ins.State.Getenv(m[1]); (set && path.IsAbs(v)) || (!set && !known) {
					return false
				}
			}
		}
		// a directory an earlier RUN of the stage made by the same
		// relative name (`RUN git clone …/redis.git`, `WORKDIR redis`:
		// dragonfly's test images, review 16): both resolve against the
		// same inherited directory, whatever the base sets it to
		if c, ok := ins.Cmd.(*instructions.WorkdirCommand); ok {
			if s := in.stageOf(ins); s != nil && madeRelativeDir(s, ins, c.Path) {
				return false
			}
		}
		// a Windows stage's WORKDIR through a variable (`WORKDIR $GOPATH`,
		// GOPATH=C:\go) or a drive path: absolute there, though not by
		// Linux's rules; a plain relative one holds everywhere
		if s := in.stageOf(ins); s != nil && in.windowsStage(s) {
			if c, ok := ins.Cmd.(*instructions.WorkdirCommand); ok && (strings.Contains(c.Path, "$") || windowsDrivePath.MatchString(c.Path)) {
				return false
			}
		}
	case "SecretsUsedInArgOrEnv":
		for _, kv := range envOrArgPairs(ins) {
			if !strings.Contains(w.Detail, `"`+kv[0]+`"`) {
				continue
			}
			v := strings.TrimSpace(kv[1])
			if strings.Contains(strings.ToUpper(kv[0]), "GPG") && gpgFingerprint.MatchString(v) {
				return false
			}
			// a switch, not a secret: APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE=1,
			// GOOGLE_API_KEY=no (ArchiveBox: review 14) — in an ENV only:
			// an ARG's default is replaced by what --build-arg passes
			if ins.Kind == "ENV" && notSecretValue.MatchString(v) {
				return false
			}
			// a number of seconds, bytes or tries that BuildKit's name
			// heuristic took for a key (logto's
			// private_key_rotation_grace_period: review 32)
			if ins.Kind == "ENV" && quantityName.MatchString(kv[0]) && quantityValue.MatchString(unquoted(v)) {
				return false
			}
			// a setting's name (AUTH_MODE='single-tenant': review 33,
			// dittofeed) with a word for its value
			if ins.Kind == "ENV" && settingName.MatchString(kv[0]) && settingValue.MatchString(unquoted(v)) {
				return false
			}
			// the same value the repository's own compose files write out
			// (a demo database's POSTGRES_PASSWORD=postgres, in every
			// compose file beside: reviews 17 and 19): no secret it keeps
			if in.PublishedEnv[kv[0]+"="+v] || in.PublishedEnv[kv[0]+"="+unquoted(v)] {
				return false
			}
			// an ENV whose variables no ARG or ENV before it sets
			// (`ENV OR_ADMIN_PASSWORD=${OR_ADMIN_PASSWORD:-secret}` with
			// no ARG: review 30, openremote): the build can pass nothing
			// in, so the value is the Dockerfile's own text — a default
			// anyone reading it sees, set for real at run time
			if ins.Kind == "ENV" && strings.Contains(v, "$") && !in.setsAnyBefore(ins, textVariables(v)) {
				return false
			}
		}
	}
	return true
}

// setsAnyBefore: an ARG or ENV of ins's stage (or of the stages it is
// built FROM) before it declares one of names.
func (in *Input) setsAnyBefore(ins *dockerfile.Instruction, names []string) bool {
	s := in.stageOf(ins)
	if s == nil {
		return true
	}
	for _, st := range in.lineage(s) {
		for _, x := range st.Instructions {
			if st == s && x.Index >= ins.Index {
				break
			}
			for _, n := range names {
				if declares(x, n) {
					return true
				}
			}
		}
	}
	return false
}

// quantityName names a duration, a size or a count; quantityValue is one.
var (
	quantityName  = regexp.MustCompile(`(?i)(^|_)(period|seconds?|secs?|minutes?|hours?|days?|ttl|timeout|interval|expiry|expiration|expires|duration|delay|max_age|size|length|bytes|count|limit|retries|rounds|iterations|bits)$`)
	quantityValue = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(ms|s|m|h|d|k|kb|m|mb|g|gb)?$`)
)

// settingName names a choice among a few values; settingValue is a word.
var (
	settingName = regexp.MustCompile(`(?i)(^|_)(modes?|types?|methods?|providers?|strateg(y|ies)|kinds?|backends?|drivers?|algorithms?|schemes?)$`)
	// a word, or a list of them (AUTH_PROVIDERS='credentials,oidc':
	// review 35, homarr)
	settingValue = regexp.MustCompile(`^[a-z][a-z0-9]*([-_.][a-z0-9]+)*(,\s*[a-z][a-z0-9]*([-_.][a-z0-9]+)*)*$`)
)

// notSecretValue: a value that keeps nothing secret (empty, a flag, a
// small number). An ARG declared without a value is asked of the build,
// where it may well be a secret: it has no pair, and its finding holds.
var notSecretValue = regexp.MustCompile(`(?i)^("|')?(|no|yes|true|false|on|off|none|null|nil|disabled?|enabled?|[0-9]{1,3}|your[-_ ][\w-]*|changeme|change[-_]me|replace[-_]me|<[^>]*>|x{3,}|test|testing|dummy|placeholder|fake|mock|example|sample|build|ci)("|')?$`)

// archWords name CPU architectures as Dockerfiles' paths do.
var archWords = []string{"amd64", "x86_64", "x64", "arm64", "aarch64", "arm64v8", "arm32v7", "armv7", "armhf", "arm32v6", "386", "ppc64le", "s390x", "riscv64"}

// perArchDockerfile: the Dockerfile is one of a set per architecture — an
// architecture names it or its directory, or directories beside it are
// named by architectures and hold Dockerfiles.
func (in *Input) perArchDockerfile() bool {
	df := strings.ToLower(filepath.ToSlash(in.Dockerfile))
	for _, w := range strings.FieldsFunc(df, func(r rune) bool { return r == '/' || r == '.' || r == '-' || r == '_' }) {
		if slices.Contains(archWords, w) {
			return true
		}
	}
	if in.Context == nil {
		return false
	}
	dir := path.Dir(df)
	if rel, err := filepath.Rel(filepath.FromSlash(cmp.Or(in.ContextPath, ".")), filepath.FromSlash(dir)); err == nil && !strings.HasPrefix(rel, "..") {
		for _, a := range archWords {
			if in.contextHas(strings.TrimPrefix(path.Join(filepath.ToSlash(rel), a, "Dockerfile"), "./")) {
				return true
			}
		}
	}
	return false
}

// madeRelativeDir: an earlier RUN of the stage creates dir's first
// element by a relative name — git clone's directory (named, or the
// repository's) or mkdir's.
func madeRelativeDir(s *dockerfile.Stage, ins *dockerfile.Instruction, dir string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(dir, "./"), "/")
	if first == "" || strings.ContainsAny(first, "$") {
		return false
	}
	for _, x := range s.Instructions {
		if x == ins {
			return false
		}
		if x.Run == nil {
			continue
		}
		for _, c := range x.Run.Commands {
			pos := c.Positional()
			switch {
			case path.Base(c.Name) == "git" && len(pos) >= 2 && pos[0] == "clone":
				// the repository is the first word that looks like one
				// (--depth 1's value is a positional here), the directory
				// the word after it
				for i, u := range pos[1:] {
					if !strings.Contains(u, "://") && !strings.HasSuffix(u, ".git") && !strings.Contains(u, "@") {
						continue
					}
					made := strings.TrimSuffix(path.Base(strings.TrimSuffix(u, "/")), ".git")
					if i+2 < len(pos) {
						made = pos[i+2]
					}
					if strings.TrimSuffix(strings.TrimPrefix(made, "./"), "/") == first {
						return true
					}
					break
				}
			case path.Base(c.Name) == "mkdir":
				for _, p := range pos {
					if !path.IsAbs(p) && strings.HasPrefix(strings.TrimPrefix(p, "./")+"/", first+"/") {
						return true
					}
				}
			}
		}
	}
	return false
}

// envOrArgPairs are the name/value pairs an ENV or ARG writes.
func envOrArgPairs(ins *dockerfile.Instruction) [][2]string {
	var out [][2]string
	switch c := ins.Cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			out = append(out, [2]string{kv.Key, kv.Value})
		}
	case *instructions.ArgCommand:
		for _, a := range c.Args {
			if a.Value != nil {
				out = append(out, [2]string{a.Key, *a.Value})
			}
		}
	}
	return out
}

// unquoted is a value without the one pair of quotes around it.
func unquoted(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// windowsDrivePath: C:\go, c:/app.
var windowsDrivePath = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
