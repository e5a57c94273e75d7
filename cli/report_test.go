package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	s, err := history.Open(db, history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, wall := range []time.Duration{10 * time.Second, 10 * time.Second, 15 * time.Second, 16 * time.Second} {
		at := now.Add(-10 * 24 * time.Hour) // the week before
		if i >= 2 {
			at = now.Add(-24 * time.Hour) // this week: slower
		}
		if _, err := s.Append(context.Background(), &history.Build{StartedAt: at.Add(time.Duration(i) * time.Minute), Image: "web", Scenario: "cold",
			Result: engine.Result{Wall: wall, ImageSize: 1 << 20}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	code, out, stderr := run(t, "report", "--history", db, dir)
	if code != 1 || !strings.Contains(out, "+55% slower") || !strings.Contains(stderr, "slower than the window before: [web cold]") {
		t.Errorf("table: exit %d\n%s\n%s", code, out, stderr)
	}
	md := filepath.Join(dir, "weekly.md")
	if code, _, _ := run(t, "report", "--history", db, "-o", "markdown", "--title", "Weekly", "--out", md, dir); code != 1 {
		t.Errorf("markdown: exit %d", code)
	}
	if b, err := os.ReadFile(md); err != nil || !strings.HasPrefix(string(b), "# Weekly\n") || !strings.Contains(string(b), "- web cold: 10.00 s → 15.50 s (+55%)") {
		t.Errorf("weekly report: %v\n%s", err, b)
	}
	if code, out, _ := run(t, "report", "--history", db, "--since", "3d", "-o", "prometheus", dir); code != 0 || !strings.Contains(out, `layerwise_build_duration_seconds{image="web",scenario="cold",stat="median"} 15.5`) {
		// a 3-day window: the week before is out of both windows, nothing to compare
		t.Errorf("prometheus: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", dir}, "no build history at"},
		{[]string{"report", "--history", db, "--since", "yesterday-ish", dir}, "--since"},
		{[]string{"report", "--history", db, "-o", "sarif", dir}, `unknown format "sarif"`},
		{[]string{"report", "--history", db, "--since", "2999-01-01", dir}, "is not in the past"},
	} {
		if code, _, stderr := run(t, tc.args...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d %q", tc.args, code, stderr)
		}
	}
}
