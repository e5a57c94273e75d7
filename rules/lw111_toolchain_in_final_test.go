package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func TestLW111KeptBuildTools(t *testing.T) {
	// removed only in a later RUN: still in the image's layers
	ruleCatches(t, "LW111",
		"FROM debian:12\nRUN apt-get update && apt-get install -y gcc\nRUN apt-get purge -y gcc\nCOPY . /app\nCMD [\"/app/run\"]\n",
		// an SDK image that copies the application in
		"FROM mcr.microsoft.com/dotnet/sdk:9.0\nCOPY . /src\nRUN apk add gcc\nCMD [\"dotnet\", \"/src/app.dll\"]\n",
	)
}

func TestLW111ToolchainInFinal(t *testing.T) {
	ruleCatches(t, "LW111",
		"FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nFROM golang:1.22\nCOPY --from=build /app /app\n",
		"FROM node:20 AS build\nRUN npm run build\nFROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential\nCOPY --from=build /dist /dist\n",
		"FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n",
		"FROM maven:3-eclipse-temurin-21 AS build\nRUN mvn package\nFROM eclipse-temurin:21-jdk\nCOPY --from=build /target/app.jar /app.jar\n",
		"FROM python:3.12\nRUN pip install -r requirements-dev.txt\n",
		"FROM python:3.12\nRUN poetry install\n",
	)
	ruleCatchesNot(t, "LW111",
		// review 21: Elixir run by Mix needs Mix at run time
		"FROM elixir:1.14\nWORKDIR /app\nCOPY . .\nRUN mix deps.get && mix compile\nCMD mix run --no-halt\n",
		// build tools the same RUN removes never reach the layer
		"FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc make && make install && apk del --no-network .build-deps\n",
		"FROM debian:12\nRUN savedAptMark=\"$(apt-mark showmanual)\" && apt-get update && apt-get install -y gcc make && make && apt-mark auto '.*' && apt-mark manual $savedAptMark && apt-get purge -y --auto-remove\n",
		"FROM debian:12\nRUN apt-get update && apt-get install -y gcc && make && apt-get purge -y gcc\n",
		// toolchain images: the compilers are what they ship
		"FROM alpine:3.20\nRUN apk add --no-cache ca-certificates musl-dev gcc\nENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo\n",
		"FROM mcr.microsoft.com/dotnet/sdk:9.0-alpine\nRUN apk add --upgrade --no-cache gcc musl-dev zlib-dev\n",
		"FROM node:20\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"run\", \"dev\"]\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nENTRYPOINT [\"dotnet\", \"run\"]\n",
		"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n",
		"FROM node:20\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n",
		"FROM node:20\nENV NODE_ENV=production\nRUN npm ci\n",
		"FROM maven:3 AS build\nRUN mvn package\nFROM eclipse-temurin:21-jre\nCOPY --from=build /target/app.jar /app.jar\n",
		"FROM golang:1.22\nRUN go build ./...\n",
		"FROM python:3.12\nRUN pip install -r requirements.txt\n",
		"FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
		// the toolchain set up for the container (review 36: kellnr builds
		// crates' docs at run time)
		"FROM rust:slim-trixie\nRUN apt-get update && apt-get install -y build-essential clang\nRUN rustup component add rust-src\nCOPY kellnr /opt/kellnr/\nCMD [\"/opt/kellnr/kellnr\"]\n",
		// a desktop whose tools are the product (review 35: khoj's sandbox)
		"FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y xfce4 x11vnc build-essential python3-dev vim\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n",
	)
}

// TestLW111NoDevDependencies: `npm ci` without --omit=dev installs nothing
// more when package.json declares no devDependencies.
func TestLW111NoDevDependencies(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		want int
	}{
		{`{"dependencies":{"express":"4"}}`, 0},
		{`{"dependencies":{"express":"4"},"devDependencies":{}}`, 0},
		{`{"dependencies":{"express":"4"},"devDependencies":{"jest":"29"}}`, 1},
	} {
		in := inputWithContext(t, map[string]string{
			"Dockerfile":   "FROM node:20-slim\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
			"package.json": tc.pkg,
		})
		if got := len(check(t, "LW111", in)); got != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.pkg, got, tc.want)
		}
	}
}

// A workspace root without devDependencies installs its workspaces' ones;
// the install reads the package.json the COPY lines put where it runs.
func TestLW111WorkspaceDevDependencies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  int
	}{
		{"workspace-dev", map[string]string{"package.json": `{"workspaces":["packages/*"]}`, "packages/a/package.json": `{"name":"a","devDependencies":{"typescript":"5"}}`}, 1},
		{"workspace-prod-only", map[string]string{"package.json": `{"workspaces":["packages/*"]}`, "packages/a/package.json": `{"name":"a","dependencies":{"express":"4"}}`}, 0},
		// dev in one workspace, a dependency of another: it stays
		{"dev-and-prod", map[string]string{"package.json": `{"workspaces":["a","b"]}`, "a/package.json": `{"devDependencies":{"x":"1"}}`, "b/package.json": `{"dependencies":{"x":"1"}}`}, 0},
	} {
		tc.files["Dockerfile"] = "FROM node:20-slim\nWORKDIR /repo\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"
		if got := check(t, "LW111", inputWithContext(t, tc.files)); len(got) != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.name, len(got), tc.want)
		} else if len(got) == 1 && got[0].Range.Start.Line != 4 {
			t.Errorf("%s: reported at line %d, want 4 (the install)", tc.name, got[0].Range.Start.Line)
		}
	}
}

// A test image runs its development dependencies (found on the corpus:
// redash's cypress image): no finding.
func TestLW111TestImageNeedsItsDevDependencies(t *testing.T) {
	for cmd, want := range map[string]int{
		`["npx", "cypress", "run"]`: 0,
		`["npm", "test"]`:           0,
		`["node", "server.js"]`:     1,
	} {
		in := inputWithContext(t, map[string]string{
			"Dockerfile":   "FROM node:20-slim\nWORKDIR /e2e\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD " + cmd + "\n",
			"package.json": `{"scripts":{"test":"cypress run"},"dependencies":{"express":"4"},"devDependencies":{"cypress":"13"}}`,
		})
		if got := len(check(t, "LW111", in)); got != want {
			t.Errorf("CMD %s: %d findings, want %d", cmd, got, want)
		}
	}
}

// Development and test images by name or base (found on the corpus:
// discourse_dev, redash's .ci/Dockerfile.cypress).
func TestLW111DevAndTestImages(t *testing.T) {
	df := "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n"
	files := func() map[string]string {
		return map[string]string{"package.json": `{"dependencies":{"express":"4"},"devDependencies":{"jest":"29"}}`}
	}
	for _, tc := range []struct {
		image, dockerfile, src string
		want                   int
	}{
		{"web", "Dockerfile", df, 1},
		{"discourse_dev", "image/discourse_dev/Dockerfile", df, 0},
		{"web", ".ci/Dockerfile.cypress", df, 0},
		{"web", "Dockerfile", strings.Replace(df, "node:20-slim", "cypress/browsers:node-20", 1), 0},
		// a builder image (uptime-kuma's docker/builder-go.dockerfile)
		{"docker", "docker/builder-go.dockerfile", df, 0},
		// a service or a stage called builder is no builder image (review)
		{"page-builder", "Dockerfile", df, 1},
		{"web", "Dockerfile", strings.Replace(df, "FROM node:20-slim", "FROM node:20-slim AS builder", 1), 1},
	} {
		f := files()
		f["Dockerfile"] = tc.src
		in := inputWithContext(t, f)
		in.Image, in.Dockerfile = tc.image, tc.dockerfile
		if got := len(check(t, "LW111", in)); got != tc.want {
			t.Errorf("%s %s: %d findings, want %d", tc.image, tc.dockerfile, got, tc.want)
		}
	}
}

// TestLW111OfficialImageSource: docker-library/golang's tip variant
// installs gcc and make for cgo: an official image's source is left alone.
func TestLW111OfficialImageSource(t *testing.T) {
	src := "FROM buildpack-deps:trixie-scm AS build\nRUN mkdir /target\nFROM buildpack-deps:trixie-scm\nRUN apt-get update && apt-get install -y --no-install-recommends g++ gcc libc6-dev make pkg-config\nCOPY --from=build /target/ /\nENV GOPATH /go\n"
	if fs := check(t, "LW111", input(t, src)); len(fs) == 0 {
		t.Fatalf("no finding without the header: the case does not test the exemption")
	}
	ruleCatchesNot(t, "LW111", "#\n# NOTE: THIS DOCKERFILE IS GENERATED VIA \"apply-templates.sh\"\n#\n"+src)
}

// TestLW111LeavesDebugAndPackagingImagesAlone: review 11's kratos
// .docker/Dockerfile-debug (delve on the SDK), mealie's dev container and
// miniflux's packaging/debian image carry their toolchain on purpose; the
// same Dockerfile elsewhere is caught.
func TestLW111LeavesDebugAndPackagingImagesAlone(t *testing.T) {
	for df, src := range map[string]string{
		".docker/Dockerfile-debug":    "FROM golang:1.26-trixie\nCOPY --from=build /usr/bin/app /usr/bin/app\nCMD [\"dlv\", \"exec\", \"/usr/bin/app\"]\n",
		"packaging/debian/Dockerfile": "FROM debian:13\nRUN apt-get update && apt-get install -y build-essential devscripts\nCMD [\"/src/build.sh\"]\n",
		".devcontainer/Dockerfile":    "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y build-essential\n",
		"Dockerfile.base":             "FROM node:20\nRUN apt-get update && apt-get install -y cmake build-essential\nCOPY package.json yarn.lock ./\nRUN yarn install\n",
		"docker/Base.Dockerfile":      "FROM node:20-slim\nRUN apt-get update && apt-get install -y build-essential\n",
	} {
		in := input(t, src)
		in.Dockerfile = df
		if fs := check(t, "LW111", in); len(fs) != 0 {
			t.Errorf("%s: %+v", df, fs)
		}
		in.Dockerfile = "services/api/Dockerfile"
		if fs := check(t, "LW111", in); len(fs) == 0 {
			t.Errorf("%s as a service's Dockerfile: not caught", df)
		}
	}
}

// TestLW111DevelopmentImages: wild-workouts' web image is for development
// (ENV NODE_ENV development; its start script runs yarn install, where
// node-gyp needs python2, make and g++): no LW111. The same image with a
// start script that only serves the built files keeps its finding.
func TestLW111DevelopmentImages(t *testing.T) {
	src := "FROM node:12.22.8-alpine3.13\n%sRUN apk --no-cache add yarn python2 make gcc g++\nADD start.sh /\nRUN chmod +x /start.sh\nCMD [\"/start.sh\"]\n"
	for _, tc := range []struct {
		env, script string
		want        int
	}{
		{"ENV NODE_ENV development\n", "set -ex\nnode server.js\n", 0},
		{"", "set -ex\n\nyarn install\nyarn serve", 0},
		{"", "set -ex\nnode server.js\n", 1},
		{"ENV NODE_ENV production\n", "# yarn install is done at build time\nnode server.js\n", 1},
	} {
		in := inputWithContext(t, map[string]string{"Dockerfile": fmt.Sprintf(src, tc.env), "start.sh": tc.script})
		if got := len(check(t, "LW111", in)); got != tc.want {
			t.Errorf("env %q, script %q: %d findings, want %d", tc.env, tc.script, got, tc.want)
		}
	}
}

// TestLW111CompilerCountedOnce: Flowise's worker installs make and g++,
// then build-base: the compiler is reported where it came, not again.
func TestLW111CompilerCountedOnce(t *testing.T) {
	fs := check(t, "LW111", input(t, "FROM node:24-alpine\nRUN apk add --update python3 make g++\nRUN apk add --no-cache build-base cairo-dev\nCOPY . .\nCMD [\"node\", \"index.js\"]\n"))
	if len(fs) != 1 || fs[0].Range.Start.Line != 2 {
		t.Errorf("findings: %+v", fs)
	}
	// another toolchain after the compiler is reported on its own line
	fs = check(t, "LW111", input(t, "FROM debian:12\nRUN apt-get install -y gcc make\nRUN apt-get install -y openjdk-17-jdk\nCMD [\"/app\"]\n"))
	if len(fs) != 2 {
		t.Errorf("findings: %+v", fs)
	}
}

// TestToolboxAndCIImages: tempo's tools/Dockerfile is the toolbox its
// Makefile runs make and the linters in (no LW111), conductor's
// docker/ci/Dockerfile runs the gradle build and tests (no LW112); the
// same files elsewhere keep their findings.
func TestToolboxAndCIImages(t *testing.T) {
	for _, tc := range []struct {
		rule, src, df string
		want          int
	}{
		{"LW111", "FROM alpine:3.20\nRUN apk add --no-cache make gcc\nCOPY app /app\nCMD [\"/app\"]\n", "tools/Dockerfile", 0},
		{"LW111", "FROM alpine:3.20\nRUN apk add --no-cache make gcc\nCOPY app /app\nCMD [\"/app\"]\n", "svc/Dockerfile", 1},
		{"LW112", "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n", "docker/ci/Dockerfile", 0},
		{"LW112", "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n", "docker/api/Dockerfile", 1},
	} {
		in := input(t, tc.src)
		in.Dockerfile = tc.df
		if got := len(check(t, tc.rule, in)); got != tc.want {
			t.Errorf("%s on %s: %d findings, want %d", tc.rule, tc.df, got, tc.want)
		}
	}
}

// TestLW111DevServer: conductor's UI image runs `yarn start`, which is
// `react-scripts start`: a development server compiling with sass and
// typescript, development dependencies: installing them is no finding.
// A start script that runs the built server keeps it.
func TestLW111DevServer(t *testing.T) {
	for _, tc := range []struct {
		start string
		want  int
	}{
		{"react-scripts start", 0},
		{"vite", 0},
		{"next dev", 0},
		{"node server.js", 1},
		{"next start", 1},
	} {
		in := inputWithContext(t, map[string]string{
			"Dockerfile":   "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn install\nCOPY . .\nCMD [\"yarn\", \"start\"]\n",
			"package.json": `{"scripts":{"start":"` + tc.start + `"},"dependencies":{"react-scripts":"5","next":"14","vite":"5"},"devDependencies":{"sass":"1"}}`,
			"yarn.lock":    "",
		})
		if got := len(check(t, "LW111", in)); got != tc.want {
			t.Errorf("start %q: %d findings, want %d", tc.start, got, tc.want)
		}
	}
}

// TestLW111StartScriptIsTheLastCommand: the last CMD is what runs — a
// start script a base stage's CMD named does not count once a later CMD
// replaces it, and one the final CMD names does.
func TestLW111StartScriptIsTheLastCommand(t *testing.T) {
	src := "FROM alpine:3.20 AS base\nRUN apk add --no-cache make gcc\nCMD [\"/other.sh\"]\nFROM base\nADD start.sh /\nCMD [\"/start.sh\"]\n"
	in := inputWithContext(t, map[string]string{"Dockerfile": src, "start.sh": "yarn install\nyarn serve\n"})
	if n := len(check(t, "LW111", in)); n != 0 {
		t.Errorf("the final CMD runs a script that installs: %d findings", n)
	}
}

// TestLW111ScopedDevServerBin: emblem's client runs `npm run start`, whose
// script runs web-dev-server, the bin of the development dependency
// @web/dev-server: --omit=dev would break it, so no finding (review 19);
// the same bin from a production dependency keeps it.
func TestLW111ScopedDevServerBin(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:21.7.0\nWORKDIR /usr/src/app\nCOPY package*.json ./\nRUN npm install\nCOPY . .\nCMD [\"npm\", \"run\", \"start\"]\n",
		"package.json": `{"scripts": {"start": "THEME=cymbal web-dev-server"}, "dependencies": {"lit": "2"}, "devDependencies": {"@web/dev-server": "0.1"}}`,
	}
	if fs := check(t, "LW111", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("the start script runs a development dependency's bin: %+v", fs)
	}
	files["package.json"] = `{"scripts": {"start": "THEME=cymbal web-dev-server"}, "dependencies": {"lit": "2", "@web/dev-server": "0.1"}, "devDependencies": {"eslint": "8"}}`
	if fs := check(t, "LW111", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("a production dependency's bin: %+v", fs)
	}
}

// TestLW111JavaWeighsTheJDKOnly: a JDK base's estimate is what a JRE
// runtime leaves out, not the whole image (review 21: "~450 MB").
func TestLW111JavaWeighsTheJDKOnly(t *testing.T) {
	fs := check(t, "LW111", input(t, "FROM eclipse-temurin:17-jdk\nCOPY app.jar /app.jar\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "~150 MB") {
		t.Errorf("%+v", fs)
	}
}

// Review 23: `cd server && yarn install` in the final stage reads
// server/package.json — here copied from the builder stage, which took it
// from the context — not the root's; make alone (~2 MB) is information;
// bundler's advice is bundler's own.
func TestLW111Review23(t *testing.T) {
	df := "FROM node:20-alpine AS builder\nWORKDIR /usr/src/app\nCOPY . .\nRUN yarn install && yarn run build\n" +
		"FROM node:20-alpine\nWORKDIR /usr/src/app\nCOPY --from=builder /usr/src/app/build/ ./build/\nCOPY --from=builder /usr/src/app/server/ ./server/\nRUN cd server && yarn install\nCMD [\"node\", \"server/index.js\"]\n"
	for _, tc := range []struct {
		server string
		want   int
	}{
		{`{"dependencies":{"express":"4"}}`, 0},
		{`{"dependencies":{"express":"4"},"devDependencies":{"nodemon":"3"}}`, 1},
	} {
		in := inputWithContext(t, map[string]string{"Dockerfile": df, "package.json": `{"devDependencies":{"react-scripts":"5"}}`, "server/package.json": tc.server})
		if got := len(check(t, "LW111", in)); got != tc.want {
			t.Errorf("server %s: %d findings, want %d", tc.server, got, tc.want)
		}
	}
	fs := check(t, "LW111", input(t, "FROM debian:12\nRUN apt-get update && apt-get install -y make\nCOPY . /app\nCMD [\"/app/run\"]\n"))
	if len(fs) != 1 || fs[0].Severity != Info {
		t.Errorf("make alone: %+v", fs)
	}
	fs = check(t, "LW111", input(t, "FROM ruby:3.3\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\nCMD [\"rails\", \"s\"]\n"))
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "BUNDLE_WITHOUT") || strings.Contains(fs[0].Message, "--omit=dev") {
		t.Errorf("bundler: %+v", fs)
	}
}

// Review 24 (empower's react image): a build after the install needs the
// development dependencies, so the advice is the build stage, not
// --omit=dev alone, which would break it.
func TestLW111AdviceWhereTheBuildNeedsDevDependencies(t *testing.T) {
	files := map[string]string{"package.json": `{"devDependencies":{"react-app-rewired":"2"}}`, "package-lock.json": "{}", "build.sh": "npm ci\nreact-app-rewired build\n"}
	for _, tc := range []struct{ df, want, not string }{
		{"FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN ./build.sh\nCMD [\"npx\", \"serve\", \"build\"]\n", "the build on line 6 needs them", "--omit=dev"},
		{"FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n", "--omit=dev", "needs them"},
	} {
		files["Dockerfile"] = tc.df
		fs := check(t, "LW111", inputWithContext(t, files))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) || strings.Contains(fs[0].Message, tc.not) {
			t.Errorf("%q: %+v", tc.df, fs)
		}
	}
}

// Review 25: build-essential on a base that holds a C compiler already —
// python:3.11's buildpack-deps, or a base this repository builds whose
// Dockerfile installs one (dependabot's updater-core) — adds next to
// nothing: no finding. On the slim tag it is the whole compiler.
func TestLW111CompilerInTheBase(t *testing.T) {
	df := func(base string) string {
		return "FROM " + base + "\nRUN apt-get update && apt-get install -y build-essential\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n"
	}
	if fs := check(t, "LW111", input(t, df("python:3.11"))); len(fs) != 0 {
		t.Errorf("python:3.11 holds gcc and make: %+v", fs)
	}
	if fs := check(t, "LW111", input(t, df("python:3.11-slim"))); len(fs) != 1 {
		t.Errorf("python:3.11-slim: %+v", fs)
	}
	in := input(t, df("ghcr.io/example/updater-core"))
	base, err := dockerfile.Parse("Dockerfile.core", []byte("FROM debian:12\nRUN apt-get update && apt-get install -y build-essential git\nCMD [\"bash\"]\n"), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := check(t, "LW111", in); len(fs) != 1 {
		t.Errorf("a base not known here: %+v", fs)
	}
	in.RepoBases = map[string]*dockerfile.File{"ghcr.io/example/updater-core": base}
	if fs := check(t, "LW111", in); len(fs) != 0 {
		t.Errorf("the repository's base installs build-essential: %+v", fs)
	}
}

// TestLW111BaseOfTheRepositorysImages: review 29 (openreplay's
// ee/recommendation base): an image other images of the repository start
// FROM keeps the compilers they use.
func TestLW111BaseOfTheRepositorysImages(t *testing.T) {
	src := "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc g++ && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCMD [\"python\"]\n"
	in := input(t, src)
	if fs := check(t, "LW111", in); len(fs) == 0 {
		t.Fatal("not a base: expected a finding")
	}
	in = input(t, src)
	in.Extended = true
	if fs := check(t, "LW111", in); len(fs) != 0 {
		t.Errorf("a base of the repository's images: %+v", fs)
	}
}

// TestLW111ImageThatRunsItsTests: review 29 (garden's frontend example):
// a compose service runs `npm test` in the image, which needs the
// development dependencies.
func TestLW111ImageThatRunsItsTests(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20-slim\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
		"package.json": `{"dependencies":{"express":"4"},"devDependencies":{"mocha":"10"}}`,
	}
	if got := len(check(t, "LW111", inputWithContext(t, files))); got != 1 {
		t.Fatalf("%d findings", got)
	}
	in := inputWithContext(t, files)
	in.RunsTests = true
	if got := len(check(t, "LW111", in)); got != 0 {
		t.Errorf("runs its tests: %d findings", got)
	}
}

// TestLW111SourcesMounted: a compose service bind-mounts the sources into
// the image: it runs them with its toolchain (review 37).
func TestLW111SourcesMounted(t *testing.T) {
	in := input(t, "FROM node:20 AS build\nRUN npm run build\nFROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential\nCOPY --from=build /dist /dist\n")
	if len(check(t, "LW111", in)) == 0 {
		t.Fatal("not reported")
	}
	in.MountsSources = true
	if fs := check(t, "LW111", in); len(fs) != 0 {
		t.Errorf("sources mounted: %+v", fs)
	}
}
