package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/history"
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

// TestHostileNamesInPlainRenderers: ls, context and history print names
// from the repository without control characters; history's and measure's
// CSV cells that a spreadsheet would run as formulas are made text.
func TestHostileNamesInPlainRenderers(t *testing.T) {
	evil := "svc\x1b[2J\nx"
	var b bytes.Buffer
	LsTable(&b, &discover.Repo{Images: []*discover.Image{{Name: evil, Dockerfile: evil + "/Dockerfile", Context: evil, Source: "dockerfile"}}})
	ContextText(&b, evil, "", &buildctx.Report{Context: evil, IgnoreFile: &buildctx.IgnoreFile{}, Walk: &buildctx.Walk{}, Sensitive: []buildctx.Sensitive{{Path: evil + "/.env", Reason: "environment file"}}}, "/repo")
	HistoryTable(&b, []*history.Build{{Image: evil, Scenario: "warm", Result: engine.Result{Err: evil}}})
	if strings.ContainsRune(b.String(), 0x1b) || strings.Contains(b.String(), "svc\x1b") {
		t.Errorf("a control character reached the output:\n%q", b.String())
	}
	if !strings.Contains(b.String(), `svc\x1b[2J\nx`) {
		t.Errorf("the name is not shown escaped:\n%s", b.String())
	}

	b.Reset()
	formula := `=HYPERLINK("http://x.example.com","click")`
	if err := HistoryCSV(&b, []*history.Build{{Image: formula, Scenario: "+1", Git: history.Git{Branch: "@x"}, Result: engine.Result{Err: "-2"}}}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("cell %q would run as a formula: %q", cell, rows[1])
		}
	}
	if !slices.Contains(rows[1], "'"+formula) {
		t.Errorf("the name is not kept as text: %q", rows[1])
	}
}

// TestLongLinesAreNotEchoed: a 10 MB Dockerfile line is shown by its
// start in the text report, with how much was left out.
func TestLongLinesAreNotEchoed(t *testing.T) {
	long := "RUN echo " + strings.Repeat("x", 10<<20)
	res := &audit.Report{SchemaVersion: 1, Root: "/repo", Ranking: "static",
		Images:   []*audit.ImageSummary{{Name: "app", Dockerfile: "Dockerfile", BySeverity: map[string]int{"warning": 1}}},
		Findings: []rules.Finding{{RuleID: "LW101", Severity: rules.Warning, Image: "app", File: "Dockerfile", Range: dockerfile.Range{Start: dockerfile.Pos{Line: 2, Col: 1}, End: dockerfile.Pos{Line: 2, Col: len(long)}}, Message: "m"}},
		Rules:    map[string]*audit.Meta{}}
	var b bytes.Buffer
	if err := Audit(&b, "text", res, AuditOptions{Source: func(string) []string { return []string{"FROM scratch", long} }}); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 10_000 || !strings.Contains(b.String(), "more characters") {
		t.Errorf("%d bytes of output: %.300s", b.Len(), b.String())
	}
}
