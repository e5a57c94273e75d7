// Package graph holds the walks over the images' dependency graph: the
// order to build them in, the images a set needs first, the cycles that
// cannot be built and the critical path of a measured build. Which image
// depends on which is the model's knowledge (discover.Repo.Deps: a FROM
// naming another image's tag, a named context pointing at another
// service); this package only walks the edges it is given, so discovery,
// build, measure and bench share one walk of each kind.
//
// It is generic over the node type so that it imports nothing of ours and
// any layer may use it.
package graph

import (
	"slices"
	"time"
)

// Graph is a directed graph given by its edges: Deps(n) are the nodes n
// needs built before it.
type Graph[N comparable] struct {
	Deps func(N) []N
}

// New returns the graph whose edges deps gives.
func New[N comparable](deps func(N) []N) Graph[N] { return Graph[N]{Deps: deps} }

// Order returns the nodes and everything they depend on, each after its
// dependencies (a depth-first post-order, so the nodes keep their given
// order where the edges allow). Nodes in a cycle keep their order; Cycles
// says which they are.
func (g Graph[N]) Order(nodes []N) []N {
	var out []N
	state := map[N]int{} // 1 visiting, 2 done
	var visit func(n N)
	visit = func(n N) {
		if state[n] != 0 {
			return
		}
		state[n] = 1
		for _, d := range g.Deps(n) {
			visit(d)
		}
		state[n] = 2
		out = append(out, n)
	}
	for _, n := range nodes {
		visit(n)
	}
	return out
}

// Needs returns what the nodes depend on, directly or not, in the order
// first reached (the nodes themselves only when another node needs them).
func (g Graph[N]) Needs(nodes []N) []N {
	seen := map[N]bool{}
	var out []N
	var mark func(n N)
	mark = func(n N) {
		for _, d := range g.Deps(n) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
				mark(d)
			}
		}
	}
	for _, n := range nodes {
		mark(n)
	}
	return out
}

// Cycles returns, for every node reached from nodes that depends on
// itself through others, one cycle through it (the nodes in the order the
// edges run, the first repeated at the end: a → b → a).
func (g Graph[N]) Cycles(nodes []N) map[N][]N {
	out := map[N][]N{}
	state := map[N]int{} // 1 on the stack, 2 done
	var stack []N
	var visit func(n N)
	visit = func(n N) {
		state[n] = 1
		stack = append(stack, n)
		for _, d := range g.Deps(n) {
			switch state[d] {
			case 0:
				visit(d)
			case 1: // back edge: the stack from d to n is a cycle
				i := slices.Index(stack, d)
				cycle := append(slices.Clone(stack[i:]), d)
				for _, c := range stack[i:] {
					if _, ok := out[c]; !ok {
						out[c] = cycle
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
	}
	for _, n := range nodes {
		if state[n] == 0 {
			visit(n)
		}
	}
	return out
}

// Longest returns the chain of dependent nodes whose weights add up to the
// most (the critical path of a build: no schedule finishes sooner than
// it), and that sum. order must list dependencies before dependents (as
// Order returns them); edges to nodes outside it are ignored. Nil when
// every weight is zero.
func (g Graph[N]) Longest(order []N, weight func(N) time.Duration) ([]N, time.Duration) {
	total := map[N]time.Duration{}
	prev := map[N]N{}
	var end N
	found := false
	for _, n := range order {
		best := time.Duration(0)
		for _, d := range g.Deps(n) {
			if t, ok := total[d]; ok {
				if _, has := prev[n]; !has || t > best {
					best, prev[n] = t, d
				}
			}
		}
		total[n] = best + weight(n)
		if !found || total[n] > total[end] {
			end, found = n, true
		}
	}
	if !found || total[end] == 0 {
		return nil, 0
	}
	var path []N
	for n, ok := end, true; ok; n, ok = prev[n] {
		path = append(path, n)
	}
	slices.Reverse(path)
	return path, total[end]
}
