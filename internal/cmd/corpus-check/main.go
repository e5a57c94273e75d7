// Command corpus-check runs internal/corpus over every repository under a
// directory (scripts/corpus-check.sh extracts them there) and prints one
// Markdown report; it exits 1 when the fixer broke any of its promises.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/layerwise/layerwise/internal/corpus"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: corpus-check DIR (one extracted repository per subdirectory; fixes are written into it)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ents, err := os.ReadDir(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var rows []*corpus.Result
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		r, err := corpus.Check(ctx, filepath.Join(os.Args[1], e.Name()))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name(), err)
			if ctx.Err() != nil {
				os.Exit(130)
			}
			continue
		}
		rows = append(rows, r)
	}
	if !report(rows) {
		os.Exit(1)
	}
}

func report(rows []*corpus.Result) bool {
	sum := func(f func(*corpus.Result) int) int {
		n := 0
		for _, r := range rows {
			n += f(r)
		}
		return n
	}
	fmt.Println("| repository | Dockerfiles | images | parse errors | findings | fixes | files written | refusals | invariant violations | new findings on rewritten lines | named COPY sources losing files | rewrites that do not re-parse | not idempotent |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	total := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	for _, r := range rows {
		fmt.Printf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", r.Repo, r.Dockerfiles, r.Images, r.ParseErrors,
			total(r.Findings), total(r.Fixes), r.Written, total(r.Refusals), len(r.Violations), len(r.NewFindings), len(r.LostSources), len(r.Reparse), len(r.NotIdempotent))
	}
	bad := sum(func(r *corpus.Result) int {
		return len(r.Violations) + len(r.NewFindings) + len(r.LostSources) + len(r.Reparse) + len(r.NotIdempotent)
	})
	fmt.Printf("| **%d repositories** | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n\n", len(rows),
		sum(func(r *corpus.Result) int { return r.Dockerfiles }), sum(func(r *corpus.Result) int { return r.Images }),
		sum(func(r *corpus.Result) int { return r.ParseErrors }), sum(func(r *corpus.Result) int { return total(r.Findings) }),
		sum(func(r *corpus.Result) int { return total(r.Fixes) }), sum(func(r *corpus.Result) int { return r.Written }),
		sum(func(r *corpus.Result) int { return total(r.Refusals) }), sum(func(r *corpus.Result) int { return len(r.Violations) }),
		sum(func(r *corpus.Result) int { return len(r.NewFindings) }), sum(func(r *corpus.Result) int { return len(r.LostSources) }),
		sum(func(r *corpus.Result) int { return len(r.Reparse) }), sum(func(r *corpus.Result) int { return len(r.NotIdempotent) }))
	merged := func(get func(*corpus.Result) map[string]int) map[string]int {
		m := map[string]int{}
		for _, r := range rows {
			for k, v := range get(r) {
				m[k] += v
			}
		}
		return m
	}
	table := func(title, col string, m map[string]int, limit int) {
		fmt.Printf("### %s\n\n| %s | count |\n|---|---:|\n", title, col)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if m[keys[i]] != m[keys[j]] {
				return m[keys[i]] > m[keys[j]]
			}
			return keys[i] < keys[j]
		})
		for i, k := range keys {
			if limit > 0 && i >= limit {
				fmt.Printf("| (%d more) | |\n", len(keys)-limit)
				break
			}
			fmt.Printf("| %s | %d |\n", strings.ReplaceAll(k, "|", "\\|"), m[k])
		}
		fmt.Println()
	}
	table("Findings per rule", "rule", merged(func(r *corpus.Result) map[string]int { return r.Findings }), 0)
	table("Fixes per rule", "rule", merged(func(r *corpus.Result) map[string]int { return r.Fixes }), 0)
	table("Refusals, by rule and reason", "rule: reason", merged(func(r *corpus.Result) map[string]int { return r.Refusals }), 40)
	list := func(title string, get func(*corpus.Result) []string) {
		fmt.Printf("### %s\n\n", title)
		n := 0
		for _, r := range rows {
			for _, s := range get(r) {
				fmt.Printf("- %s: %s\n", r.Repo, strings.ReplaceAll(s, "\n", " "))
				n++
			}
		}
		if n == 0 {
			fmt.Println("none")
		}
		fmt.Println()
	}
	list("Invariant violations (caught and refused by the fixer)", func(r *corpus.Result) []string { return r.Violations })
	list("New findings on rewritten lines", func(r *corpus.Result) []string { return r.NewFindings })
	list("Named COPY sources that lost files", func(r *corpus.Result) []string { return r.LostSources })
	list("Rewrites that do not re-parse", func(r *corpus.Result) []string { return r.Reparse })
	list("Not idempotent (fix --check after fix --write)", func(r *corpus.Result) []string { return r.NotIdempotent })
	return bad == 0
}
