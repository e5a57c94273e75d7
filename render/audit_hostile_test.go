package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/rules"
)

// hostileResult has names as directory and file names can make them: HTML,
// a table pipe, a line break, a terminal escape, bytes that are not UTF-8.
func hostileResult() *audit.Report {
	name := "<img src=x onerror=alert(1)>|svc\nx\x1b[2J\xff"
	file := "svc|a\nb/\x1b]0;pwn\x07Dockerfile"
	return &audit.Report{
		SchemaVersion: 1, Root: "/repo", Ranking: "static", RankingNote: "ranked",
		Images:   []*audit.ImageSummary{{Name: name, Dockerfile: file, Context: "svc|a\nb", BySeverity: map[string]int{"warning": 1}, BaseImages: []string{"debian:12"}}},
		Findings: []rules.Finding{{RuleID: "LW101", Severity: rules.Warning, Image: name, File: file, Range: dockerfile.Range{Start: dockerfile.Pos{Line: 1, Col: 1}, End: dockerfile.Pos{Line: 1, Col: 5}}, Message: "copies `a|b` <b>x</b>\x1b[31m red"}},
		Warnings: []string{"compose: \x1b[31mboom\nsecond line"},
		Rules:    map[string]*audit.Meta{},
	}
}

// TestHostileNamesInEveryRenderer: no renderer lets such a name act on a
// terminal, inject HTML, split a Markdown row or make invalid JSON/XML.
func TestHostileNamesInEveryRenderer(t *testing.T) {
	for _, format := range AuditFormats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Audit(&buf, format, hostileResult(), AuditOptions{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, "\x1b") || strings.Contains(out, "\x07") {
				t.Errorf("raw control characters in %s output:\n%q", format, out)
			}
			switch format {
			case "markdown":
				if strings.Contains(out, "<img") || strings.Contains(out, "<b>") {
					t.Errorf("raw HTML in Markdown:\n%s", out)
				}
				cells := func(l string) int { return strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") }
				header := -1
				for _, l := range strings.Split(out, "\n") {
					if !strings.HasPrefix(l, "|") {
						header = -1
						continue
					}
					if header < 0 {
						header = cells(l)
					} else if cells(l) != header {
						t.Errorf("a row with %d cell borders, its header %d: %q", cells(l), header, l)
					}
				}
			case "json", "sarif", "gitlab":
				var v any
				if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
					t.Errorf("invalid JSON: %v", err)
				}
			case "checkstyle":
				d := xml.NewDecoder(&buf)
				for {
					if _, err := d.Token(); err != nil {
						if err.Error() != "EOF" {
							t.Errorf("invalid XML: %v", err)
						}
						break
					}
				}
			}
		})
	}
}

// TestFixDiffHeadersAndEscapes: an absolute path joins a/ and b/ without a
// doubled slash, and control characters of a file's name or lines print
// escaped (issue 27).
func TestFixDiffHeadersAndEscapes(t *testing.T) {
	var b strings.Builder
	FixDiff(&b, &fix.FileFix{Path: "/tmp/r\x1b[31m/Dockerfile", Before: []byte("FROM a\n"), After: []byte("FROM b\x1b]0;x\x07\n")}, false)
	out := b.String()
	if !strings.Contains(out, "--- a/tmp/r\\x1b[31m/Dockerfile\n") || !strings.Contains(out, "+++ b/tmp/r\\x1b[31m/Dockerfile\n") {
		t.Errorf("headers:\n%s", out)
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) || !strings.Contains(out, "+FROM b\\x1b]0;x\\x07\n") {
		t.Errorf("raw control characters:\n%q", out)
	}
}
