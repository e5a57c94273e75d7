package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/pkgmgr"
)

// StoreInCacheMount is LW117.
var StoreInCacheMount = Register(&Rule{
	ID: "LW117", Name: "store-in-cache-mount", Severity: Warning, Category: CatCache,
	Title: "A package store another step reads lives only in a cache mount",
	Cost:  "On a fresh CI builder every cache mount is empty while the layers come back from the registry cache: the step that reads the packages downloads them all again, or fails when it runs offline.",
	Description: `A cache mount is a cache, not a store. BuildKit exports no cache mount: on a fresh CI builder (a new
builder per job, the layers imported from a registry or the CI's cache) every mount starts empty, and on
a local builder BuildKit's garbage collector evicts mounts while keeping the layers. When the step that
fills a package store — ` + "`go mod download`" + `, ` + "`dotnet restore`" + `, ` + "`mvn dependency:go-offline`" + `, ` + "`cargo fetch`" + ` — keeps it in a cache
mount and a later step (or the running container) reads it, the later step finds it empty whenever the fill
step came from the cache: it downloads every package again, and a build that runs offline
(` + "`GOPROXY=off`" + `, ` + "`--no-restore`" + `, ` + "`mvn -o`" + `, ` + "`cargo --offline`" + `) fails. The same holds for a mount over a store that an
earlier step filled in its layer: the mount hides it. The fix drops the mount over the store from the RUN,
so that the packages stay in the layer the install makes, where a registry cache carries them; the
download and compiler caches (Go's build cache) stay mounted. Two steps right next to each other under the
same mount (` + "`pnpm fetch`" + `, then ` + "`pnpm install --offline`" + `) run together, so the store is there whenever
the second runs; only an edit of the second while the first comes from the cache opens the trap: that is
information, and the fix leaves them. So is a step that an ARG or ENV changing on every build (a commit id above
it) re-runs each time: until that moves below, the mount is what keeps the packages. Where no CI of the
repository imports a layer cache (none builds the image, or it keeps none) and the build does not run
offline, only a garbage collection opens the trap: information, still fixed. The fix drops every cache
mount that covers the store, on every RUN of the stage and of those built on it, whatever the RUN runs (a
` + "`task build`" + ` under a mount over /go/pkg would hide the modules the download now keeps).`,
	Bad: `FROM golang:1.23
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .`,
	Good: `FROM golang:1.23
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build -o /app .`,
	Check:         checkStoreInMount,
	FixDockerfile: fixStoreInMount,
	ImageEffects:  []ImageEffect{EffectStoresInLayers},
})

// storeMounted is one RUN's cache mount over a package store that must
// stay in a layer.
type storeMounted struct {
	inst *Install
	dir  string
	why  string // storeInLayer's reason
}

// mountedStores lists the RUN's installs whose package store is covered
// by one of its cache mounts although it must stay in the layers.
func mountedStores(in *Input, ins *dockerfile.Instruction) []storeMounted {
	if ins.Run == nil || ins.Run.MountError != "" || bindsWholeContext(ins) {
		return nil
	}
	var out []storeMounted
	seen := map[string]bool{}
	for _, inst := range runInstalls(ins) {
		for _, d := range []string{storeDirOf(in, ins, inst), offlineDir(in, ins, inst)} {
			if d == "" || seen[d] || !mountCovers(ins, d) {
				continue
			}
			if why := storeInLayer(in, ins, inst, d); why != "" {
				seen[d] = true
				out = append(out, storeMounted{inst: inst, dir: d, why: why})
			}
		}
	}
	return out
}

// bindsWholeContext: the RUN bind-mounts the root of the build context
// (navidrome's `--mount=type=bind,source=.,target=.` over `go mod
// download`): it re-runs on every change of any file, so its layer is
// never what a later build reuses, and the store in its mount is filled
// again wherever the steps after it run (review 12).
func bindsWholeContext(ins *dockerfile.Instruction) bool {
	for _, m := range ins.Run.Mounts {
		if m.Type == "bind" && m.From == "" {
			switch strings.TrimSuffix(strings.TrimPrefix(m.Source, "./"), "/") {
			case "", ".", "/":
				return true
			}
		}
	}
	return false
}

func checkStoreInMount(in *Input) []Finding {
	var out []Finding
	for _, s := range in.File.Stages {
		if in.windowsStage(s) {
			continue
		}
		reported := map[string]bool{} // stores the instruction just before reported
		for _, ins := range s.Instructions {
			now := map[string]bool{}
			for _, sm := range mountedStores(in, ins) {
				now[sm.dir] = true
				if slices.Contains(in.CIPersistedMounts, sm.dir) || in.CIPersistentBuilder {
					// the CI carries the mount from job to job itself (a
					// cache dance: review 29, SigNoz): there it is the
					// store, and no layer cache comes without it
					continue
				}
				if a, _ := chainedPair(in, ins, sm.dir); a == nil && reported[sm.dir] && offlineReader(in, ins, sm.dir) {
					// the next step of one chain under the same mount
					// (`dotnet build --no-restore`, then `dotnet publish
					// --no-build`): it runs only after the one before,
					// which meets the empty mount first (review 24)
					continue
				}
				then := "downloads every package again"
				if offlineReader(in, ins, sm.dir) {
					then = "fails: it builds offline"
				}
				if v := in.volatileBefore(ins); v != nil && firstUser(in, ins, sm.dir) {
					// the step re-runs on every build: its mount is
					// filled each time (review 21: keda's ARG GIT_COMMIT
					// above `go mod download`)
					msg := fmt.Sprintf("`%s` keeps its package store %s in a cache mount, and while %s (line %d) changes on every build this step re-runs each time, so the mount is what keeps the packages between builds. Move that %s below the expensive steps first; then %s, and the packages belong in the layer, where a registry cache carries them.",
						sm.inst, sm.dir, short(v.Original), v.Range.Start.Line, v.Kind, sm.why)
					f := in.at(ins, msg, Cost{Basis: "static"})
					f.Severity = Info
					f.Affects = []int{ins.Range.Start.Line}
					out = append(out, f)
					continue
				}
				if a, b := chainedPair(in, ins, sm.dir); a != nil {
					// the two steps run together: the trap opens only on
					// an edit of the second (review 21: plane)
					fails := "downloads every package again"
					if then != "downloads every package again" {
						fails = "fails (it builds offline)"
					}
					msg := fmt.Sprintf("`%s` and the RUN on line %d share the cache mount over the package store %s and run together (nothing between them), so the store is there whenever the second runs. Only an edit of line %d while line %d comes from the cache (a fresh CI builder importing a registry cache) opens the trap: line %d then finds the mount empty and %s, on every such builder until line %d runs again. When line %d changes, merge the two RUNs or keep the store in the layer.",
						sm.inst, other(ins, a, b).Range.Start.Line, sm.dir, b.Range.Start.Line, a.Range.Start.Line, b.Range.Start.Line, fails, a.Range.Start.Line, b.Range.Start.Line)
					f := in.at(ins, msg, Cost{Basis: "static"})
					f.Severity = Info
					f.Affects = []int{ins.Range.Start.Line}
					out = append(out, f)
					continue
				}
				msg := fmt.Sprintf("`%s` has its package store %s in a cache mount, but %s. A cache mount is empty on a fresh CI builder and after BuildKit's garbage collection, while the layers come from the cache: there the build %s. Keep the packages in the layer: drop the mount over %s.",
					sm.inst, sm.dir, sm.why, then, sm.dir)
				f := in.at(ins, msg, Cost{Invalidates: "on every fresh builder, the packages are fetched again (or the offline build fails)",
					Seconds: sm.inst.Tool.Seconds, Basis: "static"})
				f.Affects = []int{ins.Range.Start.Line}
				if then != "fails: it builds offline" && (in.CIWorkflow == "" || in.CIUncached) {
					// no builder here imports the layers without the
					// mounts but after a garbage collection (review 27:
					// semaphore, Docker's own Go recipe, CI without a
					// layer cache): a download more, not a broken build
					f.Severity = Info
					f.Message += " No CI here imports a layer cache (none builds the image, or it keeps none): for now that happens only when BuildKit's garbage collection evicts the mount but keeps the layers; it becomes every job once a CI imports a layer cache (what `layerwise generate ci` writes)."
				}
				out = append(out, f)
			}
			// a WORKDIR, LABEL or EXPOSE between two steps of a chain keeps
			// it one chain (booking's WORKDIR before its publish): they
			// change nothing a build could vary
			switch ins.Kind {
			case "WORKDIR", "LABEL", "EXPOSE":
			default:
				reported = now
			}
		}
	}
	return out
}

// chainedPair: the store at dir is used by exactly two RUNs of the
// lineage, ins one of them, both under a cache mount over it, the second
// right after the first (chained), and nothing past the stage reads it.
// Their first and second ("" pair: nil).
func chainedPair(in *Input, ins *dockerfile.Instruction, dir string) (a, b *dockerfile.Instruction) {
	s := in.stageOf(ins)
	if s == nil {
		return nil, nil
	}
	var users []*dockerfile.Instruction
	for _, x := range in.lineageRuns(s) {
		if x == ins || usesCache(in, x, dir) {
			users = append(users, x)
		}
	}
	if len(users) != 2 || !mountCovers(users[0], dir) || !mountCovers(users[1], dir) {
		return nil, nil
	}
	a, b = users[0], users[1]
	if in.after(a, b) {
		a, b = b, a
	}
	if !chained(in, a, b) || storeLeavesStage(in, s, dir) != "" {
		return nil, nil
	}
	return a, b
}

// firstUser: no RUN before ins in its lineage uses the store at dir, so
// ins is the step that fills it (a reader that re-runs on every build
// while the fill comes from the cache is the trap itself, not a reason
// to keep the mount).
func firstUser(in *Input, ins *dockerfile.Instruction, dir string) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	for _, x := range in.lineageRuns(s) {
		if x == ins {
			return true
		}
		if !in.after(x, ins) && usesCache(in, x, dir) {
			return false
		}
	}
	return true
}

// other is whichever of a and b is not x.
func other(x, a, b *dockerfile.Instruction) *dockerfile.Instruction {
	if x == a {
		return b
	}
	return a
}

// chained: b is the instruction right after a in their stage, with
// nothing between but metadata no RUN's cache key holds. b's cache key is
// a's result and its own text, so b comes from the cache exactly when a
// does, and runs right after a whenever a runs.
func chained(in *Input, a, b *dockerfile.Instruction) bool {
	s := in.stageOf(a)
	if s == nil || s != in.stageOf(b) || b.Index <= a.Index {
		return false
	}
	for _, x := range s.Instructions {
		if x.Index > a.Index && x.Index < b.Index {
			switch x.Kind {
			case "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER":
			default:
				return false
			}
		}
	}
	return true
}

// offlineReader reports whether the RUN, or a later RUN of its lineage
// that reads dir, builds offline from it.
func offlineReader(in *Input, ins *dockerfile.Instruction, dir string) bool {
	s := in.stageOf(ins)
	if s == nil {
		return false
	}
	for _, x := range in.lineageRuns(s) {
		if x != ins && !in.after(x, ins) {
			continue
		}
		for _, inst := range runInstalls(x) {
			if offlineDir(in, x, inst) == dir && pkgmgr.Offline(inst, x.State) {
				return true
			}
		}
	}
	return false
}

// fixStoreInMount drops the cache mounts over the package stores that
// must stay in the layers: from this RUN and, as one rewrite, from every
// other RUN of the lineage that mounts the same store (fixing one alone
// would leave a build reading an empty store where a mount filled it).
func fixStoreInMount(in *Input, f Finding) (*Fix, string) {
	s, _, ins := in.instructionAt(f.Range.Start.Line)
	if ins == nil || ins.Run == nil {
		return nil, "instruction not found"
	}
	stores := mountedStores(in, ins)
	if len(stores) == 0 {
		return nil, "no cache mount over a package store"
	}
	if v := in.volatileBefore(ins); v != nil && slices.ContainsFunc(stores, func(sm storeMounted) bool { return firstUser(in, ins, sm.dir) }) {
		return nil, fmt.Sprintf("%s (line %d) re-runs the step on every build, so the mount is what keeps the packages: move it below the expensive steps first", short(v.Original), v.Range.Start.Line)
	}
	if in.CIWorkflow == "" || in.CIUncached {
		offline := false
		for _, sm := range stores {
			offline = offline || offlineReader(in, ins, sm.dir)
		}
		if !offline {
			// no builder here brings the layers without the mounts: the
			// mount is what keeps the packages on every builder there is,
			// and dropping it makes each lockfile change fetch them all
			// (review 29: openreplay's Go services, built by a script
			// with no cache import)
			return nil, "no CI here imports a layer cache, so for now the mount keeps the packages on every builder there is: drop it when a CI imports one (the finding says why)"
		}
	}
	for _, sm := range stores {
		if a, _ := chainedPair(in, ins, sm.dir); a != nil {
			// dropping the mount would make every lockfile change fetch
			// every package where the mount kept most (review 21)
			return nil, fmt.Sprintf("the two steps over %s run together: keep them as they are, or merge them into one RUN if the second changes", sm.dir)
		}
	}
	var reps []Replacement
	var dropped []string
	for _, x := range in.lineageRuns(s) {
		var flags []string
		for _, sm := range stores {
			// any other RUN whose cache mount covers the store would hide
			// the layer's packages, whatever it runs (semaphore's `task
			// deps && task build` under a mount over /go/pkg, review 27)
			if x != ins && !mountCovers(x, sm.dir) {
				continue
			}
			for _, fl := range mountFlagsOver(x, sm.dir) {
				if !slices.Contains(flags, fl) {
					flags = append(flags, fl)
				}
			}
		}
		if len(flags) == 0 {
			continue
		}
		if x != ins && silenced(x, f.RuleID) {
			return nil, fmt.Sprintf("the RUN on line %d mounts the same store and its %s is silenced: drop the mount on both, or on neither", x.Range.Start.Line, f.RuleID)
		}
		e := newRunEdit(in.File, x)
		for _, fl := range flags {
			if !e.removeFlag(fl) {
				return nil, fmt.Sprintf("the mount %s of the RUN on line %d is not written plainly on its first line", fl, x.Range.Start.Line)
			}
		}
		lines, err := e.result()
		if err != nil {
			return nil, err.Error()
		}
		reps = append(reps, Replacement{StartLine: x.Range.Start.Line, EndLine: x.Range.End.Line, Text: joinLines(lines), Kinds: []string{"RUN"}})
		dropped = append(dropped, flags...)
	}
	if len(reps) == 0 {
		return nil, "the mount over the package store is not one flag layerwise can remove"
	}
	return &Fix{Description: "keep the package store in the layer: drop " + strings.Join(dropped, " "), File: in.Dockerfile, Replacements: reps}, ""
}

// mountFlagsOver are the RUN's --mount flags, as written, of cache mounts
// that cover dir.
func mountFlagsOver(ins *dockerfile.Instruction, dir string) []string {
	var out []string
	for _, fl := range ins.Flags {
		if !strings.HasPrefix(fl, "--mount=") || !strings.Contains(fl, "type=cache") {
			continue
		}
		for _, m := range ins.Run.Mounts {
			if m.Type == "cache" && flagTarget(fl) == m.Target {
				one := &dockerfile.Instruction{State: ins.State, Run: &dockerfile.Run{Mounts: []dockerfile.Mount{m}}}
				if mountCovers(one, dir) {
					out = append(out, fl)
					break
				}
			}
		}
	}
	return out
}

// flagTarget is the target a --mount flag names, as written.
func flagTarget(fl string) string {
	for _, kv := range strings.Split(strings.TrimPrefix(fl, "--mount="), ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "target", "dst", "destination":
			return v
		}
	}
	return ""
}
