//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

// owner is a file's uid and gid, when the platform says.
func owner(st os.FileInfo) (int, int, bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), int(s.Gid), true
	}
	return 0, 0, false
}
