package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Inputs are what the steps of one build read, kept so that two builds can
// be compared step by step (layerwise why): not copies of files, but
// digests. Context is the root of a Merkle tree of the sent context (after
// .dockerignore): each directory a node listing its entries and their
// digests, stored once however many builds share it (tree_nodes), so that
// the paths that changed between two builds are found by descending only
// where the digests differ.
type Inputs struct {
	Context string       `json:"context,omitempty"`
	Steps   []*StepInput `json:"steps"`
	// Nodes are the tree's directory nodes by digest, to store with the
	// build (Append); not part of the JSON document.
	Nodes map[string][]byte `json:"-"`
}

// StepInput is one instruction of the built Dockerfile and what it reads.
type StepInput struct {
	// Stage is named as BuildKit names it in its progress ("build",
	// "stage-1", "stage-0" for the only stage: dockerfile.File.ProgressName); Line is the instruction's first line; Text its text with
	// blanks collapsed, as BuildKit shows it.
	Stage string `json:"stage"`
	Line  int    `json:"line"`
	Text  string `json:"text"`
	// Parent is the index (in Steps) of the step this one builds on: the
	// previous instruction of the stage, or the last one of the stage it
	// builds FROM; -1 for a stage's FROM of an image.
	Parent int `json:"parent"`
	// Base and BaseID: the image a FROM names, and its ID in the image
	// store when the build ran ("" when unknown).
	Base   string `json:"base,omitempty"`
	BaseID string `json:"baseId,omitempty"`
	// Args are the build args in scope with their values (ARG defaults,
	// overridden by the build's args): RUN sees them in its environment.
	Args map[string]string `json:"args,omitempty"`
	// Sources are what a COPY/ADD reads from the context (patterns as
	// BuildKit resolves them); FromStage is the stage a COPY --from reads,
	// named as Stage is ("" otherwise).
	Sources   []string `json:"sources,omitempty"`
	Excludes  []string `json:"excludes,omitempty"`
	FromStage string   `json:"fromStage,omitempty"`
}

// TreeEntry is one entry of a directory node.
type TreeEntry struct {
	Name   string
	Dir    bool
	Digest string
}

// EncodeNode is the stored form of a directory node and its digest: one
// line per entry, sorted by name ("d" or "f", the digest, the name).
func EncodeNode(entries []TreeEntry) (string, []byte) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	var b strings.Builder
	for _, e := range entries {
		kind := "f"
		if e.Dir {
			kind = "d"
		}
		fmt.Fprintf(&b, "%s %s %s\n", kind, e.Digest, e.Name)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return "sha256:" + hex.EncodeToString(sum[:]), []byte(b.String())
}

// DecodeNode reads a stored directory node.
func DecodeNode(data []byte) ([]TreeEntry, error) {
	var out []TreeEntry
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if l == "" {
			continue
		}
		kind, rest, ok1 := strings.Cut(l, " ")
		digest, name, ok2 := strings.Cut(rest, " ")
		if !ok1 || !ok2 || (kind != "d" && kind != "f") {
			return nil, fmt.Errorf("bad tree node line %q", l)
		}
		out = append(out, TreeEntry{Name: name, Dir: kind == "d", Digest: digest})
	}
	return out, nil
}

func appendInputs(ctx context.Context, tx *sql.Tx, id int64, in *Inputs) error {
	if in == nil {
		return nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO inputs (build_id, data) VALUES (?, ?)`, id, string(data)); err != nil {
		return err
	}
	for d, n := range in.Nodes {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tree_nodes (digest, data) VALUES (?, ?)`, d, n); err != nil {
			return err
		}
	}
	return nil
}

// InputsOf returns the recorded inputs of a build; nil when none were
// recorded (a build by an older layerwise, or a history without the
// table: read-only stores are read as they are).
func (s *Store) InputsOf(ctx context.Context, id int64) (*Inputs, error) {
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT data FROM inputs WHERE build_id = ?`, id).Scan(&data)
	switch {
	case errors.Is(err, sql.ErrNoRows), err != nil && strings.Contains(err.Error(), "no such table"):
		return nil, nil
	case err != nil:
		return nil, err
	}
	in := &Inputs{}
	if err := json.Unmarshal([]byte(data), in); err != nil {
		return nil, fmt.Errorf("build %d: inputs: %w", id, err)
	}
	return in, nil
}

// Node returns a stored directory node.
func (s *Store) Node(ctx context.Context, digest string) ([]TreeEntry, error) {
	var data []byte
	if err := s.db.QueryRowContext(ctx, `SELECT data FROM tree_nodes WHERE digest = ?`, digest).Scan(&data); err != nil {
		return nil, fmt.Errorf("tree node %s: %w", digest, err)
	}
	return DecodeNode(data)
}

// Build returns one build with its steps, or an error naming the ID.
func (s *Store) Build(ctx context.Context, id int64) (*Build, error) {
	bs, err := s.List(ctx, Query{ID: id, WithSteps: true})
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("no build %d in %s (layerwise history lists them)", id, s.Path)
	}
	return bs[0], nil
}
