package stepinputs

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func tree(t *testing.T, dir string, h *Hasher) (string, map[string][]byte) {
	t.Helper()
	root, nodes, err := ContextTree(context.Background(), dir, filepath.Join(dir, "Dockerfile"), h)
	if err != nil {
		t.Fatal(err)
	}
	return root, nodes
}

// The tree's root digest changes with the content of a file that is sent,
// not with one the .dockerignore excludes; an unchanged directory keeps
// its node (shared between builds).
func TestContextTree(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{"Dockerfile": "FROM scratch\n", ".dockerignore": "logs\n", "src/a.go": "a", "lib/b.go": "b", "logs/x.log": "1"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHasher()
	r1, n1 := tree(t, dir, h)
	if r2, _ := tree(t, dir, h); r2 != r1 {
		t.Error("the same context has two digests")
	}
	os.WriteFile(filepath.Join(dir, "logs/x.log"), []byte("22"), 0o644)
	if r2, _ := tree(t, dir, h); r2 != r1 {
		t.Error("an ignored file changed the digest")
	}
	os.WriteFile(filepath.Join(dir, "src/a.go"), []byte("aa"), 0o644)
	r3, n3 := tree(t, dir, h)
	if r3 == r1 {
		t.Error("a sent file changed and the digest did not")
	}
	shared := 0
	for d := range n3 {
		if _, ok := n1[d]; ok {
			shared++
		}
	}
	if shared != 1 { // lib/ is unchanged; the root and src/ are new
		t.Errorf("%d nodes shared, want 1 (lib/)", shared)
	}
}

// Each instruction's parent is the one before it, a stage's FROM of
// another stage has that stage's last step; build args override ARG
// defaults; COPY --from reads a stage, not the context.
func TestSteps(t *testing.T) {
	m, err := dockerfile.Parse("Dockerfile", []byte("FROM golang:1.23 AS build\nARG V=dev\nCOPY . .\nRUN go build\nFROM build AS test\nRUN go test\nFROM alpine\nCOPY --from=build /app /app\n"), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := Steps(m, map[string]string{"V": "1.2"})
	if len(st) != 8 {
		t.Fatalf("%d steps", len(st))
	}
	if st[0].Base != "golang:1.23" || st[0].Parent != -1 || st[2].Parent != 1 || st[2].Sources[0] != "." || st[2].Args["V"] != "1.2" {
		t.Errorf("build stage: %+v %+v %+v", st[0], st[1], st[2])
	}
	if st[4].Stage != "test" || st[4].Parent != 3 || st[4].Base != "" {
		t.Errorf("FROM build: %+v", st[4])
	}
	if st[7].FromStage != "build" || len(st[7].Sources) != 0 || st[6].Stage != "stage-2" {
		t.Errorf("COPY --from: %+v", st[7])
	}
}
