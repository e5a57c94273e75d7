package discover

import "golang.org/x/sys/unix"

// boundMemory caps a started process's address space (prlimit(2));
// children it starts after inherit the cap.
func boundMemory(pid int) {
	lim := &unix.Rlimit{Cur: bakeMemory, Max: bakeMemory}
	_ = unix.Prlimit(pid, unix.RLIMIT_AS, lim, nil)
}
