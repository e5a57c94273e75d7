package engine

import (
	"reflect"
	"strings"
	"testing"
)

func TestCLIFlags(t *testing.T) {
	r := Request{
		NoCache:   true,
		Target:    "runtime",
		BuildArgs: map[string]string{"B": "2", "A": "1=x"},
		Contexts:  map[string]string{"shared": "/repo/shared", "base": "docker-image://example/base:dev"},
		CacheFrom: []string{"type=registry,ref=r/app:cache"},
		CacheTo:   []string{"type=local,dest=/tmp/c"},
	}
	want := []string{"--no-cache", "--target", "runtime", "--build-arg", "A=1=x", "--build-arg", "B=2",
		"--build-context", "base=docker-image://example/base:dev", "--build-context", "shared=/repo/shared",
		"--cache-from", "type=registry,ref=r/app:cache", "--cache-to", "type=local,dest=/tmp/c"}
	if got := r.CLIFlags(); !reflect.DeepEqual(got, want) {
		t.Errorf("CLIFlags = %q\nwant %q", got, want)
	}
	if got := (Request{}).CLIFlags(); len(got) != 0 {
		t.Errorf("empty request: %q", got)
	}
}

func TestParseCacheEntry(t *testing.T) {
	for _, tc := range []struct {
		in    string
		typ   string
		attrs map[string]string
		err   bool
	}{
		{"type=registry,ref=r/app:cache,mode=max", "registry", map[string]string{"ref": "r/app:cache", "mode": "max"}, false},
		{"r/app:cache", "registry", map[string]string{"ref": "r/app:cache"}, false},
		{"type=local,src=/tmp/c", "local", map[string]string{"src": "/tmp/c"}, false},
		{"ref=r/app:cache", "", nil, true},
		{"type=gha,oops", "", nil, true},
	} {
		typ, attrs, err := ParseCacheEntry(tc.in)
		if (err != nil) != tc.err || typ != tc.typ || (!tc.err && !reflect.DeepEqual(attrs, tc.attrs)) {
			t.Errorf("%q: %q %v %v", tc.in, typ, attrs, err)
		}
	}
}

// Backends register themselves; NewBuilder picks one by name and says
// which exist when the name is unknown.
func TestBackendRegistry(t *testing.T) {
	RegisterBackend(Backend{Name: "test-fake", Help: "a fake", New: func(c BackendConfig) Builder { return nil }})
	if _, err := NewBuilder("test-fake", BackendConfig{}); err != nil {
		t.Fatal(err)
	}
	_, err := NewBuilder("nope", BackendConfig{})
	if err == nil || !strings.Contains(err.Error(), "test-fake") {
		t.Errorf("unknown backend: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice must panic")
		}
	}()
	RegisterBackend(Backend{Name: "test-fake"})
}
