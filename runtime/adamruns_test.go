package runtime

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"testing"
)

// TestAdamRuns: the runs kernel (runsKernel) trains to the same bits as
// the blocks: the losses, values and moments after steps with and
// without clipping (the gradient combined by the norm, or in the
// kernel), weight decay, one shard or two (the kernel's modes 1 and 2),
// joint products (a fused C and combined ones), kept masked copies and a
// Params.Changed between steps, on one core and two, in both dtypes. The
// model's output weights are dense (runs shorter than denseRun, longer
// than kernelRun), so the kernel skips elements the blocks visit; its
// input weights have long live runs, its biases none.
func TestAdamRuns(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer func(b int) { jointMinBytes = b }(jointMinBytes)
	const dim, rows = 40, 300
	m := madeModel(t, 2, 128, dim)
	data := randomRows(rows, dim, 3)
	for _, dt := range []DType{Float64, Float32} {
		for _, c := range []struct {
			procs, batch int
			clip, decay  float64
			joint        bool
		}{
			{1, 32, 0, 0, false}, {2, 128, 0, 0, false}, {2, 128, 0.5, 0, false},
			{2, 129, 0, 0.1, false}, {1, 129, 0.5, 0.1, false}, {2, 32, 0.5, 0.1, false},
			{2, 128, 0, 0, true}, {2, 128, 0.5, 0.1, true},
		} {
			goruntime.GOMAXPROCS(c.procs)
			jointMinBytes = 1 << 40
			if c.joint {
				jointMinBytes = 0
			}
			label := fmt.Sprintf("%v %+v", dt, c)
			var refLoss []float64
			var ref map[string][]float64
			for _, on := range []bool{false, true} {
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.ZeroMasked(modelPrograms(m)...)
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				opt := DefaultAdam(1e-2)
				opt.Clip, opt.WeightDecay = c.clip, c.decay
				runsKernel = on
				tr, err := NewTrainer(m.Grad, ps, data, dim, c.batch, opt, rand.New(rand.NewPCG(2, 2)))
				runsKernel = true
				if err != nil {
					t.Fatal(err)
				}
				if joined := tr.upd.jointTasks() > 0; joined != c.joint {
					t.Fatalf("%s: joined %v", label, joined)
				}
				if on && useAVX512 {
					if dense, planned := kernelRuns(tr); dense == 0 || planned == 0 {
						t.Fatalf("%s: %d dense parameters of %d segments planned for the kernel: the test does not test it", label, dense, planned)
					}
				}
				var losses []float64
				for step := range 6 {
					losses = append(losses, tr.Step())
					if step == 2 {
						tr.Sync()
						for i := range ps.Data {
							ps.Data[i] *= 0.9
						}
						ps.Changed()
					}
				}
				tr.Close()
				if !on {
					refLoss, ref = losses, optArrays(tr)
					continue
				}
				sameBits(t, label+": losses", losses, refLoss)
				sameArrays(t, label+", runs kernel", optArrays(tr), ref)
			}
		}
	}
	if !useAVX512 {
		t.Log("no AVX-512 here: both runs took the blocks")
	}
}

// kernelRuns returns how many update segments the runs kernel is
// planned for, and how many of them are of dense parameters.
func kernelRuns(tr *Trainer) (dense, planned int) {
	count := func(kr [][][]int32) {
		for j, segs := range kr {
			for s, r := range segs {
				if r != nil {
					planned++
					if tr.dense[tr.useg[j][s].param] != nil {
						dense++
					}
				}
			}
		}
	}
	switch o := tr.upd.(type) {
	case *optState[float64]:
		count(o.kruns)
	case *optState[float32]:
		count(o.kruns)
	}
	return dense, planned
}
