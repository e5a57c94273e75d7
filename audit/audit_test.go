package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/testfs"
	"github.com/layerwise/layerwise/rules"
)

func run(t *testing.T, root string, cfg *config.Config) *Report {
	t.Helper()
	if cfg == nil {
		var err error
		if cfg, err = config.Load(config.Find(root), false); err != nil {
			t.Fatal(err)
		}
	}
	disc, err := discover.Discover(context.Background(), root, discover.Options{Exclude: cfg.Exclude})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), disc, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ids(res *Report) map[string]int {
	m := map[string]int{}
	for _, f := range res.Findings {
		m[f.RuleID]++
	}
	return m
}

const naive = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"

func TestPragmas(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"a/Dockerfile":    "FROM node:20\nWORKDIR /app\n# layerwise ignore=LW101\nCOPY . .\n# layerwise ignore=LW102,LW111\nRUN npm ci\n",
		"a/.dockerignore": "node_modules\n",
		"b/Dockerfile":    "# layerwise global ignore=LW101,LW102,LW120\n" + naive,
		"c/Dockerfile":    "FROM node:20\n# layerwise ignore=LW404, buildkit/Nope\nCOPY . .\nRUN npm ci\n",
		"a/package.json":  "{}", "b/package.json": `{"devDependencies":{"x":"1"}}`, "c/package.json": "{}",
	})
	res := run(t, root, nil)
	per := map[string]map[string]bool{}
	for _, f := range res.Findings {
		if per[f.Image] == nil {
			per[f.Image] = map[string]bool{}
		}
		per[f.Image][f.RuleID] = true
	}
	if per["a"]["LW101"] || per["a"]["LW102"] || per["a"]["LW111"] {
		t.Errorf("local pragmas did not suppress: %v", per["a"])
	}
	if per["b"]["LW101"] || per["b"]["LW102"] || per["b"]["LW120"] || !per["b"]["LW111"] {
		t.Errorf("global pragma: %v", per["b"])
	}
	if !per["c"]["LW101"] {
		t.Errorf("unknown IDs must not suppress: %v", per["c"])
	}
	n := 0
	for _, f := range res.Findings {
		if f.RuleID == "LW001" {
			n++
			if f.File != "c/Dockerfile" || f.Range.Start.Line != 2 {
				t.Errorf("LW001 position: %+v", f)
			}
		}
	}
	if n != 2 {
		t.Errorf("want 2 LW001 findings (LW404, buildkit/Nope), got %d", n)
	}
}

func TestConfig(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":      naive,
		".layerwise.yaml": "rules:\n  LW101: off\n  LW102: error\n  LW777: warning\n  buildkit: off\nthresholds:\n  context-bytes: 10\n",
		"big.bin":         strings.Repeat("x", 100),
	})
	cfg, err := config.Load(filepath.Join(root, ".layerwise.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, root, cfg)
	got := ids(res)
	if got["LW101"] != 0 || got["LW121"] == 0 {
		t.Errorf("rules off / thresholds: %v", got)
	}
	for _, f := range res.Findings {
		if f.RuleID == "LW102" && f.Severity != rules.Error {
			t.Errorf("severity override not applied: %+v", f)
		}
		if strings.HasPrefix(f.RuleID, "buildkit/") {
			t.Errorf("buildkit checks not switched off: %+v", f)
		}
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], ".layerwise.yaml:4") || !strings.Contains(res.Warnings[0], "LW777") {
		t.Errorf("unknown rule in config: %q", res.Warnings)
	}
}

func TestParseErrorIsAFindingAndTheAuditGoesOn(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"bad/Dockerfile":    "FROM debian:12\nRUN apt-get update\nCOPY --chmown=1 a b\n",
		"empty/Dockerfile":  "# nothing\n",
		"good/Dockerfile":   naive,
		"good/package.json": "{}",
	})
	res := run(t, root, nil)
	var lw000 []string
	for _, f := range res.Findings {
		if f.RuleID == "LW000" {
			lw000 = append(lw000, f.Image)
			if f.Severity != rules.Error {
				t.Errorf("LW000 severity %v", f.Severity)
			}
		}
	}
	if strings.Join(lw000, ",") != "bad,empty" && strings.Join(lw000, ",") != "empty,bad" {
		t.Errorf("LW000 for %v", lw000)
	}
	got := ids(res)
	if got["LW101"] != 1 || got["LW104"] != 1 {
		t.Errorf("the good image and the rest of the bad one are still checked: %v", got)
	}
	if !res.Failed(rules.Error) || res.Failed(0) {
		t.Errorf("Failed()")
	}
}

func TestRankingAndSummaries(t *testing.T) {
	root := testfs.Tree(t, map[string]string{"Dockerfile": naive, "src/a.js": "1", "package.json": "{}"})
	res := run(t, root, nil)
	for i := 1; i < len(res.Findings); i++ {
		if res.Findings[i].Cost.Seconds > res.Findings[i-1].Cost.Seconds {
			t.Errorf("not ranked by cost at %d: %+v", i, res.Findings)
		}
	}
	if res.Findings[0].RuleID != "LW101" || res.Ranking != RankStatic || !strings.Contains(res.RankingNote, "static") {
		t.Errorf("top finding %s, ranking %s", res.Findings[0].RuleID, res.Ranking)
	}
	s := res.Images[0]
	if s.Stages != 1 || s.Layers != 2 || s.ContextFiles != 3 || s.BaseImages[0] != "node:20" || s.BySeverity["warning"] == 0 {
		t.Errorf("summary %+v", s)
	}
}

// TestExamples pins the audit of the shipped examples: the problems they
// were written to have are all found.
func TestExamples(t *testing.T) {
	res := run(t, "../examples", nil)
	want := map[string][]string{
		"orders":     {"LW101", "LW102", "LW104", "LW105", "LW112"},
		"billing":    {"LW101", "LW102", "LW112"},
		"gateway":    {"LW101", "LW102"},
		"storefront": {"LW101", "LW102", "LW111"},
		// (its apt RUNs are the shipped image's: docker-clean stays, and
		// the install's RUN, with no update of its own, cannot mount the
		// lists until LW104 merges the update into it)
		"services/worker": {"LW104", "LW105"},
	}
	// LW120 only where an ignore file would keep something out: the
	// examples as committed send nothing their COPYs do not read
	// (scripts/make-junk.sh adds what a developer's checkout holds)
	have := map[string]map[string]bool{}
	for _, f := range res.Findings {
		if have[f.Image] == nil {
			have[f.Image] = map[string]bool{}
		}
		have[f.Image][f.RuleID] = true
	}
	for im, rs := range want {
		for _, r := range rs {
			if !have[im][r] {
				t.Errorf("%s: %s not found (have %v)", im, r, have[im])
			}
		}
	}
	// the hand-written baselines are excluded by the examples' config
	for im := range have {
		if strings.HasSuffix(im, ":expert") {
			t.Errorf("%s audited: Dockerfile.expert is excluded in examples/.layerwise.yaml", im)
		}
	}
}

// withHistory discovers root and opens a history under it (closed with
// the test).
func withHistory(t *testing.T, root string) (*history.Store, *discover.Repo) {
	t.Helper()
	store, err := history.Open(filepath.Join(root, history.DefaultPath), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return store, disc
}

// TestMeasuredRanking: with recorded builds, a finding is priced by the
// measured duration of the step it invalidates.
func TestMeasuredRanking(t *testing.T) {
	root := testfs.Tree(t, map[string]string{"Dockerfile": naive, "package.json": "{}"})
	store, disc := withHistory(t, root)
	image := disc.Images[0].Name
	for i, d := range []time.Duration{70 * time.Second, 77 * time.Second, 90 * time.Second} {
		b := &history.Build{StartedAt: time.Now(), Image: image, Scenario: "source-change", Result: engine.Result{Wall: d, Steps: []engine.Step{
			{Key: "stage-0#3 COPY . .", Kind: "copy", Duration: time.Second, LayerBytes: 1000},
			{Key: "stage-0#4 RUN npm ci", Kind: "exec", Duration: d, LayerBytes: int64(40+10*i) << 20},
		}}}
		if _, err := store.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default(), History: store})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ranking != RankMeasured || !strings.Contains(res.RankingNote, "measured") {
		t.Errorf("ranking %s: %s", res.Ranking, res.RankingNote)
	}
	top := res.Findings[0]
	if top.RuleID != "LW101" || top.Cost.Seconds != 77 || top.Cost.Basis != rules.BasisMeasured {
		t.Errorf("top finding: %+v", top)
	}
	// the install's new layer is pulled again after every source change
	if top.Cost.LayerBytes != 50<<20 {
		t.Errorf("LW101 layer bytes %d, want the median %d", top.Cost.LayerBytes, 50<<20)
	}
	// a missing cache mount costs the download, not the layer
	for _, f := range res.Findings {
		if f.RuleID == "LW102" && (f.Cost.LayerBytes != 0 || f.Cost.Seconds != 77) {
			t.Errorf("LW102: %+v", f.Cost)
		}
	}
}

// The baseline document carries each image's recorded build times, image
// size and layers: the median of the last five successful builds of each
// scenario (a failed one left out), the latest build's size.
func TestMeasuredFiguresInTheBaseline(t *testing.T) {
	root := testfs.Tree(t, map[string]string{"Dockerfile": naive, "package.json": "{}"})
	store, disc := withHistory(t, root)
	image := disc.Images[0].Name
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	add := func(scenario string, wall time.Duration, size int64, err string) {
		at = at.Add(time.Hour)
		b := &history.Build{StartedAt: at, Image: image, Scenario: scenario, Result: engine.Result{Wall: wall, ImageSize: size, Layers: 7, Err: err}}
		if _, err := store.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []int{90, 10, 11, 12, 13, 14} { // the oldest falls out of the last five
		add("source-change", time.Duration(d)*time.Second, 100<<20, "")
	}
	add("cold", 60*time.Second, 120<<20, "")
	add("cold", time.Second, 0, "RUN npm ci: exit code 1")
	res, err := Run(context.Background(), disc, Options{Config: config.Default(), History: store})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Images[0].Measured
	if m == nil || m.Builds != 7 || m.Seconds["source-change"] != 12 || m.Seconds["cold"] != 60 || m.ImageBytes != 120<<20 || m.Layers != 7 {
		t.Fatalf("figures: %+v", m)
	}
	// an image with no recorded build has none
	if f, err := store.Figures(context.Background(), "nothing"); err != nil || f != nil {
		t.Errorf("figures of an unbuilt image: %+v %v", f, err)
	}
}

// TestRepeatedStepsPricedByLayers: LW116 names the seconds and the layer
// bytes each image spends on the steps the services repeat, measured.
func TestRepeatedStepsPricedByLayers(t *testing.T) {
	install := "RUN apt-get update && apt-get install -y --no-install-recommends libpq5\n"
	root := testfs.Tree(t, map[string]string{
		"api/Dockerfile":    "FROM python:3.12-slim\n" + install + "COPY . /app\n",
		"worker/Dockerfile": "FROM python:3.12-slim\n" + install + "COPY . /srv\n",
	})
	store, disc := withHistory(t, root)
	key := engine.MakeStepKey("stage-0", 2, install)
	for i, im := range disc.Images {
		b := &history.Build{StartedAt: time.Now(), Image: im.Name, Scenario: "cold", Result: engine.Result{Steps: []engine.Step{
			{Key: key, Kind: "exec", Duration: time.Duration(20+i) * time.Second, LayerBytes: int64(30+i) << 20},
		}}}
		if _, err := store.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default(), History: store})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if f.RuleID != "LW116" {
			continue
		}
		n++
		i := slices.IndexFunc(disc.Images, func(im *discover.Image) bool { return im.Name == f.Image })
		if f.Cost.Basis != rules.BasisMeasured || f.Cost.Seconds != float64(20+i) || f.Cost.LayerBytes != int64(30+i)<<20 {
			t.Errorf("%s: %+v", f.Image, f.Cost)
		}
	}
	if n != 2 {
		t.Errorf("%d LW116 findings, want one per image", n)
	}
}

// A local named context is sent too: the context rules run on it, with
// findings on its directory (or its .dockerignore), counted for the image.
func TestNamedContextFindings(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":         "services:\n  app:\n    build:\n      context: ./app\n      additional_contexts:\n        shared: ./shared\n        base: docker-image://busybox:1.36\n",
		"app/Dockerfile":       "FROM busybox:1.36\nCOPY --from=shared config/ .env /config/\nCOPY main.txt /\n",
		"app/main.txt":         "m",
		"app/.dockerignore":    "Dockerfile\n",
		"shared/config/a":      "a",
		"shared/.env":          "TOKEN=t0k3n",
		"shared/.dockerignore": "nothing-here\n",
	})
	res := run(t, root, nil)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID+" "+f.File)
	}
	if strings.Join(got, ",") != "LW123 shared/.dockerignore" {
		t.Errorf("findings = %q", got)
	}
	if res.Images[0].BySeverity["error"] != 1 {
		t.Errorf("summary: %+v", res.Images[0])
	}
}

// TestNoFromIsAFindingNotAPanic: a Dockerfile with no FROM (ARG only, RUN
// first, binary garbage) took the whole audit down with an index out of
// range; it is LW000 with its file and line, and the others are audited.
func TestNoFromIsAFindingNotAPanic(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"argonly/Dockerfile":  "ARG VERSION=1\n",
		"runfirst/Dockerfile": "# x\nRUN echo hi\nFROM debian:12\n",
		"garbage/Dockerfile":  "\x00\x01\x02 garbage\n",
		"good/Dockerfile":     naive,
		"good/package.json":   "{}",
	})
	res := run(t, root, nil)
	lines := map[string]int{}
	for _, f := range res.Findings {
		if f.RuleID == "LW000" {
			lines[f.Image] = f.Range.Start.Line
		}
	}
	if lines["argonly"] != 1 || lines["runfirst"] != 2 || lines["garbage"] != 1 {
		t.Errorf("LW000 lines %v", lines)
	}
	if ids(res)["LW101"] != 1 {
		t.Errorf("the good image is still audited: %v", ids(res))
	}
}

// TestSharedContextFindingsOnce: two images built from one context report
// its sensitive file once, not once per image.
func TestSharedContextFindingsOnce(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"docker-compose.yml": "services:\n  a:\n    build: {context: ., dockerfile: a.Dockerfile}\n  b:\n    build: {context: ., dockerfile: b.Dockerfile}\n",
		"a.Dockerfile":       "FROM debian:12\nCOPY . /app\n",
		"b.Dockerfile":       "FROM debian:12\nCOPY . /srv\n",
		"app":                "x",
		".env":               "API_KEY=k3y",
	})
	res := run(t, root, nil)
	if n := ids(res)["LW123"]; n != 1 {
		t.Errorf("LW123 reported %d times", n)
	}
}

// TestFindingsOnlyInTheTargetsStages: a compose target builds its stage and
// what it depends on; findings in the other stages belong to other builds.
func TestFindingsOnlyInTheTargetsStages(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"docker-compose.yml": "services:\n  api:\n    build: {context: ., target: runtime}\n",
		"Dockerfile": "FROM debian:12 AS tools\nRUN apt-get update\nRUN apt-get install -y curl\n" +
			"FROM debian:12 AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\n" +
			"FROM debian:12 AS runtime\nCOPY --from=build /etc/hostname /x\n",
	})
	got := ids(run(t, root, nil))
	if got["LW104"] != 0 || got["LW105"] != 0 {
		t.Errorf("the tools stage is not built for target runtime: %v", got)
	}
	if got["LW102"] != 1 {
		t.Errorf("the build stage (reached by COPY --from) is: %v", got)
	}
}

// TestImagesOfTheSameName: services called the same in two compose files
// are two images with labels of their own, each finding under one of them.
func TestImagesOfTheSameName(t *testing.T) {
	files := map[string]string{}
	for _, d := range []string{"a", "b", "c"} {
		files[d+"/compose.yaml"] = "services:\n  backend:\n    build: .\n"
		files[d+"/Dockerfile"] = naive
		files[d+"/package.json"] = "{}"
		files[d+"/package-lock.json"] = "{}"
	}
	res := run(t, testfs.Tree(t, files), nil)
	if len(res.Images) != 3 {
		t.Fatalf("%d images", len(res.Images))
	}
	labels := map[string]bool{}
	for _, im := range res.Images {
		if labels[im.Name] {
			t.Errorf("label %q twice", im.Name)
		}
		labels[im.Name] = true
	}
	if !labels["backend (a/Dockerfile)"] {
		t.Errorf("labels %v", labels)
	}
	per := map[string]int{}
	for _, f := range res.Findings {
		if !labels[f.Image] {
			t.Errorf("finding under %q, no image's label", f.Image)
		}
		if f.File != "" && !strings.HasPrefix(f.Image, "backend ("+f.File) {
			t.Errorf("%s's finding under %s", f.File, f.Image)
		}
		per[f.Image]++
	}
	if per["backend (a/Dockerfile)"] != per["backend (b/Dockerfile)"] || per["backend (a/Dockerfile)"] == 0 {
		t.Errorf("findings per image %v", per)
	}
}

// TestBaseBuiltHereIsNotUnpinned: a service FROM an image the repository
// builds itself (untagged, as fix --shared-base writes them) is built
// along the graph, not pulled: LW109 stays quiet; an outside image
// without a tag is still reported.
func TestBaseBuiltHereIsNotUnpinned(t *testing.T) {
	got := lw109Images(t, map[string]string{
		"compose.yaml":       "services:\n  base: {image: registry.example.com/team/base, build: ./base}\n  api: {build: ./api}\n  tool: {build: ./tool}\n",
		"base/Dockerfile":    "FROM debian:12\n",
		"api/Dockerfile":     "FROM registry.example.com/team/base\n",
		"tool/Dockerfile":    "FROM registry.example.com/team/other\n",
		"base/.dockerignore": "x\n", "api/.dockerignore": "x\n", "tool/.dockerignore": "x\n",
	})
	if got["api"] || !got["tool"] {
		t.Errorf("LW109 on %v, want tool only", got)
	}
}

// TestBasePublishedHereIsNotUnpinned: TeaStore's services build FROM
// descartesresearch/teastore-base:latest, which the repository's workflow
// builds and tags first (docker/build-push-action): no LW109 there; an
// image nothing here builds is still reported.
func TestBasePublishedHereIsNotUnpinned(t *testing.T) {
	got := lw109Images(t, map[string]string{
		".github/workflows/ci.yml": "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./base\n          tags: registry.example.com/team/base:${{ github.ref_name }}\n",
		"base/Dockerfile":          "FROM debian:12\n",
		"api/Dockerfile":           "FROM registry.example.com/team/base:latest\n",
		"tool/Dockerfile":          "FROM registry.example.com/team/other:latest\n",
		"base/.dockerignore":       "x\n", "api/.dockerignore": "x\n", "tool/.dockerignore": "x\n",
	})
	if got["api"] || !got["tool"] {
		t.Errorf("LW109 on %v, want tool only", got)
	}
}

// lw109Images audits the tree and names the images LW109 reports.
func lw109Images(t *testing.T, files map[string]string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for _, f := range run(t, testfs.Tree(t, files), nil).Findings {
		if f.RuleID == "LW109" {
			got[f.Image] = true
		}
	}
	return got
}

// TestUnreferencedDockerfileGetsNoSpeedFindings: a Dockerfile of another
// name that nothing in the repository mentions is not built by it (kuard's
// single-stage counter-example): rules about speed and size leave it
// alone; the same file named by the Makefile is audited.
func TestUnreferencedDockerfileGetsNoSpeedFindings(t *testing.T) {
	df := "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"
	files := map[string]string{"Dockerfile.old": df, "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n", ".dockerignore": ".git\n"}
	count := func(res *Report) int {
		n := 0
		for _, f := range res.Findings {
			if r := rules.Get(f.RuleID); r != nil && (r.Category == rules.CatSpeed || r.Category == rules.CatCache || r.Category == rules.CatSize) {
				n++
			}
		}
		return n
	}
	if n := count(run(t, testfs.Tree(t, files), nil)); n != 0 {
		t.Errorf("unreferenced: %d speed findings", n)
	}
	files["Makefile"] = "image:\n\tdocker build -f Dockerfile.old .\n"
	if n := count(run(t, testfs.Tree(t, files), nil)); n == 0 {
		t.Errorf("referenced: no speed findings")
	}
}

// TestNoManifestNoDependencyStep: a GOPATH build sends no go.mod, so there
// is nothing to download before the sources (LW101 quiet); with a go.mod
// it is reported.
func TestNoManifestNoDependencyStep(t *testing.T) {
	df := "FROM golang:1.22\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -o /app .\n"
	for _, withMod := range []bool{false, true} {
		files := map[string]string{"Dockerfile": df, "main.go": "package main\n"}
		if withMod {
			files["go.mod"] = "module x\n\nrequire github.com/google/uuid v1.6.0\n"
		}
		res := run(t, testfs.Tree(t, files), nil)
		got := false
		for _, f := range res.Findings {
			got = got || f.RuleID == "LW101"
			// no go.mod sent: no module cache to keep either
			if f.RuleID == "LW102" && strings.Contains(f.Message, "/go/pkg/mod") != withMod {
				t.Errorf("go.mod %v: %s", withMod, f.Message)
			}
		}
		if got != withMod {
			t.Errorf("go.mod %v: LW101 %v", withMod, got)
		}
	}
}

// TestBuildKitFindingsThatCannotHold: BuildKit's linter, run offline,
// sees no base image's environment: a variable the base may set is not
// reported undefined unless the base's whole config is known; a GPG key's
// fingerprint is no secret.
func TestBuildKitFindingsThatCannotHold(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"dotnet/Dockerfile":  "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nUSER $APP_UID\n",
		"scratch/Dockerfile": "FROM scratch\nENV A=$NOPE\n",
		"gpg/Dockerfile":     "FROM debian:12\nENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D\nENV API_KEY=abc\n",
		"flags/Dockerfile":   "FROM debian:12\nENV APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE=1 \\\n    GOOGLE_API_KEY=no \\\n    GOOGLE_CLIENT_SECRET=s3cr3t\n",
		// an ARG's default is replaced by what --build-arg passes
		"argsecret/Dockerfile": "FROM debian:12\nARG NPM_TOKEN=\"\"\nRUN true\n",
		// review 30 (openremote): ENV from a variable no ARG sets is the
		// Dockerfile's own default; from an ARG, the build's secret
		"envdefault/Dockerfile": "FROM debian:12\nENV ADMIN_PASSWORD=${ADMIN_PASSWORD:-secret} \\\n    EMAIL_PASSWORD=${EMAIL_PASSWORD}\nARG DB_PASSWORD\nENV DB_PASSWORD=${DB_PASSWORD}\n",
		// review 32 (logto): a number of seconds under a key's name
		"quantity/Dockerfile": "FROM debian:12\nENV PRIVATE_KEY_ROTATION_GRACE_PERIOD=86400\nENV API_KEY=86400\n",
		// review 33 (openstatus, dittofeed): a dummy value, a mode's name
		"dummy/Dockerfile": "FROM debian:12\nENV AUTH_SECRET=\"test\" AUTH_MODE='single-tenant' AUTH_PROVIDERS='credentials,oidc' GITHUB_TOKEN=ghp_x9f8e7d6c5\n",
	})
	res := run(t, root, nil)
	got := map[string]int{}
	for _, f := range res.Findings {
		if strings.HasPrefix(f.RuleID, "buildkit/") {
			got[f.Image+" "+f.RuleID]++
		}
	}
	if got["dotnet buildkit/UndefinedVar"] != 0 || got["scratch buildkit/UndefinedVar"] != 1 {
		t.Errorf("UndefinedVar: %v", got)
	}
	if got["gpg buildkit/SecretsUsedInArgOrEnv"] != 1 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want API_KEY only)", got)
	}
	// a switch (=1, =no) keeps no secret; the real value beside them does
	if got["argsecret buildkit/SecretsUsedInArgOrEnv"] != 1 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want ARG NPM_TOKEN with its empty default)", got)
	}
	if got["envdefault buildkit/SecretsUsedInArgOrEnv"] != 2 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want ARG DB_PASSWORD and the ENV from it)", got)
	}
	if got["dummy buildkit/SecretsUsedInArgOrEnv"] != 1 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want GITHUB_TOKEN only)", got)
	}
	if got["quantity buildkit/SecretsUsedInArgOrEnv"] != 1 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want API_KEY only)", got)
	}
	if got["flags buildkit/SecretsUsedInArgOrEnv"] != 1 {
		t.Errorf("SecretsUsedInArgOrEnv: %v (want GOOGLE_CLIENT_SECRET only)", got)
	}
}

// TestKanikoConfigAboveTheContext: skaffold builds app/ with kaniko from a
// config one directory up: no cache mount is suggested there (kaniko's
// parser rejects RUN --mount); the same image without it gets one.
func TestKanikoConfigAboveTheContext(t *testing.T) {
	files := map[string]string{
		"svc/skaffold.yaml":    "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: app\n    context: ./app/\n    kaniko: {}\n",
		"svc/app/Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\n",
		"svc/app/package.json": "{}",
	}
	count := func(files map[string]string) int { return findingsOf(t, files, "LW102") }
	if n := count(files); n != 0 {
		t.Errorf("%d LW102 findings for a kaniko build", n)
	}
	delete(files, "svc/skaffold.yaml")
	if n := count(files); n != 1 {
		t.Errorf("%d LW102 findings without kaniko, want 1", n)
	}
}

// TestSkaffoldBuilderPerArtifact: each skaffold artifact's builder counts
// for its own context. skaffold's integration/testdata/debug config builds
// java with jib and go with the default local docker builder (the Engine
// API's classic builder): the go image gets no cache mount although the
// config mentions jib and buildpacks; a context no artifact names, or one
// built with useBuildkit, gets its mount.
func TestSkaffoldBuilderPerArtifact(t *testing.T) {
	config := "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n  - image: debug-java\n    context: java\n    jib:\n      args: [-q]\n  - image: debug-go\n    context: go\n%s\nprofiles:\n- name: buildpacks\n  build:\n    artifacts:\n    - image: debug-go\n      context: go\n      buildpacks: {}\n- name: minikube\n  build:\n    artifacts:\n    - image: hello\n      context: profiled\n"
	dockerfile := "FROM golang:1.22 AS builder\nCOPY app.go go.mod ./\nRUN go build -o /app .\nFROM gcr.io/distroless/base\nCOPY --from=builder /app .\nCMD [\"/app\"]\n"
	count := func(files map[string]string) int { return findingsOf(t, files, "LW102") }
	for _, tc := range []struct {
		name, local, dir string
		want             int
	}{
		{"default docker builder", "", "go", 0},
		{"useBuildkit", "  local:\n    useBuildkit: true", "go", 1},
		{"a context no artifact names", "", "other", 1},
		// only a profile builds it, with the same default builder
		{"a profile's artifact", "", "profiled", 0},
		// ... which keeps the main build's useBuildkit (review)
		{"a profile's artifact, BuildKit in the main build", "  local:\n    useBuildkit: true", "profiled", 1},
	} {
		files := map[string]string{
			"debug/skaffold.yaml":             fmt.Sprintf(config, tc.local),
			"debug/" + tc.dir + "/Dockerfile": dockerfile,
			"debug/" + tc.dir + "/go.mod":     "module x\n",
			"debug/" + tc.dir + "/app.go":     "package main\n",
		}
		if n := count(files); n != tc.want {
			t.Errorf("%s: %d LW102 findings, want %d", tc.name, n, tc.want)
		}
	}
}

// TestCloudBuildSampleGetsNoMounts: a README beside the Dockerfile that
// builds it with `gcloud builds submit --tag` (GoogleCloudPlatform's
// samples): every build on a fresh worker with --no-cache, no mount can
// help there; with --config the build is the config's.
func TestCloudBuildSampleGetsNoMounts(t *testing.T) {
	dockerfile := "FROM golang:1.25 AS builder\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server\nFROM alpine:3\nRUN apk add --no-cache git\nCOPY --from=builder /app/server /server\nCMD [\"/server\"]\n"
	for readme, want := range map[string]int{
		"Build:\n\n    gcloud builds submit --tag gcr.io/[PROJECT]/app\n":                  0,
		"Build:\n\n    gcloud builds submit --config cloudbuild.yaml --tag gcr.io/p/app\n": 2,
		"Build:\n\n    docker build -t app .\n":                                            2,
		"Deploy:\n\n    gcloud run deploy app --source . --region us-central1\n":           0,
		// built locally too: the mount would still break the Cloud Build path
		"    docker build -t app .\n    gcloud builds submit --tag gcr.io/p/app\n": 0,
	} {
		files := map[string]string{"app/Dockerfile": dockerfile, "app/go.mod": "module x\n", "app/main.go": "package main\n", "app/README.md": readme}
		if n := findingsOf(t, files, "LW102"); n != want {
			t.Errorf("%q: %d LW102 findings, want %d", readme, n, want)
		}
	}
}

// TestCloudBuildOnlyBuildsOnce: review 21 (gofiber's gcloud recipes): a
// sample whose only build is its README's `gcloud builds submit --tag`
// runs each build on a fresh worker that imports no layer cache, so an
// order finding is information; a local build beside it keeps it a
// warning.
func TestCloudBuildOnlyBuildsOnce(t *testing.T) {
	dockerfile := "FROM golang:1.25 AS builder\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server\nFROM alpine:3\nCOPY --from=builder /app/server /server\nCMD [\"/server\"]\n"
	for readme, want := range map[string]rules.Severity{
		"Deploy:\n\n    gcloud builds submit --tag gcr.io/p/app .\n":                                 rules.Info,
		"Run locally:\n\n    docker build -t app .\n    gcloud builds submit --tag gcr.io/p/app .\n": rules.Warning,
	} {
		files := map[string]string{"app/Dockerfile": dockerfile, "app/go.mod": "module x\n\ngo 1.22\n\nrequire github.com/gofiber/fiber/v2 v2.52.0\n",
			"app/go.sum": "github.com/gofiber/fiber/v2 v2.52.0 h1:x\n", "app/main.go": "package main\n", "app/README.md": readme}
		res := run(t, testfs.Tree(t, files), nil)
		n := 0
		for _, f := range res.Findings {
			if f.RuleID == "LW101" {
				n++
				if f.Severity != want {
					t.Errorf("%q: LW101 %s, want %s", readme, f.Severity, want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%q: %d LW101 findings", readme, n)
		}
	}
}

// TestCloudBuildConfigAndRegionTag: a Cloud Build config beside the
// Dockerfile whose docker step builds without BuildKit (golang-samples'
// devflowapp build/cb-docker.yaml), and a Cloud Run sample's region tag,
// say the same as the README.
func TestCloudBuildConfigAndRegionTag(t *testing.T) {
	dockerfile := "FROM golang:1.25 AS builder\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server\nFROM alpine:3\nRUN apk add --no-cache git\nCOPY --from=builder /app/server /server\nCMD [\"/server\"]\n"
	count := func(files map[string]string) int { return findingsOf(t, files, "LW102") }
	base := func() map[string]string {
		return map[string]string{"app/Dockerfile": dockerfile, "app/go.mod": "module x\n", "app/main.go": "package main\n"}
	}
	files := base()
	files["app/build/cb-docker.yaml"] = "steps:\n- name: 'gcr.io/cloud-builders/docker'\n  args: [ 'build', '-t', 'gcr.io/$PROJECT_ID/app', '.' ]\n"
	if n := count(files); n != 0 {
		t.Errorf("cloud build config: %d LW102 findings", n)
	}
	files["app/build/cb-docker.yaml"] = "steps:\n- name: 'gcr.io/cloud-builders/docker'\n  env: ['DOCKER_BUILDKIT=1']\n  args: [ 'build', '-t', 'gcr.io/$PROJECT_ID/app', '.' ]\n"
	if n := count(files); n != 2 {
		t.Errorf("cloud build with BuildKit: %d LW102 findings, want 2", n)
	}
	// a config at the root names the image's directory, or not
	files = base()
	files["cloudbuild.yaml"] = "steps:\n- name: 'gcr.io/cloud-builders/docker'\n  args: ['build', '-t', 'gcr.io/$PROJECT_ID/app', 'app']\n"
	if n := count(files); n != 0 {
		t.Errorf("root config naming app: %d LW102 findings", n)
	}
	files["cloudbuild.yaml"] = "steps:\n- name: 'gcr.io/cloud-builders/docker'\n  args: ['build', '-t', 'gcr.io/$PROJECT_ID/web', 'web']\n"
	if n := count(files); n != 2 {
		t.Errorf("root config naming another image: %d LW102 findings, want 2", n)
	}
	// App Engine flexible with a custom runtime
	files = base()
	files["app/app.flexible.yaml"] = "runtime: custom\nenv: flex\n"
	if n := count(files); n != 0 {
		t.Errorf("app engine flexible: %d LW102 findings", n)
	}
	files["app/app.flexible.yaml"] = "runtime: go122\n"
	if n := count(files); n != 2 {
		t.Errorf("app engine standard: %d LW102 findings, want 2", n)
	}
	files = base()
	files["app/Dockerfile"] = "# [START cloudrun_helloworld_dockerfile]\n" + dockerfile + "# [END cloudrun_helloworld_dockerfile]\n"
	if n := count(files); n != 0 {
		t.Errorf("cloud run sample: %d LW102 findings", n)
	}
}

// TestOfficialLibraryGetsNoMounts: nextcloud/docker generates an official
// image's library file: its versions' Dockerfiles get no cache mount.
func TestOfficialLibraryGetsNoMounts(t *testing.T) {
	files := map[string]string{"34/apache/Dockerfile": "FROM php:8.5-apache\nRUN apt-get update && apt-get install -y rsync\nCMD [\"apache2-foreground\"]\n"}
	count := func() int { return findingsOf(t, files, "LW102") }
	if n := count(); n != 1 {
		t.Errorf("without the library script: %d LW102 findings, want 1", n)
	}
	files["generate-stackbrew-library.sh"] = "#!/bin/bash\n"
	if n := count(); n != 0 {
		t.Errorf("official image: %d LW102 findings", n)
	}
}

// TestSkaffoldRequiresPassesTheImage: an artifact's `requires: - image:
// image2` (no alias) passes the build arg image2 (skaffold's alias
// defaults to the image's name), so `ARG image2=` / `FROM $image2` has a
// value (skaffold's integration/testdata/modules; with no default at all
// the ARG is required by design and never reported).
func TestSkaffoldRequiresPassesTheImage(t *testing.T) {
	files := map[string]string{
		"app1/Dockerfile":    "ARG image2=\nFROM busybox:1.36 AS builder\nCOPY foo /foo\nFROM $image2\nCOPY --from=builder /foo /foo\nCMD [\"cat\", \"/foo\"]\n",
		"app1/foo":           "x",
		"app1/skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n  - image: image1\n    requires:\n    - image: image2\n  local:\n    useBuildkit: true\n",
	}
	count := func() int { return findingsOf(t, files, "buildkit/InvalidDefaultArgInFrom") }
	if n := count(); n != 0 {
		t.Errorf("%d InvalidDefaultArgInFrom findings for a required image", n)
	}
	delete(files, "app1/skaffold.yaml")
	if n := count(); n != 1 {
		t.Errorf("without skaffold: %d InvalidDefaultArgInFrom findings, want 1", n)
	}
}

// TestSecretsSentOtherwiseThanByCOPY: a RUN bind mount of the whole
// context and a COPY of a symlink into a secret directory send the
// secrets too (review findings): LW123 reports them.
func TestSecretsSentOtherwiseThanByCOPY(t *testing.T) {
	bind := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM python:3.12\nWORKDIR /app\nRUN --mount=type=bind,target=/src cp -r /src/. /app/\n",
		".env":       "API_KEY=k3y",
	})
	link := testfs.Tree(t, map[string]string{
		"Dockerfile":      "FROM debian:12\nCOPY conf ./conf\n",
		".secrets/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
	})
	if err := os.Symlink(".secrets", filepath.Join(link, "conf")); err != nil {
		t.Fatal(err)
	}
	for name, root := range map[string]string{"bind mount": bind, "symlink": link} {
		if n := ids(run(t, root, nil))["LW123"]; n == 0 {
			t.Errorf("%s: the secret is not reported", name)
		}
	}
}

// findingsOf counts the findings of one rule in the audit of a repository
// made of files.
func findingsOf(t *testing.T, files map[string]string, rule string) int {
	t.Helper()
	n := 0
	for _, f := range run(t, testfs.Tree(t, files), nil).Findings {
		if f.RuleID == rule {
			n++
		}
	}
	return n
}

// TestSecretPublishedByComposeIsNone: POSTGRES_PASSWORD=postgres in a
// Dockerfile that every compose file of the repository writes out too is
// no secret the image hides (reviews 17, 19); a value compose takes from
// the environment (${DB_PASSWORD}) publishes nothing, and the finding stays.
func TestSecretPublishedByComposeIsNone(t *testing.T) {
	for _, tc := range []struct {
		env, value string
		want       bool
	}{
		{"      POSTGRES_PASSWORD: postgres\n", "postgres", false},
		{"      POSTGRES_PASSWORD: ${DB_PASSWORD}\n", "postgres", true},
		// quoted in the Dockerfile (photoprism's dummy WebDAV server: review 23)
		{"      POSTGRES_PASSWORD: postgres\n", `"postgres"`, false},
	} {
		files := map[string]string{
			"compose.yaml":   "services:\n  api:\n    build: ./api\n  db:\n    image: postgres:16\n    environment:\n" + tc.env,
			"api/Dockerfile": "FROM eclipse-temurin:21-jre\nENV POSTGRES_PASSWORD=" + tc.value + "\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n",
		}
		res := run(t, testfs.Tree(t, files), nil)
		got := false
		for _, f := range res.Findings {
			got = got || f.RuleID == "buildkit/SecretsUsedInArgOrEnv"
		}
		if got != tc.want {
			t.Errorf("compose env %q: finding %v, want %v", tc.env, got, tc.want)
		}
	}
}

// A Dockerfile that INCLUDEs fragments through a custom frontend
// (devthefuture/dockerfile-x) gets its parse error alone: the rules would
// read a model without the spliced-in stages (review 26: `FROM runtime`
// taken for an untagged image).
func TestIncludeGetsTheParseErrorAlone(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"docker/app.dockerfile":  "# syntax = devthefuture/dockerfile-x\nINCLUDE docker/base.dockerfile\nFROM base AS final\nRUN apk add git\n",
		"docker/base.dockerfile": "FROM ruby:3.4-alpine AS base\n",
	})
	res := run(t, root, nil)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID)
	}
	if strings.Join(got, ",") != "LW000" {
		t.Errorf("findings: %q", got)
	}
}

// TestFixtureFindingsInform: review 29 (garden's hadolint fixtures): a
// Dockerfile under test/data is a test's input, wrong on purpose; its
// findings are information. The same file elsewhere warns.
func TestFixtureFindingsInform(t *testing.T) {
	df := "FROM debian:12\nMAINTAINER someone\nRUN apt-get update\nRUN apt-get install -y curl\n"
	for _, c := range []struct {
		path string
		warn bool
	}{{"core/test/data/hadolint/errAndWarn.Dockerfile", false}, {"pkg/testdata/Dockerfile", false}, {"app/Dockerfile", true}} {
		res := run(t, testfs.Tree(t, map[string]string{c.path: df}), nil)
		warned := false
		for _, f := range res.Findings {
			warned = warned || f.Severity == rules.Warning
		}
		if warned != c.warn || len(res.Findings) == 0 {
			t.Errorf("%s: warned %v, want %v (%d findings)", c.path, warned, c.warn, len(res.Findings))
		}
	}
}

// TestBuildKitStyleChecksInform: BuildKit's checks of how a Dockerfile is
// written (casing, `ENV key value`) are information; those that change
// what is built or exposed stay warnings (reviews 35, 36).
func TestBuildKitStyleChecksInform(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM busybox:1.36 as build\nENV MODE prod\nARG API_TOKEN\nRUN echo $API_TOKEN\n",
	})
	res := run(t, root, nil)
	sev := map[string]rules.Severity{}
	for _, f := range res.Findings {
		sev[f.RuleID] = f.Severity
	}
	for id, want := range map[string]rules.Severity{"buildkit/FromAsCasing": rules.Info, "buildkit/LegacyKeyValueFormat": rules.Info, "buildkit/SecretsUsedInArgOrEnv": rules.Warning} {
		if got, ok := sev[id]; !ok || got != want {
			t.Errorf("%s: %v (reported %v), want %v", id, got, ok, want)
		}
	}
}

// TestGuessedContextThatLacksASource: a context guessed from the
// Dockerfile's place that lacks what it copies is not the one it is built
// with (review 38: novu's ./meta): its warnings inform.
func TestGuessedContextThatLacksASource(t *testing.T) {
	files := map[string]string{
		"apps/api/Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY ./meta .\nCOPY . .\nRUN npm ci\n",
		"apps/api/package.json": `{"dependencies":{"a":"1"}}`,
		"apps/api/index.js":     "",
	}
	warnings := func() int {
		n := 0
		for _, f := range run(t, testfs.Tree(t, files), nil).Findings {
			if f.RuleID == "LW101" && f.Severity == rules.Warning {
				n++
			}
		}
		return n
	}
	if n := warnings(); n != 0 {
		t.Errorf("meta missing: %d LW101 warnings", n)
	}
	files["apps/api/meta/package.json"] = "{}"
	if n := warnings(); n == 0 {
		t.Errorf("meta there: no LW101 warning")
	}
}
