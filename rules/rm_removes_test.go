package rules

import (
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

// TestRmRemoves: which words of an rm remove a mount target or a
// directory above it (and fail the RUN with "Device or resource busy"),
// and which only what lies inside it.
func TestRmRemoves(t *testing.T) {
	f, err := dockerfile.Parse("Dockerfile", []byte("FROM ruby:3.4\nENV BUNDLE_PATH=/usr/local/bundle\nWORKDIR /app\nRUN true\n"), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := f.Stages[0].Instructions[len(f.Stages[0].Instructions)-1].State
	const gems = "/usr/local/bundle/ruby/4.0.0/cache"
	for _, c := range []struct {
		word, target string
		want         bool
	}{
		{`"${BUNDLE_PATH}"/ruby/*/cache`, gems, true},
		{`$BUNDLE_PATH/ruby/*/cache/*.gem`, gems, false},
		{`"${BUNDLE_PATH}"/ruby/*/bundler/gems/*/.git`, gems, false},
		{`"${UNKNOWN}"/ruby/*/cache`, gems, true},
		{`$UNKNOWN/other`, gems, true}, // unknown from its start: anything
		{`"$UNKNOWN"`, gems, true},
		{`/root/.cache/$TOOL`, "/root/.cache/pip", true}, // (TOOL unset: /root/.cache/)
		{`"$(npm config get cache)"`, "/root/.npm", true},
		{`/tmp/build-$UNKNOWN`, "/root/.npm", false},
		{`cache/$UNKNOWN`, "/app/cache/pip", true},
		{`cache/$UNKNOWN`, "/app/other", false},                     // (relative: under the workdir's cache/, not all of it)
		{`/usr/local/bundle/ruby/$UNKNOWN/cache/*.gem`, gems, true}, // (its literal beginning holds the mount)
		{`/var/cache/*`, "/var/cache/apt", true},
		{`/var/cache/apt/*`, "/var/cache/apt", false},
		{`/var/lib/apt/lists/*`, "/var/cache/apt", false},
		{`/var`, "/var/cache/apt", true},
		{`cache`, "/app/cache", true},
		{`cache/*`, "/app/cache", false},
	} {
		if got := rmRemoves(c.word, c.target, st); got != c.want {
			t.Errorf("rm %s with a mount on %s: %v, want %v", c.word, c.target, got, c.want)
		}
	}
}

// TestRmRemovesDirectories: only a recursive (or -d) rm removes a directory.
func TestRmRemovesDirectories(t *testing.T) {
	for args, want := range map[string]bool{"-rf x": true, "-fr x": true, "-R x": true, "--recursive x": true, "-d x": true, "-f x": false, "x": false, "-- -r": false} {
		c := dockerfile.Command{Name: "rm", Args: strings.Fields(args)}
		if got := rmRemovesDirectories(c); got != want {
			t.Errorf("rm %s: %v, want %v", args, got, want)
		}
	}
}
