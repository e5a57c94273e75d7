// Package lsp is layerwise's language server: the audit's findings as
// diagnostics of Dockerfiles while they are edited (layerwise's rules and
// BuildKit's checks, on the unsaved text, with the image's real build
// context), the rules' fixes as code actions, and a finding's rule doc and
// cost on hover. Compose and bake files get the findings that point into
// them when they are opened or saved (discovery reads them from disk).
//
// The protocol is tliron/glsp's (JSON-RPC over stdio, LSP 3.16 types).
package lsp

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/rules"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"
	"github.com/tliron/glsp/server"
)

// Options are what the server audits with.
type Options struct {
	// Discover finds the repository's images (the CLI's discovery: its
	// config, base images and listings).
	Discover func(ctx context.Context, root string) (*discover.Repo, *config.Config, error)
	// History opens the repository's build history, when it has one, so
	// that findings carry measured costs (nil, nil when there is none).
	History func(root string) (audit.StepDurations, func(), error)
	// Version is reported to the client.
	Version string
}

// Server holds the open documents and the findings last published.
type Server struct {
	opt  Options
	mu   sync.Mutex
	root string
	docs map[string]string              // uri -> text
	last map[string][]rules.Finding     // uri -> findings of the last analysis
	meta map[string]*audit.Meta         // rule id -> its doc
	seen map[string]map[string]struct{} // uri -> published (to clear)
}

// Run serves the protocol on stdin and stdout until the client exits.
func Run(opt Options) error {
	s := &Server{opt: opt, docs: map[string]string{}, last: map[string][]rules.Finding{}, meta: map[string]*audit.Meta{}}
	version := opt.Version
	h := protocol.Handler{}
	h.Initialize = func(_ *glsp.Context, p *protocol.InitializeParams) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if p.RootURI != nil {
			s.root = pathOf(*p.RootURI)
		} else if p.RootPath != nil {
			s.root = *p.RootPath
		}
		sync := protocol.TextDocumentSyncKindFull
		yes := true
		caps := protocol.ServerCapabilities{
			TextDocumentSync:   protocol.TextDocumentSyncOptions{OpenClose: &yes, Change: &sync, Save: &protocol.SaveOptions{IncludeText: &yes}},
			HoverProvider:      true,
			CodeActionProvider: protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix}},
		}
		return protocol.InitializeResult{Capabilities: caps, ServerInfo: &protocol.InitializeResultServerInfo{Name: "layerwise", Version: &version}}, nil
	}
	h.Initialized = func(*glsp.Context, *protocol.InitializedParams) error { return nil }
	h.Shutdown = func(*glsp.Context) error { return nil }
	h.SetTrace = func(*glsp.Context, *protocol.SetTraceParams) error { return nil }
	h.TextDocumentDidOpen = func(c *glsp.Context, p *protocol.DidOpenTextDocumentParams) error {
		s.set(p.TextDocument.URI, p.TextDocument.Text)
		s.publish(c, p.TextDocument.URI)
		return nil
	}
	h.TextDocumentDidChange = func(c *glsp.Context, p *protocol.DidChangeTextDocumentParams) error {
		for _, ch := range p.ContentChanges {
			if whole, ok := ch.(protocol.TextDocumentContentChangeEventWhole); ok {
				s.set(p.TextDocument.URI, whole.Text)
			}
		}
		s.publish(c, p.TextDocument.URI)
		return nil
	}
	h.TextDocumentDidSave = func(c *glsp.Context, p *protocol.DidSaveTextDocumentParams) error {
		if p.Text != nil {
			s.set(p.TextDocument.URI, *p.Text)
		}
		s.publish(c, p.TextDocument.URI)
		return nil
	}
	h.TextDocumentDidClose = func(c *glsp.Context, p *protocol.DidCloseTextDocumentParams) error {
		s.mu.Lock()
		delete(s.docs, p.TextDocument.URI)
		delete(s.last, p.TextDocument.URI)
		s.mu.Unlock()
		c.Notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{}})
		return nil
	}
	h.TextDocumentCodeAction = func(_ *glsp.Context, p *protocol.CodeActionParams) (any, error) {
		return s.codeActions(p), nil
	}
	h.TextDocumentHover = func(_ *glsp.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		return s.hover(p), nil
	}
	srv := server.NewServer(&h, "layerwise", false)
	return srv.RunStdio()
}

func (s *Server) set(uri, text string) {
	s.mu.Lock()
	s.docs[uri] = text
	s.mu.Unlock()
}

// pathOf is the file path of a file:// URI.
func pathOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// analyze audits the images the document defines, with its current text.
func (s *Server) analyze(ctx context.Context, uri string) ([]rules.Finding, string) {
	s.mu.Lock()
	text, root := s.docs[uri], s.root
	s.mu.Unlock()
	file := pathOf(uri)
	if file == "" {
		return nil, ""
	}
	if root == "" || !within(root, file) {
		root = filepath.Dir(file)
	}
	repo, cfg, err := s.opt.Discover(ctx, root)
	if err != nil {
		return nil, ""
	}
	rel, _ := filepath.Rel(repo.Root, file)
	rel = filepath.ToSlash(rel)
	var ims []*discover.Image
	for _, im := range repo.Images {
		switch {
		case im.Dockerfile == rel && im.DockerfileInline == "":
			im.Reparse([]byte(text)) // the unsaved buffer
			ims = append(ims, im)
		case im.SourceFile == rel:
			ims = append(ims, im)
		}
	}
	if len(ims) == 0 {
		return nil, rel
	}
	opt := audit.Options{Config: cfg, WithFixes: true}
	if s.opt.History != nil {
		if h, done, err := s.opt.History(repo.Root); err == nil && h != nil {
			defer done()
			opt.History = h
		}
	}
	rep, err := audit.Run(ctx, &discover.Repo{Root: repo.Root, Images: ims}, opt)
	if err != nil {
		return nil, rel
	}
	s.mu.Lock()
	for id, m := range rep.Rules {
		s.meta[id] = m
	}
	s.mu.Unlock()
	var out []rules.Finding
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		key := fmt.Sprintf("%s\x00%d\x00%s", f.RuleID, f.Range.Start.Line, f.Message)
		if f.File != rel || seen[key] {
			continue // another file's, or the same finding of another image
		}
		seen[key] = true
		out = append(out, f)
	}
	return out, rel
}

func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

func (s *Server) publish(c *glsp.Context, uri string) {
	fs, _ := s.analyze(context.Background(), uri)
	s.mu.Lock()
	s.last[uri] = fs
	lines := strings.Split(s.docs[uri], "\n")
	s.mu.Unlock()
	diags := []protocol.Diagnostic{}
	src := "layerwise"
	for _, f := range fs {
		sev := severity(f.Severity)
		code := protocol.IntegerOrString{Value: f.RuleID}
		d := protocol.Diagnostic{Range: lineRange(lines, f.Range.Start.Line, f.Range.End.Line), Severity: &sev, Code: &code, Source: &src, Message: f.Message}
		if m := s.metaOf(f.RuleID); m != nil && strings.HasPrefix(m.HelpURI, "http") {
			d.CodeDescription = &protocol.CodeDescription{HRef: protocol.URI(m.HelpURI)}
		}
		diags = append(diags, d)
	}
	c.Notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{URI: uri, Diagnostics: diags})
}

func (s *Server) metaOf(id string) *audit.Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta[id]
}

func severity(sv rules.Severity) protocol.DiagnosticSeverity {
	switch sv {
	case rules.Error:
		return protocol.DiagnosticSeverityError
	case rules.Warning:
		return protocol.DiagnosticSeverityWarning
	}
	return protocol.DiagnosticSeverityInformation
}

// lineRange covers whole lines start..end (1-based; a finding with no line,
// such as a context finding, goes on the first), in UTF-16 units.
func lineRange(lines []string, start, end int) protocol.Range {
	if start < 1 {
		start, end = 1, 1
	}
	if end < start {
		end = start
	}
	last := ""
	if end-1 < len(lines) {
		last = strings.TrimSuffix(lines[end-1], "\r")
	}
	return protocol.Range{
		Start: protocol.Position{Line: protocol.UInteger(start - 1), Character: 0},
		End:   protocol.Position{Line: protocol.UInteger(end - 1), Character: protocol.UInteger(len(utf16.Encode([]rune(last))))},
	}
}

// codeActions are the fixes of the findings on the lines asked for.
func (s *Server) codeActions(p *protocol.CodeActionParams) []protocol.CodeAction {
	s.mu.Lock()
	fs := s.last[p.TextDocument.URI]
	s.mu.Unlock()
	out := []protocol.CodeAction{}
	from, to := int(p.Range.Start.Line)+1, int(p.Range.End.Line)+1
	kind := protocol.CodeActionKindQuickFix
	for _, f := range fs {
		if f.Fix == nil || f.Range.Start.Line > to || max(f.Range.End.Line, f.Range.Start.Line) < from {
			continue
		}
		var edits []protocol.TextEdit
		for _, r := range f.Fix.Replacements {
			rng := protocol.Range{Start: protocol.Position{Line: protocol.UInteger(r.StartLine - 1)}, End: protocol.Position{Line: protocol.UInteger(r.EndLine)}}
			if r.EndLine < r.StartLine { // an insertion before StartLine
				rng.End = rng.Start
			}
			edits = append(edits, protocol.TextEdit{Range: rng, NewText: r.Text})
		}
		sort.SliceStable(edits, func(i, j int) bool { return edits[i].Range.Start.Line > edits[j].Range.Start.Line })
		sev := severity(f.Severity)
		code := protocol.IntegerOrString{Value: f.RuleID}
		src := "layerwise"
		diag := protocol.Diagnostic{Range: protocol.Range{Start: protocol.Position{Line: protocol.UInteger(f.Range.Start.Line - 1)}}, Severity: &sev, Code: &code, Source: &src, Message: f.Message}
		out = append(out, protocol.CodeAction{
			Title:       fmt.Sprintf("%s: %s", f.RuleID, f.Fix.Description),
			Kind:        &kind,
			Diagnostics: []protocol.Diagnostic{diag},
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{p.TextDocument.URI: edits}},
		})
	}
	return out
}

// hover shows the rule docs and cost of the findings on the line.
func (s *Server) hover(p *protocol.HoverParams) *protocol.Hover {
	s.mu.Lock()
	fs := s.last[p.TextDocument.URI]
	s.mu.Unlock()
	line := int(p.Position.Line) + 1
	var parts []string
	for _, f := range fs {
		if line < f.Range.Start.Line || line > max(f.Range.End.Line, f.Range.Start.Line) {
			continue
		}
		var b strings.Builder
		title := f.RuleID
		doc := ""
		if r := rules.Get(f.RuleID); r != nil {
			title += " " + r.Title
			doc = r.Cost + "\n\n" + r.Description
		} else if m := s.metaOf(f.RuleID); m != nil {
			title += " " + m.Title
			doc = m.Description
		}
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", title, f.Message)
		if c := costText(f.Cost); c != "" {
			fmt.Fprintf(&b, "Cost: %s\n\n", c)
		}
		if doc != "" {
			b.WriteString(doc + "\n\n")
		}
		if m := s.metaOf(f.RuleID); m != nil && m.HelpURI != "" {
			fmt.Fprintf(&b, "[%s](%s)", f.RuleID, m.HelpURI)
		}
		parts = append(parts, b.String())
	}
	if len(parts) == 0 {
		return nil
	}
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: strings.Join(parts, "\n\n---\n\n")}}
}

func costText(c rules.Cost) string {
	var parts []string
	if c.Seconds > 0 {
		basis := "static estimate"
		if c.Basis == rules.BasisMeasured {
			basis = "measured"
		}
		parts = append(parts, fmt.Sprintf("~%.0f s per affected build (%s)", c.Seconds, basis))
	}
	if c.Invalidates != "" {
		parts = append(parts, c.Invalidates)
	}
	if c.ImageBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.1f MB in the image", float64(c.ImageBytes)/1e6))
	}
	if c.ContextBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.1f MB sent per build", float64(c.ContextBytes)/1e6))
	}
	return strings.Join(parts, "; ")
}
