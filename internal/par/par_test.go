package par

import (
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	out := make([]int, 1000)
	Each(len(out), nil, func(i int) { out[i] = i * i })
	for i, v := range out {
		if v != i*i {
			t.Fatalf("out[%d] = %d", i, v)
		}
	}
	var calls atomic.Int32
	Each(100, func() bool { return calls.Load() >= 10 }, func(int) { calls.Add(1) })
	if c := calls.Load(); c < 10 || c > 10+64 {
		t.Errorf("%d calls after stop", c)
	}
	Each(0, nil, func(int) { t.Error("no work, no call") })
}
