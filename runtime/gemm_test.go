package runtime

import (
	"fmt"
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

// gemmPaths are the implementations the tests and benchmarks exercise
// one by one; pathAuto is the dispatcher dgemm uses.
var gemmPaths = []gemmPath{pathGo, pathAVX2, pathAVX512, pathAuto}

// gemmCase is one product with padded leading dimensions and its naive
// result.
type gemmCase struct {
	tA, tB        bool
	m, n, k       int
	a, b          []float64
	lda, ldb, ldc int
	want          []float64
}

func newGemmCase(rng *rand.Rand, tA, tB bool, m, n, k int) *gemmCase {
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	g := &gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, lda: ac + 1, ldb: bc + 2, ldc: n + 3}
	g.a = randSlice(rng, (ar-1)*g.lda+ac)
	g.b = randSlice(rng, (br-1)*g.ldb+bc)
	g.want = naiveGemm(tA, tB, m, n, k, g.a, g.lda, g.b, g.ldb)
	return g
}

// check runs the product on path p into NaN-filled output and compares it
// with the naive result.
func (g *gemmCase) check(t *testing.T, p gemmPath) {
	t.Helper()
	m, n, k, ldc := g.m, g.n, g.k, g.ldc
	c := make([]float64, (m-1)*ldc+n)
	for i := range c {
		c[i] = math.NaN()
	}
	dgemmPath(p, g.tA, g.tB, m, n, k, g.a, g.lda, g.b, g.ldb, c, ldc, make([]float64, k*n))
	for i := range m {
		for j := range n {
			if d := math.Abs(c[i*ldc+j] - g.want[i*n+j]); !(d <= 1e-12*float64(k)) {
				t.Fatalf("%v tA=%v tB=%v m=%d n=%d k=%d: C[%d,%d] = %v, want %v", p, g.tA, g.tB, m, n, k, i, j, c[i*ldc+j], g.want[i*n+j])
			}
		}
	}
	// The padding between rows of C is untouched.
	for i := 0; i < m-1; i++ {
		for j := n; j < ldc; j++ {
			if !math.IsNaN(c[i*ldc+j]) {
				t.Fatalf("%v m=%d n=%d k=%d: wrote outside C at [%d,%d]", p, m, n, k, i, j)
			}
		}
	}
}

// TestDgemm compares every transpose form against a naive triple loop over
// shapes that exercise full blocks and every edge, with NaN-filled output
// and padded leading dimensions, for each implementation called directly
// (portable, AVX2, AVX-512) and for the dispatcher.
func TestDgemm(t *testing.T) {
	dims := []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 33, 100}
	for _, p := range gemmPaths {
		t.Run(p.String(), func(t *testing.T) {
			if !p.available() {
				t.Skipf("%v kernels are not available on this machine or build", p)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for _, m := range dims {
				for _, n := range dims {
					for _, k := range []int{1, 2, 3, 4, 9, 100, 128, 129} {
						for f := range 4 {
							newGemmCase(rng, f&1 != 0, f&2 != 0, m, n, k).check(t, p)
						}
					}
				}
			}
		})
	}
}

// flowShapes are products of the benchmark configurations' training
// steps (moons, digits and the 784-dimensional case, per shard of the
// batch), as m, n, k. They are larger than TestDgemm's and cross the
// AVX-512 kernels' packing blocks.
var flowShapes = [][3]int{
	{128, 100, 2}, {128, 4, 100}, {128, 512, 64}, {128, 128, 512}, {512, 128, 128}, {64, 512, 128},
	{64, 1024, 784}, {64, 1568, 1024}, {1024, 1568, 64}, {64, 784, 1024},
}

// TestDgemmFlowShapes checks each implementation on flowShapes in every
// transpose form.
func TestDgemmFlowShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("large products")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range flowShapes {
		for f := range 4 {
			g := newGemmCase(rng, f&1 != 0, f&2 != 0, s[0], s[1], s[2])
			for _, p := range gemmPaths {
				if p.available() {
					g.check(t, p)
				}
			}
		}
	}
}

// TestDgemmDeterministic checks that each implementation gives
// bit-identical results when called again on the same operands, and that
// the dispatcher gives exactly what the implementation it chose gives.
func TestDgemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][3]int{{128, 100, 2}, {128, 512, 64}, {64, 1024, 784}, {100, 4, 256}, {3, 300, 300}} {
		m, n, k := s[0], s[1], s[2]
		a, b := randSlice(rng, max(m, k)*max(k, m)), randSlice(rng, max(k, n)*max(n, k))
		for f := range 4 {
			tA, tB := f&1 != 0, f&2 != 0
			lda, ldb := k, n
			if tA {
				lda = m
			}
			if tB {
				ldb = k
			}
			run := func(p gemmPath) []float64 {
				c := make([]float64, m*n)
				dgemmPath(p, tA, tB, m, n, k, a, lda, b, ldb, c, n, make([]float64, k*n))
				return c
			}
			chosen := dgemmChoose(tA, tB, m, n, k)
			viaAuto := run(pathAuto)
			viaChosen := run(chosen)
			for _, p := range gemmPaths {
				if !p.available() {
					continue
				}
				c1, c2 := run(p), run(p)
				for i := range c1 {
					if math.Float64bits(c1[i]) != math.Float64bits(c2[i]) {
						t.Fatalf("%v tA=%v tB=%v %v: two runs differ at %d: %v, %v", p, tA, tB, s, i, c1[i], c2[i])
					}
				}
			}
			for i := range viaAuto {
				if math.Float64bits(viaAuto[i]) != math.Float64bits(viaChosen[i]) {
					t.Fatalf("tA=%v tB=%v %v: dispatcher differs from %v at %d", tA, tB, s, chosen, i)
				}
			}
		}
	}
}

func TestParseGemmPath(t *testing.T) {
	for _, p := range gemmPaths {
		want := p
		if !p.available() {
			want = pathAuto
		}
		if got := parseGemmPath(p.String()); got != want {
			t.Errorf("parseGemmPath(%q) = %v, want %v", p, got, want)
		}
	}
	if got := parseGemmPath(""); got != pathAuto {
		t.Errorf("parseGemmPath(\"\") = %v", got)
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

// gemmBenchShapes are the products BenchmarkDgemm measures, as transposes
// and m, n, k: those of runtime/internal/gemm's benchmark, the per-shard
// products of the benchmark configurations (moons, digits, 784-d, with a
// batch split into two shards) and larger square-ish ones.
var gemmBenchShapes = []struct {
	tA, tB  bool
	m, n, k int
}{
	// runtime/internal/gemm's benchShapes.
	{false, false, 256, 100, 2},
	{false, false, 256, 4, 100},
	{false, false, 256, 512, 64},
	{false, false, 256, 128, 512},
	{false, false, 128, 1024, 784},
	{false, false, 256, 100, 100},
	{false, true, 256, 100, 4},
	{false, true, 256, 2, 100},
	{false, true, 256, 512, 128},
	{true, false, 100, 4, 256},
	{true, false, 2, 100, 256},
	{true, false, 64, 512, 256},
	// Larger products.
	{false, false, 256, 512, 512},
	{false, false, 128, 1024, 1024},
	// Moons, a shard of 128 rows (the first is the whitening map).
	{false, false, 128, 2, 2},
	{false, false, 128, 100, 2},
	{false, false, 128, 4, 100},
	{false, true, 128, 100, 4},
	{true, false, 100, 4, 128},
	{true, false, 2, 100, 128},
	// Digits, a shard of 128 rows.
	{false, false, 128, 64, 64},
	{false, false, 128, 512, 64},
	{false, false, 128, 128, 512},
	{false, true, 128, 512, 128},
	{false, true, 128, 64, 512},
	{true, false, 512, 128, 128},
	{true, false, 64, 512, 128},
	// 784-d, a shard of 64 rows.
	{false, false, 64, 1024, 784},
	{false, false, 64, 1568, 1024},
	{false, true, 64, 1024, 1568},
	{false, true, 64, 784, 1024},
	{true, false, 1024, 1568, 64},
	{true, false, 784, 1024, 64},
}

// BenchmarkDgemm measures each implementation (go, avx2, avx512) and the
// dispatcher (auto) on gemmBenchShapes; names are TRANSPOSES_MxKxN/PATH.
func BenchmarkDgemm(b *testing.B) {
	tr := map[bool]string{false: "N", true: "T"}
	for _, s := range gemmBenchShapes {
		rng := rand.New(rand.NewPCG(1, 2))
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
		name := fmt.Sprintf("%s%s_%dx%dx%d", tr[s.tA], tr[s.tB], s.m, s.k, s.n)
		for _, p := range gemmPaths {
			if !p.available() {
				continue
			}
			b.Run(name+"/"+p.String(), func(b *testing.B) {
				for b.Loop() {
					dgemmPath(p, s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n, scratch)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
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
