package gemm

import "unsafe"

// Halves products: a product over two sets of columns of B and C, h
// apart, which share A. A masked product whose mask's two halves are
// equal (a MADE's output weights: μ's columns, then α's, with the same
// degrees) runs on these in runtime/masked.go: a vector holds half its
// lanes from each half, so along a staircase it spans half as many
// degrees, and multiplies half as many zeros.

// SgemmHalves computes two products that share A: over columns [0, n)
// and [h, h+n) of B and C, C = A'·B (+ C if acc), with A' = A (m×k), or
// Aᵀ for A stored k×m if tA; B is k×(h+n), not transposed. Where the
// kernels are accelerated and n is a multiple of 8 up to 32, a vector
// holds 8 columns of each half, and each element is summed as Sgemm's panel kernels sum
// it, from zero in order of p, with k in runs of 128, C added at the end
// if acc; otherwise it runs Sgemm on each half, in the same runs of k.
// It panics as Sgemm does, and if h < n.
func SgemmHalves(tA bool, m, n, k int, a []float32, lda int, b []float32, ldb, h int, acc bool, c []float32, ldc int) {
	halves(Sgemm, tA, m, n, k, a, lda, b, ldb, h, acc, c, ldc)
}

// DgemmHalves is SgemmHalves in float64, with 4 columns of each half to
// a vector: it runs the kernels for n a multiple of 4 up to 16.
func DgemmHalves(tA bool, m, n, k int, a []float64, lda int, b []float64, ldb, h int, acc bool, c []float64, ldc int) {
	halves(Dgemm, tA, m, n, k, a, lda, b, ldb, h, acc, c, ldc)
}

// halves is SgemmHalves and DgemmHalves; gemm is Sgemm or Dgemm, for
// the shapes the kernels do not run.
func halves[T float32 | float64](gemm func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int), tA bool, m, n, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int) {
	if h < n {
		panic("gemm: halves overlap")
	}
	if m == 0 || n == 0 {
		return
	}
	var z T
	l := 32 / int(unsafe.Sizeof(z)) // a vector's columns in each half: 32 bytes
	if useAsm && halvesVL && n%l == 0 && n <= 4*l && m > 0 && k > 0 {
		// Both halves' bounds, as prepare checks one.
		checkMat("c", c, m, h+n, ldc)
		checkMat("b", b, k, h+n, ldb)
		if tA {
			checkMat("a", a, k, m, lda)
		} else {
			checkMat("a", a, m, k, lda)
		}
		halvesAsm(tA, m, n/l, k, a, lda, b, ldb, h, acc, c, ldc)
		return
	}
	byHalves(gemm, tA, m, n, k, a, lda, b, ldb, h, acc, c, ldc)
}

// byHalves is halves without its kernels: gemm on each half, in runs of
// 128 rows of k.
func byHalves[T float32 | float64](gemm func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int), tA bool, m, n, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int) {
	var beta T
	if acc {
		beta = 1
	}
	checkMat("c", c, m, h+n, ldc)
	if k > 0 {
		checkMat("b", b, k, h+n, ldb)
	}
	for _, off := range []int{0, h} {
		if k == 0 {
			gemm(tA, false, m, n, 0, a, lda, b, ldb, beta, c[off:], ldc)
			continue
		}
		for p0 := 0; p0 < k; p0 += 128 {
			kw := min(128, k-p0)
			b0 := beta
			if p0 > 0 {
				b0 = 1
			}
			aOff := p0
			if tA {
				aOff = p0 * lda
			}
			gemm(tA, false, m, n, kw, a[aOff:], lda, b[p0*ldb+off:], ldb, b0, c[off:], ldc)
		}
	}
}
