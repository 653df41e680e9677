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
	if !tB && (m < 32 || k <= 16) {
		// B is small or little reused: read it in place.
		panels(m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
		return
	}
	if !tB && n <= 32 {
		// One panel (a block of a masked product): read it in place,
		// 128 rows at a time as packed would, which sums in the same
		// order. The rows stay in L2 while every row panel of A uses
		// them; copying them costs more, row by row, than it saves.
		for p0 := 0; p0 < k; p0 += 128 {
			panels(m, n, min(128, k-p0), a[p0*aps:], ars, aps, b[p0*ldb:], ldb, acc || p0 > 0, c, ldc)
		}
		return
	}
	packed(tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}
