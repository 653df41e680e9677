package runtime

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSyncFloat32: a float32 trainer trains the float32 copy the programs
// read and leaves params.Data alone until Sync, which writes the trained
// values back exactly; in float64, Step updates Data and Sync changes
// nothing.
func TestSyncFloat32(t *testing.T) {
	const dim, batch = 4, 64
	m := madeModel(t, 2, 16, dim)
	for _, dt := range []DType{Float32, Float64} {
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		initial := slices.Clone(ps.Data)
		tr, err := NewTrainer(m.Grad, ps, randomRows(300, dim, 11), dim, batch, DefaultAdam(1e-2), rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		for range 3 {
			tr.Step()
		}
		stepped := slices.Clone(ps.Data)
		tr.Sync()
		if dt == Float64 {
			if slices.Equal(stepped, initial) || !slices.Equal(ps.Data, stepped) {
				t.Fatalf("float64: Step did not update Data, or Sync changed it")
			}
			continue
		}
		if !slices.Equal(stepped, initial) {
			t.Errorf("float32: Step wrote params.Data before Sync")
		}
		changed := 0
		for j, x := range ps.f32 {
			if ps.Data[j] != float64(x) {
				t.Fatalf("after Sync, Data[%d] = %v, float32 value %v", j, ps.Data[j], x)
			}
			if ps.Data[j] != initial[j] {
				changed++
			}
		}
		if changed == 0 {
			t.Fatal("float32: no parameter changed in 3 steps")
		}
	}
}
