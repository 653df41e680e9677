package train

import (
	"slices"
	"testing"
)

func TestGridWidths(t *testing.T) {
	// Columns: integers, tenths, continuous, constant; a context column
	// after them is never touched.
	var rows []float64
	for i := range 40 {
		rows = append(rows, float64(i%7), float64(i%5)/10+1, float64(i)*0.37+1/float64(i+3), 4, float64(i))
	}
	got := GridWidths(rows, 5, 4)
	// The gridded steps are 1 and 0.1; the constant column takes their
	// median (the upper middle of two): 1.
	want := []float64{0.5, 0.05, 0, 0.5, 0}
	for j := range want {
		if diff := got[j] - want[j]; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("column %d: half-width %v, want %v (all %v)", j, got[j], want[j], got)
		}
	}
	if w := GridWidths([]float64{1, 2, 3, 4, 5, 6}, 1, 1); !slices.Equal(w, []float64{0}) {
		t.Errorf("distinct values: %v", w)
	}
}
