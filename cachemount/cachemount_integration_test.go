package cachemount

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildkit"
	"github.com/layerwise/layerwise/engine/ephemeral"
	"github.com/layerwise/layerwise/internal/testengine"
)

var (
	helperOnce sync.Once
	helperBin  string
	helperErr  error
)

// helper builds layerwise statically once for the package's tests.
func helper(t *testing.T) string {
	t.Helper()
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "layerwise-helper-")
		if err != nil {
			helperErr = err
			return
		}
		helperBin = filepath.Join(dir, "layerwise")
		cmd := exec.Command("go", "build", "-o", helperBin, "github.com/layerwise/layerwise/cmd/layerwise")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			helperErr = &buildErr{err, string(out)}
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperBin
}

type buildErr struct {
	err error
	out string
}

func (e *buildErr) Error() string { return "building the helper: " + e.err.Error() + "\n" + e.out }

// freshBuilder starts a buildkitd of its own with an empty state directory
// (a CI job's fresh builder) that pulls from the loopback registry, and
// stops it when the test ends.
func freshBuilder(t *testing.T) *buildkit.Builder {
	t.Helper()
	d, err := ephemeral.Start(t.Context(), ephemeral.Options{Config: []byte("[registry.\"127.0.0.1:5000\"]\n  http = true\n")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return buildkit.New(d.Addr)
}

// project writes a Dockerfile (and files) into a new context and models it
// as discovery would.
func project(t *testing.T, name, df string, files map[string]string) *discover.Image {
	t.Helper()
	dir := t.TempDir()
	files["Dockerfile"] = df
	for p, c := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := dockerfile.ParseFile(filepath.Join(dir, "Dockerfile"), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &discover.Image{Name: name, Dockerfile: "Dockerfile", Context: ".", Root: dir, Model: f}
}

// buildImage builds the image with RUNID set (so that its RUN steps run)
// and returns the files of its final stage.
func buildImage(t *testing.T, b engine.Builder, im *discover.Image, runID string) map[string]string {
	t.Helper()
	out := t.TempDir()
	args := map[string]string{"RUNID": runID}
	for k, v := range im.Args {
		args[k] = v
	}
	res, err := b.Build(t.Context(), engine.Request{ContextDir: im.AbsContext(), Dockerfile: im.AbsDockerfile(), BuildArgs: args, OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() {
		t.Fatalf("build failed: %s\n%s", res.Err, strings.Join(res.LogTail, "\n"))
	}
	got := map[string]string{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(out, e.Name()))
		got[e.Name()] = strings.TrimSpace(string(data))
	}
	return got
}

// The service under test: a cache mount as root and one owned by uid
// 1000; each step says whether its mount held the file an earlier run
// left, and which run that was.
const twoMounts = `FROM 127.0.0.1:5000/busybox:1.36 AS build
ARG RUNID
RUN --mount=type=cache,target=/cache sh -c 'if test -f /cache/seen; then echo "hit $(cat /cache/seen)" > /result; else echo miss > /result; fi; echo "$RUNID" > /cache/seen; ln -sf seen /cache/link'
RUN --mount=type=cache,target=/home/app/.cache,uid=1000,gid=1000 sh -c 'f=/home/app/.cache/seen; if test -f $f; then echo "hit $(cat $f) $(stat -c %u:%g $f) $(stat -c %u:%g /home/app/.cache)" > /result2; else echo "miss $(stat -c %u:%g /home/app/.cache)" > /result2; fi; echo "$RUNID" > $f; chown 1000:1000 $f'
FROM scratch
COPY --from=build /result /result2 /
`

// On a fresh builder the mounts are empty; restored from what the
// previous builder saved, they hold its files (owners included); a pull
// request's save never changes what the default branch restores.
func TestRestoreOnFreshBuilder(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx := t.Context()
	bin := helper(t)
	im := project(t, "svc", twoMounts, map[string]string{"go.sum": "x h1:1\n"})
	store, err := OpenStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	main := Options{Helper: bin, Branch: "main", DefaultBranch: "main"}

	// job 1 on main: nothing to restore, then save
	b1 := freshBuilder(t)
	rep, err := Restore(ctx, b1, im, store, main)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Mounts) != 2 || rep.Mounts[0].Restore.Key != nil || rep.Mounts[0].Restore.Error != "" || len(rep.Mounts[0].Restore.Tried) != 2 {
		t.Fatalf("restore on an empty store: %+v", rep.Mounts[0].Restore)
	}
	got := buildImage(t, b1, im, "run1")
	if got["result"] != "miss" || got["result2"] != "miss 1000:1000" {
		t.Fatalf("first build: %v", got)
	}
	rep, err = Save(ctx, b1, im, store, main, rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, mr := range rep.Mounts {
		if s := mr.Save; s.Error != "" || len(s.Keys) != 2 || s.Files == 0 {
			t.Fatalf("save of %s: %+v", mr.Mount.Label(), s)
		}
	}
	if rep.Mounts[0].Save.Files != 2 { // seen and link
		t.Errorf("saved %d files of /cache, want 2", rep.Mounts[0].Save.Files)
	}

	// job 2 on main, a fresh builder: restored from the lock key
	b2 := freshBuilder(t)
	rep2, err := Restore(ctx, b2, im, store, main)
	if err != nil {
		t.Fatal(err)
	}
	for _, mr := range rep2.Mounts {
		r := mr.Restore
		if !r.Hit() || r.Key.Tier != TierLock || r.Files == 0 || r.ArchiveBytes == 0 || r.BuildSeconds <= 0 {
			t.Fatalf("restore of %s: %+v", mr.Mount.Label(), r)
		}
	}
	got = buildImage(t, b2, im, "run2")
	if got["result"] != "hit run1" || got["result2"] != "hit run1 1000:1000 1000:1000" {
		t.Fatalf("build on a fresh builder after the restore: %v", got)
	}

	// job 3 on a pull request's branch: restores main's, saves its own
	pr := Options{Helper: bin, Branch: "pr/42", DefaultBranch: "main"}
	b3 := freshBuilder(t)
	rep3, err := Restore(ctx, b3, im, store, pr)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep3.Mounts[0].Restore; !r.Hit() || r.Key.Tier != TierDefaultBranchLock || len(r.Tried) != 3 {
		t.Fatalf("a branch's first restore: %+v", r)
	}
	if got := buildImage(t, b3, im, "pr-run"); got["result"] != "hit run1" {
		t.Fatalf("pull request build: %v", got)
	}
	if rep3, err = Save(ctx, b3, im, store, pr, rep3); err != nil {
		t.Fatal(err)
	}
	for _, k := range rep3.Mounts[0].Save.Keys {
		if !strings.Contains(k, branchNS("pr/42")) {
			t.Errorf("a pull request saved outside its namespace: %s", k)
		}
	}

	// job 4 on main: still main's entry, not the pull request's
	b4 := freshBuilder(t)
	if _, err := Restore(ctx, b4, im, store, main); err != nil {
		t.Fatal(err)
	}
	if got := buildImage(t, b4, im, "run4"); got["result"] != "hit run1" {
		t.Fatalf("main after a pull request's save: %v (want main's own entry)", got)
	}
}

func nonce() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// The cap keeps the newest files; the report says what it dropped. On the
// shared buildkitd, isolated by a cache namespace of its own.
func TestSaveCap(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx := t.Context()
	df := `FROM 127.0.0.1:5000/busybox:1.36
ARG RUNID
RUN --mount=type=cache,target=/cache sh -c 'for f in a b c; do head -c 1000000 /dev/zero > /cache/$f; done; touch -d "2020-01-01 00:00:00" /cache/a; touch -d "2021-01-01 00:00:00" /cache/b; echo $RUNID > /done'
`
	im := project(t, "capped", df, map[string]string{})
	im.Args = map[string]string{NamespaceArg: "lwtest-" + nonce()}
	b := buildkit.New("")
	buildImage(t, b, im, "1")
	dir := filepath.Join(t.TempDir(), "store")
	store, _ := OpenStore(dir)
	rep, err := Save(ctx, b, im, store, Options{Helper: helper(t), Branch: "main", MaxSize: 2_500_000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Mounts[0].Save
	if s.Error != "" || s.Files != 2 || s.Bytes != 2_000_000 || s.DroppedFiles != 1 || s.DroppedBytes != 1_000_000 || s.MaxBytes != 2_500_000 {
		t.Fatalf("save: %+v", s)
	}
	if rep.Mounts[0].Mount.Namespace != im.Args[NamespaceArg] {
		t.Errorf("namespace %q", rep.Mounts[0].Mount.Namespace)
	}
	// the stored entry holds the two newest
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(s.Keys[0])+".tar.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := t.TempDir()
	if _, err := Unpack(f, out); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"a": false, "b": true, "c": true} {
		if _, err := os.Stat(filepath.Join(out, name)); (err == nil) != want {
			t.Errorf("%s in the entry: %v, want %v", name, err == nil, want)
		}
	}
}

// The registry store: an entry pushed to the loopback registry comes back
// into a fresh builder; restoring into a builder whose mount holds files
// leaves them.
func TestRegistryStore(t *testing.T) {
	testengine.RequireBuildkitd(t)
	ctx := t.Context()
	df := `FROM 127.0.0.1:5000/busybox:1.36 AS build
ARG RUNID
RUN --mount=type=cache,target=/var/cache/thing,sharing=locked sh -c 'cat /var/cache/thing/x > /result 2>/dev/null || echo miss > /result; echo "$RUNID" > /var/cache/thing/x'
FROM scratch
COPY --from=build /result /
`
	im := project(t, "reg", df, map[string]string{})
	store, err := OpenStore("registry=127.0.0.1:5000/layerwise-test/cache-mounts-" + nonce())
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Helper: helper(t), Branch: "main"}
	b1 := freshBuilder(t)
	if got := buildImage(t, b1, im, "reg1"); got["result"] != "miss" {
		t.Fatalf("first build: %v", got)
	}
	rep, err := Save(ctx, b1, im, store, opt, nil)
	if err != nil || rep.Mounts[0].Save.Error != "" || len(rep.Mounts[0].Save.Keys) != 1 {
		t.Fatalf("save: %v %+v", err, rep.Mounts[0].Save)
	}
	// the same builder: its mount holds files, the restore keeps them
	rep, err = Restore(ctx, b1, im, store, opt)
	if err != nil || rep.Mounts[0].Restore.Skipped == "" {
		t.Fatalf("restore into a full mount: %v %+v", err, rep.Mounts[0].Restore)
	}
	b2 := freshBuilder(t)
	rep, err = Restore(ctx, b2, im, store, opt)
	if err != nil || !rep.Mounts[0].Restore.Hit() || rep.Mounts[0].Restore.Key.Tier != TierBranch {
		t.Fatalf("restore from the registry: %v %+v", err, rep.Mounts[0].Restore)
	}
	if got := buildImage(t, b2, im, "reg2"); got["result"] != "reg1" {
		t.Fatalf("build after the restore: %v", got)
	}
	// restored and saved with nothing changed in between: nothing stored
	b3 := freshBuilder(t)
	rep, err = Restore(ctx, b3, im, store, opt)
	if err != nil || !rep.Mounts[0].Restore.Hit() || rep.Mounts[0].Restore.Digest == "" {
		t.Fatalf("restore: %v %+v", err, rep.Mounts[0].Restore)
	}
	if rep, err = Save(ctx, b3, im, store, opt, rep); err != nil || !rep.Mounts[0].Save.Unchanged {
		t.Fatalf("save of what was restored: %v %+v", err, rep.Mounts[0].Save)
	}
}

// TestMain removes the helper binary the package's tests built (48 MB a run).
func TestMain(m *testing.M) {
	code := m.Run()
	if helperBin != "" {
		os.RemoveAll(filepath.Dir(helperBin))
	}
	os.Exit(code)
}
