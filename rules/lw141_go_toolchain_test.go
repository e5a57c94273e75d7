package rules

import (
	"strings"
	"testing"
)

// TestLW141GoOlderThanGoMod: review 22 (speedscale's go-mongo) and ory
// kratos' webhook mock: a go line newer than the official base's Go fails
// the build under the images' GOTOOLCHAIN=local.
func TestLW141GoOlderThanGoMod(t *testing.T) {
	run := func(df, goMod string) []Finding {
		t.Helper()
		files := map[string]string{"Dockerfile": df, "main.go": "package main\n", "go.mod": "module x\n\ngo " + goMod + "\n"}
		return check(t, "LW141", inputWithContext(t, files))
	}
	build := "WORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n"
	for _, tc := range []struct {
		df, goMod string
		want      int
	}{
		{"FROM golang:1.24\n" + build, "1.26", 1},             // one finding: the build stops at the first
		{"FROM golang:1.21-alpine AS b\n" + build, "1.26", 1}, // kratos' mock
		{"FROM golang:1.24.1-bookworm\n" + build, "1.24.3", 1},
		{"FROM golang:1.24\n" + build, "1.24.3", 0}, // a floating tag has 1.24's latest patch
		{"FROM golang:1.26\n" + build, "1.26", 0},
		{"FROM golang:1.24\nENV GOTOOLCHAIN=auto\n" + build, "1.26", 0},
		{"FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN GOTOOLCHAIN=go1.26.0 go build .\n", "1.26", 0},
		{"FROM golang:1.20\n" + build, "1.26", 0},                                                     // no toolchain switching before 1.21
		{"FROM golang:latest\n" + build, "1.26", 0},                                                   // no version in the tag
		{"FROM registry.example.com/golang:1.24\n" + build, "1.26", 0},                                // not the official image
		{"FROM golang:1.24\nWORKDIR /src\nCOPY main.go .\nRUN go build -o /app main.go\n", "1.26", 0}, // go.mod not copied
		{"FROM golang:1.24\nRUN go install example.com/tool@v1.2.3\n", "1.26", 0},
		// a cd after another command: the go command may run in another module
		{"FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN apk add git && cd svc && go build .\n", "1.26", 0},
		{"FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN cd cmd && go build .\n", "1.26", 1}, // a leading cd is followed
		// a go.mod in a directory above the WORKDIR
		{"FROM golang:1.24\nWORKDIR /src\nCOPY . .\nWORKDIR /src/cmd\nRUN go build -o /app .\n", "1.26", 1},
	} {
		fs := run(tc.df, tc.goMod)
		if len(fs) != tc.want {
			t.Errorf("%q (go %s): %+v, want %d", tc.df, tc.goMod, fs, tc.want)
			continue
		}
		if tc.want > 0 && (fs[0].Severity != Error || !strings.Contains(fs[0].Message, "asks for Go "+tc.goMod)) {
			t.Errorf("%q: %+v", tc.df, fs[0])
		}
	}
}
