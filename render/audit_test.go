package render

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/history"
)

// fixtureAudit audits testdata/repo with its root rewritten to /repo so that
// the output does not depend on where the checkout lives.
func fixtureAudit(t *testing.T) *audit.Report {
	t.Helper()
	disc, err := discover.Discover(context.Background(), "testdata/repo", discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.Run(context.Background(), disc, audit.Options{Config: config.Default(), WithFixes: true})
	if err != nil {
		t.Fatal(err)
	}
	res.Root = "/repo"
	return res
}

func TestAuditGolden(t *testing.T) {
	res := fixtureAudit(t)
	// as a history of real builds prices it (audit.applyMeasured)
	for i := range res.Findings {
		if f := &res.Findings[i]; f.RepullsLayers {
			f.Cost.LayerBytes = 52 << 20
			break
		}
	}
	// as the history's recorded builds give them (audit's BuildFigures)
	res.Images[0].Measured = &history.Figures{Builds: 9, Seconds: map[string]float64{"cold": 61.2, "source-change": 2.4, "pull": 3.1},
		ImageBytes: 21 << 20, Layers: 6, Latest: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	src := func(p string) []string {
		data, err := os.ReadFile(filepath.Join("testdata/repo", p))
		if err != nil {
			return nil
		}
		return bytes2lines(data)
	}
	for _, format := range AuditFormats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Audit(&buf, format, res, AuditOptions{Version: "test", Source: src}); err != nil {
				t.Fatal(err)
			}
			golden(t, "audit."+format, buf.Bytes())
		})
	}
}

func bytes2lines(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		out = append(out, string(l))
	}
	return out
}
