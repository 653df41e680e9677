package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestTransposeKernel checks transpose against the definition on shapes
// below, at and across its tiles, with and without a permutation.
func TestTransposeKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][2]int{{1, 1}, {3, 5}, {32, 32}, {33, 70}, {100, 37}, {64, 129}} {
		rows, cols := s[0], s[1]
		a := make([]float64, rows*cols)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for _, perm := range [][]int{nil, rng.Perm(cols)} {
			out := make([]float64, rows*cols)
			transpose(out, a, rows, cols, perm)
			a32 := make([]float32, len(a))
			convert(a32, a)
			out32 := make([]float32, len(a))
			transpose(out32, a32, rows, cols, perm)
			for r := range cols {
				src := r
				if perm != nil {
					src = perm[r]
				}
				for c := range rows {
					if want := a[c*cols+src]; out[r*rows+c] != want || out32[r*rows+c] != float32(want) {
						t.Fatalf("%dx%d perm %v: out[%d,%d] = %v (float32 %v), want %v", rows, cols, perm != nil, r, c, out[r*rows+c], out32[r*rows+c], want)
					}
				}
			}
		}
	}
}

// TestRowsOfWeights runs what a solve step does with a weight, x[:, :p]·
// (P(w)ᵀ)[lo:hi, :p]ᵀ for a column permutation P, and a row slice of a
// value computed from the batch, and checks them against the definition:
// the transpose gathers the permuted columns itself (fusePermuted), the
// row slice of the transposed weight is a view with no step, and the row
// slice of the batch's value, whose buffer the pool recycles, a copy.
// PadRows and SliceRows run as steps too.
func TestRowsOfWeights(t *testing.T) {
	const rows, d, wr, wc = 9, 6, 5, 7 // w is wr×wc; x has d columns
	perm := []int{3, 0, 6, 1, 5, 2, 4}
	const lo, hi, p = 2, 5, 4
	table := []ir.Param{{Name: "w", Shape: ir.Shape{Rows: wr, Cols: wc}, Init: ir.Init{Kind: ir.InitUniform, Scale: 1}}}
	b := ir.NewBuilder("p", &table)
	x := b.Input("x", d)
	wt := b.Transpose(b.PermuteCols(b.Param(0), perm)) // wc×wr
	rs := b.SliceRows(wt, lo, hi)
	b.Output("y", b.MatMul(b.SliceCols(x, 0, p), b.SliceCols(rs, 0, p), ir.TransB))
	// A row slice of a value from the batch, read after that value's
	// buffer went back to the pool and was taken by another of its size.
	g := b.MatMul(x, x, ir.TransA)             // d×d
	v := b.SliceRows(g, 1, 3)                  // g's last use
	h := b.MatMul(x, b.Scale(x, 2), ir.TransA) // 2g
	hs := b.Scale(h, 0.5)
	b.Output("g", b.Scale(v, 1))
	b.Output("pad", b.PadRows(b.SliceRows(hs, 4, 5), 2, 4))
	prog := b.Program()

	ps := NewParams(table)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	in := randomRows(rows, d, 3)
	w := ps.Views[0]
	wantY := make([]float64, rows*(hi-lo))
	for r := range rows {
		for j := range hi - lo {
			s := 0.0
			for k := range p {
				s += in[r*d+k] * w[k*wc+perm[lo+j]] // wᵀ row lo+j of P(w) is w's column perm[lo+j]
			}
			wantY[r*(hi-lo)+j] = s
		}
	}
	gram := func(i, j int) float64 {
		s := 0.0
		for r := range rows {
			s += in[r*d+i] * in[r*d+j]
		}
		return s
	}
	wantG := make([]float64, 2*d)
	for i := range 2 {
		for j := range d {
			wantG[i*d+j] = gram(1+i, j)
		}
	}
	wantPad := make([]float64, 4*d)
	for j := range d {
		wantPad[2*d+j] = gram(4, j)
	}

	q := fuse(prog)
	if in := q.Instrs[wt]; in.Op != ir.OpPermTranspose || q.Instrs[in.Args[0]].Op != ir.OpParam {
		t.Errorf("the transpose does not gather the permuted columns itself: %v", in)
	}
	defer func() { fusion = true }()
	for _, c := range []struct {
		dt DType
		on bool
	}{{Float64, true}, {Float32, true}, {Float64, false}} {
		// Unfused, the transposed weight's columns are a copy, made in
		// the prelude after the transpose its view reads.
		dt := c.dt
		ps.DType, fusion = dt, c.on
		outs, pt := runOutputs(prog, ps, in, rows, d)
		tol := 1e-12
		if dt == Float32 {
			tol = 1e-4
		}
		for i, want := range [][]float64{wantY, wantG, wantPad} {
			for j, v := range want {
				if math.Abs(outs[i][j]-v) > tol*(1+math.Abs(v)) {
					t.Fatalf("%v fusion %v: output %s[%d] = %v, want %v", dt, c.on, prog.Outputs[i].Name, j, outs[i][j], v)
				}
			}
		}
		checkView := func(e interface {
			view(v, of ir.Value, off int) bool
		}) {
			if !e.view(rs, wt, lo*wr) {
				t.Errorf("%v: the row slice of the transposed weight is not a view of it", dt)
			}
		}
		switch e := pt.(type) {
		case *execPart[float64]:
			checkView(e.exec)
		case *execPart[float32]:
			checkView(e.exec)
		}
	}
}

// view reports whether v's buffer is of's from element off on, and no
// step computes v.
func (e *Exec[T]) view(v, of ir.Value, off int) bool {
	for _, s := range slices.Concat(e.pre, e.steps) {
		if s.value == v {
			return false
		}
	}
	return &e.bufs[v][0] == &e.bufs[of][off]
}

// TestAddRows checks ir.OpAddRows as TestAddCols does ir.OpAddCols: sums of
// padded rows (a solve's weight gradient) are fused in either operand
// order, run in place when the other operand dies there and on a copy
// when it lives on, and give the unfused program's bits in both dtypes,
// through the scalar (< 16 elements) and the vector branches.
func TestAddRows(t *testing.T) {
	const rows = 5
	for _, w := range []int{1, 20} {
		cols, n := 3*w, 4
		var table []ir.Param
		b := ir.NewBuilder("p", &table)
		x := b.Input("x", cols)
		// block k: [1, cols] from the batch, at row k of n.
		block := func(k int) ir.Value { return b.Scale(b.SumRows(x), float64(k+2)) }
		acc := b.PadRows(block(0), 0, n)
		acc = b.Add(acc, b.PadRows(block(1), 1, n))    // in place
		kept := b.Add(b.PadRows(block(2), 3, n), acc)  // padded first; in place
		live := b.Add(kept, b.PadRows(block(3), 1, n)) // kept lives on: a copy
		b.Output("live", b.Mul(live, kept))
		p := b.Program()

		fused, inPlace := fusedAdds(t, p, NewParams(table), randomRows(rows, cols, 3), rows, cols, ir.OpAddRows)
		if fused != 3 {
			t.Errorf("width %d: %d additions fused, want 3", w, fused)
		}
		if inPlace != 2 {
			t.Errorf("width %d: %d additions in place, want 2 (acc twice; not kept)", w, inPlace)
		}
	}
}
