package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// Edits of a RUN's text that keep its layout: a command or a flag is cut
// out of the lines it is written on, and what is left is tidied so that the
// RUN still ends where it ended. The classic way to break a Dockerfile is
// to remove the last line of a continued RUN and leave the `\` on the line
// before it: the RUN then swallows the next instruction. Every edit here is
// checked by re-parsing the RUN alone and comparing its commands with the
// ones intended; an edit that does not come out exactly is refused.

// runEdit is a RUN's lines being edited.
type runEdit struct {
	f     *dockerfile.File
	ins   *dockerfile.Instruction
	lines []string
	// want is the command list the edited RUN must parse into.
	want []dockerfile.Command
}

func newRunEdit(f *dockerfile.File, ins *dockerfile.Instruction) *runEdit {
	return &runEdit{f: f, ins: ins, lines: linesOf(f, ins), want: append([]dockerfile.Command(nil), ins.Run.Commands...)}
}

func (e *runEdit) escape() string {
	if e.f.EscapeToken == '`' {
		return "`"
	}
	return `\`
}

// continued reports whether a line ends with the escape character.
func (e *runEdit) continued(l string) bool {
	return strings.HasSuffix(strings.TrimRight(l, " \t"), e.escape())
}

func (e *runEdit) uncontinue(l string) string {
	return strings.TrimRight(strings.TrimSuffix(strings.TrimRight(l, " \t"), e.escape()), " \t")
}

// blank reports whether a line holds nothing but white space and perhaps
// the escape character.
func (e *runEdit) blank(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || t == e.escape()
}

// semicolonThenBlank: after is `;` and nothing more on its line.
func semicolonThenBlank(after string, blank func(string) bool) bool {
	m := opAfter.FindStringSubmatchIndex(after)
	return m != nil && after[m[2]:m[3]] == ";" && blank(after[m[1]:])
}

var (
	opBefore = regexp.MustCompile(`\s*(&&|;)\s*$`)
	opAfter  = regexp.MustCompile(`^\s*(&&|;)\s*`)
)

// removeCommand cuts the i-th command of the RUN (an index into
// ins.Run.Commands) and the && or ; that joins it to its neighbour.
func (e *runEdit) removeCommand(i int) error {
	c := e.ins.Run.Commands[i]
	if c.Heredoc != "" {
		return fmt.Errorf("`%s` is inside a heredoc", shortCmd(c))
	}
	re := commandText(c)
	li, loc := -1, []int(nil)
	for k, l := range e.lines {
		from := 0
		if k == 0 {
			from = e.afterFlags()
		}
		for _, m := range re.FindAllStringSubmatchIndex(l[from:], -1) {
			if li >= 0 {
				return fmt.Errorf("`%s` is written more than once", shortCmd(c))
			}
			li, loc = k, []int{from + m[2], from + m[3]}
		}
	}
	if li < 0 {
		return fmt.Errorf("`%s` is not written literally on one line", shortCmd(c))
	}
	l := e.lines[li]
	lineStart := 0
	if li == 0 {
		lineStart = e.afterFlags()
	}
	head, before, after := l[:lineStart], l[lineStart:loc[0]], l[loc[1]:]
	restBlank := e.blank(after)
	unclean := fmt.Errorf("`%s` cannot be cut out cleanly", shortCmd(c))
	if !restBlank && !opAfter.MatchString(after) {
		return unclean // `cmd | tee`, `cmd || true`, a redirection ...
	}
	// `X; cmd && Y` is `X; (cmd && Y)`: without cmd it is `X; Y`, so the
	// operator after it goes (cutting the one before would make Y depend
	// on X)
	if m := opBefore.FindStringSubmatch(before); m != nil && m[1] == ";" {
		if n := opAfter.FindStringSubmatchIndex(after); n != nil && after[n[2]:n[3]] == "&&" {
			e.lines[li] = head + before + after[n[1]:]
			e.want = removeCmd(e.want, c)
			e.tidy()
			return nil
		}
	}
	switch {
	case opBefore.MatchString(before):
		// `... && cmd` or `    && cmd \`: the operator before it goes too
		e.lines[li] = head + opBefore.ReplaceAllString(before, "") + after
		if strings.TrimSpace(opBefore.ReplaceAllString(before, "")) == "" && !e.scriptBefore(li) {
			return unclean // `RUN && cmd`: not a command list we know
		}
	case strings.TrimSpace(before) != "":
		return unclean // inside a pipeline, a subshell, an if ...
	case li > 0 && e.continuedOp(li-1) && semicolonThenBlank(after, e.blank):
		// `foo && \` then `    cmd; \` ending a list (`…; fi`): the `&&`
		// before goes and the `;` stays, or `foo && fi` would be left
		// (review 36: onyx's `npm cache clean --force && rm -rf
		// /root/.npm; fi`)
		prev := opBefore.ReplaceAllString(e.uncontinue(e.lines[li-1]), "") + ";"
		if e.continued(l) {
			prev += " " + e.escape()
		}
		e.lines[li-1] = prev
		e.lines[li] = head
	case opAfter.MatchString(after):
		// `cmd && bar`: the operator after it goes too
		m := opAfter.FindStringIndex(after)
		e.lines[li] = head + before + after[m[1]:]
	case li > 0 && e.continuedOp(li-1):
		// `foo && \` then `    cmd`: the operator ends the line before
		prev := opBefore.ReplaceAllString(e.uncontinue(e.lines[li-1]), "")
		if e.continued(l) {
			prev += " " + e.escape()
		}
		e.lines[li-1] = prev
		e.lines[li] = head
	case e.continued(l) && li+1 < len(e.lines) && opAfter.MatchString(e.lines[li+1]):
		// the RUN's first command, `cmd \` then `    && bar`
		next := e.lines[li+1]
		indent := next[:len(next)-len(strings.TrimLeft(next, " \t"))]
		e.lines[li+1] = indent + next[opAfter.FindStringIndex(next)[1]:]
		e.lines[li] = head
		if li == 0 {
			e.lines[li] = strings.TrimRight(head, " \t") + " " + e.escape()
		}
	default:
		return unclean
	}
	e.want = removeCmd(e.want, c)
	e.tidy()
	return nil
}

// scriptBefore reports whether any script text precedes line li.
func (e *runEdit) scriptBefore(li int) bool {
	for k := 0; k < li; k++ {
		l := e.lines[k]
		if k == 0 {
			l = l[e.afterFlags():]
		}
		if !e.blank(l) {
			return true
		}
	}
	return false
}

func (e *runEdit) continuedOp(li int) bool {
	return e.continued(e.lines[li]) && opBefore.MatchString(e.uncontinue(e.lines[li]))
}

// afterFlags is the column on the first line after the keyword and its
// --flags: where the script starts.
func (e *runEdit) afterFlags() int {
	l := e.lines[0]
	i := e.ins.Range.Start.Col - 1 + len(e.ins.Kind)
	for i < len(l) {
		j := i
		for j < len(l) && (l[j] == ' ' || l[j] == '\t') {
			j++
		}
		if !strings.HasPrefix(l[j:], "--") {
			return j
		}
		k := j
		for k < len(l) && l[k] != ' ' && l[k] != '\t' {
			k++
		}
		i = k
	}
	return len(l)
}

// removeArg cuts a literal flag (--no-cache-dir) from the command that has
// it.
func (e *runEdit) removeArg(i int, flag string) error {
	return e.removeArgs(i, []string{flag})
}

// removeArgs cuts words from command i, each written exactly once in the
// RUN, and records the command without them once (a second removeArg
// would no longer find the command it edited among the intended ones).
func (e *runEdit) removeArgs(i int, flags []string) error {
	c := e.ins.Run.Commands[i]
	for _, flag := range flags {
		if err := e.cutWord(flag); err != nil {
			return err
		}
	}
	for k := range e.want {
		if sameCmd(e.want[k], c) {
			var args []string
			for _, a := range e.want[k].Args {
				if !slices.Contains(flags, a) {
					args = append(args, a)
				}
			}
			e.want[k].Args = args
			break
		}
	}
	e.tidy()
	return nil
}

// cutWord takes a word, written exactly once, out of the RUN's lines.
func (e *runEdit) cutWord(flag string) error {
	re := regexp.MustCompile(`[ \t]+` + regexp.QuoteMeta(flag) + `([ \t]|$)`)
	n := 0
	for _, l := range e.lines {
		n += len(re.FindAllStringIndex(l, -1))
	}
	if n != 1 {
		return fmt.Errorf("`%s` is not written exactly once", flag)
	}
	for k, l := range e.lines {
		if m := re.FindStringSubmatchIndex(l); m != nil {
			e.lines[k] = l[:m[0]] + l[m[2]:]
			if m[2] == m[3] { // at the end of the line
				e.lines[k] = l[:m[0]]
			}
		}
	}
	return nil
}

// tidy drops lines the edits left blank (never the first) and makes sure
// the last line does not continue.
func (e *runEdit) tidy() {
	out := e.lines[:1]
	for _, l := range e.lines[1:] {
		if !e.blank(l) {
			out = append(out, l)
		}
	}
	// the last line with script on it ends the RUN: comment lines after
	// it (saleor's `# Cleanup apt cache` above the cut clean-up) stay as
	// comments after the instruction, and a `\` before them would run on
	// into the next one
	last := len(out) - 1
	for last > 0 && strings.HasPrefix(strings.TrimSpace(out[last]), "#") {
		last--
	}
	if e.continued(out[last]) {
		out[last] = e.uncontinue(out[last])
	}
	e.lines = out
}

// result re-parses the edited RUN and checks that its commands are the
// ones intended.
func (e *runEdit) result() ([]string, error) {
	// a first line left with the keyword alone (`RUN \`, its mounts
	// gone: review 29's SigNoz) takes up the next one
	if len(e.lines) > 1 && e.f.EscapeToken != '`' {
		col := e.ins.Range.Start.Col - 1
		if l := e.lines[0]; col >= 0 && col+len(e.ins.Kind) <= len(l) && strings.TrimSpace(l[col+len(e.ins.Kind):]) == "\\" && !strings.Contains(e.lines[1], "#") {
			e.lines = append([]string{l[:col+len(e.ins.Kind)] + " " + strings.TrimLeft(e.lines[1], " \t")}, e.lines[2:]...)
		}
	}
	var b strings.Builder
	if e.f.EscapeToken == '`' {
		b.WriteString("# escape=`\n")
	}
	b.WriteString("FROM scratch\n")
	b.WriteString(strings.Join(e.lines, "\n"))
	// an instruction after it: a RUN that runs on into the next line of
	// the file would swallow it
	b.WriteString("\nLABEL layerwise.edit=end\n")
	m, err := dockerfile.Parse("edit", []byte(b.String()), dockerfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("the edited RUN does not parse: %v", err)
	}
	if len(m.Stages) != 1 || len(m.Stages[0].Instructions) != 2 || m.Stages[0].Instructions[0].Run == nil {
		return nil, fmt.Errorf("the edited RUN is not one RUN that ends where it should")
	}
	got := m.Stages[0].Instructions[0].Run.Commands
	if len(got) != len(e.want) {
		return nil, fmt.Errorf("the edited RUN has %d commands, %d intended", len(got), len(e.want))
	}
	for i := range got {
		if !sameCmd(got[i], e.want[i]) {
			return nil, fmt.Errorf("the edited RUN runs `%s` where `%s` is intended", shortCmd(got[i]), shortCmd(e.want[i]))
		}
	}
	if len(m.Warnings) > 0 {
		return nil, fmt.Errorf("the edited RUN: %s", m.Warnings[0].Message)
	}
	return e.lines, nil
}

func sameCmd(a, b dockerfile.Command) bool {
	return a.Name == b.Name && strings.Join(a.Args, "\x00") == strings.Join(b.Args, "\x00") && strings.Join(a.Env, "\x00") == strings.Join(b.Env, "\x00")
}

func removeCmd(cs []dockerfile.Command, c dockerfile.Command) []dockerfile.Command {
	for i := range cs {
		if sameCmd(cs[i], c) {
			return append(append([]dockerfile.Command(nil), cs[:i]...), cs[i+1:]...)
		}
	}
	return cs
}

func shortCmd(c dockerfile.Command) string {
	s := strings.TrimSpace(path.Base(c.Name) + " " + strings.Join(c.Args, " "))
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// commandText matches a command written literally: its env prefix, name and
// arguments separated by blanks (quotes around an argument allowed).
func commandText(c dockerfile.Command) *regexp.Regexp {
	var parts []string
	for _, v := range c.Env {
		parts = append(parts, quotedWord(v))
	}
	parts = append(parts, regexp.QuoteMeta(c.Name))
	for _, a := range c.Args {
		parts = append(parts, quotedWord(a))
	}
	return regexp.MustCompile(`(?:^|[\s;&|(])(` + strings.Join(parts, `[ \t]+`) + `)(?:$|[\s;&|)\\` + "`" + `])`)
}

func quotedWord(w string) string {
	q := regexp.QuoteMeta(w)
	return `(?:` + q + `|"` + q + `"|'` + q + `')`
}

// removeFlag takes a flag, written as fl, off the RUN's first line.
func (e *runEdit) removeFlag(fl string) bool {
	l := e.lines[0]
	i := strings.Index(l, " "+fl)
	if i < 0 || i+1+len(fl) < len(l) && l[i+1+len(fl)] != ' ' && l[i+1+len(fl)] != '\t' {
		return false
	}
	e.lines[0] = l[:i] + l[i+1+len(fl):]
	return true
}

// insertFlags puts flags right after the RUN keyword on the first line.
func (e *runEdit) insertFlags(flags string) bool {
	if flags == "" {
		return true
	}
	l := e.lines[0]
	kw := e.ins.Range.Start.Col - 1 + len(e.ins.Kind)
	if kw > len(l) || !strings.EqualFold(l[e.ins.Range.Start.Col-1:kw], e.ins.Kind) {
		return false
	}
	e.lines[0] = l[:kw] + " " + flags + l[kw:]
	return true
}

var (
	apkNoCacheText = regexp.MustCompile(`([ \t])--no-cache([ \t]|$)`)
	apkAddText     = regexp.MustCompile(`\bapk[ \t]+add\b`)
)

// apkUpdateCache makes every `apk add` of the RUN use a cache mount on
// /etc/apk/cache and still read a fresh index: --no-cache (which bypasses
// the cache) becomes --update-cache, and an add with neither gets
// --update-cache (a cached index from an earlier build would be stale, the
// way a cached apt-get update is). Every occurrence must be written once per
// command, on the command's own lines.
func (e *runEdit) apkUpdateCache() error {
	var noCache, plain []int
	// an `apk update` before the add refreshed the index already: the
	// add then needs no --update-cache, which would fetch it twice
	// (review 35: Cloudreve's `apk update && apk add --no-cache …`)
	// Only in a plain && chain: an update under a condition (`[ -n "$X" ]
	// && apk update; apk add …`) may not have run (code review).
	updated := map[int]bool{}
	seenUpdate := false
	sc := e.ins.Run.Script
	plainChain := !strings.ContainsAny(sc, ";|") && !shellCompound.MatchString(sc)
	for i, c := range e.ins.Run.Commands {
		if path.Base(c.Name) == "apk" && first(c) == "update" && plainChain {
			seenUpdate = true
		}
		updated[i] = seenUpdate
		if path.Base(c.Name) != "apk" || first(c) != "add" {
			continue
		}
		switch {
		case c.HasArg("--no-network"):
			// it installs from what an earlier add fetched: no index
			// refresh, and never a network flag
			if c.HasArg("--no-cache") {
				return fmt.Errorf("`%s` bypasses the cache without a network", shortCmd(c))
			}
		case c.HasArg("--no-cache"):
			noCache = append(noCache, i)
		case !c.HasArg("-U") && !c.HasArg("--update-cache") && !c.HasArg("--update") && !updated[i]:
			plain = append(plain, i)
		case !c.HasArg("-U") && !c.HasArg("--update-cache") && !c.HasArg("--update"):
			// after an apk update: as it is
			if slices.ContainsFunc(plain, func(i int) bool { return i >= 0 }) {
				return fmt.Errorf("some `apk add` of the RUN follow an `apk update` and some do not: edit them by hand")
			}
			plain = append(plain, -1)
		}
	}
	if slices.Contains(plain, -1) {
		plain = nil // every one follows the update (the loop refused a mix)
	}
	count := func(re *regexp.Regexp) int {
		n := 0
		for _, l := range e.lines {
			n += len(re.FindAllStringIndex(l, -1))
		}
		return n
	}
	if len(noCache) > 0 && count(apkNoCacheText) != len(noCache) {
		return fmt.Errorf("`--no-cache` is not written once in each `apk add`")
	}
	// an add that refreshes the index already (--update, -U) loses
	// --no-cache rather than getting the same flag twice (review 29:
	// knative's `apk --no-cache --update add`)
	updating := 0
	for _, i := range noCache {
		if c := e.ins.Run.Commands[i]; c.HasArg("-U") || c.HasArg("--update-cache") || c.HasArg("--update") || updated[i] {
			updating++
		}
	}
	if updating > 0 && updating < len(noCache) {
		return fmt.Errorf("some `apk add --no-cache` of the RUN refresh the index and some do not: edit them by hand")
	}
	dropNoCache := updating > 0
	if len(plain) > 0 && count(apkAddText) != len(noCache)+len(plain) {
		return fmt.Errorf("the `apk add` commands are not written literally")
	}
	adds := e.apkAddOrder()
	idx := 0
	for k, l := range e.lines {
		if len(noCache) > 0 && dropNoCache {
			ended := strings.HasSuffix(strings.TrimRight(l, " \t"), "--no-cache")
			l = apkNoCacheText.ReplaceAllString(l, "${1}")
			if ended {
				l = strings.TrimRight(l, " \t")
			}
		} else if len(noCache) > 0 {
			l = apkNoCacheText.ReplaceAllString(l, "${1}--update-cache${2}")
		}
		if len(plain) > 0 {
			// the adds that have neither flag get it, in order
			var b strings.Builder
			last := 0
			for _, loc := range apkAddText.FindAllStringIndex(l, -1) {
				b.WriteString(l[last:loc[1]])
				last = loc[1]
				c := e.ins.Run.Commands[adds[idx]]
				idx++
				if !c.HasArg("--no-cache") && !c.HasArg("-U") && !c.HasArg("--update-cache") && !c.HasArg("--update") && !c.HasArg("--no-network") {
					b.WriteString(" --update-cache")
				}
			}
			b.WriteString(l[last:])
			l = b.String()
		}
		e.lines[k] = l
	}
	wantUpdated := false
	for k := range e.want {
		c := &e.want[k]
		if path.Base(c.Name) == "apk" && first(*c) == "update" && plainChain {
			wantUpdated = true
		}
		if path.Base(c.Name) != "apk" || first(*c) != "add" {
			continue
		}
		switch {
		case wantUpdated && !c.HasArg("--no-cache"):
			// after the RUN's apk update: as it is
		case c.HasArg("--no-cache") && dropNoCache:
			c.Args = slices.DeleteFunc(append([]string(nil), c.Args...), func(a string) bool { return a == "--no-cache" })
		case c.HasArg("--no-cache"):
			args := append([]string(nil), c.Args...)
			for a := range args {
				if args[a] == "--no-cache" {
					args[a] = "--update-cache"
				}
			}
			c.Args = args
		case !c.HasArg("-U") && !c.HasArg("--update-cache") && !c.HasArg("--update") && !c.HasArg("--no-network"):
			c.Args = append([]string{"add", "--update-cache"}, c.Args[1:]...)
		}
	}
	return nil
}

// shellCompound: a shell keyword that makes what follows conditional.
var shellCompound = regexp.MustCompile(`\b(if|then|case|while|for)\b`)

// apkAddOrder lists the indexes of the RUN's `apk add` commands in order.
func (e *runEdit) apkAddOrder() []int {
	var out []int
	for i, c := range e.ins.Run.Commands {
		if path.Base(c.Name) == "apk" && first(c) == "add" {
			out = append(out, i)
		}
	}
	return out
}
