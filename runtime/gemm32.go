package runtime

import "github.com/noxlang/nox/runtime/internal/gemm"

// sgemm is dgemm in float32: the AVX-512 kernels of runtime/internal/gemm
// where the machine has them (and NOX_GEMM does not force another path),
// else the AVX2 kernels of gemm_amd64.s where it has those (and NOX_GEMM
// does not force the Go path), else the portable loops. The AVX-512 path
// reads transposed operands in place or packs them on the stack; the
// AVX2 path transposes B into scratch (k·n elements, kernels32.scratch).
// Before the AVX2 path, float32 products on a machine without AVX-512 ran
// the portable loops: a 784-d MAF's float32 training step took ~0.9 s
// with NOX_GEMM=avx2 on this project's machine, against 0.36 s in float64.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	switch {
	case sgemmAVX512():
		gemm.Sgemm(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	case sgemmAVX2Path() && (!tB || len(scratch) >= k*n):
		sgemmAVX2(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, scratch, false)
	default:
		gemm.SgemmGo(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	}
}

// sgemmAVX512 reports whether float32 products run the AVX-512 kernels.
func sgemmAVX512() bool { return useAVX512 && gemmForced != pathGo && gemmForced != pathAVX2 }

// sgemmAVX2Path reports whether float32 products run the AVX2 kernels.
func sgemmAVX2Path() bool { return !sgemmAVX512() && useAVX2 && gemmForced != pathGo }

// sgemmAVX2 is sgemm on the AVX2 kernels, adding to C if acc.
func sgemmAVX2(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !acc {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
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
		panic("runtime: sgemm operands too short")
	}
	gemmAVX2s(m, n, k, a, ars, aps, b, ldb, c, ldc, acc)
}
