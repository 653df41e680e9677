//go:build !amd64

package gemm

// sgemmAsm is never called without assembly kernels.
func sgemmAsm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	gemmGo(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
}
