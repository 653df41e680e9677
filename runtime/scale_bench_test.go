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
				benchScaling(b, op)
			})
		}
	}
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

func benchScaling(b *testing.B, op func()) {
	const rounds, burst = 12, 100 * time.Millisecond
	prev := goruntime.GOMAXPROCS(2)
	defer goruntime.GOMAXPROCS(prev)
	// Warm up, and size a burst: ops that take about burst on one core.
	goruntime.GOMAXPROCS(1)
	op()
	n, start := 0, time.Now()
	for time.Since(start) < burst {
		op()
		n++
	}
	run := func(p int) time.Duration {
		goruntime.GOMAXPROCS(p)
		t := time.Now()
		for range n {
			op()
		}
		return time.Since(t)
	}
	var ratios []float64
	b.ResetTimer()
	for range b.N {
		for range rounds {
			one := run(1)
			two := run(2) + run(2)
			one += run(1)
			ratios = append(ratios, one.Seconds()/two.Seconds())
		}
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "speedup")
	b.ReportMetric(ratios[0], "min")
	b.ReportMetric(ratios[len(ratios)-1], "max")
}
