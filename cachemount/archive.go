package cachemount

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// An entry is a tar stream of the mount's content compressed with zstd:
// directories, regular files and symlinks, with their modes, owners and
// modification times (PAX headers: nanoseconds). Names are relative to the
// mount's root, '/'-separated, never absolute and never with a ".."
// component. Devices, sockets and fifos are left out.

// PackStats is what Pack kept and dropped.
type PackStats struct {
	// Files and Bytes are the regular files kept (symlinks count as
	// files of no bytes) and their sizes.
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
	// DroppedFiles and DroppedBytes are the files the cap left out: the
	// least recently modified.
	DroppedFiles int64 `json:"droppedFiles,omitempty"`
	DroppedBytes int64 `json:"droppedBytes,omitempty"`
	// Digest identifies what was kept (names, modes, owners, sizes,
	// modification times, link targets): equal digests, equal entries.
	Digest string `json:"digest"`
	// Unchanged: the digest equalled the one Pack was told the stored
	// entry has, and nothing was written.
	Unchanged bool `json:"unchanged,omitempty"`
	// ArchiveBytes is the compressed size written.
	ArchiveBytes int64 `json:"archiveBytes,omitempty"`
}

type packEntry struct {
	rel  string
	fi   fs.FileInfo
	link string
}

// Pack writes the content of src to w as an entry, newest-modified files
// first into the budget of maxBytes (0: no cap); files past it, the oldest,
// are dropped. When the kept content's digest equals unchanged, nothing is
// written and Unchanged is set.
func Pack(src string, w io.Writer, maxBytes int64, unchanged string) (PackStats, error) {
	kept, st, err := scan(src, maxBytes)
	if err != nil {
		return st, err
	}
	if unchanged != "" && st.Digest == unchanged {
		st.Unchanged = true
		return st, nil
	}
	cw := &countWriter{w: w}
	zw, err := zstd.NewWriter(cw, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return st, err
	}
	tw := tar.NewWriter(zw)
	for _, e := range kept {
		hdr, err := tar.FileInfoHeader(e.fi, e.link)
		if err != nil {
			return st, fmt.Errorf("%s: %w", e.rel, err)
		}
		hdr.Name = e.rel
		if e.fi.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid = owner(e.fi)
		hdr.Uname, hdr.Gname = "", ""
		hdr.ModTime = e.fi.ModTime()
		hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return st, fmt.Errorf("%s: %w", e.rel, err)
		}
		if e.fi.Mode().IsRegular() {
			if err := copyFile(tw, filepath.Join(src, filepath.FromSlash(e.rel)), e.fi.Size()); err != nil {
				return st, fmt.Errorf("%s: %w", e.rel, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return st, err
	}
	if err := zw.Close(); err != nil {
		return st, err
	}
	st.ArchiveBytes = cw.n
	return st, nil
}

// scan lists what Pack keeps of src under the cap, parents first, with
// the stats and digest of it.
func scan(src string, maxBytes int64) ([]packEntry, PackStats, error) {
	var st PackStats
	var dirs, files []packEntry
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == src {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // vanished while walking
			}
			return err
		}
		e := packEntry{rel: filepath.ToSlash(rel), fi: fi}
		switch {
		case fi.IsDir():
			dirs = append(dirs, e)
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
			files = append(files, e)
		case fi.Mode().IsRegular():
			files = append(files, e)
		}
		return nil
	})
	if err != nil {
		return nil, st, fmt.Errorf("reading %s: %w", src, err)
	}
	// newest first; the cap keeps a prefix of this order
	sort.SliceStable(files, func(i, j int) bool {
		ti, tj := files[i].fi.ModTime(), files[j].fi.ModTime()
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return files[i].rel < files[j].rel
	})
	kept := dirs
	full := false
	for _, f := range files {
		size := int64(0)
		if f.fi.Mode().IsRegular() {
			size = f.fi.Size()
		}
		if !full && maxBytes > 0 && st.Bytes+size > maxBytes {
			full = true
		}
		if full {
			st.DroppedFiles++
			st.DroppedBytes += size
			continue
		}
		st.Files++
		st.Bytes += size
		kept = append(kept, f)
	}
	// parents before children
	sort.Slice(kept, func(i, j int) bool { return kept[i].rel < kept[j].rel })
	h := sha256.New()
	for _, e := range kept {
		uid, gid := owner(e.fi)
		size, mtime := e.fi.Size(), e.fi.ModTime().UnixNano()
		switch {
		case e.fi.IsDir():
			size = 0 // a directory's size is the filesystem's business
		case e.link != "":
			mtime = 0 // a symlink's own time is not restored
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00%d\x00%d\x00%d\x00%s\n", e.rel, e.fi.Mode(), uid, gid, size, mtime, e.link)
	}
	st.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return kept, st, nil
}

// copyFile copies exactly size bytes of the file at p (a file that changed
// size since it was listed is padded or cut, as the header promised).
func copyFile(w io.Writer, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, io.LimitReader(f, size))
	if err != nil {
		return err
	}
	if n < size {
		_, err = io.CopyN(w, zeros{}, size-n)
	}
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// UnpackStats is what Unpack wrote.
type UnpackStats struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
	// Digest is the unpacked content's, as Pack computes it.
	Digest string `json:"digest"`
}

// CheckName is the one rule for the names of an entry: relative,
// '/'-separated, no "..", not empty. Unpack refuses an entry with any
// other name.
func CheckName(name string) (string, error) {
	n := strings.TrimSuffix(name, "/")
	if n == "" || n == "." {
		return "", fmt.Errorf("entry name %q: empty", name)
	}
	if strings.HasPrefix(n, "/") {
		return "", fmt.Errorf("entry name %q: absolute", name)
	}
	for _, c := range strings.Split(n, "/") {
		if c == ".." {
			return "", fmt.Errorf("entry name %q: has a .. component", name)
		}
	}
	if strings.ContainsRune(n, 0) {
		return "", fmt.Errorf("entry name %q: has a NUL byte", name)
	}
	return path.Clean(n), nil
}

// Unpack writes the entry read from r under dst. Nothing is written outside
// dst: names must pass CheckName, and every path is opened through an
// os.Root, so that a symlink of the entry (kept as it is) is never
// followed out of dst. Owners are set when the process may (root).
func Unpack(r io.Reader, dst string) (UnpackStats, error) {
	var st UnpackStats
	root, err := os.OpenRoot(dst)
	if err != nil {
		return st, err
	}
	defer root.Close()
	zr, err := zstd.NewReader(r)
	if err != nil {
		return st, err
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	type dirTime struct {
		name string
		mt   time.Time
	}
	var dirs []dirTime
	chown := os.Geteuid() == 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading the entry: %w", err)
		}
		name, err := CheckName(hdr.Name)
		if err != nil {
			return st, err
		}
		if d := path.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
		}
		mode := fs.FileMode(hdr.Mode) & fs.ModePerm
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.Mkdir(name, mode); err != nil && !errors.Is(err, fs.ErrExist) {
				return st, fmt.Errorf("%s: %w", name, err)
			}
			dirs = append(dirs, dirTime{name, hdr.ModTime})
		case tar.TypeReg:
			if fi, err := root.Lstat(name); err == nil && !fi.Mode().IsRegular() {
				if err := root.RemoveAll(name); err != nil {
					return st, fmt.Errorf("%s: %w", name, err)
				}
			}
			f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
			if err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
			n, err := io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
			st.Files++
			st.Bytes += n
		case tar.TypeSymlink:
			if _, err := root.Lstat(name); err == nil {
				if err := root.RemoveAll(name); err != nil {
					return st, fmt.Errorf("%s: %w", name, err)
				}
			}
			if err := root.Symlink(hdr.Linkname, name); err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
			st.Files++
		default:
			continue // nothing else is packed
		}
		if chown {
			if err := root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
		}
		if hdr.Typeflag == tar.TypeSymlink {
			continue
		}
		// after chown, which clears setuid/setgid
		if err := root.Chmod(name, tarMode(hdr)); err != nil {
			return st, fmt.Errorf("%s: %w", name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if err := root.Chtimes(name, hdr.ModTime, hdr.ModTime); err != nil {
				return st, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	// directories last, deepest first: writing into one changes its time
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].name > dirs[j].name })
	for _, d := range dirs {
		if err := root.Chtimes(d.name, d.mt, d.mt); err != nil {
			return st, fmt.Errorf("%s: %w", d.name, err)
		}
	}
	_, ps, err := scan(dst, 0)
	if err != nil {
		return st, err
	}
	st.Digest = ps.Digest
	return st, nil
}

// tarMode is the header's permission bits with setuid, setgid and sticky.
func tarMode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode) & fs.ModePerm
	if hdr.Mode&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&01000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Empty reports whether dir holds nothing (a missing dir is empty).
func Empty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err == io.EOF {
		return true, nil
	}
	return len(names) == 0, err
}
