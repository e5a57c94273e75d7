package units

import (
	"testing"
	"time"
)

func TestUnits(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1536: "1.5 kB", 40_700_000: "40.7 MB", 1_200_000_000: "1.2 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Seconds(1250*time.Millisecond, 2); got != "1.25 s" {
		t.Errorf("Seconds = %q", got)
	}
	if got := SecondsOr(0, 2, "–"); got != "–" {
		t.Errorf("SecondsOr(0) = %q", got)
	}
	if got := SecondsBare(1500*time.Millisecond, 3); got != "1.500" {
		t.Errorf("SecondsBare = %q", got)
	}
}
