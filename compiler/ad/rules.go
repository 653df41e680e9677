package ad

import "github.com/noxlang/nox/compiler/ir"

// A rule emits the vector-Jacobian product of one instruction: given the
// instruction, its (renamed) operands args, its result out and the
// cotangent g of out, it returns one cotangent per operand (ir.None where
// an operand gets none). Cotangents of a broadcast operand are reduced to
// its shape.
type rule func(b *ir.Builder, in ir.Instr, args []ir.Value, out, g ir.Value) []ir.Value

// A partialRule is the rule of a two-operand op that emits the cotangent
// of an operand only where need says it is wanted: VJP differentiates
// with respect to one value, so the cotangents of parameters and
// constants along its path would be dead instructions in a program that
// nothing prunes (a forward program), each a product as costly as the
// one that is wanted.
type partialRule func(b *ir.Builder, in ir.Instr, args []ir.Value, out, g ir.Value, need []bool) []ir.Value

// partial holds the ops whose rule is a partialRule; rules holds each of
// them with both cotangents wanted.
var partial = [ir.NumOps]partialRule{
	ir.OpMatMul: matmulRule,
	ir.OpAdd:    addRule,
	ir.OpSub:    subRule,
	ir.OpMul:    mulRule,
	ir.OpDiv:    divRule,
}

// both is r with every operand's cotangent wanted.
func both(r partialRule) rule {
	return func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return r(b, in, a, out, g, []bool{true, true})
	}
}

// when returns f() if want, else ir.None without emitting anything.
func when(want bool, f func() ir.Value) ir.Value {
	if !want {
		return ir.None
	}
	return f()
}

func addRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value, need []bool) []ir.Value {
	return []ir.Value{when(need[0], func() ir.Value { return g }), when(need[1], func() ir.Value { return reduceTo(b, g, b.Type(a[1])) })}
}

func subRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value, need []bool) []ir.Value {
	return []ir.Value{when(need[0], func() ir.Value { return g }), when(need[1], func() ir.Value { return reduceTo(b, b.Neg(g), b.Type(a[1])) })}
}

func mulRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value, need []bool) []ir.Value {
	return []ir.Value{
		when(need[0], func() ir.Value { return b.Mul(g, a[1]) }),
		when(need[1], func() ir.Value { return reduceTo(b, b.Mul(g, a[0]), b.Type(a[1])) }),
	}
}

func divRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value, need []bool) []ir.Value {
	ga := b.Div(g, a[1])
	return []ir.Value{ga, when(need[1], func() ir.Value { return reduceTo(b, b.Neg(b.Mul(ga, out)), b.Type(a[1])) })}
}

// Backend ops (ir.Op.Backend) have no rule: Grad rejects them.

// leaf is the rule of an op without operands: inputs, parameters (handled
// by Grad itself), constants and random draws.
func leaf(*ir.Builder, ir.Instr, []ir.Value, ir.Value, ir.Value) []ir.Value { return nil }

var rules = [ir.NumOps]rule{
	ir.OpInput:       leaf,
	ir.OpParam:       leaf,
	ir.OpConst:       leaf,
	ir.OpRandNormal:  leaf,
	ir.OpDropout:     leaf,
	ir.OpRandUniform: leaf,

	ir.OpMatMul: both(matmulRule),
	ir.OpAdd:    both(addRule),
	ir.OpSub:    both(subRule),
	ir.OpMul:    both(mulRule),
	ir.OpDiv:    both(divRule),

	ir.OpNeg: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Neg(g)}
	},
	ir.OpExp: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mul(g, out)}
	},
	ir.OpLog: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Div(g, a[0])}
	},
	ir.OpRelu: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.ReluGrad(a[0], g)}
	},
	// relugrad is linear in its cotangent operand and piecewise constant in
	// the other, whose derivative is zero almost everywhere.
	ir.OpReluGrad: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{ir.None, b.ReluGrad(a[0], g)}
	},
	ir.OpScale: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Scale(g, in.Float)}
	},
	ir.OpAddConst: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{g}
	},

	ir.OpSumCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.BroadcastCols(g, b.Type(a[0]))}
	},
	ir.OpSumRows: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.BroadcastRows(g, b.Type(a[0]), false)}
	},
	ir.OpMeanRows: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.BroadcastRows(g, b.Type(a[0]), true)}
	},
	ir.OpBroadcastRows: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		if in.Int == 1 {
			return []ir.Value{b.MeanRows(g)}
		}
		return []ir.Value{b.SumRows(g)}
	},
	ir.OpBroadcastCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.SumCols(g)}
	},
	ir.OpSliceCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.PadCols(g, in.Int, b.Type(a[0]).Cols)}
	},
	ir.OpPadCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.SliceCols(g, in.Int, in.Int+b.Type(a[0]).Cols)}
	},
	ir.OpSliceRows: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.PadRows(g, in.Int, b.Type(a[0]).Rows)}
	},
	ir.OpPadRows: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.SliceRows(g, in.Int, in.Int+b.Type(a[0]).Rows)}
	},
	ir.OpTranspose: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Transpose(g)}
	},
	ir.OpPermuteCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		inv := make([]int, len(in.Ints))
		for j, p := range in.Ints {
			inv[p] = j
		}
		return []ir.Value{b.PermuteCols(g, inv)}
	},

	ir.OpTanh: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// d tanh = 1 - tanh²
		return []ir.Value{b.Sub(g, b.Mul(g, b.Mul(out, out)))}
	},
	ir.OpSigmoid: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// d σ = σ(1-σ)
		return []ir.Value{b.Mul(g, b.Sub(out, b.Mul(out, out)))}
	},
	ir.OpSoftplus: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mul(g, b.Sigmoid(a[0]))}
	},
	ir.OpSqrt: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Div(b.Scale(g, 0.5), out)}
	},
	ir.OpAbs: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// sign(x) = [x > 0] - [-x > 0]
		zero := b.Scalar(0)
		sign := b.Sub(b.Greater(a[0], zero), b.Greater(b.Neg(a[0]), zero))
		return []ir.Value{b.Mul(g, sign)}
	},
	// Floor and Greater are piecewise constant: zero derivative almost
	// everywhere, so they pass no cotangent.
	ir.OpFloor:   func(*ir.Builder, ir.Instr, []ir.Value, ir.Value, ir.Value) []ir.Value { return nil },
	ir.OpGreater: func(*ir.Builder, ir.Instr, []ir.Value, ir.Value, ir.Value) []ir.Value { return nil },
	// Support is 0 or −Inf, constant on the domain: no cotangent, so the
	// gradient of an in-domain row is that of the layer alone.
	ir.OpSupport:  func(*ir.Builder, ir.Instr, []ir.Value, ir.Value, ir.Value) []ir.Value { return nil },
	ir.OpStopGrad: func(*ir.Builder, ir.Instr, []ir.Value, ir.Value, ir.Value) []ir.Value { return nil },
	ir.OpClamp: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		lo, hi := in.Data[0], in.Data[1]
		inside := b.Mul(b.Greater(a[0], b.Scalar(lo)), b.Greater(b.Neg(a[0]), b.Scalar(-hi)))
		return []ir.Value{b.Mul(g, inside)}
	},
	ir.OpMaxCols: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// The cotangent goes to the maximal elements: where out > x is
		// false. (Ties share it in full; they have measure zero.)
		s := b.Type(a[0])
		notMax := b.Greater(b.BroadcastCols(out, s), a[0])
		return []ir.Value{b.Sub(b.BroadcastCols(g, s), b.Mul(b.BroadcastCols(g, s), notMax))}
	},
	ir.OpSegSum: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.SegExpand(g, in.Int)}
	},
	ir.OpSegExpand: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.SegSum(g, in.Int)}
	},
	ir.OpSegCumsum: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// The adjoint of a running sum is the running sum the other way.
		return []ir.Value{b.SegCumsum(g, in.Int, in.Float != 1)}
	},
	ir.OpTriSolve: triSolveRule,

	ir.OpSin: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mul(g, b.Cos(a[0]))}
	},
	ir.OpCos: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Neg(b.Mul(g, b.Sin(a[0])))}
	},
	ir.OpLog1p: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		// 1/(1+x) is well-conditioned but near x = −1, where the sum is exact
		return []ir.Value{b.Div(g, b.AddConst(a[0], 1))}
	},
	ir.OpExpm1: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mul(g, b.Exp(a[0]))}
	},
	ir.OpLgamma: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mul(g, b.Digamma(a[0]))}
	},
	ir.OpPowConst: powConstRule,
	// The mask is constant: only the masked operand gets a cotangent,
	// masked the same way.
	ir.OpMask: func(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
		return []ir.Value{b.Mask(g, a[1])}
	},
}

// noRule gives the reason an op that is not a backend op has no gradient
// rule; Grad reports it when a loss needs one.
var noRule = [ir.NumOps]string{
	ir.OpDigamma: "digamma is only the derivative of lgamma: its own derivative (trigamma) is not implemented, so gradients through lgamma are first-order only",
}

// powConstRule: d x^c = c·x^(c−1), so at x = 0 it is infinite for c < 1
// (with math.Pow's sign) and NaN where x^c is (x < 0, c not an integer).
// c = 0 and c = 1 are special-cased: x^(−1) at 0 would turn the zero
// derivative of a constant into 0·Inf = NaN, and c = 1 needs no power.
func powConstRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
	switch c := in.Float; c {
	case 0:
		return []ir.Value{b.Scale(g, 0)}
	case 1:
		return []ir.Value{g}
	default:
		return []ir.Value{b.Mul(g, b.Scale(b.PowConst(a[0], c-1), c))}
	}
}

// triSolveRule: for X = A·T⁻¹ (X·T = A), dA = G·T⁻ᵀ and dT = -Xᵀ·dA,
// kept to T's triangle (without the diagonal when it is implicit). With
// TriTrans (X = A·T⁻ᵀ) the roles of T and Tᵀ swap: dT = -dAᵀ·X.
func triSolveRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value) []ir.Value {
	n := b.Type(a[1]).Rows
	da := b.TriSolve(g, a[1], in.Int^ir.TriTrans)
	var dt ir.Value
	if in.Int&ir.TriTrans != 0 {
		dt = b.Neg(b.MatMul(da, out, ir.TransA))
	} else {
		dt = b.Neg(b.MatMul(out, da, ir.TransA))
	}
	mask := make([]float64, n*n)
	for i := range n {
		for j := range n {
			inTri := (in.Int&ir.TriLower != 0 && i >= j) || (in.Int&ir.TriLower == 0 && i <= j)
			if inTri && !(i == j && in.Int&ir.TriUnit != 0) {
				mask[i*n+j] = 1
			}
		}
	}
	return []ir.Value{da, b.Mask(dt, b.Const(ir.Shape{Rows: n, Cols: n}, mask))}
}

// matmulRule: for C = op(A)·op(B),
//
//	C = A·B:   dA = dC·Bᵀ,     dB = Aᵀ·dC
//	C = Aᵀ·B:  dA = B·dCᵀ,     dB = A·dC
//	C = A·Bᵀ:  dA = dC·B,      dB = dCᵀ·A
//	C = Aᵀ·Bᵀ: dA = Bᵀ·dCᵀ,    dB = dCᵀ·Aᵀ
func matmulRule(b *ir.Builder, in ir.Instr, a []ir.Value, out, g ir.Value, need []bool) []ir.Value {
	x, y := a[0], a[1]
	var da, db func() ir.Value
	switch in.Int {
	case 0:
		da, db = func() ir.Value { return b.MatMul(g, y, ir.TransB) }, func() ir.Value { return b.MatMul(x, g, ir.TransA) }
	case ir.TransA:
		da, db = func() ir.Value { return b.MatMul(y, g, ir.TransB) }, func() ir.Value { return b.MatMul(x, g, 0) }
	case ir.TransB:
		da, db = func() ir.Value { return b.MatMul(g, y, 0) }, func() ir.Value { return b.MatMul(g, x, ir.TransA) }
	default:
		da, db = func() ir.Value { return b.MatMul(y, g, ir.TransA|ir.TransB) }, func() ir.Value { return b.MatMul(g, x, ir.TransA|ir.TransB) }
	}
	return []ir.Value{when(need[0], da), when(need[1], db)}
}

// reduceTo sums the cotangent g of a broadcast result down to the operand
// shape s.
func reduceTo(b *ir.Builder, g ir.Value, s ir.Shape) ir.Value {
	gs := b.Type(g)
	if s.Rows == 1 && gs.Rows != 1 {
		g = b.SumRows(g)
	}
	if s.Cols == 1 && gs.Cols != 1 {
		g = b.SumCols(g)
	}
	return g
}
