package ir

import "fmt"

// Builder appends instructions to a program, checking shapes as it goes.
// Layer definitions in package stdlib use it; so does the gradient pass.
type Builder struct {
	p      *Program
	params *[]Param
	note   string
	detach bool
}

// NewBuilder starts a program named name over the parameter table params.
// The table is shared: parameters added through the builder are appended to
// it, so sibling programs built over the same table agree on indices.
func NewBuilder(name string, params *[]Param) *Builder {
	return &Builder{p: &Program{Name: name}, params: params}
}

// Program returns the program built so far, with its parameter table.
func (b *Builder) Program() *Program {
	b.p.Params = *b.params
	return b.p
}

// SetNote sets the origin note recorded on the instructions that follow and
// returns the previous note, so a layer can restore it.
func (b *Builder) SetNote(note string) (prev string) {
	prev, b.note = b.note, note
	return prev
}

// Instrs returns the instructions emitted so far, for a pass that emits
// more into the same builder from what is there (ad.VJP, a
// vector-Jacobian product inside a forward program). The slice is the
// builder's own: read it, never write it; later emissions may leave it
// behind, so take it again after emitting.
func (b *Builder) Instrs() []Instr { return b.p.Instrs }

// Type returns the shape of v.
func (b *Builder) Type(v Value) Shape { return b.p.Instrs[v].Shape }

func (b *Builder) emit(in Instr) Value {
	for _, a := range in.Args {
		if a < 0 || int(a) >= len(b.p.Instrs) {
			panic(fmt.Sprintf("ir: %s: operand %v not defined", in.Op, a))
		}
	}
	if in.Note == "" {
		in.Note = b.note
	}
	b.p.Instrs = append(b.p.Instrs, in)
	return Value(len(b.p.Instrs) - 1)
}

func (b *Builder) fail(op Op, format string, args ...any) {
	panic(fmt.Sprintf("ir: %s (%s): %s", op, b.note, fmt.Sprintf(format, args...)))
}

// Input declares the next batched input with cols columns.
func (b *Builder) Input(name string, cols int) Value {
	b.p.Inputs = append(b.p.Inputs, Input{Name: name, Cols: cols})
	return b.emit(Instr{Op: OpInput, Int: len(b.p.Inputs) - 1, Shape: Shape{Batch, cols}})
}

// NewParam adds a parameter to the shared table and returns its index.
func (b *Builder) NewParam(name string, shape Shape, init Init) int {
	if shape.Batched() {
		b.fail(OpParam, "parameter %s cannot be batched", name)
	}
	return AddParam(b.params, Param{Name: name, Shape: shape, Init: init})
}

// AddParam appends p to a parameter table and returns its index. Layers
// create their parameters with it once, before any program is built.
func AddParam(table *[]Param, p Param) int {
	*table = append(*table, p)
	return len(*table) - 1
}

// ParamInfo returns the description of parameter i.
func (b *Builder) ParamInfo(i int) Param { return (*b.params)[i] }

// Param returns the value of parameter index i; while DetachParams is
// on, the value has zero derivative (OpStopGrad).
func (b *Builder) Param(i int) Value {
	v := b.emit(Instr{Op: OpParam, Int: i, Shape: (*b.params)[i].Shape})
	if b.detach {
		v = b.StopGrad(v)
	}
	return v
}

// StopGrad is x with zero derivative.
func (b *Builder) StopGrad(x Value) Value {
	return b.emit(Instr{Op: OpStopGrad, Args: []Value{x}, Shape: b.Type(x)})
}

// DetachParams turns on (or off) the detaching of parameters: the
// values Param returns while it is on carry no gradient, so a layer
// emitted meanwhile is a function of its inputs alone as far as a
// gradient pass sees. It returns the previous setting.
func (b *Builder) DetachParams(on bool) (prev bool) {
	prev, b.detach = b.detach, on
	return prev
}

// Const returns a constant of the given shape with elements data (row-major).
func (b *Builder) Const(shape Shape, data []float64) Value {
	if shape.Batched() || len(data) != shape.Rows*shape.Cols {
		noun := "elements"
		if len(data) == 1 {
			noun = "element"
		}
		b.fail(OpConst, "shape %v with %d %s", shape, len(data), noun)
	}
	return b.emit(Instr{Op: OpConst, Shape: shape, Data: data})
}

// RandNormal draws a [rows,cols] tensor of standard normal values.
func (b *Builder) RandNormal(shape Shape) Value {
	return b.emit(Instr{Op: OpRandNormal, Shape: shape})
}

// Dropout returns a dropout mask of the given shape with drop probability p.
func (b *Builder) Dropout(shape Shape, p float64) Value {
	if !(p > 0 && p < 1) {
		b.fail(OpDropout, "probability %g outside (0,1)", p)
	}
	return b.emit(Instr{Op: OpDropout, Shape: shape, Float: p})
}

// MatMul returns op(x)·op(y) where flags selects transposes (TransA, TransB).
func (b *Builder) MatMul(x, y Value, flags int) Value {
	sx, sy := b.Type(x), b.Type(y)
	m, k1 := sx.Rows, sx.Cols
	if flags&TransA != 0 {
		m, k1 = k1, m
	}
	k2, n := sy.Rows, sy.Cols
	if flags&TransB != 0 {
		k2, n = n, k2
	}
	if k1 != k2 {
		b.fail(OpMatMul, "inner dimensions differ: %v·%v (flags %d)", sx, sy, flags)
	}
	if n == Batch {
		b.fail(OpMatMul, "batch dimension as result columns: %v·%v (flags %d)", sx, sy, flags)
	}
	return b.emit(Instr{Op: OpMatMul, Args: []Value{x, y}, Int: flags, Shape: Shape{m, n}})
}

// Broadcastable reports whether a value of shape s can be the second operand
// of a binary op whose first operand has shape to.
func Broadcastable(s, to Shape) bool {
	rowsOK := s.Rows == to.Rows || s.Rows == 1
	colsOK := s.Cols == to.Cols || s.Cols == 1
	return rowsOK && colsOK
}

func (b *Builder) binary(op Op, x, y Value) Value {
	sx, sy := b.Type(x), b.Type(y)
	if !Broadcastable(sy, sx) {
		b.fail(op, "cannot broadcast %v to %v", sy, sx)
	}
	return b.emit(Instr{Op: op, Args: []Value{x, y}, Shape: sx})
}

// Add returns x+y (y broadcast).
func (b *Builder) Add(x, y Value) Value { return b.binary(OpAdd, x, y) }

// Sub returns x-y (y broadcast).
func (b *Builder) Sub(x, y Value) Value { return b.binary(OpSub, x, y) }

// Mul returns x*y (y broadcast).
func (b *Builder) Mul(x, y Value) Value { return b.binary(OpMul, x, y) }

// Div returns x/y (y broadcast).
func (b *Builder) Div(x, y Value) Value { return b.binary(OpDiv, x, y) }

// Mask returns x⊙m for m a constant of x's shape whose elements are all 0
// or 1 (OpMask): a layer's masked weight, declared as such.
func (b *Builder) Mask(x, m Value) Value {
	mi := b.p.Instrs[m]
	if mi.Op != OpConst || mi.Shape != b.Type(x) {
		b.fail(OpMask, "mask %v must be a constant of %v's shape %v, got %s %v", m, x, b.Type(x), mi.Op, mi.Shape)
	}
	for i, e := range mi.Data {
		if e != 0 && e != 1 {
			b.fail(OpMask, "mask %v has element %d = %g: not 0 or 1", m, i, e)
		}
	}
	return b.emit(Instr{Op: OpMask, Args: []Value{x, m}, Shape: b.Type(x)})
}

// ReluGrad returns g where x > 0, else 0.
func (b *Builder) ReluGrad(x, g Value) Value {
	if b.Type(x) != b.Type(g) {
		b.fail(OpReluGrad, "shapes differ: %v, %v", b.Type(x), b.Type(g))
	}
	return b.emit(Instr{Op: OpReluGrad, Args: []Value{x, g}, Shape: b.Type(x)})
}

func (b *Builder) unary(op Op, x Value) Value {
	return b.emit(Instr{Op: op, Args: []Value{x}, Shape: b.Type(x)})
}

// Neg returns -x.
func (b *Builder) Neg(x Value) Value { return b.unary(OpNeg, x) }

// Exp returns exp(x).
func (b *Builder) Exp(x Value) Value { return b.unary(OpExp, x) }

// Log returns log(x).
func (b *Builder) Log(x Value) Value { return b.unary(OpLog, x) }

// Relu returns max(x, 0).
func (b *Builder) Relu(x Value) Value { return b.unary(OpRelu, x) }

// Scale returns x*c.
func (b *Builder) Scale(x Value, c float64) Value {
	return b.emit(Instr{Op: OpScale, Args: []Value{x}, Shape: b.Type(x), Float: c})
}

// AddConst returns x+c.
func (b *Builder) AddConst(x Value, c float64) Value {
	return b.emit(Instr{Op: OpAddConst, Args: []Value{x}, Shape: b.Type(x), Float: c})
}

// SumCols sums each row of x into one column.
func (b *Builder) SumCols(x Value) Value {
	return b.emit(Instr{Op: OpSumCols, Args: []Value{x}, Shape: Shape{b.Type(x).Rows, 1}})
}

// SumRows sums each column of x into one row.
func (b *Builder) SumRows(x Value) Value {
	return b.emit(Instr{Op: OpSumRows, Args: []Value{x}, Shape: Shape{1, b.Type(x).Cols}})
}

// MeanRows averages each column of x into one row.
func (b *Builder) MeanRows(x Value) Value {
	return b.emit(Instr{Op: OpMeanRows, Args: []Value{x}, Shape: Shape{1, b.Type(x).Cols}})
}

// BroadcastRows repeats the single row of x to shape to; with mean set, the
// result is divided by the number of rows.
func (b *Builder) BroadcastRows(x Value, to Shape, mean bool) Value {
	s := b.Type(x)
	if s.Rows != 1 || s.Cols != to.Cols {
		b.fail(OpBroadcastRows, "cannot repeat rows of %v to %v", s, to)
	}
	flag := 0
	if mean {
		flag = 1
	}
	return b.emit(Instr{Op: OpBroadcastRows, Args: []Value{x}, Shape: to, Int: flag})
}

// BroadcastCols repeats the single column of x to shape to.
func (b *Builder) BroadcastCols(x Value, to Shape) Value {
	s := b.Type(x)
	if s.Cols != 1 || s.Rows != to.Rows {
		b.fail(OpBroadcastCols, "cannot repeat columns of %v to %v", s, to)
	}
	return b.emit(Instr{Op: OpBroadcastCols, Args: []Value{x}, Shape: to})
}

// SliceCols returns columns [lo, hi) of x.
func (b *Builder) SliceCols(x Value, lo, hi int) Value {
	s := b.Type(x)
	if lo < 0 || hi > s.Cols || lo >= hi {
		b.fail(OpSliceCols, "columns [%d,%d) of %v", lo, hi, s)
	}
	return b.emit(Instr{Op: OpSliceCols, Args: []Value{x}, Int: lo, Shape: Shape{s.Rows, hi - lo}})
}

// PadCols places x at column offset lo of a zero tensor with cols columns.
func (b *Builder) PadCols(x Value, lo, cols int) Value {
	s := b.Type(x)
	if lo < 0 || lo+s.Cols > cols {
		b.fail(OpPadCols, "%v at column %d of %d", s, lo, cols)
	}
	return b.emit(Instr{Op: OpPadCols, Args: []Value{x}, Int: lo, Shape: Shape{s.Rows, cols}})
}

// SliceRows returns rows [lo, hi) of x, which is not batched.
func (b *Builder) SliceRows(x Value, lo, hi int) Value {
	s := b.Type(x)
	if s.Batched() || lo < 0 || hi > s.Rows || lo >= hi {
		b.fail(OpSliceRows, "rows [%d,%d) of %v", lo, hi, s)
	}
	return b.emit(Instr{Op: OpSliceRows, Args: []Value{x}, Int: lo, Shape: Shape{hi - lo, s.Cols}})
}

// PadRows places x (not batched) at row offset lo of a zero tensor with
// rows rows.
func (b *Builder) PadRows(x Value, lo, rows int) Value {
	s := b.Type(x)
	if s.Batched() || lo < 0 || lo+s.Rows > rows {
		b.fail(OpPadRows, "%v at row %d of %d", s, lo, rows)
	}
	return b.emit(Instr{Op: OpPadRows, Args: []Value{x}, Int: lo, Shape: Shape{rows, s.Cols}})
}

// Transpose returns xᵀ, for x not batched.
func (b *Builder) Transpose(x Value) Value {
	s := b.Type(x)
	if s.Batched() {
		b.fail(OpTranspose, "cannot transpose %v", s)
	}
	return b.emit(Instr{Op: OpTranspose, Args: []Value{x}, Shape: Shape{s.Cols, s.Rows}})
}

// ConcatCols places y's columns after x's (both with the same rows).
func (b *Builder) ConcatCols(x, y Value) Value {
	nx, ny := b.Type(x).Cols, b.Type(y).Cols
	return b.Add(b.PadCols(x, 0, nx+ny), b.PadCols(y, nx, nx+ny))
}

// PermuteCols gathers the columns of x: out[:, j] = x[:, perm[j]].
func (b *Builder) PermuteCols(x Value, perm []int) Value {
	s := b.Type(x)
	if len(perm) != s.Cols {
		b.fail(OpPermuteCols, "permutation of %d for %v", len(perm), s)
	}
	seen := make([]bool, len(perm))
	for _, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			b.fail(OpPermuteCols, "not a permutation: %v", perm)
		}
		seen[p] = true
	}
	return b.emit(Instr{Op: OpPermuteCols, Args: []Value{x}, Ints: append([]int(nil), perm...), Shape: s})
}

// RandUniform returns draws uniform in [0, 1) of the given shape.
func (b *Builder) RandUniform(shape Shape) Value {
	return b.emit(Instr{Op: OpRandUniform, Shape: shape})
}

// Tanh returns tanh(x).
func (b *Builder) Tanh(x Value) Value { return b.unary(OpTanh, x) }

// Sigmoid returns 1/(1+exp(-x)).
func (b *Builder) Sigmoid(x Value) Value { return b.unary(OpSigmoid, x) }

// Softplus returns log(1+exp(x)).
func (b *Builder) Softplus(x Value) Value { return b.unary(OpSoftplus, x) }

// Sqrt returns sqrt(x).
func (b *Builder) Sqrt(x Value) Value { return b.unary(OpSqrt, x) }

// Abs returns |x|.
func (b *Builder) Abs(x Value) Value { return b.unary(OpAbs, x) }

// Floor returns floor(x).
func (b *Builder) Floor(x Value) Value { return b.unary(OpFloor, x) }

// Sin returns sin(x).
func (b *Builder) Sin(x Value) Value { return b.unary(OpSin, x) }

// Cos returns cos(x).
func (b *Builder) Cos(x Value) Value { return b.unary(OpCos, x) }

// Log1p returns log(1+x), accurate for x near 0.
func (b *Builder) Log1p(x Value) Value { return b.unary(OpLog1p, x) }

// Expm1 returns exp(x)-1, accurate for x near 0.
func (b *Builder) Expm1(x Value) Value { return b.unary(OpExpm1, x) }

// Lgamma returns log|Γ(x)|.
func (b *Builder) Lgamma(x Value) Value { return b.unary(OpLgamma, x) }

// Digamma returns ψ(x), the derivative of log|Γ(x)|.
func (b *Builder) Digamma(x Value) Value { return b.unary(OpDigamma, x) }

// PowConst returns x^c for a constant c, as math.Pow elementwise.
func (b *Builder) PowConst(x Value, c float64) Value {
	return b.emit(Instr{Op: OpPowConst, Args: []Value{x}, Shape: b.Type(x), Float: c})
}

// Greater returns 1 where x > y and 0 elsewhere (y broadcast).
func (b *Builder) Greater(x, y Value) Value { return b.binary(OpGreater, x, y) }

// Scalar returns a [1,1] constant.
func (b *Builder) Scalar(c float64) Value { return b.Const(Shape{Rows: 1, Cols: 1}, []float64{c}) }

// Clamp returns x limited to [lo, hi]; its derivative is 1 inside and 0
// outside, so a clamped branch passes no gradient from outside its range.
func (b *Builder) Clamp(x Value, lo, hi float64) Value {
	if !(lo < hi) {
		b.fail(OpClamp, "empty range [%g, %g]", lo, hi)
	}
	return b.emit(Instr{Op: OpClamp, Args: []Value{x}, Shape: b.Type(x), Data: []float64{lo, hi}})
}

// Support returns, per row of x, 0 where every element lies in the open
// interval (lo, hi) (and, if integers is set, is an integer) and −Inf
// elsewhere: the log of the indicator of a layer's domain, to add to its
// log-det (see OpSupport). lo and hi may be infinite.
func (b *Builder) Support(x Value, lo, hi float64, integers bool) Value {
	if !(lo < hi) {
		b.fail(OpSupport, "empty interval (%g, %g)", lo, hi)
	}
	flags := 0
	if integers {
		flags = SupportIntegers
	}
	return b.emit(Instr{Op: OpSupport, Args: []Value{x}, Shape: Shape{b.Type(x).Rows, 1}, Int: flags, Data: []float64{lo, hi}})
}

// Where returns a where mask is 1 and c where it is 0: mask·a + (1-mask)·c.
// Both a and c must be finite everywhere (0·Inf is NaN).
func (b *Builder) Where(mask, a, c Value) Value {
	return b.Add(c, b.Mul(b.Sub(a, c), mask))
}

// MaxCols returns the maximum of each row of x ([r,1]).
func (b *Builder) MaxCols(x Value) Value {
	return b.emit(Instr{Op: OpMaxCols, Args: []Value{x}, Shape: Shape{b.Type(x).Rows, 1}})
}

// SegSum sums groups of k consecutive columns of x.
func (b *Builder) SegSum(x Value, k int) Value {
	s := b.Type(x)
	if k < 1 || s.Cols%k != 0 {
		b.fail(OpSegSum, "groups of %d columns in %v", k, s)
	}
	return b.emit(Instr{Op: OpSegSum, Args: []Value{x}, Int: k, Shape: Shape{s.Rows, s.Cols / k}})
}

// SegExpand repeats each column of x k times.
func (b *Builder) SegExpand(x Value, k int) Value {
	s := b.Type(x)
	if k < 1 {
		b.fail(OpSegExpand, "repeat count %d", k)
	}
	return b.emit(Instr{Op: OpSegExpand, Args: []Value{x}, Int: k, Shape: Shape{s.Rows, s.Cols * k}})
}

// SegCumsum is the inclusive running sum within groups of k columns, from
// the left (or from the right if reverse).
func (b *Builder) SegCumsum(x Value, k int, reverse bool) Value {
	s := b.Type(x)
	if k < 1 || s.Cols%k != 0 {
		b.fail(OpSegCumsum, "groups of %d columns in %v", k, s)
	}
	f := 0.0
	if reverse {
		f = 1
	}
	return b.emit(Instr{Op: OpSegCumsum, Args: []Value{x}, Int: k, Float: f, Shape: s})
}

// TriSolve returns out with out·t = x, for t an [n,n] triangle selected by
// flags (TriLower, TriUnit).
func (b *Builder) TriSolve(x, t Value, flags int) Value {
	sx, st := b.Type(x), b.Type(t)
	if st.Rows != st.Cols || st.Rows != sx.Cols {
		b.fail(OpTriSolve, "%v·T = %v needs T [%d,%d], got %v", sx, sx, sx.Cols, sx.Cols, st)
	}
	return b.emit(Instr{Op: OpTriSolve, Args: []Value{x, t}, Int: flags, Shape: sx})
}

// Repeat calls body(0), …, body(count-1), which emit the iterations of
// an unrolled loop, and records the region as a Repeat hint when every
// iteration emitted the same number of instructions (and there are at
// least two of them). The instructions are those of the plain loop: the
// hint changes nothing the runtime computes; it lets the ONNX export
// emit one ONNX Loop instead of count copies.
func (b *Builder) Repeat(count int, body func(i int)) {
	start := len(b.p.Instrs)
	lens := make([]int, 0, count)
	for i := range count {
		before := len(b.p.Instrs)
		body(i)
		lens = append(lens, len(b.p.Instrs)-before)
	}
	if count < 2 || lens[0] == 0 {
		return
	}
	for _, n := range lens {
		if n != lens[0] {
			return
		}
	}
	b.p.Repeats = append(b.p.Repeats, Repeat{Start: start, Len: lens[0], Count: count})
}

// Output names v as a result of the program.
func (b *Builder) Output(name string, v Value) {
	b.p.Outputs = append(b.p.Outputs, Output{Name: name, Value: v})
}

// Emit appends a copy of an instruction from another program with its
// operands renamed by args. The gradient pass uses it to copy a forward
// program.
func (b *Builder) Emit(in Instr, args []Value) Value {
	if in.Op == OpInput {
		panic("ir: Emit of an input: use Input")
	}
	in.Args = args
	return b.emit(in)
}
