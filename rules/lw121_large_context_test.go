package rules

import (
	"testing"
)

func TestLW121LargeContext(t *testing.T) {
	contextCases(t, "LW121",
		[]rep{{bytes: 101 << 20}, {bytes: 1e9}, {ignore: "/r/.dockerignore", bytes: 2e8}, {bytes: 5e9, heavy: []string{".git"}}, {bytes: 200 << 20}},
		[]rep{{bytes: 0}, {bytes: 1e6}, {bytes: 100 << 20}, {bytes: 50e6, heavy: []string{".git"}}, {ignore: "/r/.dockerignore", bytes: 99e6}},
	)
}
