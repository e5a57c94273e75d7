//go:build unix

package buildctx

import (
	"os"

	"golang.org/x/sys/unix"
)

// lstatAt sizes an entry relative to its open directory: one fstatat per
// entry rather than a path lookup from the root, and nothing a symlink
// points to is followed.
func lstatAt(dir *os.File, _ string, name string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	return st.Size, nil
}
