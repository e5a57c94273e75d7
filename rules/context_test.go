package rules

import (
	"testing"

	"github.com/layerwise/layerwise/buildctx"
)

// report builds a synthetic context report.
type rep struct {
	ignore      string
	bytes       int64
	heavy       []string
	sensitive   []string
	unused      int64
	undecidable bool
}

func (r rep) build() *buildctx.Report {
	out := &buildctx.Report{IgnoreFile: &buildctx.IgnoreFile{Path: r.ignore}, Walk: &buildctx.Walk{Files: 10, Bytes: r.bytes}}
	for _, h := range r.heavy {
		out.Heavy = append(out.Heavy, buildctx.SizeEntry{Path: h, Bytes: 1e6, Files: 3})
	}
	for _, s := range r.sensitive {
		out.Sensitive = append(out.Sensitive, buildctx.Sensitive{Path: s, Reason: "secret"})
	}
	out.Usage = &buildctx.Usage{UnusedBytes: r.unused, UnusedFiles: 4, Undecidable: r.undecidable}
	out.UnusedDirs = []buildctx.SizeEntry{{Path: "docs", Bytes: r.unused}}
	return out
}

func contextCases(t *testing.T, id string, catch, notCatch []rep) {
	t.Helper()
	for _, r := range catch {
		if fs := check(t, id, withContext(input(t, "FROM debian:12\nCOPY . .\n"), r.build())); len(fs) == 0 {
			t.Errorf("%s should catch %+v", id, r)
		}
	}
	for _, r := range notCatch {
		if fs := check(t, id, withContext(input(t, "FROM debian:12\nCOPY . .\n"), r.build())); len(fs) != 0 {
			t.Errorf("%s should not catch %+v: %s", id, r, fs[0].Message)
		}
	}
	// no context report: context rules stay silent
	if fs := check(t, id, input(t, "FROM debian:12\n")); len(fs) != 0 {
		t.Errorf("%s reports without a context", id)
	}
}
