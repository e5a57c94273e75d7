package rules

import (
	"strings"
	"testing"
)

func TestLW103CacheDefeat(t *testing.T) {
	ruleCatches(t, "LW103",
		"FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir -r r.txt\n",
		"FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci && npm cache clean --force\n",
		"FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
		"FROM alpine:3.20\nRUN --mount=type=cache,target=/etc/apk/cache apk add --no-cache curl\n",
		"FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg/mod go mod download && go clean -modcache\n",
		"FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get install -y x && apt-get clean\n",
		"FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache pip install . && rm -rf /root/.cache/pip\n",
	)
	ruleCatchesNot(t, "LW103",
		"FROM python:3.12\nRUN pip install --no-cache-dir -r r.txt\n",
		"FROM node:20\nRUN npm ci && npm cache clean --force\n",
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
		"FROM alpine:3.20\nRUN apk add --no-cache curl\n",
		"FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r r.txt && rm -rf /tmp/build\n",
		"FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci && rm -rf node_modules/.cache\n",
	)
}

// TestLW103ComposerClearcache: review 32 (kimai): a RUN that installs and
// then runs `composer clearcache` empties the mount the fix would add.
func TestLW103ComposerClearcache(t *testing.T) {
	in := input(t, "FROM php:8.3-fpm AS vendor\nWORKDIR /app\nCOPY composer.json composer.lock ./\nRUN export COMPOSER_HOME=/composer && composer --no-ansi install --no-dev && composer --no-ansi clearcache\n")
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixCacheMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	if got := strings.Join(ApplyFix(in.File.Lines, fx), "\n"); strings.Contains(got, "clearcache") || !strings.Contains(got, "--mount=type=cache,target=/composer/cache") {
		t.Errorf("got:\n%s", got)
	}
}

// TestLW103PnpmStorePrune: reviews 33, 34 (openpanel): `pnpm store prune`
// after the install empties a store mount (its files are copies, linked
// by no project): cut with the mount.
func TestLW103PnpmStorePrune(t *testing.T) {
	in := input(t, "FROM node:22-slim\nENV PNPM_HOME=/pnpm\nRUN corepack enable\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile && pnpm store prune\n")
	fs := check(t, "LW102", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixCacheMount(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	if got := strings.Join(ApplyFix(in.File.Lines, fx), "\n"); strings.Contains(got, "prune") || !strings.Contains(got, "--mount=type=cache,target=/pnpm/store") {
		t.Errorf("got:\n%s", got)
	}
}
