package runtime

import (
	"fmt"
	"os"

	"github.com/noxlang/nox/runtime/internal/gemm"
)

// gemmPath is one implementation of dgemm.
type gemmPath uint8

const (
	pathAuto   gemmPath = iota // choose by shape and CPU (dgemmChoose)
	pathGo                     // portable Go loops
	pathAVX2                   // AVX2/FMA 4×8 micro-kernel (gemm_amd64.s)
	pathAVX512                 // AVX-512 kernels of runtime/internal/gemm
)

var gemmPathNames = [...]string{pathAuto: "auto", pathGo: "go", pathAVX2: "avx2", pathAVX512: "avx512"}

func (p gemmPath) String() string { return gemmPathNames[p] }

// available reports whether p can run on this machine and build.
func (p gemmPath) available() bool {
	switch p {
	case pathAuto, pathGo:
		return true
	case pathAVX2:
		return useAVX2
	case pathAVX512:
		return useAVX512
	}
	return false
}

// useAVX512 selects the AVX-512 kernels where the CPU and the OS support
// them (never with the noasm build tag).
var useAVX512 = gemm.Accelerated()

// gemmForced is the path the environment variable NOX_GEMM forces ("go",
// "avx2", "avx512"; empty or "auto": choose by shape). It is for testing
// and measuring; a path the machine cannot run falls back to auto.
var gemmForced = parseGemmPath(os.Getenv("NOX_GEMM"))

func parseGemmPath(s string) gemmPath {
	for p, name := range gemmPathNames {
		if s == name {
			if gemmPath(p).available() {
				return gemmPath(p)
			}
			return pathAuto
		}
	}
	if s != "" {
		fmt.Fprintf(os.Stderr, "nox: NOX_GEMM=%q is not one of auto, go, avx2, avx512; using auto\n", s)
	}
	return pathAuto
}

// dgemmChoose picks the implementation for a product. The choice depends
// only on the shape, the CPU and NOX_GEMM, never on the data or the
// number of cores, so a program gives bit-identical results on a given
// machine. Measured with BenchmarkDgemm, the AVX-512 kernels beat the
// AVX2 one on every shape the benchmark flows run, the smallest
// included, so the shape does not matter yet: the widest available
// kernels win (figures in bench/README.md).
func dgemmChoose(tA, tB bool, m, n, k int) gemmPath {
	if gemmForced != pathAuto {
		return gemmForced
	}
	switch {
	case useAVX512:
		return pathAVX512
	case useAVX2:
		return pathAVX2
	}
	return pathGo
}

// dgemm computes C = op(A)·op(B) for row-major matrices, overwriting C
// (whose old contents, even NaN, are ignored). C is m×n; op(A) is m×k (A is
// stored k×m if tA); op(B) is k×n (B is stored n×k if tB). scratch must
// hold k·n elements when tB: the AVX2 and Go paths transpose B into it so
// that their kernels always read B one contiguous row at a time.
//
// On amd64 with AVX-512 the work is done by the register-blocked kernels
// of runtime/internal/gemm, with AVX2 and FMA by an assembly micro-kernel
// that keeps a 4×8 block of C in registers and reads A through row and
// column strides, so a transposed A costs nothing; elsewhere by portable
// Go loops. dgemmChoose picks one per shape.
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, scratch []float64) {
	dgemmPath(dgemmChoose(tA, tB, m, n, k), tA, tB, m, n, k, a, lda, b, ldb, c, ldc, scratch)
}

// dgemmPath is dgemm on the implementation p, which must be available.
func dgemmPath(p gemmPath, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, scratch []float64) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	if p == pathAuto {
		p = dgemmChoose(tA, tB, m, n, k)
	}
	switch p {
	case pathAVX512:
		gemm.Dgemm(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
		return
	case pathGo:
		if k >= 8 {
			// The unrolled loops of runtime/internal/gemm are faster
			// here; below, gemmGo's plain loop is (BenchmarkDgemm with
			// NOX_GEMM=go or -tags noasm; figures in bench/README.md).
			gemm.DgemmGo(tA, tB, m, n, k, a, lda, b, ldb, 0, c, ldc)
			return
		}
	}
	gemmStrided(p == pathAVX2, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, scratch, false)
}

// gemmStrided is the AVX2 path, or, in float64 without avx2 (and
// without acc), gemmGo's: B transposed into scratch (k·n elements) if
// tB, A read through strides; C += op(A)·op(B) if acc.
func gemmStrided[T Float](avx2, tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, scratch []T, acc bool) {
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
		panic("runtime: gemm operands too short")
	}
	switch a := any(a).(type) {
	case []float64:
		b, c := any(b).([]float64), any(c).([]float64)
		if avx2 {
			gemmAVX2(m, n, k, a, ars, aps, b, ldb, c, ldc, acc)
			return
		}
		gemmGo(m, n, k, a, ars, aps, b, ldb, c, ldc)
	case []float32:
		gemmAVX2s(m, n, k, a, ars, aps, any(b).([]float32), ldb, any(c).([]float32), ldc, acc)
	}
}

// gemmGo is the portable kernel for small k.
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

// gemmAdd adds op(A)·op(B) to C (shapes as in dgemm): the later parts of
// a masked product's block (masked.go), which continue the sums its
// first part wrote. It runs the AVX-512 kernels where dgemm and sgemm
// would, the AVX2 ones where they would (a transposed B goes through
// scratch, as there), else the portable loops of runtime/internal/gemm,
// so the choice depends only on the CPU, NOX_GEMM and the plan. Before
// the AVX2 ones added to C, a masked product's later parts ran the
// portable loops on AVX2 machines.
func gemmAdd[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, scratch []T) {
	switch {
	case gemmAVX512Path():
		switch a := any(a).(type) {
		case []float64:
			gemm.Dgemm(tA, tB, m, n, k, a, lda, any(b).([]float64), ldb, 1, any(c).([]float64), ldc)
		case []float32:
			gemm.Sgemm(tA, tB, m, n, k, a, lda, any(b).([]float32), ldb, 1, any(c).([]float32), ldc)
		}
	case gemmAVX2Path() && (!tB || len(scratch) >= k*n):
		gemmStrided(true, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, scratch, true)
	default:
		switch a := any(a).(type) {
		case []float64:
			gemm.DgemmGo(tA, tB, m, n, k, a, lda, any(b).([]float64), ldb, 1, any(c).([]float64), ldc)
		case []float32:
			gemm.SgemmGo(tA, tB, m, n, k, a, lda, any(b).([]float32), ldb, 1, any(c).([]float32), ldc)
		}
	}
}
