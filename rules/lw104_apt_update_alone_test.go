package rules

import (
	"strings"
	"testing"
)

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
		// the install runs through xargs in the same RUN
		"FROM debian:12\nRUN apt-get update && grep -v '^#' packages.txt | xargs apt-get install -y\n",
		"FROM debian:12\nRUN apt-get update && sudo apt-get install -y curl\n",
		// a tool that installs through apt after the update (review 36:
		// onyx's devcontainer)
		"FROM debian:12\nRUN apt-get update && uvx playwright install-deps chromium\n",
		"FROM bitnami/minideb:bookworm\nRUN apt-get update && install_packages curl\n",
	)
}

// TestLW104FixKeepsEnvPrefix: the update goes in front of the install's
// VAR=value prefix, so that the prefix still applies to the install.
func TestLW104FixKeepsEnvPrefix(t *testing.T) {
	in := input(t, "FROM debian:12\nRUN apt-get update\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n")
	fs := check(t, "LW104", in)
	if len(fs) != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	fx, why := fixAptUpdateAlone(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.TrimSpace(strings.Join(ApplyFix(in.File.Lines, fx), "\n"))
	want := "FROM debian:12\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestLW104FixPrefixOnTheLineBefore: review 37 (Leantime): the prefix on
// the line before the install would end up on the update alone: refused.
func TestLW104FixPrefixOnTheLineBefore(t *testing.T) {
	in := input(t, "FROM debian:12\nRUN apt-get update\nRUN DEBIAN_FRONTEND=noninteractive \\\n    apt install -y curl\n")
	fs := check(t, "LW104", in)
	if len(fs) != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	if fx, _ := fixAptUpdateAlone(in, fs[0]); fx != nil {
		t.Errorf("fixed: %q", ApplyFix(in.File.Lines, fx))
	}
}
