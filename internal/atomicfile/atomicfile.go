// Package atomicfile writes files so that nothing is ever half-written:
// the content goes to a temp file in the same directory, which is renamed
// over the target only once complete. A failure leaves the old file as it
// was, and a hard link to the old file is never written through.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerwise/layerwise/internal/safefile"
)

// WriteFunc writes path with the content write produces, with mode perm.
func WriteFunc(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".layerwise-*")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := write(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Write writes data to path with mode perm.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Replace writes data over an existing file (or creates it) the way an
// editor that respects the file would: the new file keeps the old one's
// mode bits (setuid, setgid and sticky included) and its owner and group; a
// symlink is written through to its target. The path, resolved through
// every symlink (its directories' too), must lie inside within — never
// outside the repository being fixed (see Within). A file without its
// owner's write permission (a read-only 0444 file) is refused, not replaced
// behind its owner's back. Temp files an earlier, killed run left next to
// the target are removed first, so they are never sent as build context.
// Nothing is written when any of that cannot be kept.
func Replace(path string, data []byte, within string) error {
	target, err := Within(within, path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		removeStale(target)
		return Write(target, data, 0o644)
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, not a regular file: not written", path, safefile.Kind(st.Mode()))
	}
	if st.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s is read-only (mode %04o): not written; make it writable (chmod u+w) to let layerwise rewrite it", path, st.Mode().Perm())
	}
	removeStale(target)
	mode := st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
	uid, gid, owned := owner(st)
	return WriteFunc(target, mode, func(w io.Writer) error {
		if owned {
			f, ok := w.(*os.File)
			if !ok {
				return errors.New("not a file")
			}
			if err := f.Chown(uid, gid); err != nil {
				return fmt.Errorf("cannot keep owner %d:%d of %s: %w", uid, gid, target, err)
			}
		}
		_, err := w.Write(data)
		return err
	})
}

// Within returns the path to write for path: path with every symlink
// resolved (of the file and of its directories, the missing ones
// included), which must lie inside root (resolved too). It is the check
// every writer of a repository's files makes before it writes or creates
// a directory: a repository that commits `ext -> ../outside` or a
// symlinked .github/workflows must not get a file written outside itself.
func Within(root, path string) (string, error) {
	target, err := safefile.Within(root, path)
	if err != nil {
		var oe *safefile.OutsideError
		if errors.As(err, &oe) {
			return "", fmt.Errorf("%s resolves to %s, outside %s: not written (layerwise writes only inside the repository; a symlink on the way points out of it)", path, oe.Target, root)
		}
		return "", fmt.Errorf("%s: %w: not written", path, err)
	}
	return target, nil
}

// WriteWithin writes data to path with mode perm, creating its directory,
// when path resolves inside root (see Within); the file is written where
// the path resolves.
func WriteWithin(root, path string, data []byte, perm os.FileMode) error {
	target, err := Within(root, path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return Write(target, data, perm)
}

// removeStale removes temp files of WriteFunc for path that a killed run
// left behind.
func removeStale(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+globEscape(filepath.Base(path))+".layerwise-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
