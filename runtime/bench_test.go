package runtime_test

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/runtime"
)

// benchConfig is one configuration of the benchmark suite (bench/suite):
// a MAF of layers MADE layers with one hidden layer each, Reverse between
// them and a Gaussian prior, trained on batches of batch rows of dim
// columns, scored in chunks of and sampled in draws of eval rows.
type benchConfig struct {
	name                string
	dim, layers, hidden int
	batch, eval         int
	data                func(tb testing.TB) []float64
	stepRuns            int // runs of the training-step allocation test
	dtype               runtime.DType
}

// in32 is c in float32.
func (c benchConfig) in32() benchConfig {
	c.name += "32"
	c.dtype = runtime.Float32
	return c
}

// params allocates and initialises c's parameters in c's dtype.
func (c benchConfig) params(m *compiler.Model) *runtime.Params {
	ps := runtime.NewParams(m.Params)
	ps.DType = c.dtype
	zeroMasked(ps, m)
	ps.Init(rand.New(rand.NewPCG(0, 0)))
	return ps
}

// zeroMasked declares m's programs to ps, as train.Likelihood does, so
// that the masked weights are read in place (Params.ZeroMasked);
// NOX_PROBE_COPY=1 leaves them copied, as the probes do.
func zeroMasked(ps *runtime.Params, m *compiler.Model) {
	if os.Getenv("NOX_PROBE_COPY") == "1" {
		return
	}
	ps.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad, m.Sample, m.Init)
}

var (
	// moons is the foundation configuration on the two-moons data.
	moons = benchConfig{name: "Moons", dim: 2, layers: 5, hidden: 100, batch: 256, eval: 1000, data: moonsData, stepRuns: 20}
	// digits has the shapes of the 8×8 digits (64 columns, hidden 512).
	digits = benchConfig{name: "Digits", dim: 64, layers: 5, hidden: 512, batch: 256, eval: 1000, data: synthData(64), stepRuns: 10}
	// d784 has the shapes of 28×28 images (hidden 1024, batch 128),
	// scored and sampled in chunks of 64 rows (two shards of 32), as the
	// reference, whose sampling takes 784 network passes per layer.
	d784 = benchConfig{name: "D784", dim: 784, layers: 5, hidden: 1024, batch: 128, eval: 64, data: synthData(784), stepRuns: 3}
)

// mafModel lowers a MAF of the given size (runtime.MAFModel) on data
// standardized with mean 0.1 and standard deviation 1.3 per column.
func mafModel(tb testing.TB, layers, hidden, dim int) *compiler.Model {
	tb.Helper()
	std := &compiler.Standardize{}
	for range dim {
		std.Mean = append(std.Mean, 0.1)
		std.Std = append(std.Std, 1.3)
	}
	return runtime.MAFModel(tb, layers, hidden, dim, std)
}

// moonsModel lowers the foundation configuration's shape: 5 MAF layers
// with one hidden layer of 100 units on 2 columns, by default.
func moonsModel(tb testing.TB, layers, hidden, dim int) *compiler.Model {
	return mafModel(tb, layers, hidden, dim)
}

func (c benchConfig) model(tb testing.TB) *compiler.Model {
	return mafModel(tb, c.layers, c.hidden, c.dim)
}

func moonsData(tb testing.TB) []float64 {
	f, err := os.Open("../examples/data/moons.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	t, err := dataset.ReadCSV(f)
	if err != nil {
		tb.Fatal(err)
	}
	return t.Values
}

// synthData returns 2000 rows of dim standard normal columns: the cost of
// a step does not depend on the values, only on the shapes.
func synthData(dim int) func(testing.TB) []float64 {
	return func(testing.TB) []float64 {
		rng := rand.New(rand.NewPCG(7, uint64(dim)))
		v := make([]float64, 2000*dim)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
}

func (c benchConfig) trainer(tb testing.TB) *runtime.Trainer {
	return c.trainerWith(tb, runtime.DefaultAdam(1e-3))
}

// trainerWith is trainer with the optimizer's settings given.
func (c benchConfig) trainerWith(tb testing.TB, opt runtime.Adam) *runtime.Trainer {
	m := c.model(tb)
	rng := rand.New(rand.NewPCG(0, 0))
	ps := runtime.NewParams(m.Params)
	ps.DType = c.dtype
	zeroMasked(ps, m)
	ps.Init(rng)
	tr, err := runtime.NewTrainer(m.Grad, ps, c.data(tb), c.dim, c.batch, opt, rng)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

func newMoonsTrainer(tb testing.TB) *runtime.Trainer { return moons.trainer(tb) }

// benchTrainStep is one Adam step: draw, forward, derived backward,
// update.
func benchTrainStep(b *testing.B, c benchConfig) {
	tr := c.trainer(b)
	tr.Step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// benchLogProb scores c.eval rows per op, in one chunk.
func benchLogProb(b *testing.B, c benchConfig) {
	m := c.model(b)
	ps := c.params(m)
	data := c.data(b)[:c.eval*c.dim]
	out := make([]float64, c.eval)
	mp := runtime.NewMapper(m.LogProb, ps, "logp", c.eval, nil)
	defer mp.Close()
	b.ReportAllocs()
	for b.Loop() {
		mp.Map(out, data, c.eval)
	}
	b.ReportMetric(float64(c.eval)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchSample draws c.eval samples per op.
func benchSample(b *testing.B, c benchConfig) {
	m := c.model(b)
	ps := c.params(m)
	out := make([]float64, c.eval*c.dim)
	mp := runtime.NewMapper(m.Sample, ps, "x", c.eval, rand.New(rand.NewPCG(1, 1)))
	defer mp.Close()
	b.ReportAllocs()
	for b.Loop() {
		mp.Map(out, nil, c.eval)
	}
	b.ReportMetric(float64(c.eval)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkTrainStepMoons is one Adam step of the moons MAF (5 layers,
// hidden 100, batch 256): draw, forward, derived backward, update.
func BenchmarkTrainStepMoons(b *testing.B) { benchTrainStep(b, moons) }

// BenchmarkLogProbMoons scores 1000 rows per op.
func BenchmarkLogProbMoons(b *testing.B) { benchLogProb(b, moons) }

// BenchmarkSampleMoons draws 1000 samples per op.
func BenchmarkSampleMoons(b *testing.B) { benchSample(b, moons) }

// BenchmarkTrainStepDigits is one Adam step of the digits MAF (64
// columns, 5 layers, hidden 512, batch 256).
func BenchmarkTrainStepDigits(b *testing.B) { benchTrainStep(b, digits) }

// BenchmarkLogProbDigits scores 1000 rows per op.
func BenchmarkLogProbDigits(b *testing.B) { benchLogProb(b, digits) }

// BenchmarkSampleDigits draws 1000 samples per op (64 passes per layer).
func BenchmarkSampleDigits(b *testing.B) { benchSample(b, digits) }

// BenchmarkTrainStepD784 is one Adam step of the 784-column MAF (5 layers,
// hidden 1024, batch 128).
func BenchmarkTrainStepD784(b *testing.B) { benchTrainStep(b, d784) }

// BenchmarkLogProbD784 scores 64 rows per op.
func BenchmarkLogProbD784(b *testing.B) { benchLogProb(b, d784) }

// BenchmarkSampleD784 draws 64 samples per op: 784 passes per layer, about
// 1.2 TFLOP, so run it with -benchtime 1x.
func BenchmarkSampleD784(b *testing.B) { benchSample(b, d784) }

// The same in float32 (dtype = float32).

func BenchmarkTrainStepMoons32(b *testing.B)  { benchTrainStep(b, moons.in32()) }
func BenchmarkLogProbMoons32(b *testing.B)    { benchLogProb(b, moons.in32()) }
func BenchmarkSampleMoons32(b *testing.B)     { benchSample(b, moons.in32()) }
func BenchmarkTrainStepDigits32(b *testing.B) { benchTrainStep(b, digits.in32()) }
func BenchmarkLogProbDigits32(b *testing.B)   { benchLogProb(b, digits.in32()) }
func BenchmarkSampleDigits32(b *testing.B)    { benchSample(b, digits.in32()) }
func BenchmarkTrainStepD78432(b *testing.B)   { benchTrainStep(b, d784.in32()) }
func BenchmarkLogProbD78432(b *testing.B)     { benchLogProb(b, d784.in32()) }
func BenchmarkSampleD78432(b *testing.B)      { benchSample(b, d784.in32()) }

// allConfigs are the benchmark configurations in both dtypes.
var allConfigs = []benchConfig{moons, digits, d784, moons.in32(), digits.in32(), d784.in32()}

// TestTrainStepAllocs asserts the steady-state training step allocates
// nothing, for each benchmark configuration.
func TestTrainStepAllocs(t *testing.T) {
	for _, c := range allConfigs {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.dim > 2 {
				t.Skip("large model")
			}
			tr := c.trainer(t)
			defer tr.Close()
			tr.Step()
			if a := testing.AllocsPerRun(c.stepRuns, func() { tr.Step() }); a != 0 {
				t.Fatalf("training step allocates %v times", a)
			}
		})
	}
}

// TestTrainStepAllocsClip asserts the same of a step with gradient
// clipping (nox clips by default; the norm phase) and weight decay, in
// both dtypes.
func TestTrainStepAllocsClip(t *testing.T) {
	opt := runtime.DefaultAdam(1e-3)
	opt.Clip, opt.WeightDecay = 1e-3, 1e-4 // small enough to clip every step
	for _, c := range []benchConfig{moons, moons.in32()} {
		tr := c.trainerWith(t, opt)
		defer tr.Close()
		tr.Step()
		if a := testing.AllocsPerRun(c.stepRuns, func() { tr.Step() }); a != 0 {
			t.Errorf("%s: training step with clipping allocates %v times", c.name, a)
		}
	}
}

// TestLogProbAllocs asserts batched scoring allocates nothing: a small
// model over a partial last chunk, and each benchmark configuration.
func TestLogProbAllocs(t *testing.T) {
	t.Run("Small", func(t *testing.T) {
		m := moonsModel(t, 2, 16, 2)
		ps := runtime.NewParams(m.Params)
		data := moonsData(t)[:600]
		out := make([]float64, 300)
		mp := runtime.NewMapper(m.LogProb, ps, "logp", 128, nil)
		defer mp.Close()
		if a := testing.AllocsPerRun(10, func() { mp.Map(out, data, 300) }); a != 0 {
			t.Fatalf("log-prob allocates %v times", a)
		}
	})
	for _, c := range allConfigs {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.dim > 2 {
				t.Skip("large model")
			}
			m := c.model(t)
			ps := c.params(m)
			n := c.eval + c.eval/2 + 1 // a full chunk and a padded one
			data := c.data(t)[:n*c.dim]
			out := make([]float64, n)
			mp := runtime.NewMapper(m.LogProb, ps, "logp", c.eval, nil)
			defer mp.Close()
			if a := testing.AllocsPerRun(5, func() { mp.Map(out, data, n) }); a != 0 {
				t.Fatalf("log-prob allocates %v times", a)
			}
		})
	}
}

// BenchmarkDrawNoiseDigits draws a digits minibatch (256 rows of 64
// columns) with dequantization noise in every column, as a noxc run of
// the digits file does in each step: the row picks on the trainer's
// goroutine, then the shards' copies with their noise, which in a step
// their tasks make on their own cores, here one after the other (so the
// time is the CPU time of both). Figures quoted in bench/README.md.
func BenchmarkDrawNoiseDigits(b *testing.B) {
	tr := digits.in32().trainer(b)
	defer tr.Close()
	w := make([]float64, digits.dim)
	for j := range w {
		w[j] = 0.5
	}
	tr.SetNoise(w)
	for b.Loop() {
		tr.DrawBatchForBench()
	}
}
