package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 results are checked against a float64 reference computed
// from the same float32 inputs (its products are exact and its sums off
// by about k·2⁻⁵³ of the magnitudes, far below the float32 error).
// Summing k products in float32, in any order and with or without fused
// multiply-adds, and adding beta·C gives an error of at most
// γ·(Σ_p |A'[i,p]·B'[p,j]| + |beta·C[i,j]|) with γ = (k+1)·u/(1-(k+1)·u)
// ≈ k·2⁻²⁴ and u = 2⁻²⁴ the unit roundoff of float32 (Higham, Accuracy
// and Stability of Numerical Algorithms, §3.1). The tests allow exactly
// that (so the error must be zero when the sum of magnitudes is), which
// catches a single wrong, missing or extra term.

// sref computes the float64 reference C = A'·B' + beta·C of float32
// inputs and the error bound of each element as described above.
func sref(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, tol []float64) {
	// B' as a dense k×n float64 matrix, for contiguous rows.
	bt := make([]float64, k*n)
	for p := range k {
		for j := range n {
			bi := p*ldb + j
			if tB {
				bi = j*ldb + p
			}
			bt[p*n+j] = float64(b[bi])
		}
	}
	want, tol = make([]float64, m*n), make([]float64, m*n)
	nu := float64(k+1) * math.Ldexp(1, -24)
	gamma := nu / (1 - nu)
	for i := range m {
		s, mag := want[i*n:(i+1)*n], tol[i*n:(i+1)*n]
		for p := range k {
			ai := i*lda + p
			if tA {
				ai = p*lda + i
			}
			av := float64(a[ai])
			for j, bv := range bt[p*n : (p+1)*n] {
				v := av * bv
				s[j] += v
				mag[j] += math.Abs(v)
			}
		}
		for j := range n {
			if beta != 0 {
				v := float64(beta) * float64(c[i*ldc+j])
				s[j] += v
				mag[j] += math.Abs(v)
			}
			mag[j] *= gamma
		}
	}
	return want, tol
}

// stestCase is one Sgemm call to check.
type stestCase struct {
	tA, tB  bool
	m, n, k int
	pad     int // extra columns in every leading dimension
	beta    float32
}

func (tc stestCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d,beta=%g", tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.pad, tc.beta)
}

// sgemmShapes are the products of the flow runtime's float32 training
// and evaluation, per shard, as (tA, tB, m, n, k) for m×k·k×n.
var sgemmShapes = []stestCase{
	// digits: D=64, hidden 512, 128 rows.
	{m: 128, n: 512, k: 64},
	{m: 128, n: 128, k: 512},
	{tB: true, m: 128, n: 512, k: 128},
	{tA: true, m: 64, n: 512, k: 128},
	{tA: true, m: 512, n: 128, k: 128},
	{tB: true, m: 128, n: 64, k: 512},
	// 784-d: D=784, hidden 1024, 64 rows.
	{m: 64, n: 1024, k: 784},
	{m: 64, n: 1568, k: 1024},
	{tB: true, m: 64, n: 1024, k: 1568},
	{tA: true, m: 784, n: 1024, k: 64},
	{tA: true, m: 1024, n: 1568, k: 64},
	{tB: true, m: 64, n: 784, k: 1024},
	// moons: D=2, hidden 100, 128 rows, and 1000 for the log-density.
	{m: 128, n: 100, k: 2},
	{m: 128, n: 4, k: 100},
	{tB: true, m: 128, n: 2, k: 100},
	{tB: true, m: 128, n: 100, k: 4},
	{tA: true, m: 2, n: 100, k: 128},
	{tA: true, m: 100, n: 4, k: 128},
	{m: 1000, n: 100, k: 2},
	{m: 1000, n: 4, k: 100},
}

// scases lists the products to check for every path: all four transpose
// combinations of every m, n ≤ 40 with k running through 1..40 (so every
// row count and column remainder of the kernels and every tail along k
// of the dot kernels occurs), wide and deep products that span several
// panels, packing blocks and stack buffers, and the runtime's shapes.
// Padding cycles through 0, 1, 3 and 17 extra columns and beta through
// 0, 1, 0 and 0.5.
func scases() []stestCase {
	var out []stestCase
	add := func(tA, tB bool, m, n, k int) {
		i := len(out)
		out = append(out, stestCase{tA, tB, m, n, k, []int{0, 1, 3, 17}[i%4], []float32{0, 1, 0, 0.5}[i/4%4]})
	}
	big := [][3]int{
		// Columns around one and two full 64-column panels.
		{9, 48, 20}, {13, 63, 33}, {6, 64, 17}, {31, 65, 40}, {33, 127, 16}, {40, 128, 31}, {7, 129, 3},
		{50, 100, 100}, {37, 200, 129},
		// Several packing blocks along k and along n.
		{40, 70, 257}, {33, 300, 300}, {64, 150, 140}, {35, 1000, 9},
		// Long dot products with few columns, and many rows with few
		// columns (several stack buffers in the dot and swapped paths).
		{20, 4, 1500}, {9, 3, 2800}, {17, 1, 8200}, {2800, 3, 5}, {2100, 4, 7}, {8200, 1, 2},
		{256, 2, 100}, {100, 4, 256},
		// Blocks of masked products read in place over more than 128
		// rows of B: the prefetching kernels (prefetchB), every width.
		{64, 32, 300}, {17, 20, 200}, {20, 100, 150}, {48, 30, 129}, {9, 40, 128}, {33, 16, 140},
	}
	for ti := range 4 {
		tA, tB := ti&1 != 0, ti&2 != 0
		for m := 1; m <= 40; m++ {
			for n := 1; n <= 40; n++ {
				add(tA, tB, m, n, (m*7+n*3)%40+1)
			}
		}
		for k := 1; k <= 40; k++ {
			for _, mn := range [][2]int{{1, 1}, {8, 4}, {6, 64}, {33, 2}, {40, 17}} {
				add(tA, tB, mn[0], mn[1], k)
			}
		}
		for _, s := range big {
			add(tA, tB, s[0], s[1], s[2])
			add(tA, tB, s[0], s[1], s[2])
		}
	}
	for _, s := range sgemmShapes {
		add(s.tA, s.tB, s.m, s.n, s.k)
		add(s.tA, s.tB, s.m, s.n, s.k)
	}
	// Rows of B a multiple of 1 KiB apart (256 elements): blocks of
	// masked products that prefetch B into L2 (prefetchB), every width
	// of the prefetching kernels, and ones that copy B (packAliased).
	out = append(out, []stestCase{
		{m: 64, n: 32, k: 300, pad: 992}, {m: 17, n: 20, k: 200, pad: 236},
		{m: 20, n: 64, k: 140, pad: 960}, {m: 20, n: 48, k: 130, pad: 464}, {m: 20, n: 40, k: 128, pad: 216},
		{m: 9, n: 16, k: 128, pad: 240},
		{tA: true, m: 784, n: 32, k: 64, pad: 992}, {tA: true, m: 260, n: 20, k: 200, pad: 492, beta: 1},
		{m: 256, n: 16, k: 129, pad: 240, beta: 0.5},
	}...)
	return out
}

// srandMat returns rows×ld random values in [-1, 1).
func srandMat(r *rand.Rand, rows, ld int) []float32 {
	s := make([]float32, rows*ld)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// soperands returns random operands for tc with their leading
// dimensions, trimmed so that reading past the last element panics; C
// is filled with NaN if beta is 0.
func soperands(tc stestCase) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.n*1000+tc.k)))
	ar, ac := tc.m, tc.k
	if tc.tA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.tB {
		br, bc = bc, br
	}
	lda, ldb, ldc = ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a = srandMat(r, ar, lda)[:(ar-1)*lda+ac]
	b = srandMat(r, br, ldb)[:(br-1)*ldb+bc]
	c = srandMat(r, tc.m, ldc)
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return a, lda, b, ldb, c, ldc
}

type sgemmFunc func(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// spaths are the implementations to check: Sgemm on the assembly
// kernels if the machine has them, and on the portable Go loops.
func spaths() []struct {
	name string
	asm  bool
} {
	paths := []struct {
		name string
		asm  bool
	}{{"asm", true}, {"go", false}}
	if !useAsm {
		paths = paths[1:]
	}
	return paths
}

// scheck checks Sgemm on tc on every path against the reference.
func scheck(t *testing.T, tc stestCase) {
	t.Helper()
	a, lda, b, ldb, c, ldc := soperands(tc)
	want, tol := sref(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, c, ldc)
	for _, path := range spaths() {
		got := append([]float32(nil), c...)
		withAsm(path.asm, func() {
			Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, got[:(tc.m-1)*ldc+tc.n], ldc)
		})
		for i := range tc.m {
			for j := range ldc {
				g := got[i*ldc+j]
				if j >= tc.n {
					// Padding must be untouched.
					if math.Float32bits(g) != math.Float32bits(c[i*ldc+j]) {
						t.Fatalf("%s %v: padding C[%d,%d] changed to %v", path.name, tc, i, j, g)
					}
					continue
				}
				w, e := want[i*tc.n+j], tol[i*tc.n+j]
				if !(math.Abs(float64(g)-w) <= e) {
					t.Fatalf("%s %v: C[%d,%d] = %v, want %v ± %.3g", path.name, tc, i, j, g, w, e)
				}
			}
		}
	}
}

func TestSgemm(t *testing.T) {
	for i, tc := range scases() {
		if testing.Short() && i%4 != 0 {
			continue
		}
		scheck(t, tc)
	}
}

// TestGemmEdge checks the edge cases and bad arguments of Dgemm and Sgemm
// on both paths: k = 0, an empty C, short slices, short leading
// dimensions, negative dimensions.
func TestGemmEdge(t *testing.T) {
	checkEdges(t, []gemmFunc[float64]{Dgemm, DgemmGo})
	checkEdges(t, []gemmFunc[float32]{Sgemm, SgemmGo})
}

type gemmFunc[T float32 | float64] func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

func checkEdges[T float32 | float64](t *testing.T, fs []gemmFunc[T]) {
	nan := T(math.NaN())
	for _, f := range fs {
		// k = 0 scales C by beta; m or n = 0 touches nothing.
		c := []T{nan, 2, 3, 4}
		f(false, false, 2, 2, 0, nil, 1, nil, 2, 0, c, 2)
		for _, v := range c {
			if v != 0 {
				t.Fatalf("k=0, beta=0: C = %v, want zeros", c)
			}
		}
		c = []T{1, 2, 3, nan}
		f(true, true, 2, 1, 0, nil, 2, nil, 0, 1, c, 3)
		if c[0] != 1 || c[3] == c[3] {
			t.Fatalf("k=0, beta=1: C = %v", c)
		}
		c = []T{1, 2, 3, 4}
		f(false, false, 2, 2, 0, nil, 1, nil, 2, 2, c, 2)
		if c[3] != 8 {
			t.Fatalf("k=0, beta=2: C = %v", c)
		}
		f(false, false, 0, 2, 3, nil, 3, nil, 2, 0, nil, 2)
		f(true, true, 3, 0, 3, nil, 3, nil, 3, 0, nil, 0)
		for _, bad := range []func(){
			// Short A, B and C.
			func() {
				f(false, false, 2, 2, 2, make([]T, 3), 2, make([]T, 4), 2, 0, make([]T, 4), 2)
			},
			func() {
				f(true, false, 2, 2, 3, make([]T, 5), 2, make([]T, 6), 2, 0, make([]T, 4), 2)
			},
			func() {
				f(false, true, 2, 2, 2, make([]T, 4), 2, make([]T, 3), 2, 0, make([]T, 4), 2)
			},
			func() {
				f(false, true, 2, 2, 2, make([]T, 4), 2, make([]T, 4), 2, 0, make([]T, 3), 2)
			},
			// Leading dimensions below the stored row lengths.
			func() {
				f(false, false, 2, 2, 2, make([]T, 4), 1, make([]T, 4), 2, 0, make([]T, 4), 2)
			},
			func() {
				f(true, false, 3, 2, 2, make([]T, 9), 2, make([]T, 4), 2, 0, make([]T, 6), 2)
			},
			func() {
				f(false, true, 2, 2, 3, make([]T, 6), 3, make([]T, 9), 2, 0, make([]T, 4), 2)
			},
			func() {
				f(false, false, 2, 2, 2, make([]T, 4), 2, make([]T, 4), 2, 0, make([]T, 4), 1)
			},
			// Negative dimensions.
			func() { f(false, false, -1, 2, 2, nil, 2, nil, 2, 0, nil, 2) },
			func() { f(false, false, 2, -1, 2, nil, 2, nil, 2, 0, nil, 2) },
			func() { f(false, false, 2, 2, -1, nil, 2, nil, 2, 0, make([]T, 4), 2) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("bad arguments did not panic")
					}
				}()
				bad()
			}()
		}
	}
}

func TestSgemmAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := srandMat(r, 256, 128)
	b := srandMat(r, 512, 128)
	c := srandMat(r, 256, 512)
	for _, path := range []bool{true, false} {
		withAsm(path, func() {
			for ti := range 4 {
				tA, tB := ti&1 != 0, ti&2 != 0
				n := testing.AllocsPerRun(20, func() {
					Sgemm(tA, tB, 128, 100, 128, a, 128, b, 128, 0, c, 512)
					Sgemm(tA, tB, 100, 4, 3, a, 128, b, 128, 1, c, 512)
					Sgemm(tA, tB, 100, 4, 120, a, 128, b, 128, 1, c, 512)
					Sgemm(tA, tB, 20, 30, 40, a, 128, b, 128, 0.5, c, 512)
				})
				if n != 0 {
					t.Errorf("asm=%v tA=%v tB=%v: %v allocations per call", useAsm, tA, tB, n)
				}
			}
		})
	}
}

// TestSgemmDeterministic checks that repeated calls, and calls on copies
// of the operands at other addresses (and so other alignments), give
// bit-identical results.
func TestSgemmDeterministic(t *testing.T) {
	cs := append([]stestCase{
		{m: 37, n: 101, k: 300}, {tA: true, m: 37, n: 3, k: 300}, {m: 37, n: 3, k: 300}, {tB: true, m: 70, n: 90, k: 50},
	}, sgemmShapes...)
	for _, path := range []bool{true, false} {
		withAsm(path, func() {
			for _, tc := range cs {
				a, lda, b, ldb, c, ldc := soperands(tc)
				c = c[:(tc.m-1)*ldc+tc.n]
				for i := range c {
					c[i] = 0.25
				}
				first := append([]float32(nil), c...)
				Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, 1, first, ldc)
				for rep := 1; rep <= 3; rep++ {
					// Shift the operands by rep elements.
					a2 := append(make([]float32, rep), a...)[rep:]
					b2 := append(make([]float32, rep), b...)[rep:]
					got := append(make([]float32, rep), c...)[rep:]
					Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a2, lda, b2, ldb, 1, got, ldc)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
							t.Fatalf("asm=%v %v: call %d: C[%d] = %v, first call gave %v", useAsm, tc, rep, i, got[i], first[i])
						}
					}
				}
			}
		})
	}
}

// TestSgemmGo checks that SgemmGo is the portable path of Sgemm, bit for
// bit, and that Accelerated reports the kernels Sgemm uses.
func TestSgemmGo(t *testing.T) {
	if Accelerated() != useAsm {
		t.Fatalf("Accelerated() = %v, useAsm = %v", Accelerated(), useAsm)
	}
	for _, tc := range []stestCase{{m: 37, n: 21, k: 45}, {tA: true, m: 37, n: 21, k: 45}, {tB: true, m: 37, n: 21, k: 45}, {tA: true, tB: true, m: 37, n: 21, k: 45, beta: 1}} {
		a, lda, b, ldb, c, ldc := soperands(tc)
		want := append([]float32(nil), c...)
		got := append([]float32(nil), c...)
		withAsm(false, func() { Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, want, ldc) })
		SgemmGo(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, tc.beta, got, ldc)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: C[%d] = %v, want %v", tc, i, got[i], want[i])
			}
		}
	}
}
