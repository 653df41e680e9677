package runtime

import (
	"math"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestSnapshot checks that Save keeps a parameter of float32 values in
// float32 and any other in float64, and that Restore gives back every
// bit, also into storage reused after the values changed precision.
func TestSnapshot(t *testing.T) {
	ps := NewParams([]ir.Param{
		{Name: "w32", Shape: ir.Shape{Rows: 2, Cols: 3}},
		{Name: "w64", Shape: ir.Shape{Rows: 1, Cols: 4}},
		{Name: "empty", Shape: ir.Shape{Rows: 0, Cols: 4}},
	})
	copy(ps.Views[0], []float64{1, -0.5, float64(float32(0.1)), float64(float32(3e38)), math.Inf(1), 0})
	copy(ps.Views[1], []float64{0.1, 1, 2, 3}) // 0.1 is no float32
	var s Snapshot
	for round := range 2 {
		ps.Save(&s)
		if len(s.v32[0]) != 6 || len(s.v64[0]) != 0 {
			t.Errorf("round %d: w32 kept as %d float32s and %d float64s, want 6 and 0", round, len(s.v32[0]), len(s.v64[0]))
		}
		if len(s.v64[1]) != 4 || len(s.v32[1]) != 0 {
			t.Errorf("round %d: w64 kept as %d float64s and %d float32s, want 4 and 0", round, len(s.v64[1]), len(s.v32[1]))
		}
		want := append([]float64(nil), ps.Data...)
		for i := range ps.Data {
			ps.Data[i] = 7
		}
		ps.Restore(&s)
		for i := range want {
			if math.Float64bits(ps.Data[i]) != math.Float64bits(want[i]) {
				t.Fatalf("round %d: element %d restored as %v, want %v", round, i, ps.Data[i], want[i])
			}
		}
		// Swap precisions for the next round.
		copy(ps.Views[0], []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6})
		copy(ps.Views[1], []float64{1, 2, 3, 4})
		if round == 0 {
			ps.Save(&s)
			if len(s.v64[0]) != 6 || len(s.v32[1]) != 4 {
				t.Fatalf("after swapping: w32 has %d float64s, w64 %d float32s; want 6 and 4", len(s.v64[0]), len(s.v32[1]))
			}
			copy(ps.Views[0], []float64{1, -0.5, float64(float32(0.1)), float64(float32(3e38)), math.Inf(1), 0})
			copy(ps.Views[1], []float64{0.1, 1, 2, 3})
		}
	}
}
