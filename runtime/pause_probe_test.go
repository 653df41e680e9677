package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestProbeUpdatePause is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeUpdatePause -v). It asks why the update of a
// digits float32 step takes about two and a half times as long inside
// the step as when it runs again and again: it times the update alone (Adam over
// every range, the step counters advanced, the last step's gradients
// reused) right after the previous update, and after the caller has spun
// for a pause that touches no memory and runs no vector code, on the
// caller alone and on the team. Two controls run the same pauses: an
// L1-resident vector kernel (exp over 4096 float32, 40 times: AVX-512
// where the machine has it), which
// would slow down if the vector units were powered down while idle, and
// a plain read of 8 and 16 MB, one word a cache line, which would slow
// down if other tenants emptied the shared L3 of a buffer this size
// within the pause. Figures in bench/README.md.
func TestProbeUpdatePause(t *testing.T) {
	probeOnly(t)
	pauses := []time.Duration{0, 100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 3 * time.Millisecond}
	spin := func(d time.Duration) {
		for s := time.Now(); time.Since(s) < d; {
		}
	}
	report := func(what string, d time.Duration, ts []float64) {
		slices.Sort(ts)
		fmt.Printf("    %-22s pause %-6v median %6.1f µs  p10 %6.1f  p90 %6.1f\n", what, d, ts[len(ts)/2], ts[len(ts)/10], ts[len(ts)*9/10])
	}
	since := func(s time.Time) float64 { return float64(time.Since(s).Nanoseconds()) / 1e3 }

	m, ps := probeMAF(t, 64, 512)
	tr, err := NewTrainer(m.Grad, ps, randomRows(2000, 64, 3), 64, 256, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for range 20 {
		tr.Step()
	}
	fmt.Println("digits float32 update alone, after a pause of the caller's:")
	for _, solo := range []bool{true, false} {
		what := "update, team"
		if solo {
			what = "update, caller alone"
		}
		for _, d := range pauses {
			var ts []float64
			for range 400 {
				spin(d)
				tr.advance()
				tr.phase = 2
				s := time.Now()
				if solo {
					tr.runRanges = tr.allRanges
					for j := range tr.allRanges {
						tr.work(0, j)
					}
				} else {
					tr.update(tr.allRanges, updateRun)
				}
				ts = append(ts, since(s))
			}
			report(what, d, ts)
		}
	}

	// The float32 exp kernel: the AVX-512 one where the machine has it.
	exp := kernelsFor[float32]().exp
	a, out := make([]float32, 4096), make([]float32, 4096)
	for i := range a {
		a[i] = float32(i%100) / 50
	}
	fmt.Printf("control: exp over 4096 float32 in L1, 40 times (AVX-512: %v):\n", useAVX512)
	for _, d := range pauses {
		var ts []float64
		for range 300 {
			spin(d)
			s := time.Now()
			for range 40 {
				exp(out, a)
			}
			ts = append(ts, since(s))
		}
		report("exp", d, ts)
	}

	fmt.Println("control: a read of one word a cache line:")
	for _, mb := range []int{8, 16} {
		buf := make([]uint64, mb<<20/8)
		for i := range buf {
			buf[i] = uint64(i)
		}
		for _, d := range pauses {
			var ts []float64
			for range 100 {
				spin(d)
				s := time.Now()
				for i := 0; i < len(buf); i += 8 {
					pauseSink += buf[i]
				}
				ts = append(ts, since(s))
			}
			report(fmt.Sprintf("read %d MB", mb), d, ts)
		}
	}
}

// pauseSink keeps the probe's reads from being compiled away.
var pauseSink uint64
