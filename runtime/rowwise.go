package runtime

import "github.com/noxlang/nox/runtime/internal/gemm"

// Masked products with B transposed, row by row. Backpropagation through
// a masked layer computes dX = dY·(W⊙M)ᵀ, W stored n×k (a row of W per
// column of dX). Run as blocks of maskBlockCols columns of dX, each block
// packs its rows of W transposed (k×32) before the kernels read them, and
// each shard packs them again: on one thread, in the flow of a step
// (TestProbeProducts), 784-d's 64×1024×1568 product ran at 82–84 GFLOP/s
// of useful work where the forward product of the same shape, which
// reads W in place, ran at 90–93. Computed the other way round, dXᵀ =
// (W⊙M)·dYᵀ, a block is rows of W read in place (each row's live range
// contiguous, followed by the kernels' rows of A) times dYᵀ, which is
// transposed once per product and read by every block: that product ran
// 13–14 % faster, 784-d's 64×784×1024 one 12 %, a 784-d training step
// 2.3–4 % (bench/README.md).
//
// The plan is the masked product's own (blocks of C's columns, each with
// its parts over ranges of k): a block's columns of dX become rows of
// its Cᵀ, computed into the Exec's rowC (each block its own rows there,
// so members helping with pieces never share one), then transposed into
// dX. The sums are those of the blocked product: each element summed
// from zero in order of k, in runs of 128 and in the same parts.

// rowwiseOn turns rowwise products on; tests and measurements turn it
// off to compare.
var rowwiseOn = true

// rowwiseRun is the length of the runs of k the float32 and float64
// AVX-512 kernels sum a product in (gemm.Sgemm's blocks of 128 rows of B).
const rowwiseRun = 128

// rowwiseMaxRows is the most rows of C (columns of Cᵀ) a rowwise
// product has: one panel of the float32 kernels, whose B (dYᵀ) they then
// read in place. A digits shard's 128 rows made two panels, and its
// products with B transposed ran slower rowwise than packed, their W
// small and in cache (one thread, TestProbeProducts, bench/README.md):
// 128×512×128 in 115–119 µs against 93–96, 128×64×512 in 62–64
// against 54; as two products of 64 columns each, 96–98 and 53 (one
// run).
const rowwiseMaxRows = 64

// rowwisePlanned reports whether s, a masked product with blocks, runs
// rowwise: B transposed and A not, float32 on the AVX-512 kernels, more
// than 4 and at most rowwiseMaxRows rows, blocks and parts that span all
// of C's rows and more than 4 of its columns (gemm.Sgemm runs a product
// of at most 4 columns, of C or of Cᵀ, as dot products along k, which
// sum in another order), and blocks whose first part writes all of their
// columns: a block's rows of Cᵀ then hold nothing the Exec's last
// rowwise product left there. A block of a product whose output is
// masked (outputParts) may leave columns to the zeros they were planned
// with; such a product stays packed.
func rowwisePlanned[T Float](s *step[T], tA, tB bool) bool {
	var z T
	if _, f32 := any(z).(float32); !f32 || !rowwiseOn || !tB || tA || s.blocks == nil || s.halves != 0 || s.rows <= 4 || s.rows > rowwiseMaxRows || !gemmAVX512Path() {
		return false
	}
	spans := func(b gemmBlock) bool { return b.m0 == 0 && b.m1 == s.rows && b.n1-b.n0 > 4 }
	for i, b := range s.blocks {
		if !spans(b) {
			return false
		}
		if s.parts == nil || s.parts[i] == nil {
			continue
		}
		if first := s.parts[i][0]; first.acc || first.n0 != b.n0 || first.n1 != b.n1 {
			return false
		}
		for _, p := range s.parts[i] {
			if !spans(p.gemmBlock) {
				return false
			}
		}
	}
	return true
}

// rowwiseFloats is what a rowwise product needs of the Exec's buffers:
// Aᵀ (k×m) in rowA and Cᵀ (n×m) in rowC.
func rowwiseFloats[T Float](s *step[T]) (a, c int) {
	return s.ac * s.rows, s.cols * s.rows
}

// rowwiseStart transposes the product's A into rowA before any of its
// blocks runs (the owner, before it publishes the product's pieces).
func (e *Exec[T]) rowwiseStart(s *step[T]) {
	if !s.rowwise {
		return
	}
	m, k := s.rows, s.ac
	transposeTo(m, k, s.a, s.lda, e.rowA[:k*m], m)
}

// rowwiseBlock runs block b of s rowwise: its parts (or the whole block)
// into its rows of Cᵀ, which it then transposes into C.
func (e *Exec[T]) rowwiseBlock(s *step[T], b gemmBlock) {
	m := s.rows
	ct := e.rowC[b.n0*m : b.n1*m]
	run := func(p gemmBlock, acc bool) {
		rows := ct[(p.n0-b.n0)*m : (p.n1-b.n0)*m]
		if p.k1 == p.k0 {
			if !acc {
				clear(rows)
			}
			return
		}
		// Runs of rowwiseRun terms, each added to the last: the packed
		// product's order (a kernel on fewer than 32 rows of Cᵀ would sum
		// all of k in one run).
		for k0 := p.k0; k0 < p.k1; k0 += rowwiseRun {
			k1 := min(k0+rowwiseRun, p.k1)
			a, bt := s.b[p.n0*s.ldb+k0:], e.rowA[k0*m:]
			if acc || k0 > p.k0 {
				gemmAdd(false, false, p.n1-p.n0, m, k1-k0, a, s.ldb, bt, m, rows, m, nil)
			} else {
				e.k.gemm(false, false, p.n1-p.n0, m, k1-k0, a, s.ldb, bt, m, rows, m, nil)
			}
		}
	}
	var ps []gemmPart
	if s.parts != nil {
		ps = s.parts[s.blockIndex(b)]
	}
	if ps == nil {
		run(b, false)
	}
	for _, p := range ps {
		run(p.gemmBlock, p.acc)
	}
	transposeTo(b.n1-b.n0, m, ct, m, s.out[b.n0:], s.cols)
}

// transposeTo sets dst (cols×rows, leading dimension ldd) to the
// transpose of src (rows×cols, leading dimension lds).
func transposeTo[T Float](rows, cols int, src []T, lds int, dst []T, ldd int) {
	switch s := any(src).(type) {
	case []float32:
		gemm.Transpose32(rows, cols, s, lds, any(dst).([]float32), ldd)
	case []float64:
		gemm.Transpose64(rows, cols, s, lds, any(dst).([]float64), ldd)
	}
}
