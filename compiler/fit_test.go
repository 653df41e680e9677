package compiler

import "testing"

// TestFitBeta: the anneal schedule starts at 0.01 on the first step and
// reaches 1 after anneal steps, as torch_vi.py's (t counted from 0).
func TestFitBeta(t *testing.T) {
	for _, c := range []struct {
		anneal, step int
		want         float64
	}{
		{0, 1, 1}, {0, 500, 1},
		{100, 1, 0.01}, {100, 51, 0.51}, {100, 100, 1}, {100, 101, 1}, {100, 5000, 1},
	} {
		o := FitOptions{Anneal: c.anneal}
		if got := o.Beta(c.step); got < c.want-1e-12 || got > c.want+1e-12 {
			t.Errorf("anneal %d, step %d: β = %v, want %v", c.anneal, c.step, got, c.want)
		}
	}
}
