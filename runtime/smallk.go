package runtime

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// A dense layer over a few inputs, relu(x·W + b) with x of 2 columns
// (moons' first MADE layer: [B,2]·[2,100]), costs its product little:
// two multiply-adds an output element. The bias pass after it read and
// wrote the whole [B,100] output again, and took more of a moons
// log-prob's cycles (15 %, perf) than the product itself (13 %). So a
// biased product of at most smallKMax terms, run whole (no masked
// blocks, no pieces), runs as one pass (smallKBiasD, smallKBiasS) that
// adds the bias and applies the relu before it stores each vector, with
// the operations of the matrix kernels and of the bias pass in their
// order: the same bits (TestSmallK). BenchmarkSmallK: 8.0 → 5.8 µs in
// float64, the moons log-prob 1.45 times as fast (A/B rounds,
// bench/README.md); in float32, whose bias pass moves half the bytes,
// 3.85 µs either way (a loop of its own for two terms, 9 instructions a
// vector against 15, did not change that: not the instructions).

// smallKMax is the most terms a product run by smallK has: one register
// a term holds the row's a value.
const smallKMax = 8

// smallKOn turns smallK on where a step is planned; tests turn it off
// to compare.
var smallKOn = true

// smallKPlanned reports whether step s, a product, runs as smallK: a
// product of at most smallKMax terms with a bias, its first operand not
// transposed, run whole, where products run on the AVX-512 kernels. A
// transposed second operand (a sampler's x·Wᵀ of one column) is copied
// into s.packed, k rows of the product's columns, at each run: at most
// smallKMax·cols elements.
func smallKPlanned[T Float](s *step[T]) bool {
	k := s.ac
	return smallKOn && gemmAVX512Path() && s.op == ir.OpGemm && s.flags&ir.GemmBias != 0 &&
		s.flags&ir.TransA == 0 && k >= 1 && k <= smallKMax &&
		s.blocks == nil && s.pieces == nil && s.rows >= 1 && s.cols >= 1 &&
		len(s.c) >= s.cols && len(s.out) >= s.rows*s.cols
}

// smallK runs product step s, planned by smallKPlanned, with its bias.
func smallK[T Float](s *step[T]) {
	floor := T(math.Inf(-1))
	if s.flags&ir.GemmRelu != 0 {
		floor = 0
	}
	b, ldb := s.b, s.ldb
	if s.flags&ir.TransB != 0 {
		// B is stored cols×k: its row p is column p of b.
		k, n := s.ac, s.cols
		for p := range k {
			row := s.packed[p*n : (p+1)*n]
			for j := range row {
				row[j] = b[j*ldb+p]
			}
		}
		b, ldb = s.packed, n
	}
	smallKVec(s.out, s.a, b, s.c, s.rows, s.cols, s.ac, s.lda, ldb, floor)
}
