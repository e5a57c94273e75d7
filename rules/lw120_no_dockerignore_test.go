package rules

import (
	"testing"
)

func TestLW120NoDockerignore(t *testing.T) {
	contextCases(t, "LW120",
		[]rep{{}, {bytes: 1}, {heavy: []string{".git"}}, {unused: 5e6}, {bytes: 500e6, heavy: []string{"node_modules"}}},
		[]rep{{ignore: "/r/.dockerignore"}, {ignore: "/r/Dockerfile.dockerignore"}, {ignore: "/x/.dockerignore", bytes: 1e9}, {ignore: "/a/.dockerignore", heavy: []string{".git"}}, {ignore: "/b/.dockerignore", unused: 1e9}},
	)
}
