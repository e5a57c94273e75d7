// Package dockerfile is layerwise's model of a Dockerfile.
//
// It is built on BuildKit's own parser (frontend/dockerfile/parser), its typed
// instructions (frontend/dockerfile/instructions) and its word expansion
// (frontend/dockerfile/shell), so that layerwise reads a Dockerfile exactly as
// the builder does. On top of that it adds what later analysis needs and
// BuildKit does not keep: columns, the stage graph, the effective WORKDIR /
// USER / HOME / ENV of every instruction, and RUN scripts parsed into shell
// commands with mvdan.cc/sh.
package dockerfile

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/benbjohnson/immutable"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Pos is a 1-based line and column in the Dockerfile source.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Range is an inclusive source range. End.Col is the column of the last
// character of the range (1-based), as editors and SARIF expect.
type Range struct {
	Start Pos `json:"start"`
	End   Pos `json:"end"`
}

func (r Range) String() string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Col, r.End.Line, r.End.Col)
}

// File is a parsed Dockerfile.
type File struct {
	// Path is the file name the Dockerfile was read from (for messages only).
	Path string `json:"path"`
	// Directives are the parser directives at the top of the file.
	Directives []Directive `json:"directives,omitempty"`
	// EscapeToken is the escape character in force (\ or `).
	EscapeToken rune `json:"-"`
	// MetaArgs are the ARG instructions before the first FROM.
	MetaArgs []*Instruction `json:"metaArgs,omitempty"`
	Stages   []*Stage       `json:"stages"`
	// Comments holds every comment line of the file, in order.
	Comments []Comment `json:"comments,omitempty"`
	// Lines is the raw source split on newlines, without the newline bytes;
	// the fixer edits by line ranges and needs the untouched text.
	Lines []string `json:"-"`
	// Unclean is where the file holds a NUL byte or bytes that are not
	// UTF-8 (nil when it holds none): the model reads them as U+FFFD, as
	// BuildKit does, and the fixer leaves such a file alone.
	Unclean *Error `json:"unclean,omitempty"`
	// Warnings are the parser's own warnings (empty continuation lines, ...).
	Warnings []Warning `json:"warnings,omitempty"`
	// Errors are instruction-level errors: the instruction could not be typed
	// by BuildKit, the rest of the file was still modelled.
	Errors []*Error `json:"errors,omitempty"`
}

// Directive is a parser directive such as "# syntax=docker/dockerfile:1".
type Directive struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Line  int    `json:"line"`
}

// Comment is one comment line.
type Comment struct {
	Line int    `json:"line"`
	Text string `json:"text"` // without the leading '#' and one space
}

// Warning is a parser warning with its position.
type Warning struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
}

// Stage is one FROM ... section.
type Stage struct {
	Index int    `json:"index"`
	Name  string `json:"name,omitempty"`
	// BaseRaw is the FROM argument as written; Base is it expanded with the
	// meta ARGs' defaults (and the build args given to Parse).
	BaseRaw string `json:"baseRaw"`
	Base    string `json:"base"`
	// BaseStage is the index of the stage this one builds FROM, or -1 when
	// it builds from an image (or scratch).
	BaseStage int    `json:"baseStage"`
	Platform  string `json:"platform,omitempty"`
	Range     Range  `json:"range"`
	// From is the FROM instruction itself.
	From         *Instruction   `json:"-"`
	Instructions []*Instruction `json:"instructions"`
	// DependsOn lists the stages this one reads from: its base stage,
	// COPY --from, RUN --mount=from. Indexes, sorted, unique.
	DependsOn []int `json:"dependsOn,omitempty"`
	// ImageRefs lists images (not stages) read by COPY --from or
	// RUN --mount=from.
	ImageRefs []string `json:"imageRefs,omitempty"`

	end *State // the state after the stage's last instruction
}

// ImageConfig is the user, environment and working directory the stage's
// image has when the stage ends, as its Dockerfile sets them on its base's:
// what an image built FROM it starts with. ok is false when the stage's
// root image's config is not known (Options.BaseImages), and so neither is
// the result.
func (s *Stage) ImageConfig() (cfg ImageConfig, ok bool) {
	st := s.end
	if st == nil || !st.BaseKnown {
		return ImageConfig{}, false
	}
	cfg = ImageConfig{User: st.User, WorkingDir: st.Workdir, EnvPartial: st.BaseEnvPartial}
	env := st.Environ()
	keys := make([]string, 0, len(env))
	for k := range env {
		if st.fromENV(k) { // ARGs do not reach the image
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		cfg.Env = append(cfg.Env, k+"="+env[k])
	}
	return cfg, true
}

// Stage returns the stage named name, matched case-insensitively as
// BuildKit matches --target and --from; nil when none is.
func (f *File) Stage(name string) *Stage {
	if f == nil || name == "" {
		return nil
	}
	for _, s := range f.Stages {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Final is the stage a build with --target target produces: the last stage
// when target is "", the named one otherwise (nil when it names none, or
// the file has no stage).
func (f *File) Final(target string) *Stage {
	if f == nil || len(f.Stages) == 0 {
		return nil
	}
	if target == "" {
		return f.Stages[len(f.Stages)-1]
	}
	return f.Stage(target)
}

// ProgressName is the stage's name as BuildKit's progress shows it (and
// engine.StepOf reads it back): "[build 3/5]" for a named stage,
// "stage-N" for an unnamed one, and for the only stage of a Dockerfile no
// name at all, which StepOf reads as "stage-0" (dockerfile2llb drops the
// name when there is one stage).
func (f *File) ProgressName(s *Stage) string {
	switch {
	case len(f.Stages) == 1:
		return "stage-0"
	case s.Name != "":
		return s.Name
	}
	return fmt.Sprintf("stage-%d", s.Index)
}

// Lineage is s and the stages it builds FROM, nearest first.
func (f *File) Lineage(s *Stage) []*Stage {
	var out []*Stage
	seen := map[int]bool{}
	for s != nil && !seen[s.Index] {
		seen[s.Index] = true
		out = append(out, s)
		if s.BaseStage < 0 || s.BaseStage >= len(f.Stages) {
			break
		}
		s = f.Stages[s.BaseStage]
	}
	return out
}

// ExternalBases are the images the stages build FROM (stages built FROM
// another stage, and scratch, left out), in stage order, each once.
func (f *File) ExternalBases() []string {
	if f == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range f.Stages {
		if s.BaseStage < 0 && !s.IsScratch() && s.Base != "" && !seen[s.Base] {
			seen[s.Base] = true
			out = append(out, s.Base)
		}
	}
	return out
}

// IsScratch reports whether the stage starts from the empty image.
func (s *Stage) IsScratch() bool { return s.BaseStage < 0 && s.Base == "scratch" }

// Label is how messages name the stage: its name, or its index.
func (s *Stage) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%d", s.Index)
}

// Instruction is one Dockerfile instruction with its position and effective
// build state.
type Instruction struct {
	// Kind is the upper-cased instruction keyword (RUN, COPY, ...).
	Kind string `json:"kind"`
	// Original is the instruction's text as BuildKit reports it (continuation
	// lines joined).
	Original string `json:"original"`
	Range    Range  `json:"range"`
	// Flags are the raw --flags as written.
	Flags []string `json:"flags,omitempty"`
	// Comments directly above the instruction.
	Comments []string `json:"comments,omitempty"`
	// Index is the position of the instruction inside its stage (-1 for FROM
	// and meta ARGs).
	Index int `json:"index"`
	// Cmd is BuildKit's typed command, with variables expanded where BuildKit
	// expands them at build time.
	Cmd instructions.Command `json:"-"`

	Copy *Copy `json:"copy,omitempty"`
	Run  *Run  `json:"run,omitempty"`

	// State is the build state in force when the instruction runs.
	State *State `json:"state,omitempty"`
}

// Copy is a COPY or ADD instruction.
type Copy struct {
	IsAdd bool `json:"isAdd,omitempty"`
	// Sources as written, globs kept; SourcesExpanded with variables
	// expanded.
	Sources         []string `json:"sources"`
	SourcesExpanded []string `json:"sourcesExpanded"`
	Dest            string   `json:"dest"`
	From            string   `json:"from,omitempty"`
	// FromStage is the stage index for --from=<stage>, -1 otherwise.
	FromStage int      `json:"fromStage"`
	Link      bool     `json:"link,omitempty"`
	Parents   bool     `json:"parents,omitempty"`
	Chown     string   `json:"chown,omitempty"`
	Chmod     string   `json:"chmod,omitempty"`
	Excludes  []string `json:"excludes,omitempty"`
	// Heredocs are inline file sources (COPY <<EOF /x).
	Heredocs []Heredoc `json:"heredocs,omitempty"`
	// Remote sources of ADD: URLs and git references.
	URLs    []string `json:"urls,omitempty"`
	GitRefs []string `json:"gitRefs,omitempty"`
	// UsesVariables is true when a source path contains a variable: the
	// sources read at build time depend on build args.
	UsesVariables bool `json:"usesVariables,omitempty"`
	// Unresolved is true when a variable of a source has no value here
	// (an ARG without default that only a build arg sets).
	Unresolved bool `json:"unresolved,omitempty"`
}

// FromContext reports whether the instruction reads from the build context
// (as opposed to another stage, an image, a URL or only heredocs).
func (c *Copy) FromContext() bool { return c.From == "" && len(c.ContextSources()) > 0 }

// ContextSources are the expanded sources that are paths in the build
// context (URLs, git refs and heredoc names left out).
func (c *Copy) ContextSources() []string {
	if c.From != "" {
		return nil
	}
	var out []string
	for _, s := range c.SourcesExpanded {
		if isURL(s) || isGitRef(s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Heredoc is an inline document of RUN or COPY.
type Heredoc struct {
	Name    string `json:"name"`
	Content string `json:"content"`
	Chomp   bool   `json:"chomp,omitempty"`
}

// Run is a RUN instruction.
type Run struct {
	// Script is the shell form's text (continuation lines joined); empty for
	// the exec form.
	Script string `json:"script,omitempty"`
	// Exec is the exec form's argv (RUN ["a", "b"]).
	Exec     []string  `json:"exec,omitempty"`
	Heredocs []Heredoc `json:"heredocs,omitempty"`
	Mounts   []Mount   `json:"mounts,omitempty"`
	// MountError is BuildKit's complaint about a --mount flag, if any.
	MountError string `json:"mountError,omitempty"`
	Network    string `json:"network,omitempty"`
	Security   string `json:"security,omitempty"`
	// Commands are the simple commands of the script (and of heredocs fed
	// to a shell), in source order, found inside &&-chains, ifs, loops and
	// subshells.
	Commands []Command `json:"commands,omitempty"`
	// ShellError is set when the script is not POSIX/bash shell that
	// mvdan.cc/sh can parse; Commands is then empty.
	ShellError string `json:"shellError,omitempty"`
}

// Mount is a RUN --mount.
type Mount struct {
	Type     string `json:"type"`
	Target   string `json:"target,omitempty"`
	ID       string `json:"id,omitempty"`
	Sharing  string `json:"sharing,omitempty"`
	From     string `json:"from,omitempty"`
	Source   string `json:"source,omitempty"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// Command is a simple command found in a RUN script.
type Command struct {
	// Name is the program (argv[0]) with any leading path kept.
	Name string `json:"name"`
	// Args are argv[1:], unquoted where the word is literal; a word with
	// expansions is kept in its shell spelling ("$HOME/x").
	Args []string `json:"args,omitempty"`
	// Spelled is argv (the name, then Args) as the script spells it
	// (quotes, escapes and expansions kept): what a fix writes back into a
	// new script, where Args would lose the difference between '$x' and
	// "$x". Empty for an exec form's command. Read it with SpelledArg.
	Spelled []string `json:"-"`
	// Env are the VAR=value assignments in front of the command.
	Env []string `json:"env,omitempty"`
	// EnvSpelled are Env with their values spelled as in the script.
	EnvSpelled []string `json:"-"`
	// Offset is the byte offset of the command in the script it came from.
	Offset int `json:"offset"`
	// Heredoc names the heredoc the command came from, if any.
	Heredoc string `json:"heredoc,omitempty"`
	// Exported are the NAME=value pairs `export` commands earlier in the
	// same script set (`export CARGO_HOME=/cargo && cargo build`); the
	// export commands themselves are no Command.
	Exported []string `json:"exported,omitempty"`
	// ExportedSpelled are Exported with their values spelled as in the
	// script.
	ExportedSpelled []string `json:"-"`
}

// HasArg reports whether any argument equals one of want.
func (c Command) HasArg(want ...string) bool {
	for _, a := range c.Args {
		for _, w := range want {
			if a == w {
				return true
			}
		}
	}
	return false
}

// Positional returns the arguments that do not start with '-'.
func (c Command) Positional() []string {
	var out []string
	for _, a := range c.Args {
		if len(a) > 0 && a[0] == '-' {
			continue
		}
		out = append(out, a)
	}
	return out
}

// State is the build state an instruction sees.
type State struct {
	Workdir string `json:"workdir"`
	// User as set by USER, or by the base image's config when it is known
	// (empty: the base image's user, root for images built here).
	User string `json:"user,omitempty"`
	// BaseKnown is true when the stage's root image's config was given
	// (Options.BaseImages) or there is none (scratch): then an empty User
	// is root for sure, and Env holds the image's environment.
	BaseKnown bool `json:"baseKnown,omitempty"`
	// BaseEnvPartial: of the root image's environment only some
	// variables are known (ImageConfig.EnvPartial): one not set may
	// still be the image's.
	BaseEnvPartial bool `json:"baseEnvPartial,omitempty"`
	// Home is the effective HOME: ENV HOME if set, /root for root, else
	// /home/<user> (HomeGuessed true: the image's /etc/passwd decides).
	Home        string   `json:"home"`
	HomeGuessed bool     `json:"homeGuessed,omitempty"`
	Shell       []string `json:"shell,omitempty"`

	// env holds ENV values and ARG values in scope, expanded (Getenv,
	// Environ). It is a persistent map: every instruction keeps the state
	// it sees, and a copied map per instruction made a Dockerfile of n ENV
	// lines cost n² (4,000 ENV lines: 3 GB); an instruction now shares
	// all but what it changes with the one before it.
	env *immutable.Map[string, envValue]
}

// envValue is a variable's value and whether ENV set it (rather than
// ARG): ENV takes precedence over an ARG of the same name, only ENV HOME
// moves HOME, and only ENV values reach the image.
type envValue struct {
	v       string
	fromENV bool
}

// Expand expands the variables of a word of a RUN's command line as its
// shell would, with the ENV and ARG values in scope (BuildKit's lexer, in
// its POSIX mode); a word it cannot expand is returned as written.
func (s *State) Expand(word string) string {
	if !strings.Contains(word, "$") {
		return word
	}
	out, _, err := shell.NewLex('\\').ProcessWord(word, stateEnv{s.env})
	if err != nil {
		return word
	}
	return out
}

// Getenv returns the value of an ENV or in-scope ARG.
func (s *State) Getenv(k string) (string, bool) {
	if s.env == nil {
		return "", false
	}
	e, ok := s.env.Get(k)
	return e.v, ok
}

// fromENV: the variable was set by ENV.
// ImageEnv returns the value an ENV instruction (or the base image's
// config) gave k: what the image itself carries, not a build arg's.
func (s *State) ImageEnv(k string) (string, bool) {
	if !s.fromENV(k) {
		return "", false
	}
	return s.Getenv(k)
}

func (s *State) fromENV(k string) bool {
	if s.env == nil {
		return false
	}
	e, ok := s.env.Get(k)
	return ok && e.fromENV
}

// WithAssignments is the state a command sees with its own VAR=value
// assignments in front of it (`YARN_CACHE_FOLDER=/root/.yarn yarn
// install`), each value expanded as its shell would; s is not changed.
func (s *State) WithAssignments(assigns []string) *State {
	if s == nil || len(assigns) == 0 {
		return s
	}
	c := *s
	for _, a := range assigns {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			continue
		}
		// A=/x B=$A/y: each sees the ones before it, as the shell does
		v = c.Expand(strings.Trim(v, `"'`))
		c.setEnv(k, v, false)
		if k == "HOME" && path.IsAbs(v) {
			// `HOME=/tmp npm ci`: npm's cache is /tmp/.npm
			c.Home, c.HomeGuessed = path.Clean(v), false
		}
	}
	return &c
}

// setEnv sets a variable in this state only (the states of earlier
// instructions keep theirs).
func (s *State) setEnv(k, v string, fromENV bool) {
	if s.env == nil {
		s.env = immutable.NewMap[string, envValue](nil)
	}
	s.env = s.env.Set(k, envValue{v, fromENV})
}

// Environ returns a copy of the variables in scope (ENV and ARG).
func (s *State) Environ() map[string]string {
	out := map[string]string{}
	if s.env == nil {
		return out
	}
	for it := s.env.Iterator(); !it.Done(); {
		k, e, _ := it.Next()
		out[k] = e.v
	}
	return out
}

// MarshalJSON writes the state with its variables as an "env" object.
func (s *State) MarshalJSON() ([]byte, error) {
	type plain State
	return json.Marshal(struct {
		*plain
		Env map[string]string `json:"env,omitempty"`
	}{(*plain)(s), s.Environ()})
}

// IsRoot reports whether the effective user is root.
func (s *State) IsRoot() bool {
	u := s.User
	for i := 0; i < len(u); i++ {
		if u[i] == ':' {
			u = u[:i]
			break
		}
	}
	return u == "" || u == "root" || u == "0"
}

// Error is an error with its position in a Dockerfile.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}
