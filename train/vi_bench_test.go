package train

import (
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
