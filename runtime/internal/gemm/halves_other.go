//go:build !amd64

package gemm

// halvesAsm is never called without assembly kernels.
func halvesAsm[T float32 | float64](tA bool, m, w, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int) {
	panic("gemm: no halves kernels")
}

// HalvesFit is false without the halves kernels.
func HalvesFit(m, ldb, size int) bool { return false }

// halvesVL: no halves kernels.
const halvesVL = false
