package rules

import (
	"strings"
	"testing"
)

func TestLW116RepeatedBaseSteps(t *testing.T) {
	install := "RUN apt-get update && apt-get install -y --no-install-recommends libpq5\n"
	catches := [][]string{
		{"FROM python:3.12-slim\n" + install + "COPY . /app\n", "FROM python:3.12-slim\n" + install + "COPY . /srv\nCMD [\"x\"]\n"},
		// the shared part ends where they differ: the install is still shared
		{"FROM node:20\n" + install + "WORKDIR /a\nCOPY . .\n", "FROM docker.io/library/node:20\n" + install + "WORKDIR /b\nCOPY . .\n"},
	}
	for _, srcs := range catches {
		fs := RepeatedBaseSteps.RunRepo(repoInputs(t, srcs...))
		if len(fs) != len(srcs) {
			t.Errorf("want a finding per image for %q, got %v", srcs, fs)
			continue
		}
		if !strings.Contains(fs[0].Message, "a, b repeat FROM") || fs[0].Cost.Seconds <= 0 || len(fs[0].Affects) != 1 || fs[0].Affects[0] != 2 {
			t.Errorf("finding: %+v", fs[0])
		}
	}
	for _, srcs := range [][]string{
		{"FROM python:3.12-slim\n" + install + "COPY . /app\n"},                                                // alone
		{"FROM python:3.12-slim\n" + install, "FROM python:3.11-slim\n" + install},                             // other bases
		{"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n", "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"}, // nothing installed
		{"FROM python:3.12-slim\nCOPY . .\n" + install, "FROM python:3.12-slim\nCOPY . .\n" + install},         // after their own sources
		{"FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\n", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y git\n"},
	} {
		if fs := RepeatedBaseSteps.RunRepo(repoInputs(t, srcs...)); len(fs) != 0 {
			t.Errorf("should not catch %q: %v", srcs, fs[0].Message)
		}
	}
}
