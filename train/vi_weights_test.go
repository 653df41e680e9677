package train

import (
	"math"
	"testing"
)

// TestWeightSums: the importance-sampling estimates from log weights,
// against direct formulas; a zero weight (log w = −Inf) first or later
// is a zero, not a NaN, in log Z and the ESS.
func TestWeightSums(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		name string
		lw   []float64
	}{
		{"finite", []float64{-1, 0.5, 2, -3}},
		{"large", []float64{700, 710, 705}},
		{"zero weight first", []float64{inf, 0, math.Log(2)}},
		{"zero weight later", []float64{0, inf, math.Log(2)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w weightSums
			for _, x := range c.lw {
				w.add(x)
			}
			got := w.estimates()
			n := float64(len(c.lw))
			m := math.Inf(-1)
			for _, x := range c.lw {
				m = math.Max(m, x)
			}
			var s, s2 float64
			for _, x := range c.lw {
				s += math.Exp(x - m)
				s2 += math.Exp(2 * (x - m))
			}
			wantZ := m + math.Log(s/n)
			wantESS := s * s / s2 / n
			if !(math.Abs(got.logZ-wantZ) <= 1e-12 && math.Abs(got.ess-wantESS) <= 1e-12) {
				t.Errorf("log Z %v, ESS %v; want %v, %v", got.logZ, got.ess, wantZ, wantESS)
			}
		})
	}
}
