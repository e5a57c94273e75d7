package rules

import (
	"strings"
	"testing"
)

func TestLW102CacheMount(t *testing.T) {
	ruleCatches(t, "LW102",
		"FROM node:20\nCOPY package*.json ./\nRUN npm ci\n",
		"FROM python:3.12\nRUN pip install -r requirements.txt\n",
		"FROM golang:1.22\nRUN go mod download\n",
		"FROM golang:1.22\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build ./...\n",
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
		"FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n",
		"FROM node:20\nUSER node\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
		"FROM node:20\nENV npm_config_cache=/tmp/npm-cache\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
		"FROM rust:1.80\nRUN cargo fetch\n",
		"FROM maven:3\nRUN mvn -B dependency:go-offline\n",
		"FROM ruby:3.3\nRUN bundle install\n",
		"FROM alpine:3.20\nRUN apk add curl gcc\n",
		// go build reads the module cache: a build cache mount alone leaves
		// it empty when go mod download had a mount
		"FROM golang:1.22\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n",
	)
	ruleCatchesNot(t, "LW102",
		// Windows images: other paths, and classic Windows builds have no cache mounts
		"FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\nRUN dotnet restore\n",
		"FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
		"FROM node:20\nUSER node\nRUN --mount=type=cache,target=/home/node/.npm,uid=1000 npm ci\n",
		"FROM python:3.12\nENV PIP_CACHE_DIR=/cache/pip\nRUN --mount=type=cache,target=/cache/pip pip install -r requirements.txt\n",
		"FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n",
		"FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build ./...\n",
		"FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y curl\n",
		"FROM node:20\nRUN npm run build\n",
		"FROM debian:12\nRUN echo no installs here\n",
		"FROM rust:1.80\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo fetch\n",
		// yarn 1 as root keeps its cache in /usr/local/share/.cache/yarn
		"FROM node:20\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n",
		// the environment turns the cache off, in the stage built FROM
		// (review 35: snuba)
		"FROM python:3.12 AS base\nENV UV_NO_CACHE=1 PIP_NO_CACHE_DIR=1\nFROM base\nCOPY uv.lock pyproject.toml ./\nRUN uv sync --frozen\nRUN pip install -r requirements.txt\n",
		// the project alone, after its dependencies (review 35: tensorzero)
		"FROM python:3.12\nCOPY uv.lock pyproject.toml ./\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-install-project\nCOPY src/ src/\nRUN uv sync --frozen\n",
	)
	ruleCatches(t, "LW102",
		// uv's 0 keeps the cache on
		"FROM python:3.12\nENV UV_NO_CACHE=0\nCOPY uv.lock pyproject.toml ./\nRUN uv sync --frozen\n",
		// a dependency step of another tool: the sync downloads
		"FROM python:3.12\nCOPY poetry.lock pyproject.toml ./\nRUN poetry install --no-root\nCOPY uv.lock ./\nRUN uv sync --frozen\n",
	)
	// ... not in /root/.cache/yarn
	ruleCatches(t, "LW102", "FROM node:20\nRUN --mount=type=cache,target=/root/.cache yarn install\n")
	fs := check(t, "LW102", input(t, "FROM node:20\nUSER app\nRUN npm ci\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/home/app/.npm") || !strings.Contains(fs[0].Message, "HOME assumed") {
		t.Errorf("user home: %+v", fs)
	}
}

// TestLW102MavenLocalRepository: a settings file may move Maven's local
// repository anywhere (the maven image's settings-docker.xml does): no
// mount is guessed; -Dmaven.repo.local names it.
func TestLW102MavenLocalRepository(t *testing.T) {
	ruleCatchesNot(t, "LW102", "FROM maven:3\nRUN mvn -B -s /usr/share/maven/ref/settings-docker.xml dependency:resolve\n")
	fs := check(t, "LW102", input(t, "FROM maven:3\nRUN mvn -B -Dmaven.repo.local=/cache/m2 dependency:go-offline\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/cache/m2") {
		t.Errorf("findings %+v", fs)
	}
}

// TestLW102StoresStayInLayers: a package store that a later step or the
// running container reads is never asked to be a mount (it would be empty
// on a fresh CI builder); the caches only one RUN reads are.
func TestLW102StoresStayInLayers(t *testing.T) {
	ruleCatchesNot(t, "LW102",
		// the download fills the modules the build reads
		"FROM golang:1.22\nRUN --mount=type=cache,target=/root/.cache/go-build go mod download\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet restore\nRUN dotnet publish --no-restore -o /out\n",
		"FROM maven:3\nRUN mvn -B -Dmaven.repo.local=/m2 dependency:go-offline\nRUN mvn -B -o -Dmaven.repo.local=/m2 package\n",
		"FROM rust:1.80\nRUN cargo fetch\nRUN cargo build --offline --release\n",
		"FROM golang:1.22\nRUN go mod download\nCMD [\"go\", \"run\", \".\"]\n",
	)
	// head steps (nothing of the context before them) that fetch a package
	// manager, one pinned package or local tarballs, or compile a download
	// (review 10: netbox's pip self-upgrade, hoppscotch's CVE patches)
	ruleCatchesNot(t, "LW102",
		"FROM ubuntu:24.04\nRUN python3 -m pip install --upgrade pip setuptools wheel\n",
		"FROM node:20\nRUN npm i -g pnpm\nCOPY . .\n",
		"FROM node:20\nCOPY . .\nRUN npm i -g yarn\n",
		"FROM golang:1.24\nRUN curl -fsSL https://example.com/src.tgz | tar xz && go build ./cmd/caddy\n",
		// small runtime helpers only (review 11: paperless's
		// ca-certificates, bitwarden's shadow and gosu)
		"FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n",
		"FROM alpine:3.20\nRUN apk add --no-cache shadow && apk add --no-cache gosu\n",
	)
	// a list of packages, or one that is not small, is caught, also after
	// the sources
	ruleCatches(t, "LW102",
		"FROM node:20\nCOPY . .\nRUN npm i -g @angular/cli\n",
		"FROM node:20\nRUN npm install -g @angular/cli typescript eslint\n",
		"FROM python:3.12\nRUN pip install numpy pandas\n",
		"FROM python:3.12\nCOPY . .\nRUN pip install torch==2.3.0\n",
		"FROM python:3.12\nCOPY . .\nRUN pip install /app/wheels/x.whl\n",
		"FROM debian:12\nRUN apt-get update && apt-get install -y ca-certificates build-essential\n",
	)
	fs := check(t, "LW102", input(t, "FROM golang:1.22\nCOPY . .\nRUN go mod download\nRUN GOPROXY=off go build ./...\n"))
	if len(fs) != 1 || fs[0].Range.Start.Line != 4 || !strings.Contains(fs[0].Message, "/root/.cache/go-build") || strings.Contains(fs[0].Message, "/go/pkg/mod") {
		t.Errorf("the offline build needs its build cache mounted, not the modules: %+v", fs)
	}
	// a single RUN that both fetches and builds may mount the store
	fs = check(t, "LW102", input(t, "FROM golang:1.22\nCOPY . .\nRUN go build ./...\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/go/pkg/mod") {
		t.Errorf("single build: %+v", fs)
	}
	// apt: the lists a later install reads stay in the layer
	fs = check(t, "LW102", input(t, "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n"))
	for _, f := range fs {
		if strings.Contains(f.Message, "/var/lib/apt") {
			t.Errorf("apt lists asked for a mount although a later RUN reads them: %s", f.Message)
		}
	}
}

// An install that keeps no cache is not told it "keeps its cache" where
// it keeps none: the message says what the flag does and what the fix
// changes besides the mount (an expert review found the old message
// untrue on every apk add --no-cache).
func TestLW102CacheOffMessage(t *testing.T) {
	for df, want := range map[string]string{
		"FROM alpine:3.20\nRUN apk add --no-cache build-base\n":    "keeps no cache (--no-cache)",
		"FROM python:3.12\nRUN pip install --no-cache-dir flask\n": "drop --no-cache-dir",
		"FROM alpine:3.20\nRUN apk add build-base\n":               "apk keeps packages only where /etc/apk/cache exists",
		"FROM python:3.12\nRUN pip install flask\n":                "keeps its cache in /root/.cache/pip",
	} {
		fs := check(t, "LW102", input(t, df))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, want) {
			t.Errorf("%q: %v, want %q", df, fs, want)
		}
	}
}

// An official image's source (docker-library's generated header) gets no
// apt mount finding: its fix would take docker-clean out of every image
// built FROM it.
func TestAptMountNotInOfficialImageSources(t *testing.T) {
	src := "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y curl\n"
	if n := len(check(t, "LW102", input(t, src))); n != 1 {
		t.Fatalf("an ordinary Dockerfile: %d findings", n)
	}
	header := "#\n# NOTE: THIS DOCKERFILE IS GENERATED VIA \"apply-templates.sh\"\n#\n# PLEASE DO NOT EDIT IT DIRECTLY.\n#\n\n"
	if n := len(check(t, "LW102", input(t, header+src))); n != 0 {
		t.Errorf("an official image's source: %d findings", n)
	}
}

// TestLW102PublishedBaseImage: the apt mounts' fix takes the docker-clean
// hook out of the image, and out of every image built FROM it. A published
// base (dotnet-docker's runtime-deps, rust-lang/docker-rust's slim
// variants: no CMD or ENTRYPOINT, nothing copied in, an OS image or a
// toolchain's variables) gets no apt finding; the same installs in a
// service, a stage the final image does not build FROM, or a bare
// OS-plus-packages tool image do.
func TestLW102PublishedBaseImage(t *testing.T) {
	runtimeDeps := "FROM ubuntu.azurecr.io/ubuntu:noble\nENV APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu74 && rm -rf /var/lib/apt/lists/*\nRUN groupadd --gid=$APP_UID app\n"
	rust := "FROM debian:bookworm-slim\nENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo\nRUN apt-get update; apt-get install -y --no-install-recommends gcc libc6-dev wget\n"
	// dotnet's chiseled runtime-deps: assembled in a chisel stage, FROM
	// scratch with the environment its children inherit
	chiseled := "FROM buildpack-deps:resolute-curl AS chisel\nRUN apt-get update && apt-get install -y file\nFROM scratch\nCOPY --from=chisel /rootfs /\nENV APP_UID=1654\n"
	// dotnet-docker keeps them in a directory per version
	versioned := func(src string) *Input {
		in := input(t, src)
		in.Dockerfile = "src/runtime-deps/9.0/noble/amd64/Dockerfile"
		return in
	}
	for _, src := range []string{runtimeDeps, chiseled, "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"} {
		if fs := check(t, "LW102", versioned(src)); len(fs) != 0 {
			t.Errorf("versioned base image:\n%s\n%v", src, fs)
		}
	}
	// a toolchain's variables say so anywhere, also when the toolchain
	// comes from an installer stage (dotnet's sdk images)
	sdk := "FROM buildpack-deps:noble-curl AS installer\nRUN mkdir /dotnet\nFROM mcr.microsoft.com/dotnet/aspnet:9.0-noble\nENV DOTNET_SDK_VERSION=9.0.100\nRUN apt-get update && apt-get install -y --no-install-recommends git wget\nCOPY --from=installer /dotnet /usr/share/dotnet\n"
	ruleCatchesNot(t, "LW102", rust, sdk)
	ruleCatches(t, "LW102",
		// outside a version directory, an OS, packages and an ENV are
		// what a tool image is too (review: ENV DEBIAN_FRONTEND)
		runtimeDeps, chiseled,
		"FROM ubuntu:22.04\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get update && apt-get install -y curl\n",
		// an application built in a stage and copied in (no CMD)
		"FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\nFROM alpine:3.20\nENV TZ=UTC\nCOPY --from=build /app /app\n",
		// the installs are in a stage the final image only copies from
		"FROM ubuntu:noble AS chisel\nENV X=1\nRUN apt-get update && apt-get install -y file\nFROM scratch\nCOPY --from=chisel /rootfs /\n",
		// OS plus packages, nothing that says base
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
		// an application's own base image gets its mounts
		"FROM node:20\nENV NODE_ENV=production\nRUN apt-get update && apt-get install -y curl\n",
	)
	for _, src := range []string{runtimeDeps + "CMD [\"dotnet\", \"app.dll\"]\n", runtimeDeps + "COPY . /app\n"} {
		if fs := check(t, "LW102", versioned(src)); len(fs) == 0 {
			t.Errorf("a service, even in a version directory:\n%s", src)
		}
	}
}

// TestLW102PublishedAlpineBase: rust-lang/docker-rust's alpine variants
// install with apk --no-cache: a published base, no mount either.
func TestLW102PublishedAlpineBase(t *testing.T) {
	ruleCatchesNot(t, "LW102", "FROM alpine:3.22\nENV RUSTUP_HOME=/usr/local/rustup RUST_VERSION=1.91.0\nRUN apk add --no-cache ca-certificates musl-dev gcc\n")
	ruleCatches(t, "LW102", "FROM alpine:3.22\nENV RUSTUP_HOME=/usr/local/rustup RUST_VERSION=1.91.0\nRUN apk add --no-cache ca-certificates musl-dev gcc\nCOPY . /src\nRUN cargo build\n")
}

// TestLW102MountOwnedByTheUser: a non-root USER's mount needs its uid and
// gid (uptime-kuma's `USER node` then `npm ci`: a root-owned mount fails
// with EACCES); the message says them when they are known, asks for them
// when not.
func TestLW102MountOwnedByTheUser(t *testing.T) {
	fs := check(t, "LW102", input(t, "FROM node:20\nUSER node\nWORKDIR /app\nRUN npm ci\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "target=/home/node/.npm,uid=1000,gid=1000`") {
		t.Errorf("node: %+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM python:3.12\nUSER app\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=<uid>,gid=<gid>`") || !strings.Contains(fs[0].Message, "USER app's uid") {
		t.Errorf("unknown user: %+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM python:3.12\nUSER 1001:1001\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=1001,gid=1001`") {
		t.Errorf("numeric user: %+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM python:3.12\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || strings.Contains(fs[0].Message, "uid=") {
		t.Errorf("root: %+v", fs)
	}
	// a group by name: BuildKit's gid= takes a number (review)
	fs = check(t, "LW102", input(t, "FROM python:3.12\nUSER 1001:app\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=<uid>,gid=<gid>`") {
		t.Errorf("named group: %+v", fs)
	}
	// a user the Dockerfile creates with its uid (review 36: NodeBB)
	fs = check(t, "LW102", input(t, "FROM python:3.12\nRUN groupadd --gid 1001 app && useradd --uid 1001 --gid 1001 app\nUSER app\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=1001,gid=1001`") {
		t.Errorf("created user: %+v", fs)
	}
	// ... with a uid a build arg may change: not known
	fs = check(t, "LW102", input(t, "FROM python:3.12\nARG UID=1001\nRUN groupadd --gid ${UID} app && useradd --uid ${UID} --gid ${UID} app\nUSER app\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=<uid>,gid=<gid>`") {
		t.Errorf("created user, uid from an ARG: %+v", fs)
	}
	// created without a uid: not known
	fs = check(t, "LW102", input(t, "FROM python:3.12\nRUN useradd app\nUSER app\nRUN pip install -r requirements.txt\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ",uid=<uid>,gid=<gid>`") {
		t.Errorf("created user without a uid: %+v", fs)
	}
}

// TestLW102OnCI: where the repository's CI builds images, the advice says
// that the mount starts empty there and how to keep it between jobs.
func TestLW102OnCI(t *testing.T) {
	in := input(t, "FROM node:20\nCOPY package*.json ./\nRUN npm ci\n")
	if fs := check(t, "LW102", in); len(fs) != 1 || strings.Contains(fs[0].Message, "fresh CI builders") {
		t.Errorf("no CI: %+v", fs)
	}
	in.CIWorkflow = ".github/workflows/publish.yml"
	if fs := check(t, "LW102", in); len(fs) != 1 || !strings.Contains(fs[0].Message, ".github/workflows/publish.yml builds this image on fresh CI builders") || !strings.Contains(fs[0].Message, "--cache-mounts") {
		t.Errorf("CI: %+v", fs)
	}
}

// TestSpeedRulesLeaveTestInputsAlone: a Dockerfile under testdata is a
// test's input (skaffold's integration/testdata fixtures): no rule about
// speed, size or context reports on it; correctness rules still do.
func TestSpeedRulesLeaveTestInputsAlone(t *testing.T) {
	src := "FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"
	in := input(t, src)
	if len(check(t, "LW102", in)) == 0 || len(check(t, "LW112", in)) == 0 {
		t.Fatal("the case catches nothing outside testdata: it tests nothing")
	}
	in.Dockerfile = "integration/testdata/build/Dockerfile"
	for _, id := range []string{"LW101", "LW102", "LW112"} {
		if fs := check(t, id, in); len(fs) != 0 {
			t.Errorf("%s on a test input: %+v", id, fs)
		}
	}
	// a directory of tests (review 11: kratos's e2e mock, its watcher's
	// integration test); a service whose name only contains "test" is not
	for _, df := range []string{"test/e2e/mock/webhook/Dockerfile", "oryx/watcherx/integrationtest/Dockerfile", "src/__tests__/Dockerfile", "Dockerfile.e2e", "docker/test.Dockerfile"} {
		in = input(t, src)
		in.Dockerfile = df
		if fs := check(t, "LW102", in); len(fs) != 0 {
			t.Errorf("LW102 on %s: %+v", df, fs)
		}
	}
	in = input(t, src)
	in.Dockerfile = "services/contest-api/Dockerfile"
	if fs := check(t, "LW102", in); len(fs) == 0 {
		t.Errorf("LW102 silent on services/contest-api")
	}
	// an editor's development environment, a Dockerfile nothing builds
	for _, df := range []string{".devcontainer/Dockerfile", "web/.codesandbox/Dockerfile", ".gitpod.Dockerfile"} {
		in = input(t, src)
		in.Dockerfile = df
		if fs := check(t, "LW102", in); len(fs) != 0 {
			t.Errorf("LW102 on %s: %+v", df, fs)
		}
	}
	in = input(t, src)
	in.Dockerfile, in.Unreferenced = "Dockerfile.old", true
	if fs := check(t, "LW102", in); len(fs) != 0 {
		t.Errorf("LW102 on an unreferenced Dockerfile: %+v", fs)
	}
	// a correctness rule still reports there
	in = input(t, "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n")
	in.Dockerfile = "integration/testdata/build/Dockerfile"
	if fs := check(t, "LW104", in); len(fs) == 0 {
		t.Errorf("LW104 silent on a test input")
	}
}

// TestLW102AfterGoModVendor: a `go mod vendor` earlier in the lineage makes
// the build read ./vendor: only the build cache is asked for.
func TestLW102AfterGoModVendor(t *testing.T) {
	fs := check(t, "LW102", input(t, "FROM golang:1.24\nCOPY . .\nRUN go mod tidy && go mod vendor\nRUN go build -o /app .\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/root/.cache/go-build") || strings.Contains(fs[0].Message, "/go/pkg/mod") {
		t.Errorf("after go mod vendor: %+v", fs)
	}
}

// TestLW102GoWhereTheCacheIsNotKnown: skywalking's rating service builds
// FROM ${SW_AGENT_GO_IMAGE} with `go build -a` (review 13): the module
// cache's place depends on the unknown base's GOPATH, and -a reads no
// build cache: nothing to ask. On golang's image, -a still has its modules.
func TestLW102GoWhereTheCacheIsNotKnown(t *testing.T) {
	if fs := check(t, "LW102", input(t, "ARG SW_AGENT_GO_IMAGE\nFROM ${SW_AGENT_GO_IMAGE}\nWORKDIR /app\nCOPY . .\nRUN go build -a -o rating .\n")); len(fs) != 0 {
		t.Errorf("unknown base: %+v", fs)
	}
	fs := check(t, "LW102", input(t, "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -a -o rating .\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/go/pkg/mod") || strings.Contains(fs[0].Message, "go-build") {
		t.Errorf("go build -a: %+v", fs)
	}
}

// TestLW102CacheFlag: a cache directory named by the tool's own flag is
// the one that counts: ArchiveBox's npm --cache points into a cache mount
// (its ~/.npm is npm's global prefix, which a mount would take out of the
// image); a --cache outside any mount is the one to mount.
func TestLW102CacheFlag(t *testing.T) {
	ruleCatchesNot(t, "LW102",
		"FROM node:20\nARG APP_USER=node\nRUN --mount=type=cache,target=/home/node/.npm_cache,uid=1000,gid=1000 npm install --global --cache \"/home/$APP_USER/.npm_cache\" left-pad\n",
		"FROM python:3.12\nRUN --mount=type=cache,target=/pipcache pip install --cache-dir=/pipcache -r requirements.txt\n",
	)
	ruleCatches(t, "LW102",
		"FROM node:20\nRUN npm install --global --cache /tmp/npmcache left-pad\n",
	)
	fs := check(t, "LW102", input(t, "FROM node:20\nRUN npm install --global --cache /tmp/npmcache left-pad\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/tmp/npmcache") {
		t.Errorf("--cache outside a mount: %+v", fs)
	}
}

// TestLW102SmallInstallsReview14: nextcloud AIO's runtime libraries from
// Alpine and ArchiveBox's `pip install --no-deps "$CODE_DIR"` download a
// few MB at most; firefox and ffmpeg do not, and apk's message says why
// it downloads them again (no /etc/apk/cache in the image).
func TestLW102SmallInstallsReview14(t *testing.T) {
	ruleCatchesNot(t, "LW102",
		"FROM alpine:3.22\nCOPY start.sh /start.sh\nRUN apk add --no-cache ca-certificates netcat-openbsd tzdata bash openssl\n",
		"FROM alpine:3.22\nCOPY start.sh /start.sh\nRUN apk add glib libnice libsrtp tzdata bash supervisor\n",
		"FROM python:3.12\nARG CODE_DIR=/app\nCOPY . /app\nRUN pip install --no-deps \"$CODE_DIR\"\n",
	)
	ruleCatches(t, "LW102",
		"FROM alpine:3.22\nCOPY start.sh /start.sh\nRUN apk add --no-cache bash ffmpeg firefox font-noto-cjk\n",
		"FROM alpine:3.22\nCOPY start.sh /start.sh\nRUN apk add bash python3-dev gcc\n",
		"FROM python:3.12\nCOPY . /app\nRUN pip install --no-deps -r requirements.txt\n",
	)
	fs := check(t, "LW102", input(t, "FROM alpine:3.22\nCOPY x /x\nRUN apk add build-base\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "which the image lacks") {
		t.Errorf("apk without --no-cache: %+v", fs)
	}
}

// TestLW102GoBuildCacheWarmedInLayer: photoview compiles its cgo
// dependencies with `go install` in a layer before the sources, and its
// `go build` reuses that cache: no build cache mount there (it would hide
// the layer's cache); the module cache is still advised where it is not
// kept.
func TestLW102GoBuildCacheWarmedInLayer(t *testing.T) {
	src := "FROM golang:1.24 AS api\nWORKDIR /app/api\nCOPY api/go.mod api/go.sum /app/api/\nRUN go mod download && go install github.com/mattn/go-sqlite3\nCOPY api /app/api\nRUN go build -o photoview .\n"
	for _, f := range check(t, "LW102", input(t, src)) {
		if f.Range.Start.Line == 6 && strings.Contains(f.Message, "go-build") {
			t.Errorf("build cache mount advised over the warmed layer: %s", f.Message)
		}
	}
	for _, f := range check(t, "LW102", input(t, src)) {
		if f.Range.Start.Line == 4 && strings.Contains(f.Message, "go-build") {
			t.Errorf("build cache mount advised on the warming step: %s", f.Message)
		}
	}
	// two binaries built after the sources: each gets the mount
	two := check(t, "LW102", input(t, "FROM golang:1.24\nWORKDIR /app\nCOPY . .\nRUN go build -o a ./cmd/a\nRUN go build -o b ./cmd/b\n"))
	n := 0
	for _, f := range two {
		if strings.Contains(f.Message, "go-build") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("two binaries: %+v", two)
	}
	fs := check(t, "LW102", input(t, "FROM golang:1.24 AS api\nWORKDIR /app\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o app .\n"))
	found := false
	for _, f := range fs {
		found = found || (f.Range.Start.Line == 6 && strings.Contains(f.Message, "go-build"))
	}
	if !found {
		t.Errorf("a plain go build: %+v", fs)
	}
}

// TestLW102HeadStepAfterImageCopy: ErsatzTV's runtime stage copies the
// dotnet runtime from an image's stage, then installs: nothing of the
// context comes before, so the step re-runs only with its bases (info);
// after a COPY from a stage that read the context it is a warning.
func TestLW102HeadStepAfterImageCopy(t *testing.T) {
	for src, want := range map[string]Severity{
		"FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet-runtime\nFROM debian:12 AS runtime-base\nCOPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet\nRUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip build-essential\n": Info,
		"FROM debian:12\nCOPY --from=registry.example.com/tools:1 /bin/tool /bin/tool\nRUN apt-get update && apt-get install -y build-essential\n":                                                                                                                            Info,
		"FROM node:20 AS ui\nCOPY . .\nRUN npm run build\nFROM debian:12\nCOPY --from=ui /dist /dist\nRUN apt-get update && apt-get install -y build-essential\n":                                                                                                             Warning,
	} {
		fs := check(t, "LW102", input(t, src))
		var got []Severity
		for _, f := range fs {
			if strings.Contains(f.Message, "apt") {
				got = append(got, f.Severity)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%q: %v, want %v", src, got, want)
		}
	}
}

// TestLW102YarnBerryInSubdirectory: pgadmin installs in web/, whose
// package.json names yarn@4 (through corepack): its cache is
// ~/.yarn/berry/cache, not yarn 1's.
func TestLW102YarnBerryInSubdirectory(t *testing.T) {
	in := inputWithContext(t, map[string]string{
		"Dockerfile":       "FROM node:20\nCOPY web /pgadmin4/web\nWORKDIR /pgadmin4/web\nRUN corepack enable && yarn install\n",
		"web/package.json": `{"packageManager": "yarn@4.15.0"}`,
		"web/.yarnrc.yml":  "nodeLinker: node-modules\n",
	})
	fs := check(t, "LW102", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "/root/.yarn/berry/cache") {
		t.Errorf("findings: %+v", fs)
	}
}

// TestProjectInstallAfterDependencies: nicegui syncs its dependencies
// without the project, copies the sources and installs the project with
// `uv pip install .`: that install needs the sources and fetches next to
// nothing (no LW101, no LW102); without the dependency step both hold.
func TestProjectInstallAfterDependencies(t *testing.T) {
	with := "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --no-install-project --no-dev\nCOPY nicegui ./nicegui\nRUN uv pip install .\n"
	without := "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nCOPY nicegui ./nicegui\nRUN uv pip install .\n"
	files := func(df string) map[string]string {
		return map[string]string{"Dockerfile": df, "pyproject.toml": "[project]\nname='x'\n", "uv.lock": "", "nicegui/__init__.py": ""}
	}
	for _, rule := range []string{"LW101", "LW102"} {
		for _, f := range check(t, rule, inputWithContext(t, files(with))) {
			if f.Severity == Warning && (f.Range.Start.Line == 5 || f.Range.Start.Line == 6) {
				t.Errorf("%s after the dependency step: %s", rule, f.Message)
			}
		}
	}
	if fs := check(t, "LW102", inputWithContext(t, files(without))); len(fs) == 0 {
		t.Errorf("LW102 without a dependency step: none")
	}
}

// TestLW102PnpmFetchStoreStaysInItsLayer: after `pnpm fetch` (LW101's fix
// for a workspace) the install after the sources links from the store the
// fetch step's layer holds; a cache mount on either step would leave it
// empty on every fresh builder. The same install without the fetch step
// keeps its advice.
func TestLW102PnpmFetchStoreStaysInItsLayer(t *testing.T) {
	src := "FROM node:20 AS b\nWORKDIR /app\nCOPY pnpm-lock.yaml package.json ./\nRUN pnpm fetch\nCOPY . .\nRUN pnpm install --frozen-lockfile\nFROM node:20-slim\nCOPY --from=b /app /app\n"
	files := map[string]string{"Dockerfile": src, "package.json": "{}", "pnpm-lock.yaml": "", "index.js": ""}
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("fetch then install: %+v", fs)
	}
	files["Dockerfile"] = strings.Replace(src, "RUN pnpm fetch\n", "RUN pnpm install --frozen-lockfile\n", 1)
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) == 0 {
		t.Errorf("an install without a fetch step before it lost its advice")
	}
}

// TestLW102ReviewEighteenShapes: `go mod tidy` fills the module cache the
// go build after it reads, so the build gets the build cache only and the
// tidy no mount; `mix release` downloads nothing (deps.get does); a
// go.mod that requires nothing downloads nothing (LW101 silent too).
func TestLW102ReviewEighteenShapes(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod tidy\nRUN go build -o /app .\n",
		"go.mod": "module x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n", "main.go": "package main\n"}
	fs := check(t, "LW102", inputWithContext(t, files))
	if len(fs) != 1 || fs[0].Range.Start.Line != 5 || strings.Contains(fs[0].Message, "/go/pkg/mod") {
		t.Errorf("go mod tidy then go build: %+v", fs)
	}
	files["go.mod"] = "module x\n\ngo 1.14\n"
	fs = check(t, "LW102", inputWithContext(t, files))
	for _, f := range fs {
		if strings.Contains(f.Message, "/go/pkg/mod") {
			t.Errorf("a module cache for a go.mod that requires nothing: %+v", f)
		}
	}
	files["Dockerfile"] = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("LW101 on a go.mod that requires nothing: %+v", fs)
	}
	files["go.mod"] = "module x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n"
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("LW101 lost on a go.mod with requirements: %+v", fs)
	}
	mix := "FROM elixir:1.16\nWORKDIR /app\nCOPY . .\nRUN mix do deps.get, compile\nRUN mix release\n"
	fs = check(t, "LW102", inputWithContext(t, map[string]string{"Dockerfile": mix, "mix.exs": "", "mix.lock": ""}))
	if len(fs) != 1 || fs[0].Range.Start.Line != 4 {
		t.Errorf("mix: the mount belongs on deps.get alone: %+v", fs)
	}
}

// TestLW102CommandAssignments: a variable set in front of the command
// moves the cache it keeps (review 19: YARN_CACHE_FOLDER=/root/.yarn
// yarn install, under a mount there already).
func TestLW102CommandAssignments(t *testing.T) {
	src := "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN --mount=type=cache,target=/root/.yarn YARN_CACHE_FOLDER=/root/.yarn yarn install --frozen-lockfile\n"
	files := map[string]string{"Dockerfile": src, "package.json": "{}", "yarn.lock": ""}
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("covered by its mount: %+v", fs)
	}
	files["Dockerfile"] = strings.Replace(src, "target=/root/.yarn ", "target=/tmp/elsewhere ", 1)
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 1 || !strings.Contains(fs[0].Message, "/root/.yarn") {
		t.Errorf("a mount elsewhere: %+v", fs)
	}
	// HOME set for the command moves npm's cache under it (review)
	files = map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN HOME=/tmp npm ci\n", "package.json": "{}", "package-lock.json": "{}"}
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 1 || !strings.Contains(fs[0].Message, "target=/tmp/.npm`") {
		t.Errorf("HOME=/tmp: %+v", fs)
	}
}

// TestGoRequiresNothingGuards: a go.sum, a replace directive or a
// toolchain line means something is downloaded: LW101 stays (review).
func TestGoRequiresNothingGuards(t *testing.T) {
	df := "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
	for name, files := range map[string]map[string]string{
		"go.sum":    {"go.mod": "module x\n\ngo 1.22\n", "go.sum": "example.com/y v1.0.0 h1:x\n"},
		"replace":   {"go.mod": "module x\n\ngo 1.22\n\nreplace example.com/y => ./y\n", "y/go.mod": "module example.com/y\n"},
		"toolchain": {"go.mod": "module x\n\ngo 1.24\n\ntoolchain go1.24.2\n"},
	} {
		files["Dockerfile"] = df
		files["main.go"] = "package main\n"
		if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
}

// TestLW102BuiltOnceInforms: LW102 too is information on an image built
// once (review: only LW101's was tested).
func TestLW102BuiltOnceInforms(t *testing.T) {
	in := input(t, "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n")
	in.BuiltOnce = "only README.md builds this image, a build each reader runs once"
	fs := check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "only README.md") {
		t.Errorf("built once: %+v", fs)
	}
}

// TestGoSumLeftOut: review 21 (honeycomb's greeting services). The
// context has a go.sum, but the Dockerfile copies go.mod alone and a
// service's directory: a build that needed a module would fail on its
// missing checksum, so it downloads none. No LW101, and LW102 keeps only
// the build cache. A go.sum copied, a `go get` before the build, or
// GOFLAGS=-mod=mod: modules come, and both stay.
func TestGoSumLeftOut(t *testing.T) {
	df := "FROM golang:1.25 AS build\nWORKDIR /src\nCOPY go.mod .\nCOPY name-service/. .\nRUN go build -o /out/name .\n"
	files := func(df string) map[string]string {
		return map[string]string{"Dockerfile": df, "go.mod": "module x\n\ngo 1.22\n\nrequire github.com/gorilla/mux v1.8.1\n",
			"go.sum": "github.com/gorilla/mux v1.8.1 h1:x\n", "name-service/main.go": "package main\n"}
	}
	in := inputWithContext(t, files(df))
	if fs := check(t, "LW101", in); len(fs) != 0 {
		t.Errorf("go.sum left out: %+v", fs)
	}
	if fs := check(t, "LW102", in); len(fs) != 1 || strings.Contains(fs[0].Message, "/go/pkg/mod") || !strings.Contains(fs[0].Message, "/root/.cache/go-build") {
		t.Errorf("go.sum left out: %+v", fs)
	}
	for name, d := range map[string]string{
		"go.sum copied": strings.Replace(df, "COPY go.mod .", "COPY go.mod go.sum ./", 1),
		"go get":        strings.Replace(df, "RUN go build", "RUN go get\nRUN go build", 1),
		"-mod=mod":      strings.Replace(df, "WORKDIR /src", "WORKDIR /src\nENV GOFLAGS=-mod=mod", 1),
	} {
		in := inputWithContext(t, files(d))
		if fs := check(t, "LW101", in); len(fs) != 1 {
			t.Errorf("%s: LW101 %+v", name, fs)
		}
		fs := check(t, "LW102", in)
		if name != "go get" && (len(fs) != 1 || !strings.Contains(fs[0].Message, "/go/pkg/mod")) {
			t.Errorf("%s: LW102 %+v", name, fs)
		}
	}
}

// TestLW101NoLayerCacheInforms: every local build runs with --no-cache
// (review 18: harbor's Makefile): the order is information; LW102 stays a
// warning, as BuildKit keeps cache mounts under --no-cache.
func TestLW101NoLayerCacheInforms(t *testing.T) {
	src := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	files := map[string]string{"Dockerfile": src, "package.json": "{}", "package-lock.json": "{}"}
	in := inputWithContext(t, files)
	in.NoLayerCache = "make/photon/Makefile"
	fs := check(t, "LW101", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "make/photon/Makefile builds this image with --no-cache") {
		t.Errorf("LW101: %+v", fs)
	}
	if fs := check(t, "LW102", in); len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("LW102: %+v", fs)
	}
}

// TestLW102ScriptEmptiesTheCache: review 21 (Kaggle): every RUN ends with
// a script from the context that runs `apt-get clean`: a mount on
// /var/cache/apt would keep nothing, so the finding is information and
// the fix waits for the script; a script that leaves the cache alone
// changes nothing.
func TestLW102ScriptEmptiesTheCache(t *testing.T) {
	df := "FROM ubuntu:24.04 AS build\nCOPY package.json ./\nADD clean-layer.sh /tmp/clean-layer.sh\nRUN apt-get update && apt-get install -y libfreetype6-dev && /tmp/clean-layer.sh\nFROM scratch\nCOPY --from=build /usr/lib /usr/lib\n"
	files := map[string]string{"Dockerfile": df, "package.json": "{}", "clean-layer.sh": "#!/bin/bash\nset -e\napt-get autoremove -y\napt-get clean\nrm -rf /usr/local/src/*\n"}
	in := inputWithContext(t, files)
	fs := check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "/tmp/clean-layer.sh, which empties /var/cache/apt") {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheMount(in, fs[0]); fx != nil || !strings.Contains(why, "change the script first") {
		t.Errorf("fix: %+v %q", fx, why)
	}
	// one that removes something else (discourse's install-firefox)
	files["clean-layer.sh"] = "#!/bin/bash\nrm -rf /tmp/firefox.tar.xz\n"
	in = inputWithContext(t, files)
	fs = check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Warning {
		t.Fatalf("a script that keeps the cache: %+v", fs)
	}
	if fx, why := fixCacheMount(in, fs[0]); fx == nil {
		t.Errorf("a script that keeps the cache: fix refused: %s", why)
	}
}

// TestLW102TmpfsInPlace: review 22 (envoy's examples): a tmpfs already
// mounted on apt's directories keeps the packages out of the layer but
// nothing for the next build; the advice says to put a cache mount in its
// place, and the fix, which would stack both, refuses.
func TestLW102TmpfsInPlace(t *testing.T) {
	src := "FROM debian:12 AS build\nCOPY x.txt /x.txt\nRUN --mount=type=tmpfs,target=/var/cache/apt \\\n    --mount=type=tmpfs,target=/var/lib/apt/lists \\\n    apt-get update && apt-get install -y libssl-dev curl\nFROM scratch\nCOPY --from=build /usr/bin/curl /curl\n"
	in := input(t, src)
	fs := check(t, "LW102", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "tmpfs mount keeps them out of the layer") {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheMount(in, fs[0]); fx != nil || !strings.Contains(why, "already mounts a tmpfs on /var/cache/apt") {
		t.Errorf("fix: %+v %q", fx, why)
	}
}

// TestLW102ManifestsOnlyInforms: review 22 (speedscale's demo, odigos):
// an install behind a COPY of its manifests alone re-runs only when they
// change, so the mount is information there (the fix is still offered);
// with anything else of the context before it, it stays a warning — but
// where LW101 warns about that order, information too.
func TestLW102ManifestsOnlyInforms(t *testing.T) {
	for src, want := range map[string]Severity{
		"FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n":                              Info,
		"FROM php:8.3\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nCOPY composer.json ./\nRUN composer install\n": Info,
		// LW101 warns about that order (reviews 27 and 28: one cause)
		"FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n":                                                                    Info,
		"FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json tsconfig.json ./\nRUN npm ci\nCOPY . .\n":              Warning,
		"FROM node:20 AS src\nCOPY . /src\nFROM node:20\nWORKDIR /app\nCOPY --from=src /src/package.json ./\nRUN npm install\n": Warning,
		"FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN --mount=type=bind,source=.,target=/ctx npm install\n":            Warning,
	} {
		fs := check(t, "LW102", input(t, src))
		if len(fs) != 1 || fs[0].Severity != want {
			t.Errorf("%q: %+v, want one %s", src, fs, want)
		}
	}
	in := input(t, "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n")
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheMount(in, fs[0]); fx == nil {
		t.Errorf("the fix is still offered: %s", why)
	}
}

// TestNpmLockOfNothing: review 22 (speedscale's node-auth): a lock file
// that locks the project alone (no dependency in package.json) means npm
// ci downloads nothing: no LW101, no LW102. One package locked: both.
func TestNpmLockOfNothing(t *testing.T) {
	df := "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n"
	lock := `{"name":"a","lockfileVersion":3,"requires":true,"packages":{"":{"name":"a","version":"1.0.0"}}}`
	files := map[string]string{"Dockerfile": df, "package.json": `{"name":"a","version":"1.0.0"}`, "package-lock.json": lock, "server.js": ""}
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("nothing locked: %+v", fs)
	}
	files["Dockerfile"] = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("nothing locked, LW101: %+v", fs)
	}
	files["package-lock.json"] = `{"name":"a","lockfileVersion":3,"packages":{"":{"name":"a"},"node_modules/express":{"version":"4.21.0"}}}`
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("express locked, LW101: %+v", fs)
	}
	if fs := check(t, "LW102", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("express locked, LW102: %+v", fs)
	}
}

// A context script that compiles the slow dependencies into the layer's
// build cache (a linkerd-style `./bin/install-deps $TARGETARCH` in a deps
// stage the compile's stage builds FROM) warms it as a go install in the
// RUN does: no build cache mount on the compile, which would hide it. A
// script that compiles nothing warms nothing.
func TestLW102GoBuildCacheWarmedByScript(t *testing.T) {
	df := "FROM golang:1.23-alpine AS go-deps\nWORKDIR /build\nCOPY go.mod go.sum ./\nCOPY bin/install-deps bin/\nRUN go mod download\nRUN ./bin/install-deps\n" +
		"FROM go-deps AS golang\nCOPY pkg pkg\nCOPY cmd cmd\nRUN CGO_ENABLED=0 go build -o /out/app ./cmd\nFROM scratch\nCOPY --from=golang /out/app /app\n"
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{"#!/bin/sh\nset -e\nfor p in k8s.io/client-go/kubernetes; do go build -v \"$p\"; done\n", false},
		{"#!/bin/sh\necho nothing to warm\n", true},
	} {
		in := inputWithContext(t, map[string]string{"Dockerfile": df, "go.mod": "module x\n\ngo 1.23\n\nrequire k8s.io/client-go v0.31.0\n", "go.sum": "k8s.io/client-go v0.31.0 h1:x\n",
			"bin/install-deps": tc.script, "pkg/a.go": "package pkg\n", "cmd/main.go": "package main\n"})
		got := false
		for _, f := range check(t, "LW102", in) {
			got = got || (f.Range.Start.Line == 10 && strings.Contains(f.Message, "go-build"))
		}
		if got != tc.want {
			t.Errorf("script %q: build cache mount advised %v, want %v", tc.script, got, tc.want)
		}
	}
}

// Review 23 (EventualShop): an apt install in the final stage right after
// the COPY --from of the published application re-runs on every source
// change only because of that order: the advice names the move. A COPY
// into system paths, a second such COPY, or a RUN that does more than
// install packages gets no such advice.
func TestLW102OnlyAfterStageOutput(t *testing.T) {
	build := "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS publish\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -o /app/publish\n"
	for _, tc := range []struct {
		final string
		want  bool
	}{
		{"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY --from=publish /app/publish .\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n", true},
		{"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY --from=publish /app/publish /usr/local/app\nRUN apt-get update && apt-get install -y curl\n", false},
		{"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY --from=publish /app/publish .\nRUN apt-get update && apt-get install -y curl && ./setup.sh\n", false},
		{"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y curl\n", false},
	} {
		got := false
		for _, f := range check(t, "LW102", input(t, build+tc.final)) {
			got = got || strings.Contains(f.Message, "move it above that line")
		}
		if got != tc.want {
			t.Errorf("%q: move advised %v, want %v", tc.final, got, tc.want)
		}
	}
}

// Review 26 (Go-CQRS): a container that rebuilds with CompileDaemon at
// start runs the toolchain: its module cache is read at run time (no
// module mount where the modules would otherwise be mounted: a bare
// `go get` that the build does not follow), and the SDK base is what it
// needs (no LW111); a binary built in the image as the command is LW112's.
func TestCompileDaemonRunsTheToolchain(t *testing.T) {
	src := "FROM golang:1.23-alpine\nWORKDIR /app\nCOPY . .\nRUN go mod download\nENTRYPOINT CompileDaemon --build=\"go build -o main ./cmd\" --command=./main\n"
	files := map[string]string{"Dockerfile": src, "go.mod": "module x\n\ngo 1.23\n\nrequire example.com/y v1.0.0\n", "go.sum": "example.com/y v1.0.0 h1:x\n"}
	for _, f := range check(t, "LW102", inputWithContext(t, files)) {
		if strings.Contains(f.Message, "/go/pkg/mod") {
			t.Errorf("module mount advised where the container compiles: %s", f.Message)
		}
	}
	if fs := check(t, "LW111", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("the SDK is what the container runs: %+v", fs)
	}
	files["Dockerfile"] = strings.Replace(src, "ENTRYPOINT CompileDaemon --build=\"go build -o main ./cmd\" --command=./main", "RUN go build -o /main ./cmd\nENTRYPOINT [\"/main\"]", 1)
	if fs := check(t, "LW112", inputWithContext(t, files)); len(fs) == 0 {
		t.Errorf("a binary compiled in the final image: no LW112")
	}
}

// Review 26 (nameko): pip installing from local wheels alone downloads
// nothing: no cache mount advice; from the index it keeps its advice.
func TestLW102PipNoIndex(t *testing.T) {
	src := "FROM python:3.12-slim\nCOPY wheelhouse /wheelhouse\nRUN pip install --no-index -f /wheelhouse app\n"
	if fs := check(t, "LW102", input(t, src)); len(fs) != 0 {
		t.Errorf("--no-index: %+v", fs)
	}
	if fs := check(t, "LW102", input(t, strings.Replace(src, "--no-index ", "", 1))); len(fs) != 1 {
		t.Errorf("from the index: %+v", fs)
	}
}

// Review 26 (cinema): an `npm cache clean` in the RUN before the install
// empties the cache the mount would keep: the advice says to drop it.
func TestLW102SaysToDropTheClean(t *testing.T) {
	fs := check(t, "LW102", input(t, "FROM node:20\nCOPY package.json ./\nRUN npm cache clean --force && npm install\nCOPY . .\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "And drop `npm cache clean`") {
		t.Errorf("%+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM node:20\nCOPY package.json ./\nRUN npm install\nCOPY . .\n"))
	if len(fs) != 1 || strings.Contains(fs[0].Message, "And drop") {
		t.Errorf("%+v", fs)
	}
}

// TestLW102PnpmDeployReadsTheStore: review 27 (karakeep): `pnpm deploy`
// after the install copies the workers' production dependencies out of
// the store the install filled. A mount over the store on the install
// (and on the deploy) left it empty wherever the install came from a
// registry cache: every deploy downloaded them again. The store stays in
// the install's layer; without a deploy after it, the mount is a cache.
func TestLW102PnpmDeployReadsTheStore(t *testing.T) {
	src := "FROM node:22-slim\nENV PNPM_HOME=/pnpm\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm install --frozen-lockfile\nCOPY . .\nRUN pnpm -r build\nRUN CI=true pnpm deploy --legacy --filter @x/workers --prod /prod/workers\n"
	for _, f := range check(t, "LW102", input(t, src)) {
		if strings.Contains(f.Message, "/pnpm/store") {
			t.Errorf("a mount over the store a deploy reads: %+v", f)
		}
	}
	without := strings.Replace(src, "RUN CI=true pnpm deploy --legacy --filter @x/workers --prod /prod/workers\n", "", 1)
	if fs := check(t, "LW102", input(t, without)); len(fs) != 1 || !strings.Contains(fs[0].Message, "/pnpm/store") {
		t.Errorf("without a deploy the store is a cache: %+v", fs)
	}
}

// TestLW102MavenEntrypointFillsTheRepository: review 27 (TailwindTraders):
// `mvn-entrypoint.sh mvn package` on the pom alone fills ~/.m2 in its
// layer; a mount over it on the build after the sources would hide it, so
// that every fresh builder downloaded everything again.
func TestLW102MavenEntrypointFillsTheRepository(t *testing.T) {
	src := "FROM maven:3.5-jdk-8-slim\nWORKDIR /usr/src/app\nCOPY pom.xml ./\nRUN /usr/local/bin/mvn-entrypoint.sh \\\n    mvn package -Dmaven.test.skip=true --fail-never\nCOPY . .\nRUN mvn package -Dmaven.test.skip=true\n"
	for _, f := range check(t, "LW102", input(t, src)) {
		if f.Range.Start.Line == 7 && strings.Contains(f.Message, ".m2") {
			t.Errorf("a mount over the repository the line before filled: %+v", f)
		}
	}
}

// TestLW102VendoredGoBuildWithA: review 27 (dapr's samples): `go build -a
// -mod vendor` reads ./vendor, not the module cache, and -a rebuilds every
// package without reading the build cache: no mount pays.
func TestLW102VendoredGoBuildWithA(t *testing.T) {
	src := "FROM golang:1.15.0 AS builder\nWORKDIR /src/\nCOPY . /src/\nRUN CGO_ENABLED=0 GOOS=linux \\\n    go build -a -tags netgo -mod vendor -o ./service .\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=builder /src/service .\n"
	if fs := check(t, "LW102", input(t, src)); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
	if fs := check(t, "LW102", input(t, strings.Replace(src, "-a ", "", 1))); len(fs) != 1 || !strings.Contains(fs[0].Message, "go-build") || strings.Contains(fs[0].Message, "/go/pkg/mod") {
		t.Errorf("without -a, the build cache alone: %+v", fs)
	}
}

// TestLW102SaysLW101ComesFirst: review 27 (dapr's javademo and demo2
// viewer): LW101 asks for a dependency step before the sources, LW102 for
// a mount over the store on the compile; followed together the mount would
// hide the step's layer. LW102 says so; without LW101's finding it does not.
func TestLW102SaysLW101ComesFirst(t *testing.T) {
	fs := check(t, "LW102", input(t, "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "it keeps /go/pkg/mod in its layer, and only the other caches belong in a mount here") {
		t.Errorf("go: %+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM maven:3-eclipse-temurin-21\nWORKDIR /src\nCOPY pom.xml .\nADD src src\nRUN mvn -B package\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "this step needs no mount") {
		t.Errorf("maven: %+v", fs)
	}
	fs = check(t, "LW102", input(t, "FROM golang:1.23\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n"))
	for _, f := range fs {
		if strings.Contains(f.Message, "LW101") {
			t.Errorf("no LW101 here: %+v", f)
		}
	}
}

// TestGoModulesCopiedFromADependencyStage: review 28 (homebox): the
// modules come whole from a stage that downloaded them on go.mod alone
// (`COPY --from=builder-dependencies /go/pkg/mod /go/pkg/mod`): that is
// the dependency step (no LW101), and a mount over /go/pkg/mod on the
// build would hide them (LW102 mounts the build cache only).
func TestGoModulesCopiedFromADependencyStage(t *testing.T) {
	src := "FROM golang:1.23-alpine AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nFROM golang:1.23-alpine AS builder\nWORKDIR /go/src/app\nCOPY --from=deps /go/pkg/mod /go/pkg/mod\nCOPY ./backend .\nRUN CGO_ENABLED=0 go build -o /go/bin/api ./app/api\n"
	if fs := check(t, "LW101", input(t, src)); len(fs) != 0 {
		t.Errorf("LW101: %+v", fs)
	}
	fs := check(t, "LW102", input(t, src))
	if len(fs) != 1 || strings.Contains(fs[0].Message, "/go/pkg/mod") || !strings.Contains(fs[0].Message, "/root/.cache/go-build") {
		t.Errorf("LW102: %+v", fs)
	}
}

// TestAptFixLeavesAPublishedImage: reviews 26 and 28 (sftpgo, CTFd): the
// apt fix takes docker-clean out of the stage it mounts apt's cache in; in
// the final stage of an image a workflow publishes, every image built FROM
// it would then keep apt's downloads. Refused there; a build stage, or an
// image nothing publishes, is fixed.
func TestAptFixLeavesAPublishedImage(t *testing.T) {
	src := "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCOPY app /app\nCMD [\"/app\"]\n"
	in := input(t, src)
	in.CIWorkflow, in.CIPublishes = ".github/workflows/release.yml", true
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if !strings.Contains(fs[0].Message, "/var/lib/apt/lists") || strings.Contains(fs[0].Message, "/var/cache/apt") || !strings.Contains(fs[0].Message, "which .github/workflows/release.yml publishes") {
		t.Errorf("published: the lists alone, and why: %s", fs[0].Message)
	}
	// the hook stays; the lists are mounted
	for _, ext := range []bool{false, true} {
		in = input(t, src)
		in.CIPublishes, in.Extended = !ext, ext
		fs = check(t, "LW102", in)
		if len(fs) != 1 {
			t.Fatalf("%+v", fs)
		}
		fx, why := fixCacheMount(in, fs[0])
		if fx == nil {
			t.Fatalf("extended %v: %s", ext, why)
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if strings.Contains(got, "docker-clean") || strings.Contains(got, "/var/cache/apt") || !strings.Contains(got, "RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update") {
			t.Errorf("extended %v:\n%s", ext, got)
		}
	}
	in = input(t, src)
	if fs := check(t, "LW102", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	} else if fx, why := fixCacheMount(in, fs[0]); fx == nil {
		t.Errorf("not published: %q", why)
	}
	build := "FROM debian:bookworm-slim AS build\nRUN apt-get update && apt-get install -y gcc\nRUN gcc -o /app app.c\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\nCMD [\"/app\"]\n"
	in = input(t, build)
	in.CIWorkflow, in.CIPublishes = ".github/workflows/release.yml", true
	if fs := check(t, "LW102", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	} else if fx, why := fixCacheMount(in, fs[0]); fx == nil {
		t.Errorf("a build stage of a published image: %q", why)
	}
}

// TestLW102MixedSystemToolsRefused: review 30 (KurrentDB): a RUN that
// runs apk on Alpine and apt-get elsewhere got apt's keep-cache step
// before it, which fails on the Alpine base.
func TestLW102MixedSystemToolsRefused(t *testing.T) {
	in := input(t, "ARG RT=noble\nFROM mcr.microsoft.com/dotnet/sdk:10.0-${RT} AS test\nARG RT=noble\nRUN if [ \"${RT}\" = \"alpine\" ]; then \\\n        apk add --no-cache libgomp; \\\n    else \\\n        apt-get update && apt-get install -y libgomp1 && rm -rf /var/lib/apt/lists/*; \\\n    fi\n")
	fs := check(t, "LW102", in)
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	for _, f := range fs {
		if fx, why := fixCacheMount(in, f); fx != nil || !strings.Contains(why, "decided at build time") {
			t.Errorf("fixed: %v %q", fx != nil, why)
		}
	}
}

// TestLW102UvNoCacheDirAlias: review 29 (openreplay): uv takes pip's
// --no-cache-dir as its --no-cache; the mount the fix adds must come with
// the flag dropped, or uv never reads it.
func TestLW102UvNoCacheDirAlias(t *testing.T) {
	for _, fl := range []string{"--no-cache-dir", "--no-cache", "-n"} {
		in := input(t, "FROM python:3.12-slim\nWORKDIR /work\nCOPY requirements.txt ./\nRUN uv pip install "+fl+" --upgrade -r requirements.txt --system\n")
		fs := check(t, "LW102", in)
		if len(fs) != 1 {
			t.Fatalf("%s: %+v", fl, fs)
		}
		fx, why := fixCacheMount(in, fs[0])
		if fx == nil {
			t.Fatalf("%s: %s", fl, why)
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if !strings.Contains(got, "RUN --mount=type=cache,target=/root/.cache/uv uv pip install --upgrade -r requirements.txt --system") {
			t.Errorf("%s:\n%s", fl, got)
		}
	}
}

// TestLW102ApkUpdateNotTwice: review 29 (knative): `apk --no-cache
// --update add` became `apk --update-cache --update add`; it loses
// --no-cache instead.
func TestLW102ApkUpdateNotTwice(t *testing.T) {
	in := input(t, "FROM alpine:3.20\nRUN apk update && apk --no-cache --update add git make\n")
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixCacheMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if !strings.Contains(got, "apk update && apk --update add git make") || strings.Contains(got, "--update-cache") {
		t.Errorf("got:\n%s", got)
	}
}

// TestLW102ApkAfterUpdate: review 35 (Cloudreve): an `apk add` after an
// `apk update` of the same RUN reads the index it fetched: --no-cache goes,
// and no --update-cache fetches it a second time.
func TestLW102ApkAfterUpdate(t *testing.T) {
	for _, src := range []string{
		"FROM alpine:3.20\nRUN apk update && apk add --no-cache git make\n",
		"FROM alpine:3.20\nRUN apk update && apk add git && apk add make\n",
	} {
		in := input(t, src)
		fs := check(t, "LW102", in)
		if len(fs) != 1 {
			t.Fatalf("%+v", fs)
		}
		fx, why := fixCacheMount(in, fs[0])
		if fx == nil {
			t.Fatal(why)
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if strings.Contains(got, "--update-cache") || strings.Contains(got, "--no-cache") || !strings.Contains(got, "/etc/apk/cache") {
			t.Errorf("%q:\n%s", src, got)
		}
	}
	// an update under a condition may not run: the add refreshes its index
	in := input(t, "FROM alpine:3.20\nARG X\nRUN [ -n \"$X\" ] && apk update; apk add --no-cache git\n")
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheMount(in, fs[0]); fx == nil {
		t.Fatal(why)
	} else if got := strings.Join(ApplyFix(in.File.Lines, fx), "\n"); !strings.Contains(got, "apk add --update-cache git") {
		t.Errorf("conditional update:\n%s", got)
	}
}

// TestLW102JoinsTheStoresID: review 29 (plane): the new mount over
// /pnpm/store had the default id beside the file's id=pnpm-store mounts
// of the same store: two caches of one store.
func TestLW102JoinsTheStoresID(t *testing.T) {
	src := "FROM node:22-alpine AS base\nENV PNPM_HOME=/pnpm\nRUN corepack enable pnpm\nRUN pnpm add -g turbo@2.5.0\nFROM base AS installer\nCOPY pnpm-lock.yaml ./\nRUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch\n"
	in := input(t, src)
	for _, f := range check(t, "LW102", in) {
		if f.Range.Start.Line != 4 {
			continue
		}
		fx, why := fixCacheMount(in, f)
		if fx == nil {
			t.Fatal(why)
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if !strings.Contains(got, "RUN --mount=type=cache,target=/pnpm/store,id=pnpm-store pnpm add -g turbo@2.5.0") {
			t.Errorf("got:\n%s", got)
		}
		return
	}
	t.Fatal("no LW102 finding on line 4")
}

// TestLW102NoCachePolicy: a CI that builds with no-cache on some runs, on
// builders that keep their state (review 35: tensorzero's releases on
// Namespace): the mount is information and not added.
func TestLW102NoCachePolicy(t *testing.T) {
	in := input(t, "FROM rust:1.80\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch\n")
	in.CIWorkflow, in.CIPersistentBuilder, in.CINoCache = ".github/workflows/publish.yml", true, true
	fs := check(t, "LW102", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "survives --no-cache") {
		t.Fatalf("%+v", fs)
	}
	if fx, _ := fixCacheMount(in, fs[0]); fx != nil {
		t.Errorf("fixed: %+v", fx)
	}
	in.CIPersistentBuilder = false // fresh runners: every mount starts empty anyway
	if fs := check(t, "LW102", in); len(fs) != 1 || strings.Contains(fs[0].Message, "survives --no-cache") {
		t.Errorf("fresh runners: %+v", fs)
	}
}

// TestLW102StageAnyTargetShips: review 38 (polar): CI builds `target:
// production`, which stages of another image follow in the file; found by
// its name, the Dockerfile's target is not known, so every stage no other
// stage uses may ship, and keeps docker-clean (the lists mounted alone).
func TestLW102StageAnyTargetShips(t *testing.T) {
	src := "FROM debian:bookworm-slim AS production\nRUN apt-get update && apt-get install -y curl\nCOPY app /app\nCMD [\"/app\"]\nFROM public.ecr.aws/lambda/provided:al2 AS lambda\nCOPY app /var/task/app\n"
	for _, target := range []string{"", "lambda"} {
		in := input(t, src)
		in.Target = target
		fs := check(t, "LW102", in)
		if len(fs) != 1 {
			t.Fatalf("target %q: %+v", target, fs)
		}
		fx, why := fixCacheMount(in, fs[0])
		if fx == nil {
			t.Fatalf("target %q: %s", target, why)
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if shipped := !strings.Contains(got, "docker-clean"); shipped != (target == "") {
			t.Errorf("target %q: production kept docker-clean %v:\n%s", target, shipped, got)
		}
	}
}
