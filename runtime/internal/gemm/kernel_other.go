//go:build !amd64

package gemm

// useAsm is false: there are no assembly kernels on this architecture.
var useAsm = false

// dgemmAsm is never called without assembly kernels.
func dgemmAsm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	gemmGo(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
}
