package rules

import (
	"testing"
)

func TestLW124UnusedContext(t *testing.T) {
	contextCases(t, "LW124",
		[]rep{{unused: 11 << 20}, {unused: 1e9}, {ignore: "/r/.dockerignore", unused: 50e6}, {unused: 20e6, heavy: []string{".git"}}, {unused: 100e6, bytes: 200e6}},
		[]rep{{}, {unused: 10 << 20}, {unused: 1e6}, {unused: 1e9, undecidable: true}, {bytes: 1e9}},
	)
}
