package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
)

// LW101: sources copied before the dependency install.
var _ = Register(&Rule{
	ID: "LW101", Name: "cache-order", Severity: Warning, Category: CatCache, Fixable: true,
	Title: "Sources are copied before the dependency install",
	Cost:  "Every source change invalidates the install step and everything after it: the whole dependency tree is downloaded and installed again on each commit.",
	Description: `BuildKit reuses a step only while everything before it is unchanged. A COPY that brings the
application's sources into the image (` + "`COPY . .`" + `, ` + "`COPY src/ ...`" + ` holding the manifests) before
` + "`npm ci`" + `, ` + "`pip install -r`" + `, ` + "`go mod download`" + `, ` + "`mvn`" + `, ` + "`cargo build`" + ` and the like ties the install to every source file:
one changed line re-runs the install. Copy only the dependency manifests first, install, then copy the rest.
For compiling tools (` + "`go build`" + `, ` + "`cargo build`" + `, ` + "`mvn package`" + `, ` + "`dotnet publish`" + `) the compile itself
must follow the sources, so the rule asks for a separate dependency step (` + "`go mod download`" + `,
` + "`cargo fetch`" + `, ` + "`mvn dependency:go-offline`" + `, ` + "`dotnet restore`" + `) before the source copy.`,
	Bad: `FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci`,
	Good: `FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .`,
	Check: checkCacheOrder,
})

// broadCopy reports whether a COPY/ADD brings more than manifests: the
// whole context, a directory, or a glob that is not a manifest pattern.
func (in *Input) broadCopy(ins *dockerfile.Instruction) bool {
	if ins.Copy == nil || !ins.Copy.FromContext() {
		return false
	}
	for _, src := range ins.Copy.ContextSources() {
		if in.isDirSource(src) {
			return true
		}
		if strings.ContainsAny(path.Base(src), "*?[") && !matchesAnyManifest(src) {
			return true
		}
	}
	return false
}

func matchesAnyManifest(src string) bool {
	for _, t := range []*Tool{toolNpm, toolYarn, toolPnpm, toolPip, toolPipenv, toolPoetry, toolUv, toolGo, toolCargo, toolMaven, toolGradle, toolDotnet, toolBundler, toolComposer, toolMix} {
		if matchesManifest(src, t.Manifests) {
			return true
		}
	}
	return false
}

// isDirSource tells whether a COPY source is a directory of the context:
// from the context walk when there is one, else by its spelling.
func (in *Input) isDirSource(src string) bool {
	clean := strings.TrimPrefix(path.Clean("/"+src), "/")
	if clean == "" {
		return true
	}
	if in.Context != nil && in.Context.Walk != nil {
		if _, ok := in.Context.DirSizes[clean]; ok {
			return true
		}
		for _, e := range in.Context.Entries {
			if e.Path == clean {
				return e.Type.String() == "dir"
			}
		}
	}
	if strings.HasSuffix(src, "/") {
		return true
	}
	// no extension and not a known manifest: most likely a directory
	b := path.Base(clean)
	return !strings.Contains(b, ".") && !matchesAnyManifest(b) && !strings.ContainsAny(b, "*?[")
}

func checkCacheOrder(in *Input) []Finding {
	var out []Finding
	reported := map[*dockerfile.Instruction]bool{}
	for _, s := range in.File.Stages {
		// the stage's instructions preceded by those of its base stages
		lineage := in.lineage(s)
		var seq []*dockerfile.Instruction
		for i := len(lineage) - 1; i >= 0; i-- {
			if lineage[i] != s {
				// only instructions of base stages; their own installs are
				// judged when the base stage is visited
				seq = append(seq, lineage[i].Instructions...)
			}
		}
		baseLen := len(seq)
		seq = append(seq, s.Instructions...)
		var broad *dockerfile.Instruction
		depsDone := map[string]bool{} // tools whose dependencies were fetched before the broad copy
		for i, ins := range seq {
			if in.broadCopy(ins) && broad == nil {
				broad = ins
				continue
			}
			for _, inst := range runInstalls(ins) {
				if inst.Tool.System {
					continue
				}
				if broad == nil {
					if inst.FromManifest && !inst.Compile {
						depsDone[inst.Tool.Name] = true
					}
					continue
				}
				if i < baseLen || reported[broad] {
					continue
				}
				if inst.Compile && depsDone[inst.Tool.Name] {
					continue // sources are needed to compile; deps were fetched earlier
				}
				if !inst.FromManifest {
					continue // installs named packages, not the manifests
				}
				reported[broad] = true
				what := fmt.Sprintf("`%s`", inst)
				why := "re-runs"
				if inst.Compile {
					why = "re-downloads every dependency in"
				}
				msg := fmt.Sprintf("%s (line %d) copies sources before %s (line %d): every source change %s %s. Copy %s first, install, then copy the sources.",
					short(broad.Original), broad.Range.Start.Line, what, ins.Range.Start.Line, why, what, manifestList(inst.Tool))
				f := in.at("LW101", broad, msg, Cost{
					Invalidates: fmt.Sprintf("every source change re-runs %s in %s", what, in.Image),
					Seconds:     inst.Tool.Seconds, Basis: "static",
				})
				f.Affects = []int{ins.Range.Start.Line}
				out = append(out, f)
			}
		}
	}
	return out
}

func manifestList(t *Tool) string {
	n := t.Manifests
	if len(n) > 3 {
		n = n[:3]
	}
	return strings.Join(n, ", ")
}

// short trims an instruction's text for messages.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 50 {
		return s[:47] + "..."
	}
	return s
}
