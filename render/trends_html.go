package render

import (
	"fmt"
	"html/template"
	"io"
	"path"
	"strings"
	"time"

	"github.com/layerwise/layerwise/internal/units"
	"github.com/layerwise/layerwise/trends"
)

// HTMLOptions tune the dashboard.
type HTMLOptions struct {
	Title     string
	Generated time.Time
	// LinkBase is prepended to a Dockerfile's repository path to link an
	// image to its Dockerfile lines (a "https://…/blob/main/" URL, or a
	// relative path from where the page is kept to the repository root);
	// lines are linked as PATH#L9. Empty: paths relative to the page.
	LinkBase string
}

// TrendsHTML writes the dashboard a team opens every morning: one
// self-contained page (inline CSS, SVG and a few lines of script to sort
// tables; nothing fetched), so that it can be a CI artifact or be served
// as a static file. Per image: the latest build's steps as a waterfall
// against the build before it (cached steps marked), why the steps that
// re-ran did, and the steps that cost the most over the window; trends on
// a time axis with the baseline and the regression threshold drawn; the
// builds per builder and per branch. Every name from the repository or
// the history is escaped by html/template or by the SVG builders here.
func TrendsHTML(w io.Writer, rep *trends.Report, opt HTMLOptions) error {
	if opt.Generated.IsZero() {
		opt.Generated = time.Now()
	}
	return dashboard.Execute(w, struct {
		Title     string
		Report    *trends.Report
		Generated string
		Regressed []*trends.Summary
		Threshold string
		Link      func(file string, line int) string
	}{opt.Title, rep, opt.Generated.UTC().Format("2006-01-02 15:04 UTC"), regressions(rep),
		fmt.Sprintf("%+.0f%%", 100*trends.SlowerRatio), func(file string, line int) string { return dockerfileLink(opt.LinkBase, file, line) }})
}

func dockerfileLink(base, file string, line int) string {
	if file == "" {
		return ""
	}
	// a repository path is relative: "./" keeps a name like
	// "javascript:…" from being read as a scheme
	u := base + file
	if base == "" {
		u = "./" + strings.TrimPrefix(path.Clean("/"+file), "/")
	}
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
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

// trendChart draws an image × scenario's builds on the window's time axis
// (dates under it, seconds beside it), with the window before's median as
// the baseline and the regression threshold above it dashed.
func trendChart(s *trends.Summary, from, to time.Time) template.HTML {
	const w, h, left, bottom, top = 360.0, 110.0, 44.0, 18.0, 6.0
	span := to.Sub(from)
	if span <= 0 || len(s.Points) == 0 {
		return ""
	}
	threshold := time.Duration(float64(s.Previous) * (1 + trends.SlowerRatio))
	maxWall := max(threshold, time.Second)
	for _, p := range s.Points {
		maxWall = max(maxWall, p.Wall)
	}
	x := func(t time.Time) float64 { return left + (w-left-4)*float64(t.Sub(from))/float64(span) }
	y := func(d time.Duration) float64 { return top + (h-top-bottom)*(1-float64(d)/float64(maxWall)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="build times over the window">`, w, h, w, h)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, h-bottom, w-4, h-bottom)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, top, left, h-bottom)
	for i := 0; i <= 3; i++ {
		t := from.Add(time.Duration(float64(span) * float64(i) / 3))
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == 3 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x(t), h-4, anchor, t.UTC().Format("Jan 2"))
	}
	fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-4, top+8, template.HTMLEscapeString(units.Seconds(maxWall, 0)))
	fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">0 s</text>`, left-4, h-bottom)
	if s.Previous > 0 {
		fmt.Fprintf(&b, `<line class="baseline" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"><title>median of the window before: %s</title></line>`,
			left, y(s.Previous), w-4, y(s.Previous), units.Seconds(s.Previous, 2))
		fmt.Fprintf(&b, `<line class="threshold" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"><title>regression threshold: %s</title></line>`,
			left, y(threshold), w-4, y(threshold), units.Seconds(threshold, 2))
		fmt.Fprintf(&b, `<text class="tick threshold-label" x="%.1f" y="%.1f" text-anchor="end">threshold</text>`, w-6, y(threshold)-3)
	}
	var pts []string
	for _, p := range s.Points {
		if p.Failed {
			fmt.Fprintf(&b, `<circle class="fail" cx="%.1f" cy="%.1f" r="3"><title>failed %s</title></circle>`, x(p.At), h-bottom, p.At.UTC().Format("2006-01-02 15:04"))
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.At), y(p.Wall)))
		fmt.Fprintf(&b, `<circle class="dot" cx="%.1f" cy="%.1f" r="2.5"><title>%s: %s</title></circle>`, x(p.At), y(p.Wall), p.At.UTC().Format("2006-01-02 15:04"), units.Seconds(p.Wall, 2))
	}
	if len(pts) > 1 {
		b.WriteString(`<polyline class="line" points="` + strings.Join(pts, " ") + `"/>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers, dates and fixed markup only
}

// waterfall draws a build's Dockerfile steps as bars on one time scale
// (scale: the longer of the two builds shown), one bar per step, cached
// steps hatched. Step texts come from the user's Dockerfile: escaped.
func waterfall(v *trends.BuildView, scale time.Duration, which string, link func(string, int) string, file string) template.HTML {
	if v == nil {
		return ""
	}
	scale = max(scale, time.Millisecond)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="wf" data-build="%d" data-which="%s">`, v.ID, which)
	for _, s := range v.Steps {
		left := 100 * float64(s.Offset) / float64(scale)
		width := max(100*float64(s.Duration)/float64(scale), 0.4)
		class := "bar ran"
		state := "ran"
		if s.Cached {
			class, state = "bar cached", "cached"
		}
		label := template.HTMLEscapeString(s.Text)
		if s.Line > 0 {
			if href := link(file, s.Line); href != "" {
				label = fmt.Sprintf(`<a href="%s">%s</a>`, template.HTMLEscapeString(href), label)
			}
		}
		fmt.Fprintf(&b, `<div class="wfrow"><span class="wflabel" title="%s">%s</span><span class="track"><span class="%s" style="left:%.2f%%;width:%.2f%%" title="%s"></span></span><span class="wfsecs">%s %s</span></div>`,
			template.HTMLEscapeString(s.Stage+": "+s.Text), label, class, min(left, 99.6), min(width, 100-min(left, 99.6)),
			template.HTMLEscapeString(s.Text), units.Seconds(s.Duration, 2), state)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

var dashboard = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"secs":  hsecs,
	"ns":    func(d time.Duration) int64 { return int64(d) },
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
		case s.Faster():
			class = "better"
		}
		return template.HTML(fmt.Sprintf(`<span class="%s">%+.0f%%</span>`, class, 100*s.Change))
	},
	"spark": sparkline,
	"trend": trendChart,
	"waterfall": func(v *trends.ImageView, b *trends.BuildView, which string, link func(string, int) string) template.HTML {
		scale := v.Latest.Wall
		if v.Baseline != nil {
			scale = max(scale, v.Baseline.Wall)
		}
		for _, bv := range []*trends.BuildView{v.Latest, v.Baseline} {
			if bv == nil {
				continue
			}
			for _, s := range bv.Steps {
				scale = max(scale, s.Offset+s.Duration)
			}
		}
		return waterfall(b, scale, which, link, v.Dockerfile)
	},
	"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}h3{font-size:1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:1em 0}
th,td{padding:.3em .8em;border-bottom:1px solid #d0d7de;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
table.sortable th{cursor:pointer;user-select:none}table.sortable th[data-dir=asc]::after{content:" ▲"}table.sortable th[data-dir=desc]::after{content:" ▼"}
.worse{color:#cf222e;font-weight:600}.better{color:#1a7f37}.muted,.same{color:#656d76}
.line{stroke:#0969da;stroke-width:1.5;fill:none}.dot{fill:#0969da}.fail{fill:#cf222e}
.axis{stroke:#8c959f}.tick{font-size:10px;fill:#656d76}.baseline{stroke:#1a7f37;stroke-dasharray:2 2}.threshold{stroke:#cf222e;stroke-dasharray:5 3}
.cards{display:flex;gap:2em}.card b{display:block;font-size:1.5em}
.image{border:1px solid #d0d7de;border-radius:6px;padding:.2em 1em 1em;margin:1.2em 0}
.wf{margin:.3em 0 .8em}.wfrow{display:flex;align-items:center;gap:.6em;height:1.4em}
.wflabel{flex:0 0 22em;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;font:12px ui-monospace,monospace}
.track{position:relative;flex:1 1 auto;height:.9em;background:#f6f8fa}
.bar{position:absolute;top:0;bottom:0;border-radius:2px}.bar.ran{background:#0969da}
.bar.cached{background:repeating-linear-gradient(45deg,#afb8c1 0 3px,#eaeef2 3px 6px)}
.wfsecs{flex:0 0 9em;font-size:12px;color:#656d76}
.why li{margin:.2em 0}.fix{color:#1a7f37}
.trends{display:flex;flex-wrap:wrap;gap:1.5em}.trends figure{margin:0}.trends figcaption{font-size:12px;color:#656d76}
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
<table class="sortable" id="summary">
<thead><tr><th>image</th><th>scenario</th><th>builds</th><th>failed</th><th>median</th><th>before</th><th>change</th><th>last</th><th>cache hits</th><th>context</th><th>image size</th><th>build times</th></tr></thead>
<tbody>{{range .Report.Summaries}}<tr><td>{{.Image}}</td><td>{{.Scenario}}</td><td>{{.Builds}}</td><td>{{.Failures}}</td><td data-v="{{ns .Median}}">{{secs .Median}}</td><td data-v="{{ns .Previous}}">{{secs .Previous}}</td><td data-v="{{.Change}}">{{change .}}</td><td data-v="{{ns .Last.Wall}}">{{secs .Last.Wall}}</td><td data-v="{{.CacheHitRatio}}">{{pct .CacheHitRatio}}</td><td data-v="{{.ContextBytes}}">{{bytes .ContextBytes}}</td><td data-v="{{.ImageSize}}">{{bytes .ImageSize}}</td><td>{{spark .Points}}</td></tr>
{{end}}</tbody></table>
<h2>Trends</h2>
<p class="muted">Each build on the window's time axis; green dashed: the median of the window before; red dashed: the regression threshold ({{.Threshold}}).</p>
<div class="trends">{{$r := .Report}}{{range .Report.Summaries}}<figure>{{trend . $r.From $r.To}}<figcaption>{{.Image}} · {{.Scenario}}</figcaption></figure>{{end}}</div>
{{end}}
{{$link := .Link}}{{range .Report.Images}}
<section class="image" data-image="{{.Image}}">
<h3>{{.Image}}{{with .Dockerfile}} · <a href="{{call $link . 0}}">{{.}}</a>{{end}}</h3>
<p class="muted">Latest build #{{.Latest.ID}} ({{.Latest.Scenario}}, {{when .Latest.At}}, {{secs .Latest.Wall}}){{with .Baseline}} against #{{.ID}} ({{when .At}}, {{secs .Wall}}){{end}}. Blue: ran; hatched: cached.</p>
<div class="waterfall latest">{{waterfall . .Latest "latest" $link}}</div>
{{if .Baseline}}<p class="muted">The build before:</p><div class="waterfall baseline">{{waterfall . .Baseline "baseline" $link}}</div>{{end}}
{{if .Why}}<h3>Why steps re-ran</h3><ul class="why">{{range .Why}}<li><code>{{.Step}}</code>{{if .Line}} (line {{.Line}}){{end}}: {{.Reason}} — {{printf "%.2f" .Seconds}} s, {{printf "%.2f" .Cost}} s with the later re-runs{{with .Fix}}<br><span class="fix">fix: {{.}}</span>{{end}}</li>{{end}}</ul>{{else if .WhyNote}}<p class="muted">{{.WhyNote}}</p>{{end}}
{{if .TopSteps}}<h3>Steps that cost the most over the window</h3>
<table class="sortable"><thead><tr><th>step</th><th>stage</th><th>runs</th><th>total</th></tr></thead><tbody>
{{range .TopSteps}}<tr><td><code>{{.Text}}</code></td><td>{{.Stage}}</td><td>{{.Runs}}</td><td data-v="{{ns .Total}}">{{secs .Total}}</td></tr>{{end}}
</tbody></table>{{end}}
</section>{{end}}
{{if .Report.ByBuilder}}<h2>Builds by builder and branch</h2>
<table class="sortable"><thead><tr><th>builder</th><th>builds</th><th>failed</th><th>median</th></tr></thead><tbody>
{{range .Report.ByBuilder}}<tr><td>{{.Name}}</td><td>{{.Builds}}</td><td>{{.Failures}}</td><td data-v="{{ns .Median}}">{{secs .Median}}</td></tr>{{end}}
</tbody></table>
<table class="sortable"><thead><tr><th>branch</th><th>builds</th><th>failed</th><th>median</th></tr></thead><tbody>
{{range .Report.ByBranch}}<tr><td>{{.Name}}</td><td>{{.Builds}}</td><td>{{.Failures}}</td><td data-v="{{ns .Median}}">{{secs .Median}}</td></tr>{{end}}
</tbody></table>{{end}}
<script>
// sort a table by the column clicked (numbers by data-v, text otherwise)
for (const th of document.querySelectorAll("table.sortable th")) {
  th.addEventListener("click", () => {
    const table = th.closest("table"), body = table.tBodies[0], i = th.cellIndex;
    const asc = th.dataset.dir !== "asc";
    for (const h of table.querySelectorAll("th")) delete h.dataset.dir;
    th.dataset.dir = asc ? "asc" : "desc";
    const key = (row) => { const c = row.cells[i]; return c.dataset.v !== undefined ? parseFloat(c.dataset.v) : c.textContent.trim(); };
    const rows = Array.from(body.rows).sort((a, b) => {
      const x = key(a), y = key(b);
      const d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return asc ? d : -d;
    });
    for (const r of rows) body.appendChild(r);
  });
}
</script>
</body></html>
`))
