package rules

import (
	"strings"
	"testing"
)

// goDepsBad is the shape LW101, LW102 and LW112 leave: the modules in the
// download step's layer, the build cache only in a mount.
const goDepsBad = `ARG GO_VERSION=1.23
FROM golang:${GO_VERSION}-bookworm AS build
ARG CGO_ENABLED=0
ARG GIT_COMMIT
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
ENV GOFLAGS=-buildvcs=false
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -trimpath -tags netgo -ldflags "-X main.commit=$GIT_COMMIT" -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
`

func TestLW119GoDepsCompiledInMount(t *testing.T) {
	ruleCatches(t, "LW119",
		goDepsBad,
		// billing's shape: the compile and the download in a subdirectory
		// no build cache mount at all (LW102's finding on the same line is
		// fixed first; the rewrite must not count LW119 as new)
		"FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		// the expert's modules in a mount: on a fresh builder the compile
		// downloads them and compiles everything (the fix refuses: LW117's)
		"FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		"FROM golang:1.23 AS build\nWORKDIR /go/src/shop\nCOPY billing/go.mod billing/go.sum billing/\nRUN cd billing && go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build cd billing && go build -o /usr/local/bin/billing ./cmd/billing\nFROM debian:bookworm-slim\nCOPY --from=build /usr/local/bin/billing /usr/local/bin/\n",
	)
	ruleCatchesNot(t, "LW119",
		// an unnamed build stage: others name it by its index
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=0 /app /app\n",
		// already seeded
		"FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build,from=deps,source=/tmp/c go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		// no dependency step (LW101's finding comes first)
		"FROM golang:1.23 AS build\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		// the download reads the sources: its layer re-runs with every change anyway
		"FROM golang:1.23 AS build\nCOPY . .\nRUN go mod download\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		// -a rebuilds everything: no cache to seed
		"FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -a -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		// tests only
		"FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go test ./...\nFROM scratch\nCOPY --from=build /go/bin /bin\n",
	)
	// vendored modules: the compile reads them from the sources
	in := inputWithContext(t, map[string]string{"Dockerfile": strings.Replace(goDepsBad, "./cmd/app", ".", 1), "go.mod": "module x\n", "go.sum": "", "vendor/modules.txt": "", "main.go": "package main\n"})
	if fs := check(t, "LW119", in); len(fs) != 0 {
		t.Errorf("vendored modules: %+v", fs)
	}
	fs := check(t, "LW119", input(t, goDepsBad))
	if len(fs) != 1 || fs[0].Range.Start.Line != 10 || !strings.Contains(fs[0].Message, "layer of line 7") {
		t.Fatalf("want one finding on line 10: %+v", fs)
	}
}

func TestLW119Fix(t *testing.T) {
	got := lw119Fixed(t, goDepsBad)
	for _, want := range []string{
		"FROM golang:${GO_VERSION}-bookworm AS build-modules\n",
		// the listing stage: the sources, the variables Go reads, the
		// flags that change a compiled package (not -o, not -ldflags)
		"FROM build-modules AS build-go-imports\nARG CGO_ENABLED=0\nENV GOFLAGS=-buildvcs=false\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go list -e -deps -trimpath -tags netgo -f ",
		"./cmd/app > /tmp/go-imports || true\n",
		// the dependency stage reads no source, and not the commit
		"FROM build-modules AS build-go-deps\nARG CGO_ENABLED=0\nENV GOFLAGS=-buildvcs=false\nCOPY --from=build-go-imports /tmp/go-imports /tmp/go-imports\nRUN --mount=type=cache,id=go-deps-img-build,target=/root/.cache/go-build,sharing=locked { xargs -r go list -e -trimpath -tags netgo -f ",
		"| xargs -r go build -trimpath -tags netgo; } || true; mkdir -p /tmp/go-build-deps && cp -a /root/.cache/go-build/. /tmp/go-build-deps/\n",
		// the compile's stage keeps the name, every ARG of the stage, and
		// its mount starts from the compiled dependencies
		"FROM build-modules AS build\nARG CGO_ENABLED=0\nARG GIT_COMMIT\nENV GOFLAGS=-buildvcs=false\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build,from=build-go-deps,source=/tmp/go-build-deps go build -trimpath",
		"COPY --from=build /out/app /app",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Count(got, "GIT_COMMIT") != 3 { // ARG, and -ldflags once; the re-declared ARG in the compile's stage
		t.Errorf("the commit reaches a dependency stage:\n%s", got)
	}
	fixed := input(t, got)
	if fs := check(t, "LW119", fixed); len(fs) != 0 {
		t.Errorf("the fix does not resolve the finding: %+v", fs)
	}
	if fs := check(t, "LW102", fixed); len(fs) != 0 {
		t.Errorf("the dependency compile lacks a mount: %+v", fs)
	}
}

func TestLW119Refusals(t *testing.T) {
	for _, tc := range []struct{ name, src, why string }{
		{"by index", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=0 /app /app\n", "index"},
		{"user between", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nUSER root\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "USER on line 4"},
		{"shell", "FROM golang:1.23 AS build\nSHELL [\"/bin/bash\", \"-c\"]\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "SHELL"},
		{"two compiles", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /a ./a && CGO_ENABLED=0 go build -o /b ./b\nFROM scratch\nCOPY --from=build /a /a\n", "differ"},
		{"owner", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build,uid=1000 go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "owner"},
		{"modules in a mount", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "LW117"},
		{"store mounted on the compile", "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "LW117"},
		{"taken", "FROM golang:1.23 AS build-go-deps\nFROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "already called"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, tc.src)
			fs := check(t, "LW119", in)
			if len(fs) != 1 {
				t.Fatalf("want one finding: %+v", fs)
			}
			if fx, why := fixGoDepsInMount(in, fs[0]); fx != nil || !strings.Contains(why, tc.why) {
				t.Errorf("want a refusal saying %q, got %q (%v)", tc.why, why, fx != nil)
			}
		})
	}
}

// TestLW119FixAddsTheSeededMount: a compile without a build-cache mount
// (LW102 refused or was not asked for) gets the seeded mount itself.
func TestLW119FixAddsTheSeededMount(t *testing.T) {
	got := lw119Fixed(t, "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n")
	if want := "RUN --mount=type=cache,target=/root/.cache/go-build,from=build-go-deps,source=/tmp/go-build-deps CGO_ENABLED=0 go build -o /app ."; !strings.Contains(got, want) {
		t.Errorf("missing %q in:\n%s", want, got)
	}
	if want := "| CGO_ENABLED=0 xargs -r go build; }"; !strings.Contains(got, want) {
		t.Errorf("the dependency compile lacks the compile's environment: %q in:\n%s", want, got)
	}
}

// TestLW119VariablesBetween: review of the corpus (ory/kratos): the ARGs
// between the download and the compile (VERSION, COMMIT) change on every
// release build; the dependency stage repeats only what its steps read
// (an ENV Go reads, and the ARG that ENV names).
func TestLW119VariablesBetween(t *testing.T) {
	got := lw119Fixed(t, "FROM golang:1.23 AS builder\nARG TARGETARCH\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nARG COMMIT\nENV GOARCH=$TARGETARCH\nRUN --mount=type=cache,target=/root/.cache/go-build go build -ldflags \"-X main.commit=${COMMIT}\" -o /app .\nFROM scratch\nCOPY --from=builder /app /app\n")
	deps := got[strings.Index(got, "AS builder-go-deps"):strings.Index(got, "FROM builder-modules AS builder\n")]
	if strings.Contains(deps, "COMMIT") || !strings.Contains(deps, "ARG TARGETARCH\nENV GOARCH=$TARGETARCH\nCOPY --from=builder-go-imports") {
		t.Errorf("the dependency stage's variables:\n%s", deps)
	}
	if !strings.Contains(got, "FROM builder-modules AS builder\nARG TARGETARCH\nCOPY . .\nARG COMMIT\nENV GOARCH=$TARGETARCH\n") {
		t.Errorf("the compile's stage changed:\n%s", got)
	}
}

// TestLW119DownloadInTheParentStage: a `deps` stage that ends with the
// download and a build stage FROM it — the new stages go between the two,
// FROM the deps stage, and neither is renamed.
func TestLW119DownloadInTheParentStage(t *testing.T) {
	src := "FROM golang:1.23 AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n\n# the sources\nFROM deps AS build\nARG VERSION\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -ldflags \"-X main.v=$VERSION\" -o /app ./cmd/app\n\nFROM scratch\nCOPY --from=build /app /app\n"
	in := input(t, src)
	fs := check(t, "LW119", in)
	if len(fs) != 1 || fs[0].Range.Start.Line != 10 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixGoDepsInMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	for _, want := range []string{
		"FROM golang:1.23 AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n\n# Go's compiled",
		"FROM deps AS build-go-imports\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go list -e -deps -f ",
		"FROM deps AS build-go-deps\nCOPY --from=build-go-imports /tmp/go-imports /tmp/go-imports\nRUN --mount=type=cache,id=go-deps-img-build,target=/root/.cache/go-build,sharing=locked { xargs",
		"\n\n# the sources\nFROM deps AS build\nARG VERSION\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build,from=build-go-deps,source=/tmp/go-build-deps go build",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if fs := check(t, "LW119", input(t, got)); len(fs) != 0 {
		t.Errorf("not resolved: %+v", fs)
	}
	// a step after the download in the deps stage: not this shape
	ruleCatchesNot(t, "LW119", strings.Replace(src, "RUN go mod download\n", "RUN go mod download\nCOPY . .\n", 1))
}

// TestLW119ReviewCases: what the expert review of the corpus rewrites
// found. lago: a library copied from another stage between the download
// and the compile (a cgo package compiled without it is cached wrongly);
// a --chown whose user a RUN between creates; a workspace; the original's
// `as`.
func TestLW119ReviewCases(t *testing.T) {
	lago := "FROM rust:1.80 AS rust-build\nRUN cargo build --release\n\nFROM golang:1.25 as go-build\nWORKDIR /app\nCOPY go.mod go.sum /app/\nRUN go mod download\nCOPY . /app/\nCOPY --from=rust-build /lago/target/release/libexpression_go.so /usr/lib/libexpression_go.so\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o event_processors .\n\nFROM debian:bookworm-slim\nCOPY --from=go-build /app/event_processors /bin/\n"
	// the library for cgo: not reported (the dependency stage would
	// compile without it)
	ruleCatchesNot(t, "LW119", lago)
	// without cgo the library does not count, and is not repeated
	noCgo := strings.Replace(lago, "go build -o", "CGO_ENABLED=0 go build -o", 1)
	in := input(t, noCgo)
	fx, why := fixGoDepsInMount(in, check(t, "LW119", in)[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if !strings.Contains(got, "FROM go-build-modules AS go-build-go-imports\nCOPY . /app/\nRUN --mount") || !strings.Contains(got, "FROM go-build-modules AS go-build\n") {
		t.Errorf("the listing stage repeats another stage's file, or the new FROM lines' AS is not in their FROM's case (FromAsCasing):\n%s", got)
	}
	if !strings.Contains(got, "{{if .Standard}}{{.ImportPath}}") {
		t.Errorf("the standard library is not compiled with the dependencies:\n%s", got)
	}
	// a RUN between: apt may install headers; mkdir does not
	apt := strings.Replace(lago, "COPY --from=rust-build /lago/target/release/libexpression_go.so /usr/lib/libexpression_go.so\n", "RUN apt-get update && apt-get install -y libsqlite3-dev\n", 1)
	ruleCatchesNot(t, "LW119", apt)
	ruleCatches(t, "LW119", strings.Replace(apt, "go build -o", "CGO_ENABLED=0 go build -o", 1))
	mk := strings.Replace(lago, "COPY --from=rust-build /lago/target/release/libexpression_go.so /usr/lib/libexpression_go.so\n", "RUN mkdir -p /app/bin && go generate ./...\n", 1)
	in = input(t, mk)
	if fx, why := fixGoDepsInMount(in, check(t, "LW119", in)[0]); fx == nil {
		t.Errorf("mkdir and go generate between: %s", why)
	}
	// --chown: the listing stage copies as root
	chown := strings.Replace(noCgo, "COPY . /app/\n", "RUN useradd app\nCOPY --chown=app:app . /app/\n", 1)
	chown = strings.Replace(chown, "CGO_ENABLED=0 go build", "go build", 1)
	chown = strings.Replace(chown, "COPY --from=rust-build /lago/target/release/libexpression_go.so /usr/lib/libexpression_go.so\n", "", 1)
	chown = strings.Replace(chown, "WORKDIR /app\n", "WORKDIR /app\nENV CGO_ENABLED=0\n", 1)
	in = input(t, chown)
	fx, why = fixGoDepsInMount(in, check(t, "LW119", in)[0])
	if fx == nil {
		t.Fatal(why)
	}
	got = strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if !strings.Contains(got, "AS go-build-go-imports\nCOPY . /app/\n") || !strings.Contains(got, "AS go-build\nRUN useradd app\nCOPY --chown=app:app . /app/\n") {
		t.Errorf("--chown in the listing stage, or lost in the compile's:\n%s", got)
	}
	// a workspace: no finding
	ws := inputWithContext(t, map[string]string{"Dockerfile": goDepsBad, "go.mod": "module x\n", "go.sum": "", "go.work": "go 1.23\nuse .\n", "cmd/app/main.go": "package main\n"})
	if fs := check(t, "LW119", ws); len(fs) != 0 {
		t.Errorf("go.work: %+v", fs)
	}
}

// TestLW119FinalStageCacheOnly: the only CI keeps the final image's layers
// alone (review 36: onyx's CLI, `cache-to: type=inline`): a dependency
// stage is never reused there, and is neither reported nor added; a local
// build keeps it.
func TestLW119FinalStageCacheOnly(t *testing.T) {
	in := inputWithContext(t, map[string]string{"Dockerfile": goDepsBad, "go.mod": "module x\n\nrequire example.com/y v1.0.0\n", "go.sum": "", "cmd/app/main.go": "package main\n"})
	if len(check(t, "LW119", in)) == 0 {
		t.Fatal("not reported without CI")
	}
	in.CIWorkflow, in.CIFinalStageCache = ".github/workflows/release.yml", true
	if fs := check(t, "LW119", in); len(fs) != 0 {
		t.Errorf("reported with an inline cache: %+v", fs)
	}
	in.LocalBuild = true
	if len(check(t, "LW119", in)) == 0 {
		t.Error("not reported with a local build beside the CI")
	}
}

// TestLW119FinalStage: a single-stage image (LW112 refused: an Alpine
// toolchain) is split too; its FROM gets a name, the image's part keeps
// none, and everything after the download stays in it.
func TestLW119FinalStage(t *testing.T) {
	src := "FROM golang:1.23-alpine\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nEXPOSE 8080\nCMD [\"/app\"]\n"
	got := lw119Fixed(t, src)
	for _, want := range []string{
		"FROM golang:1.23-alpine AS go-modules\n",
		"FROM go-modules AS go-imports\n",
		"FROM go-modules AS go-deps\n",
		"FROM go-modules\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build,from=go-deps,source=/tmp/go-build-deps go build -o /app .\nEXPOSE 8080\nCMD [\"/app\"]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	fixed := input(t, got)
	if fs := check(t, "LW119", fixed); len(fs) != 0 {
		t.Errorf("not resolved: %+v", fs)
	}
	if f := fixed.File.Final(""); f == nil || f.Name != "" || f.BaseRaw != "go-modules" {
		t.Errorf("the image's stage: %+v", f)
	}
}

// TestLW119LowercaseFile: the new instructions take the file's case, so
// that BuildKit's ConsistentInstructionCasing finds nothing new.
func TestLW119LowercaseFile(t *testing.T) {
	got := lw119Fixed(t, "from golang:1.23 as build\ncopy go.mod go.sum ./\nrun go mod download\ncopy . .\nrun --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nfrom scratch\ncopy --from=build /app /app\n")
	for _, l := range strings.Split(got, "\n") {
		if w, _, _ := strings.Cut(l, " "); w != "" && !strings.HasPrefix(w, "#") && w != strings.ToLower(w) {
			t.Errorf("upper-case instruction %q in:\n%s", l, got)
		}
	}
}

// lw119Fixed checks that LW119 reports the Dockerfile once and returns it
// as the rule's fix writes it.
func lw119Fixed(t *testing.T, src string) string {
	t.Helper()
	in := input(t, src)
	fs := check(t, "LW119", in)
	if len(fs) != 1 {
		t.Fatalf("want one finding: %+v", fs)
	}
	fx, why := fixGoDepsInMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	return strings.Join(ApplyFix(in.File.Lines, fx), "\n")
}

// TestLW119PerPackageFlags: -gcflags without a pattern applies to the
// packages named on the command line only; repeated on the dependency
// compile it would key every dependency apart from the compile's (each
// compiled twice). With a pattern, or from a variable (skaffold's debug
// passes `all=-N -l`), it is repeated with the ARG it reads.
func TestLW119PerPackageFlags(t *testing.T) {
	got := lw119Fixed(t, "FROM golang:1.23 AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nARG SKAFFOLD_GO_GCFLAGS\nRUN --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build -gcflags=\"${SKAFFOLD_GO_GCFLAGS}\" -asmflags \"-trimpath=/src\" -gcflags=all=-l -o /app .\nFROM scratch\nCOPY --from=builder /app /app\n")
	deps := got[strings.Index(got, "AS builder-go-deps"):strings.Index(got, "FROM builder-modules AS builder\n")]
	if !strings.Contains(deps, "ARG SKAFFOLD_GO_GCFLAGS\n") || !strings.Contains(deps, `xargs -r go build -gcflags="${SKAFFOLD_GO_GCFLAGS}" -gcflags=all=-l; }`) {
		t.Errorf("the dependency compile's flags:\n%s", deps)
	}
	if strings.Contains(deps, "asmflags") {
		t.Errorf("a flag for the main package alone reached the dependency compile:\n%s", deps)
	}
}

// TestLW119InformsWhereNothingRebuilds: review 28 (istio's samples, which
// a reader builds once), reviews 31 and 32 (gotenberg, wakapi: a CI that
// keeps no layer cache): not reported there; elsewhere a warning, whose
// message says where the build cache is when no mount holds it.
func TestLW119InformsWhereNothingRebuilds(t *testing.T) {
	src := "FROM golang:1.23 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"
	in := input(t, src)
	in.BuiltOnce = "only a README builds it"
	if fs := check(t, "LW119", in); len(fs) != 0 {
		t.Errorf("built once: %+v", fs)
	}
	uncached := input(t, src)
	uncached.CIWorkflow, uncached.CIUncached = ".github/workflows/docker.yml", true
	if fs := check(t, "LW119", uncached); len(fs) != 0 {
		t.Errorf("uncached CI: %+v", fs)
	}
	plain := input(t, src)
	fs := check(t, "LW119", plain)
	if len(fs) != 1 || fs[0].Severity != Warning || !strings.Contains(fs[0].Message, "in the compile's own layer") {
		t.Fatalf("built per change: %+v", fs)
	}
	if fx, why := fixGoDepsInMount(plain, fs[0]); fx == nil {
		t.Errorf("built per change: not fixed: %q", why)
	}
}

// TestLW119LoopVariable: review 29 (openreplay's Dockerfile.bundle): the
// compile runs in a `for name in …` loop over ./cmd/$name; the listing
// stage would have run with $name empty and compiled nothing. Not
// reported; a build arg of the same spelling is.
func TestLW119LoopVariable(t *testing.T) {
	loop := "FROM golang:1.23 AS build\nWORKDIR /root\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build for name in assets db http; do go build -o bin/$name ./cmd/$name; done\nFROM alpine:3.20\nCOPY --from=build /root/bin /bin\n"
	ruleCatchesNot(t, "LW119", loop)
	arg := strings.Replace(loop, "for name in assets db http; do go build -o bin/$name ./cmd/$name; done", "go build -o bin/$name ./cmd/$name", 1)
	arg = strings.Replace(arg, "WORKDIR /root\n", "WORKDIR /root\nARG name=http\n", 1)
	ruleCatches(t, "LW119", arg)
}

// TestLW119NothingToCompile: review 31: a go.mod that requires nothing:
// the standard library alone, no dependency stage.
func TestLW119NothingToCompile(t *testing.T) {
	files := map[string]string{
		"Dockerfile": "FROM golang:1.23 AS build\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		"go.mod":     "module hello\n\ngo 1.23\n",
		"main.go":    "package main\n\nfunc main() {}\n",
	}
	if fs := check(t, "LW119", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
	files["go.mod"] += "\nrequire example.com/y v1.0.0\n"
	files["go.sum"] = ""
	if fs := check(t, "LW119", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("with a requirement: %+v", fs)
	}
}

// TestLW119ConditionalExportsAndProfiles: review 34 (autobrr's
// ci.Dockerfile): GOAMD64/GOARM64/GOARM exported under conditions, and a
// -pgo profile that keys every package's compile: not reported.
func TestLW119ConditionalExportsAndProfiles(t *testing.T) {
	base := "FROM golang:1.25-alpine AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . ./\nARG TARGETARCH\nARG TARGETVARIANT\nRUN --mount=type=cache,target=/root/.cache/go-build "
	tail := "\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n"
	ruleCatchesNot(t, "LW119",
		base+`export GOARCH=$TARGETARCH; [ "$GOARCH" = "amd64" ] && export GOAMD64="$TARGETVARIANT"; go build -o /out/app ./cmd/app`+tail,
		base+"go build -pgo=cpu.pprof -o /out/app ./cmd/app"+tail,
	)
	ruleCatches(t, "LW119",
		base+"export GOARCH=$TARGETARCH; go build -o /out/app ./cmd/app"+tail,
		base+"go build -pgo=off -o /out/app ./cmd/app"+tail,
	)
}
