package runtime

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// TestProbePhases is a measuring tool, run only with NOX_PROBE=1 (go test
// ./runtime -run ProbePhases -v): it runs 400 float32 training steps of
// the digits MAF (batch 256) and 40 of the 784-d MAF (batch 128) as
// Trainer.Step does (float64 with NOX_PROBE_DTYPE=float64), phase by phase, and prints the wall time of each
// phase's runs: drawing the batch (its rows' indices; the shards copy
// the rows themselves, in "parts", where drawBatch only draws them), the
// prelude (masked weights), the
// shards (parts), the joint weight gradients (joint) and Adam (update), the last two apart for runs the team
// ran solo (team.adapt) and in parallel, and, for the parallel runs of
// the shards on two members, how far apart the two shards ended ("shard
// gap": the first member to finish helps the other's products, which is
// all it can do until the update). No clipping, as in
// BenchmarkTrainStep; the model's programs declared as in training
// (probeMAF; NOX_PROBE_COPY=1: masked weights copied). NOX_PROBE_WARM=1
// runs the update a second time after each step ("update warm"): its
// cost with the parameters, moments and gradients in cache. Each phase's
// line has its runs' percentiles too; NOX_PROBE_STEPS sets the digits
// run's steps (400). Figures quoted in bench/README.md.
func TestProbePhases(t *testing.T) {
	probeOnly(t)
	f64, dt := os.Getenv("NOX_PROBE_DTYPE") == "float64", "float32"
	warm := os.Getenv("NOX_PROBE_WARM") == "1"
	digitsSteps := probeCount("NOX_PROBE_STEPS", 400)
	if f64 {
		dt = "float64"
	}
	for _, c := range []struct{ dim, hidden, batch, steps int }{{64, 512, 256, digitsSteps}, {784, 1024, 128, 40}} {
		m, ps := probeMAF(t, c.dim, c.hidden)
		if f64 {
			ps.DType = Float64
		}
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
			timed("draw", tr.drawBatch)
			timed("prelude", tr.runPrelude)
			var starts, ends [2]time.Time
			var members [2]int
			testShardStart = func(i, j int) {
				if j < 2 {
					starts[j] = time.Now()
				}
			}
			testShardDone = func(i, j int) {
				if j < 2 {
					ends[j], members[j] = time.Now(), i
				}
			}
			var helped [2]int64
			for k, p := range tr.parts {
				helped[k] = helpedPieces(p)
			}
			timed("parts", func() { tr.runShards() })
			testShardStart, testShardDone = nil, nil
			for k, p := range tr.parts {
				if k < 2 && members[k] == 0 {
					times["pieces helped, member 0's shard"] = append(times["pieces helped, member 0's shard"], float64(helpedPieces(p)-helped[k]))
				} else if k < 2 {
					times["pieces helped, member 1's shard"] = append(times["pieces helped, member 1's shard"], float64(helpedPieces(p)-helped[k]))
				}
			}
			if len(tr.shards) == 2 && members[0] != members[1] {
				gap := ends[1].Sub(ends[0]).Abs()
				times["shard gap"] = append(times["shard gap"], float64(gap.Nanoseconds())/1e3)
				for k := range 2 {
					name := fmt.Sprintf("shard %d on member %d", k, members[k])
					times[name] = append(times[name], float64(ends[k].Sub(starts[k]).Nanoseconds())/1e3)
					name = fmt.Sprintf("shard %d start", k)
					times[name] = append(times[name], float64(starts[k].Sub(starts[0]).Nanoseconds())/1e3)
				}
			}
			timed("joint", tr.runJoint)
			timed("update", tr.applyUpdate)
			if warm {
				timed("update warm", tr.applyUpdate)
			}
		}
		tr.Close()
		fmt.Printf("D=%d %s, %d steps (µs; runs, min, median, max); update ranges run early: %.1f a step of %d\n", c.dim, dt, c.steps, float64(tr.early.ran)/float64(c.steps), len(tr.useg))
		for _, name := range slices.Sorted(maps.Keys(times)) {
			x := times[name]
			slices.Sort(x)
			fmt.Printf("    %-13s %4d %9.0f %9.0f %9.0f   p10 %.0f p25 %.0f p75 %.0f p90 %.0f\n", name, len(x), x[0], x[len(x)/2], x[len(x)-1], x[len(x)/10], x[len(x)/4], x[3*len(x)/4], x[9*len(x)/10])
		}
	}
}
