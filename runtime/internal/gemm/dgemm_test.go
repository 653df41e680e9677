package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive computes C = A'·B' + beta·C with a plain triple loop.
func naive(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if tA {
					ai = p*lda + i
				}
				if tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += av * bv
			}
			if beta != 0 {
				s += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = s
		}
	}
}

// testCase is one Dgemm call to check.
type testCase struct {
	tA, tB  bool
	m, n, k int
	pad     int // extra columns in every leading dimension
	beta    float64
}

func (tc testCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d,beta=%g", tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.pad, tc.beta)
}

// cases crosses the interesting dimensions for all transpose
// combinations, padding and beta values.
func cases() []testCase {
	dims := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 129}
	var out []testCase
	for ti := range 4 {
		tA, tB := ti&1 != 0, ti&2 != 0
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range dims {
					// Keep the biggest products rare.
					big := 0
					for _, d := range []int{m, n, k} {
						if d >= 100 {
							big++
						}
					}
					if big >= 2 && (m+n+k)%3 != 0 {
						continue
					}
					i := len(out)
					out = append(out, testCase{tA, tB, m, n, k, []int{0, 0, 1, 3}[i%4], []float64{0, 1, 0, 0.5}[i/4%4]})
				}
			}
		}
		// Shapes the flow runtime uses, and ones that need several
		// packing blocks.
		for _, s := range [][3]int{
			{256, 100, 2}, {256, 4, 100}, {256, 512, 64}, {256, 128, 512}, {128, 1024, 784},
			{256, 100, 4}, {256, 2, 100}, {100, 4, 256}, {64, 512, 256}, {3, 300, 300},
			{20, 4, 1500}, {1100, 3, 20}, {1100, 4, 5},
		} {
			out = append(out, testCase{tA, tB, s[0], s[1], s[2], 1, 1})
			out = append(out, testCase{tA, tB, s[0], s[1], s[2], 0, 0})
		}
	}
	// Rows of B a multiple of 1 KiB apart (128 elements): blocks of
	// masked products that prefetch B into L2 (prefetchB), every width
	// of the prefetching kernels, and ones that copy B (packAliased).
	for _, s := range []testCase{
		{m: 64, n: 32, k: 300, pad: 992}, {m: 17, n: 20, k: 200, pad: 492},
		{m: 20, n: 64, k: 140, pad: 960}, {m: 20, n: 48, k: 130, pad: 464}, {m: 9, n: 40, k: 128, pad: 88},
		{tA: true, m: 300, n: 32, k: 64, pad: 992}, {tA: true, m: 260, n: 20, k: 200, pad: 492, beta: 1},
		{m: 256, n: 16, k: 129, pad: 112, beta: 0.5},
	} {
		out = append(out, s)
	}
	return out
}

// randMat returns rows×ld random values in [-1, 1).
func randMat(r *rand.Rand, rows, ld int) []float64 {
	s := make([]float64, rows*ld)
	for i := range s {
		s[i] = 2*r.Float64() - 1
	}
	return s
}

func check(t *testing.T, tc testCase) {
	r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.n*1000+tc.k)))
	ar, ac := tc.m, tc.k
	if tc.tA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.tB {
		br, bc = bc, br
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a := randMat(r, ar, lda)
	b := randMat(r, br, ldb)
	c := randMat(r, tc.m, ldc)
	if tc.beta == 0 {
		for i := range c {
			c[i] = math.NaN()
		}
	}
	// Trim so reading past the last element would panic or be caught.
	a = a[:(ar-1)*lda+ac]
	b = b[:(br-1)*ldb+bc]
	want := append([]float64(nil), c...)
	got := append([]float64(nil), c...)
	c = c[:(tc.m-1)*ldc+tc.n]
	naive(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, want, ldc)
	Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, got[:len(c)], ldc)
	tol := 1e-12 * float64(tc.k+1)
	for i := range tc.m {
		for j := range ldc {
			g, w := got[i*ldc+j], want[i*ldc+j]
			if j >= tc.n {
				// Padding must be untouched.
				if math.Float64bits(g) != math.Float64bits(w) {
					t.Fatalf("%v: padding C[%d,%d] changed to %v", tc, i, j, g)
				}
				continue
			}
			if !(math.Abs(g-w) <= tol) {
				t.Fatalf("%v: C[%d,%d] = %v, want %v", tc, i, j, g, w)
			}
		}
	}
}

// withAsm runs f with the assembly kernels on or off, restoring the
// setting afterwards.
func withAsm(on bool, f func()) {
	old := useAsm
	useAsm = on && old
	defer func() { useAsm = old }()
	f()
}

func TestDgemm(t *testing.T) {
	for _, path := range []struct {
		name string
		asm  bool
	}{{"asm", true}, {"go", false}} {
		t.Run(path.name, func(t *testing.T) {
			if path.asm && !useAsm {
				t.Skip("no assembly kernels on this machine")
			}
			withAsm(path.asm, func() {
				for i, tc := range cases() {
					if testing.Short() && i%4 != 0 {
						continue
					}
					check(t, tc)
				}
			})
		})
	}
}

func TestDgemmAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := randMat(r, 256, 128)
	b := randMat(r, 512, 128)
	c := randMat(r, 256, 512)
	for _, path := range []bool{true, false} {
		withAsm(path, func() {
			for ti := range 4 {
				tA, tB := ti&1 != 0, ti&2 != 0
				n := testing.AllocsPerRun(20, func() {
					Dgemm(tA, tB, 128, 100, 128, a, 128, b, 128, 0, c, 512)
					Dgemm(tA, tB, 100, 4, 3, a, 128, b, 128, 1, c, 512)
				})
				if n != 0 {
					t.Errorf("asm=%v tA=%v tB=%v: %v allocations per call", useAsm, tA, tB, n)
				}
			}
		})
	}
}

// TestDgemmGo checks the exported portable entry point and that
// Accelerated reports the kernels Dgemm uses.
func TestDgemmGo(t *testing.T) {
	if Accelerated() != useAsm {
		t.Fatalf("Accelerated() = %v, useAsm = %v", Accelerated(), useAsm)
	}
	r := rand.New(rand.NewPCG(3, 3))
	for ti := range 4 {
		tA, tB := ti&1 != 0, ti&2 != 0
		const m, n, k = 37, 21, 45
		a, b := randMat(r, k, m+k), randMat(r, n, n+k)
		lda, ldb := k, n
		if tA {
			lda = m
		}
		if tB {
			ldb = k
		}
		want, got := make([]float64, m*n), make([]float64, m*n)
		naive(tA, tB, m, n, k, a, lda, b, ldb, 0, want, n)
		DgemmGo(tA, tB, m, n, k, a, lda, b, ldb, 0, got, n)
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-12*k {
				t.Fatalf("tA=%v tB=%v: C[%d] = %v, want %v", tA, tB, i, got[i], want[i])
			}
		}
	}
}
