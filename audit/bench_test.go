package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

const benchImages = 1000

// benchRepo replicates the examples' Dockerfiles (and their small source
// files) into 1,000 service directories under a temp dir.
func benchRepo(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	var srcs []string
	for _, svc := range []string{"storefront", "worker", "report"} {
		srcs = append(srcs, filepath.Join("..", "examples", "services", svc))
	}
	for i := 0; i < benchImages; i++ {
		src := srcs[i%len(srcs)]
		dst := filepath.Join(root, "services", fmt.Sprintf("svc%04d", i))
		for _, f := range []string{"Dockerfile", "go.mod", "go.sum", "package.json", "package-lock.json", "requirements.txt", "worker.py"} {
			data, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				continue
			}
			if err := os.MkdirAll(dst, 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, f), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

func perSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "dockerfiles/s")
}

// BenchmarkRules times layerwise's rules alone, on one core, over 1,000
// modelled Dockerfiles: parsing included (every audit parses), context
// walks and BuildKit's checks excluded. Target: ≥ 2,000 Dockerfiles/s.
func BenchmarkRules(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	root := benchRepo(b)
	var data [][]byte
	for i := 0; i < benchImages; i++ {
		d, err := os.ReadFile(filepath.Join(root, "services", fmt.Sprintf("svc%04d", i), "Dockerfile"))
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d)
	}
	cfg := config.Default()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range data {
			m, err := dockerfile.Parse("Dockerfile", d, dockerfile.Options{})
			if err != nil {
				b.Fatal(err)
			}
			RunRules(&rules.Input{Image: "x", Dockerfile: "Dockerfile", File: m, Config: cfg})
		}
	}
	perSecond(b, benchImages)
}

// BenchmarkAuditNoContext: discovery, parsing, layerwise's rules and
// BuildKit's checks, no context walks.
func BenchmarkAuditNoContext(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	root := benchRepo(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		disc, err := discover.Discover(context.Background(), root, discover.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(context.Background(), disc, Options{Config: config.Default(), SkipContext: true}); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, benchImages)
}

// BenchmarkAuditFull: the whole audit, context walks included.
func BenchmarkAuditFull(b *testing.B) {
	root := benchRepo(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		disc, err := discover.Discover(context.Background(), root, discover.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(context.Background(), disc, Options{Config: config.Default()}); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, benchImages)
}

// BenchmarkAuditLinesPerLine audits one Dockerfile of 1k, 10k and 100k
// lines, one in five an ENV (the shape that was quadratic: a copied
// environment per instruction, and BuildKit's linter adding variables to
// a list it searches), and reports ns/line: it must stay flat from 1k to
// 100k lines (docs/hostile-repositories.md has the last run).
func BenchmarkAuditLinesPerLine(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		var sb strings.Builder
		sb.WriteString("FROM debian:12\n")
		for i := 1; i < n; i++ {
			if i%5 == 0 {
				fmt.Fprintf(&sb, "ENV V%d=x%d\n", i, i)
			} else {
				fmt.Fprintf(&sb, "RUN echo %d\n", i)
			}
		}
		root := b.TempDir()
		if err := os.WriteFile(filepath.Join(root, "Dockerfile"), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dlines", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				disc, err := discover.Discover(context.Background(), root, discover.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Run(context.Background(), disc, Options{Config: config.Default()}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/line")
		})
	}
}
