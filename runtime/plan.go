package runtime

import (
	"strings"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// plan assigns a buffer to every value of p for a batch of b rows. Inputs
// get their own buffers, parameters alias the parameter slab, constants
// alias their data (those no step reads get none: unreadConsts), static
// values (see staticValues) get buffers of their own, or alias shared's if
// it is not nil, or, for a masked weight of a program without gradients,
// a live gradient program's buffer of it (sharedMasked), and so do the values in own
// (never shared); every other value gets a slot from a pool that is
// recycled after the value's last use. Outputs live to the end. Buffers
// are allocated here, once, and zeroed, so running the program allocates
// nothing, and what no step writes in a buffer of its own stays zero.
//
// fresh lists the buffers allocated here, which the program's runs write
// (its prelude the static ones) and a Trainer commits before its first
// run (commit.go).
//
// external holds buffers the caller provides for some batched values that
// are outputs (a Trainer's joint operands, joint.go): plan uses them as
// they are and never recycles them.
func plan[T Float](p *ir.Program, params *Params, b int, static []bool, own map[ir.Value]bool, shared [][]T, external map[ir.Value][]T) (bufs [][]T, arena int, fresh [][]T) {
	// A first pass learns the sizes of the buffers to allocate, in the
	// order the second asks for them: they are carved from one slab, so
	// the plan's memory is laid out the same way in every run, whichever
	// of Go's processors allocates it. Allocated one by one, moons'
	// trainer planned with two processors and run on one (the default
	// under load, once the governor lowers GOMAXPROCS, procs.go) made
	// 1–3 % fewer steps a second than one planned with one; from the
	// slab both make the same, 2 % more (bench/README.md, sixteenth
	// session). The first pass allocates nothing: handing out views of
	// one scratch buffer of the largest value's size, it raised a 784-d
	// MAF's peak RSS by 11–15 MB (a scratch buffer per plan, garbage
	// before the next collection).
	if !slabPlans {
		return planPass(p, params, b, static, own, shared, external, func(n int) []T { return make([]T, n) }, false)
	}
	var sizes []int
	planPass(p, params, b, static, own, shared, external, func(n int) []T {
		sizes = append(sizes, n)
		return nil
	}, true)
	size := int(unsafe.Sizeof(T(0)))
	line, page := 64/size, 4096/size
	// A buffer of a page or more starts at a page, as Go places a large
	// allocation of its own, and a smaller one at a cache line. (Whether
	// packing every buffer at a cache line is slower was not measured
	// apart from two builds' code layout: bench/README.md.)
	align := func(off, n int) int {
		if n >= page {
			return (off + page - 1) / page * page
		}
		return (off + line - 1) / line * line
	}
	total := 0
	for _, n := range sizes {
		total = align(total, n) + n
	}
	slab := make([]T, total+page-1)
	base := (page - int(uintptr(unsafe.Pointer(unsafe.SliceData(slab)))%4096)/size) % page
	off, k := 0, 0
	return planPass(p, params, b, static, own, shared, external, func(n int) []T {
		at := align(off, n)
		if k++; k > len(sizes) || sizes[k-1] != n || base+at+n > len(slab) {
			// Not the buffer the first pass allocated here: both
			// passes make the same choices, unless what other
			// programs over the same parameters lent changed in
			// between (sharedMasked: a masked weight lent, or its
			// lender collected).
			return make([]T, n)
		}
		off = at + n
		return slab[base+at : base+at+n : base+at+n]
	}, false)
}

// slabPlans turns plan's slab on; measurements turn it off to compare
// the same build with and without it.
var slabPlans = true

// planPass is one pass of plan: alloc gives a fresh buffer of n
// elements. A dry pass only learns what plan would allocate: its alloc
// may return nil (so no view is cut from a buffer it allocated, and a
// pooled buffer's size is its value's), and it lends no masked weight to
// other programs (sharedMasked).
func planPass[T Float](p *ir.Program, params *Params, b int, static []bool, own map[ir.Value]bool, shared [][]T, external map[ir.Value][]T, alloc func(n int) []T, dry bool) (bufs [][]T, arena int, fresh [][]T) {
	views := paramViews[T](params)
	n := len(p.Instrs)
	last := make([]int, n)
	for i := range last {
		last[i] = -1
	}
	for i, in := range p.Instrs {
		for _, a := range in.Args {
			last[a] = i
		}
	}
	for _, o := range p.Outputs {
		last[o.Value] = n
	}

	unread := unreadConsts(p)
	grads := computesGradients(p)
	bufs = make([][]T, n)
	free := map[int][][]T{} // by size
	// pooled reports whether v's buffer comes from the pool.
	pooled := func(v int) bool {
		switch p.Instrs[v].Op {
		case ir.OpInput, ir.OpParam, ir.OpConst:
			return false
		}
		_, ext := external[ir.Value(v)]
		return !static[v] && !own[ir.Value(v)] && !ext && !rowView(p, v, static, own)
	}
	release := func(v int) {
		if !pooled(v) {
			return
		}
		sz := len(bufs[v])
		if dry {
			sz = p.Instrs[v].Shape.Size(b)
		}
		free[sz] = append(free[sz], bufs[v])
	}
	for i, in := range p.Instrs {
		if in.Op == ir.OpNop {
			continue // absorbed by fuse: no value
		}
		sz := in.Shape.Size(b)
		over := -1 // the operand whose buffer the result took over
		buf, ext := external[ir.Value(i)]
		switch {
		case ext: // an output: never released
			if len(buf) != sz {
				panic("runtime: an external buffer of the wrong size")
			}
			bufs[i] = buf
		case in.Op == ir.OpParam:
			bufs[i] = views[in.Int]
		case in.Op == ir.OpConst:
			if !unread[i] {
				bufs[i] = constant[T](params, in.Data)
			}
		case in.Op == ir.OpInput:
			bufs[i] = alloc(sz)
			arena += sz
			fresh = append(fresh, bufs[i])
		default:
			if rowView(p, i, static, own) {
				c, lo := in.Shape.Cols, in.Int
				if a := bufs[in.Args[0]]; !dry || a != nil {
					bufs[i] = a[lo*c : (lo+in.Shape.Rows)*c]
				}
				break
			}
			if static[i] {
				if shared != nil {
					bufs[i] = shared[i]
					break
				}
				if maskInPlace[T](p, params, i) {
					bufs[i] = bufs[in.Args[0]] // W is W⊙M (masked.go)
					break
				}
				key, masked := maskedKeyOf(p, i)
				if masked && !grads {
					if buf := sharedMasked[T](params, key, sz); buf != nil {
						bufs[i] = buf
						break
					}
				}
				switch {
				case masked && grads && sz > 0:
					// Lent to other programs (sharedMasked): an
					// allocation of its own, so that a borrower that
					// outlives this program keeps only it alive, not
					// the slab with all of this program's buffers.
					if !dry {
						bufs[i] = make([]T, sz)
						lendMasked(params, key, bufs[i])
					}
				default:
					bufs[i] = alloc(sz)
				}
				arena += sz
				fresh = append(fresh, bufs[i])
				break
			}
			if a := in.Args; (in.Op == ir.OpAddCols || in.Op == ir.OpAddRows) && last[a[0]] == i && a[1] != a[0] && pooled(int(a[0])) && !own[ir.Value(i)] {
				bufs[i] = bufs[a[0]] // in place: a dies here
				over = 0
			} else if j := overwritable(p, i, last, pooled, own); j >= 0 {
				bufs[i] = bufs[in.Args[j]] // in place: the operand dies here, read element by element before it is written
				over = j
			} else if l := free[sz]; len(l) > 0 && !own[ir.Value(i)] {
				bufs[i] = l[len(l)-1]
				free[sz] = l[:len(l)-1]
			} else {
				bufs[i] = alloc(sz)
				arena += sz
				fresh = append(fresh, bufs[i])
			}
		}
		// Release operands after allocating the result, so that a step
		// writes over an operand only where plan chose it (over: an
		// elementwise step's, overwritable; AddCols and AddRows in place).
		for j, a := range in.Args {
			if last[a] == i && !dupBefore(in.Args, j) && j != over {
				release(int(a))
			}
		}
		if last[i] == -1 {
			release(i) // dead value: its buffer is free at once
		}
	}
	return bufs, arena, fresh
}

// unreadConsts marks the constants of p that no step reads as a tensor,
// which plan gives no buffer: masks used only as the mask operand of
// ir.OpMaskCopy (which copies the runs of ones its Ints hold, fixed when
// the program was planned) or as a gradient's mask output (maskPrefix)
// with live runs, which a Trainer applies by skipping the elements
// outside them (an all-ones mask, without live runs, is multiplied in and
// keeps its buffer). In float32 every constant with a buffer is a
// converted copy (Params.const32), and a 784-d MAF's masks are 46 MB of
// them.
func unreadConsts(p *ir.Program) []bool {
	unread := make([]bool, len(p.Instrs))
	for i, in := range p.Instrs {
		unread[i] = in.Op == ir.OpConst
	}
	for _, in := range p.Instrs {
		for j, a := range in.Args {
			if in.Op != ir.OpMaskCopy || j != 1 {
				unread[a] = false
			}
		}
	}
	for _, o := range p.Outputs {
		if !strings.HasPrefix(o.Name, maskPrefix) || liveRuns(p.Instrs[o.Value].Data) == nil {
			unread[o.Value] = false
		}
	}
	return unread
}

// rowView reports whether value v of p is a range of rows of a buffer
// that is never recycled (a parameter, a constant, a static value), which
// plan makes a view of that buffer, with no step to run: the rows of a
// row-major matrix are contiguous. An autoregressive solve multiplies
// the first rows of its weights (stdlib's madeNet.solve).
func rowView(p *ir.Program, v int, static []bool, own map[ir.Value]bool) bool {
	in := p.Instrs[v]
	if in.Op != ir.OpSliceRows || own[ir.Value(v)] {
		return false
	}
	a := int(in.Args[0])
	switch p.Instrs[a].Op {
	case ir.OpParam, ir.OpConst:
		return true
	}
	return static[a] || own[ir.Value(a)]
}

func dupBefore(args []ir.Value, j int) bool {
	for _, a := range args[:j] {
		if a == args[j] {
			return true
		}
	}
	return false
}

// paramViews returns the parameters' values in element type T.
func paramViews[T Float](ps *Params) [][]T {
	var v any
	switch any(T(0)).(type) {
	case float64:
		v = ps.Views
	case float32:
		v = ps.float32Views()
	}
	return v.([][]T)
}

// constant returns a constant's data in element type T: the data itself
// in float64; in float32, the copy params keeps for that data, shared by
// every program planned over params (constants are never written).
func constant[T Float](params *Params, data []float64) []T {
	if d, ok := any(data).([]T); ok {
		return d
	}
	return any(params.const32(data)).([]T)
}

// elemInPlace lets an elementwise step write over an operand that dies
// there; tests turn it off to compare.
var elemInPlace = true

// overwritable returns the operand of step i of p, an elementwise step,
// whose buffer its result may take over, or -1: one of the result's
// shape that dies at i, from the pool (an operand read twice, x·x, is
// released once: dupBefore). The result's element j is then written
// after the operand's element j was read, and no other element of it is
// read after. Writing into the lines just read keeps them in the core's
// L1 or L2 cache, where a recycled buffer's were written steps before:
// the digits MAF's elementwise steps took 127 µs of a float32 shard
// instead of 148 (TestProbeShard, bench/README.md).
func overwritable(p *ir.Program, i int, last []int, pooled func(int) bool, own map[ir.Value]bool) int {
	in := p.Instrs[i]
	if !elemInPlace || !perIndex(in.Op) || own[ir.Value(i)] {
		return -1
	}
	for j, a := range in.Args {
		if last[a] == i && pooled(int(a)) && p.Instrs[a].Shape == in.Shape {
			return j
		}
	}
	return -1
}

// perIndex reports whether op computes each output element from the
// elements at the same index of its operands (a second operand may be
// broadcast), so that it may write over one of them (overwritable).
func perIndex(op ir.Op) bool {
	switch op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpMask, ir.OpGreater, ir.OpNeg, ir.OpExp, ir.OpLog, ir.OpRelu, ir.OpReluGrad, ir.OpScale, ir.OpAddConst, ir.OpTanh, ir.OpSigmoid, ir.OpSoftplus, ir.OpSqrt, ir.OpAbs, ir.OpFloor, ir.OpClamp:
		return true
	}
	return false
}
