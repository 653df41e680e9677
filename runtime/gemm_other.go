//go:build !amd64

package runtime

// useAVX2 is false: there are no AVX2 kernels on this architecture.
var useAVX2 = false

// gemmAVX2 is never called without AVX2 kernels.
func gemmAVX2(m, n, k int, a []float64, ars, aps int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	panic("runtime: no AVX2 kernels on this architecture") // useAVX2 is false: never called
}

// gemmAVX2s is never called without AVX2 kernels.
func gemmAVX2s(m, n, k int, a []float32, ars, aps int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	panic("runtime: no AVX2 kernels on this architecture") // useAVX2 is false: never called
}
