package render

import (
	"encoding/json"
	"io"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

// jsonDoc is the JSON form of an audit, schema version audit.SchemaVersion
// (documented in docs/audit-json.md). Fields are only ever added within a
// schema version.
type jsonDoc struct {
	SchemaVersion int                   `json:"schemaVersion"`
	Tool          jsonTool              `json:"tool"`
	Ranking       string                `json:"ranking"`
	RankingNote   string                `json:"rankingNote"`
	Images        []*audit.ImageSummary `json:"images"`
	Findings      []jsonFinding         `json:"findings"`
	Rules         []jsonRule            `json:"rules"`
	Warnings      []string              `json:"warnings,omitempty"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonFinding struct {
	Rule     string           `json:"rule"`
	Severity string           `json:"severity"`
	Image    string           `json:"image,omitempty"`
	File     string           `json:"file"`
	Range    dockerfile.Range `json:"range"`
	Message  string           `json:"message"`
	Cost     rules.Cost       `json:"cost"`
	Fix      *rules.Fix       `json:"fix,omitempty"`
}

type jsonRule struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Category string `json:"category"`
	Fixable  bool   `json:"fixable"`
	HelpURI  string `json:"helpUri"`
}

// AuditJSON renders the audit as one JSON document.
func AuditJSON(w io.Writer, res *audit.Report, opt AuditOptions) error {
	doc := jsonDoc{SchemaVersion: res.SchemaVersion, Tool: jsonTool{"layerwise", opt.Version}, Ranking: res.Ranking,
		RankingNote: res.RankingNote, Images: res.Images, Findings: []jsonFinding{}, Warnings: res.Warnings}
	for _, f := range res.Findings {
		doc.Findings = append(doc.Findings, jsonFinding{f.RuleID, f.Severity.String(), f.Image, f.File, f.Range, f.Message, f.Cost, f.Fix})
	}
	for _, id := range usedRuleIDs(res) {
		m := meta(res, id)
		doc.Rules = append(doc.Rules, jsonRule{m.ID, m.Name, m.Title, m.Severity.String(), m.Category, m.Fixable, m.HelpURI})
	}
	if doc.Rules == nil {
		doc.Rules = []jsonRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
