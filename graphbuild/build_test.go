package graphbuild

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// recordingBuilder stands in for a builder in the scheduler's unit tests
// (the integration tests run real ones): each build takes a little while,
// and it records when builds start and end and how many overlap.
type recordingBuilder struct {
	name string
	fail map[string]bool // tags whose build fails

	mu         sync.Mutex
	start, end map[string]time.Time
	builtOn    map[string]string
	// shared by the builders of a test: how many builds run at once
	sharedMu                        *sync.Mutex
	sharedRunning, sharedMaxRunning *int
}

func newRecording(name string, shared *sync.Mutex, running, max *int) *recordingBuilder {
	return &recordingBuilder{name: name, fail: map[string]bool{}, start: map[string]time.Time{}, end: map[string]time.Time{},
		builtOn: map[string]string{}, sharedMu: shared, sharedRunning: running, sharedMaxRunning: max}
}

func (b *recordingBuilder) Name() string { return "recording" }
func (b *recordingBuilder) Info(context.Context) (engine.Info, error) {
	return engine.Info{Backend: "recording", Builder: b.name}, nil
}
func (b *recordingBuilder) Build(ctx context.Context, req engine.Request) (*engine.Result, error) {
	b.sharedMu.Lock()
	*b.sharedRunning++
	*b.sharedMaxRunning = max(*b.sharedMaxRunning, *b.sharedRunning)
	b.sharedMu.Unlock()
	b.mu.Lock()
	b.start[req.Tag] = time.Now()
	b.builtOn[req.Tag] = b.name
	b.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	b.mu.Lock()
	b.end[req.Tag] = time.Now()
	b.mu.Unlock()
	b.sharedMu.Lock()
	*b.sharedRunning--
	b.sharedMu.Unlock()
	res := &engine.Result{Wall: 30 * time.Millisecond}
	if b.fail[req.Tag] {
		res.Err = "RUN exit 3: exit code: 3"
	}
	return res, nil
}

// graphRepo: base <- app1, base <- app2 (named context), lib <- tool,
// broken <- after <- last, and solo alone.
func graphRepo(t *testing.T) *discover.Repo {
	t.Helper()
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": `services:
  base: {image: "corp/base:1", build: ./base}
  app1: {build: ./app1}
  app2: {build: {context: ./app2, additional_contexts: {b: "service:base"}}}
  lib: {image: "corp/lib:1", build: ./lib}
  tool: {build: ./tool}
  broken: {image: "corp/broken:1", build: ./broken}
  after: {image: "corp/after:1", build: ./after}
  last: {build: ./last}
  solo: {build: ./solo}
`,
		"base/Dockerfile":   "FROM busybox:1.36\n",
		"app1/Dockerfile":   "FROM corp/base:1\n",
		"app2/Dockerfile":   "FROM busybox:1.36\nCOPY --from=b /x /x\n",
		"lib/Dockerfile":    "FROM busybox:1.36\n",
		"tool/Dockerfile":   "FROM busybox:1.36\nCOPY --from=corp/lib:1 /x /x\n",
		"broken/Dockerfile": "FROM busybox:1.36\n",
		"after/Dockerfile":  "FROM corp/broken:1\n",
		"last/Dockerfile":   "FROM corp/after:1\n",
		"solo/Dockerfile":   "FROM busybox:1.36\n",
	})
	res, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil || len(res.Images) != 9 {
		t.Fatalf("discover: %v %d images %q", err, len(res.Images), res.Warnings)
	}
	return res
}

func TestRunFollowsTheGraph(t *testing.T) {
	repo := graphRepo(t)
	var mu sync.Mutex
	var running, maxRunning int
	a, b := newRecording("a", &mu, &running, &maxRunning), newRecording("b", &mu, &running, &maxRunning)
	a.fail["corp/broken:1"], b.fail["corp/broken:1"] = true, true
	rep, err := Run(context.Background(), repo, repo.Images, Options{Builders: []engine.Builder{a, b}, Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, o := range rep.Outcomes {
		status[o.Image] = o.Status
	}
	want := map[string]string{"base": Built, "app1": Built, "app2": Built, "lib": Built, "tool": Built, "solo": Built,
		"broken": Failed, "after": Skipped, "last": Skipped}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("%s: %s, want %s", k, status[k], v)
		}
	}
	if rep.Failed() != 3 {
		t.Errorf("Failed() = %d", rep.Failed())
	}
	startOf := func(tag string) (time.Time, string) {
		for _, rb := range []*recordingBuilder{a, b} {
			if s, ok := rb.start[tag]; ok {
				return s, rb.name
			}
		}
		t.Fatalf("%s never built", tag)
		return time.Time{}, ""
	}
	endOf := func(tag string) time.Time {
		for _, rb := range []*recordingBuilder{a, b} {
			if e, ok := rb.end[tag]; ok {
				return e
			}
		}
		return time.Time{}
	}
	for _, edge := range [][2]string{{"corp/base:1", "layerwise.local/app1:latest"}, {"corp/base:1", "layerwise.local/app2:latest"}, {"corp/lib:1", "layerwise.local/tool:latest"}} {
		_, depOn := startOf(edge[0])
		s, on := startOf(edge[1])
		if s.Before(endOf(edge[0])) {
			t.Errorf("%s started before %s ended", edge[1], edge[0])
		}
		if on != depOn {
			t.Errorf("%s built on %s, its dependency on %s", edge[1], on, depOn)
		}
	}
	for _, tag := range []string{"corp/after:1", "layerwise.local/last:latest"} {
		if _, ok := a.start[tag]; ok {
			t.Errorf("%s was built after its dependency failed", tag)
		}
		if _, ok := b.start[tag]; ok {
			t.Errorf("%s was built after its dependency failed", tag)
		}
	}
	if maxRunning > 3 || maxRunning < 2 {
		t.Errorf("at most %d builds ran at once, want 2..3 with -j 3", maxRunning)
	}
	if len(a.builtOn) == 0 || len(b.builtOn) == 0 {
		t.Errorf("one builder did nothing: a %v, b %v", a.builtOn, b.builtOn)
	}
	if rep.BuildSum < 6*30*time.Millisecond || rep.Wall <= 0 {
		t.Errorf("wall %v, sum of builds %v", rep.Wall, rep.BuildSum)
	}
}

// Selecting an image builds what it needs and nothing else.
func TestRunSelected(t *testing.T) {
	repo := graphRepo(t)
	var mu sync.Mutex
	var running, maxRunning int
	a := newRecording("a", &mu, &running, &maxRunning)
	var sel []*discover.Image
	for _, im := range repo.Images {
		if im.Name == "app2" {
			sel = append(sel, im)
		}
	}
	rep, err := Run(context.Background(), repo, sel, Options{Builders: []engine.Builder{a}, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range rep.Outcomes {
		names = append(names, o.Image+"="+o.Status)
	}
	if strings.Join(names, ",") != "base=built,app2=built" || maxRunning != 1 {
		t.Errorf("outcomes %v, %d at once", names, maxRunning)
	}
	if got := rep.Outcomes[1].Deps; len(got) != 1 || got[0] != "base" {
		t.Errorf("app2 deps = %v", got)
	}
}

func TestContextsAndRef(t *testing.T) {
	repo := graphRepo(t)
	var app2 *discover.Image
	for _, im := range repo.Images {
		if im.Name == "app2" {
			app2 = im
		}
	}
	c, err := Contexts(repo, app2)
	if err != nil || c["b"] != "docker-image://corp/base:1" {
		t.Errorf("contexts = %v %v", c, err)
	}
	if _, err := Contexts(nil, app2); err == nil || !strings.Contains(err.Error(), "b=service:base") {
		t.Errorf("without the repository: %v", err)
	}
	if got := Ref(&discover.Image{Name: "services/Web App"}); got != "layerwise.local/services-web-app:latest" {
		t.Errorf("Ref = %q", got)
	}
}

// Images that depend on each other cannot be built: they fail with the
// cycle written out, their dependents are skipped, the rest is built, and
// the run ends (it does not wait forever).
func TestRunCycle(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": `services:
  a: {image: "x/a:1", build: ./a}
  b: {image: "x/b:1", build: ./b}
  c: {build: ./c}
  d: {build: ./d}
`,
		"a/Dockerfile": "FROM x/b:1\n",
		"b/Dockerfile": "FROM x/a:1\n",
		"c/Dockerfile": "FROM x/a:1\n",
		"d/Dockerfile": "FROM busybox:1.36\n",
	})
	repo, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var running, maxRunning int
	done := make(chan *Report)
	go func() {
		rep, err := Run(context.Background(), repo, repo.Images, Options{Builders: []engine.Builder{newRecording("a", &mu, &running, &maxRunning)}})
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	var rep *Report
	select {
	case rep = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the run never ended")
	}
	status := map[string]string{}
	for _, o := range rep.Outcomes {
		status[o.Image] = o.Status + " " + o.Error
	}
	if !strings.HasPrefix(status["a"], "failed in a dependency cycle: ") || !strings.Contains(status["a"], "a -> b -> a") && !strings.Contains(status["a"], "b -> a -> b") ||
		!strings.HasPrefix(status["b"], "failed in a dependency cycle") || !strings.HasPrefix(status["c"], "skipped") || status["d"] != "built " {
		t.Errorf("%v", status)
	}
}

// DryRun asks no builder and builds nothing: the plan, with the same
// order, tags, builder assignment and cycle detection as Run.
func TestDryRun(t *testing.T) {
	repo := graphRepo(t)
	rep := DryRun(repo, repo.Images, []string{"a", "b"})
	if !rep.DryRun || len(rep.Outcomes) != 9 {
		t.Fatalf("%+v", rep)
	}
	on := map[string]string{}
	seen := map[string]bool{}
	for _, o := range rep.Outcomes {
		if o.Status != Planned {
			t.Errorf("%s: %s", o.Image, o.Status)
		}
		for _, d := range o.Deps {
			if !seen[d] {
				t.Errorf("%s is planned before its dependency %s", o.Image, d)
			}
		}
		seen[o.Image] = true
		on[o.Image] = o.Builder
	}
	if on["app1"] != on["base"] || on["tool"] != on["lib"] || on["after"] != on["broken"] {
		t.Errorf("builders: %v", on)
	}
	if got := DryRun(repo, repo.Images, nil).Outcomes[0].Builder; got != "(current)" {
		t.Errorf("default builder shown as %q", got)
	}
}

// The critical path is the chain of dependent builds whose measured times
// add up to the most: here base → app2 (5 s + 10 s) beats solo (12 s) and
// base → app1 (8 s); images not built weigh nothing.
func TestCriticalPath(t *testing.T) {
	repo := graphRepo(t)
	walls := map[string]time.Duration{"base": 5 * time.Second, "app1": 3 * time.Second, "app2": 10 * time.Second,
		"lib": time.Second, "tool": time.Second, "solo": 12 * time.Second}
	plan := Plan(repo, repo.Images)
	outcomes := func() map[*discover.Image]*Outcome {
		out := map[*discover.Image]*Outcome{}
		for _, im := range plan {
			o := &Outcome{Image: im.Name}
			if w, ok := walls[im.Name]; ok {
				o.Result = &engine.Result{Wall: w}
			}
			out[im] = o
		}
		return out
	}
	path, total := criticalPath(repo, plan, outcomes())
	if strings.Join(path, " → ") != "base → app2" || total != 15*time.Second {
		t.Errorf("critical path %v (%v), want base → app2 (15s)", path, total)
	}
	walls["solo"] = 20 * time.Second
	if path, total := criticalPath(repo, plan, outcomes()); strings.Join(path, " → ") != "solo" || total != 20*time.Second {
		t.Errorf("critical path %v (%v), want solo (20s)", path, total)
	}
	if path, total := criticalPath(repo, plan, map[*discover.Image]*Outcome{}); path != nil || total != 0 {
		t.Errorf("nothing built: %v %v", path, total)
	}
}
