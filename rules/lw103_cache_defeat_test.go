package rules

import "testing"

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
