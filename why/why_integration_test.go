package why

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// On real builds: build an image, change a source file and the README,
// build again; the history explains the re-run COPY by those two files and
// the RUN after it by its parent, with the steps' measured seconds.
func TestWhyOnRealBuilds(t *testing.T) {
	testengine.Require(t)
	ctx := context.Background()
	// unique content: the daemon's cache must not answer from an earlier run
	mark := fmt.Sprint(time.Now().UnixNano())
	root := testfs.Tree(t, map[string]string{
		"app/Dockerfile":   "FROM busybox:1.36\nWORKDIR /app\nCOPY deps.txt ./\nRUN cat deps.txt > /deps\nCOPY . .\nRUN sleep 1 && cat src/main.txt > /out\n",
		"app/deps.txt":     "one\n",
		"app/src/main.txt": "v1 " + mark + "\n",
		"app/README.md":    "# app\n",
	})
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := history.Open(filepath.Join(t.TempDir(), "h.db"), history.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	run := func() {
		rep, err := graphbuild.Run(ctx, repo, repo.Images, graphbuild.Options{Builders: []engine.Builder{buildx.New("")}, History: store})
		if err != nil || rep.Failed() > 0 {
			t.Fatalf("build: %v %+v", err, rep.Outcomes[0])
		}
	}
	run()
	run() // all cached: the one compared with
	for p, c := range map[string]string{"app/src/main.txt": "v2 " + mark + "\n", "app/README.md": "# app, with docs\n"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run()
	builds, err := store.List(ctx, history.Query{Image: "app"})
	if err != nil || len(builds) != 3 {
		t.Fatalf("%d builds, %v", len(builds), err)
	}
	b, err := store.Build(ctx, builds[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.Build(ctx, Previous(builds, b).ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Explain(ctx, store, b, a)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Note != "" || len(rep.Causes) != 2 {
		t.Fatalf("causes %+v, note %q", rep.Causes, rep.Note)
	}
	c := rep.Causes[0]
	if c.Kind != Files || c.Line != 5 || !slices.Equal(c.Changed, []string{"README.md", "src/main.txt"}) || !strings.Contains(c.Fix, "README.md is reached by COPY . .") {
		t.Errorf("COPY . .: %+v", c)
	}
	if r := rep.Causes[1]; r.Kind != Parent || r.Line != 6 || r.Seconds < 1 || c.Cost < r.Seconds {
		t.Errorf("RUN: %+v (COPY cost %.2f)", r, c.Cost)
	}
	// a second source change in a row: COPY . . ran in both builds, and
	// the file changed between them is named all the same
	if err := os.WriteFile(filepath.Join(root, "app/src/main.txt"), []byte("v3 "+mark+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run()
	if builds, err = store.List(ctx, history.Query{Image: "app"}); err != nil || len(builds) != 4 {
		t.Fatalf("%d builds, %v", len(builds), err)
	}
	a = b
	if b, err = store.Build(ctx, builds[3].ID); err != nil {
		t.Fatal(err)
	}
	if rep, err = Explain(ctx, store, b, a); err != nil {
		t.Fatal(err)
	}
	if len(rep.Causes) != 2 || rep.Causes[0].Kind != Files || !rep.Causes[0].RanBefore || !slices.Equal(rep.Causes[0].Changed, []string{"src/main.txt"}) {
		t.Errorf("the second change in a row: %+v", rep.Causes)
	}
}
