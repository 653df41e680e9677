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

// TestWeightSumsShifted: the ELBO's standard error survives a large
// offset of log w (a posterior's −10⁶), which a plain sum of squares
// cancels away.
func TestWeightSumsShifted(t *testing.T) {
	var a, b weightSums
	for i := range 1000 {
		x := float64(i%10) - 4.5 // sd ≈ 2.87
		a.add(x)
		b.add(-1e6 + x)
	}
	ea, eb := a.estimates(), b.estimates()
	if math.Abs(ea.elboErr-eb.elboErr) > 1e-9*ea.elboErr || math.Abs(eb.elbo-(-1e6+ea.elbo)) > 1e-6 {
		t.Errorf("ELBO %v ± %v at offset 0, %v ± %v at offset −10⁶", ea.elbo, ea.elboErr, eb.elbo, eb.elboErr)
	}
}
