package rules

import (
	"strings"
	"testing"
)

func TestLW109BaseTag(t *testing.T) {
	ruleCatches(t, "LW109",
		"FROM node\n",
		"FROM node:latest\n",
		"FROM docker.io/library/debian\nRUN true\n",
		"FROM registry.local:5000/team/base AS b\nFROM b\n",
		"ARG BASE=python\nFROM ${BASE}\n",
		"FROM golang:1.22 AS build\nFROM alpine:latest\n",
		// a distroless name without a version moves (debian12 to 13)
		"FROM gcr.io/distroless/base\n",
	)
	ruleCatchesNot(t, "LW109",
		"FROM node:20-bookworm-slim\n",
		"FROM scratch\n",
		"FROM golang:1.22 AS build\nFROM build\n",
		"FROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"FROM registry.local:5000/team/base:1.4\n",
		"FROM $UNDEFINED_BASE\n",
		// distroless names carry their version and publish no version tags
		"FROM gcr.io/distroless/nodejs24-debian13\n",
		"FROM gcr.io/distroless/static-debian12:nonroot\n",
		"FROM gcr.io/distroless/java21:latest\n",
		// rolling by design, nothing to pin (review 30: Flagsmith; review
		// 29: DataDog's attackbox)
		"FROM cgr.dev/chainguard/wolfi-base:latest\n",
		"FROM kalilinux/kali-rolling\n",
	)
	// the distroless advice names the release, not a version tag
	fs := check(t, "LW109", input(t, "FROM gcr.io/distroless/base\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "gcr.io/distroless/base-debian12") || strings.Contains(fs[0].Message, "version tag or") {
		t.Errorf("%+v", fs)
	}
	// static: no libc, nothing that the release changes for a binary
	// (review 32: wakapi)
	ruleCatchesNot(t, "LW109", "FROM golang:1.23 AS build\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\n")
}

// TestLW109LeavesTestInputsAlone: skaffold's integration/testdata
// fixtures (`FROM busybox`, an echo) are a test's input.
func TestLW109LeavesTestInputsAlone(t *testing.T) {
	in := input(t, "FROM busybox\nCOPY . /data\n")
	in.Dockerfile = "integration/testdata/build/Dockerfile"
	if fs := check(t, "LW109", in); len(fs) != 0 {
		t.Errorf("test input: %+v", fs)
	}
	in.Dockerfile = "services/testdata-api/Dockerfile"
	if fs := check(t, "LW109", in); len(fs) != 1 {
		t.Errorf("not a testdata directory: %+v", fs)
	}
}

// TestLW109SuppliedBase: outline's FROM ${BASE_IMAGE}, whose untagged
// default its CI never uses (it passes BASE_IMAGE=...@digest), is not
// reported; without the arg passed it is.
func TestLW109SuppliedBase(t *testing.T) {
	in := input(t, "ARG BASE_IMAGE=outlinewiki/outline-base\nFROM ${BASE_IMAGE} AS base\nFROM node:20-slim\nCOPY --from=base /opt/app /opt/app\n")
	if fs := check(t, "LW109", in); len(fs) != 1 {
		t.Fatalf("not passed: %+v", fs)
	}
	// a passed arg whose name only starts the FROM's does not count
	in.SuppliedArgs = map[string]bool{"BASE": true}
	if fs := check(t, "LW109", in); len(fs) != 1 {
		t.Errorf("BASE passed, BASE_IMAGE not: %+v", fs)
	}
	in.SuppliedArgs = map[string]bool{"BASE_IMAGE": true}
	if fs := check(t, "LW109", in); len(fs) != 0 {
		t.Errorf("passed: %+v", fs)
	}
}

// TestLW109FloatingOnPurpose: a nightly Dockerfile, a rolling distribution
// and a stage that only downloads pinned files for the final image (the
// review 16 shapes: nats-server, code-server, dragonfly) are not reported;
// an unpinned stage that installs, or the final stage, is.
func TestLW109FloatingOnPurpose(t *testing.T) {
	dl := "FROM alpine AS healthcheck-dl\nARG TARGETARCH\nRUN ARCH=\"${TARGETARCH}\"; [ \"${ARCH}\" = \"arm64\" ] && ARCH=arm64-v8; wget -q -O /tmp/m.tgz \"https://example.com/releases/download/v1.3.0/linux-${ARCH}.tar.gz\" && tar -xzf /tmp/m.tgz -C /tmp && install -m755 /tmp/httpcheck /usr/local/bin/\nFROM gcr.io/distroless/cc-debian12\nCOPY --from=healthcheck-dl /usr/local/bin/httpcheck /usr/local/bin/httpcheck\n"
	if fs := check(t, "LW109", input(t, dl)); len(fs) != 0 {
		t.Errorf("download stage: %+v", fs)
	}
	if fs := check(t, "LW109", input(t, "FROM opensuse/tumbleweed\nRUN zypper dup -y\n")); len(fs) != 0 {
		t.Errorf("tumbleweed: %+v", fs)
	}
	nightly := input(t, "FROM alpine:latest\nCOPY nats-server /bin/\n")
	nightly.Dockerfile = "docker/Dockerfile.nightly"
	if fs := check(t, "LW109", nightly); len(fs) != 0 {
		t.Errorf("nightly: %+v", fs)
	}
	ruleCatches(t, "LW109",
		"FROM alpine AS deps\nRUN apk add --no-cache curl\nFROM scratch\nCOPY --from=deps /usr/bin/curl /curl\n",
		"FROM alpine\nRUN wget -q https://example.com/x.tgz && tar xzf x.tgz\n",
		"FROM opensuse/leap\nRUN zypper up -y\n",
	)
}

// TestCodeReviewSuppressionsStayNarrow: the code review's cases — a
// download-looking stage another builds FROM, versioned Alpine runtimes,
// a variable holding package names, an ARG secret's empty default — keep
// their findings.
func TestCodeReviewSuppressionsStayNarrow(t *testing.T) {
	ruleCatches(t, "LW109", "FROM alpine AS base\nRUN mkdir -p /app\nFROM base\nCOPY . /app\n")
	ruleCatches(t, "LW102",
		"FROM alpine:3.19\nWORKDIR /app\nCOPY composer.json ./\nRUN apk add php83 php83-fpm openjdk8-jre\nCOPY . .\n",
	)
	fs := check(t, "LW102", input(t, "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nARG EXTRA=\"torch transformers\"\nCOPY . .\nRUN pip install $EXTRA\n"))
	if len(fs) != 2 {
		t.Errorf("pip install $EXTRA after the requirements: %d findings, want 2", len(fs))
	}
}

// TestLW109DevEnvironments: a dev container's or a Gitpod workspace's
// Dockerfile floats on purpose (review 38).
func TestLW109DevEnvironments(t *testing.T) {
	for df, want := range map[string]int{".gitpod.dockerfile": 0, ".devcontainer/Dockerfile": 0, "web/.devcontainer/Dockerfile": 0, "Dockerfile": 1} {
		in := input(t, "FROM gitpod/workspace-mongodb\n")
		in.Dockerfile = df
		if got := len(check(t, "LW109", in)); got != want {
			t.Errorf("%s: %d findings, want %d", df, got, want)
		}
	}
}
