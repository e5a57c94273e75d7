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
