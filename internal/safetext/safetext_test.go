package safetext

import (
	"strings"
	"testing"
)

func TestTerm(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path":      "plain/path",
		"a\x1b[31mred":    `a\x1b[31mred`,
		"two\nlines":      `two\nlines`,
		"tab\tok":         "tab\tok",
		"bad\xffbyte":     `bad\xffbyte`,
		"émigré":          "émigré",
		"bell\a":          `bell\x07`,
		"sep\u2028hidden": `sep\u2028hidden`,
	} {
		if got := Term(in); got != want {
			t.Errorf("Term(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown("<img src=x onerror=alert(1)>|x\ny")
	if strings.ContainsAny(got, "<>\n") || strings.Contains(got, "|x") && !strings.Contains(got, `\|x`) {
		t.Errorf("Markdown = %q", got)
	}
	code := MarkdownCode("a`b|c\nd")
	if !strings.HasPrefix(code, "``") || strings.Contains(code, "\n") || !strings.Contains(code, `\|`) {
		t.Errorf("MarkdownCode = %q", code)
	}
}

func TestUTF8(t *testing.T) {
	if got := UTF8("ok\xffx"); got != "ok\uFFFDx" {
		t.Errorf("UTF8 = %q", got)
	}
}

func TestMarkdownKeepsCodeSpans(t *testing.T) {
	got := Markdown("run `npm ci && npm run build` then <b> & `a|b`")
	want := "run `npm ci && npm run build` then &lt;b&gt; &amp; `a\\|b`"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
