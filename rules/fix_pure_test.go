package rules

import (
	"slices"
	"strings"
	"testing"
)

// TestFixesDoNotMutateTheirInput: a fix is a pure function of the model;
// an earlier version wrote through a slice that shared File.Lines, so one
// rule's edit leaked into another's SARIF fix. Every registered fix runs
// on inputs that trigger it, and the model's lines must be as they were.
func TestFixesDoNotMutateTheirInput(t *testing.T) {
	srcs := []string{
		"FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl \\\n    && apt-get clean\n",
		"FROM python:3.12\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir -r requirements.txt && rm -rf /root/.cache/pip\n",
		"FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n",
		"FROM golang:1.22-bookworm\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD [\"app\"]\n",
		"# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN apk add --no-cache curl\n",
		"FROM golang:1.22\nCOPY go.mod ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n",
	}
	ran := map[string]bool{}
	for _, src := range srcs {
		in := inputWithContext(t, map[string]string{"Dockerfile": src, "package.json": "{}", "go.mod": "module x\n", "requirements.txt": "x\n", "main.go": "package main\n"})
		in.Config.Offline = true
		before := strings.Join(in.File.Lines, "\n")
		for _, r := range All() {
			if r.FixDockerfile == nil || r.Check == nil {
				continue
			}
			for _, f := range r.Run(in) {
				r.FixDockerfile(in, f)
				ran[r.ID] = true
				if after := strings.Join(in.File.Lines, "\n"); after != before {
					t.Fatalf("%s's fix changed its input:\n%s\n---\n%s", r.ID, before, after)
				}
			}
		}
	}
	for _, id := range []string{"LW101", "LW102", "LW103", "LW104", "LW105", "LW112", "LW117", "LW140"} {
		if !ran[id] {
			t.Errorf("no input triggered %s's fix", id)
		}
	}
}

// Every kind of image change a fix makes is declared by one rule, which
// verify then credits with it.
func TestImageEffectsDeclared(t *testing.T) {
	for e := EffectCacheMounts; e <= EffectLockfileRecopied; e++ {
		var by []string
		for _, r := range All() {
			if slices.Contains(r.ImageEffects, e) {
				by = append(by, r.ID)
			}
		}
		if len(by) != 1 || WithEffect(e) != by[0] {
			t.Errorf("effect %d declared by %v, WithEffect says %q", e, by, WithEffect(e))
		}
	}
}
