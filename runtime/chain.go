package runtime

import (
	"math"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// Chains. A program's elementwise steps over [rows, cols] values come in
// runs (a MADE layer's backward pass: ten multiplies, negations,
// additions and scalings between two products, in two runs split by an
// addition of a column), and each step run alone is a pass over its
// operands and result: loads, one operation and a store a vector, ~0.5
// µs over [128, 64] float32, bound by the memory operations, not the
// arithmetic. A chain runs such a run group by group of 256 bytes (64
// float32 or 32 float64 elements): every step on a group before the next
// group, each result kept in registers for the steps after it that read
// it. The engine (chain_amd64.s, written by gen_chains.go) is a threaded
// interpreter over a stack of four-vector groups in registers, whose
// handlers jump to each other; a chain is compiled once, when the Exec
// is planned, into the list of its handlers and their operands. A
// result is stored unless every use of it is a step of the chain that
// took it from the registers (what reads it later, or a program output,
// finds it as before); each element is computed by the same instruction
// from the same operands in the same order as the step's own kernel
// (vv's rows kernels, the operand first; scaleInto's multiply, the
// factor first), so the bits are the same, NaN payloads included
// (TestChainBits, TestChainRandom). Measured (bench/README.md,
// twenty-third session): a digits shard's chained steps took 20–21 µs
// hot against 27–28 µs one by one in float32, 39–41 against 50–54 in
// float64.

// chains turns chains on; tests turn it off to compare.
var chains = true

// chainGroup is the bytes of a group: four 512-bit vectors.
const chainGroup = 256

// chainMin is the fewest steps a chain runs.
const chainMin = 3

// The handlers, in the order of chain_amd64.s's tables.
const (
	chainEnd   = 0
	chainLoad  = 1  // + depth loaded onto, 0…6
	chainStore = 8  // + depth of the top - 1, 0…6
	chainScale = 15 // + depth of the top - 1
	chainBin   = 22 // + 12·op (add, sub, mul) + 2·(depth − 2) + reversed
	chainBinM  = 58 // + 14·op + 2·(depth − 1) + reversed: the top and a buffer
	chainDepth = 7
)

// chainable reports whether step s may run in a chain of n elements.
func chainable[T Float](s *step[T], n int) bool {
	if len(s.out) != n || len(s.a) < n {
		return false
	}
	switch s.op {
	case ir.OpNeg, ir.OpScale:
		return true
	case ir.OpAdd, ir.OpSub, ir.OpMul:
		return s.br == s.rows && s.bc == s.cols && len(s.b) >= n
	}
	return false
}

// formChains finds the runs of chainable steps in steps, at least
// chainMin long, of one length that is a multiple of a group, whose
// buffers are each either the same as or apart from every buffer the
// run writes, and makes each a chain: its first step runs the chain, the
// others nothing (inChain). It keeps the steps and their order, so that
// anything counting steps (the early update's progress) counts as
// before; a chain's values are written no later than before.
func formChains[T Float](steps []step[T], uses []int) {
	if !chains || !chainAsm() {
		return
	}
	var z T
	group := chainGroup / int(unsafe.Sizeof(z))
	for i := 0; i < len(steps); {
		n := len(steps[i].out)
		if n == 0 || n%group != 0 || !chainable(&steps[i], n) {
			i++
			continue
		}
		if !chainSafe(steps[i:i+1], n) {
			i++
			continue
		}
		j := i + 1
		for j < len(steps) && chainable(&steps[j], n) && chainSafe(steps[i:j+1], n) {
			j++
		}
		if j-i >= chainMin {
			steps[i].chain = compileChain(steps[i:j], uses)
			for k := i + 1; k < j; k++ {
				steps[k].inChain = true
			}
		}
		i = j
	}
}

// chainSafe reports whether run's buffers allow running it group by
// group, given that run without its last step does: every operand and
// result is either exactly a result's buffer or apart from it. (A view
// at an offset into a buffer the run writes would be read, group by
// group, before the run had written it.) It checks only the pairs the
// last step is part of, so that growing a run step by step costs its
// length squared, not cubed: with the identity layouts forwarded
// (identity.go), a root solve's bisection became runs of hundreds of
// chainable steps, and checking every pair at every step made planning
// a UMNN's inverse take 22 % longer (TestLayerFloat32).
func chainSafe[T Float](run []step[T], n int) bool {
	span := func(x []T) (uintptr, uintptr) {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
		return p, p + uintptr(n)*unsafe.Sizeof(x[0])
	}
	apart := func(w, x []T) bool {
		if x == nil {
			return true
		}
		w0, w1 := span(w)
		x0, x1 := span(x)
		return x0 == w0 || x0 >= w1 || w0 >= x1
	}
	last := &run[len(run)-1]
	for _, s := range run {
		// The last step's result against every buffer, its own included;
		// every result against the last step's buffers.
		if !apart(last.out, s.out) || !apart(last.out, s.a) || !apart(last.out, s.b) ||
			!apart(s.out, last.out) || !apart(s.out, last.a) || !apart(s.out, last.b) {
			return false
		}
	}
	return true
}

// compileChain returns the engine's program for run: each step's
// operands loaded unless the stack's top (or the two top values, in
// order) already holds them, its operation, and a store of its result,
// which stays on the stack. A result is not stored if every use of it
// (uses, per value: useCounts over the planned program, outputs
// included) is a step of the run that read it from the stack.
func compileChain[T Float](run []step[T], uses []int) []uint64 {
	var prog []uint64
	var stack []ir.Value  // the values on the stack, bottom first
	var stored []ir.Value // per instruction, the value it stores, or None
	emit := func(h int, operand uint64) {
		prog = append(prog, uint64(h), operand)
		stored = append(stored, ir.None)
	}
	loaded := map[ir.Value]bool{}
	addr := func(x []T) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(x)))) }
	push := func(v ir.Value, x []T) {
		emit(chainLoad+len(stack), addr(x))
		stack = append(stack, v)
		loaded[v] = true
	}
	// room makes room for k values: with fewer free places it forgets
	// the stack and reports so. A value forgotten and needed again is
	// loaded from its buffer, which keeps its store (loaded, below).
	room := func(k int) bool {
		if len(stack)+k <= chainDepth {
			return true
		}
		stack = stack[:0]
		return false
	}
	top := func(k int) ir.Value { // the k-th value from the top, or None
		if k >= len(stack) {
			return ir.None
		}
		return stack[len(stack)-1-k]
	}
	for i := range run {
		s := &run[i]
		switch s.op {
		case ir.OpNeg, ir.OpScale:
			if top(0) != s.args[0] {
				room(1)
				push(s.args[0], s.a)
			}
			c := -1.0
			if s.op == ir.OpScale {
				c = s.f
			}
			emit(chainScale+len(stack)-1, constBits[T](c))
		default:
			op := 0 // add
			switch s.op {
			case ir.OpSub:
				op = 1
			case ir.OpMul:
				op = 2
			}
			a, b := s.args[0], s.args[1]
			switch {
			case top(1) == a && top(0) == b:
				emit(chainBin+12*op+2*(len(stack)-2), 0)
				stack = stack[:len(stack)-1]
			case top(0) == a: // top op b, b read from its buffer
				emit(chainBinM+14*op+2*(len(stack)-1), addr(s.b))
				loaded[b] = true
			case top(0) == b: // a op top
				emit(chainBinM+14*op+2*(len(stack)-1)+1, addr(s.a))
				loaded[a] = true
			default:
				room(1)
				push(a, s.a)
				emit(chainBinM+14*op+2*(len(stack)-1), addr(s.b))
				loaded[b] = true
			}
		}
		stack[len(stack)-1] = s.value
		emit(chainStore+len(stack)-1, addr(s.out))
		stored[len(stored)-1] = s.value
	}
	emit(chainEnd, 0)
	inside := map[ir.Value]int{} // uses by the run's steps
	for _, s := range run {
		for _, a := range s.args {
			if a != ir.None {
				inside[a]++
			}
		}
	}
	var out []uint64
	for k, v := range stored {
		if v != ir.None && !loaded[v] && inside[v] == uses[v] {
			continue // read only from the stack: never stored
		}
		out = append(out, prog[2*k], prog[2*k+1])
	}
	return out
}

// constBits returns c in T as the bits of a uint64 (a float32's in the
// low half), as the engine broadcasts it.
func constBits[T Float](c float64) uint64 {
	var z T
	if any(z) == any(float32(0)) {
		return uint64(math.Float32bits(float32(c)))
	}
	return math.Float64bits(c)
}
