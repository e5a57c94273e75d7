//go:build !linux

package discover

// boundMemory: no prlimit(2) here; the bake's timeout still bounds it.
func boundMemory(int) {}
