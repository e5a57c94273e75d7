package dockerfile

import (
	"strings"
	"testing"
)

// FuzzParse feeds random Dockerfile text to the model builder: it must
// never panic (Parse turns a panic into an "internal error", which this
// target treats as a failure) and every position it reports must lie
// inside the file.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCOPY . /src\n",
		"# syntax=docker/dockerfile:1\nARG X=1\nFROM a AS b\nCOPY --from=b --link /x /y\nRUN --mount=type=cache,target=/c true\n",
		"FROM x\nRUN <<EOF\nset -e\necho hi\nEOF\nCOPY <<A <<B /dst/\na\nA\nb\nB\n",
		"# escape=`\nFROM x\nRUN a `\n b\n",
		"FROM ${BASE:-scratch}\nWORKDIR ${D:?missing}\nUSER $U:$G\nENV A=$B B=${A}x\n",
		"FROM x\nONBUILD RUN y\nHEALTHCHECK --interval=5s CMD true\nSHELL [\"pwsh\"]\nRUN $x\n",
		"FROM x\nRUN if [ ; then ( ; fi\nADD https://a/b.git#main /x\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse("Dockerfile", []byte(src), Options{})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("panic while parsing %q: %v", src, err)
			}
			return
		}
		n := len(m.Lines)
		check := func(r Range) {
			if r.Start.Line < 1 || r.End.Line > n+1 || r.Start.Col < 1 || r.End.Line < r.Start.Line {
				t.Fatalf("range %v outside a %d-line file: %q", r, n, src)
			}
		}
		for _, s := range m.Stages {
			check(s.Range)
			for _, in := range s.Instructions {
				check(in.Range)
			}
		}
	})
}
