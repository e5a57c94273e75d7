package render

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/rules"
	// go-sarif carries the official OASIS SARIF 2.1.0 JSON schema; the
	// blank import keeps it (and the validator) in go.mod for this test.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/xeipuuv/gojsonschema"
)

// officialSchema reads the SARIF 2.1.0 schema text from go-sarif's module
// source (it is an unexported constant there).
func officialSchema(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	if err != nil {
		t.Fatalf("locating go-sarif: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg/report/v210/sarif/schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "`")
	end := strings.LastIndex(s, "`")
	if start < 0 || end <= start {
		t.Fatal("schema constant not found in go-sarif")
	}
	schema := s[start+1 : end]
	if !strings.Contains(schema, "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema") {
		t.Fatal("not the SARIF 2.1.0 schema")
	}
	return schema
}

func TestSARIFValidatesAgainstOfficialSchema(t *testing.T) {
	schema := gojsonschema.NewStringLoader(officialSchema(t))
	res := fixtureAudit(t)
	var buf bytes.Buffer
	if err := AuditSARIF(&buf, res, AuditOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	check := func(name string, doc []byte) {
		r, err := gojsonschema.Validate(schema, gojsonschema.NewBytesLoader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !r.Valid() {
			for _, e := range r.Errors() {
				t.Errorf("%s: %s", name, e)
			}
		}
	}
	check("fixture audit", buf.Bytes())

	// fixes (artifactChanges with replacements and insertions) validate too
	withFix := fixtureAudit(t)
	withFix.Findings[0].Fix = &rules.Fix{Description: "copy the manifests first", File: withFix.Findings[0].File,
		Replacements: []rules.Replacement{{StartLine: 4, EndLine: 4, Text: "COPY go.mod go.sum ./\n"}, {StartLine: 6, EndLine: 5, Text: "COPY . .\n"}}}
	buf.Reset()
	if err := AuditSARIF(&buf, withFix, AuditOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"artifactChanges"`)) {
		t.Fatal("fix not rendered")
	}
	check("audit with fixes", buf.Bytes())

	// the validator must be able to fail: a log with a bad level is rejected
	bad := bytes.Replace(buf.Bytes(), []byte(`"level": "warning"`), []byte(`"level": "severe"`), 1)
	r, err := gojsonschema.Validate(schema, gojsonschema.NewBytesLoader(bad))
	if err != nil || r.Valid() {
		t.Errorf("a broken SARIF log passed validation")
	}
}
