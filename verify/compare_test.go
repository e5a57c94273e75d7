package verify

import "testing"

// With a runtime stage on another base (LW112), a label the Dockerfile
// does not set is the base images' (intended); one it sets is the
// service's own and must not change. Without a split every label counts.
func TestConfigDiffLabels(t *testing.T) {
	a := ImageConfig{Labels: map[string]string{"vendor": "toolchain", "team": "shop"}}
	b := ImageConfig{Labels: map[string]string{"vendor": "debian", "team": "payments"}}
	split := Intent{Runtime: []string{"/usr/local/bin/app"}, OwnLabels: map[string]bool{"team": true}}
	got := map[string]string{}
	for _, d := range configDiff(a, b, split) {
		got[d.Path] = d.Rule
	}
	if r, ok := got["config.Labels.vendor"]; !ok || r != "LW112" {
		t.Errorf("base label: %q (present %v), want LW112", r, ok)
	}
	if r, ok := got["config.Labels.team"]; !ok || r != "" {
		t.Errorf("the Dockerfile's own label: %q (present %v), want a failure", r, ok)
	}
	plain := configDiff(a, b, Intent{})
	if len(plain) != 1 || plain[0].Path != "config.Labels" || plain[0].Rule != "" {
		t.Errorf("without a split: %+v", plain)
	}
	if d := configDiff(a, a, split); len(d) != 0 {
		t.Errorf("same labels: %+v", d)
	}
}

// Files every build of the same Dockerfile writes anew (found on the
// corpus: an apt install of imagemagick rebuilds fontconfig's caches and
// dbus's machine ID) are noise; a changed application file stays a
// failure.
func TestNoiseOfPackageInstalls(t *testing.T) {
	file := func(digest string) Entry { return Entry{Type: "file", Mode: 0o644, Size: 120, Digest: digest} }
	orig := &Snapshot{Files: map[string]Entry{
		"/var/cache/fontconfig/0bd3-le64.cache-8": file("a"), "/var/lib/dbus/machine-id": file("a"),
		"/etc/machine-id": file("a"), "/usr/src/app/index.js": file("a"),
	}}
	fixed := &Snapshot{Files: map[string]Entry{
		"/var/cache/fontconfig/0bd3-le64.cache-8": file("b"), "/var/lib/dbus/machine-id": file("b"),
		"/etc/machine-id": file("b"), "/usr/src/app/index.js": file("b"),
	}}
	c := Compare(orig, fixed, Intent{})
	if len(c.Noise) != 1 || c.Noise[0].Count != 3 {
		t.Errorf("noise: %+v", c.Noise)
	}
	if len(c.Failures) != 1 || c.Failures[0].Path != "/usr/src/app/index.js" || c.Same {
		t.Errorf("failures: %+v (same %v)", c.Failures, c.Same)
	}
}
