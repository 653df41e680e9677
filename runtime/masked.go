package runtime

import (
	"strings"

	"github.com/noxlang/nox/compiler/ir"
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

// maskBlockCols is the width of a block of C's columns: wide enough that
// the matrix kernels run at speed, narrow enough to follow a staircase.
const maskBlockCols = 32

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
	uses := make([]int, len(q.Instrs))
	for _, in := range q.Instrs {
		for _, a := range in.Args {
			uses[a]++
		}
	}
	outs := make([]int, len(q.Instrs))
	for _, o := range q.Outputs {
		outs[o.Value]++
	}
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
		if x := in.Args[0]; unbiased(x) && uses[x] == 1 && outs[x] == 0 {
			masks[x] = m
		}
	}
	for _, o := range q.Outputs {
		grad, ok := strings.CutPrefix(o.Name, maskPrefix)
		if !ok {
			continue
		}
		x := q.Output(grad)
		if x != ir.None && unbiased(x) && uses[x] == 0 && outs[x] == 1 {
			masks[x] = q.Instrs[o.Value].Data
		}
	}
	return masks
}

// maskedBlocks returns the blocks of the product s (instruction v of q),
// or nil if it should run whole.
func maskedBlocks[T Float](q *ir.Program, static []bool, outMasks map[ir.Value][]float64, v ir.Value, s *step[T]) []gemmBlock {
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
	work := 0
	var mask []float64
	if in.Int&ir.GemmSliceB == 0 { // a slice's mask is not its source's
		mask = operandMask(q, static, in.Args[1])
	}
	if mask != nil {
		// op(B)[p, j] is mask[p*n+j], or mask[j*k+p] if B is transposed.
		at := func(p, j int) bool {
			if tB {
				return mask[j*k+p] != 0
			}
			return mask[p*n+j] != 0
		}
		for n0 := 0; n0 < n; n0 += maskBlockCols {
			n1 := min(n0+maskBlockCols, n)
			k0, k1 := k, 0
			for j := n0; j < n1; j++ {
				for p := 0; p < k; p++ {
					if at(p, j) {
						k0 = min(k0, p)
						k1 = max(k1, p+1)
					}
				}
			}
			if k1 <= k0 {
				k0, k1 = 0, 0 // a zero block
			}
			blocks = append(blocks, gemmBlock{0, m, n0, n1, k0, k1})
			work += (k1 - k0) * (n1 - n0) * m
		}
	} else if mask := outMasks[v]; mask != nil {
		for n0 := 0; n0 < n; n0 += maskBlockCols {
			n1 := min(n0+maskBlockCols, n)
			m0, m1 := m, 0
			for i := range m {
				for j := n0; j < n1; j++ {
					if mask[i*n+j] != 0 {
						m0, m1 = min(m0, i), max(m1, i+1)
						break
					}
				}
			}
			if m1 <= m0 {
				m0, m1 = 0, 0
			}
			blocks = append(blocks, gemmBlock{m0, m1, n0, n1, 0, k})
			work += (m1 - m0) * (n1 - n0) * k
		}
	}
	// Split only where it saves a fifth of the arithmetic.
	if blocks == nil || 5*work > 4*m*n*k {
		return nil
	}
	return blocks
}

// gemmBlock runs one block of a product (see maskedBlocks), or one
// piece (share.go). Rows outside [m0, m1) of a block's columns are zeros:
// the product's buffer is its own (newExec), zeroed when planned, and no
// step writes there.
func (e *Exec[T]) gemmBlock(s *step[T], b gemmBlock, tA, tB bool) {
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
	e.k.gemm(tA, tB, mm, nn, kk, s.a[aOff:], lda, s.b[bOff:], ldb, s.out[b.m0*ldc+b.n0:], ldc, e.scratch)
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
