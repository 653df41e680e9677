package runtime

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"testing"
)

// TestCopyInTasks: a batch whose rows the shards' tasks copy
// (copyInTasks) trains to the same bits as one copied by drawBatch: the
// same rows, drawn in the same order, drawn or read in order (the rows
// refilled before each step, as variational inference does), over one
// shard or two, on one core or two, and with dequantization noise (which
// the tasks add as they copy) in both dtypes.
func TestCopyInTasks(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer func() { copyInTasks = true }()
	const dim = 8
	m := madeModel(t, 2, 32, dim)
	data := randomRows(300, dim, 4)
	for _, dt := range []DType{Float64, Float32} {
		for _, c := range []struct {
			procs, batch   int
			inOrder, noise bool
		}{{1, 32, false, false}, {2, 100, false, false}, {2, 101, false, false}, {2, 100, true, false}, {2, 100, false, true}} {
			goruntime.GOMAXPROCS(c.procs)
			label := fmt.Sprintf("%v %+v", dt, c)
			sameTraining(t, label, func(on bool) (*Trainer, []float64) {
				copyInTasks = on
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.ZeroMasked(modelPrograms(m)...)
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				rows := data
				if c.inOrder {
					rows = append([]float64(nil), data[:c.batch*dim]...)
				}
				tr, err := NewTrainer(m.Grad, ps, rows, dim, c.batch, DefaultAdam(1e-2), rand.New(rand.NewPCG(2, 2)))
				if err != nil {
					t.Fatal(err)
				}
				if c.inOrder {
					tr.InOrder()
				}
				if c.noise {
					w := make([]float64, dim)
					for j := range w {
						w[j] = 0.01 * float64(j%3)
					}
					tr.SetNoise(w)
				}
				var losses []float64
				for step := range 5 {
					if c.inOrder && step > 0 {
						// The caller fills the rows before each step
						// (train/vi.go): the step reads them then.
						for i := range rows {
							rows[i] = data[(i+step*dim)%len(data)]
						}
					}
					losses = append(losses, tr.Step())
				}
				if want := on; tr.drawn != want {
					t.Fatalf("%s: rows copied in tasks %v, want %v", label, tr.drawn, want)
				}
				tr.Close()
				return tr, losses
			})
		}
	}
}
