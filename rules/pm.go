package rules

import (
	"iter"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// The package managers' knowledge lives in the model-level pkgmgr package;
// the rules refer to it by these short names.
type (
	Tool    = pkgmgr.Tool
	Install = pkgmgr.Install
)

var (
	toolNpm      = pkgmgr.Npm
	toolYarn     = pkgmgr.Yarn
	toolPnpm     = pkgmgr.Pnpm
	toolPip      = pkgmgr.Pip
	toolPipenv   = pkgmgr.Pipenv
	toolPoetry   = pkgmgr.Poetry
	toolUv       = pkgmgr.Uv
	toolGo       = pkgmgr.Go
	toolCargo    = pkgmgr.Cargo
	toolMaven    = pkgmgr.Maven
	toolGradle   = pkgmgr.Gradle
	toolDotnet   = pkgmgr.Dotnet
	toolBundler  = pkgmgr.Bundler
	toolComposer = pkgmgr.Composer
	toolMix      = pkgmgr.Mix
	toolApt      = pkgmgr.Apt
	toolApk      = pkgmgr.Apk
)

const apkCacheDir = pkgmgr.ApkCacheDir

// Classify recognises dependency installs and builds in a RUN command.
func Classify(c dockerfile.Command) *Install { return pkgmgr.Classify(c) }

func first(c dockerfile.Command) string { return pkgmgr.First(c) }

func home(st *dockerfile.State) string { return pkgmgr.Home(st) }

func env(st *dockerfile.State, key, def string) string { return pkgmgr.Env(st, key, def) }

// runInstalls lists the installs of a RUN instruction.
func runInstalls(ins *dockerfile.Instruction) []*Install {
	if ins.Run == nil {
		return nil
	}
	var out []*Install
	for _, c := range ins.Run.Commands {
		if in := Classify(c); in != nil {
			out = append(out, in)
		}
	}
	return out
}

// mountCovers reports whether a cache mount of the RUN covers dir.
func mountCovers(ins *dockerfile.Instruction, dir string) bool {
	if ins.Run == nil {
		return false
	}
	for _, m := range ins.Run.Mounts {
		if m.Type != "cache" {
			continue
		}
		t := m.Target
		if !path.IsAbs(t) && ins.State != nil {
			t = path.Join(ins.State.Workdir, t)
		}
		t = path.Clean(t)
		if dir == t || strings.HasPrefix(dir, t+"/") || t == "/" {
			return true
		}
	}
	return false
}

// matchesManifest reports whether a context path (or source pattern)
// names one of the manifests.
func matchesManifest(src string, manifests []string) bool {
	b := path.Base(path.Clean(src))
	for _, m := range manifests {
		if ok, _ := path.Match(m, b); ok || b == m {
			return true
		}
		// a pattern source such as package*.json matches the manifest
		if ok, _ := path.Match(b, m); ok && strings.ContainsAny(b, "*?[") {
			return true
		}
	}
	return false
}

// isApt reports whether c is `apt-get SUB` or `apt SUB`.
func isApt(c dockerfile.Command, sub string) bool {
	n := path.Base(c.Name)
	return (n == "apt-get" || n == "apt") && first(c) == sub
}

// commands yields every command of every RUN, with its instruction.
func (in *Input) commands() iter.Seq2[*dockerfile.Instruction, dockerfile.Command] {
	return func(yield func(*dockerfile.Instruction, dockerfile.Command) bool) {
		for _, s := range in.File.Stages {
			for _, ins := range s.Instructions {
				if ins.Run == nil {
					continue
				}
				for _, c := range ins.Run.Commands {
					if !yield(ins, c) {
						return
					}
				}
			}
		}
	}
}

// varNames are the names an ARG or ENV instruction declares.
func varNames(x *dockerfile.Instruction) []string {
	var out []string
	switch c := x.Cmd.(type) {
	case *instructions.ArgCommand:
		for _, a := range c.Args {
			out = append(out, a.Key)
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			out = append(out, kv.Key)
		}
	}
	return out
}

// storeTools are the tools whose package store a COPY may bring whole.
var storeTools = []*Tool{toolGo, toolCargo, toolMaven, toolGradle, toolDotnet}

// copiesStore is the tool whose package store the COPY fills (its
// destination is the store or holds it: homebox's `COPY
// --from=builder-dependencies /go/pkg/mod /go/pkg/mod`), and the store.
func copiesStore(in *Input, x *dockerfile.Instruction) (*Tool, string) {
	if x.Copy == nil || x.State == nil {
		return nil, ""
	}
	d := x.Copy.Dest
	if !path.IsAbs(d) {
		d = path.Join(x.State.Workdir, d)
	}
	d = path.Clean(d)
	for _, t := range storeTools {
		st := t.StoreDir(x.State, stageBase(in, x))
		if st != "" && (st == d || strings.HasPrefix(st, d+"/")) && d != "/" {
			return t, st
		}
	}
	return nil, ""
}
