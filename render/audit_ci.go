package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/rules"
)

type csFile struct {
	Name   string    `xml:"name,attr"`
	Errors []csError `xml:"error"`
}

type csError struct {
	Line     int    `xml:"line,attr"`
	Column   int    `xml:"column,attr,omitempty"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

// AuditCheckstyle renders checkstyle XML (version 4.3), one <file> per file.
func AuditCheckstyle(w io.Writer, res *audit.Report, _ AuditOptions) error {
	byFile := map[string]*csFile{}
	var names []string
	for _, f := range res.Findings {
		cf := byFile[f.File]
		if cf == nil {
			cf = &csFile{Name: f.File}
			byFile[f.File] = cf
			names = append(names, f.File)
		}
		sev := "info"
		switch f.Severity {
		case rules.Error:
			sev = "error"
		case rules.Warning:
			sev = "warning"
		}
		cf.Errors = append(cf.Errors, csError{Line: f.Range.Start.Line, Column: f.Range.Start.Col, Severity: sev,
			Message: fmt.Sprintf("[%s] %s", f.RuleID, f.Message), Source: "layerwise." + f.RuleID})
	}
	sort.Strings(names)
	doc := struct {
		XMLName xml.Name  `xml:"checkstyle"`
		Version string    `xml:"version,attr"`
		Files   []*csFile `xml:"file"`
	}{Version: "4.3"}
	for _, n := range names {
		doc.Files = append(doc.Files, byFile[n])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type glIssue struct {
	Description string     `json:"description"`
	CheckName   string     `json:"check_name"`
	Fingerprint string     `json:"fingerprint"`
	Severity    string     `json:"severity"`
	Location    glLocation `json:"location"`
}

type glLocation struct {
	Path  string  `json:"path"`
	Lines glLines `json:"lines"`
}

type glLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// AuditGitLab renders GitLab's code quality report (a JSON array of issues).
func AuditGitLab(w io.Writer, res *audit.Report, _ AuditOptions) error {
	out := []glIssue{}
	for _, f := range res.Findings {
		sev := "info"
		switch f.Severity {
		case rules.Error:
			sev = "critical"
		case rules.Warning:
			sev = "major"
		}
		h := sha256.Sum256([]byte(f.RuleID + "\x00" + f.File + "\x00" + fmt.Sprint(f.Range.Start.Line) + "\x00" + f.Message))
		begin := max(f.Range.Start.Line, 1)
		out = append(out, glIssue{Description: fmt.Sprintf("%s: %s", f.RuleID, f.Message), CheckName: f.RuleID,
			Fingerprint: hex.EncodeToString(h[:16]), Severity: sev,
			Location: glLocation{Path: f.File, Lines: glLines{Begin: begin, End: max(f.Range.End.Line, begin)}}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
