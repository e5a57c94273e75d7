package measure

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/testengine"
)

// BenchmarkMeasureOverhead compares the same build run by a plain
// `docker buildx build` and by layerwise's measure path (buildx with
// --progress=rawjson, the SolveStatus recorder, the image inspect and the
// history-free bookkeeping), alternating, at least 5 of each per run. The
// figure is the ratio of the medians; the target is ≤ 1.03.
//
// The build is a cold build (--no-cache) of a Dockerfile whose RUN takes
// about two seconds, so both sides do the same real work.
func BenchmarkMeasureOverhead(b *testing.B) {
	testengine.Require(b)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:1.36\nWORKDIR /app\nCOPY . .\nRUN sleep 2 && ls -la > /listing\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644)
	ctx := context.Background()
	bx := buildx.New("")
	reps := max(b.N, 5)
	var plainTimes, ours []time.Duration
	b.ResetTimer()
	for i := 0; i < reps; i++ {
		t0 := time.Now()
		cmd := exec.Command("docker", "buildx", "build", "--progress=quiet", "--no-cache", "-t", "layerwise.local/overhead:plain", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("docker buildx build: %v\n%s", err, out)
		}
		plainTimes = append(plainTimes, time.Since(t0))

		t0 = time.Now()
		res, err := bx.Build(ctx, engineRequest(dir))
		if err != nil || res.Failed() {
			b.Fatalf("layerwise build: %v %v", err, res)
		}
		ours = append(ours, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(plainTimes, func(i, j int) bool { return plainTimes[i] < plainTimes[j] })
	sort.Slice(ours, func(i, j int) bool { return ours[i] < ours[j] })
	mp, mo := Median(plainTimes), Median(ours)
	b.ReportMetric(mp.Seconds(), "plain-median-s")
	b.ReportMetric(mo.Seconds(), "layerwise-median-s")
	b.ReportMetric(float64(mo)/float64(mp), "ratio")
	b.ReportMetric(float64(reps), "builds-each")
	fmt.Fprintf(os.Stderr, "overhead: plain %v, layerwise %v, ratio %.3f over %d builds each\n", mp, mo, float64(mo)/float64(mp), reps)
}

func engineRequest(dir string) engine.Request {
	return engine.Request{ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"), NoCache: true, Tag: "layerwise.local/overhead:measure"}
}
