package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmPaths compares float32 products on each path the machine has
// (the AVX-512 kernels, the AVX2 kernels, the portable loops: forced with
// gemmForced as NOX_GEMM would) with a float64 triple loop, in every
// transpose form, over shapes with full blocks and every edge, into
// NaN-filled output with padded leading dimensions; and gemmAdd, which
// adds to C. The padding between C's rows must stay untouched.
func TestSgemmPaths(t *testing.T) {
	defer func(p gemmPath) { gemmForced = p }(gemmForced)
	dims := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100}
	for _, p := range []gemmPath{pathGo, pathAVX2, pathAVX512} {
		t.Run(p.String(), func(t *testing.T) {
			if !p.available() {
				t.Skipf("%v kernels are not available on this machine or build", p)
			}
			gemmForced = p
			if p == pathAVX2 && !gemmAVX2Path() {
				t.Fatal("NOX_GEMM=avx2 does not select the float32 AVX2 kernels")
			}
			rng := rand.New(rand.NewPCG(5, 6))
			for _, m := range dims {
				for _, n := range dims {
					for _, k := range []int{1, 2, 3, 9, 100, 129} {
						for f := range 8 {
							sgemmCase(t, rng, p, f&1 != 0, f&2 != 0, f&4 != 0, m, n, k)
						}
					}
				}
			}
		})
	}
}

func sgemmCase(t *testing.T, rng *rand.Rand, p gemmPath, tA, tB, acc bool, m, n, k int) {
	t.Helper()
	g := newGemmCase(rng, tA, tB, m, n, k)
	a32, b32 := make([]float32, len(g.a)), make([]float32, len(g.b))
	convert(a32, g.a)
	convert(b32, g.b)
	ldc := g.ldc
	c := make([]float32, (m-1)*ldc+n)
	for i := range c {
		c[i] = float32(math.NaN())
	}
	start := make([]float64, m*n)
	if acc {
		for i := range m {
			for j := range n {
				c[i*ldc+j] = float32(rng.NormFloat64())
				start[i*n+j] = float64(c[i*ldc+j])
			}
		}
	}
	// The reference in float64 from the float32 operands.
	want := naiveGemm(tA, tB, m, n, k, widen(a32), g.lda, widen(b32), g.ldb)
	if acc {
		gemmAdd(tA, tB, m, n, k, a32, g.lda, b32, g.ldb, c, ldc, make([]float32, k*n))
	} else {
		sgemm(tA, tB, m, n, k, a32, g.lda, b32, g.ldb, c, ldc, make([]float32, k*n))
	}
	for i := range m {
		for j := range n {
			w := want[i*n+j] + start[i*n+j]
			if d := math.Abs(float64(c[i*ldc+j]) - w); !(d <= 1e-5*float64(k)*(1+math.Abs(w))) {
				t.Fatalf("%v tA=%v tB=%v acc=%v m=%d n=%d k=%d: C[%d,%d] = %v, want %v", p, tA, tB, acc, m, n, k, i, j, c[i*ldc+j], w)
			}
		}
	}
	for i := 0; i < m-1; i++ {
		for j := n; j < ldc; j++ {
			if !math.IsNaN(float64(c[i*ldc+j])) {
				t.Fatalf("%v m=%d n=%d k=%d: wrote outside C at [%d,%d]", p, m, n, k, i, j)
			}
		}
	}
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	convert(y, x)
	return y
}

// TestDgemmAddPaths checks gemmAdd in float64 on each path the machine
// has: C plus the product, against a triple loop, every transpose form,
// the padding between C's rows untouched.
func TestDgemmAddPaths(t *testing.T) {
	defer func(p gemmPath) { gemmForced = p }(gemmForced)
	dims := []int{1, 3, 4, 5, 8, 9, 17, 100}
	for _, p := range []gemmPath{pathGo, pathAVX2, pathAVX512} {
		t.Run(p.String(), func(t *testing.T) {
			if !p.available() {
				t.Skipf("%v kernels are not available on this machine or build", p)
			}
			gemmForced = p
			rng := rand.New(rand.NewPCG(7, 8))
			for _, m := range dims {
				for _, n := range dims {
					for _, k := range []int{1, 2, 9, 129} {
						for f := range 4 {
							g := newGemmCase(rng, f&1 != 0, f&2 != 0, m, n, k)
							c := make([]float64, (m-1)*g.ldc+n)
							for i := range c {
								c[i] = math.NaN()
							}
							start := make([]float64, m*n)
							for i := range m {
								for j := range n {
									start[i*n+j] = rng.NormFloat64()
									c[i*g.ldc+j] = start[i*n+j]
								}
							}
							gemmAdd(g.tA, g.tB, m, n, k, g.a, g.lda, g.b, g.ldb, c, g.ldc, make([]float64, k*n))
							for i := range m {
								for j := range n {
									w := start[i*n+j] + g.want[i*n+j]
									if d := math.Abs(c[i*g.ldc+j] - w); !(d <= 1e-12*float64(k)*(1+math.Abs(w))) {
										t.Fatalf("%v tA=%v tB=%v m=%d n=%d k=%d: C[%d,%d] = %v, want %v", p, g.tA, g.tB, m, n, k, i, j, c[i*g.ldc+j], w)
									}
								}
							}
							for i := 0; i < m-1; i++ {
								for j := n; j < g.ldc; j++ {
									if !math.IsNaN(c[i*g.ldc+j]) {
										t.Fatalf("%v m=%d n=%d k=%d: wrote outside C at [%d,%d]", p, m, n, k, i, j)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}
