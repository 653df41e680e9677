package ir

// Op is a primitive operation. Binary elementwise ops broadcast their second
// operand: it has the first operand's shape, or one row ([1,n]), or one
// column ([r,1]), or is a scalar ([1,1]).
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

	numOps
)

// Flags of OpMatMul's Int attribute.
const (
	TransA = 1
	TransB = 2
)

// Flags of OpTriSolve's Int attribute.
const (
	TriLower = 1
	TriUnit  = 2
	TriTrans = 4
)

// NumOps is the number of primitive operations.
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
}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op?"
}

// Random reports whether the op draws random numbers.
func (o Op) Random() bool { return o == OpRandNormal || o == OpDropout || o == OpRandUniform }
