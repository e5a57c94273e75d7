package graph

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// edges: app1 and app2 build FROM base, base FROM os; tool needs lib;
// solo stands alone; a and b need each other, c needs a.
var edges = map[string][]string{
	"app1": {"base"}, "app2": {"base"}, "base": {"os"},
	"tool": {"lib"},
	"a":    {"b"}, "b": {"a"}, "c": {"a"},
}

func g() Graph[string] { return New(func(n string) []string { return edges[n] }) }

func TestOrderPutsDependenciesFirst(t *testing.T) {
	got := g().Order([]string{"app1", "solo", "tool", "app2"})
	want := []string{"os", "base", "app1", "solo", "lib", "tool", "app2"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// a cycle does not loop: each node once
	if got := g().Order([]string{"c"}); !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("order through a cycle %v", got)
	}
}

func TestNeedsIsTheTransitiveClosureWithoutTheNodes(t *testing.T) {
	if got := g().Needs([]string{"app1", "app2", "solo"}); !slices.Equal(got, []string{"base", "os"}) {
		t.Errorf("needs %v", got)
	}
	// a node is listed when another one in the set needs it
	if got := g().Needs([]string{"app1", "base"}); !slices.Equal(got, []string{"base", "os"}) {
		t.Errorf("needs %v", got)
	}
	if got := g().Needs([]string{"solo"}); got != nil {
		t.Errorf("needs of a lone node %v", got)
	}
}

func TestCyclesNamesEveryNodeOnOne(t *testing.T) {
	got := g().Cycles([]string{"c", "app1", "solo"})
	if len(got) != 2 {
		t.Fatalf("cycles %v, want a and b", got)
	}
	for _, n := range []string{"a", "b"} {
		c := strings.Join(got[n], " -> ")
		if c != "a -> b -> a" && c != "b -> a -> b" {
			t.Errorf("cycle through %s: %q", n, c)
		}
	}
	if _, ok := got["c"]; ok {
		t.Error("c depends on a cycle but is not on one")
	}
	if got := g().Cycles([]string{"app1", "tool"}); len(got) != 0 {
		t.Errorf("acyclic graph has cycles %v", got)
	}
}

// The critical path is the chain of dependent nodes whose weights add up
// to the most: os → base → app2 (1+5+10) beats solo (12) and app1's chain.
func TestLongest(t *testing.T) {
	w := map[string]time.Duration{"os": time.Second, "base": 5 * time.Second, "app1": 3 * time.Second,
		"app2": 10 * time.Second, "lib": time.Second, "tool": time.Second, "solo": 12 * time.Second}
	weight := func(n string) time.Duration { return w[n] }
	order := g().Order([]string{"app1", "app2", "tool", "solo"})
	path, total := g().Longest(order, weight)
	if strings.Join(path, " → ") != "os → base → app2" || total != 16*time.Second {
		t.Errorf("longest %v (%v)", path, total)
	}
	w["solo"] = 20 * time.Second
	if path, total := g().Longest(order, weight); strings.Join(path, " → ") != "solo" || total != 20*time.Second {
		t.Errorf("longest %v (%v), want solo", path, total)
	}
	if path, total := g().Longest(order, func(string) time.Duration { return 0 }); path != nil || total != 0 {
		t.Errorf("no weight: %v %v", path, total)
	}
	// a dependency outside the order weighs nothing and is not on the path
	if path, _ := g().Longest([]string{"app1"}, weight); !slices.Equal(path, []string{"app1"}) {
		t.Errorf("partial order: %v", path)
	}
}
