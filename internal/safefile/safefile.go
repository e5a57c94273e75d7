// Package safefile reads the files of a repository that may be hostile (CI
// runs layerwise on pull requests anyone can open): only regular files,
// never more than a cap, never blocking on a named pipe, and only inside
// the repository once every symlink is resolved.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxManifest caps what layerwise reads of a repository's manifests,
// Dockerfiles, ignore files and configuration (package.json, go.mod,
// requirements.txt, .layerwise.yaml, ...): far above any real one.
const MaxManifest = 16 << 20

var (
	// ErrNotRegular: the path is a FIFO, a device, a socket or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the cap.
	ErrTooLarge = errors.New("too large")
)

// ReadRegular reads path, following symlinks, when it is a regular file of
// at most max bytes. A named pipe is never opened in blocking mode, so a
// FIFO committed to a repository cannot hang the reader; /dev/zero behind a
// symlink is refused, not read without bound. The errors are
// *fs.PathError wrapping ErrNotRegular or ErrTooLarge, with a message that
// says what the file is and what layerwise reads.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(path, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max { // it grew while read
		return nil, tooLarge(path, max)
	}
	return data, nil
}

func tooLarge(path string, max int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: larger than %s, the most layerwise reads of a file it models", ErrTooLarge, size(max))}
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// OpenRegular opens path for reading when it is a regular file (after
// symlinks), for a caller that streams it. The type is checked before the
// file is opened and again on the open file, and the open never blocks
// (O_NONBLOCK where the system has it).
func OpenRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notRegular(path, st.Mode())
		}
		return nil, err
	}
	return f, nil
}

func notRegular(path string, m fs.FileMode) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s): layerwise reads only regular files of a repository", ErrNotRegular, Kind(m))}
}

// Kind names a file's type for messages.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "an irregular file"
}

// OutsideError: a path resolves, after symlinks, outside the directory it
// must stay in.
type OutsideError struct {
	Path   string // as given
	Target string // where it resolves
	Root   string // the directory it must stay in
}

func (e *OutsideError) Error() string {
	return fmt.Sprintf("%s resolves to %s, outside the repository %s: layerwise reads and writes only inside the repository", e.Path, e.Target, e.Root)
}

// Resolve returns the absolute path with every symlink resolved. A path
// that does not exist yet (a file to be written) resolves through its
// longest existing prefix, the rest appended as given; a symlink on the way
// that does not resolve is an error.
func Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var rest []string
	for p := abs; ; {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			t, _ := os.Readlink(p)
			return "", fmt.Errorf("%s is a symlink to %s, which does not exist: %w", p, t, fs.ErrNotExist)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}

// Within returns path resolved (see Resolve) when it lies inside root
// (resolved too), and an *OutsideError otherwise.
func Within(root, path string) (string, error) {
	r, err := Resolve(root)
	if err != nil {
		return "", err
	}
	t, err := Resolve(path)
	if err != nil {
		return "", err
	}
	if !Inside(r, t) {
		return "", &OutsideError{Path: path, Target: t, Root: root}
	}
	return t, nil
}

// Inside reports whether the clean absolute path p is root or below it.
func Inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// ReadWithin reads path as ReadRegular does when it resolves inside root.
func ReadWithin(root, path string, max int64) ([]byte, error) {
	t, err := Within(root, path)
	if err != nil {
		return nil, err
	}
	return ReadRegular(t, max)
}
