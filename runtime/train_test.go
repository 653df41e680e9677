package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
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

// TestTrainerSave: Trainer.Save keeps the same bits as Sync then
// Params.Save, in both element types, with masked elements left out
// (ZeroMasked) and fixed parameters (a standardization) beside the
// trained ones, and leaves a float32 trainer's Data alone.
func TestTrainerSave(t *testing.T) {
	const dim, batch = 6, 64
	std := &compiler.Standardize{}
	for range dim {
		std.Mean, std.Std = append(std.Mean, 0.3), append(std.Std, 1.7)
	}
	m := MAFModel(t, 2, 40, dim, std)
	for _, dt := range []DType{Float32, Float64} {
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad)
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		tr, err := NewTrainer(m.Grad, ps, randomRows(300, dim, 11), dim, batch, DefaultAdam(1e-2), rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		var got, want Snapshot
		for round := range 2 {
			for range 3 {
				tr.Step()
			}
			before := slices.Clone(ps.Data)
			tr.Save(&got)
			if !slices.Equal(before, ps.Data) {
				t.Fatalf("%v: Save changed params.Data", dt)
			}
			tr.Sync()
			ps.Save(&want)
			if len(got.keep) == 0 || got.keep[0] == nil {
				t.Fatalf("%v: no masked elements left out: the test does not test them", dt)
			}
			for i := range want.v32 {
				if !slices.Equal(bits32(got.v32[i]), bits32(want.v32[i])) || !slices.Equal(got.v64[i], want.v64[i]) ||
					!slices.Equal(got.keep[i], want.keep[i]) {
					t.Fatalf("%v round %d: parameter %s saved as %d float32s and %d float64s, want %d and %d, or other values",
						dt, round, ps.Table[i].Name, len(got.v32[i]), len(got.v64[i]), len(want.v32[i]), len(want.v64[i]))
				}
			}
		}
	}
}

func bits32(v []float32) []uint32 {
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = math.Float32bits(x)
	}
	return out
}
