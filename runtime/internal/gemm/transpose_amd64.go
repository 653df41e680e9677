package gemm

// transpose32Asm is Transpose32 on the AVX-512 kernels.
func transpose32Asm(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	spackTTo(dst, ldd, cols, rows, src, lds)
}

// transpose64Asm is Transpose64 on the AVX-512 kernels.
func transpose64Asm(rows, cols int, src []float64, lds int, dst []float64, ldd int) {
	packTTo(dst, ldd, cols, rows, src, lds)
}
