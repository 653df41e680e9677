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
// with NOX_GEMM=avx2 on this project's machine, against 0.16 s in float64.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	switch {
	case gemmAVX512Path():
		gemm.Sgemm(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	case gemmAVX2Path() && (!tB || len(scratch) >= k*n):
		gemmStrided(true, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, scratch, false)
	default:
		gemm.SgemmGo(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	}
}

// gemmAVX512Path reports whether products run the AVX-512 kernels: what
// dgemmChoose chooses for every shape, and sgemm too.
func gemmAVX512Path() bool { return useAVX512 && gemmForced != pathGo && gemmForced != pathAVX2 }

// gemmAVX2Path reports whether products run the AVX2 kernels.
func gemmAVX2Path() bool { return !gemmAVX512Path() && useAVX2 && gemmForced != pathGo }
