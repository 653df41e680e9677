package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// The layer harness: every stdlib layer, in several configurations, must
// pass these properties in float64.
const (
	roundTripTol = 1e-9 // max |f⁻¹(f(x)) - x|
	logDetTol    = 1e-6 // |log|det J| - log|det J_fd||
	gradRelTol   = 1e-5 // derived gradient vs central differences, relative
)

// layerCase is one configuration of the harness: a flow of stdlib layers
// (the last a prior) over dim dimensions, conditioned on ctx context
// columns when ctx > 0. Layer test files add cases with addCases from an
// init function.
type layerCase struct {
	name   string
	layers []string // stdlib names, last is a prior
	args   []stdlib.Args
	dim    int
	ctx    int
	// input, if set, draws n rows of test inputs at a scale (1 or 4):
	// layers with a restricted domain (Logit) or edge cases to exercise
	// (spline tails) supply their own.
	input func(rng *rand.Rand, n, d int, scale float64) []float64
	noStd bool // skip the standardized variant (the layer's domain is fixed)
	// angles are the columns that are angles in [-π, π)
	// (compiler.Options.Angles); the standardization leaves them as
	// they are, as training's does.
	angles []int
}

var harness []layerCase

func addCases(cs ...layerCase) { harness = append(harness, cs...) }

// harnessCases are the cases the layer files add, and for each whose
// stages can all be inverted (compiler.Invertible) the same flow with
// every stage inverted, "Inverse/NAME": Inverse(L) meets every property
// L does, in both of its directions.
func harnessCases() []layerCase {
	out := append([]layerCase(nil), harness...)
	for _, c := range harness {
		if inv, ok := inverted(c); ok {
			out = append(out, inv)
		}
	}
	return out
}

// inverted is c with every stage but the prior inverted ("Inverse:MAF"
// in layers), if each can be.
func inverted(c layerCase) (layerCase, bool) {
	inv := c
	inv.name, inv.layers = "Inverse/"+c.name, append([]string(nil), c.layers...)
	for i, name := range c.layers[:len(c.layers)-1] {
		spec := stdlib.Lookup(name)
		var a stdlib.Args
		if i < len(c.args) {
			a = c.args[i]
		}
		if spec == nil || compiler.Invertible(spec, spec.Bind(a)) != nil {
			return c, false
		}
		inv.layers[i] = inversePrefix + name
		if spec.InverseLayer != "" {
			inv.layers[i] = spec.InverseLayer // as the compiler writes it
		}
	}
	return inv, len(c.layers) > 1
}

// inversePrefix marks an inverted stage in a case's layers.
const inversePrefix = "Inverse:"

// numericalInverse reports whether c inverts a layer whose inverse is
// found by iteration: its density direction has no derivative to check.
func (c layerCase) numericalInverse() bool {
	for _, l := range c.layers {
		if name, ok := strings.CutPrefix(l, inversePrefix); ok && stdlib.Lookup(name).NumericalInverse {
			return true
		}
	}
	return false
}

func init() {
	addCases(
		layerCase{name: "MAF/d1", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {8}}, nil}, dim: 1},
		layerCase{name: "MAF/d2", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {8}}, nil}, dim: 2},
		layerCase{name: "MAF/d5", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {12}}, nil}, dim: 5},
		layerCase{name: "MAF/two-hidden", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {10, 7}}, nil}, dim: 4},
		layerCase{name: "MAF/dropout", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {9}, "dropout": {0.3}}, nil}, dim: 3},
		layerCase{name: "Reverse/d1", layers: []string{"Reverse", "Gaussian"}, args: []stdlib.Args{nil, nil}, dim: 1},
		layerCase{name: "Reverse/d4", layers: []string{"Reverse", "Gaussian"}, args: []stdlib.Args{nil, nil}, dim: 4},
		layerCase{name: "Gaussian/d3", layers: []string{"Gaussian"}, args: []stdlib.Args{nil}, dim: 3},
		layerCase{name: "MAF-Reverse-MAF", layers: []string{"MAF", "Reverse", "MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {6}}, nil, {"hidden": {6, 6}}, nil}, dim: 3},
		layerCase{name: "Split/twice", layers: []string{"Split", "MAF", "Split", "MAF", "Gaussian"},
			args: []stdlib.Args{{"keep": {3}}, {"hidden": {6}}, {"keep": {1}}, {"hidden": {4}}, nil}, dim: 4},
		layerCase{name: "Split/after", layers: []string{"MAF", "Split", "Reverse", "Gaussian"},
			args: []stdlib.Args{{"hidden": {6}}, {"keep": {2}}, nil, nil}, dim: 3},
	)
}

// TestEveryLayerHasCase fails when a layer is registered without a
// harness case.
func TestEveryLayerHasCase(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range harnessCases() {
		for _, l := range c.layers {
			seen[l] = true
		}
	}
	for _, n := range stdlib.Names() {
		if !seen[n] {
			t.Errorf("layer %s has no harness case", n)
		}
	}
}

// stages binds layers (stdlib names) and their arguments (args may be
// shorter: the rest take their defaults) into named stages.
func stages(t *testing.T, layers []string, args []stdlib.Args) []compiler.Stage {
	t.Helper()
	var out []compiler.Stage
	for i, name := range layers {
		name, inv := strings.CutPrefix(name, inversePrefix)
		spec := stdlib.Lookup(name)
		if spec == nil {
			t.Fatalf("no layer %s", name)
		}
		var a stdlib.Args
		if i < len(args) {
			a = args[i]
		}
		out = append(out, compiler.Stage{Spec: spec, Args: spec.Bind(a), Name: fmt.Sprintf("%s%d", name, i), Inverted: inv})
	}
	return out
}

// lowerAt builds a model over dim dimensions (ctx context columns) with
// its parameters at their initial values, seeded.
func lowerAt(t *testing.T, layers []string, args []stdlib.Args, dim, ctx int) (*compiler.Model, *runtime.Params) {
	t.Helper()
	m, err := compiler.Lower("flow", stages(t, layers, args), dim, compiler.Options{ContextDim: ctx})
	if err != nil {
		t.Fatal(err)
	}
	ps := runtime.NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	return m, ps
}

// param returns the values of the parameter named name.
func param(t *testing.T, ps *runtime.Params, name string) []float64 {
	t.Helper()
	for i, p := range ps.Table {
		if p.Name == name {
			return ps.Views[i]
		}
	}
	t.Fatalf("no parameter %s", name)
	return nil
}

// lower builds a model for a case with parameters drawn away from their
// initial values (so that no symmetry of the initialisation hides a bug).
// A model with a data-dependent initialisation runs it first, on random
// rows.
func lower(t *testing.T, c layerCase, std *compiler.Standardize) (*compiler.Model, *runtime.Params) {
	t.Helper()
	opt := compiler.Options{Standardize: std != nil, Whiten: std != nil && std.W != nil, ContextDim: c.ctx, Angles: c.angles}
	if std != nil && len(c.angles) > 0 {
		cp := *std
		cp.Mean, cp.Std = slices.Clone(std.Mean), slices.Clone(std.Std)
		for _, a := range c.angles {
			cp.Mean[a], cp.Std[a] = 0, 1
		}
		std = &cp
	}
	m, err := compiler.Lower("flow", stages(t, c.layers, c.args), c.dim, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitFixed(std, ctxStandardize(c.ctx)); err != nil {
		t.Fatal(err)
	}
	ps := runtime.NewParams(m.Params)
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	if m.Init != nil {
		const n = 32
		rows := interleave(c.inputs(rng, n, 1), randRows(rng, n, c.ctx, 1), c.dim, c.ctx)
		if err := runtime.Initialize(m.Init, ps, rows, c.dim+c.ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range ps.Views {
		if !ps.Table[i].Fixed {
			for j := range v {
				v[j] += 0.3 * rng.NormFloat64()
			}
		}
	}
	return m, ps
}

// inputs draws n rows for the case at a scale.
func (c layerCase) inputs(rng *rand.Rand, n int, scale float64) []float64 {
	if c.input != nil {
		return c.input(rng, n, c.dim, scale)
	}
	return randRows(rng, n, c.dim, scale)
}

// interleave places rows of a (da columns) and b (db columns) side by side.
func interleave(a, b []float64, da, db int) []float64 {
	if db == 0 {
		return a
	}
	n := len(a) / da
	out := make([]float64, 0, n*(da+db))
	for i := range n {
		out = append(out, a[i*da:(i+1)*da]...)
		out = append(out, b[i*db:(i+1)*db]...)
	}
	return out
}

func randRows(rng *rand.Rand, n, d int, scale float64) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

// run executes a program on n rows: in feeds its data input (if it has
// one) and ctx its context input (if it has one).
func run(m *ir.Program, ps *runtime.Params, in, ctx []float64, n int, out string, seed uint64) []float64 {
	e := runtime.New(m, ps, n, rand.New(rand.NewPCG(seed, 7)))
	for i, inp := range m.Inputs {
		if inp.Name == "c" {
			copy(e.Input(i), ctx)
		} else {
			copy(e.Input(i), in)
		}
	}
	e.Run()
	return append([]float64(nil), e.Output(out)...)
}

func TestLayerRoundTrip(t *testing.T) {
	for _, c := range harnessCases() {
		t.Run(c.name, func(t *testing.T) {
			worst := 0.0
			defer func() { t.Logf("worst round-trip error %.2g", worst) }()
			stds := []*compiler.Standardize{nil, stdOf(c.dim)}
			if c.noStd {
				stds = stds[:1]
			}
			for _, std := range stds {
				m, ps := lower(t, c, std)
				rng := rand.New(rand.NewPCG(3, 4))
				const n = 64
				for _, scale := range []float64{1, 4} {
					x := c.inputs(rng, n, scale)
					ctx := randRows(rng, n, c.ctx, 1)
					z := run(m.Forward, ps, x, ctx, n, "z", 0)
					x2 := run(m.Inverse, ps, z, ctx, n, "x", 0)
					worst = max(worst, maxAbsDiff(x, x2))
					if e := maxAbsDiff(x, x2); e > roundTripTol {
						t.Errorf("scale %g std %v: max |inverse(forward(x)) - x| = %.3g > %g", scale, std != nil, e, roundTripTol)
					}
					if scale > 1 || c.input != nil {
						// Latents are N(0,1); far out, the inverse of a
						// flow with random weights overflows float64. A
						// layer with its own domain has no generic
						// latent inputs.
						continue
					}
					z2 := run(m.Forward, ps, run(m.Inverse, ps, x, ctx, n, "x", 0), ctx, n, "z", 0)
					worst = max(worst, maxAbsDiff(x, z2))
					if e := maxAbsDiff(x, z2); e > roundTripTol {
						t.Errorf("scale %g std %v: max |forward(inverse(z)) - z| = %.3g > %g", scale, std != nil, e, roundTripTol)
					}
				}
			}
		})
	}
}

// std is the standardization the log-det and gradient checks run under.
func (c layerCase) std() *compiler.Standardize {
	if c.noStd {
		return nil
	}
	return stdOf(c.dim)
}

func stdOf(d int) *compiler.Standardize {
	s := &compiler.Standardize{}
	for j := range d {
		s.Mean = append(s.Mean, 0.5*float64(j)-1)
		s.Std = append(s.Std, 0.5+0.25*float64(j))
	}
	return s
}

func TestLayerLogDet(t *testing.T) {
	for _, c := range harnessCases() {
		t.Run(c.name, func(t *testing.T) {
			m, ps := lower(t, c, c.std())
			rng := rand.New(rand.NewPCG(5, 6))
			fwd := runtime.New(m.Forward, ps, 1, nil)
			if c.ctx > 0 {
				copy(fwd.Input(1), randRows(rng, 1, c.ctx, 1))
			}
			worst := 0.0
			defer func() { t.Logf("worst log-det error %.2g", worst) }()
			f := func(z, x []float64) {
				copy(fwd.Input(0), x)
				fwd.Run()
				copy(z, fwd.Output("z"))
			}
			for range 5 {
				x := c.inputs(rng, 1, 1.5)
				copy(fwd.Input(0), x)
				fwd.Run()
				got := fwd.Output("logdet")[0]
				jac := mat.NewDense(c.dim, c.dim, nil)
				fd.Jacobian(jac, f, x, &fd.JacobianSettings{Formula: fd.Central})
				var lu mat.LU
				lu.Factorize(jac)
				want, _ := lu.LogDet()
				worst = max(worst, math.Abs(got-want))
				if math.Abs(got-want) > logDetTol {
					t.Errorf("x=%v: log|det J| = %.10g, finite differences give %.10g (diff %.3g)", x, got, want, got-want)
				}
			}
		})
	}
}

// TestLayerGradients checks every derived parameter gradient of the
// training loss against central finite differences.
func TestLayerGradients(t *testing.T) {
	for _, c := range harnessCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.numericalInverse() {
				t.Skip("the density direction is a numerical inverse (bisection): train refuses it")
			}
			m, ps := lower(t, c, c.std())
			rng := rand.New(rand.NewPCG(7, 8))
			const n = 16
			x := c.inputs(rng, n, 1)
			ctx := randRows(rng, n, c.ctx, 1)
			// The same seed for every run: dropout masks are identical, so
			// the loss is a deterministic function of the parameters.
			loss := func() float64 { return run(m.Loss, ps, x, ctx, n, "loss", 42)[0] }
			e := runtime.New(m.Grad, ps, n, rand.New(rand.NewPCG(42, 7)))
			copy(e.Input(0), x)
			if c.ctx > 0 {
				copy(e.Input(1), ctx)
			}
			e.Run()
			if got, want := e.Output("loss")[0], loss(); got != want {
				t.Fatalf("gradient program's loss %v differs from the loss program's %v", got, want)
			}
			worst := 0.0
			checked, kinks := 0, 0
			for i, p := range m.Params {
				if p.State {
					continue
				}
				g := e.Output(ir.GradPrefix + p.Name)
				v := ps.Views[i]
				for j := range v {
					orig := v[j]
					at := func(d float64) float64 { v[j] = orig + d; return loss() }
					// Five-point central differences (error O(h⁴)) at two
					// step sizes. ReLUs, clamps and bin edges make the
					// loss piecewise smooth; where a step crosses a kink
					// the two estimates disagree, and finite differences
					// say nothing about the derivative there: such an
					// element is counted, not compared.
					fd := func(h float64) float64 {
						return (8*(at(h)-at(-h)) - (at(2*h) - at(-2*h))) / (12 * h)
					}
					h := 1e-5 * math.Max(1, math.Abs(orig))
					num, num2 := fd(h), fd(h/4)
					v[j] = orig
					scale := math.Max(math.Max(math.Abs(num), math.Abs(g[j])), 1e-3)
					if math.Abs(num-num2)/scale > gradRelTol/4 {
						kinks++
						continue
					}
					checked++
					rel := math.Abs(g[j]-num) / scale
					worst = max(worst, rel)
					if rel > gradRelTol {
						t.Errorf("%s[%d]: derived %.9g, finite differences %.9g (rel err %.2g)", p.Name, j, g[j], num, rel)
					}
				}
			}
			if kinks*3 > checked+kinks {
				t.Errorf("%d of %d parameters sit at a kink of the loss: too few checked", kinks, checked+kinks)
			}
			t.Logf("worst relative gradient error %.2g over %d parameter tensors (%d elements; %d at kinks not compared)", worst, len(m.Params), checked, kinks)
		})
	}
}

// TestGaussianPrior checks the prior's log-density against its closed form
// and the moments of its samples.
func TestGaussianPrior(t *testing.T) {
	c := layerCase{name: "Gaussian", layers: []string{"Gaussian"}, args: []stdlib.Args{nil}, dim: 3}
	m, ps := lower(t, c, nil)
	x := []float64{0, 0, 0, 1, -2, 0.5}
	lp := run(m.LogProb, ps, x, nil, 2, "logp", 0)
	for i := range 2 {
		want := 0.0
		for _, v := range x[i*3 : i*3+3] {
			want += -0.5*v*v - 0.5*math.Log(2*math.Pi)
		}
		if math.Abs(lp[i]-want) > 1e-12 {
			t.Errorf("row %d: log p = %v, want %v", i, lp[i], want)
		}
	}
	const n = 20000
	s := run(m.Sample, ps, nil, nil, n, "x", 9)
	for j := range 3 {
		mean, sq := 0.0, 0.0
		for i := range n {
			mean += s[i*3+j]
			sq += s[i*3+j] * s[i*3+j]
		}
		mean /= n
		varr := sq/n - mean*mean
		if math.Abs(mean) > 0.05 || math.Abs(varr-1) > 0.05 {
			t.Errorf("column %d: sample mean %.3f var %.3f, want 0 and 1", j, mean, varr)
		}
	}
}

// TestMADEMasksAutoregressive checks the degree rule: output i never sees
// input j >= i, and every output but the first sees some input.
func TestMADEMasksAutoregressive(t *testing.T) {
	for _, d := range []int{1, 2, 3, 7} {
		degs := stdlib.MADEDegrees(d, []int{5, 4})
		for l, h := range degs[1:] {
			for k, dk := range h {
				if d > 1 && (dk < 1 || dk > d-1) {
					t.Errorf("D=%d layer %d unit %d: degree %d outside [1,%d]", d, l, k, dk, d-1)
				}
			}
		}
	}
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = max(m, d)
	}
	return m
}

// ctxStandardize is an identity standardization of n context columns
// (nil for none): a standardized conditional model needs one.
func ctxStandardize(n int) *compiler.Standardize {
	if n == 0 {
		return nil
	}
	s := &compiler.Standardize{}
	for range n {
		s.Mean, s.Std = append(s.Mean, 0), append(s.Std, 1)
	}
	return s
}

// domainCase is a 2-D flow with a stage of restricted domain (Logit,
// Dequantize, or Logit behind Tanh): its density must integrate to 1 over
// the whole plane — the part of a box much larger than the domain that
// lies outside it contributing exactly 0 — and a point outside must get
// log p = −Inf, with or without the defensive mixture.
type domainCase struct {
	c         layerCase
	defensive float64
	lo, hi    float64 // the quadrature box [lo, hi]², or the lattice's
	cells     int     // midpoint cells per side (0: sum over the integers)
	inside    func(x, y float64) bool
	outside   []float64 // rows outside the domain
}

func unitSquare(x, y float64) bool { return x > 0 && x < 1 && y > 0 && y < 1 }

var domainCases = []domainCase{
	{c: layerCase{name: "Logit-Affine", layers: []string{"Logit", "Affine", "Gaussian"}, dim: 2},
		lo: -1.5, hi: 2.5, cells: 800, inside: unitSquare,
		outside: []float64{1, -1, 1, -1000, 2, 0.5, 0.5, 1.5, -0.01, 0.5, math.Inf(1), 0.5}},
	{c: layerCase{name: "Logit(margin=0)-MAF/defensive", layers: []string{"Logit", "MAF", "Gaussian"},
		args: []stdlib.Args{{"margin": {0}}, {"hidden": {8}}, nil}, dim: 2}, defensive: 0.01,
		lo: -1.5, hi: 2.5, cells: 800, inside: unitSquare,
		outside: []float64{1, -1, 1, -1000, 0, 0.5, 0.5, 1}},
	{c: layerCase{name: "Tanh-Logit", layers: []string{"Tanh", "Logit", "Gaussian"},
		args: []stdlib.Args{nil, {"margin": {0}}, nil}, dim: 2},
		lo: -2, hi: 8, cells: 1000, inside: func(x, y float64) bool { return x > 0 && y > 0 },
		outside: []float64{-0.5, 1, 1, -1e-3, -5, -5}},
	{c: layerCase{name: "Dequantize-MAF/defensive", layers: []string{"Dequantize", "MAF", "Gaussian"},
		args: []stdlib.Args{{"scale": {4}}, {"hidden": {8}}, nil}, dim: 2}, defensive: 0.01,
		lo: -60, hi: 60, inside: func(x, y float64) bool { return x == math.Floor(x) && y == math.Floor(y) },
		outside: []float64{0.5, 0, 1, 2.25, 1e-9, 3, -7, 2.5}},
}

// lowerDomain is lower for a domainCase: parameters away from their
// initial values, and the defensive mixture it asks for.
func lowerDomain(t *testing.T, dc domainCase) (*compiler.Model, *runtime.Params) {
	t.Helper()
	m, err := compiler.Lower("flow", stages(t, dc.c.layers, dc.c.args), dc.c.dim, compiler.Options{Defensive: dc.defensive})
	if err != nil {
		t.Fatal(err)
	}
	ps := runtime.NewParams(m.Params)
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	for i, v := range ps.Views {
		if !ps.Table[i].Fixed {
			for j := range v {
				v[j] += 0.3 * rng.NormFloat64()
			}
		}
	}
	ps.Changed()
	return m, ps
}

// integrate2D integrates a 2-D model's density over [lo, hi]² by the
// midpoint rule with cells² cells.
func integrate2D(t *testing.T, m *compiler.Model, ps *runtime.Params, lo, hi float64, cells int) float64 {
	t.Helper()
	h := (hi - lo) / float64(cells)
	rows := make([]float64, 0, 2*cells*cells)
	for i := range cells {
		for j := range cells {
			rows = append(rows, lo+(float64(i)+0.5)*h, lo+(float64(j)+0.5)*h)
		}
	}
	n := cells * cells
	lp := make([]float64, n)
	mp := runtime.NewMapper(m.LogProb, ps, "logp", 4096, nil)
	mp.Map(lp, rows, n)
	mp.Close()
	mass := 0.0
	for i, v := range lp {
		if !ewFinite(v) {
			t.Fatalf("log p(%v) = %v", rows[2*i:2*i+2], v)
		}
		mass += math.Exp(v) * h * h
	}
	return mass
}

// TestLayerDensityIntegrates integrates each domainCase's density over a
// box much larger than its domain (midpoint rule; for a lattice, the sum
// of its probabilities), and checks that the points outside the domain
// have log p = −Inf and that the gradient of a batch holding them stays
// finite.
func TestLayerDensityIntegrates(t *testing.T) {
	for _, dc := range domainCases {
		t.Run(dc.c.name, func(t *testing.T) {
			m, ps := lowerDomain(t, dc)
			var rows []float64
			h, side := 1.0, int(dc.hi-dc.lo)+1
			if dc.cells > 0 {
				h, side = (dc.hi-dc.lo)/float64(dc.cells), dc.cells
			}
			for i := range side {
				for j := range side {
					x, y := dc.lo+float64(i)*h, dc.lo+float64(j)*h
					if dc.cells > 0 {
						x, y = x+h/2, y+h/2
					}
					rows = append(rows, x, y)
				}
			}
			n := len(rows) / 2
			lp := make([]float64, n)
			mp := runtime.NewMapper(m.LogProb, ps, "logp", 4096, nil)
			mp.Map(lp, rows, n)
			mp.Close()
			var in, out float64
			for i, v := range lp {
				if math.IsNaN(v) || math.IsInf(v, 1) {
					t.Fatalf("log p(%v) = %v", rows[2*i:2*i+2], v)
				}
				if dc.inside(rows[2*i], rows[2*i+1]) {
					in += math.Exp(v) * h * h
				} else {
					out += math.Exp(v) * h * h
				}
			}
			t.Logf("mass inside the domain %.6f, outside %g", in, out)
			if math.Abs(in-1) > 5e-3 || out != 0 {
				t.Errorf("the density integrates to %.6f inside its domain and %g outside it, want 1 and 0", in, out)
			}
			k := len(dc.outside) / 2
			lpOut := run(m.LogProb, ps, dc.outside, nil, k, "logp", 0)
			ld := run(m.Forward, ps, dc.outside, nil, k, "logdet", 0)
			for i := range k {
				if !math.IsInf(lpOut[i], -1) || !math.IsInf(ld[i], -1) {
					t.Errorf("outside the domain, x = %v: log p %v, log-det %v, want -Inf", dc.outside[2*i:2*i+2], lpOut[i], ld[i])
				}
			}
			// A training batch of rows inside and outside: the loss is
			// +Inf; without the mixture the gradient is finite (the
			// support passes none), with it the log-sum-exp of two −Inf
			// parts has none (a training run stops at such a loss).
			batch := append(append([]float64(nil), rows[:40]...), dc.outside[:2]...)
			loss, g := ewGrads(m, ps, batch)
			if !math.IsInf(loss, 1) {
				t.Errorf("loss of a batch with a row outside = %v, want +Inf", loss)
			}
			for name, v := range g {
				if !ewFinite(v...) && dc.defensive == 0 {
					t.Errorf("gradient of %s = %v", name, v)
				}
			}
		})
	}
}
