package rules

import (
	"strings"
	"testing"
)

func TestLW107VolatileInputs(t *testing.T) {
	ruleCatches(t, "LW107",
		"FROM node:20\nARG GIT_COMMIT\nCOPY package.json .\nRUN npm ci\n",
		"FROM node:20\nARG CACHEBUST=1\nRUN npm ci\n",
		"FROM python:3.12\nARG BUILD_DATE\nENV BUILD_DATE=$BUILD_DATE\nRUN pip install -r r.txt\n",
		"FROM debian:12\nARG STAMP=1717171717\nENV TS=${STAMP}\nRUN apt-get update && apt-get install -y curl\n",
		"FROM golang:1.22\nARG VCS_REF\nRUN go build ./...\n",
		"FROM debian:12\nARG VERSION=3f2a9c1d4b\nRUN apt-get install -y git\n",
	)
	ruleCatchesNot(t, "LW107",
		"FROM node:20\nCOPY package.json .\nRUN npm ci\nARG GIT_COMMIT\nLABEL rev=$GIT_COMMIT\n",
		"FROM node:20\nARG NODE_ENV=production\nRUN npm ci\n",
		// review 11: a list of packages whose name holds BUILD_TIME
		"FROM python:3.12\nARG S6_BUILD_TIME_PKGS=\"curl gcc\"\nRUN apt-get update && apt-get install -y ${S6_BUILD_TIME_PKGS}\n",
		// kratos: the build compiles the commit in; the whole context
		// came before anyway
		"FROM golang:1.26\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nARG COMMIT\nARG BUILD_DATE\nRUN go build -ldflags=\"-X main.commit=${COMMIT} -X main.date=${BUILD_DATE}\" -o /app\n",
		"FROM golang:1.26\nARG COMMIT\nCOPY go.mod go.sum ./\nRUN go build -ldflags=\"-X main.commit=$COMMIT\" -o /app .\n",
		"FROM golang:1.22\nARG GO_VERSION=1.22\nRUN go build ./...\n",
		"FROM debian:12\nARG BUILD_DATE\nRUN echo hello\n",
		"FROM debian:12\nENV TZ=UTC\nRUN apt-get install -y tzdata\n",
		// a value written in the ENV changes only with the Dockerfile
		// (nextcloud's ENV APACHE_BODY_LIMIT 1073741824)
		"FROM debian:12\nENV APACHE_BODY_LIMIT 1073741824\nRUN apt-get install -y curl\n",
		"FROM debian:12\nENV RELEASE=2024-05-01\nRUN apt-get update && apt-get install -y curl\n",
		// docker-library/golang's tip: a commit written into the file
		"FROM alpine:3.24\nENV GOLANG_COMMIT 3f2a9c1d4b5e6f708192a3b4c5d6e7f809102030\nRUN apk add --no-cache git\n",
		// the whole context comes first: it changes with every commit too
		// (meilisearch's VERGEN_GIT_SHA, compiled in by the build)
		"FROM rust:1.89\nARG COMMIT_SHA\nENV VERGEN_GIT_SHA=${COMMIT_SHA}\nCOPY . .\nRUN cargo build --release\n",
	)
	ruleCatches(t, "LW107",
		// a directory changes less often than every commit
		"FROM rust:1.89\nARG COMMIT_SHA\nCOPY src ./src\nRUN cargo build --release\n",
		// the install before the sources is what the value costs
		"FROM node:20\nARG GIT_COMMIT\nCOPY package.json .\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
		// an ENV of a base stage reaches the stage built FROM it (review
		// 36: maybe's BUILD_COMMIT_SHA before the build stage's install)
		"FROM ruby:3.4 AS base\nARG BUILD_COMMIT_SHA\nENV BUILD_COMMIT_SHA=${BUILD_COMMIT_SHA}\nFROM base AS build\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\nFROM base\nCOPY --from=build /app /app\n",
	)
	ruleCatchesNot(t, "LW107",
		// an ARG does not reach the stages built FROM its own
		"FROM ruby:3.4 AS base\nARG BUILD_COMMIT_SHA\nFROM base AS build\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\n",
	)
}

// TestLW107OfficialImageSource: docker-library/golang's tip pins its
// commit as an ARG default that update.sh rewrites.
func TestLW107OfficialImageSource(t *testing.T) {
	src := "FROM alpine:3.23\nARG GOLANG_COMMIT=3f2a9c1d4b5e6f708192a3b4c5d6e7f809102030\nRUN apk add --no-cache git\n"
	ruleCatches(t, "LW107", src)
	ruleCatchesNot(t, "LW107", "#\n# NOTE: THIS DOCKERFILE IS GENERATED VIA \"apply-templates.sh\"\n#\n"+src)
}

// Review 26 (dependency-track): an ARG with a constant default that only
// a CI keeping no layer cache passes anew: information.
func TestLW107OnlyAnUncachedCIVariesIt(t *testing.T) {
	src := "FROM alpine:3.20\nARG COMMIT_SHA=unknown\nRUN apk add --no-cache openjdk21-jre\nCOPY app.jar /app.jar\n"
	in := input(t, src)
	in.CIWorkflow, in.CIUncached = ".github/workflows/build.yml", true
	if fs := check(t, "LW107", in); len(fs) != 1 || fs[0].Severity != Info {
		t.Errorf("uncached CI: %+v", fs)
	}
	in.CIUncached = false
	if fs := check(t, "LW107", in); len(fs) != 1 || fs[0].Severity == Info {
		t.Errorf("cached CI: %+v", fs)
	}
}

// TestLW107NothingPassesTheArg: review 34 (autobrr): ARG REVISION and
// BUILDTIME with constant defaults, and no CI, compose file or script that
// builds the image: information.
func TestLW107NothingPassesTheArg(t *testing.T) {
	src := "FROM golang:1.25 AS build\nARG REVISION=dev\nARG BUILDTIME\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n"
	in := input(t, src)
	fs := check(t, "LW107", in)
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	for _, f := range fs {
		if f.Severity != Info || !strings.Contains(f.Message, "nothing in the repository builds the image") {
			t.Errorf("%+v", f)
		}
	}
	in = input(t, src)
	in.LocalBuild = true
	for _, f := range check(t, "LW107", in) {
		if f.Severity != Warning {
			t.Errorf("built by a script: %+v", f)
		}
	}
}
