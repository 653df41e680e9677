package runtime

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Exec is a program planned for a fixed batch size, running in element
// type T.
type Exec[T Float] struct {
	Prog  *ir.Program
	prog  *ir.Program // Backend(Prog): what the steps run
	Batch int
	pre   []step[T] // the static values' steps (static.go)
	steps []step[T] // the rest
	bufs  [][]T
	// ArenaFloats is the number of elements the plan allocated.
	ArenaFloats int
	fresh       [][]T // the buffers the steps write (plan)
	rng         *rand.Rand
	scratch     []T // transposed right operands of matmuls
	rowA, rowC  []T // a rowwise product's Aᵀ and Cᵀ (rowwise.go)
	k           *kernels[T]
	share       share // the product others may help with (share.go)
}

// step is one instruction with its shapes resolved and buffers bound.
type step[T Float] struct {
	op         ir.Op
	value      ir.Value
	out, a, b  []T
	c          []T          // a fused product's bias
	tile       []T          // its row repeated for biasTiled, where that runs it, or nil
	gather     *gatherTable // a narrow layout step's pattern, where it runs as a gather (gather.go), or nil
	smallK     bool         // a biased product of a few terms, run in one pass with its bias (smallk.go)
	packed     []T          // such a product's transposed second operand, copied as k rows (smallk.go), or nil
	blocks     []gemmBlock  // a masked product's blocks (masked.go), or nil
	parts      [][]gemmPart // per block, its parts, or nil to run it whole (masked.go)
	halves     int          // a masked product run in halves this many columns apart (masked.go), or 0
	blockCols  int          // the width of a masked product's blocks (of each half, in halves)
	pieces     []gemmBlock  // a product's pieces for helpers (share.go), or nil
	rowwise    bool         // a masked product with B transposed run as Cᵀ = B·Aᵀ (rowwise.go)
	rows, cols int          // result
	ar, ac     int          // first operand
	br, bc     int          // second operand
	lda, ldb   int          // a product's operands' row strides: ac, bc, or more (ir.GemmSliceA, B)
	reverse    bool         // a column permutation that reverses the columns (reversed)
	flags      int
	f          float64
	ints       []int
	data       []float64 // constant attributes (clamp bounds)
	off        int
	args       [2]ir.Value // the first two operands' values (chain.go)
	chain      []uint64    // the engine's program of the chain this step starts (chain.go), or nil
	inChain    bool        // a later step of a chain: its first step runs it
	rowSums    []T         // a relu derivative's sums over rows, computed in its pass (relusum.go), or nil
	absorbed   bool        // run by an earlier step (relusum.go)
}

// New plans p for batches of b rows in float64, binding its parameters to
// params. rng feeds the program's random ops (sampling noise, dropout); it
// may be nil for a program without them.
func New(p *ir.Program, params *Params, b int, rng *rand.Rand) *Exec[float64] {
	return NewExec[float64](p, params, b, rng)
}

// NewExec is New in element type T. In float32 the program reads a
// float32 copy of params (see Params.Changed).
func NewExec[T Float](p *ir.Program, params *Params, b int, rng *rand.Rand) *Exec[T] {
	return newExec[T](p, params, b, rng, nil)
}

// newExec is NewExec; if owner is not nil (an Exec of the same program
// and parameters), the new Exec shares owner's static values: it has no
// prelude and reads what owner's prelude computed.
func newExec[T Float](p *ir.Program, params *Params, b int, rng *rand.Rand, owner *Exec[T]) *Exec[T] {
	return newExecWith(p, params, b, rng, owner, nil)
}

// newExecWith is newExec with buffers for some of the values (plan's
// external).
func newExecWith[T Float](p *ir.Program, params *Params, b int, rng *rand.Rand, owner *Exec[T], external map[ir.Value][]T) *Exec[T] {
	q := Backend(p)
	static := staticValues(q)
	var shared [][]T
	if owner != nil {
		shared = owner.bufs
	}
	// A product whose output is masked gets a buffer of its own, so the
	// rows its blocks leave out are zeroed once, here (gemmBlock).
	outMasks := outputMasks(q)
	own := map[ir.Value]bool{}
	for v := range outMasks {
		own[v] = true
	}
	bufs, arena, fresh := plan[T](q, params, b, static, own, shared, external)
	e := &Exec[T]{Prog: p, prog: q, Batch: b, bufs: bufs, ArenaFloats: arena, fresh: fresh, rng: rng, k: kernelsFor[T]()}
	rowA, rowC := 0, 0 // the rowwise products' largest Aᵀ and Cᵀ
	for i, in := range q.Instrs {
		if static[i] && owner != nil {
			continue
		}
		s := step[T]{op: in.Op, value: ir.Value(i), out: bufs[i], rows: in.Shape.NumRows(b), cols: in.Shape.Cols,
			flags: in.Int, off: in.Int, f: in.Float, ints: in.Ints, data: in.Data}
		s.args = [2]ir.Value{ir.None, ir.None}
		for k := range min(len(in.Args), 2) {
			s.args[k] = in.Args[k]
		}
		if len(in.Args) > 0 {
			a := q.Instrs[in.Args[0]].Shape
			s.a, s.ar, s.ac = bufs[in.Args[0]], a.NumRows(b), a.Cols
			s.lda = s.ac
			// A permutation that reverses all of its operand's columns.
			s.reverse = in.Op == ir.OpPermuteCols && s.ac == s.cols && len(in.Ints) == s.cols && reversed(in.Ints)
			if in.Op == ir.OpGemm && in.Int&ir.GemmSliceA != 0 {
				// A is columns [lo, lo+cols) of Args[0] (fuseSliced).
				s.a, s.ac = s.a[in.Ints[0]:], in.Ints[1]
			}
		}
		if len(in.Args) > 1 {
			bs := q.Instrs[in.Args[1]].Shape
			s.b, s.br, s.bc = bufs[in.Args[1]], bs.NumRows(b), bs.Cols
			s.ldb = s.bc
			if in.Op == ir.OpGemm && in.Int&ir.GemmSliceB != 0 {
				s.b, s.bc = s.b[in.Ints[2]:], in.Ints[3]
			}
		}
		if len(in.Args) > 2 {
			s.c = bufs[in.Args[2]]
		}
		if rowView(q, i, static, own) || static[i] && maskInPlace[T](q, params, i) {
			continue // a view: the buffer is the value
		}
		switch in.Op {
		case ir.OpInput, ir.OpParam, ir.OpConst, ir.OpNop:
			continue // no work: the buffer is the value, or there is none
		case ir.OpMatMul, ir.OpGemm:
			// Only the AVX2 and Go paths transpose B into scratch.
			tA, tB := in.Int&ir.TransA != 0, in.Int&ir.TransB != 0
			k := s.ac
			if tA {
				k = s.ar
			}
			need := 0
			if e.k.scratch(tA, tB, s.rows, s.cols, k) {
				need = s.br * s.bc
			}
			s.blocks = maskedBlocks(q, static, outMasks, ir.Value(i), &s, true)
			for _, b := range s.blocks {
				if e.k.scratch(tA, tB, b.m1-b.m0, b.n1-b.n0, b.k1-b.k0) {
					need = max(need, s.br*s.bc)
				}
			}
			if need > len(e.scratch) {
				e.ArenaFloats += need - len(e.scratch)
				e.scratch = make([]T, need)
			}
			if !static[i] {
				s.pieces = pieces(e, &s, tA, tB, k)
			}
			// Main steps only: they run one product at a time (share.go),
			// which the rowwise products' shared rowA needs. A prelude's
			// products run once per parameter change; they stay packed
			// rather than depend on how preludeWork spreads them.
			if s.rowwise = !static[i] && rowwisePlanned(&s, tA, tB); s.rowwise {
				na, nc := rowwiseFloats(&s)
				rowA, rowC = max(rowA, na), max(rowC, nc)
			}
			if s.smallK = smallKPlanned(&s); s.smallK && tB {
				s.packed = make([]T, s.ac*s.cols)
				e.ArenaFloats += len(s.packed)
			}
			if in.Op == ir.OpGemm && in.Int&ir.GemmBias != 0 && !s.smallK {
				if n := biasTile[T](s.cols); n > 0 {
					s.tile = make([]T, n)
					e.ArenaFloats += n
				}
			}
		case ir.OpSliceCols, ir.OpPadCols, ir.OpAddCols, ir.OpPermuteCols:
			if s.gather = narrowGather(&s); s.gather != nil {
				e.ArenaFloats += gatherFloats[T](s.gather)
			}
		}
		if static[i] {
			e.pre = append(e.pre, s)
		} else {
			e.steps = append(e.steps, s)
		}
	}
	if rowA > 0 {
		e.rowA, e.rowC = make([]T, rowA), make([]T, rowC)
		e.ArenaFloats += rowA + rowC
	}
	uses, _ := useCounts(q)
	formChains(e.steps, uses)
	formReluSums(e.steps)
	e.share.word.Store(e.idle())
	return e
}

// Input returns the buffer of input i ([Batch, cols], row-major) for the
// caller to fill before Run.
func (e *Exec[T]) Input(i int) []T {
	for j, in := range e.Prog.Instrs {
		if in.Op == ir.OpInput && in.Int == i {
			return e.bufs[j]
		}
	}
	panic("runtime: no such input")
}

// Value returns the buffer holding v after Run. It is valid until the next
// Run; a value that is neither an output nor live at the end may have been
// overwritten.
func (e *Exec[T]) Value(v ir.Value) []T { return e.bufs[v] }

// Output returns the buffer of the named output after Run.
func (e *Exec[T]) Output(name string) []T {
	v := e.Prog.Output(name)
	if v == ir.None {
		panic("runtime: no output " + name)
	}
	return e.bufs[v]
}

// SetRNG replaces the random source of the program's random ops.
func (e *Exec[T]) SetRNG(rng *rand.Rand) { e.rng = rng }

// Run executes the program once: its prelude, then the rest.
func (e *Exec[T]) Run() {
	for i := range e.pre {
		e.exec(&e.pre[i])
	}
	e.runMain()
}

// runMain executes the program without its prelude; other members of a
// team may help with its large products (share.go).
func (e *Exec[T]) runMain() {
	track := e.share.track
	for i := range e.steps {
		if e.steps[i].pieces != nil {
			e.runShared(i)
		} else {
			e.exec(&e.steps[i])
		}
		if track {
			e.share.progress.Store(int32(i + 1))
		}
	}
	e.share.finished.Store(true)
}
