//go:build !unix

package buildctx

import (
	"os"
	"path/filepath"
)

// lstatAt sizes an entry by its path where the system has no fstatat
// (Windows): Lstat follows no symlink either.
func lstatAt(_ *os.File, dir, name string) (int64, error) {
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
