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
			if in.Op == ir.OpMatMul && in.Int&fuseBias != 0 {
				bias++
				if in.Int&fuseRelu != 0 {
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
		// (product, bias). The gradient program keeps the hidden
		// layer's pre-relu sum for the relu's derivative.
		{"logprob", m.LogProb, 4, 2},
		{"grad", m.Grad, 4, 0},
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

// TestBias32 checks the float32 bias kernel against biasGo on every
// shape up to 3×40, with and without relu.
func TestBias32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for rows := 1; rows <= 3; rows++ {
		for cols := 1; cols <= 40; cols++ {
			for _, relu := range []bool{false, true} {
				a := make([]float32, rows*cols+1) // one past the end: must not change
				bias := make([]float32, cols)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range bias {
					bias[i] = float32(rng.NormFloat64())
				}
				a[0] = float32(math.NaN())
				want := append([]float32(nil), a...)
				biasGo(addGo[float32], reluT[float32], want[:rows*cols], bias, rows, cols, relu)
				bias32(a[:rows*cols], bias, rows, cols, relu)
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(want[i]) && !(a[i] != a[i] && want[i] != want[i]) {
						t.Fatalf("%d×%d relu=%v: [%d] = %v, want %v", rows, cols, relu, i, a[i], want[i])
					}
				}
			}
		}
	}
}
