// Package par runs independent pieces of work on every core.
package par

import (
	"runtime"
	"sync"
)

// Each calls f(i) for i in [0, n) on GOMAXPROCS goroutines and returns
// when all calls have. f must write only what index i owns (results go to
// a slice slot), so that the caller sees them in index order, whatever the
// scheduling. stop, when non-nil, is asked before each call: once it says
// true no further call starts.
func Each(n int, stop func() bool, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if stop != nil && stop() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}
