package runtime

import "math"

// maskExact turns on exactSegments, the plan of a block's parts that
// minimises their modelled cost row by row; off, blockSegments checks
// runs of gr.segRows rows (tests and probes compare the two).
var maskExact = true

// Costs of exactSegments' model, in multiply-adds per row of the
// block's other dimension: a row of a part over c columns (2c lanes in
// halves) costs the lanes of its vectors (rounded up to 16 in float32,
// 8 in float64), divided by narrowSpeed if that is one vector of a
// block of more than one group (a 16-column float32
// product runs at about 0.84 of a 32-column one, an 8-column float64
// one at about 0.74 of a 16-column one: maskHalfCols and
// maskQuarterCols), and a part costs as much again as gr.segRows of its
// rows: its call, and its pass over its block of C.
const (
	narrowSpeed32 = 0.84
	narrowSpeed64 = 0.74
)

// exactSegments is blockSegments planned row by row: it returns the
// segments of rows [lo, hi) and their groups' spans that cover every
// row's needs (nz, per group of gr.cols columns of [n0, n1)) at the
// least modelled cost (above). A segment's rows are exact: the first
// and the last are needed by some group of its span, and a run of rows
// no group needs is left out where a part's cost is less than its
// arithmetic. blockSegmentsRuns' runs of gr.segRows rows round each
// segment out to a whole run: on the digits MAF, dY·(W⊙M)ᵀ over the
// output weights computed 0.86 M multiply-adds of nothing a shard,
// against 4.25 M that count (TestProbeProducts).
//
// The plan is a shortest path over rows, in states "no part open" and
// "a part over the span of groups [a, b] open": a row may continue the
// open part if the span covers its needs, or open a new one at a part's
// cost; a row nothing needs may also close it. Ties go to the state
// first in order, so the plan depends only on the mask.
func exactSegments(l, n0, n1 int, gr maskGrain, nz func(p, j0, j1 int) bool) []maskSeg {
	w := gr.cols
	groups := (n1 - n0 + w - 1) / w
	need := make([]uint8, l)
	needed := false
	for p := range l {
		for h := range groups {
			if nz(p, n0+h*w, min(n0+(h+1)*w, n1)) {
				need[p] |= 1 << h
				needed = true
			}
		}
	}
	if !needed {
		return nil
	}
	// States: 0 is no part open, 1+i is spans[i] open.
	type span struct {
		set        int
		row, start float64 // a row's cost, a part's
	}
	var spans []span
	for a := range groups {
		for b := a; b < groups; b++ {
			set := (1<<(b+1) - 1) &^ (1<<a - 1)
			row, start := spanCost(set, n0, n1, gr)
			spans = append(spans, span{set, row, start})
		}
	}
	ns := len(spans) + 1
	cost := make([]float64, ns)
	next := make([]float64, ns)
	for s := 1; s < ns; s++ {
		cost[s] = math.Inf(1)
	}
	// from[p*ns+s] is the state at row p-1 that state s at row p came
	// from, or -1 if s continued its part from there.
	from := make([]int8, l*ns)
	for p := range l {
		best, arg := cost[0], 0
		for s := 1; s < ns; s++ {
			if cost[s] < best {
				best, arg = cost[s], s
			}
		}
		next[0] = math.Inf(1)
		if need[p] == 0 {
			next[0] = best
			from[p*ns] = int8(arg)
		}
		for i, sp := range spans {
			s := i + 1
			next[s] = math.Inf(1)
			if int(need[p])&^sp.set != 0 {
				continue
			}
			if cont := cost[s] + sp.row; cont <= best+sp.start+sp.row {
				next[s], from[p*ns+s] = cont, -1
			} else {
				next[s], from[p*ns+s] = best+sp.start+sp.row, int8(arg)
			}
		}
		cost, next = next, cost
	}
	s := 0
	for i := 1; i < ns; i++ {
		if cost[i] < cost[s] {
			s = i
		}
	}
	// Walk back: a segment ends where a span state begins after a
	// different state or a fresh part.
	var segs []maskSeg
	hi := -1
	for p := l - 1; p >= 0; p-- {
		f := from[p*ns+s]
		if s == 0 {
			s = int(f)
			continue
		}
		if hi < 0 {
			hi = p + 1
		}
		if f == -1 {
			continue
		}
		segs = append(segs, maskSeg{p, hi, spans[s-1].set})
		hi = -1
		s = int(f)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return segs
}

// spanCost returns the modelled cost of a row of a part over the groups
// in set of the block of columns [n0, n1), and of the part itself.
func spanCost(set, n0, n1 int, gr maskGrain) (row, start float64) {
	groups := (n1 - n0 + gr.cols - 1) / gr.cols
	c0, c1 := segCols(set, n0, n1, gr.cols)
	width := c1 - c0
	if gr.halves {
		width *= 2
	}
	row = float64((width + gr.lanes - 1) / gr.lanes * gr.lanes)
	if width <= gr.lanes && groups > 1 {
		row /= gr.narrow
	}
	return row, float64(gr.segRows) * row
}
