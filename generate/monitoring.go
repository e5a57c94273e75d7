// Package generate writes the files a team keeps in its repository for
// its builds: Prometheus recording and alerting rules and a Grafana
// dashboard over the metrics `layerwise report -o prometheus` exports.
// Every file is generated from the same metric names (trends.Metric*) and
// the same definition of "slower" the regression gate uses, so that the
// monitoring alerts on what the gate fails on.
package generate

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/layerwise/layerwise/trends"
	"gopkg.in/yaml.v3"
)

// MonitoringOptions tune the monitoring files.
type MonitoringOptions struct {
	// Threshold is how much slower than its baseline (the window before's
	// median) a build may get before the alert fires: 0.25 = 25 %.
	Threshold float64
	// For is how long the condition must hold (Prometheus duration).
	For string
	// MinSeconds: a slowdown below it is noise (the gate's 0.5 s).
	MinSeconds float64
	// FailureRatio: the share of failed builds in the window that alerts.
	FailureRatio float64
	// CacheHitFloor: a warm rebuild whose cache-hit ratio is below it
	// alerts (its steps stopped hitting the cache).
	CacheHitFloor float64
}

// DefaultMonitoring alerts where the regression gate fails: the one
// "slower" of layerwise (trends.SlowerRatio and SlowerAtLeast).
func DefaultMonitoring() MonitoringOptions {
	return MonitoringOptions{Threshold: trends.SlowerRatio, For: "15m", MinSeconds: trends.SlowerAtLeast.Seconds(), FailureRatio: 0.2, CacheHitFloor: 0.5}
}

// Recording rule names.
const (
	RecMedian    = "layerwise:build_duration_seconds:median"
	RecBaseline  = "layerwise:build_duration_seconds:baseline"
	RecSlowdown  = "layerwise:build_duration:slowdown_ratio"
	RecFailures  = "layerwise:builds:failure_ratio"
	RecCacheHits = "layerwise:build_cache_hit:ratio"
	RecImageSize = "layerwise:image_size_bytes"
)

// Alert names.
const (
	AlertSlower    = "LayerwiseBuildSlowerThanBaseline"
	AlertFailing   = "LayerwiseBuildsFailing"
	AlertCacheHits = "LayerwiseWarmBuildMissesCache"
)

type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name  string `yaml:"name"`
	Rules []rule `yaml:"rules"`
}

type rule struct {
	Record      string            `yaml:"record,omitempty"`
	Alert       string            `yaml:"alert,omitempty"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Rules is the Prometheus rules file (monitoring/build-metrics.yml).
func Rules(opt MonitoringOptions) ([]byte, error) {
	by := "max by (image, scenario) "
	f := ruleFile{Groups: []ruleGroup{
		{Name: "layerwise-recording", Rules: []rule{
			{Record: RecMedian, Expr: by + "(" + trends.MetricDuration + `{stat="median"})`},
			{Record: RecBaseline, Expr: by + "(" + trends.MetricDuration + `{stat="previous_median"})`},
			{Record: RecSlowdown, Expr: RecMedian + " / " + RecBaseline},
			{Record: RecFailures, Expr: "sum by (image, scenario) (" + trends.MetricBuilds + `{result="failed"}) / sum by (image, scenario) (` + trends.MetricBuilds + ")"},
			{Record: RecCacheHits, Expr: by + "(" + trends.MetricCacheHits + ")"},
			{Record: RecImageSize, Expr: by + "(" + trends.MetricImageSize + ")"},
		}},
		{Name: "layerwise-alerts", Rules: []rule{
			{Alert: AlertSlower, For: opt.For,
				Expr:   fmt.Sprintf("%s > %g and (%s - %s) > %g", RecSlowdown, 1+opt.Threshold, RecMedian, RecBaseline, opt.MinSeconds),
				Labels: map[string]string{"severity": "warning"},
				Annotations: map[string]string{
					"summary":     fmt.Sprintf("{{ $labels.image }} ({{ $labels.scenario }}) builds more than %.0f%% slower than its baseline", 100*opt.Threshold),
					"description": "The median build takes {{ $value | humanizePercentage }} of the previous window's median. `layerwise why PATH --image {{ $labels.image }}` says which step stopped hitting the cache, and why.",
				}},
			{Alert: AlertFailing, For: opt.For,
				Expr:   fmt.Sprintf("%s > %g", RecFailures, opt.FailureRatio),
				Labels: map[string]string{"severity": "warning"},
				Annotations: map[string]string{
					"summary":     "{{ $labels.image }} ({{ $labels.scenario }}): {{ $value | humanizePercentage }} of builds failed",
					"description": "`layerwise history PATH --image {{ $labels.image }}` lists the failed builds with their last log lines.",
				}},
			{Alert: AlertCacheHits, For: opt.For,
				Expr:   fmt.Sprintf(`%s{scenario="warm"} < %g`, RecCacheHits, opt.CacheHitFloor),
				Labels: map[string]string{"severity": "info"},
				Annotations: map[string]string{
					"summary":     "{{ $labels.image }}: a rebuild with nothing changed hits the cache for {{ $value | humanizePercentage }} of its steps",
					"description": "A warm rebuild should be served from the cache: an input changes on every build (LW107) or the cache is thrown away.",
				}},
		}},
	}}
	var b bytes.Buffer
	b.WriteString("# Generated by `layerwise generate monitoring`: recording and alerting rules over the\n# metrics `layerwise report -o prometheus` exports. Regenerate rather than edit.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DashboardSchemaVersion is the Grafana dashboard schema the JSON follows.
const DashboardSchemaVersion = 39

// Dashboard is a Grafana dashboard over the same metrics and rules
// (monitoring/grafana-dashboard.json), with an image and a scenario
// variable and the Prometheus data source as an input.
func Dashboard(opt MonitoringOptions) ([]byte, error) {
	ds := map[string]any{"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
	sel := `{image=~"$image", scenario=~"$scenario"}`
	id := 0
	panel := func(typ, title string, x, y, w, h int, unit string, targets ...map[string]any) map[string]any {
		id++
		for i, t := range targets {
			t["refId"] = string(rune('A' + i))
			t["datasource"] = ds
		}
		return map[string]any{"id": id, "type": typ, "title": title, "datasource": ds,
			"gridPos":     map[string]int{"x": x, "y": y, "w": w, "h": h},
			"fieldConfig": map[string]any{"defaults": map[string]any{"unit": unit}, "overrides": []any{}},
			"options":     map[string]any{}, "targets": targets}
	}
	target := func(expr, legend string) map[string]any {
		return map[string]any{"expr": expr, "legendFormat": legend}
	}
	thresholdPanel := panel("timeseries", fmt.Sprintf("Median build time against baseline (alert above +%.0f%%)", 100*opt.Threshold), 0, 0, 24, 9, "s",
		target(RecMedian+sel, "{{image}} {{scenario}}"),
		target(RecBaseline+sel, "{{image}} {{scenario}} baseline"),
		target(fmt.Sprintf("%s%s * %g", RecBaseline, sel, 1+opt.Threshold), "{{image}} {{scenario}} threshold"))
	panels := []map[string]any{
		thresholdPanel,
		panel("timeseries", "Slowdown against baseline", 0, 9, 12, 8, "percentunit", target(RecSlowdown+sel+" - 1", "{{image}} {{scenario}}")),
		panel("timeseries", "Cache-hit ratio", 12, 9, 12, 8, "percentunit", target(RecCacheHits+sel, "{{image}} {{scenario}}")),
		panel("timeseries", "Image size", 0, 17, 12, 8, "bytes", target(RecImageSize+sel, "{{image}} {{scenario}}")),
		panel("timeseries", "Failed builds", 12, 17, 12, 8, "percentunit", target(RecFailures+sel, "{{image}} {{scenario}}")),
		panel("stat", "Images slower than baseline", 0, 25, 8, 5, "none", target(fmt.Sprintf("count(%s%s > %g) or vector(0)", RecSlowdown, sel, 1+opt.Threshold), "")),
		panel("stat", "Time spent building (window)", 8, 25, 8, 5, "s", target("sum("+trends.MetricSpent+sel+")", "")),
		panel("stat", "Context bytes per build", 16, 25, 8, 5, "bytes", target("sum("+trends.MetricContext+sel+")", "")),
	}
	variable := func(name, label string) map[string]any {
		q := fmt.Sprintf("label_values(%s, %s)", trends.MetricDuration, label)
		return map[string]any{"name": name, "label": label, "type": "query", "datasource": ds, "query": q,
			"definition": q, "refresh": 2, "includeAll": true, "multi": true, "allValue": ".*",
			"current": map[string]any{"text": "All", "value": "$__all"}}
	}
	d := map[string]any{
		"__inputs": []any{map[string]any{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}},
		"title":    "Image builds (layerwise)", "uid": "layerwise-builds", "schemaVersion": DashboardSchemaVersion, "version": 1,
		"editable": true, "tags": []string{"layerwise", "docker", "builds"}, "timezone": "browser",
		"time":       map[string]string{"from": "now-30d", "to": "now"},
		"refresh":    "5m",
		"templating": map[string]any{"list": []any{variable("image", "image"), variable("scenario", "scenario")}},
		"annotations": map[string]any{"list": []any{map[string]any{"builtIn": 1, "datasource": map[string]string{"type": "grafana", "uid": "-- Grafana --"},
			"enable": true, "hide": true, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}}},
		"panels": panels,
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Exprs lists every PromQL expression the dashboard queries (its template
// variables' label_values queries aside), for validation.
func Exprs(dashboard []byte) ([]string, error) {
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashboard, &d); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, t.Expr)
		}
	}
	return out, nil
}
