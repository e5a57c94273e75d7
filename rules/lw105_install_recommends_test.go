package rules

import "testing"

func TestLW105InstallRecommends(t *testing.T) {
	ruleCatches(t, "LW105",
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
		"FROM debian:12\nRUN apt install -y git\n",
		"FROM ubuntu:24.04\nRUN apt-get -y install build-essential\n",
		"FROM debian:12\nRUN apt-get update \\\n && apt-get install -y \\\n    ca-certificates \\\n    curl\n",
		"FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y git\nEOF\n",
	)
	ruleCatchesNot(t, "LW105",
		"FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
		"FROM debian:12\nRUN apt-get install --no-install-recommends -y git\n",
		"FROM debian:12\nRUN apt-get install -o APT::Install-Recommends=false -y git\n",
		"FROM debian:12\nRUN apt-get update\n",
		"FROM alpine:3\nRUN apk add curl\n",
	)
}
