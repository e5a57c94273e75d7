package rules

import "testing"

func TestLW104AptUpdateAlone(t *testing.T) {
	ruleCatches(t, "LW104",
		"FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
		"FROM debian:12\nRUN apt update\n",
		"FROM ubuntu:24.04\nRUN apt-get -q update\n",
		"FROM debian:12\nRUN apt-get update && echo done\n",
		"FROM debian:12\nRUN <<EOF\napt-get update\nEOF\n",
	)
	ruleCatchesNot(t, "LW104",
		"FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
		"FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n",
		"FROM debian:12\nRUN apt-get install -y curl\n",
		"FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y git\nEOF\n",
		"FROM debian:12\nRUN echo apt-get update\n",
	)
}
