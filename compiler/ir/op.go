package ir

// Op is an operation. Binary elementwise ops broadcast their second
// operand: it has the first operand's shape, or one row ([1,n]), or one
// column ([r,1]), or is a scalar ([1,1]).
//
// The ops up to OpMask are primitives: layers emit them and each has a
// gradient rule (package compiler/ad). The ops after it are backend ops:
// fused or specialised forms of primitives that only a backend's rewrites
// of a program produce (package runtime's, before it plans the program),
// never a layer or the gradient pass, and that a gradient pass rejects.
type Op uint8

const (
	// OpInput is batched input number Int. No operands.
	OpInput Op = iota
	// OpParam is trainable parameter number Int. No operands.
	OpParam
	// OpConst is a constant tensor with elements Data. No operands.
	OpConst
	// OpRandNormal draws standard normal values of its shape.
	OpRandNormal
	// OpDropout is a dropout mask: each element is 0 with probability
	// Float and 1/(1-Float) otherwise. It exists only in training programs.
	OpDropout

	// OpMatMul is a·b, with a transposed if Int&TransA and b transposed if
	// Int&TransB.
	OpMatMul
	// OpAdd is a+b.
	OpAdd
	// OpSub is a-b.
	OpSub
	// OpMul is a*b, elementwise.
	OpMul
	// OpDiv is a/b, elementwise.
	OpDiv

	// OpNeg is -a.
	OpNeg
	// OpExp is exp(a).
	OpExp
	// OpLog is log(a).
	OpLog
	// OpRelu is max(a, 0).
	OpRelu
	// OpReluGrad is b where a > 0 and 0 elsewhere: the derivative of relu
	// at a applied to the cotangent b.
	OpReluGrad
	// OpScale is a*Float.
	OpScale
	// OpAddConst is a+Float.
	OpAddConst

	// OpSumCols sums each row: [r,n] → [r,1].
	OpSumCols
	// OpSumRows sums each column: [r,n] → [1,n].
	OpSumRows
	// OpMeanRows averages each column: [r,n] → [1,n].
	OpMeanRows
	// OpBroadcastRows repeats a row [1,n] to the instruction's shape; if Int
	// is 1 the result is divided by the row count (the adjoint of
	// OpMeanRows).
	OpBroadcastRows
	// OpBroadcastCols repeats a column [r,1] to the instruction's shape.
	OpBroadcastCols
	// OpSliceCols takes columns [Int, Int+cols) of a.
	OpSliceCols
	// OpPadCols places a at columns [Int, Int+cols(a)) of a zero tensor of
	// the instruction's shape.
	OpPadCols
	// OpPermuteCols gathers columns: out[:, j] = a[:, Ints[j]].
	OpPermuteCols

	// OpRandUniform draws values uniform in [0, 1) of its shape.
	OpRandUniform
	// OpTanh is tanh(a).
	OpTanh
	// OpSigmoid is 1/(1+exp(-a)), computed without overflow.
	OpSigmoid
	// OpSoftplus is log(1+exp(a)), computed without overflow.
	OpSoftplus
	// OpSqrt is sqrt(a).
	OpSqrt
	// OpAbs is |a|.
	OpAbs
	// OpFloor is floor(a). Its derivative is zero where defined.
	OpFloor
	// OpGreater is 1 where a > b and 0 elsewhere (b broadcast): a mask,
	// with zero derivative. Masks select between branches by
	// multiplication, so both branches must stay finite (clamp first).
	OpGreater
	// OpClamp limits a to [Data[0], Data[1]].
	OpClamp
	// OpMaxCols is the maximum of each row: [r,n] → [r,1].
	OpMaxCols
	// OpSegSum sums consecutive groups of Int columns: [r,n·Int] → [r,n].
	OpSegSum
	// OpSegExpand repeats each column Int times: [r,n] → [r,n·Int].
	OpSegExpand
	// OpSegCumsum is the inclusive running sum within each group of Int
	// columns; with Float = 1 it runs from the right end of each group.
	OpSegCumsum
	// OpTriSolve solves out·T = a for out, row by row, with T ([n,n],
	// the second operand) triangular: Int&TriLower selects a lower
	// triangle (else upper), Int&TriUnit a unit diagonal (the stored
	// diagonal is ignored); Int&TriTrans solves out·Tᵀ = a instead.
	OpTriSolve
	// OpSliceRows takes rows [Int, Int+rows) of a, which is not batched.
	OpSliceRows
	// OpPadRows places a (not batched) at rows [Int, Int+rows(a)) of a
	// zero tensor of the instruction's shape.
	OpPadRows
	// OpTranspose is aᵀ, for a not batched.
	OpTranspose
	// OpSupport is the log of the indicator of a layer's domain, per row:
	// [r,n] → [r,1], 0 where every element of the row lies in the open
	// interval (Data[0], Data[1]) — and, with Int&SupportIntegers, is an
	// integer — and −Inf elsewhere (NaN elements included). Added to a
	// layer's log-det, it gives the rows outside the layer's domain a
	// density of exactly 0 and leaves the others bit for bit (x + 0 = x).
	// Its derivative is zero.
	OpSupport
	// OpSin is sin(a).
	OpSin
	// OpCos is cos(a).
	OpCos
	// OpLog1p is log(1+a), accurate for a near 0 (a target density's
	// log(1+x) without the cancellation of Log(AddConst(x, 1))).
	OpLog1p
	// OpExpm1 is exp(a)-1, accurate for a near 0.
	OpExpm1
	// OpLgamma is log|Γ(a)|: +Inf at the poles (a = 0, -1, -2, …), as
	// math.Lgamma. Its derivative is OpDigamma.
	OpLgamma
	// OpDigamma is ψ(a) = Γ'(a)/Γ(a), the derivative of OpLgamma: exists
	// so that lgamma has a gradient. Defined for every real a but the
	// poles (a = 0, -1, -2, …, where it is NaN); negative a by
	// reflection. It has no gradient rule of its own (trigamma is not
	// implemented): gradients through lgamma are first-order only, and
	// Grad refuses a loss that would differentiate digamma.
	OpDigamma
	// OpPowConst is a^Float for the constant exponent Float, as math.Pow:
	// NaN for a < 0 with a non-integer exponent; at a = 0 with an
	// exponent below 1 the derivative Float·a^(Float-1) is infinite.
	OpPowConst
	// OpStopGrad is a itself, with zero derivative: the value a gradient
	// must not flow through (the parameters of the density evaluation of
	// the sticking-the-landing estimator, Builder.DetachParams).
	OpStopGrad
	// OpMask is a⊙m with m a constant (an OpConst of a's shape) whose
	// elements are all 0 or 1: OpMul with a mask, declared as one, so
	// that a backend knows the zeros of the result without reading the
	// constant (a MADE's masked weights, a Glow layer's triangles).
	// Builder.Mask checks the mask.
	OpMask

	// Backend ops. Only a backend's rewrites produce them (package
	// runtime: runtime.Backend prints what it runs); a layer never emits
	// them and a gradient pass rejects them.

	// OpNop is an instruction a backend pass absorbed into a later one: it
	// has no operands, computes nothing and has no buffer. Its value is
	// never read.
	OpNop
	// OpGemm is a fused matrix product, operands a, b and, with
	// Int&GemmBias, a row c ([1,n]): op(a)·op(b), with Int&TransA and
	// Int&TransB as for OpMatMul; then, with Int&GemmBias, plus c added to
	// every row; then, with Int&GemmRelu, relu. With Int&GemmSliceA the
	// first factor is columns [Ints[0], Ints[0]+Ints[1]) of a, read in
	// place with a's row stride, instead of a itself; with Int&GemmSliceB
	// the second is columns [Ints[2], Ints[2]+Ints[3]) of b. It is a dense
	// layer's relu(x·W + b) in one step, or a product of column slices
	// without their copies.
	OpGemm
	// OpAddCols is a + PadCols(v, Int) where the padded value is used
	// nowhere else: operands a and v, v added into columns [Int,
	// Int+cols(v)) of a (or of a copy of a), without the zero tensor.
	OpAddCols
	// OpAddRows is a + PadRows(v, Int), as OpAddCols: v is added into
	// rows [Int, Int+rows(v)) of a.
	OpAddRows
	// OpPermTranspose is the transpose of a PermuteCols: row j of the
	// result is column Ints[j] of a, gathered without storing the permuted
	// copy.
	OpPermTranspose
	// OpMaskCopy is an OpMask (operands w and the mask m) of a static w
	// whose result has a buffer of its own that starts zeroed: it copies
	// w's elements at the row-major positions [Ints[2i], Ints[2i+1]) (the
	// runs of ones of m) and leaves the rest zero, reading neither m nor
	// the masked-out elements of w.
	OpMaskCopy

	numOps
)

// Flags of OpMatMul's and OpGemm's Int attribute.
const (
	TransA = 1
	TransB = 2
)

// Flags of OpGemm's Int attribute, beside TransA and TransB.
const (
	GemmBias   = 4
	GemmRelu   = 8
	GemmSliceA = 16
	GemmSliceB = 32
)

// Flags of OpSupport's Int attribute.
const (
	SupportIntegers = 1
)

// Flags of OpTriSolve's Int attribute.
const (
	TriLower = 1
	TriUnit  = 2
	TriTrans = 4
)

// NumOps is the number of operations, backend ops included.
const NumOps = int(numOps)

var opNames = [...]string{
	OpInput:         "input",
	OpParam:         "param",
	OpConst:         "const",
	OpRandNormal:    "randnormal",
	OpDropout:       "dropout",
	OpMatMul:        "matmul",
	OpAdd:           "add",
	OpSub:           "sub",
	OpMul:           "mul",
	OpDiv:           "div",
	OpNeg:           "neg",
	OpExp:           "exp",
	OpLog:           "log",
	OpRelu:          "relu",
	OpReluGrad:      "relugrad",
	OpScale:         "scale",
	OpAddConst:      "addconst",
	OpSumCols:       "sumcols",
	OpSumRows:       "sumrows",
	OpMeanRows:      "meanrows",
	OpBroadcastRows: "bcastrows",
	OpBroadcastCols: "bcastcols",
	OpSliceCols:     "slicecols",
	OpPadCols:       "padcols",
	OpPermuteCols:   "permcols",
	OpRandUniform:   "randuniform",
	OpTanh:          "tanh",
	OpSigmoid:       "sigmoid",
	OpSoftplus:      "softplus",
	OpSqrt:          "sqrt",
	OpAbs:           "abs",
	OpFloor:         "floor",
	OpGreater:       "greater",
	OpClamp:         "clamp",
	OpMaxCols:       "maxcols",
	OpSegSum:        "segsum",
	OpSegExpand:     "segexpand",
	OpSegCumsum:     "segcumsum",
	OpTriSolve:      "trisolve",
	OpSliceRows:     "slicerows",
	OpPadRows:       "padrows",
	OpTranspose:     "transpose",
	OpSupport:       "support",
	OpSin:           "sin",
	OpCos:           "cos",
	OpLog1p:         "log1p",
	OpExpm1:         "expm1",
	OpLgamma:        "lgamma",
	OpDigamma:       "digamma",
	OpPowConst:      "powconst",
	OpStopGrad:      "stopgrad",
	OpMask:          "mask",
	OpNop:           "nop",
	OpGemm:          "gemm",
	OpAddCols:       "addcols",
	OpAddRows:       "addrows",
	OpPermTranspose: "permtranspose",
	OpMaskCopy:      "maskcopy",
}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op?"
}

// Backend reports whether the op is a backend op: one that only a
// backend's rewrites produce, with no gradient rule.
func (o Op) Backend() bool { return o > OpMask && o < numOps }

// Random reports whether the op draws random numbers.
func (o Op) Random() bool { return o == OpRandNormal || o == OpDropout || o == OpRandUniform }
