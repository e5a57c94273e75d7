package discover

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKnownVariablesLinear: a hostile script (200 assignments, each made
// of the one before, then megabytes of references) is read in one pass.
func TestKnownVariablesLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("V0=x\n")
	for i := 1; i < 200; i++ {
		b.WriteString("V" + strconv.Itoa(i) + "=$(V" + strconv.Itoa(i-1) + ")/y\n")
	}
	for b.Len() < 8<<20 {
		b.WriteString("docker build -f $V199/Dockerfile $(V150) ${V3} $$V7 $unknown .\n")
	}
	start := time.Now()
	out := knownVariables([]byte(b.String()))
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s", d)
	}
	// (a chain deeper than a few passes stays a reference)
	if !strings.Contains(string(out), "$(V150) x/y/y/y $$V7") && !strings.Contains(string(out), "x/y/y/y x/y/y/y/y/y/y/y") {
		t.Errorf("not expanded: %.200s", out[len(out)-200:])
	}
}
