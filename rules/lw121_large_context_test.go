package rules

import (
	"testing"
)

func TestLW121LargeContext(t *testing.T) {
	contextCases(t, "LW121",
		[]rep{{bytes: 101 << 20}, {bytes: 1e9}, {ignore: "/r/.dockerignore", bytes: 2e8}, {bytes: 5e9, heavy: []string{".git"}}, {bytes: 200 << 20}},
		[]rep{{bytes: 0}, {bytes: 1e6}, {bytes: 100 << 20}, {bytes: 50e6, heavy: []string{".git"}}, {ignore: "/r/.dockerignore", bytes: 99e6},
			// BuildKit sends only what the sources name (tempo's debug
			// image copies a binary past a 130 MB vendor/): LW124's
			{bytes: 200 << 20, unused: 150 << 20, df: "FROM debian:12\nCOPY bin/tempo /tempo\n"}},
	)
	// what no source reaches cannot be told: the whole context counts
	contextCases(t, "LW121",
		[]rep{{bytes: 200 << 20, unused: 150 << 20, undecidable: true}}, nil,
	)
}
