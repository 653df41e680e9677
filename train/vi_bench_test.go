package train

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
)

// fitOf compiles a program whose one action is a fit statement.
func fitOf(tb testing.TB, src string) *compiler.Fit {
	tb.Helper()
	f, err := lang.Parse("vi.nox", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := compiler.Check(f, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return p.Actions[len(p.Actions)-1].(*compiler.Fit)
}

const u1Planar32 = `density U1(z: 2) = -0.5 * ((norm(z) - 2) / 0.4)^2
    + logsumexp(-0.5 * ((z[0] - 2) / 0.6)^2, -0.5 * ((z[0] + 2) / 0.6)^2)
flow = repeat(32, Inverse(Planar)) |> Gaussian
fit flow to U1 { batch = 256, anneal = 100, dtype = "%s" }
`

func newU1(tb testing.TB, dtype string) *variational {
	fit := fitOf(tb, fmtSrc(u1Planar32, dtype))
	vi, err := fit.Lower()
	if err != nil {
		tb.Fatal(err)
	}
	v, err := newVariational(vi, nil, fit.Opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { v.tr.Close(); v.draws.Close() })
	return v
}

func fmtSrc(s, dtype string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if i+1 < len(s) && s[i] == '%' && s[i+1] == 's' {
			out = append(out, dtype...)
			i++
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// TestVIStepAllocates nothing: a fit's step (β set, draws, gradient,
// Adam) allocates nothing, in float64 and float32.
func TestVIStepAllocatesNothing(t *testing.T) {
	for _, dt := range []string{"float64", "float32"} {
		v := newU1(t, dt)
		v.Step(1e-3)
		if n := testing.AllocsPerRun(20, func() { v.Step(1e-3) }); n != 0 {
			t.Errorf("%s: a fit step allocates %v times", dt, n)
		}
	}
}

// BenchmarkVIStep is one step of the planar flow of K = 32 layers on U1,
// batch 256: the speed acceptance configuration of issue 18.
func BenchmarkVIStep(b *testing.B) {
	for _, dt := range []string{"float64", "float32"} {
		b.Run(dt, func(b *testing.B) {
			v := newU1(b, dt)
			b.ReportAllocs()
			for b.Loop() {
				v.Step(1e-3)
			}
		})
	}
}

// TestVariationalDeterministic: the same fit gives bit-identical
// parameters and estimates on one core and on two.
func TestVariationalDeterministic(t *testing.T) {
	src := `density U1(z: 2) = -0.5 * ((norm(z) - 2) / 0.4)^2
    + logsumexp(-0.5 * ((z[0] - 2) / 0.6)^2, -0.5 * ((z[0] + 2) / 0.6)^2)
flow = repeat(4, Inverse(Planar)) |> Inverse(AffineCoupling(8)) |> Gaussian
fit flow to U1 { steps = 60, batch = 200, anneal = 30, samples = 5000, eval_every = 20, dtype = "float32" }
`
	var runs []*VIResult
	for _, procs := range []int{1, 2} {
		prev := goruntime.GOMAXPROCS(procs)
		fit := fitOf(t, src)
		vi, err := fit.Lower()
		if err != nil {
			t.Fatal(err)
		}
		res, err := Variational(context.Background(), vi, nil, fit.Opts, Hooks{})
		goruntime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, res)
	}
	a, b := runs[0], runs[1]
	if a.Report.ELBO != b.Report.ELBO || a.Report.LogZ != b.Report.LogZ || a.Report.BestStep != b.Report.BestStep {
		t.Errorf("one core: ELBO %v, log Z %v, best step %d; two: %v, %v, %d", a.Report.ELBO, a.Report.LogZ, a.Report.BestStep, b.Report.ELBO, b.Report.LogZ, b.Report.BestStep)
	}
	for i := range a.Params.Data {
		if a.Params.Data[i] != b.Params.Data[i] {
			t.Fatalf("parameter %d: %v on one core, %v on two", i, a.Params.Data[i], b.Params.Data[i])
		}
	}
}

// BenchmarkVIDraw is 4096 draws of the planar flow of K = 32 layers with
// their log q and log p̃ (U1): the estimates' inner loop.
func BenchmarkVIDraw(b *testing.B) {
	for _, dt := range []string{"float64", "float32"} {
		b.Run(dt, func(b *testing.B) {
			v := newU1(b, dt)
			b.ReportAllocs()
			for b.Loop() {
				v.draw(viValidation)
			}
			b.ReportMetric(float64(viValidation)*float64(b.N)/b.Elapsed().Seconds(), "draws/s")
		})
	}
}

// TestVIFuncStepAllocatesNothing: a step of a fit to a Go function (the
// draws, the function at each, the surrogate's step) allocates nothing
// of its own.
func TestVIFuncStepAllocatesNothing(t *testing.T) {
	fit := fitOf(t, fmtSrc(u1Planar32, "float32"))
	m, err := compiler.Lower("flow", fit.Flow.StageList(), 2, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vi, err := compiler.LowerVIFunc(m, fit.Opts)
	if err != nil {
		t.Fatal(err)
	}
	gauss := func(x, g []float64) float64 {
		s := 0.0
		for i, v := range x {
			g[i] = -v
			s -= v * v / 2
		}
		return s
	}
	v, err := newVariational(vi, gauss, fit.Opts)
	if err != nil {
		t.Fatal(err)
	}
	defer v.tr.Close()
	defer v.draws.Close()
	v.Step(1e-3)
	if n := testing.AllocsPerRun(20, func() { v.Step(1e-3) }); n != 0 {
		t.Errorf("a step of a Go function's fit allocates %v times", n)
	}
}
