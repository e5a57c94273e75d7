package render

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/rules"
)

// SARIF 2.1.0, the subset layerwise fills. The test validates the output
// against the official schema.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	ColumnKind         string                      `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
	Fixable  bool     `json:"fixable"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
	Props     sarifResProps   `json:"properties"`
}

type sarifResProps struct {
	Image string     `json:"image,omitempty"`
	Cost  rules.Cost `json:"cost"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLoc   `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent *sarifText  `json:"insertedContent,omitempty"`
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

const informationURI = "https://github.com/layerwise/layerwise"

// sarifURI is a repository-relative path as the URI reference SARIF wants:
// percent-encoded (a #, ?, % or space in a file name would otherwise be a
// fragment, a query or an invalid URI), with "./" in front of a first
// segment holding a colon, which would read as a scheme.
func sarifURI(p string) string {
	return (&url.URL{Path: filepath.ToSlash(p)}).String()
}

// AuditSARIF renders the audit as a SARIF 2.1.0 log.
func AuditSARIF(w io.Writer, res *audit.Report, opt AuditOptions) error {
	run := sarifRun{ColumnKind: "unicodeCodePoints", Results: []sarifResult{},
		Tool:               sarifTool{Driver: sarifDriver{Name: "layerwise", Version: opt.Version, InformationURI: informationURI, Rules: []sarifRule{}}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{"SRCROOT": {URI: (&url.URL{Scheme: "file", Path: strings.TrimSuffix(filepath.ToSlash(res.Root), "/") + "/"}).String()}},
	}
	index := map[string]int{}
	for _, id := range usedRuleIDs(res) {
		m := meta(res, id)
		help := m.HelpURI
		if strings.HasPrefix(help, "docs/") {
			help = informationURI + "/blob/main/" + help
		}
		index[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: id, Name: m.Name, ShortDescription: sarifText{m.Title}, FullDescription: sarifText{orText(m.Description, m.Title)},
			HelpURI: help, DefaultConfiguration: sarifRuleConfig{sarifLevel(m.Severity)},
			Properties: sarifRuleProps{Category: m.Category, Tags: []string{"docker", m.Category}, Fixable: m.Fixable},
		})
	}
	for _, f := range res.Findings {
		loc := sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: sarifURI(f.File), URIBaseID: "SRCROOT"}}
		if f.Range.Start.Line > 0 {
			loc.Region = region(f.Range.Start.Line, f.Range.Start.Col, f.Range.End.Line, f.Range.End.Col)
		}
		r := sarifResult{RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity), Message: sarifText{f.Message},
			Locations: []sarifLocation{{PhysicalLocation: loc}}, Props: sarifResProps{Image: f.Image, Cost: f.Cost}}
		if f.Fix != nil {
			ch := sarifArtifactChange{ArtifactLocation: sarifArtifactLoc{URI: sarifURI(f.Fix.File), URIBaseID: "SRCROOT"}}
			for _, rp := range f.Fix.Replacements {
				rep := sarifReplacement{DeletedRegion: sarifRegion{StartLine: rp.StartLine, EndLine: rp.EndLine}}
				if rp.EndLine < rp.StartLine { // pure insertion before StartLine
					rep.DeletedRegion = sarifRegion{StartLine: rp.StartLine, StartColumn: 1, EndLine: rp.StartLine, EndColumn: 1}
				}
				if rp.Text != "" {
					rep.InsertedContent = &sarifText{rp.Text}
				}
				ch.Replacements = append(ch.Replacements, rep)
			}
			r.Fixes = []sarifFix{{Description: sarifText{f.Fix.Description}, ArtifactChanges: []sarifArtifactChange{ch}}}
		}
		run.Results = append(run.Results, r)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func region(sl, sc, el, ec int) *sarifRegion {
	r := &sarifRegion{StartLine: sl, StartColumn: max(sc, 1), EndLine: max(el, sl)}
	if ec > 0 {
		// SARIF's endColumn is exclusive; ours is the last character.
		r.EndColumn = ec + 1
	}
	return r
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
