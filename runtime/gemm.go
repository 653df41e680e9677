package runtime

// dgemm computes C = op(A)·op(B) for row-major matrices, overwriting C
// (whose old contents, even NaN, are ignored). C is m×n; op(A) is m×k (A is
// stored k×m if tA); op(B) is k×n (B is stored n×k if tB). scratch must
// hold k·n elements when tB: B is transposed into it so that the kernel
// always reads B one contiguous row at a time.
//
// On amd64 with AVX2 and FMA the work is done by an assembly micro-kernel
// that keeps a 4×8 block of C in registers and reads A through row and
// column strides, so a transposed A costs nothing; elsewhere by a plain Go
// loop.
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, scratch []float64) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	if tB {
		t := scratch[:k*n]
		for j := range n {
			row := b[j*ldb : j*ldb+k]
			for p, v := range row {
				t[p*n+j] = v
			}
		}
		b, ldb = t, n
	}
	ars, aps := lda, 1 // A[i,p] = a[i*ars + p*aps]
	if tA {
		ars, aps = 1, lda
	}
	// The kernels index without bounds checks: prove every access in range.
	if len(a) < (m-1)*ars+(k-1)*aps+1 || len(b) < (k-1)*ldb+n || len(c) < (m-1)*ldc+n {
		panic("runtime: dgemm operands too short")
	}
	gemmKernel(m, n, k, a, ars, aps, b, ldb, c, ldc)
}

// gemmGo is the portable kernel.
func gemmGo(m, n, k int, a []float64, ars, aps int, b []float64, ldb int, c []float64, ldc int) {
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		clear(crow)
		for p := range k {
			av := a[i*ars+p*aps]
			brow := b[p*ldb : p*ldb+n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}
