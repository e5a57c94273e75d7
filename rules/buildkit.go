package rules

import (
	"context"
	"fmt"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
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
func RunBuildKitChecks(ctx context.Context, name string, dt []byte) (out []BuildKitFinding, err error) {
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
