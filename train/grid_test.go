package train

import (
	"math"
	"math/rand/v2"
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

// TestSortFloats: the radix sort orders finite values as slices.Sort
// does (signs, zeros of both signs, subnormals, huge values), at sizes
// on both sides of where it takes over.
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 100, 1 << 12, 100_000} {
		v := make([]float64, n)
		for i := range v {
			switch rng.IntN(6) {
			case 0:
				v[i] = math.Copysign(0, float64(rng.IntN(2))-0.5)
			case 1:
				v[i] = float64(rng.IntN(7) - 3)
			case 2:
				v[i] = rng.NormFloat64() * 1e300
			case 3:
				v[i] = rng.NormFloat64() * 5e-324 * float64(rng.IntN(1000))
			default:
				v[i] = rng.NormFloat64()
			}
		}
		want := slices.Clone(v)
		slices.Sort(want)
		sortFloats(v, make([]float64, n))
		if !slices.Equal(v, want) { // == on floats: -0 equals +0
			t.Fatalf("n %d: radix sort differs from slices.Sort", n)
		}
	}
}

// TestGridWidthsSorted: GridWidths gives the widths it gives with
// slices.Sort, on columns gridded, continuous, constant and mixed, of
// more rows than the radix sort takes over at.
func TestGridWidthsSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, w = 20_000, 6
	rows := make([]float64, n*w)
	for i := range n {
		rows[i*w+0] = float64(rng.IntN(17)) * 0.25                 // a grid of 0.25
		rows[i*w+1] = rng.NormFloat64()                            // continuous
		rows[i*w+2] = -3                                           // constant
		rows[i*w+3] = math.Copysign(float64(rng.IntN(5)), -1)      // integers, -0 among them
		rows[i*w+4] = float64(rng.IntN(n))                         // integers, many distinct
		rows[i*w+5] = float64(rng.IntN(9))*0.1 + 1e-3*float64(i%2) // off the grid
	}
	pdq := func(v, _ []float64) { slices.Sort(v) }
	got, want := GridWidths(rows, w, w), gridWidths(rows, w, w, pdq)
	if !slices.Equal(got, want) {
		t.Fatalf("widths %v, want %v", got, want)
	}
	if got[0] != 0.125 || got[1] != 0 || got[2] == 0 {
		t.Errorf("widths %v: want 0.125 for the grid, 0 for the continuous column, the median step for the constant one", got)
	}
}
