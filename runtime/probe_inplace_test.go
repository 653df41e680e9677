package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// TestProbeInPlace is a measuring tool, run only with NOX_PROBE_INPLACE
// set to moons, digits or d784 (go test ./runtime -run ProbeInPlace -v):
// on that configuration's MAF (bench_test.go's shapes, synthetic rows)
// it alternates two trainers and two scorers, one copying its masked
// weights in its prelude (no Params.ZeroMasked), the other reading them
// in place (ZeroMasked, and inPlaceMinBytes 0 so that a trainer does
// whatever their size), at the default GOMAXPROCS, and prints the
// minimum over the rounds of a training step and of a 1000-row (d784:
// 512-row) log-density, in float64 and float32. The minimum of
// alternated runs in one process, the two taking turns to go first, puts
// both under the same conditions. With NOX_PROBE_KEPT=1 the copying
// trainer has ZeroMasked too, so that its update keeps the copies
// (maskkeep.go), as a trainer below inPlaceMinBytes does, and the probe
// prints, instead, the median and minimum steps of the two trainers and
// in how many rounds the one reading in place was faster (no scorers:
// both would read in place).
// NOX_PROBE_HIDDEN sets the hidden units (digits: sizes between moons'
// and digits' masked weights). Figures quoted in bench/README.md.
func TestProbeInPlace(t *testing.T) {
	cfg := os.Getenv("NOX_PROBE_INPLACE")
	if cfg == "" {
		t.Skip("a measuring tool: NOX_PROBE_INPLACE=moons|digits|d784")
	}
	defer func(n int) { inPlaceMinBytes = n }(inPlaceMinBytes)
	kept := os.Getenv("NOX_PROBE_KEPT") == "1"
	dim, hidden, batch, rounds := 2, 100, 256, 300
	switch cfg {
	case "digits":
		dim, hidden, rounds = 64, 512, 60
	case "d784":
		dim, hidden, batch, rounds = 784, 1024, 128, 12
	}
	if h := probeCount("NOX_PROBE_HIDDEN", 0); h > 0 {
		hidden = h
	}
	m := madeModel(t, 5, hidden, dim)
	data := randomRows(2000, dim, 3)
	rows := min(4*batch, 1000)
	for _, dt := range []DType{Float64, Float32} {
		var trs [2]*Trainer
		var mps [2]*Mapper
		for v := range 2 {
			ps := NewParams(m.Params)
			ps.DType = dt
			inPlaceMinBytes = 0
			if v == 1 || kept {
				ps.ZeroMasked(modelPrograms(m)...)
			}
			if v == 0 && kept {
				inPlaceMinBytes = math.MaxInt
			}
			ps.Init(rand.New(rand.NewPCG(0, 0)))
			tr, err := NewTrainer(m.Grad, ps, data, dim, batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(0, 0)))
			if err != nil {
				t.Fatal(err)
			}
			trs[v] = tr
			if !kept {
				mps[v] = NewMapper(m.LogProb, ps, "logp", rows, nil)
			}
		}
		var logp [2]time.Duration
		lp := make([]float64, rows)
		steps, faster := alternateSteps(trs, rounds, func(v int) {
			if kept {
				return
			}
			t0 := time.Now()
			for range 10 {
				mps[v].Map(lp, data, rows)
			}
			if d := time.Since(t0) / 10; logp[v] == 0 || d < logp[v] {
				logp[v] = d
			}
		})
		for v := range 2 {
			trs[v].Close()
			if mps[v] != nil {
				mps[v].Close()
			}
		}
		step := [2]time.Duration{steps[0][0], steps[1][0]}
		if kept {
			fmt.Printf("%s hidden %d %v: median step kept copies %v, in place %v (%.3f); minimum %v, %v; in place faster in %d of %d rounds\n", cfg, hidden, dt,
				steps[0][rounds/2], steps[1][rounds/2], float64(steps[1][rounds/2])/float64(steps[0][rounds/2]), step[0], step[1], faster, rounds)
			continue
		}
		fmt.Printf("%s %v: step copy %v, in place %v (%.3f); log-density copy %v, in place %v (%.3f)\n", cfg, dt,
			step[0], step[1], float64(step[1])/float64(step[0]), logp[0], logp[1], float64(logp[1])/float64(logp[0]))
	}
}
