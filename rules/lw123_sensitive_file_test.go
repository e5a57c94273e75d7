package rules

import (
	"testing"
)

func TestLW123Sensitive(t *testing.T) {
	contextCases(t, "LW123",
		[]rep{{sensitive: []string{".env"}}, {sensitive: []string{"id_rsa"}}, {sensitive: []string{".aws/"}}, {ignore: "/r/.dockerignore", sensitive: []string{"k.pem"}}, {sensitive: []string{".git/", ".npmrc"}}},
		[]rep{{}, {heavy: []string{"node_modules"}}, {bytes: 1e9}, {unused: 1e9}, {ignore: "/r/.dockerignore"}},
	)
}
