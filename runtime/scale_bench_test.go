package runtime_test

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"
	"time"

	"github.com/noxlang/nox/runtime"
)

// BenchmarkScaling measures the speed-up from GOMAXPROCS 1 to 2 of each
// large configuration's training step, log-prob chunk and sample draw,
// within one process: bursts of about 100 ms alternate 1, 2, 2, 1 on the
// same trainer or mapper, and a round's speed-up is its two 1-core bursts'
// time over its two 2-core bursts' (the same work). On this VM one core's
// speed drifts by up to 2× over seconds, so separate processes minutes
// apart measure the drift as much as the cores; bursts this short, in
// this order, see about the same machine. Reported: the median over the
// rounds ("speedup"), and the lowest and highest round.
//
//	go test ./runtime -run '^$' -bench Scaling -benchtime 1x
func BenchmarkScaling(b *testing.B) {
	for _, c := range []benchConfig{digits, digits.in32(), d784, d784.in32()} {
		for _, kind := range []string{"TrainStep", "LogProb", "Sample"} {
			b.Run(kind+c.name, func(b *testing.B) {
				op, done := scalingOp(b, c, kind)
				defer done()
				r := alternate(b, 100*time.Millisecond, []burst{{1, op}, {2, op}})[1]
				b.ReportMetric(r[len(r)/2], "speedup")
				b.ReportMetric(r[0], "min")
				b.ReportMetric(r[len(r)-1], "max")
			})
		}
	}
}

// BenchmarkParts measures what splitting a Mapper's chunks into parts
// sized for the cache (eval.go, mapParts) gives over one part per team
// member, on the draws of the large configurations (784-d in draws of 512
// rows, as a user's would be; the suite's 64 make two parts either way),
// at GOMAXPROCS 1 and 2, in alternating bursts of about 50 ms. Reported:
// the median over rounds of each one's speed over one part per member's
// at GOMAXPROCS 1 ("planned-1", "planned-2", "halves-2").
//
//	go test ./runtime -run '^$' -bench Parts -benchtime 1x
func BenchmarkParts(b *testing.B) {
	d784Big := d784
	d784Big.name, d784Big.eval = "D784x512", 512
	for _, c := range []benchConfig{digits, digits.in32(), d784Big, d784Big.in32()} {
		b.Run("Sample"+c.name, func(b *testing.B) {
			restore := runtime.SetMapParts(1<<62, 1<<30, 1, 1<<30) // one part per member
			halves, done := scalingOp(b, c, "Sample")
			restore()
			defer done()
			planned, done2 := scalingOp(b, c, "Sample")
			defer done2()
			r := alternate(b, 50*time.Millisecond, []burst{{1, halves}, {2, halves}, {1, planned}, {2, planned}})
			b.ReportMetric(r[1][len(r[1])/2], "halves-2")
			b.ReportMetric(r[2][len(r[2])/2], "planned-1")
			b.ReportMetric(r[3][len(r[3])/2], "planned-2")
		})
	}
}

// burst is an operation run at a GOMAXPROCS.
type burst struct {
	procs int
	op    func()
}

// alternate runs bursts of each operation in turn, forward then backward
// (so a drift of the machine's speed weighs on all alike), 12 rounds per
// b.N; a burst is as many operations as the first takes about d to run.
// It returns, per operation, the sorted ratios over rounds of the first
// operation's time to its own.
func alternate(b *testing.B, d time.Duration, bursts []burst) [][]float64 {
	const rounds = 12
	prev := goruntime.GOMAXPROCS(0)
	defer goruntime.GOMAXPROCS(prev)
	for _, x := range bursts { // warm up
		goruntime.GOMAXPROCS(x.procs)
		x.op()
	}
	goruntime.GOMAXPROCS(bursts[0].procs)
	n, start := 0, time.Now()
	for time.Since(start) < d {
		bursts[0].op()
		n++
	}
	run := func(x burst) float64 {
		goruntime.GOMAXPROCS(x.procs)
		t := time.Now()
		for range n {
			x.op()
		}
		return time.Since(t).Seconds()
	}
	ratios := make([][]float64, len(bursts))
	b.ResetTimer()
	for range b.N * rounds {
		ts := make([]float64, len(bursts))
		for i := range bursts {
			ts[i] += run(bursts[i])
		}
		for i := len(bursts) - 1; i >= 0; i-- {
			ts[i] += run(bursts[i])
		}
		for i := range bursts {
			ratios[i] = append(ratios[i], ts[0]/ts[i])
		}
	}
	for _, r := range ratios {
		slices.Sort(r)
	}
	return ratios
}

// scalingOp returns one operation of the kind on c, and a function that
// releases it.
func scalingOp(b testing.TB, c benchConfig, kind string) (op, done func()) {
	switch kind {
	case "TrainStep":
		tr := c.trainer(b)
		return func() { tr.Step() }, tr.Close
	case "LogProb":
		m := c.model(b)
		data := c.data(b)[:c.eval*c.dim]
		out := make([]float64, c.eval)
		mp := runtime.NewMapper(m.LogProb, c.params(m), "logp", c.eval, nil)
		return func() { mp.Map(out, data, c.eval) }, mp.Close
	case "Sample":
		m := c.model(b)
		out := make([]float64, c.eval*c.dim)
		mp := runtime.NewMapper(m.Sample, c.params(m), "x", c.eval, rand.New(rand.NewPCG(1, 1)))
		return func() { mp.Map(out, nil, c.eval) }, mp.Close
	}
	panic(fmt.Sprint("no operation ", kind))
}
