// Command layerwise finds, fixes and measures what makes Docker image builds slow.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/layerwise/layerwise/cli"
	"github.com/sirupsen/logrus"
)

func main() {
	os.Exit(run())
}

// run executes the command; SIGINT or SIGTERM cancels it (every long loop
// checks the context, files are either as they were or fully written) and
// the exit code then says which signal stopped it: 130 or 143, as a shell
// reports. A second signal ends the process at once.
func run() int {
	// BuildKit's and containerd's client code logs through logrus's global
	// logger ("failed check for fsverity support", retried content writes
	// while a local cache is exported): what a build did reaches the user
	// through layerwise's own results and errors, not as log lines.
	logrus.SetOutput(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		got.Store(s)
		signal.Stop(sigs) // the next one takes the default action
		cancel()
	}()
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	switch got.Load() {
	case os.Interrupt:
		return 130
	case syscall.SIGTERM:
		return 143
	}
	return code
}
