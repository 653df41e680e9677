package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmHalves checks SgemmHalves on every row remainder, both
// widths, k across the runs of 128, A plain and transposed, with and
// without accumulation: against a float64 reference within rounding;
// on the kernels, bit for bit against Sgemm run on each half in the
// same runs of k (its fallback, which sums every element in the same
// order); and that columns outside the halves are left alone.
func TestSgemmHalves(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tA := range []bool{false, true} {
		for _, m := range []int{1, 2, 3, 5, 8, 13, 24, 37} {
			for _, n := range []int{8, 16} {
				for _, k := range []int{1, 9, 128, 129, 300, 520} {
					for _, h := range []int{n, 40} {
						for acc := range 2 {
							name := fmt.Sprintf("tA=%v m=%d n=%d k=%d h=%d acc=%d", tA, m, n, k, h, acc)
							checkHalves(t, r, name, tA, m, n, k, h, acc == 1)
						}
					}
				}
			}
		}
	}
}

func checkHalves(t *testing.T, r *rand.Rand, name string, tA bool, m, n, k, h int, acc bool) {
	t.Helper()
	lda, ldb, ldc := k+3, h+n+5, h+n+7
	if h == 40 && tA {
		ldb = 256 // prefetched into L2 (prefetchB) if k ≥ 512
	}
	ar, ac := m, k
	if tA {
		ar, ac, lda = k, m, m+3
	}
	a, b, c := srandMat(r, ar, lda), srandMat(r, k, ldb), srandMat(r, m, ldc)
	_ = ac
	got := append([]float32(nil), c...)
	SgemmHalves(tA, m, n, k, a, lda, b, ldb, h, acc, got, ldc)
	beta := float32(0)
	if acc {
		beta = 1
	}
	for _, off := range []int{0, h} {
		want, tol := sref(tA, false, m, n, k, a, lda, b[off:], ldb, beta, c[off:], ldc)
		for i := range m {
			for j := range n {
				if g := got[i*ldc+off+j]; !(math.Abs(float64(g)-want[i*n+j]) <= tol[i*n+j]) {
					t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, off+j, g, want[i*n+j])
				}
			}
		}
	}
	for i := range m {
		for j := range ldc {
			if (j < n || j >= h && j < h+n) || got[i*ldc+j] == c[i*ldc+j] {
				continue
			}
			t.Fatalf("%s: C[%d,%d] outside the halves changed", name, i, j)
		}
	}
	if !useAsm {
		return
	}
	// The fallback, on the same kernels' ordinary forms.
	old := useAsm
	defer func() { useAsm = old }()
	fb := append([]float32(nil), c...)
	func() {
		// n outside 8 and 16 takes the fallback; call it directly.
		for _, off := range []int{0, h} {
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
				Sgemm(tA, false, m, n, kw, a[aOff:], lda, b[p0*ldb+off:], ldb, b0, fb[off:], ldc)
			}
		}
	}()
	for i, g := range got {
		if math.Float32bits(g) != math.Float32bits(fb[i]) {
			t.Fatalf("%s: element %d = %v on the halves kernels, %v on Sgemm by halves", name, i, g, fb[i])
		}
	}
}
