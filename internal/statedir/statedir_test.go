package statedir

import "testing"

func TestIs(t *testing.T) {
	for p, want := range map[string]bool{
		".layerwise": true, "services/api/.layerwise": true, ".layerwise.yaml": false,
		"docs/layerwise": false, ".layerwise/history.db": false, "": false,
	} {
		if got := Is(p); got != want {
			t.Errorf("Is(%q) = %v, want %v", p, got, want)
		}
	}
}
