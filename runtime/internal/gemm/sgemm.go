package gemm

// Sgemm is Dgemm for float32: it computes C = A'·B' + beta·C where A' is
// A (m×k) or, if tA, Aᵀ with A stored k×m; B' is B (k×n) or, if tB, Bᵀ
// with B stored n×k. All row-major with leading dimensions lda, ldb, ldc.
// beta is 0 or 1 in practice (0 means overwrite: C's old contents, even
// NaN, must be ignored). The products are summed in float32. It never
// allocates and never starts goroutines.
//
// Sgemm panics if a dimension is negative, a leading dimension is smaller
// than its matrix's stored row length, or a slice is too short.
//
// On amd64 with AVX-512F (see Accelerated) it runs the assembly kernels,
// elsewhere the portable Go loops of SgemmGo. For given arguments the
// result is the same on every call: the kernels are chosen by shape only,
// and the summation order is fixed.
func Sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(useAsm, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// SgemmGo is Sgemm on the portable Go loops, whatever the machine.
func SgemmGo(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(false, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

func sgemm(asm, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	acc, ok := prepare(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	switch {
	case !ok:
	case asm:
		sgemmAsm(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	default:
		gemmGo(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	}
}

// SgemmHalves computes two products that share A: over columns [0, n)
// and [h, h+n) of B and C, C = A'·B (+ C if acc), with A' = A (m×k), or
// Aᵀ for A stored k×m if tA; B is k×(h+n), not transposed. Where the
// kernels are accelerated and n is 8 or 16, one vector holds 8 columns
// of each half (runtime/masked.go: a masked product whose mask's halves
// are equal); otherwise it runs Sgemm on each half. Either way each
// element is summed in order of p, with k in runs of 128, and C added at
// the end if acc. It panics as Sgemm does, and if h < n.
func SgemmHalves(tA bool, m, n, k int, a []float32, lda int, b []float32, ldb, h int, acc bool, c []float32, ldc int) {
	if h < n {
		panic("gemm: halves overlap")
	}
	beta := float32(0)
	if acc {
		beta = 1
	}
	if useAsm && (n == 8 || n == 16) && m > 0 && k > 0 {
		// Both halves' bounds, as prepare checks one.
		checkMat("c", c, m, h+n, ldc)
		checkMat("b", b, k, h+n, ldb)
		if tA {
			checkMat("a", a, k, m, lda)
		} else {
			checkMat("a", a, m, k, lda)
		}
		sgemmHalvesAsm(tA, m, n, k, a, lda, b, ldb, h, acc, c, ldc)
		return
	}
	for _, off := range []int{0, h} {
		for p0 := 0; p0 < max(k, 1); p0 += 128 {
			kw := min(128, k-p0)
			b0 := beta
			if p0 > 0 {
				b0 = 1
			}
			aOff := p0
			if tA {
				aOff = p0 * lda
			}
			if kw == 0 {
				aOff = 0
			}
			Sgemm(tA, false, m, n, kw, a[aOff:], lda, b[p0*ldb+off:], ldb, b0, c[off:], ldc)
		}
	}
}
