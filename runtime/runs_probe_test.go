package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestProbeRunsKernel is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeRunsKernel -v): it alternates two float32
// trainers of the digits, 784-d and moons MAFs (probeMAF), one updating
// with the runs kernel (runsKernel) and one with the blocks, 10 rounds
// of a few steps each, and prints the median time of their steps and of
// their updates. Figures quoted in runtime/update.go and
// bench/README.md.
func TestProbeRunsKernel(t *testing.T) {
	probeOnly(t)
	defer func() { runsKernel = true }()
	for _, c := range []struct{ dim, hidden, batch, steps int }{{64, 512, 256, 100}, {784, 1024, 128, 8}, {2, 100, 256, 400}} {
		var trs [2]*Trainer
		for k, on := range []bool{false, true} {
			runsKernel = on
			m, ps := probeMAF(t, c.dim, c.hidden)
			tr, err := NewTrainer(m.Grad, ps, randomRows(2000, c.dim, 3), c.dim, c.batch, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			trs[k] = tr
		}
		runsKernel = true
		var up, st [2][]float64
		for round := 0; round < 10; round++ {
			for k, tr := range trs {
				for range c.steps {
					s := time.Now()
					tr.drawBatch()
					tr.runPrelude()
					tr.runShards()
					tr.runJoint()
					s2 := time.Now()
					tr.applyUpdate()
					e := time.Now()
					up[k] = append(up[k], float64(e.Sub(s2).Nanoseconds())/1e3)
					st[k] = append(st[k], float64(e.Sub(s).Nanoseconds())/1e3)
				}
			}
		}
		for k := range 2 {
			slices.Sort(up[k])
			slices.Sort(st[k])
		}
		fmt.Printf("D=%d: blocks: step %.0f µs, update %.0f µs; runs kernel: step %.0f µs, update %.0f µs\n", c.dim, st[0][len(st[0])/2], up[0][len(up[0])/2], st[1][len(st[1])/2], up[1][len(up[1])/2])
	}
}
