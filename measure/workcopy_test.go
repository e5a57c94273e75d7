package measure

import (
	"os"
	"path/filepath"
	"testing"
)

// layerwise's own state never reaches a private copy: the history store
// (with its -wal and -shm, which change while the copy is built from) and
// the local caches stay behind, at the root and in a subdirectory that
// layerwise was pointed at; a file merely named like it is the project's.
func TestCopyTreeLeavesLayerwiseStateOut(t *testing.T) {
	src := t.TempDir()
	for _, p := range []string{"main.go", ".layerwise.yaml", ".layerwise/history.db", ".layerwise/history.db-wal", ".layerwise/history.db-shm",
		".layerwise/cache/api/index.json", "services/api/.layerwise/history.db", "docs/.layerwise-notes.md"} {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "copy")
	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"main.go": true, ".layerwise.yaml": true, "docs/.layerwise-notes.md": true,
		".layerwise": false, "services/api/.layerwise": false, "services/api": true} {
		_, err := os.Stat(filepath.Join(dst, p))
		if got := err == nil; got != want {
			t.Errorf("%s copied: %v, want %v", p, got, want)
		}
	}
}
