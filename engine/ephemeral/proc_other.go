//go:build !linux

package ephemeral

import (
	"os"
	"syscall"
)

// buildkitd runs on Linux alone; elsewhere Start finds no buildkitd to run
// and these only keep the package building for the release binaries.
func ownGroup() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { _ = p.Kill() }

func unmountUnder(string) {}
