package rules

import (
	"testing"
)

func TestLW120NoDockerignore(t *testing.T) {
	contextCases(t, "LW120",
		[]rep{{heavy: []string{".git"}}, {unused: 5e6}, {bytes: 500e6, heavy: []string{"node_modules"}}, {sensitive: []string{".env"}}},
		// nothing an ignore file would keep out: all of it is read
		[]rep{{}, {bytes: 1}, {bytes: 500e6}, {bytes: 500e6, unused: 5e6, undecidable: true},
			{ignore: "/r/.dockerignore"}, {ignore: "/r/Dockerfile.dockerignore"}, {ignore: "/x/.dockerignore", bytes: 1e9}, {ignore: "/a/.dockerignore", heavy: []string{".git"}}, {ignore: "/b/.dockerignore", unused: 1e9}},
	)
}
