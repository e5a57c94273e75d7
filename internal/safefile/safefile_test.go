package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadRegularRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "package.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "go.mod"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2048), 0o644)
	os.WriteFile(filepath.Join(dir, "ok"), []byte("hello"), 0o644)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for name, want := range map[string]error{"package.json": ErrNotRegular, "go.mod": ErrNotRegular, "big": ErrTooLarge} {
			_, err := ReadRegular(filepath.Join(dir, name), 1024)
			if !errors.Is(err, want) {
				t.Errorf("%s: err %v, want %v", name, err, want)
			}
		}
		_, err := ReadRegular(filepath.Join(dir, "go.mod"), 1024)
		if err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("FIFO: %v, want a message naming a named pipe", err)
		}
		if data, err := ReadRegular(filepath.Join(dir, "ok"), 1024); err != nil || string(data) != "hello" {
			t.Errorf("ok: %q %v", data, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ReadRegular blocked")
	}
}

func TestWithinResolvesSymlinks(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "repo")
	os.MkdirAll(filepath.Join(root, "in"), 0o755)
	os.MkdirAll(filepath.Join(top, "outside"), 0o755)
	os.Symlink("../outside", filepath.Join(root, "ext"))
	os.Symlink("in", filepath.Join(root, "alias"))
	os.Symlink("../nowhere", filepath.Join(root, "dangling"))
	for _, c := range []struct {
		p  string
		ok bool
	}{
		{"in", true}, {"in/new/file", true}, {"alias/x", true}, {".", true},
		{"ext", false}, {"ext/Dockerfile", false}, {"ext/new/dir/file", false},
		{"../outside", false}, {"/etc/passwd", false}, {"/proc/self/environ", false},
		{"dangling/x", false},
	} {
		p := c.p
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		_, err := Within(root, p)
		if (err == nil) != c.ok {
			t.Errorf("Within(%s) = %v, want ok=%v", c.p, err, c.ok)
		}
	}
	var oe *OutsideError
	if _, err := Within(root, filepath.Join(root, "ext", "Dockerfile")); !errors.As(err, &oe) || !strings.Contains(err.Error(), filepath.Join(top, "outside", "Dockerfile")) {
		t.Errorf("outside error %v does not say where the path points", err)
	}
}
