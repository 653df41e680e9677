package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// benchRestricted lowers layers over 2 columns and trains it on rows of
// (0, 1)² (integers in [0, 15] for a leading Dequantize): the cost of a
// training step of a flow with a restricted stage, which the support
// test must not slow down.
func benchRestricted(b *testing.B, layers []string, args []stdlib.Args, ints bool) {
	var st []compiler.Stage
	for i, name := range layers {
		spec := stdlib.Lookup(name)
		st = append(st, compiler.Stage{Spec: spec, Args: spec.Bind(args[i]), Name: name})
	}
	m, err := compiler.Lower("flow", st, 2, compiler.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([]float64, 2000*2)
	for i := range rows {
		if ints {
			rows[i] = float64(rng.IntN(16))
		} else {
			rows[i] = 1 / (1 + math.Exp(-rng.NormFloat64()))
		}
	}
	ps := runtime.NewParams(m.Params)
	ps.Init(rng)
	tr, err := runtime.NewTrainer(m.Grad, ps, rows, 2, 256, runtime.DefaultAdam(1e-3), rng)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	tr.Step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkTrainStepLogitMAF is one Adam step of Logit |> MAF(100) |>
// Gaussian at batch 256.
func BenchmarkTrainStepLogitMAF(b *testing.B) {
	benchRestricted(b, []string{"Logit", "MAF", "Gaussian"}, []stdlib.Args{nil, {"hidden": {100}}, nil}, false)
}

// BenchmarkTrainStepDequantizeMAF is one Adam step of Dequantize(scale =
// 16) |> Logit |> MAF(100) |> Gaussian at batch 256.
func BenchmarkTrainStepDequantizeMAF(b *testing.B) {
	benchRestricted(b, []string{"Dequantize", "Logit", "MAF", "Gaussian"},
		[]stdlib.Args{{"scale": {16}}, nil, {"hidden": {100}}, nil}, true)
}
