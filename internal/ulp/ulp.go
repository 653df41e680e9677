// Package ulp measures how far apart two float64 values are in units in
// the last place, for tests that compare kernels, goldens or ports which
// may round differently.
package ulp

import "math"

// Distance is the number of float64 values from a to b: 0 for equal
// values (+0 and −0 too) and for two NaNs, +Inf where one is a NaN or an
// infinity and the other is not the same. Across zero it counts the
// values on both sides.
func Distance(a, b float64) float64 {
	if a == b || a != a && b != b {
		return 0
	}
	if a != a || b != b || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return math.Inf(1)
	}
	oa, ob := order(a), order(b)
	if oa < ob {
		oa, ob = ob, oa
	}
	// In uint64: the difference can pass int64's range (±MaxFloat64
	// are about 1.8e19 apart), not uint64's.
	return float64(uint64(oa) - uint64(ob))
}

// order maps a finite float64 to an integer that orders like it, with
// consecutive values consecutive (−0 and +0 both 0).
func order(x float64) int64 {
	u := int64(math.Float64bits(x))
	if u < 0 {
		u = math.MinInt64 - u
	}
	return u
}
