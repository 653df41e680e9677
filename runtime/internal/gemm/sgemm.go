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
