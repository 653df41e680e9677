package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestEveryOpHasKernel runs one instruction of every primitive op (every
// op but the backend ops, which only the runtime's own rewrites make) in
// both precisions, and fails when an op is added to the IR without a
// case here or without a kernel (exec panics "has no kernel").
func TestEveryOpHasKernel(t *testing.T) {
	s := func(r, c int) ir.Shape { return ir.Shape{Rows: r, Cols: c} }
	type build func(b *ir.Builder, x, w ir.Value) ir.Value
	un := func(f func(*ir.Builder, ir.Value) ir.Value) build {
		return func(b *ir.Builder, x, _ ir.Value) ir.Value { return f(b, x) }
	}
	mask := []float64{1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1}
	cases := []build{
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return x },
		func(b *ir.Builder, _, w ir.Value) ir.Value { return w },
		func(b *ir.Builder, _, _ ir.Value) ir.Value { return b.Scalar(2) },
		func(b *ir.Builder, _, _ ir.Value) ir.Value { return b.RandNormal(s(ir.Batch, 4)) },
		func(b *ir.Builder, _, _ ir.Value) ir.Value { return b.Dropout(s(ir.Batch, 4), 0.5) },
		func(b *ir.Builder, _, _ ir.Value) ir.Value { return b.RandUniform(s(ir.Batch, 4)) },
		func(b *ir.Builder, x, w ir.Value) ir.Value { return b.MatMul(x, w, 0) },
		func(b *ir.Builder, x, w ir.Value) ir.Value { return b.Add(x, b.SliceRows(w, 0, 1)) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Sub(x, b.Scalar(1)) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Mul(x, x) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Div(x, b.Scalar(3)) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.ReluGrad(x, x) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Scale(x, 2) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.AddConst(x, 2) },
		un((*ir.Builder).Neg), un((*ir.Builder).Exp), un((*ir.Builder).Log), un((*ir.Builder).Relu),
		un((*ir.Builder).SumCols), un((*ir.Builder).SumRows), un((*ir.Builder).MeanRows), un((*ir.Builder).MaxCols),
		un((*ir.Builder).Tanh), un((*ir.Builder).Sigmoid), un((*ir.Builder).Softplus), un((*ir.Builder).Sqrt),
		un((*ir.Builder).Abs), un((*ir.Builder).Floor), un((*ir.Builder).Sin), un((*ir.Builder).Cos),
		un((*ir.Builder).Log1p), un((*ir.Builder).Expm1), un((*ir.Builder).Lgamma), un((*ir.Builder).Digamma),
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.PowConst(x, 1.5) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.BroadcastRows(b.SumRows(x), s(3, 4), true) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.BroadcastCols(b.SumCols(x), s(ir.Batch, 4)) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.SliceCols(x, 1, 3) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.PadCols(x, 1, 6) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.PermuteCols(x, []int{3, 1, 0, 2}) },
		func(b *ir.Builder, _, w ir.Value) ir.Value { return b.PadRows(w, 1, 6) },
		func(b *ir.Builder, _, w ir.Value) ir.Value { return b.Transpose(w) },
		func(b *ir.Builder, _, w ir.Value) ir.Value { return b.SliceRows(w, 1, 3) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Greater(x, b.Scalar(0.5)) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Clamp(x, -1, 1) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.Support(x, -1, 1, false) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.StopGrad(x) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.SegSum(x, 2) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.SegExpand(x, 2) },
		func(b *ir.Builder, x, _ ir.Value) ir.Value { return b.SegCumsum(x, 2, true) },
		func(b *ir.Builder, x, w ir.Value) ir.Value { return b.TriSolve(x, w, ir.TriLower|ir.TriUnit) },
		func(b *ir.Builder, _, w ir.Value) ir.Value { return b.Mask(w, b.Const(s(4, 4), mask)) },
	}
	covered := make([]bool, ir.NumOps)
	for i, c := range cases {
		var table []ir.Param
		b := ir.NewBuilder("op", &table)
		x := b.Input("x", 4)
		w := b.Param(b.NewParam("w", s(4, 4), ir.Init{Kind: ir.InitUniform, Scale: 1}))
		v := c(b, x, w)
		op := b.Program().Instrs[v].Op
		covered[op] = true
		b.Output("y", v)
		p := b.Program()
		ps := NewParams(table)
		ps.Init(rand.New(rand.NewPCG(1, 2)))
		for _, run := range []func(){
			func() { NewExec[float64](p, ps, 3, rand.New(rand.NewPCG(3, 4))).Run() },
			func() { NewExec[float32](p, ps, 3, rand.New(rand.NewPCG(3, 4))).Run() },
		} {
			if err := catch(run); err != nil {
				t.Errorf("case %d (%s): %v", i, op, err)
			}
		}
	}
	for op := range ir.NumOps {
		if o := ir.Op(op); !o.Backend() && !covered[op] {
			t.Errorf("op %s is not run here: add a case", o)
		}
	}
}

// catch runs f and returns its panic, if any, as an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	f()
	return nil
}
