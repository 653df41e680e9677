package ulp

import (
	"math"
	"testing"
)

func TestDistance(t *testing.T) {
	one := math.Nextafter(1, 2)
	tiny := math.SmallestNonzeroFloat64
	for _, c := range []struct {
		a, b, want float64
	}{
		{1, 1, 0}, {1, one, 1}, {one, 1, 1}, {1, math.Nextafter(one, 2), 2},
		{0, math.Copysign(0, -1), 0}, {tiny, -tiny, 2}, {0, tiny, 1},
		{-1, math.Nextafter(-1, -2), 1}, {math.NaN(), math.NaN(), 0},
		{math.NaN(), 1, math.Inf(1)}, {math.Inf(1), math.MaxFloat64, math.Inf(1)}, {math.Inf(-1), math.Inf(-1), 0},
		{math.MaxFloat64, -math.MaxFloat64, 2 * float64(math.Float64bits(math.MaxFloat64))},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
