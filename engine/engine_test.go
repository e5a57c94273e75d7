package engine

import (
	"reflect"
	"testing"
)

func TestCLIFlags(t *testing.T) {
	r := Request{
		NoCache:   true,
		Target:    "runtime",
		BuildArgs: map[string]string{"B": "2", "A": "1=x"},
		Contexts:  map[string]string{"shared": "/repo/shared", "base": "docker-image://example/base:dev"},
	}
	want := []string{"--no-cache", "--target", "runtime", "--build-arg", "A=1=x", "--build-arg", "B=2",
		"--build-context", "base=docker-image://example/base:dev", "--build-context", "shared=/repo/shared"}
	if got := r.CLIFlags(); !reflect.DeepEqual(got, want) {
		t.Errorf("CLIFlags = %q\nwant %q", got, want)
	}
	if got := (Request{}).CLIFlags(); len(got) != 0 {
		t.Errorf("empty request: %q", got)
	}
}
