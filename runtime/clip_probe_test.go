package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestProbeClip is a measuring tool, run only with NOX_PROBE=1 (go test
// ./runtime -run ProbeClip -v): what clipping costs a float32 training
// step of the 784-d MAF (batch 128) and of the digits one (batch 256). Two trainers over the same model,
// one without clipping and one that clips at every step, alternate in
// bursts of six steps in one process, so that the machine's drift hits
// both; it prints the medians over 12 bursts of the whole step and of
// its joint and update phases, and the sizes the joint tasks' sums of
// squares work on (joint.go). Figures quoted in bench/README.md.
func TestProbeClip(t *testing.T) {
	probeOnly(t)
	for _, c := range []struct{ dim, hidden, batch, bursts int }{{784, 1024, 128, 12}, {64, 512, 256, 40}} {
		probeClip(t, c.dim, c.hidden, c.batch, c.bursts)
	}
}

func probeClip(t *testing.T, dim, hidden, batch, bursts int) {
	m, ps := probeMAF(t, dim, hidden)
	data := randomRows(2000, dim, 3)
	plain := DefaultAdam(1e-4)
	clipped := plain
	clipped.Clip = 1e-3 // below every gradient's norm: every step clips
	var trs [2]*Trainer
	for i, opt := range []Adam{plain, clipped} {
		tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		tr.Step()
		trs[i] = tr
	}
	var step, joint, update [2][]float64
	for range bursts {
		for i, tr := range trs {
			var js, us time.Duration
			t0 := time.Now()
			for range 6 {
				tr.drawBatch()
				tr.runPrelude()
				tr.runShards()
				t1 := time.Now()
				tr.runJoint()
				t2 := time.Now()
				tr.applyUpdate()
				js, us = js+t2.Sub(t1), us+time.Since(t2)
			}
			step[i] = append(step[i], float64(time.Since(t0).Microseconds())/6)
			joint[i] = append(joint[i], float64(js.Microseconds())/6)
			update[i] = append(update[i], float64(us.Microseconds())/6)
		}
	}
	med := func(x []float64) float64 {
		y := slices.Clone(x)
		slices.Sort(y)
		return y[len(y)/2]
	}
	fmt.Printf("D=%d float32 step, medians of %d bursts (µs): unclipped %.0f (joint %.0f, update %.0f), clipped %.0f (joint %.0f, update %.0f)\n",
		dim, bursts, med(step[0]), med(joint[0]), med(update[0]), med(step[1]), med(joint[1]), med(update[1]))
	if o, ok := trs[1].upd.(*optState[float32]); ok {
		zeros, area := 0, 0
		for _, tk := range o.js.tasks {
			zeros += len(tk.zeros) / 2
			st := &o.js.prods[tk.p]
			for _, b := range st.blocks[tk.b0:tk.b1] {
				area += (b.m1 - b.m0) * (b.n1 - b.n0)
			}
		}
		fmt.Printf("joint tasks %d: blocks of %d elements, %d runs of mask zeros in them; %d elements with moments of %d\n", len(o.js.tasks), area, zeros, len(o.m), len(o.p))
	}
}
