package cachemount

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func write(t *testing.T, p string, data string, mode fs.FileMode, mt time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
}

// A round trip keeps contents, modes, times and symlinks (a symlink that
// points out of the mount is kept as it is: it is never followed), and the
// restored content's digest is the saved one's.
func TestPackUnpackRoundTrip(t *testing.T) {
	src := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	write(t, filepath.Join(src, "a/b/file.txt"), "hello", 0o640, t0)
	write(t, filepath.Join(src, "exe"), "#!/bin/sh\n", 0o755, t0.Add(time.Hour))
	if err := os.Symlink("a/b/file.txt", filepath.Join(src, "rel-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "abs-link")); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(src, "a/b"), t0, t0)
	var buf bytes.Buffer
	st, err := Pack(src, &buf, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 4 || st.Bytes != int64(len("hello")+len("#!/bin/sh\n")) || st.DroppedFiles != 0 || st.ArchiveBytes != int64(buf.Len()) {
		t.Fatalf("stats %+v (archive %d bytes)", st, buf.Len())
	}
	dst := t.TempDir()
	ust, err := Unpack(bytes.NewReader(buf.Bytes()), dst)
	if err != nil {
		t.Fatal(err)
	}
	if ust.Files != 4 || ust.Bytes != st.Bytes {
		t.Errorf("unpack stats %+v", ust)
	}
	if ust.Digest != st.Digest {
		t.Errorf("digest after restore %s, saved %s", ust.Digest, st.Digest)
	}
	data, err := os.ReadFile(filepath.Join(dst, "a/b/file.txt"))
	if err != nil || string(data) != "hello" {
		t.Fatalf("file: %q %v", data, err)
	}
	fi, _ := os.Stat(filepath.Join(dst, "a/b/file.txt"))
	if fi.Mode().Perm() != 0o640 || !fi.ModTime().Equal(t0) {
		t.Errorf("file mode %v time %v", fi.Mode(), fi.ModTime())
	}
	fi, _ = os.Stat(filepath.Join(dst, "exe"))
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("exe mode %v", fi.Mode())
	}
	if l, err := os.Readlink(filepath.Join(dst, "abs-link")); err != nil || l != "/etc/passwd" {
		t.Errorf("abs-link: %q %v", l, err)
	}
	if l, err := os.Readlink(filepath.Join(dst, "rel-link")); err != nil || l != "a/b/file.txt" {
		t.Errorf("rel-link: %q %v", l, err)
	}
	fi, _ = os.Stat(filepath.Join(dst, "a/b"))
	if !fi.ModTime().Equal(t0) {
		t.Errorf("dir time %v", fi.ModTime())
	}
	// the same content again: unchanged, nothing written
	var again bytes.Buffer
	st2, err := Pack(src, &again, 0, st.Digest)
	if err != nil || !st2.Unchanged || again.Len() != 0 {
		t.Errorf("unchanged pack: %+v, %d bytes, %v", st2, again.Len(), err)
	}
}

// The cap keeps the newest files and drops the oldest, and says so.
func TestPackCapDropsOldest(t *testing.T) {
	src := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, name := range []string{"oldest", "old", "new", "newest"} {
		write(t, filepath.Join(src, name), strings.Repeat("x", 100), 0o644, t0.Add(time.Duration(i)*time.Hour))
	}
	var buf bytes.Buffer
	st, err := Pack(src, &buf, 250, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 2 || st.Bytes != 200 || st.DroppedFiles != 2 || st.DroppedBytes != 200 {
		t.Fatalf("stats %+v", st)
	}
	dst := t.TempDir()
	if _, err := Unpack(&buf, dst); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"newest": true, "new": true, "old": false, "oldest": false} {
		_, err := os.Stat(filepath.Join(dst, name))
		if (err == nil) != want {
			t.Errorf("%s restored: %v, want %v", name, err == nil, want)
		}
	}
}

func entryOf(t *testing.T, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// Nothing is written outside the mount: names with .. or a leading / are
// refused, and a symlink of the entry is never followed out of it.
func TestUnpackRefusesEscapes(t *testing.T) {
	cases := map[string][]*tar.Header{
		"dotdot":   {{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1}},
		"inner":    {{Name: "a/../../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1}},
		"absolute": {{Name: "/evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1}},
		"through-symlink": {
			{Name: "out", Typeflag: tar.TypeSymlink, Linkname: "OUTSIDE"},
			{Name: "out/evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
		},
	}
	for name, hdrs := range cases {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			os.Mkdir(outside, 0o755)
			dst := filepath.Join(base, "mount")
			os.Mkdir(dst, 0o755)
			for _, h := range hdrs {
				h.Linkname = strings.ReplaceAll(h.Linkname, "OUTSIDE", outside)
			}
			_, err := Unpack(bytes.NewReader(entryOf(t, hdrs...)), dst)
			if err == nil {
				t.Fatal("unpacked without an error")
			}
			for _, p := range []string{filepath.Join(base, "evil"), filepath.Join(outside, "evil"), "/evil"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"a": true, "a/b/": true, "a/./b": true, "..": false, "a/..": false, "../a": false, "/a": false, "": false, ".": false, "a..b": true} {
		_, err := CheckName(name)
		if (err == nil) != ok {
			t.Errorf("CheckName(%q): %v, want ok=%v", name, err, ok)
		}
	}
}
