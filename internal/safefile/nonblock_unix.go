//go:build unix

package safefile

import "syscall"

// oNonblock: opening a named pipe for reading returns at once instead of
// waiting for a writer (the type check after the open then refuses it).
const oNonblock = syscall.O_NONBLOCK
