package rules

import "testing"

func TestLW113UnusedStage(t *testing.T) {
	ruleCatches(t, "LW113",
		"FROM golang:1.22 AS lint\nRUN true\nFROM golang:1.22 AS build\nRUN go build .\nFROM scratch\nCOPY --from=build /app /app\n",
		"FROM alpine:3 AS a\nFROM alpine:3 AS b\n",
		"FROM node:20 AS test\nRUN npm test\nFROM node:20\nCOPY . .\n",
		"FROM debian:12 AS x\nFROM debian:12 AS y\nFROM y AS z\nFROM z\n",
		"FROM debian:12 AS tools\nFROM debian:12 AS unused\nFROM debian:12\nRUN --mount=from=tools,target=/t true\n",
	)
	ruleCatchesNot(t, "LW113",
		"FROM golang:1.22 AS build\nRUN go build .\nFROM scratch\nCOPY --from=build /app /app\n",
		"FROM debian:12\n",
		"FROM debian:12 AS base\nFROM base\n",
		"FROM debian:12 AS tools\nFROM debian:12\nRUN --mount=from=tools,target=/t true\n",
		"FROM node:20 AS deps\nFROM node:20 AS build\nCOPY --from=deps /n /n\nFROM build\n",
	)
	// with a compose target, stages after the target are simply not built
	in := input(t, "FROM debian:12 AS runtime\nFROM runtime AS debug\n")
	in.Target = "runtime"
	if fs := check(t, "LW113", in); len(fs) != 0 {
		t.Errorf("stages after the target: %+v", fs)
	}
}
