// Package history is the local store of measured builds: an embedded
// SQLite database (modernc.org/sqlite, pure Go) in WAL mode at
// .layerwise/history.db. Each build is appended with its steps in one
// transaction, so a process killed mid-build leaves no half-written
// record; schema changes are numbered migrations recorded in
// PRAGMA user_version.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/layerwise/layerwise/engine"
	_ "modernc.org/sqlite"
)

// DefaultPath is the store's location relative to the repository root.
const DefaultPath = ".layerwise/history.db"

// migrations are applied in order; never edit one that has shipped, add
// the next.
var migrations = []string{
	// 1: builds and their steps
	`CREATE TABLE builds (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		started_at TEXT NOT NULL,
		image TEXT NOT NULL,
		scenario TEXT NOT NULL,
		repetition INTEGER NOT NULL DEFAULT 0,
		dockerfile TEXT NOT NULL DEFAULT '',
		git_commit TEXT NOT NULL DEFAULT '',
		git_branch TEXT NOT NULL DEFAULT '',
		git_dirty INTEGER NOT NULL DEFAULT 0,
		host TEXT NOT NULL DEFAULT '',
		builder TEXT NOT NULL DEFAULT '',
		backend TEXT NOT NULL DEFAULT '',
		buildkit_version TEXT NOT NULL DEFAULT '',
		wall_ms REAL NOT NULL DEFAULT 0,
		pull_ms REAL NOT NULL DEFAULT 0,
		context_bytes INTEGER NOT NULL DEFAULT 0,
		cache_hit_ratio REAL NOT NULL DEFAULT 0,
		cached_steps INTEGER NOT NULL DEFAULT 0,
		counted_steps INTEGER NOT NULL DEFAULT 0,
		image_id TEXT NOT NULL DEFAULT '',
		image_digest TEXT NOT NULL DEFAULT '',
		image_size INTEGER NOT NULL DEFAULT 0,
		layers INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		log_tail TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX builds_image_scenario ON builds(image, scenario, started_at);
	CREATE TABLE steps (
		build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		key TEXT NOT NULL,
		name TEXT NOT NULL,
		kind TEXT NOT NULL,
		stage TEXT NOT NULL DEFAULT '',
		step_index INTEGER NOT NULL DEFAULT 0,
		started_at TEXT NOT NULL DEFAULT '',
		ended_at TEXT NOT NULL DEFAULT '',
		duration_ms REAL NOT NULL DEFAULT 0,
		cached INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		bytes INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (build_id, seq)
	);`,
	// 2: the inputs of each build's steps (inputs.go): one JSON document
	// per build, and the context trees' directory nodes, shared by every
	// build whose tree holds them (content-addressed)
	`CREATE TABLE inputs (
		build_id INTEGER PRIMARY KEY REFERENCES builds(id) ON DELETE CASCADE,
		data TEXT NOT NULL
	);
	CREATE TABLE tree_nodes (
		digest TEXT PRIMARY KEY,
		data BLOB NOT NULL
	);`,
	// 3: the size of the layer each step added to the image
	// (engine.Step.LayerBytes)
	`ALTER TABLE steps ADD COLUMN layer_bytes INTEGER NOT NULL DEFAULT 0;`,
}

// SchemaVersion is the version a store has after Open.
var SchemaVersion = len(migrations)

// Store is an open history database.
type Store struct {
	db   *sql.DB
	Path string
	// readOnly: opened by OpenReadOnly; Append refuses.
	readOnly bool
	// schema is the store's schema version: a read-only store written by
	// an older layerwise keeps its own, and is read without the columns
	// it lacks.
	schema int
}

// layerBytesSchema is the first schema with steps.layer_bytes.
const layerBytesSchema = 3

// Mode is how a command uses the history: the ones that record builds
// write it, the others only read it.
type Mode int

const (
	// ReadWrite creates the store and its directory if needed and
	// migrates it to the current schema.
	ReadWrite Mode = iota
	// ReadOnly opens an existing store and changes nothing (see
	// openReadOnly).
	ReadOnly
)

// Open opens the store at path in the given mode: the one policy every
// command follows.
func Open(path string, mode Mode) (*Store, error) {
	if err := precheck(path, mode); err != nil {
		return nil, err
	}
	var s *Store
	var err error
	wal, shm := exists(path+"-wal"), exists(path+"-shm")
	if mode == ReadOnly {
		s, err = openReadOnly(path)
	} else {
		s, err = openReadWrite(path)
	}
	if err != nil {
		// the journal files a failed open made next to the store go with
		// it; a log that holds anything stays (it may be a writer's)
		if !wal && !shm {
			if st, e := os.Stat(path + "-wal"); e == nil && st.Size() == 0 {
				os.Remove(path + "-wal")
				os.Remove(path + "-shm")
			}
		}
		return nil, explain(path, err)
	}
	return s, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// precheck says what is wrong with the path before SQLite does (in words
// that name the file and what to do): a directory or special file where
// the store goes, a file that is no SQLite database, an empty store read,
// a store of a newer layerwise.
func precheck(path string, mode Mode) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // created (read-write) or reported by openReadOnly
	}
	switch {
	case st.IsDir():
		return fmt.Errorf("history %s is a directory, not a build history: move it away, or pass --history FILE", path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("history %s is not a regular file (%s): move it away, or pass --history FILE", path, st.Mode().Type())
	case st.Size() == 0:
		if mode == ReadOnly {
			return fmt.Errorf("history %s is empty: record builds with `layerwise measure` or `layerwise build` first", path)
		}
		return nil // a new store is written into it
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("history %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if n, _ := f.Read(head); n < len(head) || string(head) != sqliteHeader {
		return fmt.Errorf("history %s is not a layerwise build history (not an SQLite database): move it away (a new one is started), or pass --history FILE", path)
	}
	if mode == ReadWrite {
		// a newer layerwise's store is left as it is, before anything
		// writes to it (in a read-only directory SQLite would report
		// only that it cannot write)
		if v, err := userVersion(path); err == nil && v > len(migrations) {
			return fmt.Errorf("history %s: schema version %d is newer than this layerwise knows (%d): upgrade layerwise", path, v, len(migrations))
		}
	}
	return nil
}

// userVersion reads a store's schema version without writing anything.
func userVersion(path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	err = db.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}

// explain turns SQLite's words into the file's and what to do.
func explain(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "history "+path+": ")
	switch {
	case strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT") || strings.Contains(msg, "SQLITE_NOTADB"):
		return fmt.Errorf("history %s is damaged (%s): move it away (a new one is started) or restore it from a backup", path, firstLine(msg))
	case strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "SQLITE_READONLY") || strings.Contains(msg, "unable to open"):
		return fmt.Errorf("history %s cannot be written (%s): make its directory writable, or pass --history FILE", path, firstLine(msg))
	}
	if strings.Contains(msg, path) {
		return err
	}
	return fmt.Errorf("history %s: %w", path, err)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// openReadWrite opens (creating it if need be) a history for writing.
// Several processes creating the same file at once can meet in SQLite's
// switch to WAL, where waiting would deadlock, so SQLite answers
// SQLITE_BUSY at once instead of waiting busy_timeout: that is retried.
func openReadWrite(path string) (*Store, error) {
	var err error
	for attempt := 0; attempt < 40; attempt++ {
		var s *Store
		if s, err = openReadWriteOnce(path); err == nil || !busy(err) {
			return s, err
		}
		time.Sleep(time.Duration(5+rand.IntN(20*(attempt+1))) * time.Millisecond)
	}
	return nil, err
}

// busy: SQLite said the database is locked.
func busy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func openReadWriteOnce(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	// busy_timeout first: switching a new file to WAL takes a lock another
	// process creating it may hold
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db, Path: path, schema: len(migrations)}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return s, nil
}

// openReadOnly opens an existing history for reading only: it creates
// no directory and no database, writes no migration and leaves no journal,
// so that `layerwise history` and `report` never change a repository (and
// work in a read-only directory). A history written by an older layerwise
// is read as it is when its tables serve; a missing one is an error that
// says what records builds.
func openReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no build history at %s: record builds with `layerwise measure` or `layerwise build` first, or pass --history FILE", path)
	}
	open := func(opts string) (*Store, error) {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro"+opts+"&_pragma=busy_timeout(10000)")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		var v int
		if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			db.Close()
			return nil, err
		}
		if v > len(migrations) {
			db.Close()
			return nil, fmt.Errorf("schema version %d is newer than this layerwise knows (%d): upgrade layerwise", v, len(migrations))
		}
		return &Store{db: db, Path: path, readOnly: true, schema: v}, nil
	}
	// Without a write-ahead log to read (the writer checkpoints it when it
	// closes), the file is read as immutable: SQLite then creates no -shm
	// or -wal file next to it. A log left by a killed writer holds
	// committed builds, so it is read, which needs the shared-memory file.
	if st, err := os.Stat(path + "-wal"); err != nil || st.Size() == 0 {
		if s, err := open("&immutable=1"); err == nil {
			return s, nil
		}
	}
	s, err := open("")
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// migrate brings the store to the current schema. Several processes may
// create or migrate the same store at once (CI jobs sharing a cache): the
// version is read and the migrations run inside one BEGIN IMMEDIATE
// transaction, which takes the write lock first (waiting on busy_timeout),
// so the second process finds the schema the first one wrote.
func (s *Store) migrate() error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this layerwise knows (%d): upgrade layerwise", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	rollback := func(err error) error {
		conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return rollback(err)
	}
	if v > len(migrations) {
		return rollback(fmt.Errorf("schema version %d is newer than this layerwise knows (%d): upgrade layerwise", v, len(migrations)))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return rollback(fmt.Errorf("migration %d: %w", i+1, err))
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return rollback(err)
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// Version returns the store's schema version.
func (s *Store) Version() (int, error) {
	var v int
	err := s.db.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}

// Build is one recorded build.
type Build struct {
	ID         int64         `json:"id"`
	StartedAt  time.Time     `json:"startedAt"`
	Image      string        `json:"image"`
	Scenario   string        `json:"scenario"`
	Repetition int           `json:"repetition"`
	Dockerfile string        `json:"dockerfile"`
	Git        Git           `json:"git"`
	Host       string        `json:"host"`
	Builder    engine.Info   `json:"builder"`
	Result     engine.Result `json:"result"`
	// Inputs are what each step read (nil when not recorded: an older
	// layerwise, or no model); written by Append, read by InputsOf.
	Inputs *Inputs `json:"inputs,omitempty"`
}

// Git is the repository state a build measured.
type Git struct {
	Commit string `json:"commit"`
	Branch string `json:"branch"`
	Dirty  bool   `json:"dirty"`
}

// Append records a build and its steps in one transaction.
func (s *Store) Append(ctx context.Context, b *Build) (int64, error) {
	if s.readOnly {
		return 0, fmt.Errorf("history %s was opened read-only", s.Path)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	r := &b.Result
	res, err := tx.ExecContext(ctx, `INSERT INTO builds (started_at, image, scenario, repetition, dockerfile, git_commit, git_branch, git_dirty,
		host, builder, backend, buildkit_version, wall_ms, pull_ms, context_bytes, cache_hit_ratio, cached_steps, counted_steps,
		image_id, image_digest, image_size, layers, error, log_tail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		b.StartedAt.UTC().Format(time.RFC3339Nano), b.Image, b.Scenario, b.Repetition, b.Dockerfile, b.Git.Commit, b.Git.Branch, b.Git.Dirty,
		b.Host, b.Builder.Builder, b.Builder.Backend, b.Builder.BuildKitVersion, ms(r.Wall), ms(r.Pull), r.ContextBytes, r.CacheHitRatio,
		r.CachedSteps, r.CountedSteps, r.ImageID, r.ImageDigest, r.ImageSize, r.Layers, r.Err, strings.Join(r.LogTail, "\n"))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO steps (build_id, seq, key, name, kind, stage, step_index, started_at, ended_at, duration_ms, cached, error, bytes, layer_bytes)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for i, st := range r.Steps {
		if _, err := stmt.ExecContext(ctx, id, i, st.Key, st.Name, st.Kind, st.Stage, st.Index, ts(st.Start), ts(st.End), ms(st.Duration), st.Cached, st.Error, st.Bytes, st.LayerBytes); err != nil {
			return 0, err
		}
	}
	if err := appendInputs(ctx, tx, id, b.Inputs); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	b.ID = id
	return id, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Query selects builds.
type Query struct {
	// ID picks one build.
	ID              int64
	Image, Scenario string
	Since           time.Time
	// WithSteps loads each build's steps.
	WithSteps bool
	Limit     int
}

// List returns the builds matching q, oldest first.
func (s *Store) List(ctx context.Context, q Query) ([]*Build, error) {
	where := []string{"1=1"}
	var args []any
	if q.ID != 0 {
		where = append(where, "id = ?")
		args = append(args, q.ID)
	}
	if q.Image != "" {
		where = append(where, "image = ?")
		args = append(args, q.Image)
	}
	if q.Scenario != "" {
		where = append(where, "scenario = ?")
		args = append(args, q.Scenario)
	}
	if !q.Since.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, q.Since.UTC().Format(time.RFC3339Nano))
	}
	query := `SELECT id, started_at, image, scenario, repetition, dockerfile, git_commit, git_branch, git_dirty, host, builder, backend,
		buildkit_version, wall_ms, pull_ms, context_bytes, cache_hit_ratio, cached_steps, counted_steps, image_id, image_digest, image_size,
		layers, error, log_tail FROM builds WHERE ` + strings.Join(where, " AND ") + " ORDER BY started_at, id"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Build
	for rows.Next() {
		b := &Build{}
		var started, logTail string
		var wall, pull float64
		r := &b.Result
		if err := rows.Scan(&b.ID, &started, &b.Image, &b.Scenario, &b.Repetition, &b.Dockerfile, &b.Git.Commit, &b.Git.Branch, &b.Git.Dirty,
			&b.Host, &b.Builder.Builder, &b.Builder.Backend, &b.Builder.BuildKitVersion, &wall, &pull, &r.ContextBytes, &r.CacheHitRatio,
			&r.CachedSteps, &r.CountedSteps, &r.ImageID, &r.ImageDigest, &r.ImageSize, &r.Layers, &r.Err, &logTail); err != nil {
			return nil, err
		}
		b.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		r.Wall, r.Pull = time.Duration(wall*1e6), time.Duration(pull*1e6)
		if logTail != "" {
			r.LogTail = strings.Split(logTail, "\n")
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if q.WithSteps {
		for _, b := range out {
			if err := s.loadSteps(ctx, b); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Store) loadSteps(ctx context.Context, b *Build) error {
	layerBytes := "layer_bytes"
	if s.schema < layerBytesSchema {
		layerBytes = "0"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key, name, kind, stage, step_index, started_at, ended_at, duration_ms, cached, error, bytes, `+layerBytes+`
		FROM steps WHERE build_id = ? ORDER BY seq`, b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var st engine.Step
		var start, end string
		var dur float64
		if err := rows.Scan(&st.Key, &st.Name, &st.Kind, &st.Stage, &st.Index, &start, &end, &dur, &st.Cached, &st.Error, &st.Bytes, &st.LayerBytes); err != nil {
			return err
		}
		st.Start, _ = time.Parse(time.RFC3339Nano, start)
		st.End, _ = time.Parse(time.RFC3339Nano, end)
		st.Duration = time.Duration(dur * 1e6)
		b.Result.Steps = append(b.Result.Steps, st)
	}
	return rows.Err()
}

// Where is the store's path (audit.StepDurations).
func (s *Store) Where() string { return s.Path }

// StepSeconds returns, per step key, the median duration in seconds of the
// non-cached runs of an image's steps (what the audit ranks by).
func (s *Store) StepSeconds(ctx context.Context, image string) (map[engine.StepKey]float64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.key, s.duration_ms / 1000.0 FROM steps s JOIN builds b ON b.id = s.build_id
		WHERE b.image = ? AND s.cached = 0 AND b.error = '' AND s.kind IN ('exec','copy') ORDER BY s.key, s.duration_ms`, image)
	if err != nil {
		return nil, err
	}
	return medianPerKey[float64](rows)
}

// StepLayerBytes returns, per step key, the median size of the layer the
// step added to an image in its successful builds (cached or not: a
// cached step's layer is in the image all the same); steps that never
// added one are left out.
func (s *Store) StepLayerBytes(ctx context.Context, image string) (map[engine.StepKey]int64, error) {
	if s.schema < layerBytesSchema {
		return map[engine.StepKey]int64{}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.key, s.layer_bytes FROM steps s JOIN builds b ON b.id = s.build_id
		WHERE b.image = ? AND b.error = '' AND s.layer_bytes > 0 ORDER BY s.key, s.layer_bytes`, image)
	if err != nil {
		return nil, err
	}
	return medianPerKey[int64](rows)
}

// medianPerKey reads (key, value) rows sorted by key and value and
// returns each key's median (the upper one of an even count).
func medianPerKey[T any](rows *sql.Rows) (map[engine.StepKey]T, error) {
	defer rows.Close()
	all := map[engine.StepKey][]T{}
	for rows.Next() {
		var k engine.StepKey
		var v T
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		all[k] = append(all[k], v)
	}
	out := map[engine.StepKey]T{}
	for k, v := range all {
		out[k] = v[len(v)/2]
	}
	return out, rows.Err()
}

// Check runs SQLite's integrity check.
func (s *Store) Check(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New("integrity check: " + res)
	}
	var orphans int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM steps WHERE build_id NOT IN (SELECT id FROM builds)").Scan(&orphans); err != nil {
		return err
	}
	if orphans > 0 {
		return fmt.Errorf("%d steps without their build", orphans)
	}
	return nil
}

// Figures are what the recorded builds of one image say, for the baseline
// document: per scenario the median seconds of its recent successful
// builds, and the size and layer count of the image the latest successful
// build made.
type Figures struct {
	Builds int `json:"builds"`
	// Seconds: scenario → median wall seconds of its last (up to) five
	// successful builds.
	Seconds    map[string]float64 `json:"seconds"`
	ImageBytes int64              `json:"imageBytes,omitempty"`
	Layers     int                `json:"layers,omitempty"`
	Latest     time.Time          `json:"latest"`
}

// recentForFigures is how many of a scenario's latest builds its median
// takes: recent enough to show today's Dockerfile, enough to damp noise.
const recentForFigures = 5

// Figures summarises an image's successful builds; nil when none is
// recorded.
func (s *Store) Figures(ctx context.Context, image string) (*Figures, error) {
	builds, err := s.List(ctx, Query{Image: image})
	if err != nil {
		return nil, err
	}
	f := &Figures{Seconds: map[string]float64{}}
	walls := map[string][]time.Duration{}
	for i := len(builds) - 1; i >= 0; i-- { // newest first
		b := builds[i]
		// verify's builds are of private copies, the fixed one among them:
		// not the image as the repository builds it
		if b.Result.Failed() || strings.HasPrefix(b.Scenario, "verify") {
			continue
		}
		f.Builds++
		if f.Latest.IsZero() {
			f.Latest = b.StartedAt
		}
		if f.ImageBytes == 0 && b.Result.ImageSize > 0 {
			f.ImageBytes, f.Layers = b.Result.ImageSize, b.Result.Layers
		}
		if len(walls[b.Scenario]) < recentForFigures {
			walls[b.Scenario] = append(walls[b.Scenario], b.Result.Wall)
		}
	}
	if f.Builds == 0 {
		return nil, nil
	}
	for sc, ws := range walls {
		slices.Sort(ws)
		f.Seconds[sc] = ws[len(ws)/2].Seconds()
	}
	return f, nil
}
