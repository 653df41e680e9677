package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestElemKernels checks the vector kernels against their portable bodies
// over lengths that exercise the tail, with special values mixed in.
func TestElemKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e-310, -1e-310}
	gen := func(n int, nan bool) []float64 {
		s := make([]float64, n)
		for i := range s {
			switch rng.IntN(4) {
			case 0:
				s[i] = special[rng.IntN(len(special))]
			default:
				s[i] = rng.NormFloat64()
			}
			if nan && rng.IntN(7) == 0 {
				s[i] = math.NaN()
			}
		}
		return s
	}
	same := func(x, y float64) bool {
		return x == y || (math.IsNaN(x) && math.IsNaN(y)) || (x == 0 && y == 0)
	}
	for n := range 40 {
		a, b := gen(n, true), gen(n, true)
		aFinite := gen(n, false)
		got, want := make([]float64, n), make([]float64, n)
		check := func(name string) {
			t.Helper()
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%s n=%d [%d]: got %v want %v", name, n, i, got[i], want[i])
				}
			}
		}
		relu(got, a)
		reluGo(want, a)
		check("relu")
		reluGrad(got, aFinite, b)
		reluGradGo(want, aFinite, b)
		check("reluGrad")
		add(got, a, b)
		addGo(want, a, b)
		check("add")
		sub(got, a, b)
		subGo(want, a, b)
		check("sub")
		mul(got, a, b)
		mulGo(want, a, b)
		check("mul")
	}
}

// TestElemKernels32 checks the float32 vector kernels against their
// portable bodies in the same way.
func TestElemKernels32(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40}
	gen := func(n int, nan bool) []float32 {
		s := make([]float32, n)
		for i := range s {
			switch rng.IntN(4) {
			case 0:
				s[i] = special[rng.IntN(len(special))]
			default:
				s[i] = float32(rng.NormFloat64())
			}
			if nan && rng.IntN(7) == 0 {
				s[i] = float32(math.NaN())
			}
		}
		return s
	}
	same := func(x, y float32) bool { return x == y || (x != x && y != y) }
	for n := range 70 {
		a, b := gen(n, true), gen(n, true)
		aFinite := gen(n, false)
		got, want := make([]float32, n), make([]float32, n)
		check := func(name string) {
			t.Helper()
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%s n=%d [%d]: got %v want %v", name, n, i, got[i], want[i])
				}
			}
		}
		relu32(got, a)
		reluT(want, a)
		check("relu")
		reluGrad32(got, aFinite, b)
		reluGradT(want, aFinite, b)
		check("reluGrad")
		add32(got, a, b)
		addGo(want, a, b)
		check("add")
		sub32(got, a, b)
		subGo(want, a, b)
		check("sub")
		mul32(got, a, b)
		mulGo(want, a, b)
		check("mul")
	}
}
