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
