package plot

import (
	"math"
	"path/filepath"
	"testing"
)

// TestDensityPairUnnormalised: a target density is known up to a
// constant, which may put log p̃ far outside exp's range on the whole
// grid (a constant offset, a log-likelihood summed over many rows); the
// picture scales it to the flow's mass all the same.
func TestDensityPairUnnormalised(t *testing.T) {
	dir := outDir(t)
	gauss := func(offset float64) func(xy []float64, n int, out []float64) {
		return func(xy []float64, n int, out []float64) {
			for i := range n {
				x, y := xy[2*i], xy[2*i+1]
				out[i] = -0.5*(x*x+y*y) - math.Log(2*math.Pi) + offset
			}
		}
	}
	lo, hi := [2]float64{-3, -3}, [2]float64{3, 3}
	for _, offset := range []float64{0, 1000, -1000} {
		path := filepath.Join(dir, "pair.png")
		if err := DensityPair(path, gauss(offset), gauss(0), lo, hi, [2]string{"target", "flow"}, ScaleAuto); err != nil {
			t.Errorf("offset %v: %v", offset, err)
		}
	}
}
