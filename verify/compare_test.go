package verify

import (
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

// With a runtime stage on another base (LW112), a label the Dockerfile
// does not set is the base images' (intended); one it sets is the
// service's own and must not change. Without a split every label counts.
func TestConfigDiffLabels(t *testing.T) {
	a := ImageConfig{Labels: map[string]string{"vendor": "toolchain", "team": "shop"}}
	b := ImageConfig{Labels: map[string]string{"vendor": "debian", "team": "payments"}}
	split := Intent{Runtime: []string{"/usr/local/bin/app"}, OwnLabels: map[string]bool{"team": true}}
	got := map[string]string{}
	for _, d := range configDiff(a, b, split) {
		got[d.Path] = d.Rule
	}
	if r, ok := got["config.Labels.vendor"]; !ok || r != "LW112" {
		t.Errorf("base label: %q (present %v), want LW112", r, ok)
	}
	if r, ok := got["config.Labels.team"]; !ok || r != "" {
		t.Errorf("the Dockerfile's own label: %q (present %v), want a failure", r, ok)
	}
	plain := configDiff(a, b, Intent{})
	if len(plain) != 1 || plain[0].Path != "config.Labels" || plain[0].Rule != "" {
		t.Errorf("without a split: %+v", plain)
	}
	if d := configDiff(a, a, split); len(d) != 0 {
		t.Errorf("same labels: %+v", d)
	}
}

// Files every build of the same Dockerfile writes anew (found on the
// corpus: an apt install of imagemagick rebuilds fontconfig's caches and
// dbus's machine ID) are noise; a changed application file stays a
// failure.
func TestNoiseOfPackageInstalls(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 120, Digest: digest} }
	orig := &Snapshot{Files: map[string]Entry{
		"/var/cache/fontconfig/0bd3-le64.cache-8": file("a"), "/var/lib/dbus/machine-id": file("a"),
		"/etc/machine-id": file("a"), "/usr/src/app/index.js": file("a"),
	}}
	fixed := &Snapshot{Files: map[string]Entry{
		"/var/cache/fontconfig/0bd3-le64.cache-8": file("b"), "/var/lib/dbus/machine-id": file("b"),
		"/etc/machine-id": file("b"), "/usr/src/app/index.js": file("b"),
	}}
	c := Compare(orig, fixed, Intent{})
	if len(c.Noise) != 1 || c.Noise[0].Count != 3 {
		t.Errorf("noise: %+v", c.Noise)
	}
	if len(c.Failures) != 1 || c.Failures[0].Path != "/usr/src/app/index.js" || c.Same {
		t.Errorf("failures: %+v (same %v)", c.Failures, c.Same)
	}
}

// A small Go service verified (found on one, issue 22): the go commands of
// both builds write the toolchain's telemetry counters, and the cache
// mount the fix adds for the build cache leaves /root/.cache behind,
// created by BuildKit for the mount point with its own mode. The counters
// are build noise, the directories above them too; the mount point's
// parent is the mount's (LW102 when the fix added it, noise when the
// original had it). A changed binary stays a failure.
func TestTelemetryAndMountParents(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 8, Digest: digest} }
	dir := func(mode uint32) Entry { return Entry{Type: "dir", Mode: mode} }
	orig := &Snapshot{Files: map[string]Entry{
		"/root": dir(0o700), "/root/.config": dir(0o755), "/root/.config/go": dir(0o755), "/root/.config/go/telemetry": dir(0o755),
		"/root/.config/go/telemetry/local": dir(0o755),
		"/root/.config/go/telemetry/local/go@go1.24.0-go1.24.0-linux-amd64-2026-11-30.v1.count": file("a"),
		"/root/.config/go/telemetry/mode":                   file("a"),
		"/home/app/.config/go/telemetry/local/upload.token": file("a"),
		"/src": dir(0o755), "/src/.cache": dir(0o700), "/src/.cache/lint": dir(0o755),
		"/usr/local/bin/api": file("a"),
	}}
	fixed := &Snapshot{Files: map[string]Entry{
		"/root": dir(0o700), "/root/.cache": dir(0o755),
		"/root/.config/go/telemetry/local/go@go1.24.0-go1.24.0-linux-amd64-2026-12-01.v1.count": file("b"),
		"/root/.config/go/telemetry/mode":                   file("b"),
		"/home/app/.config/go/telemetry/local/upload.token": file("b"),
		"/src": dir(0o755), "/src/.cache": dir(0o755),
		"/usr/local/bin/api": file("b"),
	}}
	// the fixed image lacks /root/.config, /root/.config/go, …/telemetry and
	// …/local as directories: only the counters' holders
	in := Intent{CacheDirs: []string{"/root/.cache/go-build"}, Mounts: []string{"/root/.cache/go-build", "/src/.cache/lint"}}
	c := Compare(orig, fixed, in)
	if len(c.Failures) != 1 || c.Failures[0].Path != "/usr/local/bin/api" {
		t.Fatalf("failures: %+v", c.Failures)
	}
	got := map[string]int{}
	for _, g := range c.Noise {
		got[g.Reason] = g.Count
	}
	// 2 counters and the mode file moved, upload.token changed; the
	// telemetry directories themselves; /src/.cache/lint (the original's
	// own mount) and the mode of /src/.cache above it
	if got[noiseBuild] != 6 || got[noiseHolds] != 2 || got[noiseMount] != 2 {
		t.Errorf("noise: %+v", c.Noise)
	}
	if len(c.Intended) != 1 || c.Intended[0].Rule != "LW102" || c.Intended[0].Examples[0] != "/root/.cache" || !strings.Contains(c.Intended[0].Reason, "above the new cache mount /root/.cache/go-build") {
		t.Errorf("intended: %+v", c.Intended)
	}
	// without the mounts, the mount points' parents are failures
	c = Compare(orig, fixed, Intent{})
	fails := map[string]bool{}
	for _, f := range c.Failures {
		fails[f.Path] = true
	}
	if !fails["/root/.cache"] || !fails["/src/.cache"] || fails["/root/.config/go"] {
		t.Errorf("without mounts: %+v", c.Failures)
	}
}

// A package store the fix took out of a cache mount (LW117) is in the
// fixed image now: its files are the rule's, and nothing else is.
func TestStoreOutOfItsMount(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 10, Digest: digest} }
	orig := &Snapshot{Files: map[string]Entry{"/app": file("a")}}
	fixed := &Snapshot{Files: map[string]Entry{"/app": file("a"), "/go/pkg/mod/github.com/x/y@v1/y.go": file("c"), "/srv/other": file("d")}}
	c := Compare(orig, fixed, Intent{Stored: []string{"/go/pkg/mod"}})
	if len(c.Intended) == 0 || c.Intended[0].Rule != "LW117" || !strings.Contains(strings.Join(c.Intended[0].Examples, " "), "/go/pkg/mod/github.com/x/y@v1/y.go") {
		t.Errorf("the store's files should be LW117's: %+v", c.Intended)
	}
	if len(c.Failures) != 1 || c.Failures[0].Path != "/srv/other" {
		t.Errorf("failures: %+v", c.Failures)
	}
}

// A dependency step the fix added fetches more into the package store
// than the compile did (go-offline's plugins): added and changed files
// under the store are LW101's; the same files elsewhere, and files the
// store lost, are not.
func TestPrefetchedStore(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 10, Digest: digest} }
	orig := &Snapshot{Files: map[string]Entry{"/app": file("a"), "/root/.m2/repository/a/_remote.repositories": file("r1"), "/root/.m2/repository/b/b.jar": file("b")}}
	fixed := &Snapshot{Files: map[string]Entry{"/app": file("a"), "/root/.m2/repository/a/_remote.repositories": file("r2"),
		"/root/.m2/repository/p/plugin.jar": file("p"), "/srv/other": file("d")}}
	c := Compare(orig, fixed, Intent{Prefetched: []string{"/root/.m2/repository"}})
	got := map[string]string{}
	for _, g := range c.Intended {
		for _, e := range g.Examples {
			got[e] = g.Rule
		}
	}
	if got["/root/.m2/repository/p/plugin.jar"] != "LW101" || got["/root/.m2/repository/a/_remote.repositories"] != "LW101" {
		t.Errorf("the prefetched store's files should be LW101's: %+v", c.Intended)
	}
	fails := map[string]bool{}
	for _, d := range c.Failures {
		fails[d.Path] = true
	}
	if !fails["/srv/other"] || !fails["/root/.m2/repository/b/b.jar"] || len(fails) != 2 {
		t.Errorf("failures: %+v", c.Failures)
	}
}

// A rule that declares an image config field its fix changes
// (rules.Rule.ImageConfig) has that field's difference attributed to it;
// any other config difference stays a failure.
func TestConfigFieldsDeclaredByRules(t *testing.T) {
	orig := &Snapshot{Files: map[string]Entry{}, Config: ImageConfig{Cmd: []string{"/bin/sh", "-c", "node server.js"}, User: "root"}}
	fixed := &Snapshot{Files: map[string]Entry{}, Config: ImageConfig{Cmd: []string{"node", "server.js"}, User: "node"}}
	c := Compare(orig, fixed, Intent{ConfigFields: map[string]string{"Cmd": "LW150"}})
	if len(c.Intended) != 1 || c.Intended[0].Rule != "LW150" {
		t.Errorf("intended: %+v", c.Intended)
	}
	if len(c.Failures) != 1 || c.Failures[0].Path != "config.User" {
		t.Errorf("failures: %+v", c.Failures)
	}
}

// With a lockfile, only what it marks dev may be missing from node_modules
// after the prune; npm's bookkeeping may change either way.
func TestDevPathNeedsTheLockfile(t *testing.T) {
	in := Intent{DevPackages: map[string]bool{"node_modules/eslint": true, "node_modules/express": false, "node_modules/@types/node": true, "node_modules/a/node_modules/b": true}}
	for rel, want := range map[string]bool{
		"node_modules/eslint/lib/x.js":           true,
		"node_modules/express/index.js":          false,
		"node_modules/@types/node/fs.d.ts":       true,
		"node_modules/@types":                    true,
		"node_modules/a/node_modules/b/index.js": true,
		"node_modules/a/index.js":                false,
		"node_modules/.bin/eslint":               true,
		"node_modules/.package-lock.json":        true,
		"node_modules/unknown/x":                 false,
	} {
		if got := in.devPath(rel); got != want {
			t.Errorf("devPath(%q) = %v, want %v", rel, got, want)
		}
	}
	if !(Intent{}).devPath("node_modules/anything/x") {
		t.Error("without a lockfile any package may go")
	}
}

// LW101 moved an install whose postinstall runs husky before the sources:
// with .git sent, the original wrote the hooks (.husky/_, .git/config's
// hooksPath), the fixed image has none. Attributed to LW101 only when its
// fix was applied; any other file of the sources stays a failure.
func TestHuskyHooksAttributed(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 10, Digest: digest} }
	orig := &Snapshot{Files: map[string]Entry{
		"/app/.husky/_": {Type: "dir", Mode: 0o755}, "/app/.husky/_/pre-commit": file("h"), "/app/.git/config": file("a"), "/app/index.js": file("a"),
	}}
	fixed := &Snapshot{Files: map[string]Entry{"/app/.git/config": file("b"), "/app/index.js": file("a")}}
	c := Compare(orig, fixed, Intent{Lockfiles: true})
	if !c.Same || len(c.Failures) != 0 {
		t.Errorf("with LW101 applied: %+v", c.Failures)
	}
	if c := Compare(orig, fixed, Intent{}); c.Same || len(c.Failures) != 3 {
		t.Errorf("without: %+v", c.Failures)
	}
}

// The stores are those of the dependency steps the fix added, not of a
// step both Dockerfiles have.
func TestPrefetchedStores(t *testing.T) {
	parse := func(s string) *dockerfile.File {
		f, err := dockerfile.Parse("Dockerfile", []byte(s), dockerfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	o := parse("FROM maven:3 AS b\nWORKDIR /app\nRUN go mod download\nCOPY . .\nRUN mvn -B package\n")
	f := parse("FROM maven:3 AS b\nWORKDIR /app\nRUN go mod download\nCOPY pom.xml ./\nRUN mvn -B dependency:go-offline\nCOPY . .\nRUN mvn -B package\nFROM b\n")
	if got := prefetchedStores(o, f); !slices.Equal(got, []string{"/root/.m2/repository"}) {
		t.Errorf("got %q", got)
	}
	if got := prefetchedStores(f, f); len(got) != 0 {
		t.Errorf("nothing added, got %q", got)
	}
}

// With a runtime stage on another base, a variable the Dockerfile does
// not set is a base image's, whatever the language (the .NET SDK's, a
// JDK's, Go's): intended. One the Dockerfile sets must not change.
func TestConfigDiffEnv(t *testing.T) {
	a := ImageConfig{Env: []string{"PATH=/usr/local/go/bin:/usr/bin", "DOTNET_SDK_VERSION=8.0.404", "GOPATH=/go", "ASPNETCORE_URLS=http://+:80"}}
	b := ImageConfig{Env: []string{"PATH=/usr/bin", "ASPNET_VERSION=8.0.11", "ASPNETCORE_URLS=http://+:8080"}}
	split := Intent{Runtime: []string{"/app"}, OwnEnv: map[string]bool{"ASPNETCORE_URLS": true}}
	got := map[string]string{}
	for _, d := range configDiff(a, b, split) {
		got[d.Path] = d.Rule
	}
	for _, k := range []string{"PATH", "DOTNET_SDK_VERSION", "GOPATH", "ASPNET_VERSION"} {
		if r, ok := got["config.Env."+k]; !ok || r != "LW112" {
			t.Errorf("%s: %q (present %v), want LW112", k, r, ok)
		}
	}
	if r, ok := got["config.Env.ASPNETCORE_URLS"]; !ok || r != "" {
		t.Errorf("the Dockerfile's own variable: %q (present %v), want a failure", r, ok)
	}
	for _, d := range configDiff(a, b, Intent{}) {
		if d.Rule != "" {
			t.Errorf("without a split nothing is intended: %+v", d)
		}
	}
}
