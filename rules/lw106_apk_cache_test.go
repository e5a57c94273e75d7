package rules

import "testing"

func TestLW106ApkCache(t *testing.T) {
	ruleCatches(t, "LW106",
		"FROM alpine:3.20\nRUN apk add curl\n",
		"FROM alpine:3.20\nRUN apk update && apk add git\n",
		"FROM alpine:3.20\nRUN apk add --virtual .build gcc\n",
		"FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache apk add curl\n",
		"FROM alpine:3.20\nRUN set -e; apk add -U tzdata\n",
	)
	ruleCatchesNot(t, "LW106",
		"FROM alpine:3.20\nRUN apk add --no-cache curl\n",
		"FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
		"FROM alpine:3.20\nRUN --mount=type=cache,target=/etc/apk/cache apk add --update-cache curl\n",
		"FROM alpine:3.20\nRUN apk del curl\n",
		"FROM alpine:3.20\nRUN echo apk add\n",
		"FROM debian:12\nRUN apt-get install -y curl\n",
	)
}
