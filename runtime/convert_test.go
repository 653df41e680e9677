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
// float32, scaleInto from either type) against the element loops, bit
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
		for _, w := range []float64{1, 0.5, 1.0 / 3, -7.25} {
			for _, add := range []bool{false, true} {
				base := convertInputs(rng, n)
				check := func(kind string, got []float64, src func(i int) float64) {
					t.Helper()
					for i := range n {
						var want float64
						if add {
							want = base[i] + w*src(i)
						} else {
							want = w * src(i)
						}
						if !same(got[i], want) {
							t.Fatalf("scaleInto %s n=%d w=%v add=%v [%d]: got %v, want %v", kind, n, w, add, i, got[i], want)
						}
					}
				}
				d := append([]float64(nil), base...)
				scaleInto(d, src, w, add)
				check("float64", d, func(i int) float64 { return src[i] })
				d = append([]float64(nil), base...)
				scaleInto(d, src32, w, add)
				check("float32", d, func(i int) float64 { return float64(src32[i]) })
			}
		}
	}
}
