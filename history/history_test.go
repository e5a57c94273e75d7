package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
)

func sample(image, scenario string, at time.Time, wall time.Duration, failed bool) *Build {
	b := &Build{StartedAt: at, Image: image, Scenario: scenario, Dockerfile: "svc/Dockerfile",
		Git: Git{Commit: "abc123", Branch: "main", Dirty: true}, Host: "h", Builder: engine.Info{Backend: "buildx", Builder: "default", BuildKitVersion: "v0.8"}}
	b.Result = engine.Result{Wall: wall, ContextBytes: 1234, CacheHitRatio: 0.5, CachedSteps: 1, CountedSteps: 2, ImageSize: 99, Layers: 3,
		Steps: []engine.Step{
			{Key: "stage-0#2 COPY . .", Name: "[2/3] COPY . .", Kind: "copy", Cached: true, Start: at, End: at.Add(time.Second), Duration: time.Second, LayerBytes: 500},
			{Key: "stage-0#3 RUN npm ci", Name: "[3/3] RUN npm ci", Kind: "exec", Start: at, End: at.Add(2 * time.Second), Duration: 2 * time.Second, LayerBytes: 7000},
		}}
	if failed {
		b.Result.Err = "[3/3] RUN npm ci: exit code: 1"
		b.Result.LogTail = []string{"npm ERR! missing", "npm ERR! exit"}
	}
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), ".layerwise", "history.db")
	s, err := Open(path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i, b := range []*Build{
		sample("web", "cold", t0, 30*time.Second, false),
		sample("web", "warm", t0.Add(time.Minute), time.Second, false),
		sample("api", "cold", t0.Add(2*time.Minute), 20*time.Second, true),
	} {
		if id, err := s.Append(ctx, b); err != nil || id != int64(i+1) {
			t.Fatalf("append: %d %v", id, err)
		}
	}
	s.Close()

	s, err = Open(path, ReadWrite) // reopen: nothing lost, no re-migration
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion {
		t.Errorf("version %d", v)
	}
	all, err := s.List(ctx, Query{WithSteps: true})
	if err != nil || len(all) != 3 {
		t.Fatalf("list: %d %v", len(all), err)
	}
	b := all[2]
	if b.Image != "api" || b.Result.Err == "" || len(b.Result.LogTail) != 2 || !b.Git.Dirty || b.Builder.BuildKitVersion != "v0.8" || len(b.Result.Steps) != 2 || b.Result.Wall != 20*time.Second {
		t.Errorf("round trip: %+v", b)
	}
	if st := b.Result.Steps[1]; st.Key != "stage-0#3 RUN npm ci" || st.Duration != 2*time.Second || st.LayerBytes != 7000 || st.Cached || !st.End.Equal(b.StartedAt.Add(2*time.Second)) {
		t.Errorf("step: %+v", st)
	}
	web, _ := s.List(ctx, Query{Image: "web", Scenario: "warm"})
	if len(web) != 1 || web[0].Scenario != "warm" {
		t.Errorf("filter: %+v", web)
	}
	since, _ := s.List(ctx, Query{Since: t0.Add(90 * time.Second)})
	if len(since) != 1 || since[0].Image != "api" {
		t.Errorf("since: %+v", since)
	}
	secs, err := s.StepSeconds(ctx, "web")
	if err != nil || secs["stage-0#3 RUN npm ci"] != 2 || secs["stage-0#2 COPY . ."] != 0 {
		t.Errorf("step seconds %v %v", secs, err)
	}
	// layer bytes count cached runs too, and never a failed build's
	if lb, err := s.StepLayerBytes(ctx, "web"); err != nil || lb["stage-0#3 RUN npm ci"] != 7000 || lb["stage-0#2 COPY . ."] != 500 || len(lb) != 2 {
		t.Errorf("layer bytes %v %v", lb, err)
	}
	if lb, err := s.StepLayerBytes(ctx, "api"); err != nil || len(lb) != 0 {
		t.Errorf("layer bytes of a failed build: %v %v", lb, err)
	}
	if err := s.Check(ctx); err != nil {
		t.Error(err)
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q %v", mode, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Exec("PRAGMA user_version = 99")
	s.Close()
	if _, err := Open(path, ReadWrite); err == nil {
		t.Errorf("a newer schema must be refused")
	}
}

// TestOpenReadOnlyWritesNothing: reading creates no directory or database,
// and a history in a read-only directory can be read.
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nonexistent", "x.db")
	if _, err := Open(missing, ReadOnly); err == nil {
		t.Fatal("a missing history must be an error")
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Fatal("reading created a directory")
	}
	p := filepath.Join(dir, "ro", "h.db")
	s, err := Open(p, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(context.Background(), &Build{StartedAt: time.Now(), Image: "web", Scenario: "cold", Repetition: 1}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Chmod(filepath.Dir(p), 0o555)
	defer os.Chmod(filepath.Dir(p), 0o755)
	before, _ := os.ReadDir(filepath.Dir(p))
	r, err := Open(p, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := r.List(context.Background(), Query{})
	if err != nil || len(bs) != 1 {
		t.Fatalf("list: %v %d", err, len(bs))
	}
	if _, err := r.Append(context.Background(), &Build{StartedAt: time.Now(), Image: "x", Scenario: "cold"}); err == nil {
		t.Error("a read-only store appended")
	}
	r.Close()
	after, _ := os.ReadDir(filepath.Dir(p))
	if len(after) != len(before) {
		t.Errorf("files in the directory: %d before, %d after", len(before), len(after))
	}
}

// A history written before steps had layer sizes (schema 2) is upgraded in
// place: its builds stay, their steps with no layer size.
func TestMigratesSchema2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(append([]string{}, migrations[:2]...), "PRAGMA user_version = 2",
		`INSERT INTO builds (id, started_at, image, scenario) VALUES (1, '2026-11-01T10:00:00Z', 'web', 'cold')`,
		`INSERT INTO steps (build_id, seq, key, name, kind) VALUES (1, 0, 'stage-0#2 RUN make', '[2/2] RUN make', 'exec')`) {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	db.Close()
	// read-only (history, report, audit): read as it is, changed in nothing
	ro, err := Open(path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if all, err := ro.List(ctx, Query{WithSteps: true}); err != nil || len(all) != 1 || len(all[0].Result.Steps) != 1 {
		t.Errorf("read-only list of a schema 2 history: %+v %v", all, err)
	}
	if lb, err := ro.StepLayerBytes(ctx, "web"); err != nil || len(lb) != 0 {
		t.Errorf("read-only layer bytes of a schema 2 history: %v %v", lb, err)
	}
	if v, _ := ro.Version(); v != 2 {
		t.Errorf("a read-only open migrated the store to %d", v)
	}
	ro.Close()
	s, err := Open(path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion || SchemaVersion < 3 {
		t.Errorf("version %d of %d", v, SchemaVersion)
	}
	all, err := s.List(ctx, Query{WithSteps: true})
	if err != nil || len(all) != 1 || len(all[0].Result.Steps) != 1 || all[0].Result.Steps[0].LayerBytes != 0 {
		t.Fatalf("after the upgrade: %+v %v", all, err)
	}
	if _, err := s.Append(ctx, sample("web", "warm", time.Now(), time.Second, false)); err != nil {
		t.Fatal(err)
	}
	if lb, err := s.StepLayerBytes(ctx, "web"); err != nil || lb["stage-0#3 RUN npm ci"] != 7000 {
		t.Errorf("layer bytes after the upgrade: %v %v", lb, err)
	}
}

// TestConcurrentCreation: CI jobs sharing a cache create and migrate the
// same new history at once; every open succeeds ("table builds already
// exists" was 8 of 20).
func TestConcurrentCreation(t *testing.T) {
	for round := 0; round < 3; round++ {
		path := filepath.Join(t.TempDir(), "h.db")
		const n = 20
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(path, ReadWrite)
				if err == nil {
					_, err = s.Version()
					s.Close()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
	}
}

// TestOpenSaysWhatIsWrong: a store that is a directory, empty, not an
// SQLite file, damaged, or a newer layerwise's in a read-only directory
// gets a message that names the file and what to do (not SQLite's words
// alone), and a failed open leaves no -wal or -shm file behind.
func TestOpenSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := Open(good, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	valid, _ := os.ReadFile(good)
	cases := []struct {
		name string
		make func(p string)
		mode Mode
		want string
	}{
		{"directory", func(p string) { os.Mkdir(p, 0o755) }, ReadWrite, "is a directory"},
		{"empty-read", func(p string) { os.WriteFile(p, nil, 0o644) }, ReadOnly, "is empty"},
		{"not-sqlite", func(p string) { os.WriteFile(p, []byte("hello, not a database at all, for sure"), 0o644) }, ReadWrite, "not a layerwise build history"},
		{"damaged", func(p string) {
			bad := append([]byte(nil), valid...)
			for i := 100; i < len(bad); i++ {
				bad[i] = 0xAA
			}
			os.WriteFile(p, bad, 0o644)
		}, ReadWrite, "is damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "history.db")
			tc.make(p)
			_, err := Open(p, tc.mode)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("Open: %v, want %q naming the file", err, tc.want)
			}
			for _, j := range []string{"-wal", "-shm"} {
				if _, err := os.Stat(p + j); err == nil {
					t.Errorf("a failed open left %s", p+j)
				}
			}
		})
	}
	// a newer layerwise's store in a read-only directory: said so, not
	// "attempt to write a readonly database"
	ro := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(ro, 0o755)
	newer := filepath.Join(ro, "history.db")
	s, err = Open(newer, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Chmod(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	if _, err := Open(newer, ReadWrite); err == nil || !strings.Contains(err.Error(), "newer than this layerwise knows") {
		t.Errorf("newer store, read-only directory: %v", err)
	}
}
