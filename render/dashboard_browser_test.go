package render

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/stepinputs"
	"github.com/layerwise/layerwise/trends"
)

const hostile = `<img src=x onerror=alert(1)>`

// dashboardHistory records a week of builds of three images the way
// measure and build record them (steps with their times, the steps'
// inputs): storefront got slower after a README and a source file changed
// under a broad COPY, orders stayed put, and an image with a hostile name
// built once and failed once.
func dashboardHistory(t *testing.T, from time.Time) *history.Store {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Dockerfile": "FROM node:20 AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
		"package.json": "{}", "package-lock.json": "{}", "src/main.ts": "v1", "README.md": "# storefront"}
	for p, c := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	model, err := dockerfile.Parse("Dockerfile", []byte(files["Dockerfile"]), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := stepinputs.NewHasher()
	type step struct {
		key  string
		secs float64
	}
	record := func(at time.Time, image, scenario, branch, builder string, steps []step, ran map[string]bool, fail bool) {
		var es []engine.Step
		cur := at
		var wall time.Duration
		for _, st := range steps {
			e := engine.StepOf(st.key)
			d := time.Duration(st.secs * float64(time.Second))
			e.Cached = !ran[string(e.Key)]
			if e.Cached {
				d = 30 * time.Millisecond
			}
			e.Start, e.End, e.Duration = cur, cur.Add(d), d
			cur = e.End
			wall += d
			es = append(es, e)
		}
		b := &history.Build{StartedAt: at, Image: image, Scenario: scenario, Dockerfile: image + "/Dockerfile",
			Git: history.Git{Branch: branch, Commit: fmt.Sprintf("%x", at.Unix())}, Builder: engine.Info{Backend: "buildx", Builder: builder},
			Result: engine.Result{Wall: wall + 400*time.Millisecond, Steps: es, CacheHitRatio: 0.5, ImageSize: 60 << 20, ContextBytes: 2 << 20}}
		if fail {
			b.Result.Err = "RUN npm run build: exit code 2"
		}
		if image == "storefront" {
			in, err := stepinputs.OfDir(context.Background(), model, nil, dir, filepath.Join(dir, "Dockerfile"), h, func(string) string { return "sha256:1111" })
			if err != nil {
				t.Fatal(err)
			}
			b.Inputs = in
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	web := []step{{"[build 2/6] WORKDIR /app", 0.1}, {"[build 3/6] COPY package.json package-lock.json ./", 0.2}, {"[build 4/6] RUN npm ci", 21},
		{"[build 5/6] COPY . .", 0.4}, {"[build 6/6] RUN npm run build", 9}, {"[stage-1 2/2] COPY --from=build /app/dist /usr/share/nginx/html", 0.2}}
	srcChange := map[string]bool{"build#5 COPY . .": true, "build#6 RUN npm run build": true, "stage-1#2 COPY --from=build /app/dist /usr/share/nginx/html": true}
	orders := []step{{"[build 2/5] COPY go.mod go.sum ./", 0.1}, {"[build 3/5] RUN go mod download", 14}, {"[build 4/5] COPY . .", 0.3},
		{"[build 5/5] RUN go build -o /orders ./cmd/orders", 6}, {"[stage-1 2/2] COPY --from=build /orders /orders", 0.1}}
	ordersSrc := map[string]bool{"build#4 COPY . .": true, "build#5 RUN go build -o /orders ./cmd/orders": true, "stage-1#2 COPY --from=build /orders /orders": true}
	for d := -6; d < 7; d++ {
		at := from.Add(time.Duration(d)*24*time.Hour + 9*time.Hour)
		slow := 1.0
		if d >= 4 {
			slow = 1.6 // storefront's build got slower this week
			web[4].secs = 9 * slow
		}
		builder := "ci-1"
		if d%2 == 0 {
			builder = "ci-2"
		}
		record(at, "storefront", "source-change", "main", builder, web, srcChange, false)
		record(at.Add(30*time.Minute), "storefront", "build", "main", builder, web, nil, false) // all cached
		record(at.Add(time.Hour), "orders", "source-change", "main", builder, orders, ordersSrc, false)
	}
	// the last storefront build: a source file and the README changed
	os.WriteFile(filepath.Join(dir, "src/main.ts"), []byte("v2"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# storefront, documented"), 0o644)
	record(from.Add(6*24*time.Hour+15*time.Hour), "storefront", "build", "feature/cart", "ci-1", web, srcChange, false)
	record(from.Add(5*24*time.Hour), hostile, "cold", "main", "ci-1", orders, map[string]bool{"build#3 RUN go mod download": true}, false)
	record(from.Add(5*24*time.Hour+time.Hour), hostile, "cold", "main", "ci-1", orders, nil, true)
	return s
}

// TestDashboardInChromium renders the dashboard from a recorded history
// and opens it in a real headless Chromium (Debian's chromium, driven by
// chromedp): no console error, one waterfall bar per step of the latest
// build, the hostile image name shown as text and never run, the tables
// sort by the column clicked, and a screenshot (go test ./render -run
// Chromium -update keeps it as docs/dashboard.png).
func TestDashboardInChromium(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (make engine installs it)")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	store := dashboardHistory(t, from)
	rep, err := trends.Load(context.Background(), store, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := TrendsHTML(&page, rep, HTMLOptions{Title: "Image builds", Generated: to, LinkBase: "https://git.example.com/shop/blob/main/"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	latestSteps := 0
	for _, v := range rep.Images {
		if v.Image == "storefront" {
			latestSteps = len(v.Latest.Steps)
			if len(v.Why) == 0 || v.Why[0].Kind != "files" {
				t.Errorf("storefront's latest build is not explained by its files: %+v %q", v.Why, v.WhyNote)
			}
		}
	}
	if latestSteps != 6 {
		t.Fatalf("storefront's latest build has %d steps", latestSteps)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("no-proxy-server", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	report := func(p string) {
		mu.Lock()
		problems = append(problems, p)
		mu.Unlock()
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			report("exception: " + e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				report("console.error")
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				report("log: " + e.Entry.Text + " " + e.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	count := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	strs := func(expr string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	bars := count(`document.querySelectorAll('section[data-image="storefront"] .waterfall.latest .bar').length`)
	ranBars := count(`document.querySelectorAll('section[data-image="storefront"] .waterfall.latest .bar.ran').length`)
	imgs := count(`document.querySelectorAll("img").length`)
	hostileSections := count(`Array.from(document.querySelectorAll("section.image")).filter(s => s.dataset.image === ` + "`" + hostile + "`" + `).length`)
	hostileText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#summary tbody").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	rowsOf := `Array.from(document.querySelectorAll("#summary tbody tr")).map(r => r.cells[0].textContent + " " + r.cells[4].textContent)`
	before := strs(rowsOf)
	if err := chromedp.Do(ctx, chromedp.Click(`#summary th:nth-child(5)`)); err != nil {
		t.Fatal(err)
	}
	after := strs(rowsOf)
	medians, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("#summary tbody tr")).map(r => parseFloat(r.cells[4].dataset.v))`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged errors: %v", problems)
	}
	if bars != latestSteps || ranBars != 3 {
		t.Errorf("waterfall: %d bars (%d ran), want %d (3 ran)", bars, ranBars, latestSteps)
	}
	if imgs != 0 || hostileSections != 1 || !strings.Contains(hostileText, hostile) {
		t.Errorf("hostile name: %d img elements, %d sections, text %q", imgs, hostileSections, hostileText)
	}
	if len(before) != 4 || strings.Join(before, "|") == strings.Join(after, "|") {
		t.Errorf("sorting by median did not reorder the rows: %v -> %v", before, after)
	}
	if !sort.Float64sAreSorted(medians) {
		t.Errorf("not ascending by median after the click: %v", medians)
	}
	if len(shot) < 10000 || !bytes.HasPrefix(shot, []byte{0xff, 0xd8}) && !bytes.HasPrefix(shot, []byte("\x89PNG")) {
		t.Errorf("screenshot of %d bytes", len(shot))
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "docs", "dashboard.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
