package rules

import (
	"strings"
	"testing"
)

func offline(in *Input) *Input {
	c := *in.Config
	c.Offline = true
	in.Config = &c
	return in
}

func TestLW140SyntaxDirective(t *testing.T) {
	for _, src := range []string{
		"# syntax=docker/dockerfile:1\nFROM debian:12\n",
		"# syntax=docker/dockerfile:1.7-labs\nFROM debian:12\nRUN --mount=type=cache,target=/c true\n",
		"#syntax=registry.local/frontend:1\nFROM scratch\n",
	} {
		if fs := check(t, "LW140", offline(input(t, src))); len(fs) != 1 || fs[0].Severity != Error || fs[0].Range.Start.Line != 1 {
			t.Errorf("offline with syntax should be an error at line 1: %q %+v", src, fs)
		}
	}
	ruleCatches(t, "LW140",
		"FROM debian:12\nRUN <<EOF\necho hi\nEOF\n",
		"FROM debian:12\nCOPY --link a /a\n",
		"FROM debian:12\nCOPY --exclude=*.md . /src\n",
		"FROM debian:12\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://x/y /y\n",
		"FROM debian:12\nADD https://github.com/moby/buildkit.git#v0.12 /src\n",
		"FROM debian:12\nCOPY <<EOF /etc/x\nhi\nEOF\n",
	)
	ruleCatchesNot(t, "LW140",
		"# syntax=docker/dockerfile:1\nFROM debian:12\nRUN <<EOF\necho hi\nEOF\n",
		"FROM debian:12\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
		"FROM debian:12\nCOPY a /a\n",
		"# syntax=docker/dockerfile:1\nFROM debian:12\n",
		"FROM debian:12\nADD https://example.com/x.tgz /x\n",
	)
	// offline without a directive: the advice does not suggest one
	fs := check(t, "LW140", offline(input(t, "FROM debian:12\nCOPY --link a /a\n")))
	if len(fs) != 1 || fs[0].Severity != Info {
		t.Errorf("offline feature: %+v", fs)
	}
}

// TestLW140NamesEachFeaturesVersion: the message names the frontend each
// feature needs (a review found "BuildKit ≥ 0.13" said of COPY --link,
// which frontend 1.4 and Docker Engine 23 parse).
func TestLW140NamesEachFeaturesVersion(t *testing.T) {
	for src, want := range map[string]string{
		"FROM debian:12\nCOPY --link a /a\n":                            "frontend ≥ 1.4 (BuildKit ≥ 0.10, built into Docker Engine ≥ 23.0",
		"FROM debian:12\nADD https://github.com/moby/buildkit.git /s\n": "frontend ≥ 1.6",
		"FROM debian:12\nCOPY --link --exclude=*.md . /src\n":           "COPY --exclude needs Dockerfile frontend ≥ 1.19",
		"FROM debian:12\nCOPY --parents a/*/b /src/\n":                  "frontend ≥ 1.20",
	} {
		fs := check(t, "LW140", input(t, src))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, want) {
			t.Errorf("%q: want %q in %+v", src, want, fs)
		}
	}
}

// TestLW140NewestFeatureWarns: --parents and --exclude need a frontend
// most engines in use lack (a warning); heredocs and --link every
// supported one parses (a note); the newest feature is the one said.
func TestLW140NewestFeatureWarns(t *testing.T) {
	for src, want := range map[string]struct {
		sev  Severity
		text string
	}{
		"FROM debian:12\nCOPY --link a /a\n":                                    {Info, "COPY --link"},
		"FROM debian:12\nCOPY --parents a/*/b /src/\n":                          {Warning, "COPY --parents"},
		"FROM debian:12\nRUN <<EOF\necho hi\nEOF\nCOPY --parents a/*/b /src/\n": {Warning, "COPY --parents"},
		"FROM debian:12\nCOPY --exclude=*.md . /src\nCOPY --link a /a\n":        {Warning, "COPY --exclude"},
	} {
		fs := check(t, "LW140", input(t, src))
		if len(fs) != 1 || fs[0].Severity != want.sev || !strings.HasPrefix(fs[0].Message, want.text) {
			t.Errorf("%q: want %v %q, got %+v", src, want.sev, want.text, fs)
		}
	}
}
