package ad_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
)

// TestRulesAgainstFiniteDifferences checks each op's gradient rule on its
// own: loss = Σ op(params...) ⊙ C for a random constant C, derived gradient
// against central differences, for every broadcasting form.
func TestRulesAgainstFiniteDifferences(t *testing.T) {
	for _, c := range ruleCases() {
		t.Run(c.name, func(t *testing.T) {
			var table []ir.Param
			b := ir.NewBuilder("t", &table)
			var ps []ir.Value
			for i, sh := range c.shapes {
				ps = append(ps, b.Param(b.NewParam(string(rune('a'+i)), sh, ir.Init{Kind: ir.InitUniform, Scale: 1})))
			}
			out := c.f(b, ps)
			os := b.Type(out)
			rng := rand.New(rand.NewPCG(1, 1))
			w := make([]float64, os.Rows*os.Cols)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			b.Output("loss", b.SumRows(b.SumCols(b.Mul(out, b.Const(os, w)))))
			g, err := ad.Grad(b.Program(), "loss")
			if err != nil {
				t.Fatal(err)
			}
			params := runtime.NewParams(g.Params)
			params.Init(rng)
			e := runtime.New(g, params, 1, nil)
			e.Run()
			lossExec := runtime.New(b.Program(), params, 1, nil)
			loss := func() float64 { lossExec.Run(); return lossExec.Output("loss")[0] }
			for i, p := range g.Params {
				grad := e.Output(ir.GradPrefix + p.Name)
				v := params.Views[i]
				for j := range v {
					orig := v[j]
					const h = 1e-6
					v[j] = orig + h
					up := loss()
					v[j] = orig - h
					down := loss()
					v[j] = orig
					num := (up - down) / (2 * h)
					if math.Abs(grad[j]-num) > 1e-6*math.Max(1, math.Abs(num)) {
						t.Errorf("%s[%d]: derived %.9g, finite differences %.9g", p.Name, j, grad[j], num)
					}
				}
			}
		})
	}
}

// ruleCase is one program of TestRulesAgainstFiniteDifferences: params
// of the given shapes and the value built from them.
type ruleCase struct {
	name   string
	shapes []ir.Shape
	f      func(b *ir.Builder, p []ir.Value) ir.Value
}

// ruleCases returns a program for every op's rule, each broadcasting
// form and the elementwise functions on domains away from their poles.
func ruleCases() []ruleCase {
	s := func(r, c int) ir.Shape { return ir.Shape{Rows: r, Cols: c} }
	return []ruleCase{
		{"matmul", []ir.Shape{s(3, 4), s(4, 2)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.MatMul(p[0], p[1], 0) }},
		{"matmul Aᵀ", []ir.Shape{s(4, 3), s(4, 2)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.MatMul(p[0], p[1], ir.TransA) }},
		{"matmul Bᵀ", []ir.Shape{s(3, 4), s(2, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.MatMul(p[0], p[1], ir.TransB) }},
		{"matmul AᵀBᵀ", []ir.Shape{s(4, 3), s(2, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.MatMul(p[0], p[1], ir.TransA|ir.TransB)
		}},
		{"add", []ir.Shape{s(3, 4), s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Add(p[0], p[1]) }},
		{"add row", []ir.Shape{s(3, 4), s(1, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Add(p[0], p[1]) }},
		{"sub col", []ir.Shape{s(3, 4), s(3, 1)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Sub(p[0], p[1]) }},
		{"mul scalar", []ir.Shape{s(3, 4), s(1, 1)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Mul(p[0], p[1]) }},
		{"mul row", []ir.Shape{s(3, 4), s(1, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Mul(p[0], p[1]) }},
		{"div", []ir.Shape{s(3, 4), s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Div(p[0], b.AddConst(b.Exp(p[1]), 0.5)) }},
		{"div col", []ir.Shape{s(3, 4), s(3, 1)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Div(p[0], b.AddConst(b.Exp(p[1]), 0.5)) }},
		{"neg exp", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Neg(b.Exp(p[0])) }},
		{"log", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Log(b.AddConst(b.Exp(p[0]), 0.1)) }},
		{"relu", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Relu(p[0]) }},
		{"relugrad", []ir.Shape{s(3, 4), s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Add(b.ReluGrad(p[0], p[1]), p[0]) }},
		{"scale addconst", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.AddConst(b.Scale(p[0], -1.7), 2) }},
		{"sumcols", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SumCols(p[0]) }},
		{"sumrows", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SumRows(p[0]) }},
		{"meanrows", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.MeanRows(p[0]) }},
		{"bcastrows", []ir.Shape{s(1, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.BroadcastRows(p[0], s(3, 4), false) }},
		{"bcastrows mean", []ir.Shape{s(1, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.BroadcastRows(p[0], s(3, 4), true) }},
		{"bcastcols", []ir.Shape{s(3, 1)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.BroadcastCols(p[0], s(3, 4)) }},
		{"slicecols", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SliceCols(p[0], 1, 3) }},
		{"padcols", []ir.Shape{s(3, 2)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PadCols(p[0], 1, 5) }},
		{"slicerows", []ir.Shape{s(4, 3)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SliceRows(p[0], 1, 3) }},
		{"padrows", []ir.Shape{s(2, 3)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PadRows(p[0], 1, 5) }},
		{"transpose", []ir.Shape{s(2, 3)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Transpose(p[0]) }},
		{"permcols", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PermuteCols(p[0], []int{2, 0, 3, 1}) }},
		{"tanh", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Tanh(p[0]) }},
		{"sigmoid", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Sigmoid(b.Scale(p[0], 5)) }},
		{"softplus", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Softplus(b.Scale(p[0], 5)) }},
		{"sqrt", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Sqrt(b.AddConst(b.Exp(p[0]), 0.1)) }},
		{"abs", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Abs(p[0]) }},
		{"floor greater", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			// piecewise constant parts add nothing to the gradient
			return b.Add(b.Mul(p[0], b.Greater(p[0], b.Scalar(0.1))), b.Floor(b.Scale(p[0], 3)))
		}},
		{"trisolve upper", []ir.Shape{s(3, 4), s(4, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.TriSolve(p[0], b.Add(p[1], b.Const(s(4, 4), diag(4, 3))), 0)
		}},
		{"trisolve lower unit", []ir.Shape{s(3, 4), s(4, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.TriSolve(p[0], p[1], ir.TriLower|ir.TriUnit)
		}},
		{"trisolve lower transposed", []ir.Shape{s(3, 4), s(4, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.TriSolve(p[0], b.Add(p[1], b.Const(s(4, 4), diag(4, 3))), ir.TriLower|ir.TriTrans)
		}},
		{"clamp", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Clamp(p[0], -0.5, 0.4) }},
		{"maxcols", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.MaxCols(p[0]) }},
		{"segsum", []ir.Shape{s(3, 6)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SegSum(p[0], 3) }},
		{"segexpand", []ir.Shape{s(3, 2)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SegExpand(p[0], 3) }},
		{"segcumsum", []ir.Shape{s(3, 6)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SegCumsum(p[0], 3, false) }},
		{"segcumsum reverse", []ir.Shape{s(3, 6)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.SegCumsum(p[0], 2, true) }},
		{"mul self", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Mul(p[0], p[0]) }},
		{"sin", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Sin(b.Scale(p[0], 3)) }},
		{"cos", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Cos(b.Scale(p[0], 3)) }},
		{"log1p", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Log1p(b.Scale(p[0], 0.9)) }},
		{"expm1", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Expm1(b.Scale(p[0], 2)) }},
		{"lgamma", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Lgamma(b.Exp(b.Scale(p[0], 3))) }},
		{"lgamma large", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Lgamma(b.AddConst(b.Scale(p[0], 5), 20)) }},
		{"lgamma negative", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.Lgamma(b.AddConst(b.Scale(p[0], 0.4), -2.5)) // in (-2.9, -2.1): no pole
		}},
		{"powconst 2.5", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PowConst(b.Exp(p[0]), 2.5) }},
		{"powconst -1.5", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PowConst(b.Exp(p[0]), -1.5) }},
		{"powconst 3 negative base", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PowConst(p[0], 3) }},
		{"powconst 1", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.PowConst(p[0], 1) }},
		{"powconst 0", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value { return b.Add(b.PowConst(p[0], 0), p[0]) }},
		{"mask", []ir.Shape{s(3, 4)}, func(b *ir.Builder, p []ir.Value) ir.Value {
			return b.Mask(p[0], b.Const(s(3, 4), []float64{1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0}))
		}},
	}
}

func diag(n int, v float64) []float64 {
	d := make([]float64, n*n)
	for i := range n {
		d[i*n+i] = v
	}
	return d
}

// TestEdgeGradients checks the derivative of the new elementwise ops at
// single points where it is exact or at an edge of the domain: PowConst
// at 0 (infinite below exponent 1, as math.Pow) and at a negative base
// with a non-integer exponent (NaN), Lgamma's digamma at known values,
// negative arguments included.
func TestEdgeGradients(t *testing.T) {
	const euler = 0.57721566490153286061
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name string
		x    float64
		f    func(b *ir.Builder, x ir.Value) ir.Value
		want float64
	}{
		{"powconst 0.5 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 0.5) }, inf},
		{"powconst -1 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, -1) }, math.Inf(-1)},
		{"powconst 2 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 2) }, 0},
		{"powconst 1 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 1) }, 1},
		{"powconst 0 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 0) }, 0},
		{"powconst 3 at -2", -2, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 3) }, 12},
		{"powconst 0.5 at -1", -1, func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, 0.5) }, nan},
		{"lgamma at 1", 1, func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, -euler},
		{"lgamma at 2", 2, func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, 1 - euler},
		{"lgamma at 0.5", 0.5, func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, -euler - 2*math.Ln2},
		{"lgamma at -0.5", -0.5, func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, 2 - euler - 2*math.Ln2},
		{"lgamma at pole -1", -1, func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, nan},
		{"sin at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.Sin(x) }, 1},
		{"cos at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.Cos(x) }, 0},
		{"log1p at -1", -1, func(b *ir.Builder, x ir.Value) ir.Value { return b.Log1p(x) }, inf},
		{"expm1 at 0", 0, func(b *ir.Builder, x ir.Value) ir.Value { return b.Expm1(x) }, 1},
	}
	for _, c := range cases {
		var table []ir.Param
		b := ir.NewBuilder("edge", &table)
		x := b.Param(b.NewParam("x", ir.Shape{Rows: 1, Cols: 1}, ir.Init{Kind: ir.InitConst, Scale: c.x}))
		b.Output("loss", c.f(b, x))
		g, err := ad.Grad(b.Program(), "loss")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		params := runtime.NewParams(g.Params)
		params.Init(rand.New(rand.NewPCG(1, 1)))
		e := runtime.New(g, params, 1, nil)
		e.Run()
		got := e.Output(ir.GradPrefix + "x")[0]
		ok := got == c.want || math.IsNaN(got) && math.IsNaN(c.want) ||
			math.Abs(got-c.want) <= 1e-15*math.Max(1, math.Abs(c.want)) // digamma: a few ulps
		if !ok {
			t.Errorf("%s: derivative %.17g, want %.17g", c.name, got, c.want)
		}
	}
}
