package render

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/trends"
)

// TrendsHTML writes the dashboard: one self-contained page (inline CSS and
// SVG, no script, nothing fetched), so that it can be a CI artifact or be
// served as a static file.
func TrendsHTML(w io.Writer, rep *trends.Report, title string, generated time.Time) error {
	return dashboard.Execute(w, struct {
		Title     string
		Report    *trends.Report
		Generated string
		Regressed []*trends.Summary
	}{title, rep, generated.UTC().Format("2006-01-02 15:04 UTC"), regressions(rep)})
}

func regressions(rep *trends.Report) []*trends.Summary {
	var out []*trends.Summary
	for _, s := range rep.Summaries {
		if s.Regressed() {
			out = append(out, s)
		}
	}
	return out
}

// sparkline draws the window's wall times as an SVG polyline, failed builds
// as red dots on the baseline.
func sparkline(points []trends.Point) template.HTML {
	const w, h = 160.0, 28.0
	if len(points) == 0 {
		return ""
	}
	maxWall := time.Duration(1)
	for _, p := range points {
		maxWall = max(maxWall, p.Wall)
	}
	x := func(i int) float64 {
		if len(points) == 1 {
			return w / 2
		}
		return 2 + float64(i)*(w-4)/float64(len(points)-1)
	}
	var line []string
	var dots strings.Builder
	for i, p := range points {
		y := h - 2 - (h-4)*float64(p.Wall)/float64(maxWall)
		if p.Failed {
			fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="2.5" class="fail"/>`, x(i), h-3)
			continue
		}
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(i), y))
	}
	svg := fmt.Sprintf(`<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="build times">`, w, h, w, h)
	if len(line) == 1 {
		svg += fmt.Sprintf(`<circle cx="%s" r="2" class="dot"/>`, strings.Replace(line[0], ",", `" cy="`, 1))
	} else if len(line) > 1 {
		svg += `<polyline class="line" points="` + strings.Join(line, " ") + `"/>`
	}
	return template.HTML(svg + dots.String() + `</svg>`) // numbers and fixed markup only
}

var dashboard = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"secs":  hsecs,
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"bytes": func(n int64) string { return units.Bytes(n) },
	"change": func(s *trends.Summary) template.HTML {
		if s.Previous == 0 || s.Median == 0 {
			return `<span class="muted">new</span>`
		}
		class := "same"
		switch {
		case s.Regressed():
			class = "worse"
		case s.Change < -0.1:
			class = "better"
		}
		return template.HTML(fmt.Sprintf(`<span class="%s">%+.0f%%</span>`, class, 100*s.Change))
	},
	"spark": sparkline,
	"date":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328}
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}
th,td{padding:.3em .8em;border-bottom:1px solid #d0d7de;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
.worse{color:#cf222e;font-weight:600}.better{color:#1a7f37}.muted,.same{color:#656d76}
.line{stroke:#0969da;stroke-width:1.5;fill:none}.dot{fill:#0969da}.fail{fill:#cf222e}
.cards{display:flex;gap:2em}.card b{display:block;font-size:1.5em}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="muted">Builds recorded from {{date .Report.From}} to {{date .Report.To}}, compared with the same length of time before. Generated {{.Generated}} by layerwise.</p>
<div class="cards">
<div class="card"><b>{{.Report.Builds}}</b>builds</div>
<div class="card"><b>{{.Report.Failures}}</b>failed</div>
<div class="card"><b>{{secs .Report.Total}}</b>spent building</div>
<div class="card"><b>{{len .Regressed}}</b>slower than before</div>
</div>
{{if .Regressed}}<h2>Slower than before</h2><ul>{{range .Regressed}}<li class="worse">{{.Image}} {{.Scenario}}: {{secs .Previous}} → {{secs .Median}} ({{change .}})</li>{{end}}</ul>{{end}}
<h2>Images</h2>
{{if not .Report.Summaries}}<p>No builds recorded in this window. Run <code>layerwise measure</code> or <code>layerwise build</code>.</p>{{else}}
<table>
<tr><th>image</th><th>scenario</th><th>builds</th><th>failed</th><th>median</th><th>before</th><th>change</th><th>last</th><th>cache hits</th><th>context</th><th>image size</th><th>build times</th></tr>
{{range .Report.Summaries}}<tr><td>{{.Image}}</td><td>{{.Scenario}}</td><td>{{.Builds}}</td><td>{{.Failures}}</td><td>{{secs .Median}}</td><td>{{secs .Previous}}</td><td>{{change .}}</td><td>{{secs .Last.Wall}}</td><td>{{pct .CacheHitRatio}}</td><td>{{bytes .ContextBytes}}</td><td>{{bytes .ImageSize}}</td><td>{{spark .Points}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))
