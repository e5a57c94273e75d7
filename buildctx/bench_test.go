package buildctx

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// benchTree builds (once, reused across runs through a marker file) a tree
// of 200,000 files under the temp dir, shaped like a JavaScript monorepo:
// 180,000 files in node_modules/ and 20,000 in src/. Nothing of it is
// committed.
func benchTree(b *testing.B) string {
	b.Helper()
	root := filepath.Join(os.TempDir(), "layerwise-bench-tree-200k-v2")
	marker := filepath.Join(root, ".complete")
	if _, err := os.Stat(marker); err == nil {
		return root
	}
	os.RemoveAll(root)
	payload := make([]byte, 100)
	for top, dirs := range map[string]int{"node_modules": 180, "src": 20} {
		for i := 0; i < dirs; i++ {
			for j := 0; j < 20; j++ {
				dir := filepath.Join(root, top, fmt.Sprintf("d%03d", i), fmt.Sprintf("s%02d", j))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					b.Fatal(err)
				}
				for k := 0; k < 50; k++ {
					if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.js", k)), payload, 0o644); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return root
}

func bareWalk(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	return n, err
}

// BenchmarkContextVsWalkDir times `layerwise context`'s analysis (walk,
// ignore matching, sizes, usage, report) against a bare filepath.WalkDir
// that only counts files, alternating the two in the same run so that the
// ratio is what counts, not the machine's absolute speed.
//
// Metrics: ratio-noignore (target ≤ 1.5), ratio-ignore-node_modules (the
// .dockerignore excludes node_modules, 90% of the files; target well under
// 1), maxrss-MB (target < 300).
//
// Why ratio-noignore sits near 2 rather than 1.5 on a 2-core machine: the
// bare walk never calls stat (getdents gives it names and types), while the
// bytes a build sends need one fstatat per file, about 1.5 µs of kernel time
// each here. The walk already spreads those over every core (76% of its
// profile is in the syscalls); readdir plus fstatat alone, with no other work,
// measures about 1.6 times the bare walk on this machine.
func BenchmarkContextVsWalkDir(b *testing.B) {
	root := benchTree(b)
	ctx := context.Background()
	sources := []Source{{Pattern: "."}}
	var bare, ours, oursIgn []time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		n, err := bareWalk(root)
		if err != nil || n < 200000 {
			b.Fatalf("bare walk: %d files, %v", n, err)
		}
		bare = append(bare, time.Since(t0))

		t0 = time.Now()
		rep, err := Analyze(ctx, root, AnalyzeOptions{Sources: sources})
		if err != nil || rep.Files < 200000 {
			b.Fatalf("analyze: %v", err)
		}
		ours = append(ours, time.Since(t0))

		t0 = time.Now()
		w, err := WalkContext(ctx, root, WalkOptions{Patterns: []string{"node_modules"}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ComputeUsage(w, sources); err != nil {
			b.Fatal(err)
		}
		oursIgn = append(oursIgn, time.Since(t0))
	}
	med := func(d []time.Duration) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[len(s)/2])
	}
	b.ReportMetric(med(bare)/1e6, "bare-ms")
	b.ReportMetric(med(ours)/1e6, "layerwise-ms")
	b.ReportMetric(med(ours)/med(bare), "ratio-noignore")
	b.ReportMetric(med(oursIgn)/med(bare), "ratio-ignore-node_modules")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
	}
}
