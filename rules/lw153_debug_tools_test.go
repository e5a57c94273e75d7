package rules

import "testing"

func TestLW153DebugTools(t *testing.T) {
	ruleCatches(t, "LW153",
		"FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates vim strace\nCMD [\"/app\"]\n",
		"FROM alpine:3.20\nRUN apk add --no-cache curl htop\nCMD [\"/app\"]\n",
		"FROM fedora:40\nRUN dnf install -y strace\nCMD [\"/app\"]\n",
		"FROM alpine:3.20\nRUN apk add --no-cache busybox-extras\nCMD [\"/app\"]\n",
		// in the stage the final one builds FROM
		"FROM debian:12-slim AS base\nRUN apt-get install -y tcpdump\nFROM base\nCMD [\"/app\"]\n",
	)
	ruleCatchesNot(t, "LW153",
		// behind a build argument already
		"FROM debian:12-slim\nARG DEBUG_TOOLS=\nRUN if [ -n \"$DEBUG_TOOLS\" ]; then apt-get install -y vim; fi\nCMD [\"/app\"]\n",
		// the service runs it
		"FROM debian:12-slim\nRUN apt-get install -y tcpdump\nENTRYPOINT [\"tcpdump\", \"-i\", \"any\"]\n",
		"FROM debian:12-slim\nRUN apt-get install -y iputils-ping\nHEALTHCHECK CMD ping -c1 db\nCMD [\"/app\"]\n",
		// a build stage: it does not ship
		"FROM debian:12-slim AS build\nRUN apt-get install -y gdb\nFROM debian:12-slim\nCOPY --from=build /x /x\nCMD [\"/x\"]\n",
		// a debug stage as the last target, and a toolbox whose command is a shell
		"FROM debian:12-slim AS prod\nCMD [\"/app\"]\nFROM prod AS debug\nRUN apt-get install -y vim strace\n",
		"FROM debian:12-slim\nRUN apt-get install -y vim tcpdump\nCMD [\"bash\"]\n",
		// conditional with || and case
		"FROM debian:12-slim\nARG DEBUG\nRUN test -z \"$DEBUG\" || apt-get install -y vim\nCMD [\"/app\"]\n",
		// no debugging tool
		"FROM debian:12-slim\nRUN apt-get install -y curl ca-certificates procps\nCMD [\"/app\"]\n",
		// libvim-dev is not vim
		"FROM debian:12-slim\nRUN apt-get install -y libncurses-dev\nCMD [\"/app\"]\n",
	)
	fs := check(t, "LW153", input(t, "FROM debian:12-slim\nWORKDIR /app\nRUN apt-get update && apt-get install -y nano htop\nCMD [\"/app\"]\n"))
	if len(fs) != 1 || fs[0].Range.Start.Line != 3 {
		t.Fatalf("want one finding on line 3: %+v", fs)
	}
}
