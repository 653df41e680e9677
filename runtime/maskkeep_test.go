package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"testing"
)

// TestKeptCopies checks that a trainer whose update keeps the masked
// copies (maskkeep.go) trains to the same bits as one whose prelude
// makes them at every step, in both dtypes and on 1 and 2 cores, with
// clipping and weight decay, and that a change of the parameters
// between steps (Params.Changed) makes the next step copy them again:
// the parameters are scaled after the third step, and a trainer that
// kept reading its own copies would go on from the old values.
func TestKeptCopies(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	const dim, batch, rows = 16, 64, 200
	m := madeModel(t, 2, 256, dim)
	data := randomRows(rows, dim, 3)
	opt := DefaultAdam(1e-2)
	opt.Clip, opt.WeightDecay = 0.5, 0.1
	for _, dt := range []DType{Float64, Float32} {
		for _, procs := range []int{1, 2} {
			goruntime.GOMAXPROCS(procs)
			var ref []float64
			for _, keep := range []bool{false, true} {
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.ZeroMasked(modelPrograms(m)...)
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				keepMasked = keep
				tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(2, 2)))
				keepMasked = true
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if keep {
					want = 4
				}
				if n := keptCount(tr); n != want || keep == (fmt.Sprint(tr.rest) == fmt.Sprint(tr.pre)) {
					t.Fatalf("%v, keep %v: %d masked copies kept, want %d (prelude %v, without them %v)", dt, keep, n, want, tr.pre, tr.rest)
				}
				var got []float64
				for step := range 6 {
					got = append(got, tr.Step())
					if step == 2 {
						tr.Sync()
						for i := range ps.Data {
							ps.Data[i] *= 0.9
						}
						ps.Changed()
					}
				}
				tr.Sync()
				got = append(got, ps.Data...)
				tr.Close()
				if !keep {
					ref = got
					continue
				}
				for i := range ref {
					if math.Float64bits(got[i]) != math.Float64bits(ref[i]) {
						t.Fatalf("%v, %d cores: value %d is %v with the copies kept, %v without", dt, procs, i, got[i], ref[i])
					}
				}
			}
		}
	}
}

// keptCount is the number of masked copies tr's update keeps.
func keptCount(tr *Trainer) int {
	n := 0
	switch o := tr.upd.(type) {
	case *optState[float64]:
		for _, cs := range o.copies {
			n += len(cs)
		}
	case *optState[float32]:
		for _, cs := range o.copies {
			n += len(cs)
		}
	}
	return n
}
