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
// symlink is written through to its target, which must lie inside within
// (never outside the repository being fixed). Temp files an earlier,
// killed run left next to the target are removed first, so they are never
// sent as build context. Nothing is written when any of that cannot be
// kept.
func Replace(path string, data []byte, within string) error {
	target, err := resolveWithin(path, within)
	if err != nil {
		return err
	}
	removeStale(target)
	st, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return Write(target, data, 0o644)
	}
	if err != nil {
		return err
	}
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

// resolveWithin follows a symlinked path to the file it names, which must
// be inside root.
func resolveWithin(path, root string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return path, nil // a regular file, or one still to be created
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s is a symlink that does not resolve: %w", path, err)
	}
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(rootReal, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is a symlink to %s, outside %s: not written", path, target, root)
	}
	return target, nil
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
