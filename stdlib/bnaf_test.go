package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	addCases(
		layerCase{name: "BNAF/d1", layers: []string{"BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {3}, "layers": {1}}, nil}, dim: 1},
		layerCase{name: "BNAF/d2", layers: []string{"BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {4}}, nil}, dim: 2},
		layerCase{name: "BNAF/d5", layers: []string{"BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {3}}, nil}, dim: 5},
		layerCase{name: "BNAF/d2-context", layers: []string{"BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {4}}, nil}, dim: 2, ctx: 2},
		layerCase{name: "BNAF/d5-context", layers: []string{"BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {2}, "layers": {3}}, nil}, dim: 5, ctx: 3},
		layerCase{name: "BNAF-Reverse-BNAF", layers: []string{"BNAF", "Reverse", "BNAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {3}, "layers": {1}}, nil, {"hidden": {2}}, nil}, dim: 3},
	)
}

// bnafStep is the factor BNAF's stored parameters are multiplied by.
const bnafStep = 5

// perturbed lowers a BNAF flow with its parameters drawn away from their
// initial values by noise of the given size (in the layer's units), and
// the gates set to gate.
func perturbed(t *testing.T, args stdlib.Args, dim, ctx int, noise, gate float64) (*compiler.Model, *runtime.Params) {
	t.Helper()
	m, ps := lowerAt(t, []string{"BNAF", "Gaussian"}, []stdlib.Args{args, nil}, dim, ctx)
	rng := rand.New(rand.NewPCG(5, 6))
	for i, v := range ps.Views {
		for j := range v {
			v[j] += noise / bnafStep * rng.NormFloat64()
		}
		if ps.Table[i].Name == "BNAF0.gate" {
			for j := range v {
				v[j] = gate / bnafStep
			}
		}
	}
	ps.Changed()
	return m, ps
}

// TestBNAFDensityIntegrates integrates the density of 2-D BNAF flows over
// a box holding all but a negligible part of their mass (midpoint rule):
// the gate's linear term must make the map onto R², else mass is lost. A
// gate near 1 (sigmoid(2) = 0.88) leaves the bounded network most of the
// map; the conditional flow is integrated at one context.
func TestBNAFDensityIntegrates(t *testing.T) {
	cases := []struct {
		name        string
		args        stdlib.Args
		ctx         int
		noise, gate float64
		box         float64
	}{
		{"init", stdlib.Args{"hidden": {8}}, 0, 0, -1, 8},
		{"perturbed", stdlib.Args{"hidden": {8}}, 0, 0.5, 0, 12},
		{"gate-open", stdlib.Args{"hidden": {4}, "layers": {3}}, 0, 0.5, 2, 60},
		{"context", stdlib.Args{"hidden": {4}}, 2, 0.5, 1, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ps := perturbed(t, c.args, 2, c.ctx, c.noise, c.gate)
			cells := 500
			if testing.Short() {
				cells = 250
			}
			h := 2 * c.box / float64(cells)
			rows := make([]float64, 0, 2*cells*cells)
			for i := range cells {
				for j := range cells {
					rows = append(rows, -c.box+(float64(i)+0.5)*h, -c.box+(float64(j)+0.5)*h)
				}
			}
			n := len(rows) / 2
			ctx := make([]float64, n*c.ctx)
			for i := range ctx {
				ctx[i] = 0.7 * float64(i%c.ctx+1)
			}
			lp := run(m.LogProb, ps, rows, ctx, n, "logp", 0)
			mass := 0.0
			for _, v := range lp {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("log p = %v", v)
				}
				mass += math.Exp(v) * h * h
			}
			t.Logf("mass %.6f", mass)
			if math.Abs(mass-1) > 0.01 {
				t.Errorf("the density integrates to %.6f over [-%g, %g]², want 1 within 0.01", mass, c.box, c.box)
			}
		})
	}
}

// TestBNAFAutoregressive changes input j and checks that outputs i < j do
// not move at all (the masked blocks are exactly zero, also after the
// parameters under them have changed) while output j does.
func TestBNAFAutoregressive(t *testing.T) {
	const d = 4
	m, ps := perturbed(t, stdlib.Args{"hidden": {3}}, d, 0, 0.5, 0)
	rng := rand.New(rand.NewPCG(8, 9))
	x := randRows(rng, 1, d, 1)
	z := run(m.Forward, ps, x, nil, 1, "z", 0)
	for j := range d {
		x2 := append([]float64(nil), x...)
		x2[j] += 0.5
		z2 := run(m.Forward, ps, x2, nil, 1, "z", 0)
		for i := range j {
			if z2[i] != z[i] {
				t.Errorf("z_%d moved from %v to %v when x_%d changed", i, z[i], z2[i], j)
			}
		}
		if !(z2[j] > z[j]) {
			t.Errorf("z_%d = %v did not increase with x_%d (was %v)", j, z2[j], j, z[j])
		}
	}
}

// TestBNAFFar checks the log-det against central differences of the map
// at inputs far out (|x| up to 50 on standardized data, and 1e4), where
// every tanh unit saturates and the diagonal derivative of the network
// is far below float64's range in linear space (e^-200 and less): the
// log-space products keep it exact, and the round trip holds.
func TestBNAFFar(t *testing.T) {
	m, ps := perturbed(t, stdlib.Args{"hidden": {4}, "layers": {3}}, 2, 0, 0.5, 3)
	for _, x := range [][]float64{{50, -50}, {-50, 20}, {1e4, -3}, {0.3, -1e4}, {50, 50}} {
		z := run(m.Forward, ps, x, nil, 1, "z", 0)
		ld := run(m.Forward, ps, x, nil, 1, "logdet", 0)[0]
		back := run(m.Inverse, ps, z, nil, 1, "x", 0)
		if e := maxAbsDiff(x, back); e > 1e-9*math.Max(1, math.Abs(x[0])+math.Abs(x[1])) {
			t.Errorf("x = %v: round trip %v", x, back)
		}
		// The Jacobian is triangular: its log-det is the sum of the logs
		// of the diagonal derivatives, each by central differences.
		want := 0.0
		for i := range 2 {
			eps := 1e-5 * math.Max(1, math.Abs(x[i]))
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[i] += eps
			xm[i] -= eps
			zp := run(m.Forward, ps, xp, nil, 1, "z", 0)
			zm := run(m.Forward, ps, xm, nil, 1, "z", 0)
			want += math.Log((zp[i] - zm[i]) / (2 * eps))
		}
		if !ewFinite(ld) || math.Abs(ld-want) > 1e-6 {
			t.Errorf("x = %v: log-det %v, central differences %v", x, ld, want)
		}
		loss, g := ewGrads(m, ps, x)
		for name, v := range g {
			if !ewFinite(v...) || !ewFinite(loss) {
				t.Errorf("x = %v: loss %v, gradient of %s not finite", x, loss, name)
			}
		}
	}
}

// TestBNAFLogDerivativeUnderflow sets weights so large that the network's
// derivative in x_1, a product of tanh derivatives e^-2|t| at
// pre-activations in the thousands, is below float64's smallest number:
// the log-det must still be finite and equal log σ(-g) plus what the
// log-space product gives, and the gradient finite.
func TestBNAFLogDerivativeUnderflow(t *testing.T) {
	m, ps := perturbed(t, stdlib.Args{"hidden": {2}}, 1, 0, 0, 0)
	for _, name := range []string{"BNAF0.l1.scale", "BNAF0.l2.scale"} {
		for j, v := range param(t, ps, name) {
			param(t, ps, name)[j] = v + math.Log(400)/bnafStep
		}
	}
	ps.Changed()
	x := []float64{5}
	ld := run(m.Forward, ps, x, nil, 1, "logdet", 0)[0]
	// log(σ(-g) + σ(g)·f') with g = 0 and f' < 1e-300: log ½ to rounding.
	if math.Abs(ld-math.Log(0.5)) > 1e-12 {
		t.Errorf("log-det %v, want log ½", ld)
	}
	loss, g := ewGrads(m, ps, x)
	for name, v := range g {
		if !ewFinite(v...) || !ewFinite(loss) {
			t.Errorf("loss %v, gradient of %s = %v", loss, name, v)
		}
	}
}

// TestBNAFInitNearIdentity: a new BNAF is close to the identity, so the
// flow starts near the Gaussian that standardization fits: on standard
// normal draws its mean log-density is within 0.05 nats per dimension of
// the standard normal's own.
func TestBNAFInitNearIdentity(t *testing.T) {
	const d, n = 3, 2000
	m, ps := lowerAt(t, []string{"BNAF", "Gaussian"}, nil, d, 0)
	rng := rand.New(rand.NewPCG(10, 11))
	x := randRows(rng, n, d, 1)
	lp := run(m.LogProb, ps, x, nil, n, "logp", 0)
	got, want := 0.0, 0.0
	for i := range n {
		got += lp[i] / n
		for _, v := range x[i*d : (i+1)*d] {
			want += (-0.5*v*v - 0.5*math.Log(2*math.Pi)) / n
		}
	}
	t.Logf("mean log p %v, of N(0, I) %v", got, want)
	if math.Abs(got-want) > 0.05*d {
		t.Errorf("mean log p at initialisation %v, the standard normal's %v", got, want)
	}
}
