package rules

import (
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func multiPlatform(in *Input) *Input {
	in.Config.Platforms = []string{"linux/amd64", "linux/arm64"}
	return in
}

const goTwoStage = "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app ./cmd/app\nFROM scratch\nCOPY --from=build /out/app /app\n"

func TestLW115CompileUnderEmulation(t *testing.T) {
	catches := []string{
		goTwoStage,
		"FROM golang:1.23\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n", // single stage: LW112 splits it first
		"FROM node:20 AS web\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM nginx:1.27\nCOPY --from=web /app/dist /usr/share/nginx/html\n",
	}
	for _, src := range catches {
		if fs := check(t, "LW115", multiPlatform(input(t, src))); len(fs) != 1 {
			t.Errorf("want one finding for\n%s\ngot %v", src, fs)
		}
		// one platform: nothing runs under emulation
		if fs := check(t, "LW115", input(t, src)); len(fs) != 0 {
			t.Errorf("a single-platform build is flagged:\n%s", src)
		}
	}
	for _, src := range []string{
		"FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n",
		"FROM debian:12\nRUN apt-get update\n",
		"FROM golang:1.23 AS build\nRUN go version\nFROM scratch\n",
	} {
		if fs := check(t, "LW115", multiPlatform(input(t, src))); len(fs) != 0 {
			t.Errorf("should not catch:\n%s\ngot %v", src, fs[0].Message)
		}
	}
}

// fixed applies LW115's fix to the one finding, re-parses the result and
// returns it, or the refusal.
func fixedLW115(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	in := multiPlatform(inputWithContext(t, files))
	fs := check(t, "LW115", in)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	fx, why := CompileUnderEmulation.FixDockerfile(in, fs[0])
	if fx == nil {
		return "", why
	}
	out := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	m, err := dockerfile.Parse("Dockerfile", []byte(out), dockerfile.Options{})
	if err != nil || len(m.Errors) > 0 {
		t.Fatalf("the fix does not parse: %v %v\n%s", err, m.Errors, out)
	}
	return out, ""
}

func TestLW115Fix(t *testing.T) {
	out, why := fixedLW115(t, map[string]string{"Dockerfile": goTwoStage, "go.mod": "module x\n", "cmd/app/main.go": "package main\nfunc main() {}\n"})
	want := "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -o /out/app ./cmd/app\nFROM scratch\nCOPY --from=build /out/app /app"
	if why != "" || strings.TrimSpace(out) != want {
		t.Errorf("Go: %q\n%s", why, out)
	}
	// a declared TARGETARCH is not declared twice; every go build gets the target
	out, why = fixedLW115(t, map[string]string{"Dockerfile": "from golang:1.23 as build\nARG TARGETARCH\nRUN go build -o /a ./a && cd b && go build -o /b .\nFROM scratch\nCOPY --from=build /a /b /\n", "a/main.go": "package main\n"})
	if why != "" || !strings.Contains(out, "from --platform=$BUILDPLATFORM golang:1.23 as build\nARG TARGETOS\nARG TARGETARCH") ||
		strings.Count(out, "GOOS=$TARGETOS GOARCH=$TARGETARCH go build") != 2 {
		t.Errorf("two builds: %q\n%s", why, out)
	}
	// JavaScript: the bundle has no platform
	out, why = fixedLW115(t, map[string]string{"Dockerfile": "FROM node:20 AS web\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM nginx:1.27\nCOPY --from=web /app/dist /usr/share/nginx/html\n", "package.json": "{}"})
	if why != "" || !strings.HasPrefix(out, "FROM --platform=$BUILDPLATFORM node:20 AS web\nWORKDIR /app\n") || strings.Contains(out, "TARGETARCH") {
		t.Errorf("JS: %q\n%s", why, out)
	}
}

// Where the rewrite could change what the image holds, it refuses and says why.
func TestLW115Refusals(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		why   string
	}{
		{map[string]string{"Dockerfile": "FROM golang:1.23\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"}, "must keep the target platform"},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nRUN apt-get update && apt-get install -y libsqlite3-dev\nCOPY . .\nRUN go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\n"}, "apt-get"},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\n"}, "cgo"},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nCOPY . .\nRUN go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\n", "main.go": "package main\n\nimport \"C\"\n"}, "imports \"C\""},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nCOPY . .\nRUN make build\nRUN go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\n"}, "make"},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nENV GOARCH=arm64\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"}, "GOARCH"},
		{map[string]string{"Dockerfile": "FROM node:20 AS web\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node:20-slim\nCOPY --from=web /app/node_modules ./node_modules\nCOPY --from=web /app/dist ./dist\n"}, "node_modules"},
		{map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nCOPY . .\nRUN go build -o /app .\nFROM build AS test\nRUN go test ./...\nFROM scratch\nCOPY --from=build /app /app\n"}, "builds FROM stage"},
	} {
		out, why := fixedLW115(t, tc.files)
		if out != "" || !strings.Contains(why, tc.why) {
			t.Errorf("want a refusal naming %q for\n%s\ngot %q\n%s", tc.why, tc.files["Dockerfile"], why, out)
		}
	}
}
