package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

func naiveGemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := 0.0
			for p := range k {
				var av, bv float64
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			c[i*n+j] = s
		}
	}
	return c
}

// TestDgemm compares every transpose form against a naive triple loop over
// shapes that exercise full blocks and every edge, with NaN-filled output
// and padded leading dimensions, for the assembly and portable kernels.
func TestDgemm(t *testing.T) {
	dims := []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 33, 100}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, asm := range []bool{true, false} {
		saved := useAVX2
		useAVX2 = asm && saved
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range []int{1, 2, 3, 4, 9, 100, 128} {
					for f := range 4 {
						tA, tB := f&1 != 0, f&2 != 0
						ar, ac := m, k
						if tA {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+1, bc+2, n+3
						a := randSlice(rng, (ar-1)*lda+ac)
						b := randSlice(rng, (br-1)*ldb+bc)
						c := make([]float64, (m-1)*ldc+n)
						for i := range c {
							c[i] = math.NaN()
						}
						dgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, make([]float64, k*n))
						want := naiveGemm(tA, tB, m, n, k, a, lda, b, ldb)
						for i := range m {
							for j := range n {
								if d := math.Abs(c[i*ldc+j] - want[i*n+j]); !(d <= 1e-12*float64(k)) {
									t.Fatalf("asm=%v tA=%v tB=%v m=%d n=%d k=%d: C[%d,%d] = %v, want %v", asm, tA, tB, m, n, k, i, j, c[i*ldc+j], want[i*n+j])
								}
							}
						}
						// The padding between rows of C is untouched.
						for i := 0; i < m-1; i++ {
							for j := n; j < ldc; j++ {
								if !math.IsNaN(c[i*ldc+j]) {
									t.Fatalf("asm=%v m=%d n=%d k=%d: wrote outside C at [%d,%d]", asm, m, n, k, i, j)
								}
							}
						}
					}
				}
			}
		}
		useAVX2 = saved
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

func BenchmarkDgemm(b *testing.B) {
	shapes := []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"NN_128x2x100", false, false, 128, 100, 2},
		{"NN_128x100x4", false, false, 128, 4, 100},
		{"NT_128x4x100", false, true, 128, 100, 4},
		{"TN_100x128x4", true, false, 100, 4, 128},
		{"TN_2x128x100", true, false, 2, 100, 128},
		{"NT_128x100x2", false, true, 128, 2, 100},
		{"NN_128x64x512", false, false, 128, 512, 64},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			lda, ldb := s.k, s.n
			if s.tA {
				lda = s.m
			}
			if s.tB {
				ldb = s.k
			}
			a := randSlice(rng, s.m*s.k)
			bb := randSlice(rng, s.k*s.n)
			c := make([]float64, s.m*s.n)
			scratch := make([]float64, s.k*s.n)
			for b.Loop() {
				dgemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n, scratch)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestPositiveMask(t *testing.T) {
	cases := []struct {
		x    float64
		want bool
	}{
		{1, true}, {1e-310, true}, {math.Inf(1), true}, {math.NaN(), true},
		{0, false}, {math.Copysign(0, -1), false}, {-1, false}, {math.Inf(-1), false}, {-1e-310, false},
	}
	for _, c := range cases {
		if got := positive(math.Float64bits(c.x)) != 0; got != c.want {
			t.Errorf("positive(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestTriSolve checks out·T = a for each triangle form against a product.
func TestTriSolve(t *testing.T) {
	const n, rows = 5, 3
	rng := rand.New(rand.NewPCG(1, 9))
	for _, flags := range []int{0, ir.TriLower, ir.TriUnit, ir.TriLower | ir.TriUnit, ir.TriTrans, ir.TriLower | ir.TriTrans | ir.TriUnit} {
		tri := make([]float64, n*n)
		for i := range n {
			for j := range n {
				if (flags&ir.TriLower != 0) == (i >= j) || i == j {
					tri[i*n+j] = rng.NormFloat64()
				}
			}
			tri[i*n+i] += 3
		}
		x := make([]float64, rows*n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		// a = x·T with the unit diagonal when flagged.
		eff := append([]float64(nil), tri...)
		if flags&ir.TriUnit != 0 {
			for i := range n {
				eff[i*n+i] = 1
			}
		}
		a := make([]float64, rows*n)
		for r := range rows {
			for j := range n {
				for i := range n {
					if flags&ir.TriTrans != 0 {
						a[r*n+j] += x[r*n+i] * eff[j*n+i]
					} else {
						a[r*n+j] += x[r*n+i] * eff[i*n+j]
					}
				}
			}
		}
		var table []ir.Param
		b := ir.NewBuilder("t", &table)
		in := b.Input("a", n)
		b.Output("x", b.TriSolve(in, b.Const(ir.Shape{Rows: n, Cols: n}, tri), flags))
		e := New(b.Program(), NewParams(nil), rows, nil)
		copy(e.Input(0), a)
		e.Run()
		for i, v := range e.Output("x") {
			if math.Abs(v-x[i]) > 1e-12 {
				t.Fatalf("flags %d: x[%d] = %v, want %v", flags, i, v, x[i])
			}
		}
	}
}
