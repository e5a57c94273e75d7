package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("old"), 0o600)
	link := filepath.Join(dir, "link")
	os.Link(p, link)
	if err := Write(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "new" {
		t.Errorf("content %q", data)
	}
	if data, _ := os.ReadFile(link); string(data) != "old" {
		t.Errorf("written through a hard link: %q", data)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	// a failing writer leaves the old file and no temp file
	err := WriteFunc(p, 0o644, func(w io.Writer) error { w.Write([]byte("half")); return errors.New("boom") })
	if err == nil {
		t.Fatal("error lost")
	}
	if data, _ := os.ReadFile(p); string(data) != "new" {
		t.Errorf("half-written: %q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("temp files left: %v", ents)
	}
	// a read-only directory: an error, nothing changed
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		if err := Write(filepath.Join(ro, "x"), []byte("x"), 0o644); err == nil {
			t.Errorf("write into a read-only directory succeeded")
		}
	}
}

// TestReplaceKeepsOwnerModeAndSymlinks: the rewrite keeps owner, group
// and every mode bit (setgid included), writes a symlink's target inside
// the root, refuses one that points outside, and clears temp files a
// killed run left.
func TestReplaceKeepsOwnerModeAndSymlinks(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	os.WriteFile(p, []byte("old"), 0o644)
	if err := os.Chmod(p, 0o2664|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	uid, gid := 1234, 5678
	if err := os.Chown(p, uid, gid); err != nil {
		t.Skipf("chown needs root here: %v", err)
	}
	stale := filepath.Join(dir, ".Dockerfile.layerwise-123")
	os.WriteFile(stale, []byte("half"), 0o600)
	if err := Replace(p, []byte("new"), dir); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode()&os.ModeSetgid == 0 || st.Mode().Perm() != 0o664 {
		t.Errorf("mode %v", st.Mode())
	}
	if u, g, _ := owner(st); u != uid || g != gid {
		t.Errorf("owner %d:%d, want %d:%d", u, g, uid, gid)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("stale temp file left")
	}

	// a symlink inside the root: written through, still a symlink
	real := filepath.Join(dir, "docker", "Dockerfile.real")
	os.MkdirAll(filepath.Dir(real), 0o755)
	os.WriteFile(real, []byte("old"), 0o644)
	link := filepath.Join(dir, "Dockerfile.link")
	os.Symlink("docker/Dockerfile.real", link)
	if err := Replace(link, []byte("through"), dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced by a file")
	}
	if data, _ := os.ReadFile(real); string(data) != "through" {
		t.Errorf("target %q", data)
	}

	// a symlink out of the root: refused, nothing written
	outside := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(outside, []byte("keep"), 0o644)
	out := filepath.Join(dir, "out.link")
	os.Symlink(outside, out)
	if err := Replace(out, []byte("x"), dir); err == nil {
		t.Errorf("wrote through a symlink out of the root")
	}
	if data, _ := os.ReadFile(outside); string(data) != "keep" {
		t.Errorf("outside file changed: %q", data)
	}
}
