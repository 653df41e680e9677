package runtime

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler"
)

// TestProbePhases is a measuring tool, run only with NOX_PROBE=1 (go test
// ./runtime -run ProbePhases -v): it runs 400 float32 training steps of
// the digits MAF (batch 256) and 40 of the 784-d MAF (batch 128) as
// Trainer.Step does, phase by phase, and prints the wall time of each
// phase's runs: drawing the batch, the prelude (masked weights), the
// shards (parts) and Adam (update), the last two apart for runs the team
// ran solo (team.adapt) and in parallel. No clipping, as in
// BenchmarkTrainStep. Figures quoted in bench/README.md.
func TestProbePhases(t *testing.T) {
	if os.Getenv("NOX_PROBE") != "1" {
		t.Skip("a measuring tool: NOX_PROBE=1")
	}
	for _, c := range []struct{ dim, hidden, batch, steps int }{{64, 512, 256, 400}, {784, 1024, 128, 40}} {
		std := &compiler.Standardize{}
		for range c.dim {
			std.Mean = append(std.Mean, 0)
			std.Std = append(std.Std, 1)
		}
		m := MAFModel(t, 5, c.hidden, c.dim, std)
		ps := NewParams(m.Params)
		ps.DType = Float32
		ps.Init(rand.New(rand.NewPCG(0, 0)))
		tr, err := NewTrainer(m.Grad, ps, randomRows(2000, c.dim, 3), c.dim, c.batch, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		times := map[string][]float64{}
		timed := func(name string, f func()) {
			solo := tr.team.stats.soloRuns
			t0 := time.Now()
			f()
			if d := float64(time.Since(t0).Nanoseconds()) / 1e3; tr.team.stats.soloRuns > solo {
				times[name+" solo"] = append(times[name+" solo"], d)
			} else {
				times[name] = append(times[name], d)
			}
		}
		for range c.steps {
			timed("draw", func() {
				tr.next = 0
				for _, s := range tr.shards {
					for i := range s.rows {
						s.p.setRow(i, tr.draw())
					}
				}
			})
			timed("prelude", func() { runPrelude(tr.team, &tr.level, tr.pre, tr.shards[0].p) })
			timed("parts", func() {
				for _, p := range tr.parts {
					p.startShared()
				}
				tr.phase = 0
				tr.team.run(len(tr.parts), true)
			})
			timed("update", func() {
				tr.upd.setCombined(false)
				tr.t++
				tr.b1t *= tr.opt.Beta1
				tr.b2t *= tr.opt.Beta2
				tr.phase = 2
				tr.update(len(tr.useg))
				tr.params.gen.Add(1)
			})
		}
		tr.Close()
		fmt.Printf("D=%d float32, %d steps (µs; runs, min, median, max):\n", c.dim, c.steps)
		for _, name := range slices.Sorted(maps.Keys(times)) {
			x := times[name]
			slices.Sort(x)
			fmt.Printf("    %-13s %4d %9.0f %9.0f %9.0f\n", name, len(x), x[0], x[len(x)/2], x[len(x)-1])
		}
	}
}
