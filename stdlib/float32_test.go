package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
)

// Tolerances of the float32 checks. float32 carries 24 bits (a relative
// rounding error of 6e-8 per operation); a layer's value passes through a
// few hundred operations and through exp, so its error relative to the
// float64 value's magnitude stays far below f32Tol; gradients, which sum
// over a batch, are compared as whole vectors.
// The round trip is looser: forward rounds z to float32, and an
// ill-conditioned inverse (tanh's near ±1, where ∂x/∂z = 1/(1-z²))
// multiplies that rounding.
const (
	f32Tol          = 2e-4
	f32RoundTripTol = 2e-3
	f32GradTol      = 2e-4
)

// run32 is run in float32: inputs and outputs are converted at the edges.
func run32(m *ir.Program, ps *runtime.Params, in, ctx []float64, n int, out string, seed uint64) []float64 {
	e := runtime.NewExec[float32](m, ps, n, rand.New(rand.NewPCG(seed, 7)))
	for i, inp := range m.Inputs {
		src := in
		if inp.Name == "c" {
			src = ctx
		}
		dst := e.Input(i)
		for j := range dst {
			dst[j] = float32(src[j])
		}
	}
	e.Run()
	var res []float64
	for _, v := range e.Output(out) {
		res = append(res, float64(v))
	}
	return res
}

// round32 rounds each value to float32.
func round32(v []float64) []float64 {
	for i, x := range v {
		v[i] = float64(float32(x))
	}
	return v
}

// relErr is max |got - want| / (1 + |want|).
func relErr(got, want []float64) float64 {
	w := 0.0
	for i := range want {
		w = max(w, math.Abs(got[i]-want[i])/(1+math.Abs(want[i])))
		if math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			return math.Inf(1)
		}
	}
	return w
}

// TestLayerFloat32 runs every harness case in float32 and checks it
// against float64: the forward map and its log-det, the inverse (and the
// round trip in float32), the log-density and the derived gradients of
// the training loss.
func TestLayerFloat32(t *testing.T) {
	for _, c := range harnessCases() {
		t.Run(c.name, func(t *testing.T) {
			m, ps := lower(t, c, c.std())
			rng := rand.New(rand.NewPCG(11, 12))
			const n = 32
			// Inputs are float32 values, so that both runs see the same
			// numbers: what is compared is the arithmetic, not the
			// rounding of an input amplified by an ill-conditioned map
			// (tanh's inverse near ±1).
			x := round32(c.inputs(rng, n, 1))
			ctx := round32(randRows(rng, n, c.ctx, 1))
			worst := 0.0
			check := func(what string, got, want []float64, tol float64) {
				t.Helper()
				e := relErr(got, want)
				if tol == f32Tol {
					worst = max(worst, e)
				}
				if e > tol {
					t.Errorf("%s: float32 differs from float64 by %.3g relative (limit %g)", what, e, tol)
				}
			}
			z := round32(run(m.Forward, ps, x, ctx, n, "z", 0))
			check("forward z", run32(m.Forward, ps, x, ctx, n, "z", 0), run(m.Forward, ps, x, ctx, n, "z", 0), f32Tol)
			if m.Forward.Output("logdet") != ir.None {
				check("forward logdet", run32(m.Forward, ps, x, ctx, n, "logdet", 0), run(m.Forward, ps, x, ctx, n, "logdet", 0), f32Tol)
			}
			check("inverse", run32(m.Inverse, ps, z, ctx, n, "x", 0), run(m.Inverse, ps, z, ctx, n, "x", 0), f32Tol)
			z32 := run32(m.Forward, ps, x, ctx, n, "z", 0)
			rt := relErr(run32(m.Inverse, ps, z32, ctx, n, "x", 0), x)
			defer func() { t.Logf("float32 round trip %.2g", rt) }()
			check("round trip", run32(m.Inverse, ps, z32, ctx, n, "x", 0), x, f32RoundTripTol)
			check("log-density", run32(m.LogProb, ps, x, ctx, n, "logp", 0), run(m.LogProb, ps, x, ctx, n, "logp", 0), f32Tol)
			gw, gg := 0.0, 0.0
			for _, p := range m.Params {
				if p.State {
					continue
				}
				g64 := run(m.Grad, ps, x, ctx, n, ir.GradPrefix+p.Name, 42)
				g32 := run32(m.Grad, ps, x, ctx, n, ir.GradPrefix+p.Name, 42)
				for j := range g64 {
					d := g32[j] - g64[j]
					gw += d * d
					gg += g64[j] * g64[j]
				}
			}
			ge := math.Sqrt(gw / max(gg, 1e-12))
			if ge > f32GradTol || math.IsNaN(ge) {
				t.Errorf("gradient: float32 differs from float64 by %.3g in norm, relative (limit %g)", ge, f32GradTol)
			}
			t.Logf("worst float32 error %.2g (values), %.2g (gradient)", worst, ge)
		})
	}
}
