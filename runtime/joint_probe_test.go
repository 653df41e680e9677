package runtime

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestProbeJoint is a measuring tool, run only with NOX_PROBE=1 (go test
// ./runtime -run ProbeJoint -v): it builds two trainers of the same MAF,
// one with joint weight gradients (joint.go) and one without, and times
// their steps in alternating bursts in one process, so that the
// machine's slow and fast phases hit both; it prints each one's median
// step and the ratio of the medians of the bursts. Digits (64-d, hidden
// 512, batch 256) and 784-d (hidden 1024, batch 128), in float32 and
// float64 (NOX_PROBE_DTYPES=float32: float32 only). The digits MAF's
// gradients are below jointMinBytes, so both of its trainers run the
// same code unless NOX_PROBE_JOINALL=1 joins every joinable product.
// NOX_PROBE_CLIP sets a clipping bound (noxc's default is 5),
// NOX_PROBE_BATCH the 784-d MAF's batch.
func TestProbeJoint(t *testing.T) {
	probeOnly(t)
	defer func(on bool, b int) { jointOn, jointMinBytes = on, b }(jointOn, jointMinBytes)
	if os.Getenv("NOX_PROBE_JOINALL") == "1" {
		jointMinBytes = 0
	}
	dtypes := []DType{Float32, Float64}
	if os.Getenv("NOX_PROBE_DTYPES") == "float32" {
		dtypes = dtypes[:1]
	}
	b784 := 128
	if b, err := strconv.Atoi(os.Getenv("NOX_PROBE_BATCH")); err == nil && b > 0 {
		b784 = b
	}
	for _, c := range []struct{ dim, hidden, batch, burst int }{{64, 512, 256, 40}, {784, 1024, b784, 5}} {
		for _, dt := range dtypes {
			var trs [2]*Trainer
			for k, on := range []bool{false, true} {
				jointOn = on
				m, ps := probeMAF(t, c.dim, c.hidden)
				ps.DType = dt
				opt := DefaultAdam(1e-4)
				opt.Clip, _ = strconv.ParseFloat(os.Getenv("NOX_PROBE_CLIP"), 64)
				tr, err := NewTrainer(m.Grad, ps, randomRows(2000, c.dim, 3), c.dim, c.batch, opt, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				trs[k] = tr
				tr.Step()
			}
			var each [2][]float64
			var ratios []float64
			for r := range 12 {
				var burst [2]float64
				for kk := range trs {
					k := kk ^ r&1 // alternate which goes first
					tr := trs[k]
					t0 := time.Now()
					for range c.burst {
						tr.Step()
					}
					d := float64(time.Since(t0).Microseconds()) / float64(c.burst)
					burst[k] = d
					each[k] = append(each[k], d)
				}
				ratios = append(ratios, burst[1]/burst[0])
			}
			med := func(x []float64) float64 { x = slices.Clone(x); slices.Sort(x); return x[len(x)/2] }
			for k, tr := range trs {
				fmt.Printf("  trainer %d team: %+v\n", k, tr.team.stats)
			}
			fmt.Printf("D=%d %v: step µs without %.0f, with %.0f; with/without median %.3f (range %.3f-%.3f)\n",
				c.dim, dt, med(each[0]), med(each[1]), med(ratios), slices.Min(ratios), slices.Max(ratios))
		}
	}
}
