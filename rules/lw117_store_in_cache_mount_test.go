package rules

import (
	"strings"
	"testing"
)

func TestLW117StoreInCacheMount(t *testing.T) {
	ruleCatches(t, "LW117",
		// the expert's pattern: modules in a mount on the download and the build
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n",
		// the mount on the build hides what the download left in its layer
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n",
		// NuGet's packages before --no-restore
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY app.csproj ./\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet restore\nCOPY . .\nRUN dotnet publish --no-restore -o /out\n",
		// a development image that runs the toolchain
		"FROM golang:1.23\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCMD [\"go\", \"run\", \".\"]\n",
	)
	ruleCatchesNot(t, "LW117",
		// one RUN fills and reads the store: a mount is a cache there
		"FROM golang:1.23\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
		// the store in the layer, the build cache in a mount
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
		// download caches are caches
		"FROM node:20\nCOPY package*.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\nRUN npm run build\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\nRUN --mount=type=cache,target=C:/nuget dotnet restore\nRUN dotnet publish --no-restore\n",
		// review 12 (navidrome): the download bind-mounts the whole context,
		// so it re-runs with every change, as the build after it does
		"FROM golang:1.23\nRUN --mount=type=bind,source=.,target=/src --mount=type=cache,target=/go/pkg/mod cd /src && go mod download\nRUN --mount=type=bind,source=.,target=/src --mount=type=cache,target=/go/pkg/mod cd /src && go build -o /app .\n",
	)
	fs := check(t, "LW117", input(t, "FROM golang:1.23\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .\n"))
	if len(fs) != 2 || !strings.Contains(fs[0].Message, "fails: it builds offline") || fs[0].Severity != Warning {
		t.Errorf("the offline build fails on a fresh builder: %+v", fs)
	}
	// review 21 (plane): the fill and the offline install right next to
	// each other run together; only an edit of the second opens the trap,
	// so it is information, and the fix keeps the mounts
	src := "FROM node:22-alpine\nWORKDIR /app\nCOPY pnpm-lock.yaml ./\nRUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --store-dir=/pnpm/store\nRUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --offline --frozen-lockfile --store-dir=/pnpm/store\nCOPY . .\nRUN pnpm run build\n"
	in := input(t, src)
	fs = check(t, "LW117", in)
	if len(fs) != 2 || fs[1].Severity != Info || !strings.Contains(fs[1].Message, "only an edit of line 5") && !strings.Contains(fs[1].Message, "Only an edit of line 5 while line 4") {
		t.Errorf("chained fetch and offline install: %+v", fs)
	}
	for _, f := range fs {
		if fx, why := fixStoreInMount(in, f); fx != nil || !strings.Contains(why, "run together") {
			t.Errorf("line %d: the fix drops the mounts of two steps that run together: %+v %q", f.Range.Start.Line, fx, why)
		}
	}
	// a COPY between them: the install may run while the fetch is cached
	fs = check(t, "LW117", input(t, strings.Replace(src, "RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install", "COPY .npmrc ./\nRUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install", 1)))
	if len(fs) != 2 || fs[0].Severity != Warning {
		t.Errorf("a COPY between: %+v", fs)
	}
}

// TestLW117VolatileArgAbove: review 21 (keda): ARG GIT_COMMIT above the
// download re-runs it on every build, so its mount is what keeps the
// modules; LW117 is information until the ARG moves, and the fix keeps
// the mount. Below the download, the ARG changes nothing.
func TestLW117VolatileArgAbove(t *testing.T) {
	src := "FROM golang:1.23 AS builder\nARG GIT_COMMIT=HEAD\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN make build\n"
	in := input(t, src)
	fs := check(t, "LW117", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "ARG GIT_COMMIT=HEAD (line 2)") {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixStoreInMount(in, fs[0]); fx != nil || !strings.Contains(why, "re-runs the step on every build") {
		t.Errorf("fix: %+v %q", fx, why)
	}
	// above the offline reader only: the reader re-runs while the fill
	// comes from the cache — the trap itself, a warning
	reader := "FROM golang:1.23\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nARG GIT_COMMIT=HEAD\nRUN --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .\n"
	rfs := check(t, "LW117", input(t, reader))
	if len(rfs) != 2 {
		t.Errorf("volatile ARG above the reader: %+v", rfs)
	}
	for _, f := range rfs {
		if f.Severity != Warning {
			t.Errorf("volatile ARG above the reader: %+v", f)
		}
	}
	moved := strings.Replace(strings.Replace(src, "ARG GIT_COMMIT=HEAD\n", "", 1), "RUN make build", "ARG GIT_COMMIT=HEAD\nRUN make build", 1)
	// a CI that imports a layer cache opens the trap on every job: a
	// warning; without one (review 27: semaphore), only BuildKit's garbage
	// collection does: information, and not fixed (review 29: openreplay —
	// there the mount keeps the packages on every builder there is)
	cached := input(t, moved)
	cached.CIWorkflow = ".github/workflows/build.yml"
	if fs := check(t, "LW117", cached); len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("moved, a CI with a layer cache: %+v", fs)
	}
	uncached := input(t, moved)
	if fs := check(t, "LW117", uncached); len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "garbage collection evicts") {
		t.Errorf("moved, no CI with a layer cache: %+v", fs)
	} else if fx, why := fixStoreInMount(uncached, fs[0]); fx != nil || !strings.Contains(why, "no CI here imports a layer cache") {
		t.Errorf("the information is fixed: %v %q", fx != nil, why)
	}
	if fs := check(t, "LW117", cached); len(fs) == 1 {
		if fx, why := fixStoreInMount(cached, fs[0]); fx == nil {
			t.Errorf("a CI with a layer cache: not fixed: %q", why)
		}
	}
	uncached.CIWorkflow, uncached.CIUncached = ".github/workflows/build.yml", true
	if fs := check(t, "LW117", uncached); len(fs) != 1 || fs[0].Severity != Info {
		t.Errorf("moved, a CI without a layer cache: %+v", fs)
	}
}

// Review 24 (booking's dev.Dockerfile): `dotnet publish --no-build` right
// after `dotnet build --no-restore` under the same mount is the next step
// of one chain — it runs only after the build, which meets the empty mount
// first — so the hazard is reported on the restore and the build, not a
// third time; and --no-build is offline: it fails, it downloads nothing.
func TestLW117OneReportPerChain(t *testing.T) {
	m := "--mount=type=cache,id=nuget,target=/root/.nuget/packages"
	src := "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY Api.csproj ./\nRUN " + m + " dotnet restore\nCOPY . .\nRUN " + m + " dotnet build -c Release --no-restore\nRUN " + m + " dotnet publish -c Release --no-build -o /out\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY --from=build /out /app\n"
	lines := map[int]string{}
	for _, f := range check(t, "LW117", input(t, src)) {
		lines[f.Range.Start.Line] = f.Message
	}
	if _, ok := lines[7]; ok || lines[6] == "" || !strings.Contains(lines[6], "fails: it builds offline") {
		t.Errorf("findings by line: %v", lines)
	}
	// a WORKDIR between them (booking's) keeps one chain
	lines = map[int]string{}
	for _, f := range check(t, "LW117", input(t, strings.Replace(src, "RUN "+m+" dotnet publish", "WORKDIR /src/api\nRUN "+m+" dotnet publish", 1))) {
		lines[f.Range.Start.Line] = f.Message
	}
	if _, ok := lines[8]; ok || lines[6] == "" {
		t.Errorf("with a WORKDIR between: %v", lines)
	}
	// alone after the sources, publish --no-build is reported as failing
	alone := strings.Replace(src, "RUN "+m+" dotnet build -c Release --no-restore\n", "RUN dotnet build -c Release --no-restore\n", 1)
	lines = map[int]string{}
	for _, f := range check(t, "LW117", input(t, alone)) {
		lines[f.Range.Start.Line] = f.Message
	}
	if !strings.Contains(lines[7], "fails: it builds offline") {
		t.Errorf("publish --no-build alone: %v", lines)
	}
}

// TestLW117FixDropsEveryCoveringMount: review 27 (semaphore): the download
// mounts /go/pkg, and so does a later RUN that runs `task deps && task
// build`, which layerwise does not read as a Go command. Dropping the
// download's mount alone left the later one hiding the modules the layer
// now holds: every build downloaded them twice. Every covering mount goes.
func TestLW117FixDropsEveryCoveringMount(t *testing.T) {
	src := "FROM golang:1.22-alpine AS builder\nWORKDIR /go/src/app\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg \\\n    go mod download -x\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    task deps && \\\n    task build\n"
	in := input(t, src)
	in.CIWorkflow = ".github/workflows/build.yml" // a CI that imports a layer cache
	fs := check(t, "LW117", in)
	if len(fs) != 1 {
		t.Fatalf("want one finding: %+v", fs)
	}
	fx, why := fixStoreInMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if strings.Contains(got, "target=/go/pkg ") || strings.Contains(got, "target=/go/pkg\\") || strings.Count(got, "target=/go/pkg") != 0 || !strings.Contains(got, "--mount=type=cache,target=/root/.cache/go-build") {
		t.Errorf("the later RUN still hides the modules, or lost its build cache:\n%s", got)
	}
}

// TestLW117FixLeavesNoBareKeyword: review 29 (SigNoz): the mount written
// alone on the RUN's first line went, and `RUN \` was left above the
// command.
func TestLW117FixLeavesNoBareKeyword(t *testing.T) {
	src := "FROM golang:1.22 AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod \\\n    go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    GOPROXY=off go build -o /app .\n"
	in := input(t, src)
	in.CIWorkflow = ".github/workflows/build.yml"
	fs := check(t, "LW117", in)
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	fx, why := fixStoreInMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if !strings.Contains(got, "RUN go mod download\n") || !strings.Contains(got, "RUN --mount=type=cache,target=/root/.cache/go-build \\\n    GOPROXY=off go build") || strings.Contains(got, "RUN \\") {
		t.Errorf("got:\n%s", got)
	}
}

// TestLW117MountsTheCIPersists: review 29 (SigNoz): the workflow injects
// and extracts the mounts' contents around actions/cache; there the mount
// is the store: no finding, and LW119 none for the build cache either.
func TestLW117MountsTheCIPersists(t *testing.T) {
	src := "FROM golang:1.22 AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM alpine:3.20\nCOPY --from=builder /app /app\n"
	in := input(t, src)
	in.CIWorkflow = ".github/workflows/cacheci.yml"
	if len(check(t, "LW117", in)) == 0 {
		t.Fatal("no finding without the persisted mounts")
	}
	in = input(t, src)
	in.CIWorkflow, in.CIPersistedMounts = ".github/workflows/cacheci.yml", []string{"/root/.cache/go-build", "/go/pkg/mod"}
	if fs := check(t, "LW117", in); len(fs) != 0 {
		t.Errorf("persisted: %+v", fs)
	}
	if fs := check(t, "LW119", in); len(fs) != 0 {
		t.Errorf("persisted build cache: %+v", fs)
	}
}

// TestLW117PersistentBuilder: reviews 31, 32 (trigger.dev on Depot): a CI
// whose builders keep their cache mounts has no empty-mount trap, and
// LW119 has nothing to carry.
func TestLW117PersistentBuilder(t *testing.T) {
	src := "FROM golang:1.22 AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\nFROM alpine:3.20\nCOPY --from=builder /app /app\n"
	in := input(t, src)
	in.CIWorkflow, in.CIPersistentBuilder = ".github/workflows/depot.yml", true
	if fs := check(t, "LW117", in); len(fs) != 0 {
		t.Errorf("LW117: %+v", fs)
	}
	if fs := check(t, "LW119", in); len(fs) != 0 {
		t.Errorf("LW119: %+v", fs)
	}
}
