package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// restrictedTrainer lowers layers over 2 columns and returns a trainer on
// rows of (0, 1)² (integers in [0, 15] for a leading Dequantize), batch
// 256: a flow with a restricted stage, whose support test must cost no
// allocation and no measurable time.
func restrictedTrainer(tb testing.TB, layers []string, args []stdlib.Args, ints bool) *runtime.Trainer {
	var st []compiler.Stage
	for i, name := range layers {
		spec := stdlib.Lookup(name)
		st = append(st, compiler.Stage{Spec: spec, Args: spec.Bind(args[i]), Name: name})
	}
	m, err := compiler.Lower("flow", st, 2, compiler.Options{})
	if err != nil {
		tb.Fatal(err)
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
		tb.Fatal(err)
	}
	return tr
}

// benchRestricted measures a training step of restrictedTrainer's flow.
func benchRestricted(b *testing.B, layers []string, args []stdlib.Args, ints bool) {
	tr := restrictedTrainer(b, layers, args, ints)
	defer tr.Close()
	tr.Step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// TestRestrictedStepAllocates: a training step of a flow with Logit and
// Dequantize stages allocates nothing, and its loss is finite on rows in
// their domains.
func TestRestrictedStepAllocates(t *testing.T) {
	tr := restrictedTrainer(t, []string{"Dequantize", "Logit", "MAF", "Gaussian"},
		[]stdlib.Args{{"scale": {16}}, nil, {"hidden": {16}}, nil}, true)
	defer tr.Close()
	tr.Step()
	loss := 0.0
	if n := testing.AllocsPerRun(20, func() { loss = tr.Step() }); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
	if math.IsInf(loss, 0) || math.IsNaN(loss) {
		t.Errorf("loss %v on rows inside the domains", loss)
	}
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
