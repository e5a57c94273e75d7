package verify

import (
	"fmt"
	"github.com/layerwise/layerwise/rules"
	"path"
	"reflect"
	"sort"
	"strings"
)

// Intent is what the fix set out to change, and so which differences
// between the original and the fixed image are intended: each is
// attributed to the rule whose rewrite causes it.
type Intent struct {
	// CacheDirs are the directories the fix turned into cache mounts
	// (LW102): their content now lives in BuildKit's cache, not in the
	// image; an empty mount point may be left behind.
	CacheDirs []string
	// Stored are the directories the fix took out of cache mounts
	// (LW117): a package store a later step reads now stays in the layer
	// the install makes, so the image holds its content.
	Stored []string
	// Prefetched are the package stores of the dependency steps the fix
	// added (Go's module cache under `go mod download`, ~/.m2/repository
	// under `dependency:go-offline`)
	Prefetched []string
	// Mounts are the targets of every cache mount of either Dockerfile:
	// BuildKit creates the directories above a mount's target for the
	// mount point, so their existence, mode and owner are the mount's.
	Mounts []string
	// AptKeep: the fix switched apt to keep its downloads for the mount
	// (the docker-clean hook removed, keep-cache added).
	AptKeep bool
	// Recommends: the fix added --no-install-recommends (LW105): packages
	// that were only recommended are no longer installed.
	Recommends bool
	// Excluded are context paths the new .dockerignore stops sending
	// (LW120-LW124): what a COPY of the whole context put in the image
	// from them is gone.
	Excluded []string
	// Runtime, when the fix split a compile into a build stage and a
	// runtime stage (LW112): only these paths are the application's; the
	// rest of the filesystem is the runtime base's.
	Runtime []string
	// Pruned, when the fix pruned the development dependencies in a build
	// stage (LW111), are the application directories the runtime stage on
	// the same base copies from it: packages missing from their
	// node_modules are the pruned ones, and what the build wrote outside
	// them (the package manager's cache and logs under HOME, /tmp) stayed
	// in the build stage.
	Pruned []string
	// DevPackages, when the context has a package-lock.json, are its
	// packages by path ("node_modules/eslint") and whether only
	// development dependencies need them: then only those may be missing.
	DevPackages map[string]bool
	// Lockfiles: the dependency step runs before the sources now (LW101),
	// whose COPY brings the repository's lockfiles back over what the
	// install rewrote, and husky writes no git hooks before them.
	Lockfiles bool
	// OwnLabels and OwnEnv are the label keys a LABEL and the variables an
	// ENV of the original Dockerfile sets; with a runtime stage (LW112),
	// any other label or variable that differs is the toolchain image's
	// staying in the build stage (GOPATH, DOTNET_SDK_VERSION, JAVA_HOME…)
	// and the runtime base's coming with it — whatever the language.
	OwnLabels, OwnEnv map[string]bool
	// Rewritten are the files the fix itself rewrote (the Dockerfile, the
	// .dockerignore), context-relative, with the rules: a COPY of the
	// whole context puts their new text in the image.
	Rewritten map[string]string
	// ConfigFields are the image config fields ("Cmd") an applied rule's
	// fix changes on purpose, with the rule (rules.Rule.ImageConfig).
	ConfigFields map[string]string
}

// Difference is one path (or config field) that differs.
type Difference struct {
	Path   string `json:"path"`
	Change string `json:"change"` // missing, added, changed
	What   string `json:"what,omitempty"`
	// Rule the difference is attributed to, with its reason; empty for a
	// failure.
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Group counts the intended (or noise) differences of one cause.
type Group struct {
	Rule     string   `json:"rule,omitempty"`
	Reason   string   `json:"reason"`
	Count    int      `json:"count"`
	Examples []string `json:"examples"`
}

// Comparison is the verdict on two images.
type Comparison struct {
	// Same is true when nothing but intended differences and build noise
	// separate them.
	Same     bool         `json:"same"`
	Intended []Group      `json:"intended,omitempty"`
	Noise    []Group      `json:"noise,omitempty"`
	Failures []Difference `json:"failures,omitempty"`
	// Paths counts the paths of each image.
	OriginalPaths int `json:"originalPaths"`
	FixedPaths    int `json:"fixedPaths"`
}

// noisePrefixes change on every build of the same Dockerfile (logs,
// caches of the dynamic linker and of debconf, Python bytecode, temp
// files; fontconfig's and man-db's caches, which record times; the
// machine ID dbus's or systemd's install generates at random): listed,
// never failures.
var noisePrefixes = []string{"/var/log/", "/var/cache/ldconfig/", "/etc/ld.so.cache", "/var/cache/debconf/", "/tmp/", "/var/tmp/",
	"/var/cache/fontconfig/", "/var/cache/man/", "/var/lib/dbus/machine-id", "/etc/machine-id",
	"/root/.npm/_logs/", "/root/.npm/_update-notifier-last-checked", "/var/lib/dpkg/status-old", "/var/lib/dpkg/diversions-old",
	"/var/lib/dpkg/statoverride-old", "/var/lib/dpkg/triggers/", "/var/cache/apt/pkgcache.bin", "/var/cache/apt/srcpkgcache.bin"}

func isNoise(p string) bool {
	for _, n := range noisePrefixes {
		if p == strings.TrimSuffix(n, "/") || strings.HasPrefix(p, n) {
			return true
		}
	}
	return strings.Contains(p, "/__pycache__/") || strings.HasSuffix(p, ".pyc") || isTelemetry(p)
}

// goTelemetry is where the Go toolchain (Go 1.23 and later) keeps its
// telemetry counters, below the user's config directory ($HOME/.config,
// /root/.config as root): every go command run by a build writes them,
// named by date and counting invocations.
const goTelemetry = "/.config/go/telemetry"

func isTelemetry(p string) bool {
	i := strings.Index(p, goTelemetry)
	return i >= 0 && (len(p) == i+len(goTelemetry) || p[i+len(goTelemetry)] == '/')
}

// Reasons of the noise groups.
const (
	noiseBuild = "changes on every build (logs, linker, debconf and font caches, machine IDs, bytecode, temp files, the Go toolchain's telemetry counters)"
	noiseMount = "a cache mount's target or a directory above it: BuildKit creates them for the mount point"
	noiseHolds = "a directory that holds nothing but what changes on every build (the Go toolchain's telemetry counters)"
)

// holdsOnlyNoise: every path below the directory p, in either image, is a
// directory or build noise, and there is some noise below it (the user's
// .config/go, created only for the toolchain's telemetry).
func holdsOnlyNoise(p string, snaps ...*Snapshot) bool {
	some := false
	for _, s := range snaps {
		for q, e := range s.Files {
			if !strings.HasPrefix(q, p+"/") {
				continue
			}
			switch {
			case isNoise(q):
				some = true
			case e.Type != "dir":
				return false
			}
		}
	}
	return some
}

// Compare compares the original image with the fixed one.
func Compare(orig, fixed *Snapshot, in Intent) *Comparison {
	c := &Comparison{OriginalPaths: len(orig.Files), FixedPaths: len(fixed.Files)}
	intended := map[[2]string]*Group{}
	noise := map[string]*Group{}
	var noiseOrder []string
	var order [][2]string
	attribute := func(d Difference) {
		switch {
		case d.Rule != "":
			k := [2]string{d.Rule, d.Reason}
			g := intended[k]
			if g == nil {
				g = &Group{Rule: d.Rule, Reason: d.Reason}
				intended[k] = g
				order = append(order, k)
			}
			g.Count++
			if len(g.Examples) < 5 {
				g.Examples = append(g.Examples, d.Path)
			}
		case d.Reason == noiseBuild || d.Reason == noiseMount || d.Reason == noiseHolds:
			g := noise[d.Reason]
			if g == nil {
				g = &Group{Reason: d.Reason}
				noise[d.Reason] = g
				noiseOrder = append(noiseOrder, d.Reason)
			}
			g.Count++
			if len(g.Examples) < 5 {
				g.Examples = append(g.Examples, d.Path)
			}
		default:
			c.Failures = append(c.Failures, d)
		}
	}
	dropped := droppedPackages(orig, fixed)
	droppedFiles := filesOf(orig, dropped)
	// dir: the path is a directory in both images (changed) or in the one
	// that has it (missing, added)
	why := func(p string, change string, dir bool) (string, string) {
		if len(in.Runtime) > 0 {
			app := false
			for _, r := range in.Runtime {
				app = app || under(p, r)
			}
			if !app {
				return effectRule(rules.EffectRuntimeStage), "the runtime stage starts from a slim base: the toolchain image's files stay in the build stage"
			}
		}
		outside := false
		if len(in.Pruned) > 0 {
			app := false
			for _, r := range in.Pruned {
				if under(p, r) {
					app = true
					if rest := strings.TrimPrefix(p, r); strings.Contains(rest+"/", "/node_modules/") && (change == "missing" || strings.HasSuffix(p, "/node_modules/.package-lock.json") || dir) && in.devPath(strings.TrimPrefix(rest, "/")) {
						return effectRule(rules.EffectDevDependenciesPruned), "a development dependency pruned from node_modules"
					}
				}
			}
			// npm's cache and logs, and the build's temporary files; a
			// browser a package downloaded into ~/.cache is no such thing
			if !app && change == "missing" && (under(p, "/tmp") || (under(p, "/root") || under(p, "/home")) && strings.Contains(p+"/", "/.npm/")) {
				outside = true
			}
		}
		for _, d := range in.CacheDirs {
			if under(p, d) {
				return effectRule(rules.EffectCacheMounts), "the cache " + d + " is a cache mount now: its content stays out of the image"
			}
		}
		if outside {
			return effectRule(rules.EffectDevDependenciesPruned), "written by the build outside the application directory (the package manager's cache and logs): it stays in the build stage"
		}
		for _, d := range in.Stored {
			if under(p, d) {
				return effectRule(rules.EffectStoresInLayers), "the package store " + d + " is no cache mount any more: it stays in the layer, where a fresh builder finds it"
			}
		}
		if change != "missing" {
			for _, d := range in.Prefetched {
				if under(p, d) {
					return effectRule(rules.EffectDependenciesPrefetched), "fetched by the dependency step the fix added into " + d + ": the whole dependency set the manifests declare, where the compile alone fetched only what it built"
				}
			}
		}
		if dir {
			for _, t := range in.Mounts {
				if p != t && !strings.HasPrefix(t, p+"/") {
					continue
				}
				for _, d := range in.CacheDirs {
					if d == t {
						return effectRule(rules.EffectCacheMounts), "a directory above the new cache mount " + t + ": BuildKit creates it for the mount point"
					}
				}
				return "", noiseMount
			}
		}
		if in.AptKeep && (p == "/etc/apt/apt.conf.d/docker-clean" || p == "/etc/apt/apt.conf.d/keep-cache") {
			return effectRule(rules.EffectCacheMounts), "apt keeps its downloads for the cache mount (docker-clean hook removed)"
		}
		if in.Recommends && len(dropped) > 0 {
			if pkg, ok := droppedFiles[p]; ok {
				return effectRule(rules.EffectNoRecommends), "a package apt installed only as a recommendation (" + pkg + ")"
			}
			if strings.HasPrefix(p, "/var/lib/dpkg/") || strings.HasPrefix(p, "/var/lib/apt/extended_states") || strings.HasPrefix(p, "/usr/share/doc/") ||
				strings.HasPrefix(p, "/etc/alternatives/") || strings.HasPrefix(p, "/var/lib/dpkg/alternatives/") || strings.HasPrefix(p, "/usr/share/info/dir") {
				return effectRule(rules.EffectNoRecommends), "the package database without the recommended packages (" + strings.Join(firstN(sortedKeys(dropped), 3), ", ") + ")"
			}
		}
		for f, rule := range in.Rewritten {
			if strings.HasSuffix(p, "/"+f) {
				return rule, "the file the fix rewrote, copied in with the build context"
			}
		}
		if change == "missing" {
			for _, e := range in.Excluded {
				if strings.HasSuffix(p, "/"+e) || strings.Contains(p, "/"+e+"/") {
					return ignoreRule(), "no longer sent in the build context: " + e
				}
			}
		}
		if in.Lockfiles && ((change == "missing" && (strings.HasSuffix(p, "/.husky/_") || strings.Contains(p, "/.husky/_/"))) || (change == "changed" && !dir && strings.HasSuffix(p, "/.git/config"))) {
			return effectRule(rules.EffectLockfileRecopied), "husky's git hooks: its lifecycle script now runs before the sources, finds no .git and sets up none (no container runs git hooks)"
		}
		if in.Lockfiles && change == "changed" && !dir {
			switch path.Base(p) {
			case "package-lock.json", "npm-shrinkwrap.json", "yarn.lock":
				return effectRule(rules.EffectLockfileRecopied), "a lockfile the install rewrote: the sources' COPY, now after the install, brings the repository's version back"
			}
		}
		if isNoise(p) {
			return "", noiseBuild
		}
		if dir && holdsOnlyNoise(p, orig, fixed) {
			return "", noiseHolds
		}
		return "", ""
	}
	for p, o := range orig.Files {
		f, ok := fixed.Files[p]
		if !ok {
			rule, reason := why(p, "missing", o.Type == "dir")
			attribute(Difference{Path: p, Change: "missing", What: o.Type, Rule: rule, Reason: reason})
			continue
		}
		if what := entryDiff(o, f); what != "" {
			rule, reason := why(p, "changed", o.Type == "dir" && f.Type == "dir")
			attribute(Difference{Path: p, Change: "changed", What: what, Rule: rule, Reason: reason})
		}
	}
	for p, f := range fixed.Files {
		if _, ok := orig.Files[p]; ok {
			continue
		}
		rule, reason := why(p, "added", f.Type == "dir")
		// an empty directory where a cache is mounted is the mount point
		attribute(Difference{Path: p, Change: "added", What: f.Type, Rule: rule, Reason: reason})
	}
	for _, d := range configDiff(orig.Config, fixed.Config, in) {
		attribute(d)
	}
	for _, k := range order {
		c.Intended = append(c.Intended, *intended[k])
	}
	sort.SliceStable(c.Intended, func(i, j int) bool { return c.Intended[i].Count > c.Intended[j].Count })
	for _, r := range noiseOrder {
		c.Noise = append(c.Noise, *noise[r])
	}
	sort.Slice(c.Noise, func(i, j int) bool { return c.Noise[i].Reason < c.Noise[j].Reason })
	sort.Slice(c.Failures, func(i, j int) bool { return c.Failures[i].Path < c.Failures[j].Path })
	c.Same = len(c.Failures) == 0
	return c
}

func entryDiff(a, b Entry) string {
	var parts []string
	if a.Type != b.Type {
		return a.Type + " -> " + b.Type
	}
	if a.Digest != b.Digest {
		parts = append(parts, fmt.Sprintf("content (%d -> %d bytes)", a.Size, b.Size))
	}
	if a.Mode != b.Mode {
		parts = append(parts, fmt.Sprintf("mode %04o -> %04o", a.Mode, b.Mode))
	}
	if a.UID != b.UID || a.GID != b.GID {
		parts = append(parts, fmt.Sprintf("owner %d:%d -> %d:%d", a.UID, a.GID, b.UID, b.GID))
	}
	if a.Link != b.Link {
		parts = append(parts, fmt.Sprintf("link %s -> %s", a.Link, b.Link))
	}
	return strings.Join(parts, ", ")
}

// configDiff compares the fields that decide how the container runs.
func configDiff(a, b ImageConfig, in Intent) []Difference {
	var out []Difference
	field := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			d := Difference{Path: "config." + name, Change: "changed", What: fmt.Sprintf("%v -> %v", x, y)}
			if r := in.ConfigFields[name]; r != "" {
				d.Rule, d.Reason = r, "the fix rewrites the image's "+name+" on purpose"
			}
			out = append(out, d)
		}
	}
	field("Entrypoint", a.Entrypoint, b.Entrypoint)
	field("Cmd", a.Cmd, b.Cmd)
	field("User", a.User, b.User)
	field("WorkingDir", a.WorkingDir, b.WorkingDir)
	field("ExposedPorts", a.ExposedPorts, b.ExposedPorts)
	field("Volumes", a.Volumes, b.Volumes)
	if len(in.Runtime) == 0 {
		field("Labels", a.Labels, b.Labels)
	} else {
		// one label at a time: the base images' own ones are intended
		out = append(out, keyDiff("config.Labels.", a.Labels, b.Labels, func(k string) bool { return !in.OwnLabels[k] },
			"a base image's label: the runtime stage has the runtime base's labels, not the toolchain image's")...)
	}
	field("StopSignal", a.StopSignal, b.StopSignal)
	field("Healthcheck", a.Healthcheck, b.Healthcheck)
	field("OnBuild", a.OnBuild, b.OnBuild)
	field("Shell", a.Shell, b.Shell)
	// Env, one variable at a time
	ea, eb := envMap(a.Env), envMap(b.Env)
	out = append(out, keyDiff("config.Env.", ea, eb, func(k string) bool { return len(in.Runtime) > 0 && (!in.OwnEnv[k] || k == "PATH") },
		"the toolchain image's own environment stays in the build stage")...)
	return out
}

// keyDiff compares two maps key by key (missing, added, changed), in key
// order; the differences of the keys intended says are LW112's, for reason.
func keyDiff(prefix string, a, b map[string]string, intended func(k string) bool, reason string) []Difference {
	var out []Difference
	for _, k := range sortedKeys2(a, b) {
		va, oka := a[k]
		vb, okb := b[k]
		if oka == okb && va == vb {
			continue
		}
		d := Difference{Path: prefix + k, Change: "changed", What: fmt.Sprintf("%q -> %q", va, vb)}
		switch {
		case !okb:
			d.Change, d.What = "missing", va
		case !oka:
			d.Change, d.What = "added", vb
		}
		if intended(k) {
			d.Rule, d.Reason = effectRule(rules.EffectRuntimeStage), reason
		}
		out = append(out, d)
	}
	return out
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func sortedKeys2(a, b map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// droppedPackages are the dpkg packages installed in the original image
// and not in the fixed one.
func droppedPackages(orig, fixed *Snapshot) map[string]bool {
	a, b := dpkgInstalled(orig), dpkgInstalled(fixed)
	out := map[string]bool{}
	for p := range a {
		if !b[p] {
			out[p] = true
		}
	}
	return out
}

func dpkgInstalled(s *Snapshot) map[string]bool {
	out := map[string]bool{}
	status := string(s.Texts["/var/lib/dpkg/status"])
	for _, para := range strings.Split(status, "\n\n") {
		var name string
		installed := false
		for _, l := range strings.Split(para, "\n") {
			if v, ok := strings.CutPrefix(l, "Package: "); ok {
				name = v
			}
			if strings.HasPrefix(l, "Status: ") && strings.HasSuffix(l, " installed") {
				installed = true
			}
		}
		if name != "" && installed {
			out[name] = true
		}
	}
	return out
}

// filesOf maps each file of the packages to its package, from their dpkg
// file lists in the image.
func filesOf(s *Snapshot, pkgs map[string]bool) map[string]string {
	out := map[string]string{}
	for p, text := range s.Texts {
		if !strings.HasPrefix(p, "/var/lib/dpkg/info/") {
			continue
		}
		name := strings.TrimSuffix(path.Base(p), ".list")
		name, _, _ = strings.Cut(name, ":") // pkg:arch.list
		if !pkgs[name] {
			continue
		}
		for _, f := range strings.Split(string(text), "\n") {
			if f != "" && f != "/." {
				out[f] = name
			}
		}
		for _, suffix := range []string{".list", ".md5sums", ".conffiles", ".postinst", ".prerm", ".postrm", ".preinst", ".triggers", ".shlibs", ".symbols", ".templates", ".config", ".triggers"} {
			out[strings.TrimSuffix(p, ".list")+suffix] = name
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// devPath: a path under node_modules that pruning the development
// dependencies may remove or change: npm's own bookkeeping (.bin,
// .package-lock.json, a scope's directory) or, with a lockfile, a package
// it marks dev; without one, any.
func (in Intent) devPath(rel string) bool {
	if in.DevPackages == nil {
		return true
	}
	segs := strings.Split(rel, "/")
	key := ""
	for i := 0; i < len(segs); i++ {
		if segs[i] != "node_modules" || i+1 >= len(segs) {
			continue
		}
		next := segs[i+1]
		if strings.HasPrefix(next, ".") {
			return true // .bin, .package-lock.json, .cache
		}
		end := i + 2
		if strings.HasPrefix(next, "@") {
			if i+2 >= len(segs) {
				return true // the scope's own directory
			}
			end = i + 3
		}
		key = strings.Join(segs[:end], "/")
		i = end - 1
	}
	if key == "" {
		return true // node_modules itself
	}
	return in.DevPackages[key]
}
