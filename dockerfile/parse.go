package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/benbjohnson/immutable"
	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Options tune how a Dockerfile is modelled.
type Options struct {
	// BuildArgs are --build-arg values; they override ARG defaults.
	BuildArgs map[string]string
	// BaseImages are the configs of external base images that the caller
	// could inspect, by reference as the FROM expands: a stage starts with
	// its base image's user, working directory and environment, as in
	// BuildKit, so that HOME, GOPATH, npm_config_cache, ... are the real ones.
	BaseImages map[string]ImageConfig
}

// ImageConfig is what the model needs of an image's config.
type ImageConfig struct {
	User       string   `json:"user,omitempty"`
	Env        []string `json:"env,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	// EnvPartial: Env holds only what is known of the image's
	// environment (an official image's tool variables), not all of it.
	EnvPartial bool `json:"envPartial,omitempty"`
}

// ParseFile reads and models the Dockerfile at p.
func ParseFile(p string, opt Options) (*File, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read Dockerfile: %w", err)
	}
	return Parse(p, data, opt)
}

// Parse models a Dockerfile from its bytes. name is used in messages.
//
// A file the BuildKit parser rejects as a whole yields a *Error with the
// position BuildKit reports. An instruction that BuildKit cannot type (a bad
// flag, a wrong argument count) is recorded in File.Errors and the rest of
// the file is still modelled, so that one typo does not hide everything else.
// Clean makes a Dockerfile's bytes what BuildKit's shell lexer reads
// without complaint: a NUL byte and bytes that are not UTF-8 become U+FFFD
// (the lexer would print "<input>:1:10: invalid character NUL" to the
// process's stderr, naming no file; BuildKit's build keeps the raw bytes,
// so the model is approximate there and the fixer leaves the file alone). bad is where the first one was
// (nil when the text is clean, and then data is returned as it is).
func Clean(data []byte) (clean []byte, bad *Error) {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return data, nil
	}
	line, col := 1, 1
	out := make([]byte, 0, len(data)+16)
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size <= 1) || r == 0 {
			if bad == nil {
				what := "bytes that are not UTF-8"
				if r == 0 {
					what = "a NUL byte"
				}
				bad = &Error{Line: line, Col: col, Message: what + ": layerwise cannot model these bytes (it reads them as U+FFFD, BuildKit keeps them): its findings on the file are approximate, and it rewrites nothing in it"}
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			i += max(size, 1)
			col++
			continue
		}
		out = append(out, data[i:i+size]...)
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return out, bad
}

func Parse(name string, data []byte, opt Options) (f *File, err error) {
	defer func() {
		// BuildKit's parser has panicked on odd input in the past; a model
		// builder must never take the whole audit down with it.
		if r := recover(); r != nil {
			f, err = nil, &Error{File: name, Message: fmt.Sprintf("internal error while parsing: %v", r)}
		}
	}()
	raw := data
	clean, bad := Clean(data)
	data = clean
	res, perr := parser.Parse(bytes.NewReader(data))
	if perr != nil {
		return nil, locatedError(name, perr, splitLines(raw))
	}
	f = &File{Path: name, EscapeToken: res.EscapeToken, Lines: splitLines(raw)}
	if bad != nil {
		bad.File = name
		f.Unclean = bad
	}
	for _, w := range res.Warnings {
		wm := Warning{Message: w.Short}
		if w.Location != nil {
			wm.Line = w.Location.Start.Line
		}
		f.Warnings = append(f.Warnings, wm)
	}
	f.Directives = directives(data)
	f.Comments = comments(f.Lines, res.AST)

	b := &builder{f: f, opt: opt, lex: shell.NewLex(res.EscapeToken)}
	b.lint = linter.New(&linter.Config{})
	for _, n := range res.AST.Children {
		b.node(n)
	}
	b.finish()
	// each stage's state at its end: the next stage's FROM saved it, the
	// last one is the builder's
	for i, s := range f.Stages {
		switch {
		case i < len(b.states):
			s.end = b.states[i]
		case i == len(f.Stages)-1:
			s.end = b.state
		}
	}
	if len(f.Stages) == 0 && len(f.Errors) > 0 {
		return nil, f.Errors[0] // the FROM itself is broken
	}
	if len(f.Stages) == 0 {
		// BuildKit refuses such a file ("no build stage"); every consumer
		// of the model assumes a stage, so it is an error here too
		line := 1
		if len(res.AST.Children) > 0 {
			line = res.AST.Children[0].StartLine
			for _, n := range res.AST.Children {
				if !strings.EqualFold(n.Value, "arg") {
					line = n.StartLine
					break
				}
			}
		}
		return nil, &Error{File: name, Line: line, Col: firstCol(f.Lines, line), Message: "no FROM instruction: a Dockerfile starts with FROM (after parser directives and ARGs)"}
	}
	return f, nil
}

// locatedError turns a BuildKit error into an *Error at file:line:col.
func locatedError(name string, err error, lines []string) *Error {
	e := &Error{File: name, Message: cleanMessage(err)}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		e.Line = le.Locations[0][0].Start.Line
		if e.Line > 0 {
			e.Col = firstCol(lines, e.Line)
		}
	}
	if strings.Contains(e.Message, "line greater than max allowed size") {
		// BuildKit's scanner names the last line it read whole; the line
		// that is too long is the first one over its limit
		for i, l := range lines {
			if len(l) > maxLineBytes {
				e.Line, e.Col = i+1, 1
				e.Message += fmt.Sprintf(" (this line has %d bytes)", len(l))
				break
			}
		}
	}
	return e
}

// maxLineBytes is the longest line BuildKit's parser reads.
const maxLineBytes = 65535

// cleanMessage drops BuildKit's "dockerfile parse error on line N:" prefix
// since we print the position ourselves.
func cleanMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "dockerfile parse error on line "); i >= 0 {
		rest := msg[i+len("dockerfile parse error on line "):]
		if j := strings.Index(rest, ": "); j >= 0 {
			msg = msg[:i] + rest[j+2:]
		}
	}
	return msg
}

func splitLines(data []byte) []string {
	s := string(data)
	s = strings.TrimPrefix(s, "\ufeff")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// firstCol is the 1-based column of the first non-blank character of a line.
func firstCol(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}

// lastCol is the 1-based column of the last non-blank character of a line.
func lastCol(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 1
	}
	n := len(strings.TrimRight(lines[line-1], " \t"))
	if n == 0 {
		return 1
	}
	return n
}

func nodeRange(lines []string, n *parser.Node) Range {
	return Range{
		Start: Pos{Line: n.StartLine, Col: firstCol(lines, n.StartLine)},
		End:   Pos{Line: n.EndLine, Col: lastCol(lines, n.EndLine)},
	}
}

func directives(data []byte) []Directive {
	dp := parser.DirectiveParser{}
	ds, err := dp.ParseAll(data)
	if err != nil {
		return nil
	}
	out := make([]Directive, 0, len(ds))
	for _, d := range ds {
		dd := Directive{Name: d.Name, Value: d.Value}
		if len(d.Location) > 0 {
			dd.Line = d.Location[0].Start.Line
		}
		out = append(out, dd)
	}
	return out
}

// comments lists the comment lines outside instructions (heredoc bodies and
// continuation lines are inside instructions and are not comments).
func comments(lines []string, ast *parser.Node) []Comment {
	inside := make([]bool, len(lines)+2)
	for _, n := range ast.Children {
		for l := n.StartLine; l <= n.EndLine && l < len(inside); l++ {
			if l >= 0 {
				inside[l] = true
			}
		}
	}
	var out []Comment
	for i, l := range lines {
		ln := i + 1
		if inside[ln] {
			continue
		}
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "#") {
			t = strings.TrimPrefix(t, "#")
			t = strings.TrimPrefix(t, " ")
			out = append(out, Comment{Line: ln, Text: t})
		}
	}
	return out
}

// builder walks the AST once, typing instructions and tracking state.
type builder struct {
	f    *File
	opt  Options
	lex  *shell.Lex
	lint *linter.Linter

	metaArgs map[string]string // meta ARG values (defaults or build args)
	stage    *Stage
	state    *State
	// declared tracks the ARGs in scope in the current stage.
	declared map[string]bool
	// states keeps each stage's final state so a stage built FROM it
	// inherits ENV, WORKDIR and USER.
	states []*State
}

func (b *builder) errorAt(n *parser.Node, err error) {
	e := locatedError(b.f.Path, err, b.f.Lines)
	if e.Line == 0 {
		e.Line = n.StartLine
		e.Col = firstCol(b.f.Lines, n.StartLine)
	}
	b.f.Errors = append(b.f.Errors, e)
}

func (b *builder) node(n *parser.Node) {
	cmd, err := instructions.ParseInstructionWithLinter(n, b.lint)
	if err != nil {
		b.errorAt(n, err)
		return
	}
	in := &Instruction{
		Kind:     strings.ToUpper(n.Value),
		Original: strings.TrimSpace(n.Original),
		Range:    nodeRange(b.f.Lines, n),
		Flags:    append([]string(nil), n.Flags...),
		Comments: append([]string(nil), n.PrevComment...),
		Index:    -1,
	}
	switch c := cmd.(type) {
	case *instructions.Stage:
		b.from(in, c)
		return
	case *instructions.ArgCommand:
		if b.stage == nil {
			in.Cmd = c
			b.metaArg(c)
			b.f.MetaArgs = append(b.f.MetaArgs, in)
			return
		}
	}
	if b.stage == nil {
		b.errorAt(n, errors.New("instruction before the first FROM: only ARG may come before FROM"))
		return
	}
	c, _ := cmd.(instructions.Command)
	in.Cmd = c
	in.Index = len(b.stage.Instructions)
	in.State = b.state.clone()
	b.apply(n, in, c)
	b.stage.Instructions = append(b.stage.Instructions, in)
}

func (b *builder) metaArg(c *instructions.ArgCommand) {
	if b.metaArgs == nil {
		b.metaArgs = map[string]string{}
	}
	for _, kv := range c.Args {
		if v, ok := b.opt.BuildArgs[kv.Key]; ok {
			b.metaArgs[kv.Key] = v
			continue
		}
		if kv.Value != nil {
			v, _ := b.expand(*kv.Value, b.metaEnv())
			b.metaArgs[kv.Key] = v
		} else if _, ok := b.metaArgs[kv.Key]; !ok {
			b.metaArgs[kv.Key] = ""
		}
	}
}

// builtinArgs are the automatic platform args BuildKit defines for FROM and
// for stages that declare them. layerwise models a linux/amd64 build unless
// told otherwise by build args.
var builtinArgs = map[string]string{
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
}

func (b *builder) metaEnv() mapEnv {
	env := map[string]string{}
	for k, v := range builtinArgs {
		env[k] = v
	}
	for k, v := range b.metaArgs {
		env[k] = v
	}
	return env
}

type mapEnv map[string]string

// stateEnv is a state's variables as BuildKit's shell lexer reads them.
type stateEnv struct {
	m *immutable.Map[string, envValue]
}

func (e stateEnv) Get(k string) (string, bool) {
	if e.m == nil {
		return "", false
	}
	v, ok := e.m.Get(k)
	return v.v, ok
}

func (e stateEnv) Keys() []string {
	var keys []string
	if e.m != nil {
		for it := e.m.Iterator(); !it.Done(); {
			k, _, _ := it.Next()
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// expand expands a word as BuildKit does; on a bad substitution the word
// is kept as written.
func (b *builder) expand(word string, env shell.EnvGetter) (string, bool) {
	out, _, err := b.lex.ProcessWord(word, env)
	if err != nil {
		return word, false
	}
	return out, true
}

func (b *builder) from(in *Instruction, c *instructions.Stage) {
	if b.stage != nil {
		b.states = append(b.states, b.state)
	}
	base, _ := b.expand(c.BaseName, b.metaEnv())
	platform, _ := b.expand(c.Platform, b.metaEnv())
	st := &Stage{
		Index:     len(b.f.Stages),
		Name:      c.Name,
		BaseRaw:   c.BaseName,
		Base:      base,
		BaseStage: -1,
		Platform:  platform,
		Range:     in.Range,
		From:      in,
	}
	in.Cmd = nil
	state := &State{Workdir: "/"}
	if i := b.stageIndex(base); i >= 0 && i < st.Index {
		st.BaseStage = i
		state = b.states[i].clone()
		st.DependsOn = append(st.DependsOn, i)
	} else if cfg, ok := b.opt.BaseImages[base]; ok {
		state.User, state.BaseKnown, state.BaseEnvPartial = cfg.User, true, cfg.EnvPartial
		if cfg.WorkingDir != "" {
			state.Workdir = cfg.WorkingDir
		}
		for _, kv := range cfg.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				state.setEnv(k, v, true)
			}
		}
	} else if base == "scratch" {
		state.BaseKnown = true
	}
	in.State = state.clone()
	setHome(state)
	b.f.Stages = append(b.f.Stages, st)
	b.stage = st
	b.state = state
	b.declared = map[string]bool{}
}

// stageIndex resolves a stage reference (name, case-insensitive, or index)
// to an earlier stage, or -1.
func (b *builder) stageIndex(ref string) int {
	for _, s := range b.f.Stages {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return s.Index
		}
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < len(b.f.Stages) {
		return i
	}
	return -1
}

// env is the expansion environment of the current instruction: ENV values
// and the ARGs declared in this stage.
func (b *builder) env() shell.EnvGetter { return stateEnv{b.state.env} }

func (b *builder) apply(n *parser.Node, in *Instruction, c instructions.Command) {
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			b.declared[kv.Key] = true
			v, ok := b.opt.BuildArgs[kv.Key]
			if !ok {
				switch mv, isMeta := b.metaArgs[kv.Key]; {
				case kv.Value != nil:
					v, _ = b.expand(*kv.Value, b.env())
				case isMeta:
					v = mv
				default:
					bv, isBuiltin := builtinArgs[kv.Key]
					if !isBuiltin {
						// declared without a value: unset, as in BuildKit
						continue
					}
					v = bv
				}
			}
			// ENV wins over ARG of the same name, as in BuildKit.
			if !b.state.fromENV(kv.Key) {
				b.state.setEnv(kv.Key, v, false)
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v, _ := b.expand(kv.Value, b.env())
			b.state.setEnv(kv.Key, v, true)
		}
		setHome(b.state)
	case *instructions.WorkdirCommand:
		p, _ := b.expand(c.Path, b.env())
		if !path.IsAbs(p) {
			p = path.Join(b.state.Workdir, p)
		}
		b.state.Workdir = path.Clean(p)
	case *instructions.UserCommand:
		u, _ := b.expand(c.User, b.env())
		b.state.User = u
		setHome(b.state)
	case *instructions.ShellCommand:
		b.state.Shell = append([]string(nil), c.Shell...)
	case *instructions.CopyCommand:
		in.Copy = b.copyOf(c.SourcesAndDest, c.From, false)
		in.Copy.Chown, in.Copy.Chmod, in.Copy.Link = c.Chown, c.Chmod, c.Link
		in.Copy.Parents, in.Copy.Excludes = c.Parents, c.ExcludePatterns
	case *instructions.AddCommand:
		in.Copy = b.copyOf(c.SourcesAndDest, "", true)
		in.Copy.Chown, in.Copy.Chmod, in.Copy.Link = c.Chown, c.Chmod, c.Link
		in.Copy.Excludes = c.ExcludePatterns
	case *instructions.RunCommand:
		in.Run = b.run(c)
	}
}

func (b *builder) copyOf(sd instructions.SourcesAndDest, from string, isAdd bool) *Copy {
	cp := &Copy{IsAdd: isAdd, From: from, FromStage: -1}
	cp.Sources = append(cp.Sources, sd.SourcePaths...)
	for _, s := range sd.SourcePaths {
		r, err := b.lex.ProcessWordWithMatches(s, b.env())
		e := r.Result
		if err != nil {
			e = s
		}
		// (quotes alone change the word, not its meaning: `COPY --link
		// "." "/app/"` names the context — review 33, openstatus)
		if (e != s && strings.Contains(s, "$")) || len(r.Unmatched) > 0 {
			cp.UsesVariables = true
		}
		if len(r.Unmatched) > 0 {
			cp.Unresolved = true
		}
		cp.SourcesExpanded = append(cp.SourcesExpanded, e)
		if isAdd && isURL(e) {
			cp.URLs = append(cp.URLs, e)
		} else if isAdd && isGitRef(e) {
			cp.GitRefs = append(cp.GitRefs, e)
		}
	}
	for _, sc := range sd.SourceContents {
		cp.Heredocs = append(cp.Heredocs, Heredoc{Name: sc.Path, Content: sc.Data})
	}
	cp.Dest, _ = b.expand(sd.DestPath, b.env())
	if from != "" {
		ref, _ := b.expand(from, b.env())
		cp.From = ref
		if i := b.stageIndex(ref); i >= 0 && i < b.stage.Index {
			cp.FromStage = i
			b.stage.DependsOn = appendUnique(b.stage.DependsOn, i)
		} else {
			b.stage.ImageRefs = appendUniqueStr(b.stage.ImageRefs, ref)
		}
	}
	return cp
}

func (b *builder) run(c *instructions.RunCommand) *Run {
	r := &Run{}
	if c.PrependShell {
		r.Script = strings.Join(c.CmdLine, " ")
	} else {
		r.Exec = append([]string(nil), c.CmdLine...)
	}
	for _, f := range c.Files {
		r.Heredocs = append(r.Heredocs, Heredoc{Name: f.Name, Content: f.Data, Chomp: f.Chomp})
	}
	// BuildKit types --mount values only once an expander is given (at
	// dispatch time); do that here with the instruction's environment.
	env := b.env()
	if err := c.Expand(func(w string) (string, error) { v, _ := b.expand(w, env); return v, nil }); err != nil {
		r.MountError = err.Error()
	}
	for _, m := range instructions.GetMounts(c) {
		mm := Mount{Type: string(m.Type), Target: m.Target, ID: m.CacheID, Sharing: string(m.CacheSharing),
			From: m.From, Source: m.Source, ReadOnly: m.ReadOnly}
		if mm.Type == "cache" && mm.Sharing == "" {
			mm.Sharing = "shared" // BuildKit's default at dispatch
		}
		if mm.From != "" {
			if i := b.stageIndex(mm.From); i >= 0 && i < b.stage.Index {
				b.stage.DependsOn = appendUnique(b.stage.DependsOn, i)
			} else {
				b.stage.ImageRefs = appendUniqueStr(b.stage.ImageRefs, mm.From)
			}
		}
		r.Mounts = append(r.Mounts, mm)
	}
	r.Network = instructions.GetNetwork(c)
	r.Security = instructions.GetSecurity(c)
	if isPOSIXShell(b.state.Shell) {
		r.Commands, r.ShellError = shellCommands(r)
	}
	return r
}

func isPOSIXShell(sh []string) bool {
	if len(sh) == 0 {
		return true
	}
	switch path.Base(sh[0]) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox":
		return true
	}
	return false
}

func (b *builder) finish() {
	for _, s := range b.f.Stages {
		sort.Ints(s.DependsOn)
	}
}

// setHome derives the effective HOME of a state.
func setHome(s *State) {
	if h, ok := s.Getenv("HOME"); ok && s.fromENV("HOME") {
		s.Home, s.HomeGuessed = h, false
		return
	}
	if s.IsRoot() {
		s.Home, s.HomeGuessed = "/root", false
		return
	}
	u, _, _ := strings.Cut(s.User, ":")
	s.Home, s.HomeGuessed = "/home/"+u, true
}

// clone copies a state; the variables are shared (a persistent map: a
// change makes a new one).
func (s *State) clone() *State {
	c := *s
	c.Shell = append([]string(nil), s.Shell...)
	return &c
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func appendUniqueStr(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// isURL and isGitRef follow BuildKit's dockerfile2llb (isHTTPSource,
// isGitSource), which are unexported there.
func isURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !isGitRef(s)
}

func isGitRef(s string) bool {
	ref, isGit, _ := dfgitutil.ParseGitRef(s)
	return ref != nil && isGit
}
