package rules

import (
	"strings"
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
	// unreached are heavy or sensitive paths no COPY reaches (BuildKit
	// does not send them)
	unreached []string
	// df is the Dockerfile ("FROM debian:12\nCOPY . .\n" when empty)
	df string
}

func (r rep) build() *buildctx.Report {
	out := &buildctx.Report{IgnoreFile: &buildctx.IgnoreFile{Path: r.ignore}, Walk: &buildctx.Walk{Files: 10, Bytes: r.bytes}}
	out.Usage = &buildctx.Usage{UsedBytes: r.bytes - r.unused, UnusedBytes: r.unused, UnusedFiles: 4, Undecidable: r.undecidable}
	add := func(p string, dir bool) {
		unreached := false
		for _, u := range r.unreached {
			unreached = unreached || u == p
		}
		p = strings.TrimSuffix(p, "/")
		f := buildctx.Entry{Path: p, Type: buildctx.TypeFile, Size: 1}
		if dir {
			out.Entries = append(out.Entries, buildctx.Entry{Path: p, Type: buildctx.TypeDir})
			f.Path = p + "/f"
		}
		out.Entries = append(out.Entries, f)
		if unreached {
			out.Usage.Unused = append(out.Usage.Unused, f)
		}
	}
	for _, h := range r.heavy {
		out.Heavy = append(out.Heavy, buildctx.SizeEntry{Path: h, Bytes: 5e6, Files: 3})
		add(h, true)
	}
	for _, s := range r.sensitive {
		reason := "secret"
		if strings.HasSuffix(s, ".pfx") || strings.HasSuffix(s, ".key") {
			reason = buildctx.ReasonKey
		}
		out.Sensitive = append(out.Sensitive, buildctx.Sensitive{Path: s, Reason: reason})
		add(s, strings.HasSuffix(s, "/"))
	}
	out.UnusedDirs = []buildctx.SizeEntry{{Path: "docs", Bytes: r.unused}}
	return out
}

func contextCases(t *testing.T, id string, catch, notCatch []rep) {
	t.Helper()
	df := func(r rep) string {
		if r.df != "" {
			return r.df
		}
		return "FROM debian:12\nCOPY . .\n"
	}
	for _, r := range catch {
		if fs := check(t, id, withContext(input(t, df(r)), r.build())); len(fs) == 0 {
			t.Errorf("%s should catch %+v", id, r)
		}
	}
	for _, r := range notCatch {
		if fs := check(t, id, withContext(input(t, df(r)), r.build())); len(fs) != 0 {
			t.Errorf("%s should not catch %+v: %s", id, r, fs[0].Message)
		}
	}
	// no context report: context rules stay silent
	if fs := check(t, id, input(t, "FROM debian:12\n")); len(fs) != 0 {
		t.Errorf("%s reports without a context", id)
	}
}
