package buildctx

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testfs"
)

// TestUnitIgnoreFileOutsideOrSpecial: issue 27 items 1 and 3. A
// .dockerignore (or Dockerfile.dockerignore) that resolves outside its
// directory is not read, and neither is a FIFO or a device: each gives an
// error naming the file, where it points or what it is, never a hang and
// never the content of a file outside.
func TestUnitIgnoreFileOutsideOrSpecial(t *testing.T) {
	top := t.TempDir()
	testfs.Write(t, top, map[string]string{"outside/secret": "SECRET-OUTSIDE-42\n", "repo/ctx/Dockerfile": "FROM scratch\n", "repo/ctx/a": "x"})
	ctxDir := filepath.Join(top, "repo", "ctx")
	check := func(t *testing.T, want ...string) {
		t.Helper()
		done := make(chan error, 1)
		go func() { _, err := FindIgnoreFile(ctxDir, filepath.Join(ctxDir, "Dockerfile")); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("read")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error quotes the file outside: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("FindIgnoreFile blocked")
		}
	}
	for _, name := range []string{".dockerignore", "Dockerfile.dockerignore"} {
		p := filepath.Join(ctxDir, name)
		t.Run(name+"-outside", func(t *testing.T) {
			os.Symlink("../../outside/secret", p)
			defer os.Remove(p)
			check(t, name, filepath.Join(top, "outside", "secret"), "outside")
		})
		t.Run(name+"-fifo", func(t *testing.T) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(p)
			check(t, name, "named pipe")
		})
		t.Run(name+"-dev-zero", func(t *testing.T) {
			os.Symlink("/dev/zero", p)
			defer os.Remove(p)
			check(t, name, "/dev/zero")
		})
	}
}
