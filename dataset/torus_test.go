package dataset

import (
	"math"
	"slices"
	"testing"
)

// TestTorus checks the torus set: every value an angle in [-π, π), the
// same rows for the same seed, and about half the rows on the band
// ψ ≈ φ + 1 (on the circle).
func TestTorus(t *testing.T) {
	a, err := Toy("torus", 4000, -1, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Toy("torus", 4000, -1, 3)
	if !slices.Equal(a.Values, b.Values) {
		t.Fatal("the same seed gave different rows")
	}
	band := 0
	for i := range a.Rows {
		phi, psi := a.Values[2*i], a.Values[2*i+1]
		for _, v := range []float64{phi, psi} {
			if !(v >= -math.Pi && v < math.Pi) {
				t.Fatalf("row %d: %v is not in [-π, π)", i, v)
			}
		}
		if d := math.Abs(WrapAngle(psi - phi - 1)); d < 0.9 { // 3 noise stds
			band++
		}
	}
	if f := float64(band) / float64(a.Rows); f < 0.45 || f > 0.75 { // a bump overlaps the band
		t.Errorf("%.3f of the rows lie on the band, want about 0.5 and at most 0.75", f)
	}
	if !slices.Equal(ToyAngles("torus"), []int{0, 1}) || ToyAngles("moons") != nil {
		t.Error("ToyAngles: the torus set's columns are its angles, no other set has any")
	}
	for _, v := range []float64{math.Pi, -math.Pi, 3 * math.Pi, -3 * math.Pi, math.Nextafter(-math.Pi, -4), 7} {
		if w := WrapAngle(v); !(w >= -math.Pi && w < math.Pi) || math.Abs(math.Remainder(w-v, 2*math.Pi)) > 1e-12 {
			t.Errorf("WrapAngle(%v) = %v", v, w)
		}
	}
}
