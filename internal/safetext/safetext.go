// Package safetext makes text that comes from the user's files — image
// names made of directory names, paths, file names quoted in messages — safe
// for the output it goes into. A directory named `<img src=x onerror=...>`,
// a file name with a newline or an ESC sequence, or bytes that are not
// UTF-8 must neither change the output's structure (a Markdown table row, a
// Prometheus exposition line) nor act on the reader's terminal.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term replaces control characters (ESC sequences included) and invalid
// UTF-8 with visible escapes, for a terminal: "\x1b[31m" prints as the text
// `\x1b[31m`. Tabs are kept; a line break becomes `\n` (the caller's own
// line breaks are not passed through here).
func Term(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

// Markdown makes text safe inside a Markdown paragraph or table cell: no
// line break (it would end the row), `|` escaped (it would split the cell,
// code spans included), HTML special characters as entities outside code
// spans (GitHub renders raw HTML; inside a code span an entity would show
// as typed), and the control characters of Term. Messages keep their
// `code spans`.
func Markdown(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(Term(s))
	html := strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;")
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(html.Replace(s))
			break
		}
		b.WriteString(html.Replace(s[:i]))
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := s[i : i+n]
		end := strings.Index(s[i+n:], fence)
		if end < 0 {
			// an unclosed fence is text
			b.WriteString(html.Replace(s[i:]))
			break
		}
		b.WriteString(s[i : i+n+end+n])
		s = s[i+n+end+n:]
	}
	return strings.ReplaceAll(b.String(), "|", `\|`)
}

// MarkdownCode writes s as an inline code span that no backtick in s can
// close early, safe in a table cell.
func MarkdownCode(s string) string {
	s = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace(Term(s))
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// UTF8 replaces invalid UTF-8 with U+FFFD: Prometheus label values and JSON
// strings must be valid UTF-8.
func UTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// CSV makes a cell safe to open in a spreadsheet: a cell that starts with
// =, +, -, @, a tab or a carriage return is read as a formula by Excel,
// LibreOffice and Google Sheets (CSV injection: an image named
// `=HYPERLINK(...)`), so it gets a leading apostrophe, which they read as
// "text" (OWASP's advice). Numbers are not passed through here.
func CSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
