package gemm

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

// useAsm selects the AVX-512 kernels (x/sys/cpu checks that the operating
// system saves the AVX-512 state too); tests turn it off to check the
// portable path. The noasm build tag turns it off for good.
var useAsm = cpu.X86.HasAVX512F && !noasm

// dgemmAsm is Dgemm for validated arguments with k > 0 on the AVX-512
// kernels: C = A'·B' (+ C if acc).
func dgemmAsm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	ars, aps := lda, 1
	if tA {
		ars, aps = 1, lda
	}
	if !tA && n <= 4 && k >= 16 {
		// Few columns: dot products along the contiguous rows of A use
		// full vectors where the panel kernels would use half of one.
		dots(tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
		return
	}
	if tA && n <= 4 && m > n {
		// Few columns: compute Cᵀ, whose rows run along those of A.
		swapped(tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
		return
	}
	pf := prefetchB(k, ldb, 128)
	if !tB && (m < 32 || k <= 16) {
		// B is small or little reused: read it in place.
		panelsPf(pf, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
		return
	}
	if !tB && n <= 32 {
		// One panel (a block of a masked product): read it in place,
		// 128 rows at a time as packed would, which sums in the same
		// order. The rows stay in L2 while every row panel of A uses
		// them; copying them costs more, row by row, than it saves.
		for p0 := 0; p0 < k; p0 += 128 {
			panelsPf(pf, m, n, min(128, k-p0), a[p0*aps:], ars, aps, b[p0*ldb:], ldb, acc || p0 > 0, c, ldc)
		}
		return
	}
	packed(tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// prefetchB reports whether a product that reads the rows of B in place
// prefetches them (the kernels kernp, skernp): when it sums over at
// least 128 rows of B, and B's rows are not a multiple of align elements
// (1 KiB) apart. Read in place, the rows of a block of a wide B are far
// apart, and the hardware prefetchers, which follow runs of neighbouring
// lines, leave every row a miss the first time; rows a multiple of 1 KiB
// apart share a few sets of the L1 cache, and prefetching them evicts
// rows still in use (784-d's 64×(784→1024) forward product, 4 KiB rows:
// 149 → 129 GFLOP/s with prefetching, where its 1024→1568 one went
// 137 → 200; bench/README.md). The choice depends on the shape only.
func prefetchB(k, ldb, align int) bool { return k >= 128 && ldb%align != 0 }
