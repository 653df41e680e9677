package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/noxlang/nox/runtime/internal/gemm"
)

// TestProbeInterference is a measuring tool, run only with NOX_PROBE=1
// (go test ./runtime -run ProbeInterference -v): round after round
// (NOX_PROBE_ROUNDS, 20), it times 100 float32 training steps of the
// digits MAF (batch 256) phase by phase, as TestProbePhases does, and
// then a product that stays in each core's L2 cache (256×256·256×256,
// float32, one on each of two goroutines, 0.2 s), and prints each
// round's median step, shards and update against the product's rate:
// the cores' arithmetic speed, apart from the cache and memory the
// cores share with other processes. Where the step's time moves and
// the product's does not, the step is waiting on what they share.
// Figures quoted in bench/README.md.
func TestProbeInterference(t *testing.T) {
	probeOnly(t)
	rounds := probeCount("NOX_PROBE_ROUNDS", 20)
	m, ps := probeMAF(t, 64, 512)
	tr, err := NewTrainer(m.Grad, ps, randomRows(2000, 64, 3), 64, 256, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	const n = 256
	type operands struct{ a, b, c []float32 }
	var ops [2]operands
	for i := range ops {
		ops[i] = operands{make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)}
		for j := range ops[i].a {
			ops[i].a[j], ops[i].b[j] = float32(j%7)*0.1, float32(j%5)*0.1
		}
	}
	median := func(x []float64) float64 {
		slices.Sort(x)
		return x[len(x)/2]
	}
	fmt.Println("round  step µs  shards µs  update µs  L2 product GFLOP/s (2 cores)  step ÷ product time (×1e-3)")
	for round := range rounds {
		var step, parts, update []float64
		for range 100 {
			t0 := time.Now()
			tr.drawBatch()
			tr.runPrelude()
			t1 := time.Now()
			tr.runShards()
			t2 := time.Now()
			tr.runJoint()
			tr.applyUpdate()
			t3 := time.Now()
			step = append(step, float64(t3.Sub(t0).Nanoseconds())/1e3)
			parts = append(parts, float64(t2.Sub(t1).Nanoseconds())/1e3)
			update = append(update, float64(t3.Sub(t2).Nanoseconds())/1e3)
		}
		var wg sync.WaitGroup
		var reps [2]int
		t0 := time.Now()
		for i := range ops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(t0) < 200*time.Millisecond {
					gemm.Sgemm(false, false, n, n, n, ops[i].a, n, ops[i].b, n, 0, ops[i].c, n)
					reps[i]++
				}
			}()
		}
		wg.Wait()
		gf := float64(reps[0]+reps[1]) * 2 * n * n * n / time.Since(t0).Seconds() / 1e9
		s := median(step)
		fmt.Printf("%5d %8.0f %10.0f %10.0f %12.0f %28.2f\n", round, s, median(parts), median(update), gf, s*gf/1e3)
	}
}
