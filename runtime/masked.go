package runtime

import (
	"math/bits"
	"strings"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime/internal/gemm"
)

// A MADE's weights are multiplied by constant 0/1 masks, which the layer
// declares as such (ir.OpMask), and with sorted degrees
// (stdlib.MADEDegrees) each mask is a staircase: in every column, the
// nonzero rows form one range, and neighbouring columns have nearly the
// same range. A matrix product over such a matrix is split into blocks of
// columns, each a product over just its range, and the arithmetic on the
// zeros (about half of it) is skipped:
//
//   - C = op(A)·op(B) with op(B) masked (x·(W⊙M) forward, dY·(W⊙M)ᵀ
//     backward): each block of C's columns sums over the rows of op(B)
//     that are nonzero in some column of the block;
//   - C whose every use masks it (the weight gradient Aᵀ·dY, masked by
//     the program, by the gradient rule of ir.OpMask, or, after
//     splitGradScales, by the trainer): each block of C's columns
//     computes the rows the mask keeps and zeroes the rest.
//
// The blocks are fixed when the program is planned; products too small
// for the split to pay, or masks without the structure, run whole. Only
// declared masks count: the runtime never inspects a constant's values to
// find one.

// gemmBlock is one piece of a product: rows [m0, m1) and columns [n0, n1)
// of C, summed over [k0, k1).
type gemmBlock struct{ m0, m1, n0, n1, k0, k1 int }

// maskSplit turns the split on; tests turn it off to compare.
var maskSplit = true

// maskParts turns on the splitting of blocks into parts (blockSegments);
// tests turn it off to compare.
var maskParts = true

// maskBlockCols is the width of a block of C's columns: wide enough that
// the matrix kernels run at speed, narrow enough to follow a staircase.
const maskBlockCols = 32

// A float32 block of maskWideCols columns is one panel of the AVX-512
// kernels (6×64 tiles), which reads A once where two blocks of 32 read
// it twice. That pays where A does not fit in L1 and the blocks re-read
// it from L2: a 784-d MAF's input weights, whose blocks' A is the
// layer's input (64 rows of 784) forward and its transpose (784 of 64
// or 128) for the weight gradient. Measured one thread
// (TestProbeProducts, bench/README.md): the 784×1024×64 weight gradient
// 339 → 226–238 µs, the 64×1024×784 product 344–349 → 318–322 µs; the
// joint phase of a 784-d step 5.56–5.63 → 4.75 ms. Where A is small (a
// digits shard's 128×64 input, 32 KB) the wider blocks were 6–8 %
// slower, their staircase wider; products whose B is transposed (dY·Wᵀ)
// were 6–11 % slower on 784-d, so they keep maskBlockCols, as float64
// does, whose panels are 32 columns wide anyway. So do products of
// fewer than maskWideMinRows rows: a 784-d log-density's parts of 32
// rows (a chunk of 64 on two cores) ran 1.018× as long with wide blocks
// (14 alternating rounds; their 6-row tiles leave 2 of the 32 rows to
// smaller kernels, which I did not time apart), where digits' parts of
// 500 rows ran 0.992× as long (12).
const (
	maskWideCols     = 64
	maskWideMinBytes = 64 << 10
	maskWideMinRows  = 64
)

// maskBlockColsFor is the width of the blocks of a product over
// [m, k]·[k, n] (B transposed if tB) in T: maskWideCols or maskBlockCols.
// It depends on the shape, the element type and whether the AVX-512
// kernels run (as halvesOf does), never on the number of cores.
func maskBlockColsFor[T Float](tB bool, m, k, n int) int {
	var z T
	if _, f32 := any(z).(float32); f32 && !tB && m >= maskWideMinRows && m*k*4 >= maskWideMinBytes && n >= 2*maskWideCols && maskWide && gemmAVX512Path() {
		return maskWideCols
	}
	return maskBlockCols
}

// maskWide turns the wide blocks on; measurements turn it off to
// compare.
var maskWide = true

// maskOf returns the mask of value v of q if v is masked (ir.OpMask, or
// its backend form ir.OpMaskCopy): the elements of its constant operand,
// each 0 or 1 (ir.Builder.Mask checked them).
func maskOf(q *ir.Program, v ir.Value) []float64 {
	in := q.Instrs[v]
	if in.Op != ir.OpMask && in.Op != ir.OpMaskCopy {
		return nil
	}
	return q.Instrs[in.Args[1]].Data
}

// liveRuns returns the runs [lo, hi) of ones of a mask with at least one
// zero, else nil (no mask, or one without zeros); an all-zero mask gives
// an empty, non-nil list.
func liveRuns(mask []float64) [][2]int {
	runs := [][2]int{}
	for j := 0; j < len(mask); j++ {
		if mask[j] == 0 {
			continue
		}
		lo := j
		for j < len(mask) && mask[j] == 1 {
			j++
		}
		runs = append(runs, [2]int{lo, j})
	}
	if mask == nil || len(runs) == 1 && runs[0] == [2]int{0, len(mask)} {
		return nil
	}
	return runs
}

// operandMask returns the mask M if v is a static W⊙M: the zeros of M
// are zeros of v.
func operandMask(q *ir.Program, static []bool, v ir.Value) []float64 {
	if !static[v] {
		return nil
	}
	return maskOf(q, v)
}

// outputMasks returns, per matrix product of q whose every use masks it,
// that mask: a mask that is its only use, or, for a gradient output, the
// mask splitGradScales took out (an output maskPrefix + its name).
func outputMasks(q *ir.Program) map[ir.Value][]float64 {
	// An output counts two uses: 1 is one use and no output, and for an
	// output 2 is that output alone.
	uses, _ := useCounts(q)
	// A product without a bias: a fused bias would make the masked-out
	// elements nonzero.
	unbiased := func(v ir.Value) bool {
		in := q.Instrs[v]
		return in.Op == ir.OpMatMul || in.Op == ir.OpGemm && in.Int&ir.GemmBias == 0
	}
	masks := map[ir.Value][]float64{}
	for v, in := range q.Instrs {
		m := maskOf(q, ir.Value(v))
		if m == nil {
			continue
		}
		if x := in.Args[0]; unbiased(x) && uses[x] == 1 {
			masks[x] = m
		}
	}
	for _, o := range q.Outputs {
		grad, ok := strings.CutPrefix(o.Name, maskPrefix)
		if !ok {
			continue
		}
		x := q.Output(grad)
		if x != ir.None && unbiased(x) && uses[x] == 2 {
			masks[x] = q.Instrs[o.Value].Data
		}
	}
	return masks
}

// maskedBlocks returns the blocks of the product s (instruction v of q),
// or nil if it should run whole, and sets s.parts to the parts of the
// blocks that run as parts (blockSegments), nil if none does, and
// s.halves to the distance between the halves if the blocks are halves
// blocks (halvesOf; only if halves is set).
func maskedBlocks[T Float](q *ir.Program, static []bool, outMasks map[ir.Value][]float64, v ir.Value, s *step[T], halves bool) []gemmBlock {
	s.halves = 0
	if !maskSplit {
		return nil
	}
	in := q.Instrs[v]
	tB := in.Int&ir.TransB != 0
	m, n := s.rows, s.cols
	k := s.ac
	if in.Int&ir.TransA != 0 {
		k = s.ar
	}
	if m*n*k < 1<<17 || n < 2*maskBlockCols {
		return nil
	}
	var blocks []gemmBlock
	var parts [][]gemmPart
	work := 0
	var mask []float64
	if in.Int&ir.GemmSliceB == 0 { // a slice's mask is not its source's
		mask = operandMask(q, static, in.Args[1])
	}
	gr := maskGrainOf[T]()
	w := gr.cols
	// blockCols is the width of a block (of each half, if h > 0); a
	// group of w columns then spans w/2 of each half.
	blockCols, h := maskBlockColsFor[T](tB, m, k, n), 0
	mk, rows := mask, k
	if mk == nil {
		mk, rows = outMasks[v], m
	}
	if halves && !tB && gemm.HalvesFit(m, s.ldb, int(unsafe.Sizeof(T(0)))) {
		h = halvesOf[T](mk, rows, n)
	}
	if h > 0 {
		blockCols, w = halvesBlockCols[T](), w/2
		gr.cols, gr.halves = w, true
	}
	nz := func(at func(p, j0, j1 int) bool) func(p, j0, j1 int) bool {
		if h == 0 {
			return at
		}
		return func(p, j0, j1 int) bool { return at(p, j0, j1) || at(p, j0+h, j1+h) }
	}
	// Columns [0, cols) are blocked: the first half, or all of them.
	cols := n
	if h > 0 {
		cols = h
	}
	if mask != nil {
		at := nz(opRows(mask, k, n, tB))
		for n0 := 0; n0 < cols; n0 += blockCols {
			n1 := min(n0+blockCols, cols)
			segs := blockSegments(k, n0, n1, gr, at)
			k0, k1 := 0, 0 // a zero block
			if len(segs) > 0 {
				k0, k1 = segs[0].lo, segs[len(segs)-1].hi
			}
			blocks = append(blocks, gemmBlock{0, m, n0, n1, k0, k1})
			ps := productParts(segs, m, n0, n1, w)
			if !maskParts {
				ps = nil
			}
			parts = append(parts, ps)
			work += partsWork(ps, blocks[len(blocks)-1])
		}
	} else if mask := outMasks[v]; mask != nil {
		at := nz(opRows(mask, m, n, false))
		for n0 := 0; n0 < cols; n0 += blockCols {
			n1 := min(n0+blockCols, cols)
			segs := blockSegments(m, n0, n1, gr, at)
			m0, m1 := 0, 0
			if len(segs) > 0 {
				m0, m1 = segs[0].lo, segs[len(segs)-1].hi
			}
			blocks = append(blocks, gemmBlock{m0, m1, n0, n1, 0, k})
			ps := outputParts(segs, n0, n1, k, w)
			if !maskParts {
				ps = nil
			}
			parts = append(parts, ps)
			work += partsWork(ps, blocks[len(blocks)-1])
		}
	}
	if h > 0 {
		work *= 2 // the blocks' columns in both halves
	}
	// Split only where it saves a fifth of the arithmetic.
	if blocks == nil || 5*work > 4*m*n*k {
		return nil
	}
	s.parts, s.halves, s.blockCols = nil, h, blockCols
	for i, ps := range parts {
		if ps != nil {
			if s.parts == nil {
				s.parts = make([][]gemmPart, len(blocks))
			}
			s.parts[i] = ps
		}
	}
	return blocks
}

// maskHalves turns on halves blocks (halvesOf); tests and probes turn
// it off to compare.
var maskHalves = true

// halvesOf returns h if a product's mask mk (rows×n, of op(B) or of C)
// is two equal halves, h = n/2 columns each, a multiple of an ordinary
// block's group (16 columns in float32, 8 in float64; the last block of
// a half may be narrower than the others), and the AVX-512 kernels run
// it (gemm.SgemmHalves, gemm.DgemmHalves), else 0. A MADE's
// output weights are such a mask: μ's columns, then α's, with the same
// degrees. In a block of 32 columns of one half, a vector of 16 spans
// 16 output degrees of the staircase, so its rows run to those the
// highest needs, and on digits' output weights a fifth of the
// arithmetic was on zeros (0.99 M multiply-adds a shard in each of
// 5.24 M, forward and weight gradient: TestProbeProducts). Run in
// halves, a vector holds 8 columns of each half with the same 8
// degrees, and the zeros it multiplies halve.
//
// A block's columns of each half are checked in groups of 8 in float32
// (16 lanes: half an ordinary block's group) and 4 in float64 (where an
// ordinary float64 block has 32 columns in groups of 8,
// maskQuarterCols).
func halvesOf[T Float](mk []float64, rows, n int) int {
	if !maskHalves || mk == nil || !gemmAVX512Path() || n%(2*maskGrainOf[T]().cols) != 0 {
		return 0
	}
	h := n / 2
	for p := range rows {
		r := mk[p*n : (p+1)*n]
		for j := range h {
			if r[j] != r[j+h] {
				return 0
			}
		}
	}
	return h
}

// halvesBlockCols is the width of a halves block in each half
// (halvesOf): four vectors, 32 columns in float32 and 16 in float64.
// Against two vectors, as an ordinary float32 block has, digits' float32
// step took 0.94 and 0.98 of the time (two runs of alternating rounds),
// its output weights' forward and gradient products 2–6 % less. In
// float64, with two, digits' log-prob ran at 0.944 of the ordinary
// blocks' speed; with four, and halves kept off rows that alias
// (gemm.HalvesFit), at 0.995, its training step at 1.022.
func halvesBlockCols[T Float]() int {
	var z T
	if _, ok := any(z).(float64); ok {
		return maskHalfCols
	}
	return 2 * maskHalfCols
}

// gemmHalves is gemm.SgemmHalves or gemm.DgemmHalves (halvesOf).
func gemmHalves[T Float](tA bool, m, n, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		gemm.SgemmHalves(tA, m, n, k, a, lda, any(b).([]float32), ldb, h, acc, any(c).([]float32), ldc)
	case []float64:
		gemm.DgemmHalves(tA, m, n, k, a, lda, any(b).([]float64), ldb, h, acc, any(c).([]float64), ldc)
	}
}

// opRows returns blockSegments' question for the k×n matrix op(B) whose
// mask is mask: does row p have a nonzero in columns [j0, j1)? op(B)[p, j]
// is mask[p*n+j], or mask[j*k+p] if B is transposed (t).
func opRows(mask []float64, k, n int, t bool) func(p, j0, j1 int) bool {
	if t {
		return func(p, j0, j1 int) bool {
			for j := j0; j < j1; j++ {
				if mask[j*k+p] != 0 {
					return true
				}
			}
			return false
		}
	}
	return func(p, j0, j1 int) bool { return anyNonzero(mask[p*n+j0 : p*n+j1]) }
}

// anyNonzero reports whether any of xs is nonzero.
func anyNonzero(xs []float64) bool {
	for _, x := range xs {
		if x != 0 {
			return true
		}
	}
	return false
}

// A block's columns are checked for nonzeros in halves of maskHalfCols
// columns, maskSegRows rows (of op(B), or of C) at a time. Where the
// staircase is steep, one half of a 32-column block needs many more rows
// than the other (on the digits MAF, 128 outputs for 64 degrees: a
// block's first half needs about 120 of 512 hidden units, its second
// 248), and a product over the union of their rows does up to twice the
// arithmetic that counts. A block is then run as parts: rows both halves
// need at the full width, rows one half needs at half the width (the
// 16-column kernels run at about 0.84 of the 32-column ones' speed), and
// rows neither needs not at all (dY·(W⊙M)ᵀ over the output weights of a
// MADE: two runs per hidden unit, μ's and α's).
const (
	maskHalfCols = 16
	maskSegRows  = 16
	maskMinPart  = 32
)

// In float64 a vector holds 8 elements, and a product over 8 columns
// runs at about 0.74 of one over 16 (67 against 90 GFLOP/s), where in
// float32 an 8-column product runs at half the speed of a 16-column one:
// float64 blocks are checked in quarters of maskQuarterCols columns,
// float32 ones in halves.
// float64's arithmetic is also slower beside a part's call and its pass
// over C, so its segments are finer too: runs of 8 rows, parts of 16 or
// more. Measured on the digits MAF's step (alternating test binaries):
// quarters 1.033× as fast as halves, then the finer segments 1.02×;
// float32 with the finer segments 0.97–0.99× (bench/README.md).
const (
	maskQuarterCols = 8
	maskSegRows64   = 8
	maskMinPart64   = 16
)

// maskGrain is how a block of a product is checked and split: in groups
// of cols columns, runs of segRows rows, parts of at least minPart rows
// (blockSegments).
type maskGrain struct {
	cols, segRows, minPart int
	halves                 bool    // a group's columns are in each half (halvesOf): twice cols lanes
	lanes                  int     // of a vector (exactSegments' costs)
	narrow                 float64 // the speed of a product one vector wide against a wider one
}

// maskGrainOf is the grain of T's blocks.
func maskGrainOf[T Float]() maskGrain {
	var z T
	if _, ok := any(z).(float64); ok {
		return maskGrain{cols: maskQuarterCols, segRows: maskSegRows64, minPart: maskMinPart64, lanes: 8, narrow: narrowSpeed64}
	}
	return maskGrain{cols: maskHalfCols, segRows: maskSegRows, minPart: maskMinPart, lanes: 16, narrow: narrowSpeed32}
}

// maskSeg is a range [lo, hi) of rows that the column groups in set (bit
// h for group h, blockSegments) need.
type maskSeg struct{ lo, hi, set int }

// gemmPart is one part of a block (see blockSegments): a product over
// its ranges, added to C if acc, else written.
type gemmPart struct {
	gemmBlock
	acc bool
}

// blockSegments returns the rows [lo, hi) of a dimension of length l
// that the column groups of [n0, n1) (gr.cols columns each: halves in
// float32, quarters in float64, and half that of each half in halves
// blocks) need, with each segment's set of groups, nz(p, j0, j1) telling
// whether row p is needed by any of the columns [j0, j1) (one call a row
// and group, which stops at the first nonzero: planning a 784-d MAF's
// products had spent over a second in a call per mask entry). A block
// without nonzeros has no segments. They are planned row by row
// (exactSegments), or by blockSegmentsRuns if maskExact is off.
func blockSegments(l, n0, n1 int, gr maskGrain, nz func(p, j0, j1 int) bool) []maskSeg {
	if maskExact {
		return exactSegments(l, n0, n1, gr, nz)
	}
	return blockSegmentsRuns(l, n0, n1, gr, nz)
}

// blockSegmentsRuns is blockSegments in runs of gr.segRows rows, each
// run's set of groups: a run that not every group needs, shorter than
// gr.minPart rows, is given to all of them (a part costs a call and a
// pass over its block of C, worth about 16 rows of float32 arithmetic);
// runs with the same set are merged, runs no group needs left out, and
// the first and last trimmed to the rows their groups need.
func blockSegmentsRuns(l, n0, n1 int, gr maskGrain, nz func(p, j0, j1 int) bool) []maskSeg {
	w := gr.cols
	groups := (n1 - n0 + w - 1) / w
	full := 1<<groups - 1
	var lo, hi [maskWideCols / maskQuarterCols]int // each group's rows
	for h := range lo {
		lo[h] = l
	}
	var segs []maskSeg
	for r0 := 0; r0 < l; r0 += gr.segRows {
		r1 := min(r0+gr.segRows, l)
		set := 0
		for h := range groups {
			j0, j1 := n0+h*w, min(n0+(h+1)*w, n1)
			for p := r0; p < r1; p++ {
				if nz(p, j0, j1) {
					set |= 1 << h
					lo[h], hi[h] = min(lo[h], p), max(hi[h], p+1)
				}
			}
		}
		segs = appendSeg(segs, maskSeg{r0, r1, set})
	}
	// Leading and trailing runs no group needs go; short runs in between
	// go to all the groups.
	for len(segs) > 0 && segs[0].set == 0 {
		segs = segs[1:]
	}
	for len(segs) > 0 && segs[len(segs)-1].set == 0 {
		segs = segs[:len(segs)-1]
	}
	var out []maskSeg
	for _, g := range segs {
		if g.set != full && g.hi-g.lo < gr.minPart {
			g.set = full
		}
		out = appendSeg(out, g)
	}
	segs = out[:0]
	for _, g := range out {
		if g.set != 0 {
			segs = append(segs, g)
		}
	}
	for i := range segs {
		g := &segs[i]
		a, b := l, 0
		for h := range groups {
			if g.set&(1<<h) != 0 {
				a, b = min(a, lo[h]), max(b, hi[h])
			}
		}
		g.lo, g.hi = max(g.lo, a), min(g.hi, b)
	}
	return segs
}

// appendSeg appends g to segs, merged into the last segment if that has
// the same set and ends where g starts.
func appendSeg(segs []maskSeg, g maskSeg) []maskSeg {
	if n := len(segs); n > 0 && segs[n-1].set == g.set && segs[n-1].hi == g.lo {
		segs[n-1].hi = g.hi
		return segs
	}
	return append(segs, g)
}

// segCols returns the columns of [n0, n1) from the first group (of w
// columns) in set to the last: the groups between, if set skips any, are
// computed too, which a masked operand's zeros or a masked output's
// uses make harmless.
func segCols(set, n0, n1, w int) (int, int) {
	a, b := bits.TrailingZeros(uint(set)), bits.Len(uint(set))
	return n0 + a*w, min(n0+b*w, n1)
}

// productParts returns the parts of a block of C = op(A)·op(B) with
// op(B) masked, columns [n0, n1) of m rows, over the segments of op(B)'s
// rows, or nil if the block runs whole (one segment over all its
// columns). Every element of C is written by the first part that covers
// its column and added to by the others; a block whose first part does
// not cover all its columns starts with a part of no rows, which writes
// zeros.
func productParts(segs []maskSeg, m, n0, n1, w int) []gemmPart {
	full := 1<<((n1-n0+w-1)/w) - 1
	if len(segs) <= 1 && (len(segs) == 0 || segs[0].set == full) {
		return nil
	}
	var ps []gemmPart
	if segs[0].set != full {
		ps = append(ps, gemmPart{gemmBlock{0, m, n0, n1, 0, 0}, false})
	}
	for _, g := range segs {
		a, b := segCols(g.set, n0, n1, w)
		ps = append(ps, gemmPart{gemmBlock{0, m, a, b, g.lo, g.hi}, len(ps) > 0})
	}
	return ps
}

// outputParts returns the parts of a block of columns [n0, n1) of a
// product whose output is masked, over the segments of C's rows, or nil
// if the block runs whole. The parts' elements do not overlap; the rows
// a group skips stay the zeros they were planned with (gemmBlock).
func outputParts(segs []maskSeg, n0, n1, k, w int) []gemmPart {
	full := 1<<((n1-n0+w-1)/w) - 1
	if len(segs) <= 1 && (len(segs) == 0 || segs[0].set == full) {
		return nil
	}
	var ps []gemmPart
	for _, g := range segs {
		a, b := segCols(g.set, n0, n1, w)
		ps = append(ps, gemmPart{gemmBlock{g.lo, g.hi, a, b, 0, k}, false})
	}
	return ps
}

// partsWork is the multiply-adds of a block run as the parts ps, or
// whole (b) if ps is nil.
func partsWork(ps []gemmPart, b gemmBlock) int {
	if ps == nil {
		return (b.m1 - b.m0) * (b.n1 - b.n0) * (b.k1 - b.k0)
	}
	w := 0
	for _, p := range ps {
		w += (p.m1 - p.m0) * (p.n1 - p.n0) * (p.k1 - p.k0)
	}
	return w
}

// gemmBlock runs one block of a product (see maskedBlocks), or one
// piece (share.go): whole, or as its parts. Where the output is masked,
// the elements of a block that no part covers (rows outside [m0, m1), or
// outside a part over half its columns) are zeros: the product's buffer
// is its own (newExec), zeroed when planned, and no step writes there.
func (e *Exec[T]) gemmBlock(s *step[T], b gemmBlock, tA, tB bool) {
	if s.rowwise {
		e.rowwiseBlock(s, b)
		return
	}
	if s.parts != nil {
		// A masked product's pieces are its blocks, one per maskBlockCols
		// columns, or per halvesBlockCols of each half (pieces, share.go).
		if ps := s.parts[s.blockIndex(b)]; ps != nil {
			for _, p := range ps {
				e.gemmPart(s, p.gemmBlock, tA, tB, p.acc)
			}
			return
		}
	}
	e.gemmPart(s, b, tA, tB, false)
}

// blockIndex returns the index of block b among s.blocks.
func (s *step[T]) blockIndex(b gemmBlock) int { return b.n0 / s.blockCols }

// gemmPart runs rows [m0, m1) and columns [n0, n1) of a product, summed
// over [k0, k1), into C, or adds them to C if acc; and the same columns
// s.halves further on, if that is not 0.
func (e *Exec[T]) gemmPart(s *step[T], b gemmBlock, tA, tB, acc bool) {
	gemmPartWith(e.k, e.scratch, s, b, tA, tB, acc)
}

// gemmPartWith is gemmPart with the kernels k and the scratch of a
// kernel that transposes B.
func gemmPartWith[T Float](k *kernels[T], scratch []T, s *step[T], b gemmBlock, tA, tB, acc bool) {
	lda, ldb, ldc := s.lda, s.ldb, s.cols
	mm, nn, kk := b.m1-b.m0, b.n1-b.n0, b.k1-b.k0
	if mm == 0 {
		return
	}
	aOff := b.m0*lda + b.k0
	if tA {
		aOff = b.k0*lda + b.m0
	}
	bOff := b.k0*ldb + b.n0
	if tB {
		bOff = b.n0*ldb + b.k0
	}
	if s.halves > 0 {
		gemmHalves(tA, mm, nn, kk, s.a[aOff:], lda, s.b[bOff:], ldb, s.halves, acc, s.out[b.m0*ldc+b.n0:], ldc)
		return
	}
	if acc {
		gemmAdd(tA, tB, mm, nn, kk, s.a[aOff:], lda, s.b[bOff:], ldb, s.out[b.m0*ldc+b.n0:], ldc, scratch)
		return
	}
	k.gemm(tA, tB, mm, nn, kk, s.a[aOff:], lda, s.b[bOff:], ldb, s.out[b.m0*ldc+b.n0:], ldc, scratch)
}

// maskCopies returns p with each static mask W⊙M of a W that is not a
// constant, whose mask has zeros and ones, rewritten as an
// ir.OpMaskCopy: the value's buffer is its own (static values are never
// recycled) and starts zeroed, so each run of the prelude copies W's
// elements where M is 1 (the runs of ones, in Ints) and leaves the zeros
// alone. p itself is not modified.
func maskCopies(p *ir.Program) *ir.Program {
	var static []bool
	var out *ir.Program
	for i, in := range p.Instrs {
		if in.Op != ir.OpMask || p.Instrs[in.Args[0]].Op == ir.OpConst {
			continue
		}
		if static == nil {
			static = staticValues(p)
		}
		runs := liveRuns(maskOf(p, ir.Value(i)))
		if !static[i] || len(runs) == 0 {
			continue
		}
		out = editable(out, p)
		f := in
		f.Op = ir.OpMaskCopy
		f.Ints = make([]int, 0, 2*len(runs))
		for _, r := range runs {
			f.Ints = append(f.Ints, r[0], r[1])
		}
		out.Instrs[i] = f
	}
	if out == nil {
		return p
	}
	return out
}

// A masked weight W⊙M is read in place, W itself, where W's elements at
// M's zeros are known to be +0: the zeros a model declares with
// Params.ZeroMasked, which the parameters keep from then on. The prelude
// then copies nothing and the value has no buffer of its own (a 784-d
// MAF's masked weights are 12 M elements, copied at every training step;
// sizes in bench/README.md). A copy holds +0 at M's zeros (maskCopies),
// and so does W, so the programs read the same bits either way.

// maskedZeros returns, per parameter of table, the runs [lo, hi) of its
// elements that no program of progs reads: every use of the parameter
// is a mask of it (ir.OpMask, or its backend form ir.OpMaskCopy), which
// reads the elements where the mask is 1, or, through transposes, row
// and column slices and column permutations of it, any other op, which
// reads the elements those select (a MADE's sampler multiplies the
// stored weights where their masks are 1: stdlib's madeNet.solve). No
// output of progs depends on the elements returned. Only a parameter
// some mask reads gets any (nil: none), and no state parameter (written
// through outputs).
func maskedZeros(table []ir.Param, progs []*ir.Program) [][][2]int {
	read := make([][]bool, len(table))
	masked := make([]bool, len(table))
	for i, p := range table {
		if !p.State {
			read[i] = make([]bool, p.Shape.Rows*p.Shape.Cols)
		}
	}
	for _, p := range progs {
		if p != nil {
			markReads(p, read, masked)
		}
	}
	zeros := make([][][2]int, len(table))
	for i, r := range read {
		if !masked[i] {
			continue
		}
		for j := 0; j < len(r); j++ {
			if r[j] {
				continue
			}
			lo := j
			for j < len(r) && !r[j] {
				j++
			}
			zeros[i] = append(zeros[i], [2]int{lo, j})
		}
	}
	return zeros
}

// markReads sets read[i][j] for each element j of parameter i that p
// reads (see maskedZeros), and masked[i] if p masks parameter i. A
// parameter without read (state) is skipped.
func markReads(p *ir.Program, read [][]bool, masked []bool) {
	// origin[v] is the parameter that v is, or a layout of (transposes,
	// slices, permutations of columns), else -1.
	origin := make([]int, len(p.Instrs))
	for v, in := range p.Instrs {
		origin[v] = -1
		switch in.Op {
		case ir.OpParam:
			if in.Int >= 0 && in.Int < len(read) && read[in.Int] != nil && in.Shape.Rows*in.Shape.Cols == len(read[in.Int]) {
				origin[v] = in.Int
			}
		case ir.OpTranspose, ir.OpSliceRows, ir.OpSliceCols, ir.OpPermuteCols:
			if !in.Shape.Batched() {
				origin[v] = origin[in.Args[0]]
			}
		}
	}
	// all marks every element v selects.
	all := func(v ir.Value) {
		in := &p.Instrs[v]
		r := read[origin[v]]
		for i := range in.Shape.Rows {
			for j := range in.Shape.Cols {
				r[paramElement(p, v, i, j)] = true
			}
		}
	}
	for v := range p.Instrs {
		in := &p.Instrs[v]
		for k, a := range in.Args {
			i := origin[a]
			switch {
			case i < 0:
			case k == 0 && (in.Op == ir.OpMask || in.Op == ir.OpMaskCopy) && p.Instrs[a].Op == ir.OpParam:
				masked[i] = true
				for j, x := range p.Instrs[in.Args[1]].Data {
					if x != 0 {
						read[i][j] = true
					}
				}
			case origin[v] < 0: // not a layout of the parameter: reads it
				all(a)
			}
		}
	}
	for _, o := range p.Outputs {
		if origin[o.Value] >= 0 {
			all(o.Value)
		}
	}
}

// paramElement returns the index in its parameter of element (r, c) of
// v, a parameter or a layout of one (markReads' origin).
func paramElement(p *ir.Program, v ir.Value, r, c int) int {
	for {
		in := &p.Instrs[v]
		switch in.Op {
		case ir.OpParam:
			return r*in.Shape.Cols + c
		case ir.OpTranspose:
			r, c = c, r
		case ir.OpSliceRows:
			r += in.Int
		case ir.OpSliceCols:
			c += in.Int
		case ir.OpPermuteCols:
			c = in.Ints[c]
		}
		v = in.Args[0]
	}
}

// deadRuns returns the runs [lo, hi) of zeros of a mask.
func deadRuns(mask []float64) [][2]int {
	var runs [][2]int
	for j := 0; j < len(mask); j++ {
		if mask[j] != 0 {
			continue
		}
		lo := j
		for j < len(mask) && mask[j] == 0 {
			j++
		}
		runs = append(runs, [2]int{lo, j})
	}
	return runs
}

// intersectRuns returns the runs of elements in both a and b (sorted,
// disjoint runs).
func intersectRuns(a, b [][2]int) [][2]int {
	var out [][2]int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
		if lo < hi {
			out = append(out, [2]int{lo, hi})
		}
		if a[i][1] < b[j][1] {
			i++
		} else {
			j++
		}
	}
	return out
}

// exceptRuns returns the runs of [0, n) in live (nil: all of [0, n)) and
// in none of zeros, or live itself if zeros is empty.
func exceptRuns(live, zeros [][2]int, n int) [][2]int {
	if len(zeros) == 0 {
		return live
	}
	if live == nil {
		live = [][2]int{{0, n}}
	}
	// The complement of zeros in [0, n), intersected with live.
	var keep [][2]int
	lo := 0
	for _, z := range zeros {
		if lo < z[0] {
			keep = append(keep, [2]int{lo, z[0]})
		}
		lo = z[1]
	}
	if lo < n {
		keep = append(keep, [2]int{lo, n})
	}
	out := intersectRuns(live, keep)
	if out == nil {
		out = [][2]int{} // nothing live, which nil would not say
	}
	return out
}

// coveredBy reports whether every zero of mask lies in one of the runs.
func coveredBy(mask []float64, runs [][2]int) bool {
	r := 0
	for j, x := range mask {
		if x != 0 {
			continue
		}
		for r < len(runs) && runs[r][1] <= j {
			r++
		}
		if r == len(runs) || runs[r][0] > j {
			return false
		}
	}
	return true
}

// maskInPlace reports whether static value v of p, a masked weight W⊙M
// of a parameter (ir.OpMaskCopy), is read in place: params keeps W at +0
// wherever M is 0 (Params.ZeroMasked), so W is W⊙M; and p either
// computes no gradients, or its masked weights are at least
// inPlaceMinBytes in all. A trainer's update writes W between the steps
// that read it, and the cores' caches then pass W's lines back and forth
// (both shards read all of it, either member updates any range). A copy
// passes them too, since the update writes it as it writes W (kept
// copies), and costs a second write of each element; it does not pay
// from a few hundred KB of weights (inPlaceMinBytes; figures in
// bench/README.md, "Figures behind runtime design choices"). Reading in
// place or a copy gives the same bits.
func maskInPlace[T Float](p *ir.Program, params *Params, v int) bool {
	in := p.Instrs[v]
	if in.Op != ir.OpMaskCopy || p.Instrs[in.Args[0]].Op != ir.OpParam {
		return false
	}
	if !params.zeroedUnder(p.Instrs[in.Args[0]].Int, p.Instrs[in.Args[1]].Data) {
		return false
	}
	if !computesGradients(p) {
		return true
	}
	n := 0
	for _, in := range p.Instrs {
		if in.Op == ir.OpMaskCopy {
			n += in.Shape.Rows * in.Shape.Cols
		}
	}
	return n*int(unsafe.Sizeof(T(0))) >= inPlaceMinBytes
}

// inPlaceMinBytes is the size of a gradient program's masked weights from
// which they are read in place (maskInPlace). Below it a copy made in the
// prelude, since kept by the update (maskkeep.go), stays in a core's
// cache: the moons MAF's 12 and 24 KB, whose steps were level either way
// (in place 0.98–1.04× as long). Above it reading in place saves the
// update writing each copy beside W: MADEs on 64 columns with 0.5–4 MB
// of masked weights (the digits MAF has 2 MB in float32) stepped
// 0.91–0.96× as long in place as with kept copies (medians), faster in
// 43–60 of 60 alternated rounds; with 0.12–0.5 MB, 0.95–1.005×, within
// the noise.
// It was 16 MB, set before the update kept copies, when in place was
// measured against a copy the prelude made. Measured on a Zen 4 host
// (TestProbeInPlace with NOX_PROBE_KEPT=1, bench/README.md). Tests set
// it to choose either way.
var inPlaceMinBytes = 256 << 10
