// Package ir defines nox's intermediate representation: a typed,
// append-only SSA program of primitive batched tensor operations.
//
// Every value is a 2-D tensor. Its row count is either static (a parameter,
// a constant, a reduction over the batch) or the batch dimension B, which is
// the only dimension not known at compile time. Each instruction defines
// exactly one value, and a value is named by its instruction's index, so a
// program is a straight-line list that a runtime can plan once per batch
// size: buffer sizes, lifetimes and kernels are all known before the first
// run.
//
// Programs are built by a Builder, which checks operand shapes as each
// instruction is appended; a shape error there is a bug in a layer
// definition, never a user error (user-facing dimension errors are found
// earlier by the compiler's checker), so the Builder panics on it.
//
// Transformations (the reverse-mode gradient in package compiler/ad, a
// runtime's rewrites into backend ops) are passes that read one program
// and build a new one; programs are never mutated in place. The element type is not part of the IR: constants are stored as
// float64 and a runtime may execute a program at any precision.
package ir

import "fmt"

// Batch is the row count of a value whose rows are the batch dimension.
const Batch = -1

// Shape is the static shape of a 2-D value. Rows may be Batch.
type Shape struct {
	Rows, Cols int
}

// Batched reports whether the value's rows are the batch dimension.
func (s Shape) Batched() bool { return s.Rows == Batch }

// Size returns the number of elements for a batch of b rows.
func (s Shape) Size(b int) int {
	if s.Rows == Batch {
		return b * s.Cols
	}
	return s.Rows * s.Cols
}

// NumRows returns the row count for a batch of b rows.
func (s Shape) NumRows(b int) int {
	if s.Rows == Batch {
		return b
	}
	return s.Rows
}

func (s Shape) String() string {
	if s.Rows == Batch {
		return fmt.Sprintf("[B,%d]", s.Cols)
	}
	return fmt.Sprintf("[%d,%d]", s.Rows, s.Cols)
}

// Value names the result of an instruction: its index in Program.Instrs.
type Value int32

// None is the absent value.
const None Value = -1

func (v Value) String() string { return fmt.Sprintf("%%%d", int32(v)) }

// Instr is one instruction. Args are earlier values; the meaning of the
// attribute fields depends on Op (see the Op constants).
type Instr struct {
	Op    Op
	Args  []Value
	Shape Shape

	// Int is an integer attribute: a parameter or input index, a column
	// offset, or a flag.
	Int int
	// Float is a scalar attribute: a scale, an offset, a probability.
	Float float64
	// Ints is an integer-list attribute: a permutation.
	Ints []int
	// Data holds the elements of a constant, row-major.
	Data []float64
	// Note is a human-readable origin ("maf1/made/h0"), printed in dumps
	// and used to name the layer in runtime errors.
	Note string
}

// Param describes a trainable parameter. Parameters are shared by all the
// programs lowered from one flow (forward, inverse, loss, gradient), which
// refer to them by index.
type Param struct {
	Name  string
	Shape Shape // never Batched
	Init  Init
	// State marks a value a layer keeps rather than learns (running
	// statistics): the optimizer leaves it alone and it needs no
	// gradient; training programs update it through outputs.
	State bool
	// Fixed marks a state value that no program updates: it is set from
	// the training data before training starts (the standardization of
	// a model's columns) and is constant afterwards. Fixed implies State.
	Fixed bool
}

// InitKind selects how a parameter is initialised.
type InitKind int

const (
	// InitZero sets every element to 0.
	InitZero InitKind = iota
	// InitUniform draws each element from U(-Scale, Scale).
	InitUniform
	// InitConst sets every element to Scale.
	InitConst
	// InitNormal draws each element from N(0, Scale²).
	InitNormal
	// InitData copies Data (row-major, the parameter's size).
	InitData
	// InitIdentity sets a square parameter to the identity matrix (held
	// as no data, so that lowering a wide model allocates nothing).
	InitIdentity
)

// Init is a parameter initialiser.
type Init struct {
	Kind  InitKind
	Scale float64
	Data  []float64
}

// Input describes a batched input of a program.
type Input struct {
	Name string
	Cols int
}

// GradPrefix starts the name of a gradient program's output for a
// parameter: GradPrefix + parameter name.
const GradPrefix = "grad:"

// Outputs through which programs hand layer state back to the runtime.
const (
	// StatePrefix + name: the value a state parameter (Param.State) takes
	// after a training step.
	StatePrefix = "state:"
	// InitPrefix + name: a parameter's data-dependent initial value, an
	// output of a model's initialisation program.
	InitPrefix = "init:"
)

// Output is a named result of a program.
type Output struct {
	Name  string
	Value Value
}

// Program is a straight-line SSA program.
type Program struct {
	Name    string
	Instrs  []Instr
	Inputs  []Input
	Params  []Param // the parameter table shared with sibling programs
	Outputs []Output
	// Repeats are hints, from Builder.Repeat, that regions of Instrs are
	// unrolled loops. The program means the same without them: the
	// runtime ignores them and passes that rebuild a program (DCE, the
	// gradient pass) drop them.
	Repeats []Repeat
}

// Repeat marks Instrs[Start : Start+Count·Len] as Count iterations of
// one block of Len instructions, each iteration reading the results of
// the one before (a root solve's bisection steps). A backend that has
// loops (ONNX export) may emit the block once, as a loop, instead of
// Count copies; the hint is not a promise, so such a backend must check
// that the iterations are copies of one another (same ops, attributes
// and shapes; operands that are the same outer values, or the same
// positions of the iteration itself or of the one before) and emit the
// copies as they are where they are not.
type Repeat struct {
	Start, Len, Count int
}

// Output returns the value of the named output, or None.
func (p *Program) Output(name string) Value {
	for _, o := range p.Outputs {
		if o.Name == name {
			return o.Value
		}
	}
	return None
}

// Type returns the shape of v.
func (p *Program) Type(v Value) Shape { return p.Instrs[v].Shape }
