package rules

import (
	"cmp"
	"fmt"
	"go/version"
	"path"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
	"golang.org/x/mod/modfile"
)

// GoTooOld is LW141.
var GoTooOld = Register(&Rule{
	ID: "LW141", Name: "go-older-than-go-mod", Severity: Error, Category: CatCorrectness,
	Title: "The golang base image is older than the Go version go.mod asks for",
	Cost:  "The build fails: the go command refuses a module that needs a newer Go than it is, and the official images forbid it to download one.",
	Description: `Since Go 1.21 the ` + "`go`" + ` line of go.mod is a minimum: a go command older than it must switch to a newer
toolchain or stop. The official golang images (1.21 and later) set ` + "`GOTOOLCHAIN=local`" + `, so it stops: ` + "`go build`" + ` of a
module with ` + "`go 1.26`" + ` on ` + "`golang:1.24`" + ` fails with "go.mod requires go >= 1.26 (running go 1.24…;
GOTOOLCHAIN=local)" — typically after a dependency update raised the go line and nobody moved the Dockerfile's base.
layerwise reads the go.mod the COPYs put where the go command runs (its WORKDIR, or a directory above it) and the
base's tag: a tag without a patch version floats, so only a newer minor version counts there. Move the base to the
go line's version (` + "`golang:1.26`" + `), or let the go command fetch the toolchain (` + "`ENV GOTOOLCHAIN=auto`" + `, which downloads it on
every uncached build). Not reported where the Dockerfile sets GOTOOLCHAIN itself, on bases older than 1.21 (no
toolchain switching: those only warn) or on images other than the official one.`,
	Bad:   "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .   (go.mod: go 1.26)",
	Good:  "FROM golang:1.26\nCOPY . .\nRUN go build -o /app .",
	Check: checkGoTooOld,
	// review 22 (speedscale's go-mongo: go 1.25.0 on golang:1.24); on the
	// corpus, ory kratos' webhook mock (go 1.26 on golang:1.21-alpine)
})

// goTagVersion reads the Go version of an official golang tag: "1.24"
// (floating: full false), "1.24.3" (full); "" for a tag without one
// (latest, alpine) or only a major version.
var goTagVersion = regexp.MustCompile(`^(1\.\d+)(\.\d+)?(?:$|[-_])`)

// goModuleSubcommands load the module of their directory (its go.mod).
var goModuleSubcommands = map[string]bool{"build": true, "install": true, "run": true, "test": true, "vet": true,
	"generate": true, "mod": true, "list": true, "get": true}

func checkGoTooOld(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		base := in.rootBase(s).Base
		if baseimage.Repo(base) != "golang" || strings.Contains(base, "$") {
			continue
		}
		tag := ""
		if i := strings.LastIndex(strings.SplitN(base, "@", 2)[0], ":"); i >= 0 && i > strings.LastIndex(base, "/") {
			tag = strings.SplitN(base, "@", 2)[0][i+1:]
		}
		m := goTagVersion.FindStringSubmatch(tag)
		if m == nil || version.Compare("go"+m[1], "go1.21") < 0 {
			continue
		}
		baseVer, full := "go"+m[1]+m[2], m[2] != ""
		// the build stops at the first go command that refuses
		if f := in.firstTooOld(s, base, baseVer, full); f != nil {
			out = append(out, *f)
		}
	}
	return out
}

// firstTooOld is the finding on the stage's first go command that loads a
// module whose go line is newer than the base's Go (nil when none does).
func (in *Input) firstTooOld(s *dockerfile.Stage, base, baseVer string, full bool) *Finding {
	for _, ins := range s.Instructions {
		if ins.Run == nil || setsToolchain(in, ins) || laterCd(ins.Run.Commands) {
			// (a cd after other commands moves the go command where the
			// model does not follow it: another module's go.mod)
			continue
		}
		for _, c := range ins.Run.Commands {
			sub := pkgmgr.First(c)
			if path.Base(c.Name) != "go" || !goModuleSubcommands[sub] || hasToolchainEnv(c) {
				continue
			}
			if sub == "install" && strings.Contains(strings.Join(c.Args, " "), "@") {
				continue // pkg@version: that module's go line, not this one
			}
			dir := path.Join(cmp.Or(ins.State.Workdir, "/"), strings.Join(cdArgs(ins.Run.Commands), "/"))
			goMod, want := in.goLineAbove(ins, dir)
			if want == "" {
				continue
			}
			need := "go" + want
			if !full {
				need = version.Lang(need) // a floating tag has the minor's latest patch
			}
			if version.Compare(need, baseVer) <= 0 {
				continue
			}
			shown := strings.TrimPrefix(baseVer, "go")
			if !full {
				shown += ".x"
			}
			f := in.at(ins, fmt.Sprintf("%s asks for Go %s, but the base %s is Go %s with GOTOOLCHAIN=local: `%s` fails (\"go.mod requires go >= %s\"). Move the base to golang:%s, or set ENV GOTOOLCHAIN=auto (which downloads that toolchain on every uncached build).",
				goMod, want, base, shown, shortCmd(c), want, strings.TrimPrefix(version.Lang("go"+want), "go")),
				Cost{Invalidates: "every build of the image fails", Basis: "static"})
			f.Affects = []int{ins.Range.Start.Line}
			return &f
		}
	}
	return nil
}

// goLineAbove is the go.mod the go command finds from dir (the directory
// itself or one above it) as the COPYs before ins put it there from the
// context, and its go line ("" when none is known).
func (in *Input) goLineAbove(ins *dockerfile.Instruction, dir string) (file, goVersion string) {
	for d := path.Clean(dir); ; d = path.Dir(d) {
		if src := in.copiedFromContext(ins, path.Join(d, "go.mod")); src != "" {
			data, err := in.readContextFile(src)
			if err != nil {
				return "", ""
			}
			mf, err := modfile.ParseLax(src, data, nil)
			if err != nil || mf.Go == nil {
				return "", ""
			}
			return src, mf.Go.Version
		}
		if d == "/" {
			return "", ""
		}
	}
}

// setsToolchain: the Dockerfile sets GOTOOLCHAIN before ins (an ENV, an
// ARG, `go env -w`): layerwise does not follow what it allows.
func setsToolchain(in *Input, ins *dockerfile.Instruction) bool {
	if _, ok := ins.State.Getenv("GOTOOLCHAIN"); ok {
		if v, _ := ins.State.Getenv("GOTOOLCHAIN"); v != "local" {
			return true
		}
	}
	s := in.stageOf(ins)
	if s == nil {
		return true
	}
	for _, x := range in.lineageInstructions(s) {
		if x == ins {
			return strings.Contains(x.Original, "GOTOOLCHAIN")
		}
		if strings.Contains(x.Original, "GOTOOLCHAIN") {
			return true
		}
	}
	return false
}

func hasToolchainEnv(c dockerfile.Command) bool {
	for _, e := range c.Env {
		if strings.HasPrefix(e, "GOTOOLCHAIN=") {
			return true
		}
	}
	return false
}

// laterCd: a cd that is not one of the RUN's leading cds.
func laterCd(cmds []dockerfile.Command) bool {
	lead := len(leadingCds(cmds))
	for i, c := range cmds {
		if i >= lead && (c.Name == "cd" || c.Name == "pushd") {
			return true
		}
	}
	return false
}

// cdArgs are the directories the RUN's leading cds move to.
func cdArgs(cmds []dockerfile.Command) []string {
	var out []string
	for _, cd := range leadingCds(cmds) {
		out = append(out, cd.Args[0])
	}
	return out
}
