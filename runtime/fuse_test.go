package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestFuse checks which instructions fuse absorbs in a MAF's programs and
// that the fused programs give the unfused ones' bits, in both dtypes.
func TestFuse(t *testing.T) {
	const dim, rows = 3, 37
	m := madeModel(t, 2, 20, dim)
	count := func(p *ir.Program) (bias, relu int) {
		for _, in := range fuse(p).Instrs {
			if in.Op == ir.OpGemm && in.Int&ir.GemmBias != 0 {
				bias++
				if in.Int&ir.GemmRelu != 0 {
					relu++
				}
			}
		}
		return
	}
	for _, c := range []struct {
		name       string
		p          *ir.Program
		bias, relu int
	}{
		// Per MADE: hidden layer (product, bias, relu), output layer
		// (product, bias). In the gradient program the relu's
		// derivative reads the relu's output instead of the pre-relu
		// sum (fuseReluGrad), so the relu fuses there too.
		{"logprob", m.LogProb, 4, 2},
		{"grad", m.Grad, 4, 2},
	} {
		if b, r := count(c.p); b != c.bias || r != c.relu {
			t.Errorf("%s: %d products fused with a bias and %d with a relu, want %d and %d", c.name, b, r, c.bias, c.relu)
		}
	}
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(rows, dim, 5)
	for _, p := range []*ir.Program{m.LogProb, m.Grad, m.Sample} {
		for _, dt := range []DType{Float64, Float32} {
			ps.DType = dt
			var got [2][][]float64
			for k, on := range []bool{false, true} {
				fusion = on
				got[k], _ = runOutputs(p, ps, in, rows, dim)
			}
			fusion = true
			for i, o := range p.Outputs {
				for j := range got[0][i] {
					if math.Float64bits(got[0][i][j]) != math.Float64bits(got[1][i][j]) {
						t.Fatalf("%s %v: %s[%d] = %v fused, %v unfused", p.Name, dt, o.Name, j, got[1][i][j], got[0][i][j])
					}
				}
			}
		}
	}
}

// runOutputs runs p on rows rows of in (rows×dim) in one part, with a
// fixed random stream, and returns every output, and the part.
func runOutputs(p *ir.Program, ps *Params, in []float64, rows, dim int) ([][]float64, part) {
	pt := newPartOf(p, ps, rows, rand.New(rand.NewPCG(6, 7)), nil)
	if len(p.Inputs) > 0 {
		for i := range rows {
			pt.setRow(i, in[i*dim:(i+1)*dim])
		}
	}
	pt.prelude(allSteps(pt.preludeWork(1)))
	pt.run()
	var out [][]float64
	for _, o := range p.Outputs {
		v := make([]float64, p.Type(o.Value).Size(rows))
		pt.accumulate(v, o.Value, 0, 1, false)
		out = append(out, v)
	}
	return out, pt
}

func allSteps(work [][][]int) []int {
	var all []int
	for _, lvl := range work {
		for _, s := range lvl {
			all = append(all, s...)
		}
	}
	return all
}

// TestBias checks each dtype's bias kernel against biasGo with the
// unfused instructions' kernels, bit for bit, on every shape up to 3×40,
// with and without relu.
func TestBias(t *testing.T) {
	checkBias(t, reluT[float32], bias32)
	checkBias(t, reluGo, bias64)
}

func checkBias[T Float](t *testing.T, relu func(out, a []T), kernel func(out, bias []T, rows, cols int, relu bool)) {
	rng := rand.New(rand.NewPCG(1, 2))
	for rows := 1; rows <= 3; rows++ {
		for cols := 1; cols <= 40; cols++ {
			for _, r := range []bool{false, true} {
				a := make([]T, rows*cols+1) // one past the end: must not change
				bias := make([]T, cols)
				for i := range a {
					a[i] = T(rng.NormFloat64())
				}
				for i := range bias {
					bias[i] = T(rng.NormFloat64())
				}
				a[0] = T(math.NaN())
				want := append([]T(nil), a...)
				biasGo(addGo[T], relu, want[:rows*cols], bias, rows, cols, r)
				kernel(a[:rows*cols], bias, rows, cols, r)
				for i := range a {
					if math.Float64bits(float64(a[i])) != math.Float64bits(float64(want[i])) && !(a[i] != a[i] && want[i] != want[i]) {
						t.Fatalf("%T %d×%d relu=%v: [%d] = %v, want %v", a[i], rows, cols, r, i, a[i], want[i])
					}
				}
			}
		}
	}
}

// TestAddCols checks ir.OpAddCols: additions of padded columns are fused (in
// either operand order; not one that broadcasts a padded row), run in
// place when the other operand dies there and on a copy when it lives on
// or is an input, and give the unfused program's bits in both dtypes,
// through the scalar (< 16 columns) and the vector branches.
func TestAddCols(t *testing.T) {
	const rows = 5
	for _, w := range []int{1, 20} {
		cols := 3 * w
		var table []ir.Param
		b := ir.NewBuilder("p", &table)
		x := b.Input("x", cols)
		col := func(k int) ir.Value { return b.Scale(b.SliceCols(x, k*w, (k+1)*w), float64(k+2)) }
		acc := b.PadCols(col(0), 0, cols)
		acc = b.Add(acc, b.PadCols(col(1), w, cols))              // in place
		kept := b.Add(b.PadCols(col(2), 2*w, cols), acc)          // padded first; in place
		live := b.Add(kept, b.PadCols(col(0), w, cols))           // kept lives on: a copy
		row := b.Add(live, b.PadCols(b.SumRows(col(2)), w, cols)) // broadcast: not fused
		input := b.Add(x, b.PadCols(col(1), 0, cols))             // x's last use, but an input's buffer
		b.Output("live", b.Mul(live, kept))
		b.Output("row", row)
		b.Output("input", input)
		p := b.Program()

		ps := NewParams(table)
		ps.Init(rand.New(rand.NewPCG(1, 2)))
		fused, inPlace := fusedAdds(t, p, ps, randomRows(rows, cols, 3), rows, cols, ir.OpAddCols)
		if fused != 4 {
			t.Errorf("width %d: %d additions fused, want 4", w, fused)
		}
		if inPlace != 2 {
			t.Errorf("width %d: %d additions in place, want 2 (acc twice; not kept, not the input)", w, inPlace)
		}
	}
}

// TestSliced checks fuseSliced: a product of column slices reads them in
// place, with the unfused program's bits, in both dtypes, for shapes that
// take each matrix path (dot products for narrow results, the blocked
// kernels, transposed operands), slicing the first operand, the second,
// or both.
func TestSliced(t *testing.T) {
	const rows = 37
	for _, c := range []struct {
		lo, hi, cols, n int
		flags           int
	}{
		{0, 5, 9, 2, 0}, {3, 40, 50, 3, 0}, {0, 64, 100, 40, 0}, {10, 110, 128, 33, 0},
		{0, 5, 9, 2, ir.TransB}, {3, 40, 50, 3, ir.TransB}, {10, 110, 128, 33, ir.TransB},
		{2, 30, 40, 9, ir.TransA}, {0, 70, 90, 40, ir.TransA}, {5, 60, 80, 20, ir.TransA | ir.TransB},
	} {
		k := c.hi - c.lo
		// The second operand is a slice of a wider parameter: columns
		// [1, 1+n) of n+3 (or, transposed, [2, 2+k) of k+5).
		wShape, wlo, whi := ir.Shape{Rows: k, Cols: c.n + 3}, 1, 1+c.n
		if c.flags&ir.TransB != 0 {
			wShape, wlo, whi = ir.Shape{Rows: c.n, Cols: k + 5}, 2, 2+k
		}
		if c.flags&ir.TransA != 0 { // Aᵀ·B over the batch: B is batched
			wShape, wlo, whi = ir.Shape{Rows: ir.Batch, Cols: c.n + 3}, 1, 1+c.n
			if c.flags&ir.TransB != 0 {
				continue
			}
		}
		for _, which := range []int{ir.GemmSliceA, ir.GemmSliceB, ir.GemmSliceA | ir.GemmSliceB} {
			table := []ir.Param{{Name: "w", Shape: ir.Shape{Rows: max(wShape.Rows, 1), Cols: wShape.Cols}, Init: ir.Init{Kind: ir.InitUniform, Scale: 1}}}
			b := ir.NewBuilder("p", &table)
			x := b.Input("x", c.cols+wShape.Cols)
			a := b.Scale(b.SliceCols(x, 0, c.cols), 2)
			if which&ir.GemmSliceA != 0 {
				a = b.SliceCols(a, c.lo, c.hi)
			} else {
				a = b.Scale(b.SliceCols(a, c.lo, c.hi), 1) // a copy: not read in place
			}
			w := b.Param(0)
			if wShape.Batched() {
				w = b.SliceCols(x, c.cols, c.cols+wShape.Cols)
			}
			w = b.SliceCols(w, wlo, whi)
			if which&ir.GemmSliceB == 0 {
				w = b.Scale(w, 1)
			}
			b.Output("y", b.MatMul(a, w, c.flags))
			p := b.Program()
			got := 0
			for _, in := range fuse(p).Instrs {
				if isProduct(in.Op) {
					got = in.Int & (ir.GemmSliceA | ir.GemmSliceB)
				}
			}
			if got != which {
				t.Fatalf("%+v: slices read in place %b, want %b", c, got, which)
			}
			ps := NewParams(table)
			ps.Init(rand.New(rand.NewPCG(1, 2)))
			in := randomRows(rows, c.cols+wShape.Cols, 3)
			for _, dt := range []DType{Float64, Float32} {
				ps.DType = dt
				var out [2][][]float64
				for k, on := range []bool{false, true} {
					fusion = on
					out[k], _ = runOutputs(p, ps, in, rows, c.cols+wShape.Cols)
				}
				fusion = true
				for j, want := range out[0][0] {
					if math.Float64bits(out[1][0][j]) != math.Float64bits(want) {
						t.Fatalf("%+v %b %v: y[%d] = %v fused, %v unfused", c, which, dt, j, out[1][0][j], want)
					}
				}
			}
		}
	}
}

// fusedAdds runs p unfused and fused on rows rows of in, in both dtypes,
// fails unless every output has the same bits, and returns how many
// additions fuse made op and how many of those run in place (float64).
func fusedAdds(t *testing.T, p *ir.Program, ps *Params, in []float64, rows, cols int, op ir.Op) (fused, inPlace int) {
	t.Helper()
	for _, in := range fuse(p).Instrs {
		if in.Op == op {
			fused++
		}
	}
	defer func() { fusion = true }()
	for _, dt := range []DType{Float64, Float32} {
		ps.DType = dt
		var got [2][][]float64
		for k, on := range []bool{false, true} {
			fusion = on
			var pt part
			got[k], pt = runOutputs(p, ps, in, rows, cols)
			if on && dt == Float64 {
				for _, s := range pt.(*execPart[float64]).exec.steps {
					if s.op == op && &s.out[0] == &s.a[0] {
						inPlace++
					}
				}
			}
		}
		for i, o := range p.Outputs {
			for j := range got[0][i] {
				if math.Float64bits(got[0][i][j]) != math.Float64bits(got[1][i][j]) {
					t.Fatalf("%v: %s[%d] = %v fused, %v unfused", dt, o.Name, j, got[1][i][j], got[0][i][j])
				}
			}
		}
	}
	return fused, inPlace
}

// TestAddBroadcastCols checks that an addition of a column broadcast
// used nowhere else adds the column itself (the second operand of
// binary, broadcast by columns), in either operand order, and leaves a
// broadcast used twice or one that is an output alone; the fused
// program gives the unfused one's bits in both dtypes, for narrow and
// wide rows.
func TestAddBroadcastCols(t *testing.T) {
	const rows = 7
	for _, cols := range []int{3, 40} {
		var table []ir.Param
		b := ir.NewBuilder("p", &table)
		x := b.Input("x", cols)
		shape := ir.Shape{Rows: ir.Batch, Cols: cols}
		c := b.SumCols(x)
		first := b.Add(b.BroadcastCols(c, shape), b.Neg(x))  // fused
		second := b.Add(x, b.BroadcastCols(b.Neg(c), shape)) // fused
		twice := b.BroadcastCols(b.AddConst(c, 1), shape)    // used twice: kept
		out := b.BroadcastCols(b.AddConst(c, 2), shape)      // an output: kept
		b.Output("a", b.Mul(b.Add(first, twice), b.Add(twice, second)))
		b.Output("b", b.Add(out, x))
		b.Output("out", out)
		p := b.Program()
		ps := NewParams(table)
		in := randomRows(rows, cols, 4)
		in[0], in[1] = math.Copysign(0, -1), math.Inf(1)
		if left, _ := fusedAdds(t, p, ps, in, rows, cols, ir.OpBroadcastCols); left != 2 {
			t.Errorf("cols %d: %d column broadcasts left, want 2", cols, left)
		}
	}
}
