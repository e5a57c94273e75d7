package measure

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/statedir"
)

// workCopy is a private copy of a build context (and its Dockerfile) that
// the scenarios may change: the user's tree is never touched.
//
// Files are hard-linked where the filesystem allows (a copy of a 1 GB
// context costs nothing); a file that a scenario changes is replaced by a
// new file through rename, which breaks the link, never writing through it.
type workCopy struct {
	dir        string
	Context    string // the copy of the context
	Dockerfile string // the Dockerfile inside the copy
}

// newWorkCopy copies the context (and a Dockerfile outside it) into a new
// temporary directory. inline, when set, is the Dockerfile's text (a compose dockerfile_inline or
// bake dockerfile-inline); it is written beside the copy.
func newWorkCopy(contextDir, dockerfile, inline string) (*workCopy, error) {
	dir, err := os.MkdirTemp("", "layerwise-measure-")
	if err != nil {
		return nil, err
	}
	wc := &workCopy{dir: dir, Context: filepath.Join(dir, "context")}
	if err := CopyTree(contextDir, wc.Context); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("copying the build context %s: %w", contextDir, err)
	}
	if inline != "" {
		wc.Dockerfile = filepath.Join(dir, "dockerfile", "Dockerfile")
		if err := writeInline(wc.Dockerfile, inline); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	} else if rel, err := filepath.Rel(contextDir, dockerfile); err == nil && !strings.HasPrefix(rel, "..") {
		wc.Dockerfile = filepath.Join(wc.Context, rel)
	} else {
		// a Dockerfile outside its context: copy it (and its own ignore file)
		wc.Dockerfile = filepath.Join(dir, "dockerfile", filepath.Base(dockerfile))
		if err := os.MkdirAll(filepath.Dir(wc.Dockerfile), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		for _, suffix := range []string{"", ".dockerignore"} {
			if err := copyFile(dockerfile+suffix, wc.Dockerfile+suffix); err != nil && !(suffix != "" && errors.Is(err, fs.ErrNotExist)) {
				os.RemoveAll(dir)
				return nil, err
			}
		}
	}
	return wc, nil
}

func (wc *workCopy) Remove() error { return os.RemoveAll(wc.dir) }

// CopyTree hard-links (or copies) every file of src into dst, keeping
// symlinks as symlinks and modes and modification times as they are.
//
// layerwise's own state is left out: a .layerwise directory anywhere
// below src (the history store, whose -wal and -shm change while the
// copy is built from, local layer caches). A build from the copy must not
// send it, copy it into an image or re-run a COPY . . because the history
// recorded the build before.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && rel != "." && statedir.Is(filepath.ToSlash(rel)) {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, info.Mode().Perm()|0o700); err != nil {
				return err
			}
			return nil
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			if err := os.Link(p, target); err == nil {
				return nil
			} else if !errors.Is(err, syscall.EXDEV) && !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EMLINK) {
				return err
			}
			if err := copyFile(p, target); err != nil {
				return err
			}
			return os.Chtimes(target, info.ModTime(), info.ModTime())
		}
		return nil // sockets, devices: BuildKit skips them too
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// replaceFile writes new content for a file of the copy through a temp
// file and a rename, so a hard link to the user's file is never written.
func replaceFile(p string, content []byte) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	return atomicfile.Write(p, content, st.Mode().Perm())
}

func writeInline(p, text string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(text), 0o644)
}
