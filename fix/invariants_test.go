package fix

import (
	"context"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

const swallowSrc = `FROM debian:12
RUN apt-get update \
    && apt-get install -y --no-install-recommends jq \
    && apt-get clean
ENTRYPOINT ["jq"]
`

func parse(t *testing.T, src string) *dockerfile.File {
	t.Helper()
	m, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInvariantsCatchBrokenRewrites feeds the fixer's checks rewrites that
// break a build in the ways seen on real repositories; each must be refused.
func TestInvariantsCatchBrokenRewrites(t *testing.T) {
	cases := []struct {
		name, src string
		fx        rules.Fix
		want      string
	}{
		{
			// the last line of a continued RUN removed, its `\` left on the
			// line before: the RUN swallows ENTRYPOINT (it still parses)
			name: "dangling continuation swallows the next instruction",
			src:  swallowSrc,
			fx:   rules.Fix{Replacements: []rules.Replacement{{StartLine: 4, EndLine: 4, Text: "", Kinds: nil}}},
			want: "ENTRYPOINT (line 5) would be lost",
		},
		{
			name: "replacement parses into other instructions than declared",
			src:  swallowSrc,
			fx: rules.Fix{Replacements: []rules.Replacement{{StartLine: 2, EndLine: 4,
				Text: "RUN apt-get update\nRUN apt-get install -y jq\n", Kinds: []string{"RUN"}}}},
			want: "where the fix declares [RUN]",
		},
		{
			name: "untouched instruction changed",
			src:  "FROM debian:12\nENV A=1 \\\n    B=2\nCMD [\"x\"]\n",
			fx:   rules.Fix{Replacements: []rules.Replacement{{StartLine: 3, EndLine: 3, Text: "    B=3\n", Kinds: nil}}},
			want: "did not declare",
		},
		{
			name: "insertion splits an instruction",
			src:  "FROM debian:12\nRUN a \\\n    && b\nCMD [\"x\"]\n",
			fx:   rules.Fix{Replacements: []rules.Replacement{{StartLine: 3, EndLine: 2, Text: "COPY x /x\n", Kinds: []string{"COPY"}}}},
			want: "did not declare",
		},
		{
			name: "overlapping replacements",
			src:  swallowSrc,
			fx: rules.Fix{Replacements: []rules.Replacement{{StartLine: 2, EndLine: 3, Text: "RUN a\n", Kinds: []string{"RUN"}},
				{StartLine: 3, EndLine: 4, Text: "RUN b\n", Kinds: []string{"RUN"}}}},
			want: "overlap",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := parse(t, tc.src)
			text := rules.ApplyFix(old.Lines, &tc.fx)
			nm, err := dockerfile.Parse("Dockerfile", []byte(strings.Join(text, "\n")), dockerfile.Options{})
			if err != nil {
				t.Fatalf("the broken rewrite should still parse (that is the trap): %v", err)
			}
			in := &rules.Input{Image: "x", Dockerfile: "Dockerfile", File: old, Config: config.Default()}
			why := refusal(context.Background(), in, nm, []byte(tc.src), []byte(strings.Join(text, "\n")), &tc.fx)
			if !strings.Contains(why, tc.want) {
				t.Errorf("verifyFix = %q, want it to contain %q", why, tc.want)
			}
		})
	}
}

// TestInvariantsPassGoodRewrites: the checks do not refuse correct edits.
func TestInvariantsPassGoodRewrites(t *testing.T) {
	old := parse(t, swallowSrc)
	fx := &rules.Fix{Replacements: []rules.Replacement{{StartLine: 2, EndLine: 4,
		Text: "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends jq\n", Kinds: []string{"RUN"}}}}
	text := strings.Join(rules.ApplyFix(old.Lines, fx), "\n") + "\n"
	nm := parse(t, text)
	in := &rules.Input{Image: "x", Dockerfile: "Dockerfile", File: old, Config: config.Default()}
	if why := refusal(context.Background(), in, nm, []byte(swallowSrc), []byte(text), fx); why != "" {
		t.Errorf("a correct rewrite was refused: %s", why)
	}
}

// TestNewFindingOnRewrittenLineRefused: a rewrite that makes BuildKit's
// linter (or the parser) complain about the lines it wrote is refused.
func TestNewFindingOnRewrittenLineRefused(t *testing.T) {
	src := "FROM debian:12\nRUN a \\\n    && b\nCMD [\"x\"]\n"
	old := parse(t, src)
	fx := &rules.Fix{Replacements: []rules.Replacement{{StartLine: 2, EndLine: 3, Text: "RUN a \\\n\n    && b\n", Kinds: []string{"RUN"}}}}
	text := strings.Join(rules.ApplyFix(old.Lines, fx), "\n") + "\n"
	nm := parse(t, text)
	in := &rules.Input{Image: "x", Dockerfile: "Dockerfile", File: old, Config: config.Default()}
	why := refusal(context.Background(), in, nm, []byte(src), []byte(text), fx)
	if !strings.Contains(why, "NoEmptyContinuation") && !strings.Contains(why, "parser:") {
		t.Errorf("an empty continuation line went through: %q", why)
	}
}

// TestEveryFixKeepsTheInvariants is the property test: every fix the
// fixer makes on every fixture and on the fuzz seeds passes the invariants
// (a refusal would mean a rule's fix wrote something it did not declare).
func TestEveryFixKeepsTheInvariants(t *testing.T) {
	refusals := func(src string, notes []Note) {
		t.Helper()
		for _, n := range notes {
			if strings.HasPrefix(n.Reason, "refused:") {
				t.Errorf("%s %s\n--- in\n%s", n.Rule, n.Reason, src)
			}
		}
	}
	// the fixtures with their build contexts, every rule
	for _, tc := range dockerfileCases {
		_, _, notes := fixRepo(t, tc.files)
		refusals(tc.files["Dockerfile"], notes)
	}
	// the fuzz seeds, without a context
	for _, src := range fuzzSeeds {
		m, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
		if err != nil {
			continue
		}
		im := &discover.Image{Name: "p", Dockerfile: "Dockerfile", Context: ".", Model: m, Root: t.TempDir()}
		_, _, notes, _ := fixText(context.Background(), im, nil, []byte(src), Options{Config: config.Default()})
		refusals(src, notes)
	}
}

// refusal checks one rewrite with the fixer's own checks.
func refusal(ctx context.Context, in *rules.Input, nm *dockerfile.File, oldText, newText []byte, fx *rules.Fix) string {
	why, _ := verifyFix(ctx, newView(ctx, in, oldText), nm, newText, fx, nil)
	return why
}
