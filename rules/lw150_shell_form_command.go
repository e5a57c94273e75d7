package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// ShellFormCommand is LW150.
var ShellFormCommand = Register(&Rule{
	ID: "LW150", Name: "shell-form-command", Severity: Warning, Category: CatCorrectness,
	Title: "The service runs under /bin/sh, which does not pass on docker stop's SIGTERM",
	Cost:  "docker stop, a rolling deploy or a scale-down waits 10 s for every container and then kills the service without a graceful shutdown: requests in flight fail and connections are cut.",
	Description: `A shell-form ` + "`CMD node server.js`" + ` or ` + "`ENTRYPOINT ./app`" + ` runs as ` + "`/bin/sh -c \"node server.js\"`" + `:
the shell is PID 1 and the service its child. Debian's and Ubuntu's ` + "`/bin/sh`" + ` (dash) neither forwards SIGTERM nor
replaces itself with the command (measured on debian:bookworm-slim: PID 1 is ` + "`/bin/sh -c sleep 1000`" + ` and
` + "`docker stop`" + ` takes 10.1 s), so the service never hears the stop and is killed. The rule speaks only of images known to
have dash: BusyBox's ash (Alpine) runs the last command in its own place (measured on busybox:1.36: PID 1 is ` + "`sleep`" + `). The exec form runs the program itself as
PID 1, where its own SIGTERM handler runs. ` + "`layerwise fix`" + ` rewrites a command that uses no shell feature (no variable,
glob, redirection, pipe or chain) to the exec form; a command that needs the shell can start with ` + "`exec`" + ` instead, or
run under an init (` + "`docker run --init`" + `, tini). ` + "`npm start`" + ` as PID 1 is not flagged: npm passes SIGTERM on (measured).
Where the program itself installs no SIGTERM handler — Node, CPython, a shell script without a trap, ` + "`tail -f`" + ` —
the exec form would make it PID 1, where the kernel drops the signal: there the advice is an init (` + "`--init`" + `,
compose's ` + "`init: true`" + `, tini), and the fix refuses.

The rewrite changes the image's config (its Cmd or Entrypoint, nothing on disk) and who is PID 1: a program with no
SIGINT handler of its own then ignores Ctrl-C in ` + "`docker run -it`" + ` (the kernel's rule for PID 1), so ` + "`fix`" + ` makes it only
when asked (` + "`--rule LW150`" + `, best with ` + "`--verify`" + `); ` + "`--init`" + ` (tini) covers both. It is made only where the command line
stays the same program with the same arguments: where no ENTRYPOINT script of the base image reads the CMD (an
official image known to have none), and for an ENTRYPOINT, when no CMD follows it (the exec form would append it).`,
	Bad:           `CMD node server.js`,
	Good:          `CMD ["node", "server.js"]`,
	Check:         checkShellFormCommand,
	FixDockerfile: fixShellFormCommand,
	// the program becomes PID 1: it gets docker stop's SIGTERM, and, with
	// no handler of its own, the kernel ignores a terminal's Ctrl-C for
	// it (PID 1's default), which the shell's child did not: asked for
	FixOnRequest: true,
	ImageConfig:  []string{"Cmd", "Entrypoint"},
})

// runCommand is the instruction that decides what the final stage runs in
// shell form, and what sits between the two: the last ENTRYPOINT (and a
// CMD after it) or, without one, the last CMD.
type runCommand struct {
	ins      *dockerfile.Instruction
	entry    bool // the instruction is an ENTRYPOINT
	cmdAfter *dockerfile.Instruction
	// cmdBefore: a CMD before the ENTRYPOINT (BuildKit keeps it then:
	// the exec form would take it as arguments)
	cmdBefore *dockerfile.Instruction
	shell     bool // a SHELL instruction changed the shell before it
	stage     *dockerfile.Stage
}

func (in *Input) runCommand() *runCommand {
	s := in.finalStage()
	if s == nil || in.windowsStage(s) {
		return nil
	}
	rc := &runCommand{stage: s}
	for _, x := range in.lineageInstructions(s) {
		switch c := x.Cmd.(type) {
		case *instructions.EntrypointCommand:
			if !rc.entry && rc.ins != nil {
				rc.cmdBefore = rc.ins
			}
			rc.ins, rc.entry, rc.cmdAfter = x, true, nil
		case *instructions.CmdCommand:
			if rc.entry {
				rc.cmdAfter = x
			} else {
				rc.ins = x
			}
			_ = c
		case *instructions.ShellCommand:
			rc.shell = true
		}
	}
	if rc.ins == nil {
		return nil
	}
	return rc
}

// shellForm is the command of a shell-form CMD/ENTRYPOINT ("", false for
// the exec form).
func shellForm(x *dockerfile.Instruction) (string, bool) {
	switch c := x.Cmd.(type) {
	case *instructions.CmdCommand:
		if c.PrependShell && len(c.CmdLine) > 0 {
			return strings.Join(c.CmdLine, " "), true
		}
	case *instructions.EntrypointCommand:
		if c.PrependShell && len(c.CmdLine) > 0 {
			return strings.Join(c.CmdLine, " "), true
		}
	}
	return "", false
}

func checkShellFormCommand(in *Input) []Finding {
	if testInput(in.Dockerfile) {
		// a test's runner runs once in the foreground and exits: no
		// service to stop (dragonfly's tests/integration images: review 16)
		return nil
	}
	rc := in.runCommand()
	if rc == nil {
		return nil
	}
	if !rc.entry {
		// an exec-form ENTRYPOINT of this Dockerfile takes the shell-form
		// CMD as its arguments: that is the entrypoint's business
		for _, x := range in.lineageInstructions(rc.stage) {
			if _, ok := x.Cmd.(*instructions.EntrypointCommand); ok {
				return nil
			}
		}
	}
	line, ok := shellForm(rc.ins)
	if !ok || rc.shell {
		return nil // exec form, or a SHELL that may handle signals
	}
	if !baseimage.DashShell(in.rootBase(rc.stage).Base) {
		// BusyBox's ash (Alpine) runs the last command in the shell's
		// place, bash a single one; another image's shell is not known
		return nil
	}
	if f := strings.Fields(line); len(f) > 0 && f[0] == "exec" {
		// the shell replaces itself with the program, variables or not
		// (`exec gunicorn --bind :$PORT`: review 19)
		return nil
	}
	if f := strings.Fields(line); len(f) > 0 && shellWrappers[path.Base(f[0])] {
		// a program that is itself a shell script starting the daemon as
		// its child: the exec form leaves a shell as PID 1 all the same
		// (review 10: Debian's apache2ctl)
		return nil
	}
	what := "CMD"
	if rc.entry {
		what = "ENTRYPOINT"
	}
	if prog := ignoresSIGTERM(line); prog != "" {
		// the exec form would make the program PID 1, where a signal
		// with no handler is dropped (review 22: node, bash scripts,
		// tail -f as PID 1 survive SIGTERM, measured by the reader)
		msg := fmt.Sprintf("%s in shell form runs `/bin/sh -c %s`, and the image's /bin/sh (Debian's dash) stays PID 1 without passing on SIGTERM: `docker stop` waits 10 s and kills the service. The exec form alone would not help: %s as PID 1 ignores SIGTERM unless it installs a handler (the kernel drops a signal PID 1 does not handle). Run it under an init — `docker run --init`, compose's `init: true`, or tini as the ENTRYPOINT — or handle SIGTERM in it.",
			what, short(line), prog)
		f := in.at(rc.ins, msg, Cost{Invalidates: "every docker stop and rolling deploy waits 10 s per container and then kills it", Basis: "static"})
		return []Finding{f}
	}
	msg := fmt.Sprintf("%s in shell form runs `/bin/sh -c %s`, and the image's /bin/sh (Debian's dash) stays PID 1 without passing on SIGTERM: `docker stop` waits 10 s and kills the service. Use the exec form (%s [\"...\"]), or start the command with `exec`.",
		what, short(line), what)
	f := in.at(rc.ins, msg, Cost{Invalidates: "every docker stop and rolling deploy waits 10 s per container and then kills it", Basis: "static"})
	return []Finding{f}
}

func fixShellFormCommand(in *Input, f Finding) (*Fix, string) {
	rc := in.runCommand()
	if rc == nil || rc.ins.Range.Start.Line != f.Range.Start.Line {
		return nil, "instruction not found"
	}
	line, _ := shellForm(rc.ins)
	if prog := ignoresSIGTERM(line); prog != "" {
		return nil, fmt.Sprintf("%s as PID 1 ignores SIGTERM without a handler of its own: the exec form would not stop it either; run it under an init (--init, init: true, tini)", prog)
	}
	words, ok := plainWords(line)
	if !ok {
		return nil, "the command uses the shell (variables, globs, redirections, pipes, chains or quoting the fixer does not read): start it with `exec` instead, or run it under an init"
	}
	if rc.entry && rc.cmdAfter != nil {
		return nil, fmt.Sprintf("the CMD on line %d would become the ENTRYPOINT's arguments in the exec form (the shell form ignores it)", rc.cmdAfter.Range.Start.Line)
	}
	if rc.entry && rc.cmdBefore != nil {
		// BuildKit resets the CMD at an ENTRYPOINT only when no CMD came
		// before it in the stage
		return nil, fmt.Sprintf("the CMD on line %d would become the ENTRYPOINT's arguments in the exec form (the shell form ignores it)", rc.cmdBefore.Range.Start.Line)
	}
	if shellBuiltins[words[0]] {
		return nil, fmt.Sprintf("%s is a shell builtin, no program the exec form could run", words[0])
	}
	if !rc.entry {
		base := in.rootBase(rc.stage).Base
		if !baseimage.NoEntrypoint(base) {
			return nil, fmt.Sprintf("the base image %s may have an ENTRYPOINT script that reads the CMD's first word (/bin/sh now, %s in the exec form)", base, words[0])
		}
	}
	if rc.ins.Range.Start.Line != rc.ins.Range.End.Line {
		return nil, "the instruction spans several lines"
	}
	// each word as a JSON string (no HTML escaping), joined as people
	// write them: ["node", "server.js"]
	quoted := make([]string, len(words))
	for i, w := range words {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(w); err != nil {
			return nil, err.Error()
		}
		quoted[i] = strings.TrimSpace(buf.String())
	}
	arr := "[" + strings.Join(quoted, ", ") + "]"
	kw := keywordAsWritten(in.File, rc.ins)
	text := strings.Repeat(" ", rc.ins.Range.Start.Col-1) + kw + " " + arr
	return &Fix{Description: "run the command in exec form: " + arr, File: in.Dockerfile,
		Replacements: []Replacement{{StartLine: rc.ins.Range.Start.Line, EndLine: rc.ins.Range.End.Line, Text: joinLines([]string{text}), Kinds: []string{rc.ins.Kind}}}}, ""
}

// shellWrappers are programs shipped as shell scripts that start the
// service as a child without exec: neither form makes the service PID 1,
// so the advice would change nothing (the cure is the image's own
// foreground script, apache2-foreground, or --init).
var shellWrappers = map[string]bool{"apache2ctl": true, "apachectl": true}

// noTermHandler are programs that install no SIGTERM handler by default:
// as PID 1 the kernel drops the signal for them (Node, CPython, shells
// running a script without a trap, tail and sleep) — unlike Go's runtime,
// the JVM, nginx or gunicorn, which handle it.
var noTermHandler = map[string]bool{"node": true, "nodejs": true, "python": true, "python3": true, "bash": true, "sh": true,
	"tail": true, "sleep": true, "cat": true}

// ignoresSIGTERM is the program a shell-form command line would make PID 1
// in the exec form when that program does not handle SIGTERM by itself —
// one of noTermHandler, or a shell script (*.sh, or a script the line
// runs through bash/sh) — "" otherwise.
func ignoresSIGTERM(line string) string {
	f := strings.Fields(line)
	for len(f) > 0 && strings.Contains(f[0], "=") && !strings.HasPrefix(f[0], "-") {
		f = f[1:] // VAR=value before the program
	}
	if len(f) == 0 {
		return ""
	}
	prog := path.Base(f[0])
	switch {
	case noTermHandler[prog]:
		return prog
	case strings.HasSuffix(prog, ".sh"):
		return f[0] + " (a shell script)"
	}
	return ""
}

// shellBuiltins are commands of the shell itself, no program on PATH.
var shellBuiltins = map[string]bool{"cd": true, "export": true, "source": true, ".": true, "set": true, "unset": true, "ulimit": true,
	"umask": true, "trap": true, "alias": true, "eval": true, "read": true, "wait": true, "shift": true, "readonly": true,
	"local": true, "declare": true, "typeset": true, "let": true, "builtin": true, "command": true, "exit": true, "return": true}

// plainWords splits a shell command that uses no shell feature into its
// words (quotes removed): one simple command of literal words, no
// assignment, redirection, expansion, glob or operator.
func plainWords(line string) ([]string, bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(line), "")
	if err != nil || len(f.Stmts) != 1 {
		return nil, false
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	var out []string
	for _, w := range call.Args {
		var b strings.Builder
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				if strings.ContainsAny(p.Value, "*?[]{}~\\") {
					return nil, false // a glob, brace, tilde or escape
				}
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				if p.Dollar {
					return nil, false
				}
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				for _, q := range p.Parts {
					l, ok := q.(*syntax.Lit)
					if !ok || strings.ContainsAny(l.Value, "\\$`") {
						return nil, false
					}
					b.WriteString(l.Value)
				}
			default:
				return nil, false
			}
		}
		out = append(out, b.String())
	}
	return out, true
}
