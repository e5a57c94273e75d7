package rules

import (
	"testing"
)

func TestLW120NoDockerignore(t *testing.T) {
	contextCases(t, "LW120",
		[]rep{{heavy: []string{".git"}}, {bytes: 500e6, heavy: []string{"node_modules"}, df: npmBuild}, {sensitive: []string{".env"}}},
		// nothing an ignore file would keep out of what BuildKit sends:
		// all of it is read, or no COPY names it (files no source reaches
		// are not sent)
		[]rep{{}, {bytes: 1}, {bytes: 500e6}, {unused: 5e6}, {bytes: 500e6, unused: 5e6, undecidable: true},
			{heavy: []string{".git"}, unreached: []string{".git"}}, {sensitive: []string{".env"}, unreached: []string{".env"}},
			// a certificate a COPY brings stays (the build may ship it:
			// review 24); LW123 reports it
			{sensitive: []string{"src/Api/identity.pfx"}},
			{ignore: "/r/.dockerignore"}, {ignore: "/r/Dockerfile.dockerignore"}, {ignore: "/x/.dockerignore", bytes: 1e9}, {ignore: "/a/.dockerignore", heavy: []string{".git"}}, {ignore: "/b/.dockerignore", unused: 1e9}},
	)
}
