package rules

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"testing"
)

// TestBuildKitChecksOnReadWriteBindMount: BuildKit's converter dereferenced
// nil LLB capabilities on a read-write bind mount (a real Dockerfile took the
// whole audit down); the checks must run and still report.
func TestBuildKitChecksOnReadWriteBindMount(t *testing.T) {
	src := "FROM golang:1.22 as build\nRUN --mount=type=bind,source=.,target=/src,rw cd /src && go build -o /app .\n"
	fs, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Rule == "FromAsCasing"
	}
	if !found {
		t.Errorf("FromAsCasing not reported: %+v", fs)
	}
}

// longDockerfile has n instructions, some of them BuildKit warns about,
// spread over the file.
func longDockerfile(n int) []byte {
	var b strings.Builder
	b.WriteString("# a generated file\nARG VERSION=1\nFROM debian:12 as build\nENV GREETING hello\n")
	for i := 0; i < n; i++ {
		switch i % 97 {
		case 0:
			fmt.Fprintf(&b, "ENV STEP_%d %d\n", i, i) // LegacyKeyValueFormat
		case 1:
			fmt.Fprintf(&b, "WORKDIR rel%d\n", i) // WorkdirRelativePath
		case 2:
			fmt.Fprintf(&b, "CMD echo %d\n", i) // JSONArgsRecommended
		case 3:
			fmt.Fprintf(&b, "LABEL l%d=$UNDEFNED_%d\n", i, i) // UndefinedVar
		default:
			fmt.Fprintf(&b, "RUN echo %d \\\n    && true\n", i)
		}
	}
	return []byte(b.String())
}

// TestBuildKitChecksWindowsSameAsWhole: linting a long file in windows
// reports exactly what linting it whole does.
func TestBuildKitChecksWindowsSameAsWhole(t *testing.T) {
	dt := longDockerfile(2000)
	whole, err := lintOnce(context.Background(), "Dockerfile", dt)
	if err != nil {
		t.Fatal(err)
	}
	windowed, err := RunBuildKitChecks(context.Background(), "Dockerfile", dt)
	if err != nil {
		t.Fatal(err)
	}
	key := func(fs []BuildKitFinding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s@%d %s", f.Rule, f.StartLine, f.Detail))
		}
		sort.Strings(out)
		return out
	}
	a, b := key(whole), key(windowed)
	if len(a) < 40 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("whole %d findings, windowed %d; first difference:\n%s", len(a), len(b), firstDiff(a, b))
	}
}

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] + "\n" + b[i]
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}

// BenchmarkBuildKitChecksPerLine lints files of 1k, 10k and 100k lines:
// the ns/line it reports must stay flat (it grew with the file before the
// windows).
func BenchmarkBuildKitChecksPerLine(b *testing.B) {
	for _, n := range []int{500, 5000, 50000} { // two lines per RUN: ~1k, 10k, 100k lines
		dt := longDockerfile(n)
		lines := bytes.Count(dt, []byte("\n"))
		b.Run(fmt.Sprintf("%dlines", lines), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := RunBuildKitChecks(context.Background(), "Dockerfile", dt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
		})
	}
}

// TestUncleanBytesPrintNothing: a Dockerfile with a NUL byte or bytes that
// are not UTF-8 is modelled and checked by BuildKit without its lexer
// printing "<input>:1:10: invalid character NUL" (naming no file) to the
// process's stderr; the model says where the first one is.
func TestUncleanBytesPrintNothing(t *testing.T) {
	src := []byte("FROM scratch\nRUN echo \x00\xff\xfe ok\nENV A=\xe9t\xe9\n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	m, perr := dockerfile.Parse("Dockerfile", src, dockerfile.Options{})
	_, cerr := RunBuildKitChecks(context.Background(), "Dockerfile", src)
	os.Stderr = saved
	w.Close()
	printed, _ := io.ReadAll(r)
	if perr != nil || cerr != nil {
		t.Fatalf("parse %v, checks %v", perr, cerr)
	}
	if len(printed) > 0 {
		t.Errorf("printed to stderr: %q", printed)
	}
	if m.Unclean == nil || m.Unclean.Line != 2 || m.Unclean.Col != 10 || !strings.Contains(m.Unclean.Message, "NUL") {
		t.Errorf("unclean: %+v", m.Unclean)
	}
	if m.Lines[1] != "RUN echo \x00\xff\xfe ok" {
		t.Errorf("the raw line is not kept: %q", m.Lines[1])
	}
}

// TestBuildKitFindingsThatDoNotHold: BuildKit's checks run offline and
// without the build's setup; where the image shows what they could not
// know, their finding is dropped (and only there).
func TestBuildKitFindingsThatDoNotHold(t *testing.T) {
	find := func(src, rule string, supplied map[string]bool) (found, holds bool) {
		t.Helper()
		in := input(t, src)
		in.SuppliedArgs = supplied
		ws, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			if w.Rule == rule {
				return true, in.BuildKitFindingHolds(w)
			}
		}
		return false, false
	}
	// JSONArgsRecommended: a plain command's exec form is the fix; an &&
	// chain's exec form would be sh -c again
	if f, h := find("FROM debian:12\nCMD /app/server --port 8080\n", "JSONArgsRecommended", nil); !f || !h {
		t.Errorf("plain shell-form CMD: found %v holds %v", f, h)
	}
	// review 22: the JSON form makes node or a script PID 1, which drops
	// SIGTERM without a handler: no better at stopping
	for _, cmd := range []string{"node server.js", "/deployment/start.sh", "tail -f /dev/null"} {
		if f, h := find("FROM debian:12\nCMD "+cmd+"\n", "JSONArgsRecommended", nil); !f || h {
			t.Errorf("%s: found %v holds %v", cmd, f, h)
		}
	}
	if f, h := find("FROM debian:12\nCMD cmp a b && cmp c d\n", "JSONArgsRecommended", nil); !f || h {
		t.Errorf("a chain that needs the shell: found %v holds %v", f, h)
	}
	// review 19: Alpine's ash runs a single command in the shell's place,
	// and a leading exec does so anywhere: the signals reach the program
	if f, h := find("FROM golang:1.17-alpine\nENTRYPOINT /app\n", "JSONArgsRecommended", nil); !f || h {
		t.Errorf("an Alpine shell: found %v holds %v", f, h)
	}
	if f, h := find("FROM golang:1.17\nENTRYPOINT /app\n", "JSONArgsRecommended", nil); !f || !h {
		t.Errorf("Debian's dash: found %v holds %v", f, h)
	}
	if f, h := find("FROM python:3.12-slim\nCMD exec gunicorn --bind :8080 app:app\n", "JSONArgsRecommended", nil); !f || h {
		t.Errorf("a leading exec: found %v holds %v", f, h)
	}
	// a base whose shell is not known (or that has none) keeps it
	if f, h := find("FROM registry.example.com/team/base:1\nENTRYPOINT /app\n", "JSONArgsRecommended", nil); !f || !h {
		t.Errorf("an unknown base: found %v holds %v", f, h)
	}
	// a placeholder the run-time environment replaces (review 25:
	// pokeshop's k6 image) is no secret
	if f, h := find("FROM debian:12\nENV XK6_TRACETEST_API_TOKEN=your-api-token\nCMD [\"/app\"]\n", "SecretsUsedInArgOrEnv", nil); !f || h {
		t.Errorf("a placeholder: found %v holds %v", f, h)
	}
	if f, h := find("FROM debian:12\nENV API_TOKEN=tk_live_8f2a\nCMD [\"/app\"]\n", "SecretsUsedInArgOrEnv", nil); !f || !h {
		t.Errorf("a token: found %v holds %v", f, h)
	}
	// WorkdirRelativePath on a variable the base image sets (review 25):
	// BuildKit's offline linter expanded it to nothing; one the Dockerfile
	// sets to a relative path holds
	if f, h := find("FROM registry.example.com/team/core:1\nWORKDIR $APP_HOME\nCMD [\"/app\"]\n", "WorkdirRelativePath", nil); !f || h {
		t.Errorf("a base's variable: found %v holds %v", f, h)
	}
	if f, h := find("FROM debian:12\nENV APP_HOME=app\nWORKDIR $APP_HOME\nCMD [\"/app\"]\n", "WorkdirRelativePath", nil); !f || !h {
		t.Errorf("a relative value the Dockerfile sets: found %v holds %v", f, h)
	}
	// a CMD a later one replaces never runs: only the last is reported
	// (review 23: EventualShop's four CMDs in one stage)
	{
		src := "FROM debian:12\nCMD /app/a\nCMD /app/b\nENTRYPOINT /app/c\n"
		in := input(t, src)
		ws, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		held := map[int]bool{}
		for _, w := range ws {
			if w.Rule == "JSONArgsRecommended" {
				held[w.StartLine] = in.BuildKitFindingHolds(w)
			}
		}
		if len(held) != 3 || held[2] || !held[3] || !held[4] {
			t.Errorf("the replaced CMD only should be dropped: %v", held)
		}
	}
	// InvalidDefaultArgInFrom: an ARG declared with no default is one the
	// build must pass (eventuate's base image version: review 13); an
	// empty default written out is reported
	if f, h := find("ARG version\nFROM eventuateio/base:$version\nRUN true\n", "InvalidDefaultArgInFrom", nil); !f || !h {
		t.Errorf("a required arg: found %v holds %v", f, h)
	}
	req := input(t, "ARG version\nFROM eventuateio/base:$version\nRUN true\n")
	empty := input(t, "ARG version=\nFROM eventuateio/base:$version\nRUN true\n")
	// review 29 (SigNoz): a default that asks for the value
	placeholder := "ARG ALPINE_SHA=\"pass-a-valid-docker-sha-otherwise-this-will-fail\"\nFROM alpine@sha256:${ALPINE_SHA}\nRUN true\n"
	for _, tc := range []struct {
		in   *Input
		src  string
		want bool
	}{{req, "ARG version\nFROM eventuateio/base:$version\nRUN true\n", true}, {empty, "ARG version=\nFROM eventuateio/base:$version\nRUN true\n", false},
		{input(t, placeholder), placeholder, true}} {
		ws, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			if w.Rule == "InvalidDefaultArgInFrom" && tc.in.BuildKitFindingInforms(w) != tc.want {
				t.Errorf("%q informs %v, want %v", tc.src, !tc.want, tc.want)
			}
		}
	}
	// skaffold's requires alias always sets BASE
	src := "ARG BASE=\nFROM $BASE\nRUN true\n"
	if f, h := find(src, "InvalidDefaultArgInFrom", nil); !f || !h {
		t.Errorf("no one supplies BASE: found %v holds %v", f, h)
	}
	if f, h := find(src, "InvalidDefaultArgInFrom", map[string]bool{"BASE": true}); !f || h {
		t.Errorf("skaffold supplies BASE: found %v holds %v", f, h)
	}
	// a test's image (shiori's Dockerfile.e2e): its harness passes them
	in := input(t, src)
	in.Dockerfile = "Dockerfile.e2e"
	ws, err := RunBuildKitChecks(context.Background(), "Dockerfile.e2e", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Rule == "InvalidDefaultArgInFrom" && in.BuildKitFindingHolds(w) {
			t.Errorf("a test's image: %+v", w)
		}
	}
	// WorkdirRelativePath: `WORKDIR $GOPATH` is C:\go on Windows
	// (docker-library/golang's windowsservercore variants)
	if f, h := find("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV GOPATH C:\\go\nWORKDIR $GOPATH\n", "WorkdirRelativePath", nil); !f || h {
		t.Errorf("windows drive path: found %v holds %v", f, h)
	}
	if f, h := find("FROM debian:12\nENV APP app\nWORKDIR $APP\n", "WorkdirRelativePath", nil); !f || !h {
		t.Errorf("linux relative path: found %v holds %v", f, h)
	}
	if f, h := find("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR app\n", "WorkdirRelativePath", nil); !f || !h {
		t.Errorf("windows plain relative path: found %v holds %v", f, h)
	}
	// a directory an earlier RUN made by the same relative name
	// (dragonfly's test images): both follow the inherited WORKDIR
	for src, want := range map[string]bool{
		"FROM golang:1.20\nRUN git clone https://example.com/pascaldekloe/redis.git\nWORKDIR redis\n":            false,
		"FROM golang:1.20\nRUN git clone --depth 1 https://example.com/r.git relay\nWORKDIR relay/cmd\n":         false,
		"FROM golang:1.20\nRUN mkdir -p build/out\nWORKDIR build\n":                                              false,
		"FROM golang:1.20\nRUN git clone https://example.com/pascaldekloe/redis.git\nWORKDIR other\n":            true,
		"FROM golang:1.20\nRUN git clone https://example.com/pascaldekloe/redis.git /src/redis\nWORKDIR redis\n": true,
	} {
		if f, h := find(src, "WorkdirRelativePath", nil); !f || h != want {
			t.Errorf("%q: found %v holds %v, want %v", src, f, h, want)
		}
	}
}

// TestFromPlatformConstPerArch: ErsatzTV keeps one Dockerfile per
// architecture (docker/arm64/Dockerfile, docker/arm32v7/Dockerfile beside
// docker/Dockerfile): their constant platforms are the point.
func TestFromPlatformConstPerArch(t *testing.T) {
	src := "FROM --platform=linux/arm64 debian:12\nRUN true\n"
	ws, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var w *BuildKitFinding
	for i := range ws {
		if ws[i].Rule == "FromPlatformFlagConstDisallowed" {
			w = &ws[i]
		}
	}
	if w == nil {
		t.Fatal("BuildKit reports no FromPlatformFlagConstDisallowed")
	}
	for df, holds := range map[string]bool{"docker/arm64/Dockerfile": false, "Dockerfile.arm32v7": false, "docker/Dockerfile": true} {
		in := input(t, src)
		in.Dockerfile = df
		if got := in.BuildKitFindingHolds(*w); got != holds {
			t.Errorf("%s: holds %v, want %v", df, got, holds)
		}
	}
	// the amd64 one beside per-architecture directories
	in := inputWithContext(t, map[string]string{"Dockerfile": src, "arm64/Dockerfile": src})
	if in.BuildKitFindingHolds(*w) {
		t.Errorf("beside arm64/Dockerfile: holds")
	}
}
