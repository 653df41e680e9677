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
// whole and as parts; and that they ran rowwise where C has more than 4
// and at most rowwiseMaxRows rows, and not where it has fewer or more
// (with 4 rows or fewer, Cᵀ's products would run as dot products, which
// sum in another order).
func TestRowwiseProducts(t *testing.T) {
	if !gemmAVX512Path() {
		t.Skip("rowwise products run on the AVX-512 kernels only; this machine has none")
	}
	defer func(r, s bool) { rowwiseOn, sharing = r, s }(rowwiseOn, sharing)
	for _, c := range []struct {
		dim, hidden, rows int
		rowwise           bool // expected: more than 4 and at most rowwiseMaxRows rows
	}{{16, 256, 64, true}, {64, 256, 64, true}, {64, 512, 64, true}, {256, 256, 48, true}, {40, 200, 37, true}, {64, 256, 5, true}, {64, 512, 128, false}, {64, 256, 4, false}, {64, 256, 1, false}} {
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

// TestRowwiseOutputMasked checks a product with B transposed whose
// output is masked (outputParts): its parts write only the columns the
// mask keeps, the others stay the zeros they were planned with, and
// such a product does not run rowwise (its rows of Cᵀ would carry what
// the Exec's last rowwise product left there). Two of them in one
// program, whose masks keep complementary columns, run twice, are
// compared bit by bit with rowwise products off.
func TestRowwiseOutputMasked(t *testing.T) {
	if !gemmAVX512Path() {
		t.Skip("rowwise products run on the AVX-512 kernels only; this machine has none")
	}
	defer func(r bool) { rowwiseOn = r }(rowwiseOn)
	const k, n, batch = 64, 128, 32
	table := []ir.Param{{Name: "w1", Shape: ir.Shape{Rows: n, Cols: k}}, {Name: "w2", Shape: ir.Shape{Rows: n, Cols: k}}}
	b := ir.NewBuilder("p", &table)
	x := b.Input("x", k)
	a := b.MatMul(x, x, ir.TransA) // k×k, not batched: C has k rows
	// Half of each block's columns, all rows: the first product's mask
	// keeps the halves the second's drops.
	var masks [2][]float64
	for h := range masks {
		masks[h] = make([]float64, k*n)
		for i := range k {
			for j := range n {
				if (j/16)%2 == h {
					masks[h][i*n+j] = 1
				}
			}
		}
	}
	ms := ir.Shape{Rows: k, Cols: n}
	b.Output("c1", b.Mask(b.MatMul(a, b.Param(0), ir.TransB), b.Const(ms, masks[0])))
	b.Output("c2", b.Mask(b.MatMul(a, b.Param(1), ir.TransB), b.Const(ms, masks[1])))
	p := b.Program()
	ps := NewParams(table)
	ps.DType = Float32
	copy(ps.Data, randomRows(len(ps.Data), 1, 2))
	in := randomRows(batch, k, 3)
	var got [2][][]float64
	for v, on := range []bool{false, true} {
		rowwiseOn = on
		pt := newPartOf(p, ps, batch, rand.New(rand.NewPCG(6, 7)), nil)
		for i := range batch {
			pt.setRow(i, in[i*k:(i+1)*k])
		}
		for range 2 {
			pt.prelude(allSteps(pt.preludeWork(1)))
			pt.run()
		}
		if n, _ := countRowwise(pt); n != 0 {
			t.Fatalf("rowwise %v: %d output-masked products ran rowwise", on, n)
		}
		for _, o := range p.Outputs {
			out := make([]float64, p.Type(o.Value).Size(batch))
			for j := range out {
				out[j] = pt.value(o.Value, j) // not accumulated: −0 stays −0
			}
			got[v] = append(got[v], out)
		}
	}
	blocked := false
	for i := range got[0] {
		for j, x := range got[0][i] {
			if y := got[1][i][j]; math.Float64bits(x) != math.Float64bits(y) {
				t.Fatalf("%s[%d] = %v with rowwise off, %v on", p.Outputs[i].Name, j, x, y)
			}
			blocked = blocked || x == 0
		}
	}
	if !blocked {
		t.Fatal("no masked-out zeros: the mask did not apply")
	}
}
