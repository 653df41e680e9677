package gemm

// Dgemm computes C = A'·B' + beta·C where A' is A (m×k) or, if tA, Aᵀ with A stored k×m;
// B' is B (k×n) or, if tB, Bᵀ with B stored n×k. All row-major with leading dimensions lda, ldb, ldc.
// beta is 0 or 1 in practice (0 means overwrite: C's old contents, even NaN, must be ignored).
// It never allocates and never starts goroutines.
//
// Dgemm panics if a dimension is negative, a leading dimension is smaller
// than its matrix's stored row length, or a slice is too short.
//
// On amd64 with AVX-512F (see Accelerated) it runs the assembly kernels,
// elsewhere the portable Go loops of DgemmGo. For given arguments the
// result is the same on every call: the kernels are chosen by shape only,
// and the summation order is fixed.
func Dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	dgemm(useAsm, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// DgemmGo is Dgemm on the portable Go loops, whatever the machine.
func DgemmGo(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	dgemm(false, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// Accelerated reports whether Dgemm and Sgemm run the AVX-512 kernels:
// on amd64 when the CPU and the operating system support AVX-512F,
// unless built with the noasm tag.
func Accelerated() bool { return useAsm }

func dgemm(asm, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	acc, ok := prepare(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	switch {
	case !ok:
	case asm:
		dgemmAsm(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	default:
		gemmGo(tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	}
}

// prepare checks a product's arguments (see Dgemm for the panics) and
// applies a beta other than 0 and 1 to C. It reports whether a kernel
// must run (not when C is empty or k is 0, where C is only scaled) and
// whether it must add to C.
func prepare[T float32 | float64](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) (acc, ok bool) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	if m == 0 || n == 0 {
		return false, false
	}
	checkMat("c", c, m, n, ldc)
	if k == 0 || beta != 0 && beta != 1 {
		scale(m, n, beta, c, ldc)
		if k == 0 {
			return false, false
		}
		beta = 1
	}
	if tA {
		checkMat("a", a, k, m, lda)
	} else {
		checkMat("a", a, m, k, lda)
	}
	if tB {
		checkMat("b", b, n, k, ldb)
	} else {
		checkMat("b", b, k, n, ldb)
	}
	return beta != 0, true
}

// checkMat panics unless s can hold a rows×cols row-major matrix with
// leading dimension ld; rows and cols are positive.
func checkMat[T float32 | float64](name string, s []T, rows, cols, ld int) {
	if ld < cols {
		panic("gemm: leading dimension of " + name + " too small")
	}
	if len(s) < (rows-1)*ld+cols {
		panic("gemm: " + name + " too short")
	}
}

// scale sets C = beta·C, writing zeros (not 0·C) when beta is 0.
func scale[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
