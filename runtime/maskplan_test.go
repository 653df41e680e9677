package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestExactSegments checks exactSegments on staircases, MADE-like runs
// and random masks, in every grain (float32 and float64, plain and in
// halves): the segments are in order, apart, each needed row lies in
// one whose span covers the groups that need it, a segment's first and
// last rows are needed, and the plan's modelled cost is at most that of
// blockSegments' runs of gr.segRows rows (the old rule) and of one part
// over the whole block.
func TestExactSegments(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	masks := []struct {
		name string
		l, n int
		nz   func(p, j int) bool
	}{
		{"steep staircase", 512, 128, func(p, j int) bool { return p < 8*(j%64) }},
		{"suffixes", 512, 64, func(p, j int) bool { return p >= 8*j }},
		{"two runs", 128, 512, func(p, j int) bool { return p%64 >= j/8 }},
		{"holes", 300, 64, func(p, j int) bool { return (p/7+j/5)%3 != 0 }},
		{"zeros", 64, 64, func(p, j int) bool { return false }},
	}
	for i := range 3 {
		m := make([]bool, 200*64)
		for k := range m {
			m[k] = r.IntN(4) == 0
		}
		masks = append(masks, struct {
			name string
			l, n int
			nz   func(p, j int) bool
		}{fmt.Sprintf("random %d", i), 200, 64, func(p, j int) bool { return m[p*64+j] }})
	}
	for _, c := range masks {
		for i, base := range []maskGrain{maskGrainOf[float32](), maskGrainOf[float64]()} {
			for _, halves := range []bool{false, true} {
				gr, bc := base, maskBlockCols
				nz := rowsOf(c.nz)
				if halves {
					// Columns [0, n/2) and n/2 on, as halvesOf pairs them.
					h := c.n / 2
					gr.cols, gr.halves, bc = gr.cols/2, true, []int{halvesBlockCols[float32](), halvesBlockCols[float64]()}[i]
					at := nz
					nz = func(p, j0, j1 int) bool { return at(p, j0, j1) || at(p, j0+h, j1+h) }
				}
				name := fmt.Sprintf("%s, grain %+v", c.name, gr)
				cols := c.n
				if halves {
					cols = c.n / 2
				}
				for n0 := 0; n0 < cols; n0 += bc {
					n1 := min(n0+bc, cols)
					segs := exactSegments(c.l, n0, n1, gr, nz)
					checkSegments(t, name, c.l, n0, n1, gr, nz, segs)
					old := blockSegmentsRuns(c.l, n0, n1, gr, nz)
					full := (1<<((n1-n0+gr.cols-1)/gr.cols) - 1)
					whole := []maskSeg{}
					if len(old) > 0 {
						whole = []maskSeg{{old[0].lo, old[len(old)-1].hi, full}}
					}
					got := segmentsCost(segs, n0, n1, gr)
					for _, alt := range [][]maskSeg{old, whole} {
						if a := segmentsCost(alt, n0, n1, gr); got > a+1e-9 {
							t.Errorf("%s, block %d: cost %.1f, more than %.1f for %v", name, n0, got, a, alt)
						}
					}
				}
			}
		}
	}
}

// checkSegments checks segments segs of the block of columns [n0, n1)
// over l rows whose needs nz says, as TestExactSegments says.
func checkSegments(t *testing.T, name string, l, n0, n1 int, gr maskGrain, nz func(p, j0, j1 int) bool, segs []maskSeg) {
	t.Helper()
	w := gr.cols
	groups := (n1 - n0 + w - 1) / w
	need := func(p int) int {
		s := 0
		for h := range groups {
			if nz(p, n0+h*w, min(n0+(h+1)*w, n1)) {
				s |= 1 << h
			}
		}
		return s
	}
	in := make([]int, l) // the set covering each row, -1 if none
	for p := range in {
		in[p] = -1
	}
	for i, g := range segs {
		if g.lo >= g.hi || i > 0 && g.lo < segs[i-1].hi {
			t.Fatalf("%s [%d, %d): segments %v out of order or overlapping", name, n0, n1, segs)
		}
		if need(g.lo) == 0 || need(g.hi-1) == 0 {
			t.Fatalf("%s [%d, %d): segment %v starts or ends on a row nothing needs", name, n0, n1, g)
		}
		for p := g.lo; p < g.hi; p++ {
			in[p] = g.set
		}
	}
	for p := range l {
		if n := need(p); n != 0 && (in[p] < 0 || n&^in[p] != 0) {
			t.Fatalf("%s [%d, %d): row %d needs groups %b, covered by %b", name, n0, n1, p, n, in[p])
		}
	}
}

// segmentsCost is the modelled cost of the segments segs of the block
// of columns [n0, n1) (exactSegments minimises it).
func segmentsCost(segs []maskSeg, n0, n1 int, gr maskGrain) float64 {
	c := 0.0
	for _, g := range segs {
		row, start := spanCost(g.set, n0, n1, gr)
		c += start + float64(g.hi-g.lo)*row
	}
	return c
}
