package audit

import (
	"context"
	"strings"
	"sync"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

// buildkitFindings runs BuildKit's own checks (what `docker build --check`
// reports) on the image's Dockerfile, so that an audit is a superset of it.
func buildkitFindings(ctx context.Context, in *rules.Input, metas map[string]*Meta, mu *sync.Mutex) ([]rules.Finding, error) {
	data := []byte(strings.Join(in.File.Lines, "\n") + "\n")
	bk, err := rules.RunBuildKitChecks(ctx, in.Dockerfile, data)
	if err != nil {
		return nil, err
	}
	var out []rules.Finding
	for _, w := range bk {
		if !in.BuildKitFindingHolds(w) {
			continue
		}
		id := "buildkit/" + w.Rule
		sev := rules.Warning
		if rules.BuildKitStyleOnly(w.Rule) {
			sev = rules.Info
		}
		mu.Lock()
		if _, ok := metas[id]; !ok {
			metas[id] = &Meta{ID: id, Name: w.Rule, Title: w.Description, Category: rules.CatCorrectness,
				Description: w.Description, HelpURI: w.URL, Severity: sev}
		}
		mu.Unlock()
		f := rules.Finding{RuleID: id, Severity: sev, Image: in.Image, File: in.Dockerfile, Message: w.Detail}
		if in.BuildKitFindingInforms(w) {
			f.Severity = rules.Info
			f.Message += " (the ARG has no default: the build is expected to pass it)"
		}
		if w.StartLine > 0 {
			end := max(w.EndLine, w.StartLine)
			f.Range = dockerfile.Range{Start: dockerfile.Pos{Line: w.StartLine, Col: 1}, End: dockerfile.Pos{Line: end, Col: max(len(lineAt(in.File, end)), 1)}}
		}
		out = append(out, f)
	}
	return out, nil
}

func lineAt(f *dockerfile.File, n int) string {
	if n < 1 || n > len(f.Lines) {
		return ""
	}
	return f.Lines[n-1]
}
