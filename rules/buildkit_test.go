package rules

import (
	"context"
	"testing"
)

// TestBuildKitChecksOnReadWriteBindMount: BuildKit's converter dereferenced
// nil LLB capabilities on a read-write bind mount (a real Dockerfile took the
// whole audit down); the checks must run and still report.
func TestBuildKitChecksOnReadWriteBindMount(t *testing.T) {
	src := "FROM golang:1.22 as build\nRUN --mount=type=bind,source=.,target=/src,rw cd /src && go build -o /app .\n"
	fs, err := RunBuildKitChecks(context.Background(), "Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Rule == "FromAsCasing"
	}
	if !found {
		t.Errorf("FromAsCasing not reported: %+v", fs)
	}
}
