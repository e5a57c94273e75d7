package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
	"github.com/layerwise/layerwise/measure"
)

func m(image, scenario string, walls ...time.Duration) *measure.Measurement {
	out := &measure.Measurement{Image: image, Scenario: scenario, CacheHitRatio: 0.5, ContextBytes: 100, ImageSize: 1000}
	for _, w := range walls {
		out.Runs = append(out.Runs, &engine.Result{Wall: w})
	}
	return out
}

func TestCompareAndTargets(t *testing.T) {
	naive := []*measure.Measurement{m("web", "source-change", 10*time.Second), m("web", "source-change", 12*time.Second), m("web", "source-change", 11*time.Second)}
	fixed := []*measure.Measurement{m("web", "source-change", time.Second), m("web", "source-change", 900*time.Millisecond), m("web", "source-change", 1100*time.Millisecond)}
	row := compare("web", "source-change", naive, fixed)
	if row.Runs != 3 || row.NaiveMedian != 11*time.Second || row.FixedMedian != time.Second || row.Speedup != 11 {
		t.Errorf("row %+v", row)
	}
	failed := []*measure.Measurement{{Image: "web", Scenario: "cold", Error: "RUN npm ci: exit 1"}}
	if r := compare("web", "cold", failed, fixed); r.Runs != 0 || r.Error == "" {
		t.Errorf("failed row %+v", r)
	}

	root := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": "{}"})
	d, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name := d.Images[0].Name
	rows := []*Row{
		{Image: name, Scenario: "source-change", Runs: 3, Speedup: 11},
		{Image: name, Scenario: "deps-change", Runs: 3, Speedup: 1.5},
		{Image: name, Scenario: "cold", Runs: 3, Speedup: 1 / 1.2, NaiveCtx: 50 << 20, FixedCtx: 1 << 20},
	}
	got := map[string]bool{}
	for _, tg := range evaluate(rows, d, false) {
		got[tg.Name] = tg.Met
	}
	want := map[string]bool{"source-change rebuild": true, "deps-change rebuild": false, "cold build": false, "context bytes": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("target %s: met=%v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

// The source-change target depends on what the service builds: 15× for a
// Go compile, 5× for a Node install (its bundler is the floor); with the
// expert variant the fixed build must be within 1.20× of the expert's on
// every rebuild.
func TestTargetsByLanguageAndExpert(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"go/Dockerfile":     "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
		"go/go.mod":         "module x\n",
		"node/Dockerfile":   "FROM node:20\nCOPY . .\nRUN npm ci\nRUN npm run build\n",
		"node/package.json": "{}",
	})
	d, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := []*Row{
		{Image: "go", Scenario: "source-change", Runs: 3, Speedup: 12},
		{Image: "node", Scenario: "source-change", Runs: 3, Speedup: 6, FixedVsExpert: 1.1},
		{Image: "node", Scenario: "warm", Runs: 3, Speedup: 1, FixedVsExpert: 1.3},
	}
	got := map[string]Target{}
	for _, tg := range evaluate(rows, d, false) {
		got[tg.Image+" "+tg.Name] = tg
	}
	for key, want := range map[string]struct {
		want string
		met  bool
	}{
		"go source-change rebuild":            {"≥ 15× faster", false},
		"node source-change rebuild":          {"≥ 5× faster", true},
		"node fixed vs expert, source-change": {"≤ 1.20× expert", true},
		"node fixed vs expert, warm":          {"≤ 1.20× expert", false},
	} {
		tg, ok := got[key]
		if !ok || tg.Want != want.want || tg.Met != want.met {
			t.Errorf("%s: %+v (present %v), want %q met=%v", key, tg, ok, want.want, want.met)
		}
	}
	if _, ok := got["go fixed vs expert, source-change"]; ok {
		t.Error("an expert target without an expert measurement")
	}
}

// addExpert fills the expert columns from the expert's runs of the row's
// scenario only.
func TestAddExpert(t *testing.T) {
	row := &Row{Image: "web", Scenario: "source-change", FixedMedian: 3 * time.Second}
	addExpert(row, []*measure.Measurement{m("web", "source-change", 2*time.Second), m("web", "cold", 50*time.Second), m("web", "source-change", 2*time.Second)})
	if row.ExpertMedian != 2*time.Second || row.FixedVsExpert != 1.5 || row.ExpertImage != 1000 {
		t.Errorf("row %+v", row)
	}
	failed := &Row{Image: "web", Scenario: "cold", FixedMedian: time.Second}
	addExpert(failed, []*measure.Measurement{{Image: "web", Scenario: "cold", Error: "exit 1"}})
	if failed.ExpertError == "" || failed.FixedVsExpert != 0 {
		t.Errorf("failed expert %+v", failed)
	}
}

// TestBenchWithARealBuilder runs the benchmark on a fake-npm service: the
// fixed build keeps its install cached after a source change.
func TestBenchWithARealBuilder(t *testing.T) {
	testengine.Require(t)
	testengine.MakeFakeNode(t)
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":          "FROM " + testengine.FakeNodeTag + "\nWORKDIR /app\nCOPY . .\nRUN npm install\nRUN npm run build\nCMD [\"npm\", \"start\"]\n",
		"package.json":        `{"name":"x"}`,
		"package-lock.json":   `{"lockfileVersion":3}`,
		"src/server.js":       "console.log(1)\n",
		"node_modules/junk/x": strings.Repeat("j", 2<<20),
		// the expert's version: manifests first, the junk ignored
		"Dockerfile.expert":              "FROM " + testengine.FakeNodeTag + "\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\nCOPY . .\nRUN npm run build\nCMD [\"npm\", \"start\"]\n",
		"Dockerfile.expert.dockerignore": "node_modules\n",
	})
	cfg := config.Default()
	cfg.Exclude = []string{"Dockerfile.expert"}
	rep, err := Run(context.Background(), root, Options{Builder: buildx.New(""), Scenarios: []string{measure.Cold, measure.Source}, Repetitions: 1, Config: cfg, Expert: true})
	if err != nil {
		t.Fatal(err)
	}
	var src, cold *Row
	for _, r := range rep.Rows {
		if r.Error != "" {
			t.Fatalf("%s %s: %s", r.Image, r.Scenario, r.Error)
		}
		switch r.Scenario {
		case measure.Source:
			src = r
		case measure.Cold:
			cold = r
		}
	}
	if src == nil || cold == nil || src.Runs != 1 {
		t.Fatalf("rows %+v", rep.Rows)
	}
	if src.FixedHit <= src.NaiveHit || src.Speedup <= 1 {
		t.Errorf("the fix should make the source-change rebuild hit the cache: %+v", src)
	}
	if cold.FixedCtx*10 > cold.NaiveCtx {
		t.Errorf("node_modules junk should be gone from the fixed context: %d vs %d bytes", cold.FixedCtx, cold.NaiveCtx)
	}
	// the expert variant built the Dockerfile.expert, with its own ignore file
	if !rep.Expert || src.ExpertMedian == 0 || src.FixedVsExpert == 0 || src.ExpertError != "" || cold.ExpertCtx*10 > cold.NaiveCtx {
		t.Errorf("expert columns: %+v / %+v", src, cold)
	}
	if len(rep.Rows) != 2 {
		t.Errorf("the excluded Dockerfile.expert was benchmarked as a service: %+v", rep.Rows)
	}
	if len(rep.Targets) == 0 || rep.Machine == "" || rep.Builder.Backend != "buildx" {
		t.Errorf("report: %+v", rep)
	}
}
