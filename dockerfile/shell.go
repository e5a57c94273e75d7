package dockerfile

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// shellCommands parses a RUN's script, and the heredocs that the script
// feeds to a shell, into simple commands.
//
// BuildKit runs `RUN <<EOF` (a heredoc and nothing else) by handing the
// heredoc body to the shell as the script; `RUN bash <<EOF` and
// `RUN sh -c ... <<EOF` do the same through the named shell. Heredocs fed to
// other programs (`RUN cat <<EOF > /etc/x`) are data, not script.
func shellCommands(r *Run) ([]Command, string) {
	if r.Script == "" {
		return execCommand(r.Exec), ""
	}
	// BuildKit hands heredoc bodies over separately; put them back after
	// the script so the shell parser sees the complete here-documents.
	full := r.Script
	for _, h := range r.Heredocs {
		body := h.Content
		if body != "" && !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		full += "\n" + body + h.Name
	}
	cmds, err := parseScript(full, "")
	if err != nil {
		return nil, err.Error()
	}
	for _, h := range r.Heredocs {
		if !heredocIsScript(cmds) {
			continue
		}
		hc, err := parseScript(h.Content, h.Name)
		if err != nil {
			return nil, "heredoc " + h.Name + ": " + err.Error()
		}
		cmds = append(cmds, hc...)
	}
	return cmds, ""
}

// heredocIsScript decides whether a RUN's heredocs are run as its script.
func heredocIsScript(cmds []Command) bool {
	// `RUN <<EOF` alone: the script is only the redirection, no command.
	if len(cmds) == 0 {
		return true
	}
	for _, c := range cmds {
		switch baseName(c.Name) {
		case "sh", "bash", "ash", "dash", "zsh", "ksh":
			// a shell reading its script from stdin: no -c, no file arg
			if !c.HasArg("-c") && len(c.Positional()) == 0 {
				return true
			}
		}
	}
	return false
}

func execCommand(argv []string) []Command {
	if len(argv) == 0 {
		return nil
	}
	// RUN ["sh", "-c", "script"] is a script after all.
	if len(argv) >= 3 && (baseName(argv[0]) == "sh" || baseName(argv[0]) == "bash") && argv[1] == "-c" {
		if cmds, err := parseScript(argv[2], ""); err == nil {
			return cmds
		}
	}
	return []Command{{Name: argv[0], Args: append([]string(nil), argv[1:]...)}}
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func parseScript(script, heredoc string) ([]Command, error) {
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	f, err := p.Parse(strings.NewReader(script), "")
	if err != nil {
		return nil, err
	}
	var out []Command
	var exported, exportedSpelled []string
	printer := syntax.NewPrinter()
	syntax.Walk(f, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DeclClause); ok && d.Variant != nil && d.Variant.Value == "export" {
			for _, a := range d.Args {
				if a.Name != nil && a.Value != nil {
					exported = append(exported, a.Name.Value+"="+wordString(printer, a.Value))
					exportedSpelled = append(exportedSpelled, a.Name.Value+"="+spelling(printer, a.Value))
				}
			}
			return true
		}
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		c := Command{Offset: int(call.Pos().Offset()), Heredoc: heredoc,
			Exported: slices.Clone(exported), ExportedSpelled: slices.Clone(exportedSpelled)}
		for _, a := range call.Assigns {
			value, spelled := "", ""
			if a.Value != nil {
				value, spelled = wordString(printer, a.Value), spelling(printer, a.Value)
			}
			c.Env = append(c.Env, a.Name.Value+"="+value)
			c.EnvSpelled = append(c.EnvSpelled, a.Name.Value+"="+spelled)
		}
		c.Name = wordString(printer, call.Args[0])
		c.Spelled = append(c.Spelled, spelling(printer, call.Args[0]))
		for _, w := range call.Args[1:] {
			c.Args = append(c.Args, wordString(printer, w))
			c.Spelled = append(c.Spelled, spelling(printer, w))
		}
		out = append(out, c)
		// `sh -c "a && b"` runs a script of its own: look inside it too.
		if inner := innerScript(c); inner != "" {
			if ic, err := parseScript(inner, heredoc); err == nil {
				for i := range ic {
					ic[i].Offset = c.Offset
				}
				out = append(out, ic...)
			}
		}
		return true
	})
	return out, nil
}

func innerScript(c Command) string {
	switch baseName(c.Name) {
	case "sh", "bash", "ash", "dash":
	default:
		return ""
	}
	for i, a := range c.Args {
		if a == "-c" && i+1 < len(c.Args) {
			return c.Args[i+1]
		}
	}
	return ""
}

// wordString returns a word's value with quotes removed when it is made of
// literals and quoted literals only; otherwise its shell spelling.
func wordString(p *syntax.Printer, w *syntax.Word) string {
	var sb strings.Builder
	if literalParts(&sb, w.Parts) {
		return sb.String()
	}
	return spelling(p, w)
}

// spelling is a word as the script spells it.
func spelling(p *syntax.Printer, w *syntax.Word) string {
	var out strings.Builder
	_ = p.Print(&out, w)
	return out.String()
}

func literalParts(sb *strings.Builder, parts []syntax.WordPart) bool {
	for _, part := range parts {
		switch x := part.(type) {
		case *syntax.Lit:
			sb.WriteString(unescapeLit(x.Value))
		case *syntax.SglQuoted:
			if x.Dollar {
				return false
			}
			sb.WriteString(x.Value)
		case *syntax.DblQuoted:
			if !literalParts(sb, x.Parts) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// unescapeLit removes backslash escapes from an unquoted literal.
func unescapeLit(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// ParseScript parses a shell script that is not a RUN's (an npm script in
// package.json, a CMD in shell form) into its simple commands.
func ParseScript(script string) ([]Command, error) { return parseScript(script, "") }

// Quote spells s as one word of a POSIX shell script (mvdan.cc/sh's
// quoting): as it is when it needs no quotes.
func Quote(s string) string {
	q, err := syntax.Quote(s, syntax.LangPOSIX)
	if err != nil { // a NUL byte: no shell word holds it
		return "''"
	}
	return q
}

// SpelledArg is argument i as the script wrote it; for a command of an
// exec form, its value quoted for a shell.
func (c Command) SpelledArg(i int) string {
	if len(c.Spelled) == len(c.Args)+1 {
		return c.Spelled[i+1]
	}
	return Quote(c.Args[i])
}

// SpelledEnv are the assignments in front of the command as the script
// wrote them.
func (c Command) SpelledEnv() []string {
	if len(c.EnvSpelled) == len(c.Env) {
		return slices.Clone(c.EnvSpelled)
	}
	out := make([]string, len(c.Env))
	for i, e := range c.Env {
		k, v, _ := strings.Cut(e, "=")
		out[i] = k + "=" + Quote(v)
	}
	return out
}

// Spelling is the command (its assignments, name and arguments) as the
// script wrote it, to run it again in another script.
func (c Command) Spelling() string {
	name := Quote(c.Name)
	if len(c.Spelled) == len(c.Args)+1 {
		name = c.Spelled[0]
	}
	words := append(c.SpelledEnv(), name)
	for i := range c.Args {
		words = append(words, c.SpelledArg(i))
	}
	return strings.Join(words, " ")
}
