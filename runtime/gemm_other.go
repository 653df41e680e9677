//go:build !amd64

package runtime

func gemmKernel(m, n, k int, a []float64, ars, aps int, b []float64, ldb int, c []float64, ldc int) {
	gemmGo(m, n, k, a, ars, aps, b, ldb, c, ldc)
}
