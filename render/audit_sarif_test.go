package render

import (
	"bytes"
	"encoding/json"
	"net/url"
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

// TestSARIFEncodesFileNames: file names with characters that mean
// something in a URI (#, ?, %, spaces, a colon in the first segment) are
// percent-encoded, the log still validates, and decoding gives the path.
func TestSARIFEncodesFileNames(t *testing.T) {
	schema := gojsonschema.NewStringLoader(officialSchema(t))
	res := fixtureAudit(t)
	res.Root = "/tmp/a repo#1"
	names := []string{"svc #1/Dockerfile", "q?x=1/Dockerfile", "100%/Dockerfile", "c:d/Dockerfile"}
	for i := range res.Findings {
		res.Findings[i].File = names[i%len(names)]
	}
	var buf bytes.Buffer
	if err := AuditSARIF(&buf, res, AuditOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	r, err := gojsonschema.Validate(schema, gojsonschema.NewBytesLoader(buf.Bytes()))
	if err != nil || !r.Valid() {
		t.Fatalf("invalid: %v %v", err, r.Errors())
	}
	var log struct {
		Runs []struct {
			OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
			Results            []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(log.Runs[0].OriginalURIBaseIDs["SRCROOT"].URI)
	if err != nil || base.Path != "/tmp/a repo#1/" {
		t.Errorf("SRCROOT %q -> %v %v", log.Runs[0].OriginalURIBaseIDs["SRCROOT"].URI, base, err)
	}
	for i, r := range log.Runs[0].Results {
		raw := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("%q is not a plain relative reference: %+v %v", raw, u, err)
			continue
		}
		if got, want := strings.TrimPrefix(u.Path, "./"), names[i%len(names)]; got != want {
			t.Errorf("%q decodes to %q, want %q", raw, got, want)
		}
	}
}
