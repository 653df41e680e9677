package onnx

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/onnxpb"
)

// rule exports one IR op: emit appends the ONNX nodes of an instruction
// (its operands already emitted) and returns the name of its value; an
// op that cannot be exported has a nil emit and why says so.
type rule struct {
	emit func(b *builder, in ir.Instr) (string, error)
	why  string
}

// rules is the export table: one entry for every IR op
// (TestEveryOpHasRule).
var rules = map[ir.Op]rule{}

// unaryRule and binaryRule map an op to the ONNX operator of the same
// meaning, on the same operands (ONNX broadcasts a second operand of
// [1,n], [r,1] or [1,1] as nox does); refuse states why an op has none.
func unaryRule(op string) rule {
	return rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node(op, []string{b.ref(in.Args[0])}, nil), nil
	}}
}

func binaryRule(op string) rule {
	return rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node(op, []string{b.ref(in.Args[0]), b.ref(in.Args[1])}, nil), nil
	}}
}

func refuse(why string) rule { return rule{why: why} }

func init() {
	for op, name := range map[ir.Op]string{
		ir.OpNeg: "Neg", ir.OpExp: "Exp", ir.OpLog: "Log", ir.OpRelu: "Relu", ir.OpTanh: "Tanh",
		ir.OpSigmoid: "Sigmoid", ir.OpSqrt: "Sqrt", ir.OpAbs: "Abs",
		ir.OpFloor: "Floor", ir.OpSin: "Sin", ir.OpCos: "Cos", ir.OpStopGrad: "Identity",
	} {
		rules[op] = unaryRule(name)
	}
	for op, name := range map[ir.Op]string{ir.OpAdd: "Add", ir.OpSub: "Sub", ir.OpMul: "Mul", ir.OpDiv: "Div", ir.OpMask: "Mul"} {
		rules[op] = binaryRule(name)
	}
	rules[ir.OpScale] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node("Mul", []string{b.ref(in.Args[0]), b.scalar(in.Float)}, nil), nil
	}}
	rules[ir.OpAddConst] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node("Add", []string{b.ref(in.Args[0]), b.scalar(in.Float)}, nil), nil
	}}
	rules[ir.OpPowConst] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node("Pow", []string{b.ref(in.Args[0]), b.scalar(in.Float)}, nil), nil
	}}
	rules[ir.OpMatMul] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		attrs := []*onnxpb.AttributeProto{attrInt("transA", int64(in.Int&ir.TransA)), attrInt("transB", int64(in.Int&ir.TransB>>1))}
		return b.node("Gemm", []string{b.ref(in.Args[0]), b.ref(in.Args[1])}, attrs), nil
	}}
	reduce := func(op string, axis int64) rule {
		return rule{emit: func(b *builder, in ir.Instr) (string, error) {
			if op == "ReduceSum" {
				return b.node(op, []string{b.ref(in.Args[0]), b.ints("axes", []int64{axis})}, nil), nil
			}
			return b.node(op, []string{b.ref(in.Args[0])}, []*onnxpb.AttributeProto{attrInts("axes", []int64{axis})}), nil
		}}
	}
	rules[ir.OpSumCols] = reduce("ReduceSum", 1)
	rules[ir.OpSumRows] = reduce("ReduceSum", 0)
	rules[ir.OpMeanRows] = reduce("ReduceMean", 0)
	rules[ir.OpMaxCols] = reduce("ReduceMax", 1)
	rules[ir.OpBroadcastRows] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		if in.Int == 1 {
			return "", fmt.Errorf("the adjoint of a mean is a gradient program's, which is not exported")
		}
		return b.node("Expand", []string{b.ref(in.Args[0]), b.shapeOf(in.Shape)}, nil), nil
	}}
	rules[ir.OpBroadcastCols] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		return b.node("Expand", []string{b.ref(in.Args[0]), b.shapeOf(in.Shape)}, nil), nil
	}}
	rules[ir.OpSliceCols] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		lo, hi := int64(in.Int), int64(in.Int+in.Shape.Cols)
		return b.node("Slice", []string{b.ref(in.Args[0]), b.ints("s", []int64{lo}), b.ints("e", []int64{hi}), b.ints("a", []int64{1})}, nil), nil
	}}
	rules[ir.OpPadCols] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		cols := b.prog.Type(in.Args[0]).Cols
		right := int64(in.Shape.Cols - in.Int - cols)
		return b.node("Pad", []string{b.ref(in.Args[0]), b.ints("pads", []int64{0, int64(in.Int), 0, right})}, nil), nil
	}}
	rules[ir.OpPermuteCols] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		idx := make([]int64, len(in.Ints))
		for i, j := range in.Ints {
			idx[i] = int64(j)
		}
		return b.node("Gather", []string{b.ref(in.Args[0]), b.ints("perm", idx)}, []*onnxpb.AttributeProto{attrInt("axis", 1)}), nil
	}}
	rules[ir.OpGreater] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		g := b.node("Greater", []string{b.ref(in.Args[0]), b.ref(in.Args[1])}, nil)
		return b.node("Cast", []string{g}, []*onnxpb.AttributeProto{attrInt("to", int64(b.elem))}), nil
	}}
	rules[ir.OpClamp] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		lo, hi := bound32(b, in.Data[0], true), bound32(b, in.Data[1], false)
		return b.node("Clip", []string{b.ref(in.Args[0]), b.scalar0(lo), b.scalar0(hi)}, nil), nil
	}}
	rules[ir.OpSupport] = rule{emit: supportRule}
	segmentRules()
	rules[ir.OpTriSolve] = rule{emit: triSolveRule}
	rules[ir.OpLog1p] = rule{emit: func(b *builder, in ir.Instr) (string, error) { return b.log1p(b.ref(in.Args[0])), nil }}
	// ONNX Runtime has no double Softplus, and ONNX's log(exp(x) + 1)
	// overflows: max(x, 0) + log1p(exp(−|x|)), as nox computes it.
	rules[ir.OpSoftplus] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		x := b.ref(in.Args[0])
		e := b.node("Exp", []string{b.node("Neg", []string{b.node("Abs", []string{x}, nil)}, nil)}, nil)
		return b.node("Add", []string{b.node("Relu", []string{x}, nil), b.log1p(e)}, nil), nil
	}}
	for op, why := range map[ir.Op]string{
		ir.OpInput:       "inputs are the graph's inputs",
		ir.OpParam:       "parameters are computed at export (static values)",
		ir.OpConst:       "constants are computed at export (static values)",
		ir.OpSliceRows:   "only static values are sliced by rows, and they are computed at export",
		ir.OpPadRows:     "only static values are padded by rows, and they are computed at export",
		ir.OpTranspose:   "only static values are transposed, and they are computed at export",
		ir.OpRandNormal:  "a draw is random; the sampling direction is exported with the base noise as an input",
		ir.OpRandUniform: "a draw is random; the sampling direction is exported with the base noise as an input",
		ir.OpDropout:     "dropout exists only in training programs",
		ir.OpReluGrad:    "relu's derivative exists only in gradient programs",
		ir.OpDigamma:     "digamma exists only in gradient programs",
		ir.OpExpm1:       "expm1 is a density's function; the log-densities of flows do not use it",
		ir.OpLgamma:      "lgamma is a density's function; the log-densities of flows do not use it",
	} {
		rules[op] = refuse(why)
	}
	for op := ir.OpNop; int(op) < ir.NumOps; op++ {
		rules[op] = refuse("a backend op: the runtime's rewrites make it, never a compiled program")
	}
}

// scalar0 adds a rank-0 constant (Clip's bounds must be scalars).
func (b *builder) scalar0(x float64) string {
	x = clampFloat(b, x)
	return b.shared(fmt.Sprintf("s0 %x", math.Float64bits(x)), func() string {
		name := b.fresh("c")
		b.root.Initializer = append(b.root.Initializer, b.tensor(name, nil, []float64{x}))
		return name
	})
}

// supportRule: 0 for a row whose elements all lie in (lo, hi) (and are
// integers with SupportIntegers), −Inf otherwise, NaN included (every
// comparison with NaN is false).
func supportRule(b *builder, in ir.Instr) (string, error) {
	x := b.ref(in.Args[0])
	ok := b.node("And", []string{b.node("Greater", []string{x, b.scalar(in.Data[0])}, nil), b.node("Less", []string{x, b.scalar(in.Data[1])}, nil)}, nil)
	if in.Int&ir.SupportIntegers != 0 {
		ok = b.node("And", []string{ok, b.node("Equal", []string{x, b.node("Floor", []string{x}, nil)}, nil)}, nil)
	}
	f := b.node("Cast", []string{ok}, []*onnxpb.AttributeProto{attrInt("to", int64(b.elem))})
	all := b.node("ReduceMin", []string{f}, []*onnxpb.AttributeProto{attrInts("axes", []int64{1})})
	inside := b.node("Greater", []string{all, b.scalar(0.5)}, nil)
	return b.node("Where", []string{inside, b.scalar(0), b.scalar(negInf)}, nil), nil
}

// log1p is log(1+x) without the cancellation of Log(1+x) for small
// x: log(u)·x/(u − 1) with u = 1 + x rounded, and x itself where u
// rounds to 1 (Goldberg 1991, after Kahan).
func (b *builder) log1p(x string) string {
	u := b.node("Add", []string{x, b.scalar(1)}, nil)
	r := b.node("Mul", []string{b.node("Log", []string{u}, nil), b.node("Div", []string{x, b.node("Sub", []string{u, b.scalar(1)}, nil)}, nil)}, nil)
	return b.node("Where", []string{b.node("Equal", []string{u, b.scalar(1)}, nil), x, r}, nil)
}

// segmentRules export the ops on consecutive groups of k columns by
// viewing [r, n·k] as [r, n, k].
func segmentRules() {
	groups := func(b *builder, x string, n, k int) string {
		return b.node("Reshape", []string{x, b.ints("shape", []int64{0, int64(n), int64(k)})}, nil)
	}
	rules[ir.OpSegSum] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		g := groups(b, b.ref(in.Args[0]), in.Shape.Cols, in.Int)
		return b.node("ReduceSum", []string{g, b.ints("axes", []int64{2})}, []*onnxpb.AttributeProto{attrInt("keepdims", 0)}), nil
	}}
	rules[ir.OpSegExpand] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		n := b.prog.Type(in.Args[0]).Cols
		g := groups(b, b.ref(in.Args[0]), n, 1)
		e := b.node("Expand", []string{g, b.ints("shape", []int64{1, 1, int64(in.Int)})}, nil)
		return b.node("Reshape", []string{e, b.ints("shape", []int64{0, int64(in.Shape.Cols)})}, nil), nil
	}}
	rules[ir.OpSegCumsum] = rule{emit: func(b *builder, in ir.Instr) (string, error) {
		g := groups(b, b.ref(in.Args[0]), in.Shape.Cols/in.Int, in.Int)
		axis := b.int0(2)
		c := b.node("CumSum", []string{g, axis}, []*onnxpb.AttributeProto{attrInt("reverse", int64(in.Float))})
		return b.node("Reshape", []string{c, b.ints("shape", []int64{0, int64(in.Shape.Cols)})}, nil), nil
	}}
}

// triSolveRule: out·T = a (or out·Tᵀ = a) with T static is out = a·M,
// M the inverse of T's triangle computed at export.
func triSolveRule(b *builder, in ir.Instr) (string, error) {
	tv, ok := b.folded[in.Args[1]]
	if !ok {
		return "", fmt.Errorf("the triangular matrix depends on the input; only a static one exports")
	}
	n := b.prog.Type(in.Args[1]).Rows
	t := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			lower, upper := j <= i, j >= i
			if (in.Int&ir.TriLower != 0 && lower) || (in.Int&ir.TriLower == 0 && upper) {
				t.Set(i, j, tv[i*n+j])
			}
		}
		if in.Int&ir.TriUnit != 0 {
			t.Set(i, i, 1)
		}
	}
	var m mat.Dense
	if in.Int&ir.TriTrans != 0 {
		if err := m.Inverse(t.T()); err != nil {
			return "", fmt.Errorf("the triangular matrix is singular: %v", err)
		}
	} else if err := m.Inverse(t); err != nil {
		return "", fmt.Errorf("the triangular matrix is singular: %v", err)
	}
	name := b.initializer(b.fresh("trisolve"), ir.Shape{Rows: n, Cols: n}, m.RawMatrix().Data)
	return b.node("Gemm", []string{b.ref(in.Args[0]), name}, nil), nil
}
