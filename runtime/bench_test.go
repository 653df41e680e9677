package runtime_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// moonsModel lowers the foundation configuration: 5 MAF layers with one
// hidden layer of 100 units, Reverse between them, a Gaussian prior.
func moonsModel(tb testing.TB, layers, hidden, dim int) *compiler.Model {
	tb.Helper()
	maf, rev, g := stdlib.Lookup("MAF"), stdlib.Lookup("Reverse"), stdlib.Lookup("Gaussian")
	var stages []compiler.Stage
	for i := range layers {
		stages = append(stages, compiler.Stage{Spec: maf, Args: maf.Bind(stdlib.Args{"hidden": {float64(hidden)}}), Name: fmt.Sprintf("maf%d", i+1)})
		if i < layers-1 {
			stages = append(stages, compiler.Stage{Spec: rev, Args: rev.Bind(nil), Name: fmt.Sprintf("reverse%d", i+1)})
		}
	}
	stages = append(stages, compiler.Stage{Spec: g, Args: g.Bind(nil), Name: "gaussian1"})
	std := &compiler.Standardize{}
	for range dim {
		std.Mean = append(std.Mean, 0.1)
		std.Std = append(std.Std, 1.3)
	}
	m, err := compiler.Lower("flow", stages, dim, compiler.Options{Std: std})
	if err != nil {
		tb.Fatal(err)
	}
	return m
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

func newMoonsTrainer(tb testing.TB) *runtime.Trainer {
	m := moonsModel(tb, 5, 100, 2)
	rng := rand.New(rand.NewPCG(0, 0))
	ps := runtime.NewParams(m.Params)
	ps.Init(rng)
	tr, err := runtime.NewTrainer(m.Grad, ps, moonsData(tb), 2, 256, runtime.DefaultAdam(1e-3), rng)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// BenchmarkTrainStepMoons is one Adam step of the moons MAF (5 layers,
// hidden 100, batch 256): draw, forward, derived backward, update.
func BenchmarkTrainStepMoons(b *testing.B) {
	tr := newMoonsTrainer(b)
	tr.Step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkLogProbMoons scores 1000 rows per op.
func BenchmarkLogProbMoons(b *testing.B) {
	m := moonsModel(b, 5, 100, 2)
	ps := runtime.NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(0, 0)))
	data := moonsData(b)[:2000]
	out := make([]float64, 1000)
	mp := runtime.NewMapper(m.LogProb, ps, "logp", 1000, nil)
	b.ReportAllocs()
	for b.Loop() {
		mp.Map(out, data, 1000)
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSampleMoons draws 1000 samples per op.
func BenchmarkSampleMoons(b *testing.B) {
	m := moonsModel(b, 5, 100, 2)
	ps := runtime.NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(0, 0)))
	out := make([]float64, 2000)
	mp := runtime.NewMapper(m.Sample, ps, "x", 1000, rand.New(rand.NewPCG(1, 1)))
	b.ReportAllocs()
	for b.Loop() {
		mp.Map(out, nil, 1000)
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// TestTrainStepAllocs asserts the steady-state training step allocates
// nothing.
func TestTrainStepAllocs(t *testing.T) {
	tr := newMoonsTrainer(t)
	tr.Step()
	if a := testing.AllocsPerRun(20, func() { tr.Step() }); a != 0 {
		t.Fatalf("training step allocates %v times", a)
	}
}

// TestLogProbAllocs asserts batched scoring allocates nothing.
func TestLogProbAllocs(t *testing.T) {
	m := moonsModel(t, 2, 16, 2)
	ps := runtime.NewParams(m.Params)
	data := moonsData(t)[:600]
	out := make([]float64, 300)
	mp := runtime.NewMapper(m.LogProb, ps, "logp", 128, nil)
	if a := testing.AllocsPerRun(10, func() { mp.Map(out, data, 300) }); a != 0 {
		t.Fatalf("log-prob allocates %v times", a)
	}
}
