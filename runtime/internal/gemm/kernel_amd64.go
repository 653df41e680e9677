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
	if !tB && n <= 32 && !packAliased(m, ldb, 128) {
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

// pfMode is how a product that reads the rows of B in place prefetches
// them (prefetchB): not at all, into L1, or into L2 only.
type pfMode uint8

const (
	pfOff pfMode = iota
	pfL1
	pfL2
)

// prefetchB returns how a product that reads the rows of B in place
// prefetches them: not at all if it sums over fewer than 128 rows of B,
// into L2 only (the kernqRxW kernels) if B's rows are a multiple of
// align elements (1 KiB) apart, else into L1 (kernpRxW). Read in place,
// the rows of a block of a wide B are far apart, and the hardware
// prefetchers, which follow runs of neighbouring lines, leave every row
// a miss the first time. Rows a multiple of 1 KiB apart share a few sets
// of the L1 cache, and prefetching them there evicts rows still in use
// (784-d's 64×(784→1024) forward product, 4 KiB rows: 149 → 129 GFLOP/s
// when it prefetched into L1), but L2 has many times as many sets (the
// same product in a 784-d training shard, its weights coming from
// memory: ~100 → ~120 GFLOP/s prefetching into L2; bench/README.md). The
// choice depends on the shape only.
func prefetchB(k, ldb, align int) pfMode {
	switch {
	case k < 128:
		return pfOff
	case ldb%align == 0:
		return pfL2
	}
	return pfL1
}

// packAliased reports whether a product of at most one panel (32
// columns in float64, 64 in float32: a block of a masked product)
// copies B's rows rather than reading them in
// place because they are a multiple of align elements (1 KiB) apart and
// C has at least 256 rows. Such rows share a few sets of the L1 cache,
// and of L2 too, with C's if ldc is B's ldb (a masked weight gradient,
// Xᵀ·dY): C's rows, written block after block of A's rows, then evict
// those of B that every block reads again (784-d's 784×(64→1024)
// input weight gradient: ~100 GFLOP/s in place, ~120 copied;
// bench/README.md). With fewer rows of C, copying costs more than it
// saves (digits' 64×(128→512) one ran ~20 % slower copied).
func packAliased(m, ldb, align int) bool { return m >= 256 && ldb%align == 0 }

// b2i is 1 if b, else 0.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
