package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outsideRepo makes top/repo (returned) and top/outside, with
// repo/ext -> ../outside committed in the repository.
func outsideRepo(t *testing.T) (root, outside string) {
	t.Helper()
	top := t.TempDir()
	root, outside = filepath.Join(top, "repo"), filepath.Join(top, "outside")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "Dockerfile"), []byte("outside\n"), 0o644)
	if err := os.Symlink("../outside", filepath.Join(root, "ext")); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

// TestUnitReplaceRefusesASymlinkedDirectoryOutside: issue 27 item 2. The
// check is on the resolved path: a symlinked parent directory (not only a
// symlinked file) that leads out of the repository is not written through.
func TestUnitReplaceRefusesASymlinkedDirectoryOutside(t *testing.T) {
	root, outside := outsideRepo(t)
	err := Replace(filepath.Join(root, "ext", "Dockerfile"), []byte("pwned\n"), root)
	if err == nil || !strings.Contains(err.Error(), "outside") || !strings.Contains(err.Error(), filepath.Join(outside, "Dockerfile")) {
		t.Errorf("Replace through ext/: %v", err)
	}
	err = Replace(filepath.Join(root, "ext", ".dockerignore"), []byte("pwned\n"), root)
	if err == nil {
		t.Errorf("Replace created ext/.dockerignore")
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "Dockerfile")); string(data) != "outside\n" {
		t.Errorf("written outside: %q", data)
	}
	if _, err := os.Stat(filepath.Join(outside, ".dockerignore")); err == nil {
		t.Errorf("created outside/.dockerignore")
	}
}

// TestUnitWriteWithinRefusesSymlinkedDirectories: generate's writers
// (monitoring/, .github/workflows/) create no directory and write no file
// through a symlink out of the repository.
func TestUnitWriteWithinRefusesSymlinkedDirectories(t *testing.T) {
	root, outside := outsideRepo(t)
	os.Symlink("ext", filepath.Join(root, "monitoring"))
	os.MkdirAll(filepath.Join(root, ".github"), 0o755)
	os.Symlink("../ext", filepath.Join(root, ".github", "workflows"))
	for _, p := range []string{"monitoring/build-metrics.yml", ".github/workflows/layerwise.yml", "ext/new/dir/file"} {
		if err := WriteWithin(root, filepath.Join(root, p), []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 1 {
		t.Errorf("written outside: %v", ents)
	}
	// inside, a missing directory is created
	if err := WriteWithin(root, filepath.Join(root, "a", "b", "c.yml"), []byte("x"), 0o644); err != nil {
		t.Error(err)
	}
}

// TestUnitReplaceRefusesReadOnlyFiles: a 0444 Dockerfile is not replaced
// behind its owner's back (a rename over it would succeed): an error that
// says so, the file unchanged.
func TestUnitReplaceRefusesReadOnlyFiles(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "Dockerfile")
	os.WriteFile(p, []byte("old\n"), 0o444)
	os.Chmod(p, 0o444)
	err := Replace(p, []byte("new\n"), root)
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Replace of a 0444 file: %v", err)
	}
	if data, _ := os.ReadFile(p); string(data) != "old\n" {
		t.Errorf("replaced: %q", data)
	}
}
