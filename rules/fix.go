package rules

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/safefile"
)

// Fixes are whole-line edits of the Dockerfile's original text: untouched
// lines keep their bytes (comments, casing, continuation layout, heredocs).

// ApplyFix applies a fix's replacements to the lines of a file.
// Replacements must not overlap; they are applied bottom-up.
func ApplyFix(lines []string, fx *Fix) []string {
	reps := append([]Replacement(nil), fx.Replacements...)
	sort.SliceStable(reps, func(i, j int) bool { return reps[i].StartLine > reps[j].StartLine })
	out := append([]string(nil), lines...)
	for _, r := range reps {
		start := r.StartLine - 1
		end := r.EndLine // exclusive index after the last replaced line
		if r.EndLine < r.StartLine {
			end = start // insertion
		}
		var repl []string
		if r.Text != "" {
			repl = strings.Split(strings.TrimSuffix(r.Text, "\n"), "\n")
		}
		tail := append([]string(nil), out[end:]...)
		out = append(append(out[:start], repl...), tail...)
	}
	return out
}

// linesOf returns the original lines of an instruction.
// It is a copy: a fix edits it freely and never writes into the model it
// was given.
func linesOf(f *dockerfile.File, ins *dockerfile.Instruction) []string {
	return append([]string(nil), f.Lines[ins.Range.Start.Line-1:ins.Range.End.Line]...)
}

func joinLines(ls []string) string { return strings.Join(ls, "\n") + "\n" }

// commentsAbove is the first line of the comments written directly above
// the instruction at line (no blank line between, none inside another
// instruction): they speak of it — `# copy the sources` over `COPY . .` —
// so instructions a fix puts before it go above them.
func commentsAbove(f *dockerfile.File, line int) int {
	prevEnd := 0
	for _, s := range f.Stages {
		for _, ins := range s.Instructions {
			if e := ins.Range.End.Line; e < line && e > prevEnd {
				prevEnd = e
			}
		}
	}
	for line-1 > prevEnd && line-2 < len(f.Lines) && strings.HasPrefix(strings.TrimSpace(f.Lines[line-2]), "#") {
		line--
	}
	return line
}

// instructionAt returns the instruction starting at a line and its stage.
func (in *Input) instructionAt(line int) (*dockerfile.Stage, int, *dockerfile.Instruction) {
	for _, s := range in.File.Stages {
		for i, ins := range s.Instructions {
			if ins.Range.Start.Line == line {
				return s, i, ins
			}
		}
	}
	return nil, -1, nil
}

// contextHas reports whether the build context sends a path.
func (in *Input) contextHas(p string) bool {
	if in.Context == nil || in.Context.Walk == nil {
		return false
	}
	_, ok := in.Context.Lookup(p)
	return ok
}

// contextChildren lists the entries directly under dir ("" = the root).
func (in *Input) contextChildren(dir string) []string {
	if in.Context == nil || in.Context.Walk == nil {
		return nil
	}
	var out []string
	for _, e := range in.Context.Entries {
		rest := e.Path
		if dir != "" {
			var ok bool
			rest, ok = strings.CutPrefix(e.Path, dir+"/")
			if !ok {
				continue
			}
		}
		if !strings.Contains(rest, "/") {
			out = append(out, e.Path)
		}
	}
	sort.Strings(out)
	return out
}

// readContextFile reads a small file of the build context (a manifest:
// package.json, go.mod, requirements.txt, ...): only a regular file of at
// most safefile.MaxManifest that resolves inside the context — BuildKit
// sends a symlink as a symlink, so one to /dev/zero, a FIFO or a file
// outside the repository is nothing the build reads either.
func (in *Input) readContextFile(p string) ([]byte, error) {
	if in.Context == nil {
		return nil, os.ErrNotExist
	}
	return safefile.ReadWithin(in.Context.Context, filepath.Join(in.Context.Context, filepath.FromSlash(p)), safefile.MaxManifest)
}
