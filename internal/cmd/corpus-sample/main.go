// Command corpus-sample draws the warnings an independent reader judges
// for issue 23's "only true findings" (docs/corpus.md): it audits every
// repository under a directory (as scripts/corpus-extract.sh extracts
// them, unfixed), and prints N warnings drawn with a fixed seed, one JSON
// object per line, numbered. The same extract, rules and seed draw the
// same sample.
//
//	go run ./internal/cmd/corpus-sample DIR SEED N
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/layerwise/layerwise/audit"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/rules"
)

type warning struct {
	N       int    `json:"n"`
	Repo    string `json:"repo"`
	Image   string `json:"image"`
	File    string `json:"file"`
	Rule    string `json:"rule"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: corpus-sample DIR SEED N")
		os.Exit(2)
	}
	seed, err1 := strconv.ParseUint(os.Args[2], 10, 64)
	n, err2 := strconv.Atoi(os.Args[3])
	ents, err3 := os.ReadDir(os.Args[1])
	if err := cmp.Or(err1, err2, err3); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	var all []warning
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		root := filepath.Join(os.Args[1], e.Name())
		disc, err := discover.Discover(ctx, root, discover.Options{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name(), err)
			continue
		}
		rep, err := audit.Run(ctx, disc, audit.Options{Config: config.Default()})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name(), err)
			continue
		}
		for _, f := range rep.Findings {
			if f.Severity == rules.Warning {
				all = append(all, warning{Repo: e.Name(), Image: f.Image, File: f.File, Rule: f.RuleID, Line: f.Range.Start.Line, Message: f.Message})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b warning) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Image, b.Image))
	})
	fmt.Fprintf(os.Stderr, "%d warnings\n", len(all))
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	enc := json.NewEncoder(os.Stdout)
	for i := range min(n, len(all)) {
		all[i].N = i + 1
		enc.Encode(all[i])
	}
}
