package rules

import "testing"

func TestLW114CopyWholeFS(t *testing.T) {
	ruleCatches(t, "LW114",
		"FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build / /\n",
		"FROM node:20 AS b\nFROM debian:12\nCOPY --from=b /usr /usr\n",
		"FROM golang:1.22 AS b\nFROM debian:12\nCOPY --from=b /go /go\n",
		"FROM a:1 AS b\nFROM debian:12\nCOPY --from=b /* /\n",
	)
	ruleCatchesNot(t, "LW114",
		// a stage FROM scratch holds only the binaries it copied (moby/buildkit's cni-plugins)
		"FROM alpine AS dl\nRUN echo\nFROM scratch AS cni\nCOPY --from=dl /opt/cni/bin/ /\nFROM debian:12\nCOPY --from=cni / /opt/cni/bin/\n",
		"FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /out/app /app\n",
		"FROM debian:12\nCOPY . /\n",
		"FROM node:20 AS b\nFROM node:20-slim\nCOPY --from=b /app/dist /app/dist\n",
		"FROM debian:12\nCOPY --from=b /usr/local/bin/tool /usr/local/bin/\n",
		"FROM a:1 AS b\nFROM debian:12\nCOPY --from=b /etc/ssl/certs /etc/ssl/certs\n",
		// images made to be copied whole: xx's scripts, binaries-only images
		"FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.6.1 AS xx\nFROM rust:1.85 AS build\nCOPY --from=xx / /\n",
		"FROM debian:12\nCOPY --from=dockereng/cli-bin:27 / /usr/local/bin/\n",
		// an OS image's /usr/local holds only what the stage installed
		// there (nextcloud AIO's janus build)
		"FROM alpine:3.22 AS janus\nRUN make install\nFROM alpine:3.22\nCOPY --from=janus /usr/local /usr/local\n",
		// an official language image as it is published: its /usr/local
		// is the language (dependabot's ruby: review 25)
		"FROM debian:12\nCOPY --from=python:3.12 /usr/local /usr/local\n",
		"FROM ruby:3.3-bookworm AS ruby\nFROM debian:12\nCOPY --from=ruby /usr/local /usr/local\n",
	)
	// a language image's /usr/local is its runtime and toolchain
	ruleCatches(t, "LW114", "FROM python:3.12 AS b\nRUN pip install x\nFROM debian:12\nCOPY --from=b /usr/local /usr/local\n")
	// xx with a RUN on it is a stage like any other
	ruleCatches(t, "LW114", "FROM tonistiigi/xx AS xx\nRUN apk add git\nFROM debian:12\nCOPY --from=xx / /\n")
}
