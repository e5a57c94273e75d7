package cachemount

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func parse(t *testing.T, src string) *dockerfile.File {
	t.Helper()
	f, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Mounts are deduplicated by the identity BuildKit keys them by: the ID
// (id= or the cleaned target), the namespace, and uid/gid/mode.
func TestMountsIdentity(t *testing.T) {
	f := parse(t, `FROM busybox AS deps
RUN --mount=type=cache,target=/root/.cache/go-build/ true
RUN --mount=type=cache,target=/root/.cache/go-build,sharing=locked true
RUN --mount=type=cache,id=gomod,target=/go/pkg/mod true
RUN --mount=type=cache,id=gomod,target=/other true
RUN --mount=type=cache,target=/home/app/.npm,uid=1000,gid=1000 true
RUN --mount=type=cache,target=/home/app/.npm true
RUN --mount=type=cache,target=/x,from=deps,source=/y true
RUN --mount=type=bind,target=/src true

FROM busybox AS unused
RUN --mount=type=cache,target=/never true

FROM deps
RUN --mount=type=cache,target=/var/cache/apt,mode=0700 true
`)
	ms, skipped := Mounts(f, "", map[string]string{NamespaceArg: "ns1"})
	var got []string
	for _, m := range ms {
		got = append(got, m.Identity()+" "+m.Sharing)
	}
	want := []string{
		"ns1//root/.cache/go-build shared",
		"ns1/gomod shared",
		"ns1//home/app/.npm,uid=1000,gid=1000 shared",
		"ns1//home/app/.npm shared",
		"ns1//var/cache/apt,mode=700 shared",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ms) > 0 && (len(ms[0].Lines) != 2 || ms[0].Lines[0] != 2 || ms[0].Lines[1] != 3) {
		t.Errorf("lines of the first mount: %v", ms[0].Lines)
	}
	if len(skipped) != 1 || skipped[0].Target != "/x" {
		t.Errorf("not persisted: %+v", skipped)
	}
	// the flag written back is the same mount, at another target
	if f := ms[2].flag("/lw-cache"); f != "--mount=type=cache,id=/home/app/.npm,target=/lw-cache,sharing=shared,uid=1000,gid=1000" {
		t.Errorf("flag %s", f)
	}
	if ms[0].Hash() == ms[3].Hash() || ms[2].Hash() == ms[3].Hash() {
		t.Error("distinct identities share a hash")
	}
	if f := ms[4].flag("/c"); !strings.HasSuffix(f, ",mode=700") {
		t.Errorf("mode flag %s", f)
	}
}

// A relative target is the ID as written (BuildKit cleans it; the WORKDIR
// only places the mount).
func TestMountsRelativeTarget(t *testing.T) {
	f := parse(t, "FROM busybox\nWORKDIR /app\nRUN --mount=type=cache,target=./.cache/ true\n")
	ms, _ := Mounts(f, "", nil)
	if len(ms) != 1 || ms[0].ID != ".cache" || ms[0].Identity() != "/.cache" {
		t.Fatalf("%+v", ms)
	}
}

// Keys: a save writes only the current branch's; a restore reads the
// branch's and then the default branch's, the lock key first in each.
func TestKeys(t *testing.T) {
	m := Mount{ID: "/root/.cache/go-build", Target: "/root/.cache/go-build", Sharing: "shared"}
	lock := strings.Repeat("ab", 32)
	save := SaveKeys("orders", m, "feature/x", lock)
	if len(save) != 2 || save[0].Tier != TierLock || save[1].Tier != TierBranch {
		t.Fatalf("save keys %+v", save)
	}
	restore := RestoreKeys("orders", m, "feature/x", "main", lock)
	var tiers []string
	for _, k := range restore {
		tiers = append(tiers, k.Tier)
	}
	if strings.Join(tiers, ",") != "lock,branch,default-branch-lock,default-branch" {
		t.Errorf("restore tiers %v", tiers)
	}
	for _, k := range restore[2:] {
		for _, s := range save {
			if k.Name == s.Name {
				t.Errorf("a branch's save writes the default branch's key %s", k.Name)
			}
		}
	}
	if restore[0].Name != save[0].Name {
		t.Errorf("the closest restore key is not the save's: %s vs %s", restore[0].Name, save[0].Name)
	}
	// the default branch itself: two keys, no duplicates
	if k := RestoreKeys("orders", m, "main", "main", lock); len(k) != 2 {
		t.Errorf("on the default branch: %+v", k)
	}
	// no lock files: no lock key
	if k := RestoreKeys("orders", m, "b", "main", ""); len(k) != 2 || k[0].Tier != TierBranch {
		t.Errorf("without lock files: %+v", k)
	}
	// branches whose safe names collide stay apart
	if branchNS("feature/x") == branchNS("feature-x") {
		t.Error("feature/x and feature-x share a namespace")
	}
	for _, k := range RestoreKeys(strings.Repeat("very-long-image-name", 10), m, strings.Repeat("branch/", 30), "main", lock) {
		tag := Tag(k.Name)
		if len(tag) > 128 || strings.ContainsAny(tag, "/:") {
			t.Errorf("tag %q", tag)
		}
	}
}

func TestLockDigest(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module x\n", "go.sum": "a h1:x\n", "web/package-lock.json": "{}", "web/node_modules/x/package-lock.json": "{}", "main.go": "package main\n", ".dockerignore": "web/node_modules\n"}
	for p, c := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
	}
	d1, got, err := LockDigest(t.Context(), dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "go.sum,web/package-lock.json" {
		t.Errorf("lock files %v", got)
	}
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main // changed\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "web/node_modules/x/package-lock.json"), []byte("{1}"), 0o644)
	d2, _, _ := LockDigest(t.Context(), dir, "")
	if d1 != d2 {
		t.Error("a source change or an ignored file changed the lock digest")
	}
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte("a h1:y\n"), 0o644)
	if d3, _, _ := LockDigest(t.Context(), dir, ""); d3 == d1 {
		t.Error("a go.sum change kept the lock digest")
	}
}

// The helper must be a static Linux executable of the builder's machine.
func TestCheckHelper(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux only")
	}
	if err := CheckHelper("/bin/sh", runtime.GOARCH); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("/bin/sh (dynamic): %v", err)
	}
	notELF := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755)
	if err := CheckHelper(notELF, runtime.GOARCH); err == nil {
		t.Error("a script passed")
	}
	static := buildStatic(t)
	if err := CheckHelper(static, runtime.GOARCH); err != nil {
		t.Errorf("static: %v", err)
	}
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	if err := CheckHelper(static, other); err == nil {
		t.Error("a binary of another machine passed")
	}
}

// buildStatic builds a tiny static program (the ELF checks need one that
// is quick to build).
func buildStatic(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	out := filepath.Join(dir, "x")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}
