package rules

import "testing"

func TestLW130RunsTogether(t *testing.T) {
	ruleCatches(t, "LW130",
		"FROM debian:12\nRUN a\nRUN b\nRUN c\n",
		"FROM debian:12\nCOPY x /x\nRUN a\nRUN b\nRUN c\nRUN d\nCOPY y /y\n",
		"FROM debian:12 AS a\nRUN 1\nFROM debian:12\nRUN a\nRUN b\nRUN c\n",
		"FROM debian:12\nRUN <<EOF\na\nEOF\nRUN b\nRUN c\n",
		"FROM debian:12\nRUN [\"a\"]\nRUN [\"b\"]\nRUN [\"c\"]\n",
	)
	ruleCatchesNot(t, "LW130",
		"FROM debian:12\nRUN a\nRUN b\n",
		"FROM debian:12\nRUN a\nCOPY x /x\nRUN b\nCOPY y /y\nRUN c\n",
		"FROM debian:12\nRUN a\nRUN --mount=type=cache,target=/c b\nRUN c\n",
		"FROM debian:12\nRUN a && b && c\n",
		"FROM debian:12\nRUN a\nENV X=1\nRUN b\nRUN c\n",
	)
}
