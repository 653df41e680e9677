//go:build !amd64

package gemm

// There are no assembly kernels here (useAsm is false): these are never
// called.

func transpose32Asm(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	panic("gemm: no assembly kernels")
}

func transpose64Asm(rows, cols int, src []float64, lds int, dst []float64, ldd int) {
	panic("gemm: no assembly kernels")
}
