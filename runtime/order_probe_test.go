package runtime

import (
	"fmt"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

// TestProbeOutputOrder is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeOutputOrder -v): for the output layer of one
// MADE of the digits (64 inputs, 512 hidden units) and 784-d (784, 1024)
// MAFs, it counts the multiply-adds the float32 masked blocks compute
// (maskedBlocks' own functions) for one shard of 128 rows, in its three
// products (forward, data gradient, weight gradient), with the 2·D output
// columns in other orders: value-major as stored (μ of input i in column
// i, α in D+i), input-major, and groups of g inputs' μ's then their α's.
// Figures quoted in bench/README.md.
func TestProbeOutputOrder(t *testing.T) {
	probeOnly(t)
	const m = 128
	for _, c := range [][2]int{{64, 512}, {784, 1024}} {
		d, h := c[0], c[1]
		hid := stdlib.MADEDegrees(d, []int{h})[1]
		for _, g := range []int{0, 1, 8, 16} { // 0: value-major
			order := make([]int, 0, 2*d) // order[c'] = the stored column at c'
			if g == 0 {
				for j := range 2 * d {
					order = append(order, j)
				}
			} else {
				for i0 := 0; i0 < d; i0 += g {
					for v := range 2 {
						for i := i0; i < min(i0+g, d); i++ {
							order = append(order, v*d+i)
						}
					}
				}
			}
			n := 2 * d
			mask := make([]float64, h*n)
			useful := 0
			for k, dk := range hid {
				for cp, col := range order {
					if col%d+1 > dk {
						mask[k*n+cp] = 1
						useful++
					}
				}
			}
			fwd, dh, dw := orderWork(mask, h, n, m)
			u := float64(useful * m)
			name := "value-major"
			switch {
			case g == 1:
				name = "input-major"
			case g > 1:
				name = fmt.Sprintf("groups of %d", g)
			}
			t.Logf("D=%d %-12s useful %.2fM: forward %.2fM (%.3f), data gradient %.2fM (%.3f), weight gradient %.2fM (%.3f)",
				d, name, u/1e6, float64(fwd)/1e6, float64(fwd)/u, float64(dh)/1e6, float64(dh)/u, float64(dw)/1e6, float64(dw)/u)
		}
	}
}

// orderWork returns the multiply-adds of the float32 masked blocks of
// the three products of an output layer with the h×n mask, for m rows:
// C = X·(W⊙M), dX = dC·(W⊙M)ᵀ and the masked weight gradient Xᵀ·dC.
func orderWork(mask []float64, h, n, m int) (fwd, dh, dw int) {
	gr := maskGrainOf[float32]()
	w := gr.cols
	blocks := func(l, cols int, at func(p, j0, j1 int) bool, work func(segs []maskSeg, n0, n1 int) int) int {
		total := 0
		for n0 := 0; n0 < cols; n0 += maskBlockCols {
			n1 := min(n0+maskBlockCols, cols)
			total += work(blockSegments(l, n0, n1, gr, at), n0, n1)
		}
		return total
	}
	span := func(segs []maskSeg) (int, int) {
		if len(segs) == 0 {
			return 0, 0
		}
		return segs[0].lo, segs[len(segs)-1].hi
	}
	product := func(segs []maskSeg, n0, n1 int) int {
		k0, k1 := span(segs)
		return partsWork(productParts(segs, m, n0, n1, w), gemmBlock{0, m, n0, n1, k0, k1})
	}
	fwd = blocks(h, n, opRows(mask, h, n, false), product)
	dh = blocks(n, h, opRows(mask, n, h, true), product)
	dw = blocks(h, n, opRows(mask, h, n, false), func(segs []maskSeg, n0, n1 int) int {
		m0, m1 := span(segs)
		return partsWork(outputParts(segs, n0, n1, m, w), gemmBlock{m0, m1, n0, n1, 0, m})
	})
	return fwd, dh, dw
}
