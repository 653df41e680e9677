package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

// monoEdgeInputs draws ordinary rows, and (but in the gradient check, at
// scale 1, whose loss would drown in rounding) a share of coordinates far
// out: |x| in [8, 50] at the log-det check's scale 1.5, where a
// transformer's sigmoids or integrand saturate; up to |x| = 50 in the
// round trip.
func monoEdgeInputs(rng *rand.Rand, n, d int, scale float64) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
		if scale > 1 && rng.IntN(5) == 0 {
			x[i] = math.Copysign(8+42*rng.Float64(), rng.NormFloat64())
		}
	}
	return x
}

// monoCases are the harness cases of a monotone autoregressive layer:
// 1-, 2- and 5-D, with and without a context, two hidden layers, a stack,
// and far-out inputs.
func monoCases(layer string, args stdlib.Args) []layerCase {
	one := func(name string, dim, ctx int, hidden ...float64) layerCase {
		a := stdlib.Args{"hidden": hidden}
		for k, v := range args {
			a[k] = v
		}
		return layerCase{name: layer + "/" + name, layers: []string{layer, "Gaussian"}, args: []stdlib.Args{a, nil}, dim: dim, ctx: ctx}
	}
	edge := one("edges", 3, 0, 8)
	edge.input = monoEdgeInputs
	return []layerCase{
		one("d1", 1, 0, 4),
		one("d2", 2, 0, 8),
		one("d5", 5, 0, 12),
		one("d2-context", 2, 3, 8),
		one("d5-context", 5, 2, 10),
		one("two-hidden", 4, 0, 8, 6),
		edge,
		{name: layer + "/stack", layers: []string{layer, "Reverse", layer, "Gaussian"},
			args: []stdlib.Args{mergeArgs(args, stdlib.Args{"hidden": {6}}), nil, mergeArgs(args, stdlib.Args{"hidden": {5}}), nil}, dim: 3},
	}
}

func mergeArgs(a, b stdlib.Args) stdlib.Args {
	out := stdlib.Args{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func init() {
	addCases(monoCases("NAF", stdlib.Args{"units": {4}})...)
	addCases(layerCase{name: "NAF/one-unit", layers: []string{"NAF", "Gaussian"},
		args: []stdlib.Args{{"hidden": {5}, "units": {1}}, nil}, dim: 2})
}

// TestMonotoneDensityIntegrates: the density of a 2-D NAF and UMNN flow,
// parameters away from their initial values, integrates to 1 within 0.01
// over a box that holds all but a negligible part of its mass.
func TestMonotoneDensityIntegrates(t *testing.T) {
	for _, c := range []layerCase{
		{name: "NAF", layers: []string{"NAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {8}, "units": {4}}, nil}, dim: 2},
		{name: "NAF-Reverse-NAF", layers: []string{"NAF", "Reverse", "NAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {8}, "units": {3}}, nil, {"hidden": {8}}, nil}, dim: 2},
		{name: "UMNN", layers: []string{"UMNN", "Gaussian"}, args: []stdlib.Args{{"hidden": {8}, "units": {6}}, nil}, dim: 2},
	} {
		if stdlib.Lookup(c.layers[0]) == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			m, ps := lower(t, c, nil)
			mass := integrate2D(t, m, ps, -40, 40, 1600)
			t.Logf("mass %.6f", mass)
			if math.Abs(mass-1) > 0.01 {
				t.Errorf("the density integrates to %.6f, want 1 within 0.01", mass)
			}
		})
	}
}

// TestMonotoneInitIdentity: a new layer is close to the identity (a flow
// starts at the Gaussian that standardization fits): |z - x| small and
// log-det near 0 on standardized-scale rows.
func TestMonotoneInitIdentity(t *testing.T) {
	for _, name := range []string{"NAF", "UMNN"} {
		if stdlib.Lookup(name) == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			m, ps := lowerAt(t, []string{name, "Gaussian"}, []stdlib.Args{{"hidden": {16}}}, 3, 0)
			rng := rand.New(rand.NewPCG(9, 9))
			x := randRows(rng, 200, 3, 1)
			z := run(m.Forward, ps, x, nil, 200, "z", 0)
			ld := run(m.Forward, ps, x, nil, 200, "logdet", 0)
			dz, dl := 0.0, 0.0
			for i := range x {
				dz = max(dz, math.Abs(z[i]-x[i])/(1+math.Abs(x[i])))
			}
			for _, v := range ld {
				dl = max(dl, math.Abs(v))
			}
			t.Logf("max |z - x|/(1+|x|) %.3g, max |log-det| %.3g", dz, dl)
			if dz > 0.1 || dl > 0.3 {
				t.Errorf("initial map is not near the identity: |z - x|/(1+|x|) up to %.3g, |log-det| up to %.3g", dz, dl)
			}
		})
	}
}

// TestMonotoneExtreme: far-out and extreme inputs (|x| up to 1e6, and
// parameters pushed so that units saturate) give finite latents, log-dets
// and gradients, and the inverse recovers rows within ±50 to 1e-9 (a row
// with a huge coordinate feeds the conditioner a huge value, whose
// transformer may be as flat as the minimum slope: x is then known only
// to the rounding of z over that slope).
func TestMonotoneExtreme(t *testing.T) {
	for _, name := range []string{"NAF", "UMNN"} {
		if stdlib.Lookup(name) == nil {
			continue
		}
		for _, push := range []float64{0, 3} {
			t.Run(fmt.Sprintf("%s/push=%v", name, push), func(t *testing.T) {
				c := layerCase{name: name, layers: []string{name, "Gaussian"}, args: []stdlib.Args{{"hidden": {8}}}, dim: 2}
				m, ps := lower(t, c, nil)
				rng := rand.New(rand.NewPCG(4, 4))
				for i, v := range ps.Views {
					for j := range v {
						v[j] += push * rng.NormFloat64() * float64(i%2)
					}
				}
				x := []float64{50, -50, -50, 50, 1e3, 0.5, -1e6, 2, 1e6, -1e6, 0, 0, 30, -0.1}
				n := len(x) / 2
				z := run(m.Forward, ps, x, nil, n, "z", 0)
				ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
				if !ewFinite(z...) || !ewFinite(ld...) {
					t.Fatalf("forward of %v: z %v, log-det %v", x, z, ld)
				}
				back := run(m.Inverse, ps, z, nil, n, "x", 0)
				for i := range x {
					row := x[i/2*2 : i/2*2+2]
					if math.Abs(row[0]) <= 50 && math.Abs(row[1]) <= 50 && math.Abs(back[i]-x[i]) > 1e-9 {
						t.Errorf("round trip of %v: %v", x[i], back[i])
					}
					if !ewFinite(back[i]) {
						t.Errorf("inverse of %v: %v", z[i], back[i])
					}
				}
				_, g := ewGrads(m, ps, x[:8])
				for pn, v := range g {
					if !ewFinite(v...) {
						t.Errorf("gradient of %s not finite", pn)
					}
				}
			})
		}
	}
}
