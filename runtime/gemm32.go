package runtime

import "github.com/noxlang/nox/runtime/internal/gemm"

// sgemm is dgemm in float32: the AVX-512 kernels of runtime/internal/gemm
// where the machine has them (and NOX_GEMM does not force the Go path),
// their portable loops elsewhere. scratch is unused: transposed operands
// are read in place or packed on the stack.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	if useAVX512 && gemmForced != pathGo && gemmForced != pathAVX2 {
		gemm.Sgemm(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
		return
	}
	gemm.SgemmGo(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
}
