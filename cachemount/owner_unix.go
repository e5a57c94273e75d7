//go:build unix

package cachemount

import (
	"io/fs"
	"syscall"
)

func owner(fi fs.FileInfo) (int, int) {
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), int(s.Gid)
	}
	return 0, 0
}
