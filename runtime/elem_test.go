package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// elemPair is a vector kernel and the portable body it must agree with.
type elemPair[T Float] struct {
	name      string
	got, want func(out, a, b []T)
}

// checkElem checks vector kernels against their portable bodies over
// lengths that exercise the tail (multiples of 4 for float64, 8 for
// float32, and the rest), with special values and NaNs of both signs
// mixed in: relu's derivative is 0 at a NaN activation on every path.
func checkElem[T Float](t *testing.T, seed uint64, pairs []elemPair[T], reluGrad elemPair[T]) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	special := []T{0, T(math.Copysign(0, -1)), T(math.Inf(1)), T(math.Inf(-1)), T(math.SmallestNonzeroFloat32) * 1e3, -T(math.SmallestNonzeroFloat32) * 1e3}
	gen := func(n int, nan bool) []T {
		s := make([]T, n)
		for i := range s {
			switch rng.IntN(4) {
			case 0:
				s[i] = special[rng.IntN(len(special))]
			default:
				s[i] = T(rng.NormFloat64())
			}
			if nan && rng.IntN(7) == 0 {
				s[i] = T(math.NaN())
				if rng.IntN(2) == 0 {
					s[i] = -s[i]
				}
			}
		}
		return s
	}
	// The same bits (−0 is not +0), or NaNs both: which operand's
	// payload an operation keeps may differ between a kernel and a loop.
	same := func(x, y T) bool {
		return math.Float64bits(float64(x)) == math.Float64bits(float64(y)) || (x != x && y != y)
	}
	for n := range 70 {
		a, b := gen(n, true), gen(n, true)
		for _, p := range append(pairs, reluGrad) {
			got, want := make([]T, n), make([]T, n)
			p.got(got, a, b)
			p.want(want, a, b)
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%s n=%d [%d]: got %v want %v", p.name, n, i, got[i], want[i])
				}
			}
		}
	}
}

func TestElemKernels(t *testing.T) {
	checkElem(t, 3, []elemPair[float64]{
		{"relu", func(o, a, _ []float64) { relu(o, a) }, func(o, a, _ []float64) { reluGo(o, a) }},
		{"add", add, addGo[float64]},
		{"sub", sub, subGo[float64]},
		{"mul", mul, mulGo[float64]},
		{"neg", negScaled[float64], negGo[float64]},
		{"scale", scaled[float64], scaleGo[float64]},
	}, elemPair[float64]{"reluGrad", reluGrad, reluGradGo})
}

func TestElemKernels32(t *testing.T) {
	checkElem(t, 4, []elemPair[float32]{
		{"relu", func(o, a, _ []float32) { relu32(o, a) }, func(o, a, _ []float32) { reluT(o, a) }},
		{"add", add32, addGo[float32]},
		{"sub", sub32, subGo[float32]},
		{"mul", mul32, mulGo[float32]},
		{"neg", negScaled[float32], negGo[float32]},
		{"scale", scaled[float32], scaleGo[float32]},
	}, elemPair[float32]{"reluGrad", reluGrad32, reluGradT[float32]})
}

// negScaled and scaled are how the runtime runs ir.OpNeg and ir.OpScale
// (by 0.3); negGo and scaleGo are the loops they replaced.
func negScaled[T Float](o, a, _ []T) { scaleInto(o, a, -1, false) }
func scaled[T Float](o, a, _ []T)    { scaleInto(o, a, 0.3, false) }

func negGo[T Float](o, a, _ []T) {
	for i := range o {
		o[i] = -a[i]
	}
}

func scaleGo[T Float](o, a, _ []T) {
	for i := range o {
		o[i] = a[i] * 0.3
	}
}

// TestSumRow checks sumcols' row sum (eight partial sums and a tail)
// against a float64 sum, over lengths through every tail and 784, in
// both element types.
func TestSumRow(t *testing.T) {
	checkSumRow[float64](t, 1e-13)
	checkSumRow[float32](t, 1e-5)
}

func checkSumRow[T Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range append([]int{0, 1, 7, 8, 9, 15, 16, 17, 20, 784}, 1000) {
		xs := make([]T, n)
		want, mag := 0.0, 0.0
		for i := range xs {
			xs[i] = T(rng.NormFloat64() + float64(i%3))
			want += float64(xs[i])
			mag += math.Abs(float64(xs[i]))
		}
		if got := float64(sumRow(xs)); math.Abs(got-want) > tol*mag {
			t.Errorf("%T n=%d: sumRow %v, want %v", xs, n, got, want)
		}
	}
}

// TestReverseInto checks the reversing column permutation's row kernel
// against the gather it replaces, every length through two vectors and
// a tail, and 784, in both element types, with and without AVX-512, and
// that it writes nothing past the row.
func TestReverseInto(t *testing.T) {
	checkReverse[float64](t)
	checkReverse[float32](t)
	if reversed([]int{0}) || reversed([]int{1, 0, 2}) || !reversed([]int{2, 1, 0}) {
		t.Error("reversed misjudges a permutation")
	}
}

func checkReverse[T Float](t *testing.T) {
	for _, wide := range []bool{true, false} {
		saved := useAVX512
		useAVX512 = wide && saved
		for _, n := range append([]int{784}, func() []int {
			var ns []int
			for n := 0; n <= 40; n++ {
				ns = append(ns, n)
			}
			return ns
		}()...) {
			src := make([]T, n)
			for i := range src {
				src[i] = T(i) + 0.5
			}
			dst := make([]T, n+3)
			dst[n], dst[n+1], dst[n+2] = -1, -1, -1
			reverseInto(dst[:n], src)
			for j := range n {
				if dst[j] != src[n-1-j] {
					t.Fatalf("%T avx512=%v n=%d: dst[%d] = %v, want %v", src, useAVX512, n, j, dst[j], src[n-1-j])
				}
			}
			if dst[n] != -1 || dst[n+1] != -1 || dst[n+2] != -1 {
				t.Fatalf("%T avx512=%v n=%d: wrote past the row", src, useAVX512, n)
			}
		}
		useAVX512 = saved
	}
}
