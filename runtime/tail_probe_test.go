package runtime

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// TestProbeTail times every training step of the digits MAF (the 784-d
// one with NOX_PROBE_DIMS=784), NOX_PROBE_STEPS of them (default 2000),
// and prints their distribution: the mean, which the suite's Go benchmark
// measures, beside the median, which the phase probe (TestProbePhases)
// prints, and how much of the whole run the steps above the median cost,
// in all and in steps whose parts ran solo (team.adapt). On a quiet
// machine it tells whether the benchmark's figure is the steps' work or
// the host's interruptions.
func TestProbeTail(t *testing.T) {
	probeOnly(t)
	dim, hidden, batch := 64, 512, 256
	if os.Getenv("NOX_PROBE_DIMS") == "784" {
		dim, hidden, batch = 784, 1024, 128
	}
	n := probeCount("NOX_PROBE_STEPS", 2000)
	m, ps := probeMAF(t, dim, hidden)
	tr, err := NewTrainer(m.Grad, ps, randomRows(2000, dim, 3), dim, batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.Step()
	d := make([]float64, n) // µs
	solo := make([]bool, n)
	t0 := time.Now()
	for i := range d {
		s := tr.team.stats.soloRuns
		a := time.Now()
		tr.Step()
		d[i] = float64(time.Since(a).Nanoseconds()) / 1e3
		solo[i] = tr.team.stats.soloRuns > s
	}
	total := float64(time.Since(t0).Nanoseconds()) / 1e3
	s := slices.Clone(d)
	slices.Sort(s)
	med := s[n/2]
	var excess, soloExcess float64
	solos := 0
	for i, v := range d {
		if v > med {
			excess += v - med
		}
		if solo[i] {
			solos++
			soloExcess += v - med
		}
	}
	fmt.Printf("D=%d, %d steps (µs): mean %.0f, median %.0f, p10 %.0f, p90 %.0f, p99 %.0f, max %.0f; above the median: %.1f %% of the run; %d steps with solo parts, %.1f %% of the run above the median; team %+v\n",
		dim, n, total/float64(n), med, s[n/10], s[n*9/10], s[n*99/100], s[n-1], 100*excess/total, solos, 100*soloExcess/total, tr.team.stats)
}
