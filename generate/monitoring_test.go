package generate

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// promtool is Debian's prometheus package's checker; CI installs it
// (make engine), elsewhere the tests that need it skip.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (make engine installs Debian's prometheus package)")
		}
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	return p
}

func runPromtool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRulesPassPromtoolCheck(t *testing.T) {
	dir := t.TempDir()
	rules, err := Rules(DefaultMonitoring())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "build-metrics.yml"), rules, 0o644)
	if out := runPromtool(t, dir, "check", "rules", "build-metrics.yml"); !strings.Contains(out, "SUCCESS: 9 rules found") {
		t.Errorf("promtool check rules:\n%s", out)
	}
}

// promtool test rules feeds the metrics of `report -o prometheus`: web got
// 40 % slower than its baseline (the alert fires, after its 15 minutes),
// api 5 % (it does not), tiny 100 % but by 0.3 s, under the gate's noise
// floor (it does not); worker fails half its builds; storefront's warm
// rebuild misses the cache. The same test must fail with a 50 % threshold.
func TestRulesUnitTests(t *testing.T) {
	dir := t.TempDir()
	rules, err := Rules(DefaultMonitoring())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "build-metrics.yml"), rules, 0o644)
	series := func(image, scenario, stat string, v float64) string {
		return fmt.Sprintf("      - series: 'layerwise_build_duration_seconds{image=%q,scenario=%q,stat=%q}'\n        values: '%gx30'\n", image, scenario, stat, v)
	}
	var in strings.Builder
	in.WriteString(series("web", "cold", "median", 14) + series("web", "cold", "previous_median", 10))
	in.WriteString(series("api", "cold", "median", 10.5) + series("api", "cold", "previous_median", 10))
	in.WriteString(series("tiny", "warm", "median", 0.6) + series("tiny", "warm", "previous_median", 0.3)) // +100 % but 0.3 s: noise
	in.WriteString("      - series: 'layerwise_builds{image=\"worker\",scenario=\"cold\",result=\"failed\"}'\n        values: '3x30'\n")
	in.WriteString("      - series: 'layerwise_builds{image=\"worker\",scenario=\"cold\",result=\"ok\"}'\n        values: '3x30'\n")
	in.WriteString("      - series: 'layerwise_builds{image=\"web\",scenario=\"cold\",result=\"failed\"}'\n        values: '0x30'\n")
	in.WriteString("      - series: 'layerwise_builds{image=\"web\",scenario=\"cold\",result=\"ok\"}'\n        values: '9x30'\n")
	in.WriteString("      - series: 'layerwise_build_cache_hit_ratio{image=\"storefront\",scenario=\"warm\"}'\n        values: '0.2x30'\n")
	in.WriteString("      - series: 'layerwise_build_cache_hit_ratio{image=\"web\",scenario=\"warm\"}'\n        values: '1x30'\n")
	test := `rule_files: [build-metrics.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
` + in.String() + `    promql_expr_test:
      - expr: layerwise:build_duration:slowdown_ratio{image="web"}
        eval_time: 5m
        exp_samples:
          - labels: 'layerwise:build_duration:slowdown_ratio{image="web",scenario="cold"}'
            value: 1.4
    alert_rule_test:
      - eval_time: 10m
        alertname: LayerwiseBuildSlowerThanBaseline
        exp_alerts: []
      - eval_time: 20m
        alertname: LayerwiseBuildSlowerThanBaseline
        exp_alerts:
          - exp_labels: {severity: warning, image: web, scenario: cold}
            exp_annotations:
              summary: "web (cold) builds more than 25% slower than its baseline"
              description: "The median build takes 140% of the previous window's median. ` + "`layerwise why PATH --image web`" + ` says which step stopped hitting the cache, and why."
      - eval_time: 20m
        alertname: LayerwiseBuildsFailing
        exp_alerts:
          - exp_labels: {severity: warning, image: worker, scenario: cold}
            exp_annotations:
              summary: "worker (cold): 50% of builds failed"
              description: "` + "`layerwise history PATH --image worker`" + ` lists the failed builds with their last log lines."
      - eval_time: 20m
        alertname: LayerwiseWarmBuildMissesCache
        exp_alerts:
          - exp_labels: {severity: info, image: storefront, scenario: warm}
            exp_annotations:
              summary: "storefront: a rebuild with nothing changed hits the cache for 20% of its steps"
              description: "A warm rebuild should be served from the cache: an input changes on every build (LW107) or the cache is thrown away."
`
	os.WriteFile(filepath.Join(dir, "build-metrics.test.yml"), []byte(test), 0o644)
	if out := runPromtool(t, dir, "test", "rules", "build-metrics.test.yml"); !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
	// the same test fails against rules with a 50 % threshold: it can fail
	strict := DefaultMonitoring()
	strict.Threshold = 0.5
	rules, _ = Rules(strict)
	os.WriteFile(filepath.Join(dir, "build-metrics.yml"), rules, 0o644)
	cmd := exec.Command(promtool(t), "test", "rules", "build-metrics.test.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("a 50%% threshold still fires on a 40%% slowdown:\n%s", out)
	}
}

// The Grafana dashboard has what its schema version requires of a
// dashboard and of each panel, and every query parses as PromQL (promtool
// checks them as recording rules).
func TestDashboard(t *testing.T) {
	data, err := Dashboard(DefaultMonitoring())
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"title", "uid", "schemaVersion", "panels", "templating", "time", "version", "annotations"} {
		if _, ok := d[k]; !ok {
			t.Errorf("dashboard lacks %q", k)
		}
	}
	if v, _ := d["schemaVersion"].(float64); int(v) != DashboardSchemaVersion {
		t.Errorf("schemaVersion %v", d["schemaVersion"])
	}
	ids := map[float64]bool{}
	for _, raw := range d["panels"].([]any) {
		p := raw.(map[string]any)
		for _, k := range []string{"id", "type", "title", "gridPos", "datasource", "targets"} {
			if _, ok := p[k]; !ok {
				t.Errorf("panel %v lacks %q", p["title"], k)
			}
		}
		if id := p["id"].(float64); ids[id] {
			t.Errorf("duplicate panel id %v", id)
		} else {
			ids[id] = true
		}
		g := p["gridPos"].(map[string]any)
		if g["w"].(float64) <= 0 || g["h"].(float64) <= 0 || g["x"].(float64)+g["w"].(float64) > 24 {
			t.Errorf("panel %v gridPos %v", p["title"], g)
		}
		for _, tr := range p["targets"].([]any) {
			if tm := tr.(map[string]any); tm["refId"] == "" || tm["expr"] == "" {
				t.Errorf("panel %v target %v", p["title"], tm)
			}
		}
	}
	exprs, err := Exprs(data)
	if err != nil || len(exprs) < 8 {
		t.Fatalf("%d exprs, %v", len(exprs), err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		e = strings.NewReplacer("$image", ".*", "$scenario", ".*").Replace(e)
		fmt.Fprintf(&rules, "      - record: dashboard:q%d\n        expr: %q\n", i, e)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "q.yml"), []byte(rules.String()), 0o644)
	runPromtool(t, dir, "check", "rules", "q.yml")
}

// The examples carry the generated files, up to date.
func TestExamplesCarryThem(t *testing.T) {
	rules, _ := Rules(DefaultMonitoring())
	dash, _ := Dashboard(DefaultMonitoring())
	for name, want := range map[string][]byte{"build-metrics.yml": rules, "grafana-dashboard.json": dash} {
		got, err := os.ReadFile(filepath.Join("..", "examples", "monitoring", name))
		if err != nil || string(got) != string(want) {
			t.Errorf("examples/monitoring/%s is missing or stale: run layerwise generate monitoring examples (%v)", name, err)
		}
	}
}
