package rules

import (
	"strings"
	"testing"
)

func TestLW152NoHealthcheck(t *testing.T) {
	ruleCatches(t, "LW152",
		"FROM node:20-slim\nCOPY . .\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n",
		"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nEXPOSE 8080/tcp\nENTRYPOINT [\"/app\"]\n",
		"FROM debian:12 AS base\nEXPOSE 80\nFROM base\nCMD [\"app\"]\n",
	)
	ruleCatchesNot(t, "LW152",
		// a probe, or none on purpose, here or in the stage built FROM
		"FROM node:20-slim\nEXPOSE 3000\nHEALTHCHECK CMD node healthcheck.js\nCMD [\"node\", \"server.js\"]\n",
		"FROM alpine:3\nEXPOSE 80\nHEALTHCHECK NONE\n",
		"FROM debian:12 AS base\nHEALTHCHECK CMD true\nFROM base\nEXPOSE 80\n",
		// not a service: no port
		"FROM python:3.12-slim\nCOPY job.py .\nCMD [\"python\", \"job.py\"]\n",
		// a port only a build argument names
		"FROM alpine:3\nARG PORT\nEXPOSE $PORT\n",
		// Windows
		"FROM mcr.microsoft.com/windows/servercore:ltsc2022\nEXPOSE 80\n",
		// a UDP service: no HTTP probe to suggest
		"FROM alpine:3\nEXPOSE 53/udp\n",
	)
	// the compose service's healthcheck stands in for it
	in := input(t, "FROM node:20-slim\nEXPOSE 3000\nCMD [\"node\", \"s.js\"]\n")
	in.ServiceHealthcheck = true
	if fs := check(t, "LW152", in); len(fs) != 0 {
		t.Errorf("with a compose healthcheck: %+v", fs)
	}
	// a probe the image can run
	for src, want := range map[string]string{
		"FROM node:20-slim\nEXPOSE 3000\n":                                             "node -e \"fetch('http://localhost:3000/')",
		"FROM python:3.12-slim\nEXPOSE 8000\n":                                         "urllib.request.urlopen('http://localhost:8000/'",
		"FROM alpine:3.20\nEXPOSE 80\n":                                                "wget -qO- http://localhost:80/",
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\nEXPOSE 8080\n": "curl -fsS http://localhost:8080/ || exit 1` (curl is installed",
		"FROM scratch\nCOPY app /app\nEXPOSE 8080\n":                                   "no shell and no HTTP client",
		"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\nEXPOSE 8080\n": "health subcommand",
		"FROM eclipse-temurin:21-jre\nEXPOSE 8080\n":                                   "after installing curl",
	} {
		fs := check(t, "LW152", input(t, src))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, want) {
			t.Errorf("%q: want %q, got %+v", src, want, fs)
		}
	}
}
