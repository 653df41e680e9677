package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestRowwiseProducts checks that the masked products with B transposed
// that run rowwise (dX = dY·(W⊙M)ᵀ as dXᵀ = (W⊙M)·dYᵀ) compute the same
// bits as the same blocks and parts run with B packed, in pieces and in
// Exec.exec's loop, on MADEs whose input and output weights' blocks run
// whole and as parts; and that they ran rowwise where C has at most
// rowwiseMaxRows rows, and not where it has more.
func TestRowwiseProducts(t *testing.T) {
	if !gemmAVX512Path() {
		t.Skip("rowwise products run on the AVX-512 kernels only; this machine has none")
	}
	defer func(r, s bool) { rowwiseOn, sharing = r, s }(rowwiseOn, sharing)
	for _, c := range []struct {
		dim, hidden, rows int
		rowwise           bool // expected: at most rowwiseMaxRows rows
	}{{16, 256, 64, true}, {64, 256, 64, true}, {64, 512, 64, true}, {256, 256, 48, true}, {40, 200, 37, true}, {64, 512, 128, false}} {
		m := madeModel(t, 2, c.hidden, c.dim)
		ps := NewParams(m.Params)
		ps.DType = Float32
		ps.Init(rand.New(rand.NewPCG(3, 4)))
		in := randomRows(c.rows, c.dim, 5)
		for _, p := range []*ir.Program{m.Grad, splitGradScales(m.Grad)} {
			var got [3][][]float64
			for k, on := range []bool{false, true, true} {
				rowwiseOn, sharing = on, k != 2
				var pt part
				got[k], pt = runOutputs(p, ps, in, c.rows, c.dim)
				n, parted := countRowwise(pt)
				switch {
				case on && c.rowwise && (n == 0 || c.dim == 64 && parted == 0):
					t.Fatalf("dim %d hidden %d rows %d %s: %d products rowwise, %d of them as parts", c.dim, c.hidden, c.rows, p.Name, n, parted)
				case (!on || !c.rowwise) && n != 0:
					t.Fatalf("dim %d hidden %d rows %d %s: %d products rowwise, want none", c.dim, c.hidden, c.rows, p.Name, n)
				}
			}
			for i, o := range p.Outputs {
				for k := 1; k < 3; k++ {
					for j, x := range got[0][i] {
						if y := got[k][i][j]; math.Float64bits(x) != math.Float64bits(y) {
							t.Fatalf("dim %d hidden %d rows %d %s: %s[%d] = %v packed, %v rowwise (run %d)", c.dim, c.hidden, c.rows, p.Name, o.Name, j, x, y, k)
						}
					}
				}
			}
		}
	}
}

// countRowwise counts the steps of pt that run rowwise, and those of
// them whose blocks have parts.
func countRowwise(pt part) (n, parted int) {
	if e, ok := pt.(*execPart[float32]); ok {
		for _, s := range e.exec.steps {
			if s.rowwise {
				n++
				parted += min(len(s.parts), 1)
			}
		}
	}
	return n, parted
}
