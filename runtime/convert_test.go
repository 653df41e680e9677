package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// convertInputs returns n float64 values: normal ones over a wide range of
// magnitudes, and the edges a conversion can get wrong (NaN, infinities,
// signed zeros, subnormals of both types, values beyond float32's range
// and halfway between two float32s).
func convertInputs(rng *rand.Rand, n int) []float64 {
	edges := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
		5e-324, -5e-324, 1e-40, -1e-40, 1e39, -1e39, math.MaxFloat32, 1 + 0x1p-24, 1 + 0x3p-24}
	x := make([]float64, n)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = edges[rng.IntN(len(edges))]
		} else {
			x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
		}
	}
	return x
}

// same reports whether a and b are the same float64 bits, NaNs aside.
func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// TestConvertVec checks the vector conversions (convert from float64 to
// float32, scaleInto in either type) against the element loops, bit
// for bit, over lengths that exercise the tail.
func TestConvertVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 70 {
		src := convertInputs(rng, n)
		src32 := make([]float32, n)
		for i, v := range src {
			src32[i] = float32(v)
		}
		got := make([]float32, n)
		convert(got, src)
		for i := range n {
			if w := float32(src[i]); !same(float64(got[i]), float64(w)) {
				t.Fatalf("convert n=%d [%d] %v: got %v, want %v", n, i, src[i], got[i], w)
			}
		}
		checkScale(t, src, convertInputs(rng, n))
		checkScale(t, src32, convert32(convertInputs(rng, n)))
	}
}

func convert32(x []float64) []float32 {
	y := make([]float32, len(x))
	convert(y, x)
	return y
}

// checkScale checks scaleInto against the element loop, for a few
// weights, setting and adding.
func checkScale[T Float](t *testing.T, src, base []T) {
	t.Helper()
	for _, w := range []T{1, 0.5, 1.0 / 3, -7.25} {
		for _, add := range []bool{false, true} {
			got := append([]T(nil), base...)
			scaleInto(got, src, w, add)
			for i := range got {
				want := w * src[i]
				if add {
					want = base[i] + w*src[i]
				}
				if !same(float64(got[i]), float64(want)) {
					t.Fatalf("scaleInto %T n=%d w=%v add=%v [%d]: got %v, want %v", w, len(got), w, add, i, got[i], want)
				}
			}
		}
	}
}
