//go:build !unix

package cachemount

import "io/fs"

// owner: no numeric owners where the system has none (Windows); the
// archive's entries then belong to root, as BuildKit's cache mounts do.
func owner(fs.FileInfo) (int, int) { return 0, 0 }
