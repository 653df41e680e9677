package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKeepAngles checks that the standardization leaves angle columns
// as they are: mean 0, std 1, and a whitening that neither scales them
// nor mixes them with the other columns, while the others are still
// whitened (here correlated with the angle, which must not matter).
func TestKeepAngles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d = 500, 3
	rows := make([]float64, n*d)
	for i := range n {
		a := 2*math.Pi*rng.Float64() - math.Pi
		u := rng.NormFloat64()
		rows[i*d], rows[i*d+1], rows[i*d+2] = 5+3*u, a, 2*u+a+0.1*rng.NormFloat64()
	}
	angles := []int{1}
	s := Standardization(rows, d, 0, d)
	KeepAngles(s, angles)
	WhitenExcept(s, rows, d, d, angles)
	if s.Mean[1] != 0 || s.Std[1] != 1 {
		t.Errorf("angle column standardized by mean %v, std %v", s.Mean[1], s.Std[1])
	}
	if s.W == nil {
		t.Fatal("no whitening")
	}
	for k := range d {
		want := 0.0
		if k == 1 {
			want = 1
		}
		if s.W[1*d+k] != want || s.W[k*d+1] != want || s.WInv[1*d+k] != want || s.WInv[k*d+1] != want {
			t.Errorf("whitening mixes the angle column: W row %v, column %v", s.W[d:2*d], []float64{s.W[1], s.W[d+1], s.W[2*d+1]})
		}
	}
	if math.Abs(s.W[0*d+2]) < 1e-3 && math.Abs(s.W[2*d+0]) < 1e-3 {
		t.Error("the correlated ordinary columns are not whitened together")
	}
}
