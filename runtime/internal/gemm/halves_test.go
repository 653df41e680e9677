package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmHalves checks SgemmHalves and DgemmHalves on every row
// remainder, both kernel widths, k across the runs of 128 (and past 512,
// where a wide B is prefetched, into L2 if its rows are 1 KiB apart), A
// plain and transposed, with and without accumulation: against a
// float64 sum within rounding; on the kernels, bit for bit against
// Sgemm or Dgemm run on each half in the same runs of k (the fallback,
// which for more than 4 columns sums every element in the same order);
// and that the columns outside the halves are left alone.
func TestGemmHalves(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tA := range []bool{false, true} {
		for _, m := range []int{1, 2, 3, 5, 8, 13, 24, 37} {
			for _, k := range []int{1, 9, 128, 129, 300, 520} {
				for _, h := range []int{16, 40} {
					for acc := range 2 {
						for _, n := range []int{8, 16, 24, 32} {
							name := fmt.Sprintf("float32 tA=%v m=%d n=%d k=%d h=%d acc=%d", tA, m, n, k, h, acc)
							checkHalves(t, r, name, SgemmHalves, Sgemm, tA, m, n, k, max(h, n), acc == 1)
						}
						for _, n := range []int{4, 8, 12, 16} {
							name := fmt.Sprintf("float64 tA=%v m=%d n=%d k=%d h=%d acc=%d", tA, m, n, k, h, acc)
							checkHalves(t, r, name, DgemmHalves, Dgemm, tA, m, n, k, h, acc == 1)
						}
					}
				}
			}
		}
	}
}

// TestGemmHalvesEmpty: no rows or columns leave C alone; no k writes
// zeros to both halves (or leaves them, if acc), as Sgemm does.
func TestGemmHalvesEmpty(t *testing.T) {
	for _, acc := range []bool{false, true} {
		c := []float32{1, 2, 3, 4, 5, 6}
		SgemmHalves(false, 0, 2, 3, nil, 3, make([]float32, 12), 4, 2, acc, nil, 4)
		SgemmHalves(false, 1, 0, 3, make([]float32, 3), 3, make([]float32, 12), 4, 2, acc, c, 6)
		if c[0] != 1 || c[5] != 6 {
			t.Fatalf("acc=%v: empty products changed C: %v", acc, c)
		}
		SgemmHalves(false, 1, 2, 0, nil, 1, nil, 4, 3, acc, c, 6)
		want := []float32{0, 0, 3, 0, 0, 6}
		if acc {
			want = []float32{1, 2, 3, 4, 5, 6}
		}
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("acc=%v: k = 0 left C %v, want %v", acc, c, want)
			}
		}
	}
}

func checkHalves[T float32 | float64](t *testing.T, r *rand.Rand, name string,
	halves func(tA bool, m, n, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int),
	gemm func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	tA bool, m, n, k, h int, acc bool) {
	t.Helper()
	lda, ldb, ldc := k+3, h+n+5, h+n+7
	ar := m
	if tA {
		ar, lda = k, m+3
	}
	if h == 40 && tA {
		ldb = 256 // 1 KiB apart in float32
	}
	mat := func(rows, ld int) []T {
		s := make([]T, rows*ld)
		for i := range s {
			s[i] = T(r.Float64()*2 - 1)
		}
		return s
	}
	a, b, c := mat(ar, lda), mat(k, ldb), mat(m, ldc)
	got := append([]T(nil), c...)
	halves(tA, m, n, k, a, lda, b, ldb, h, acc, got, ldc)
	at := func(i, p int) float64 {
		if tA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	var z T
	eps := 0x1p-52
	if any(z) == any(float32(0)) {
		eps = 0x1p-23
	}
	for _, off := range []int{0, h} {
		for i := range m {
			for j := range n {
				want, abs := 0.0, 0.0
				for p := range k {
					x := at(i, p) * float64(b[p*ldb+off+j])
					want, abs = want+x, abs+math.Abs(x)
				}
				if acc {
					want, abs = want+float64(c[i*ldc+off+j]), abs+math.Abs(float64(c[i*ldc+off+j]))
				}
				if g := float64(got[i*ldc+off+j]); !(math.Abs(g-want) <= float64(k+2)*eps*abs) {
					t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, off+j, g, want)
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
	if !useAsm || !halvesVL || n <= 4 {
		return
	}
	// The fallback, on the ordinary kernels (but for 4 columns or
	// fewer, which they sum as dot products).
	fb := append([]T(nil), c...)
	byHalves(gemm, tA, m, n, k, a, lda, b, ldb, h, acc, fb, ldc)
	for i, g := range got {
		if g != fb[i] || math.Signbit(float64(g)) != math.Signbit(float64(fb[i])) {
			t.Fatalf("%s: element %d = %v on the halves kernels, %v on the ordinary ones by halves", name, i, g, fb[i])
		}
	}
}
