package rules

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

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
// windows of windowSize instructions: each window keeps the file's lines
// (so positions do not move), its parser directives, and every instruction
// that defines state — FROM, ARG, ENV, WORKDIR, USER, SHELL — and blanks
// the other instructions outside the window; a finding counts in the window
// that holds its line. The cost is then linear in the file (for a file whose
// state-defining instructions stay few, which generated Dockerfiles' are).
func RunBuildKitChecks(ctx context.Context, name string, dt []byte) ([]BuildKitFinding, error) {
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
			key := fmt.Sprintf("%s\x00%d\x00%s", f.Rule, f.StartLine, f.Detail)
			if w.owns(f.StartLine) && !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// windowSize is the number of instructions (not counting the
// state-defining ones every window keeps) linted at once.
const windowSize = 400

type lintWindow struct {
	text []byte
	// the lines the window answers for, [from, to]: from its first
	// instruction to the line before the next window's; state-defining
	// lines (kept in every window) only the first window answers for
	from, to int
	first    bool
	stateAt  map[int]bool
}

func (w lintWindow) owns(line int) bool {
	if w.stateAt[line] {
		return w.first
	}
	return line >= w.from && line <= w.to
}

// stateKeywords define state later instructions read; the first window
// keeps them all, in place, and answers for their findings.
var stateKeywords = map[string]bool{"from": true, "arg": true, "env": true, "workdir": true, "user": true, "shell": true,
	"cmd": true, "entrypoint": true, "healthcheck": true}

// lintWindows splits a long Dockerfile into lint windows (none for a short
// one). The first window is the whole file but for the instructions after
// its own; each later window holds its instructions, the FROM and ARG lines
// (stages and build args stay defined) and, per stage, one ENV on the line
// of the stage's last ENV before the window that defines every variable set
// so far (UndefinedVar reads whether a variable is defined, not its value);
// everything else is blanked, so that a window costs the same wherever it
// is in the file.
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
	var work []int // indexes into all
	stateAt := map[int]bool{}
	stage := -1
	for _, n := range res.AST.Children {
		kw := strings.ToLower(n.Value)
		if kw == "from" {
			stage++
		}
		all = append(all, node{n, kw, stage})
		if stateKeywords[kw] {
			for l := n.StartLine; l <= n.EndLine; l++ {
				stateAt[l] = true
			}
			continue
		}
		work = append(work, len(all)-1)
	}
	if len(work) <= windowSize*3/2 {
		return nil, nil
	}
	lines := bytes.SplitAfter(dt, []byte("\n"))
	var out []lintWindow
	for start := 0; start < len(work); start += windowSize {
		end := min(start+windowSize, len(work))
		lo, hi := work[start], work[end-1] // the window's node range in all
		first := start == 0
		blank := map[int]bool{}
		replace := map[int]string{}
		envs := map[int][]string{} // stage -> variables set before the window
		lastEnv := map[int]int{}   // stage -> line of its last ENV before the window
		for i, nd := range all {
			inWindow := i >= lo && i <= hi
			keep := inWindow || nd.kw == "from" || nd.kw == "arg" || (first && stateKeywords[nd.kw])
			if nd.kw == "env" && i < lo && !first {
				if c, err := instructions.ParseInstruction(nd.n); err == nil {
					if e, ok := c.(*instructions.EnvCommand); ok {
						for _, kv := range e.Env {
							envs[nd.stage] = append(envs[nd.stage], kv.Key)
						}
					}
				}
				lastEnv[nd.stage] = nd.n.StartLine
			}
			if !keep {
				for l := nd.n.StartLine; l <= nd.n.EndLine; l++ {
					blank[l] = true
				}
			}
		}
		for st, l := range lastEnv {
			var b strings.Builder
			b.WriteString("ENV")
			for _, k := range envs[st] {
				b.WriteString(" " + k + "=x")
			}
			replace[l] = b.String()
		}
		var b bytes.Buffer
		for i, l := range lines {
			if r, ok := replace[i+1]; ok {
				b.WriteString(r + "\n")
				continue
			}
			if blank[i+1] {
				if bytes.HasSuffix(l, []byte("\n")) {
					b.WriteByte('\n')
				}
				continue
			}
			b.Write(l)
		}
		w := lintWindow{text: b.Bytes(), from: all[work[start]].n.StartLine, to: len(lines) + 1, first: first, stateAt: stateAt}
		if first {
			w.from = 0
		}
		if end < len(work) {
			w.to = all[work[end]].n.StartLine - 1
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
