package stdlib_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// angleInputs draws rows whose angle columns are uniform in [-π, π) and
// whose other columns are normal at the scale (4: into the tails).
func angleInputs(angles []int) func(rng *rand.Rand, n, d int, scale float64) []float64 {
	return func(rng *rand.Rand, n, d int, scale float64) []float64 {
		x := make([]float64, n*d)
		for i := range x {
			if slices.Contains(angles, i%d) {
				x[i] = -math.Pi + 2*math.Pi*rng.Float64()
			} else {
				x[i] = scale * rng.NormFloat64()
			}
		}
		return x
	}
}

// circCase is a harness case of a circular flow over dim columns, the
// angles among them.
func circCase(name string, layers []string, args []stdlib.Args, dim, ctx int, angles []int) layerCase {
	return layerCase{name: name, layers: layers, args: args, dim: dim, ctx: ctx, angles: angles, input: angleInputs(angles)}
}

func init() {
	ar := []string{"CircularSpline", "Gaussian"}
	cp := []string{"CircularSplineCoupling", "Gaussian"}
	a := func(h, k float64) []stdlib.Args { return []stdlib.Args{{"hidden": {h}, "bins": {k}}, nil} }
	addCases(
		circCase("CircularSpline/d1", ar, a(4, 3), 1, 0, []int{0}),
		circCase("CircularSpline/torus-d2", ar, a(6, 4), 2, 0, []int{0, 1}),
		circCase("CircularSpline/cylinder-d2", ar, a(6, 3), 2, 0, []int{0}),
		circCase("CircularSpline/value-angle-d2", ar, a(4, 3), 2, 0, []int{1}),
		circCase("CircularSpline/d5", ar, a(6, 3), 5, 0, []int{0, 2, 3}),
		circCase("CircularSpline/d2-context", ar, a(6, 3), 2, 2, []int{0, 1}),
		circCase("CircularSpline/d5-context", ar, a(6, 3), 5, 2, []int{1, 4}),
		circCase("CircularSpline/no-angles-d2", ar, a(4, 3), 2, 0, nil),
		circCase("CircularSplineCoupling/torus-d2", cp, a(6, 4), 2, 0, []int{0, 1}),
		circCase("CircularSplineCoupling/cylinder-d2", cp, a(6, 3), 2, 0, []int{1}),
		circCase("CircularSplineCoupling/d5", cp, a(6, 3), 5, 0, []int{0, 1, 4}),
		circCase("CircularSplineCoupling/d2-context", cp, a(6, 3), 2, 2, []int{0}),
		circCase("CircularSplineCoupling/d5-context", cp, a(5, 3), 5, 2, []int{2, 3}),
		circCase("Circular/stack-reverse-d5",
			[]string{"CircularSpline", "Reverse", "CircularSplineCoupling", "CircularSplineCoupling", "DiagGaussian"},
			[]stdlib.Args{{"hidden": {4}, "bins": {3}}, nil, {"hidden": {4}, "bins": {3}}, {"hidden": {4}, "bins": {3}}, nil}, 5, 0, []int{0, 3}),
	)
}

// circDist is the distance of two angles on the circle.
func circDist(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 2*math.Pi)
	return math.Min(d, 2*math.Pi-d)
}

// circModel lowers a trained-looking model of a circular case.
func circModel(t *testing.T, c layerCase) (*compiler.Model, *runtime.Params) {
	t.Helper()
	return lower(t, c, nil)
}

// TestCircularWrapPoint checks the circular maps where they wrap: the
// round trip (in both directions, on the circle) at θ = -π, just below
// π and next to it, the image in [-π, π], and the log-det equal on
// both sides of the wrap point (the boundary derivatives agree), for
// every map of an angle column.
func TestCircularWrapPoint(t *testing.T) {
	edges := []float64{-math.Pi, -math.Pi + 1e-12, math.Pi - 1e-12, math.Nextafter(math.Pi, 0), 0, -math.Pi / 2}
	for _, c := range harness {
		if len(c.angles) == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			m, ps := circModel(t, c)
			rng := rand.New(rand.NewPCG(9, 10))
			for _, e := range edges {
				const n = 8
				x := c.inputs(rng, n, 1)
				for i := range n {
					for _, a := range c.angles {
						x[i*c.dim+a] = e
					}
				}
				ctx := randRows(rng, n, c.ctx, 1)
				z := run(m.Forward, ps, x, ctx, n, "z", 0)
				x2 := run(m.Inverse, ps, z, ctx, n, "x", 0)
				x3 := run(m.Forward, ps, run(m.Inverse, ps, x, ctx, n, "x", 0), ctx, n, "z", 0)
				for i := range x {
					dist := math.Abs(x[i] - x2[i])
					dist3 := math.Abs(x[i] - x3[i])
					if slices.Contains(c.angles, i%c.dim) {
						dist, dist3 = circDist(x[i], x2[i]), circDist(x[i], x3[i])
						if z[i] < -math.Pi || z[i] > math.Pi {
							t.Errorf("θ = %v: image %v outside [-π, π]", e, z[i])
						}
					}
					if dist > roundTripTol || dist3 > roundTripTol {
						t.Errorf("θ = %v, column %d: round trips miss by %.3g and %.3g on the circle", e, i%c.dim, dist, dist3)
					}
				}
			}
			// The log-det at -π and just below π agree: C¹ on the circle.
			const n = 4
			lo := c.inputs(rng, n, 1)
			hi := slices.Clone(lo)
			for i := range n {
				for _, a := range c.angles {
					lo[i*c.dim+a], hi[i*c.dim+a] = -math.Pi, math.Pi-1e-9
				}
			}
			ctx := randRows(rng, n, c.ctx, 1)
			ldLo := run(m.Forward, ps, lo, ctx, n, "logdet", 0)
			ldHi := run(m.Forward, ps, hi, ctx, n, "logdet", 0)
			for i := range n {
				if math.Abs(ldLo[i]-ldHi[i]) > 1e-6 {
					t.Errorf("row %d: log-det %v at -π but %v just below π", i, ldLo[i], ldHi[i])
				}
			}
		})
	}
}

// TestCircularDensityIntegrates integrates the density of 2-D circular
// models (after random parameter moves) over the torus [-π, π)² and over
// the cylinder [-π, π) × [-L, L], by the midpoint rule.
func TestCircularDensityIntegrates(t *testing.T) {
	cases := []struct {
		c      layerCase
		lo, hi float64 // the ordinary column's range (the cylinder)
	}{
		{c: circCase("torus/AR-coupling", []string{"CircularSpline", "CircularSplineCoupling", "Gaussian"},
			[]stdlib.Args{{"hidden": {8}}, {"hidden": {8}}, nil}, 2, 0, []int{0, 1})},
		{c: circCase("torus/coupling-reverse", []string{"CircularSplineCoupling", "Reverse", "CircularSpline", "DiagGaussian"},
			[]stdlib.Args{{"hidden": {8}}, nil, {"hidden": {8}}, nil}, 2, 0, []int{0, 1})},
		{c: circCase("cylinder/AR", []string{"CircularSpline", "CircularSplineCoupling", "Gaussian"},
			[]stdlib.Args{{"hidden": {8}}, {"hidden": {8}}, nil}, 2, 0, []int{0}), lo: -12, hi: 12},
		{c: circCase("cylinder/value-first", []string{"CircularSplineCoupling", "CircularSpline", "StudentT"},
			[]stdlib.Args{{"hidden": {8}}, {"hidden": {8}}, nil}, 2, 0, []int{1}), lo: -40, hi: 40},
	}
	for _, tc := range cases {
		t.Run(tc.c.name, func(t *testing.T) {
			m, ps := lower(t, tc.c, nil)
			ps.Changed()
			cells := 400
			if testing.Short() {
				cells = 200
			}
			var rows []float64
			ha, hv := 2*math.Pi/float64(cells), (tc.hi-tc.lo)/float64(cells)
			if len(tc.c.angles) == 2 {
				hv = ha
			}
			for i := range cells {
				for j := range cells {
					a := -math.Pi + (float64(i)+0.5)*ha
					v := tc.lo + (float64(j)+0.5)*hv
					if len(tc.c.angles) == 2 {
						v = -math.Pi + (float64(j)+0.5)*ha
					}
					if tc.c.angles[0] == 0 {
						rows = append(rows, a, v)
					} else {
						rows = append(rows, v, a)
					}
				}
			}
			n := len(rows) / 2
			lp := make([]float64, n)
			mp := runtime.NewMapper(m.LogProb, ps, "logp", 4096, nil)
			mp.Map(lp, rows, n)
			mp.Close()
			mass := 0.0
			for _, v := range lp {
				mass += math.Exp(v) * ha * hv
			}
			t.Logf("mass %.6f", mass)
			if math.Abs(mass-1) > 0.01 {
				t.Errorf("the density integrates to %.6f, want 1 within 0.01", mass)
			}
		})
	}
}

// TestCircularPriorSamples checks that a flow's prior is uniform on the
// circle in its angle columns: every draw in [-π, π) with mean near 0
// and variance π²/3, and log p = -log 2π per angle plus the Gaussian's.
func TestCircularPriorSamples(t *testing.T) {
	c := circCase("prior", []string{"Gaussian"}, []stdlib.Args{nil}, 3, 0, []int{0, 2})
	m, ps := lower(t, c, nil)
	const n = 20000
	e := runtime.New(m.Sample, ps, n, rand.New(rand.NewPCG(3, 3)))
	e.Run()
	x := e.Output("x")
	var s, s2 float64
	for i := range n {
		for _, a := range c.angles {
			v := x[i*3+a]
			if v < -math.Pi || v >= math.Pi {
				t.Fatalf("draw %v outside [-π, π)", v)
			}
			s, s2 = s+v, s2+v*v
		}
	}
	mean, vr := s/(2*n), s2/(2*n)
	if math.Abs(mean) > 0.05 || math.Abs(vr-math.Pi*math.Pi/3) > 0.1 {
		t.Errorf("angle draws have mean %.3g and second moment %.4g, want 0 and %.4g", mean, vr, math.Pi*math.Pi/3)
	}
	lp := run(m.LogProb, ps, []float64{1, 0.5, -2}, nil, 1, "logp", 0)[0]
	want := -2*math.Log(2*math.Pi) - 0.5*0.25 - 0.5*math.Log(2*math.Pi)
	if math.Abs(lp-want) > 1e-12 {
		t.Errorf("log p = %v, want %v", lp, want)
	}
}

// TestCircularRefusesOtherLayers checks that lowering a flow over angle
// columns with a layer that would treat them as numbers fails.
func TestCircularRefusesOtherLayers(t *testing.T) {
	for _, layers := range [][]string{{"MAF", "Gaussian"}, {"CircularSpline", "SplineAR", "Gaussian"}, {"Split", "CircularSpline", "Gaussian"}} {
		args := make([]stdlib.Args, len(layers))
		if layers[0] == "Split" {
			args[0] = stdlib.Args{"keep": {1}}
		}
		_, err := compiler.Lower("flow", stages(t, layers, args), 2, compiler.Options{Angles: []int{0}})
		if err == nil {
			t.Errorf("%v over an angle column lowered without error", layers)
		}
	}
}
