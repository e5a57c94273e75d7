package render

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerwise/layerwise/bench"
	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/cost"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/measure"
	"github.com/layerwise/layerwise/rules"
	"github.com/layerwise/layerwise/verify"
	"github.com/layerwise/layerwise/why"
)

// The golden tests of every result type but the audit's and the trends'
// (audit_test.go, trends_test.go). Inputs are built here, with every
// branch a renderer has: failed and skipped rows, missing values, long
// errors, names from the user's files.

func render(t *testing.T, name string, write func(*bytes.Buffer) error) {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, name, buf.Bytes())
}

func TestLsGolden(t *testing.T) {
	repo, err := discover.Discover(context.Background(), "testdata/repo", discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "ls.table", func(b *bytes.Buffer) error { LsTable(b, repo); return nil })
}

func TestContextGolden(t *testing.T) {
	repo, err := discover.Discover(context.Background(), "testdata/repo", discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, im := range repo.Images {
		if im.Model == nil {
			ContextText(&buf, im.Name, "its Dockerfile does not parse", nil, repo.Root)
			continue
		}
		rep, err := buildctx.Analyze(context.Background(), im.AbsContext(), buildctx.AnalyzeOptions{
			Dockerfile: im.AbsDockerfile(), Sources: buildctx.SourcesOf(im.Model), Top: 3})
		if err != nil {
			t.Fatal(err)
		}
		// the paths the report holds are absolute: make them the same
		// wherever the checkout is
		rep.Context = "/repo/" + im.Context
		if rep.IgnoreFile.Path != "" {
			rep.IgnoreFile.Path = "/repo/" + im.Context + "/" + filepath.Base(rep.IgnoreFile.Path)
		}
		ContextText(&buf, im.Name, "", rep, "/repo")
	}
	golden(t, "context.text", buf.Bytes())
}

func TestFixGolden(t *testing.T) {
	files := []*fix.FileFix{
		{Path: "api/Dockerfile", Before: []byte("FROM golang:1.23\nCOPY . .\nRUN go build -o /app .\n"),
			After: []byte("FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n")},
		{Path: "api/.dockerignore", After: []byte(".git\nnode_modules\n")},
		{Path: "web/Dockerfile", Before: []byte("FROM node:20\nRUN npm ci"), After: []byte("FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n")},
	}
	for _, color := range []bool{false, true} {
		name := "fix.diff"
		if color {
			name += ".color"
		}
		render(t, name, func(b *bytes.Buffer) error {
			for _, f := range files {
				FixDiff(b, f, color)
			}
			return nil
		})
	}
}

func measurements() []*measure.Measurement {
	run := func(d time.Duration) *engine.Result { return &engine.Result{Wall: d} }
	return []*measure.Measurement{
		{Image: "api", Scenario: "cold", Runs: []*engine.Result{run(30 * time.Second), run(32 * time.Second), run(31 * time.Second)},
			Min: 30 * time.Second, Median: 31 * time.Second, Max: 32 * time.Second, CacheHitRatio: 0, ContextBytes: 2 << 20,
			ImageSize: 180 << 20, Layers: 9, Pull: 1500 * time.Millisecond,
			Baseline: &measure.Comparison{Status: measure.StatusOK, Samples: 5, Median: 30 * time.Second, Current: 31 * time.Second}},
		{Image: "api", Scenario: "source-change", Runs: []*engine.Result{run(2 * time.Second)}, Min: 2 * time.Second, Median: 2 * time.Second,
			Max: 2 * time.Second, CacheHitRatio: 0.8, ContextBytes: 2 << 20, ImageSize: 180 << 20, Layers: 9, Touched: "cmd/api/main.go",
			Baseline: &measure.Comparison{Status: measure.StatusRegression, Samples: 4, Median: time.Second, Current: 2 * time.Second,
				Reasons: []string{"2.00 s vs 1.00 s (+100%)"},
				Steps: []measure.StepChange{{Key: "build#5 COPY . .", Before: 100 * time.Millisecond, Now: 1500 * time.Millisecond,
					Why: &why.Cause{Stage: "build", Line: 5, Step: "COPY . .", Kind: why.Files, Reason: "2 files changed: README.md, src/x.go",
						Fix: "README.md is reached by COPY . . but not used by the build: a .dockerignore entry"}}}}},
		{Image: "web", Scenario: "deps-change", Skipped: "no dependency manifest in the context",
			Baseline: &measure.Comparison{Status: measure.StatusNoBaseline, Current: 0}},
		{Image: "web", Scenario: "cold", Runs: []*engine.Result{{Err: "x"}}, Error: "RUN npm ci: exit code 1\nnpm ERR! missing lock file"},
		{Image: "api", Scenario: measure.PullZstd, Runs: []*engine.Result{run(4 * time.Second)}, Min: 4 * time.Second, Median: 4 * time.Second, Max: 4 * time.Second,
			ImageSize: 30 << 20, Layers: 3, PullBytes: 30 << 20, PullWithBase: time.Second, PullWithBaseBytes: 2 << 20,
			PulledLayers: []measure.PulledLayer{{Digest: "sha256:base", Size: 28 << 20}, {Digest: "sha256:api", Size: 2 << 20}}},
		{Image: "worker", Scenario: measure.PullZstd, Runs: []*engine.Result{run(3 * time.Second)}, Min: 3 * time.Second, Median: 3 * time.Second, Max: 3 * time.Second,
			ImageSize: 29 << 20, Layers: 2, PullBytes: 29 << 20, Note: "asked for zstd layers, the registry got gzip: the builder fell back",
			PulledLayers: []measure.PulledLayer{{Digest: "sha256:base", Size: 28 << 20}, {Digest: "sha256:worker", Size: 1 << 20}}},
	}
}

func TestMeasureGolden(t *testing.T) {
	render(t, "measure.table", func(b *bytes.Buffer) error { MeasureTable(b, measurements()); return nil })
	render(t, "measure.csv", func(b *bytes.Buffer) error { return MeasureCSV(b, measurements()) })
	render(t, "measure.baseline", func(b *bytes.Buffer) error { MeasureBaseline(b, measurements(), "25%"); return nil })
}

func TestBuildGolden(t *testing.T) {
	rep := &graphbuild.Report{Wall: 40 * time.Second, BuildSum: 55 * time.Second, CriticalPath: []string{"base", "api"}, Critical: 38 * time.Second,
		Outcomes: []*graphbuild.Outcome{
			{Image: "base", Tag: "example/base:dev", Builder: "default", Status: graphbuild.Built, Result: &engine.Result{Wall: 12 * time.Second, CacheHitRatio: 0.5}},
			{Image: "api", Tag: "layerwise/api:latest", Builder: "default", Deps: []string{"base"}, Status: graphbuild.Built, Waited: 12 * time.Second,
				Result: &engine.Result{Wall: 26 * time.Second, CacheHitRatio: 0.25}},
			{Image: "web", Tag: "layerwise/web:latest", Builder: "remote", Status: graphbuild.Failed, Waited: time.Second,
				Error:  "RUN npm run build: exit code 2: a very long error message that goes on and on past the table's width\nsecond line",
				Result: &engine.Result{Wall: 14 * time.Second, Err: "exit code 2"}},
			{Image: "docs", Tag: "layerwise/docs:latest", Builder: "remote", Deps: []string{"web"}, Status: graphbuild.Skipped, Error: "web was not built"},
		}}
	render(t, "build.table", func(b *bytes.Buffer) error { BuildTable(b, rep); return nil })
	dry := &graphbuild.Report{DryRun: true, Outcomes: []*graphbuild.Outcome{
		{Image: "a", Tag: "layerwise/a:latest", Builder: "(current)", Status: graphbuild.Planned, Deps: []string{"b"}},
		{Image: "b", Tag: "layerwise/b:latest", Builder: "(current)", Status: graphbuild.Failed, Deps: []string{"a"}, Error: "in a dependency cycle: a -> b -> a"},
	}}
	render(t, "build.dryrun", func(b *bytes.Buffer) error { BuildTable(b, dry); return nil })
}

func verification() *verify.Report {
	return &verify.Report{Root: "/repo", Images: []*verify.ImageResult{
		{Image: "api", Dockerfile: "api/Dockerfile", Status: verify.Verified, Rules: []string{"LW101", "LW102"},
			Comparison: &verify.Comparison{Same: true, OriginalPaths: 1200, FixedPaths: 1180,
				Intended: []verify.Group{{Rule: "LW120", Reason: "excluded by the new .dockerignore", Count: 20, Examples: []string{"/src/.git/HEAD", "/src/node_modules/x"}}},
				Noise:    []verify.Group{{Reason: "changes on every build", Count: 3}}},
			Smoke: &verify.Smoke{Command: "/app --version", OriginalExit: 0, FixedExit: 0, OriginalOutput: "v1\n", FixedOutput: "v1\n"},
			Cold:  &verify.Rebuild{Scenario: "cold", Original: 60 * time.Second, Fixed: 55 * time.Second, Speedup: 1.09, FixedStep: "RUN go build"},
			Rebuilds: []*verify.Rebuild{
				{Scenario: measure.Warm, Original: 2 * time.Second, Fixed: time.Second, Speedup: 2, OriginalHit: 1, FixedHit: 1},
				{Scenario: measure.Source, Original: 40 * time.Second, Fixed: 3 * time.Second, Speedup: 13.3, OriginalHit: 0.2, FixedHit: 0.8, FixedStep: "RUN go build"},
				{Scenario: measure.Deps, Error: "no dependency manifest to edit"},
			}},
		{Image: "web", Dockerfile: "web/Dockerfile", Status: "different", Rules: []string{"LW114"},
			Comparison: &verify.Comparison{OriginalPaths: 10, FixedPaths: 9,
				Failures: []verify.Difference{{Path: "/app/config.json", Change: "missing"}, {Path: "/app/index.js", Change: "changed", What: "content"}}}},
		{Image: "old", Dockerfile: "old/Dockerfile", Status: verify.OriginalFails, Reason: "the original does not build (not counted against the fix): exit 1"},
	}}
}

func TestVerifyGolden(t *testing.T) {
	render(t, "verify.table", func(b *bytes.Buffer) error { VerifyTable(b, verification()); return nil })
	render(t, "verify.markdown", func(b *bytes.Buffer) error { VerifyMarkdown(b, verification()); return nil })
	render(t, "verify.empty", func(b *bytes.Buffer) error { VerifyTable(b, &verify.Report{}); return nil })
}

func TestHistoryGolden(t *testing.T) {
	local := time.Local
	time.Local = time.UTC // the table shows local time
	t.Cleanup(func() { time.Local = local })
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	builds := []*history.Build{
		{ID: 1, StartedAt: at, Image: "api", Scenario: "cold", Repetition: 1, Git: history.Git{Commit: "0123456789abcdef", Branch: "main"},
			Host: "ci-1", Builder: engine.Info{Backend: "buildx", Builder: "default", BuildKitVersion: "v0.12.5"},
			Result: engine.Result{Wall: 31 * time.Second, Pull: time.Second, ContextBytes: 2 << 20, CacheHitRatio: 0.25, CachedSteps: 1, CountedSteps: 4,
				ImageSize: 180 << 20, Layers: 9, ImageID: "sha256:abc"}},
		{ID: 2, StartedAt: at.Add(time.Minute), Image: "web", Scenario: "source-change", Repetition: 2, Git: history.Git{Commit: "fedcba", Dirty: true},
			Builder: engine.Info{Backend: "plain"}, Result: engine.Result{Wall: 3 * time.Second, Err: "RUN npm run build: exit 2\nmore"}},
	}
	render(t, "history.table", func(b *bytes.Buffer) error { return HistoryTable(b, builds) })
	render(t, "history.csv", func(b *bytes.Buffer) error { return HistoryCSV(b, builds) })
}

func benchReport() *bench.Report {
	return &bench.Report{Date: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Machine: "2 cores, 24 GiB", Repetitions: 3, Expert: true,
		Builder: engine.Info{Backend: "buildx", Builder: "default", Driver: "docker", BuildKitVersion: "v0.12.5"},
		Targets: []bench.Target{{Name: "source change ≥ 15×", Image: "orders", Want: "≥ 15×", Got: "16.8×", Met: true},
			{Name: "source change ≥ 5×", Image: "storefront", Want: "≥ 5×", Got: "4.6×", Reason: "tsc + vite"}},
		Rows: []*bench.Row{
			{Image: "orders", Scenario: "source-change", Runs: 3, NaiveMedian: 33120 * time.Millisecond, FixedMedian: 1970 * time.Millisecond,
				Speedup: 16.8, NaiveHit: 0.43, FixedHit: 0.5, NaiveCtx: 3000, FixedCtx: 2800, NaiveImage: 1.2e9, FixedImage: 166.4e6,
				ExpertMedian: 1590 * time.Millisecond, FixedVsExpert: 1.24, ExpertHit: 0.7, ExpertCtx: 2300, ExpertImage: 145e6},
			{Image: "storefront", Scenario: "deps-change", Skipped: "no manifest"},
			{Image: "gateway", Scenario: "cold", Runs: 1, NaiveMedian: 20 * time.Second, FixedMedian: 18 * time.Second, Speedup: 1.11,
				ExpertError: "the expert build failed"},
		},
		Graph: &bench.GraphRun{Jobs: 4, Images: 7, Serial: 116500 * time.Millisecond, Parallel: 102 * time.Second, Speedup: 1.14,
			CriticalPath: []string{"base", "orders"}, Critical: 97100 * time.Millisecond, SerialCritical: 34400 * time.Millisecond, Failed: []string{"docs: exit 1"}},
	}
}

func TestBenchGolden(t *testing.T) {
	render(t, "bench.table", func(b *bytes.Buffer) error { BenchTable(b, benchReport()); return nil })
	prev := []byte("# old\n\n" + analysisMarker + "\n\n## Analysis\n\nKept by hand.\n")
	render(t, "bench.markdown", func(b *bytes.Buffer) error { BenchMarkdown(b, benchReport(), prev); return nil })
}

func TestRulesGolden(t *testing.T) {
	render(t, "rules.table", func(b *bytes.Buffer) error { return RulesTable(b, rules.All()) })
}

func TestWhyGolden(t *testing.T) {
	rep := &why.Report{Image: "web", Scenario: "source-change", Build: 12, Against: 9, Causes: []why.Cause{
		{Stage: "build", Line: 9, Step: "COPY . .", Kind: why.Files, Reason: "3 files changed: README.md, src/app.ts, src/util.ts",
			Changed: []string{"README.md", "src/app.ts", "src/util.ts"}, Seconds: 0.4, Cost: 31.2,
			Fix: "README.md is reached by COPY . . but not used by the build: a .dockerignore entry, or copy only the directories the build needs (layerwise fix writes the .dockerignore)", Rule: "LW124"},
		{Stage: "build", Line: 10, Step: "RUN npm run build", Kind: why.Parent, Reason: "its parent step re-ran (line 9)", Seconds: 30.8, Cost: 30.8},
	}}
	ci := &why.Report{Image: "api", Scenario: "ci-source-change", Build: 21, Against: 20, Causes: []why.Cause{
		{Stage: "build", Line: 4, Step: "RUN go mod download", Kind: why.NoCache, RanBefore: true, Seconds: 12.6, Cost: 40.1,
			Reason: "its inputs are the same as in build 20, which ran it too: this builder had no cache for it (a fresh builder, a cache import that missed, or an evicted cache)",
			Fix:    "a builder starts without cache (every CI job's does, and a garbage collector evicts): import the last build's layer cache with --cache-from and export it with --cache-to (type=registry or gha, mode=max; layerwise generate ci writes both)"},
		{Stage: "build", Line: 5, Step: "COPY . .", Kind: why.Parent, RanBefore: true, Reason: "its parent step re-ran (line 4)", Seconds: 0.3, Cost: 27.5},
	}}
	render(t, "why.nocache", func(b *bytes.Buffer) error { WhyText(b, ci); return nil })
	render(t, "why.text", func(b *bytes.Buffer) error { WhyText(b, rep); return nil })
	render(t, "why.none", func(b *bytes.Buffer) error {
		WhyText(b, &why.Report{Image: "api", Scenario: "build", Build: 3, Against: 2, Note: "the steps' inputs were not recorded for both builds"})
		return nil
	})
}

func TestCostGolden(t *testing.T) {
	rep := &cost.Report{Since: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Commits: 120, Images: []*cost.ImageCost{
		{Image: "web", Commits: 120, Rebuilds: 96, FixedRebuilds: 90, Naive: 41.5, Fixed: 9.2, Basis: "measured", Paths: []cost.PathCost{
			{Path: "web/src/", Seconds: 2100, Share: 0.42}, {Path: "web/docs/", Seconds: 1550, Share: 0.31, Unused: true}, {Path: "web/Dockerfile", Seconds: 300, Share: 0.06}}},
		{Image: "api", Commits: 120, Rebuilds: 12, Naive: 3.1, Fixed: 3.1, Basis: "static", FixedNote: "layerwise fix changes nothing for this image"},
	}, Notes: []string{"old: its ignore file cannot be read"}}
	render(t, "cost.text", func(b *bytes.Buffer) error { CostText(b, rep); return nil })
}
