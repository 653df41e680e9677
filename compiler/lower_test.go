package compiler_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// mixCase is a flow lowered with a defensive mixture: its layers (the
// last a prior) with arguments, dimensions, and how its data are
// standardized.
type mixCase struct {
	name    string
	layers  []string
	args    []stdlib.Args
	dim     int
	ctx     int
	std     string  // "", "column" or "whiten"
	dequant float64 // scale of a leading Dequantize (0: none)
}

var mixCases = []mixCase{
	{name: "whitened MAF", layers: []string{"MAF", "Reverse", "MAF", "Gaussian"},
		args: []stdlib.Args{{"hidden": {8}}, nil, {"hidden": {8}}}, dim: 3, std: "whiten"},
	{name: "per-column StudentT", layers: []string{"MAF", "StudentT"}, args: []stdlib.Args{{"hidden": {6}}}, dim: 2, std: "column"},
	{name: "unstandardized mixture prior", layers: []string{"AffineCoupling", "GaussianMixture"},
		args: []stdlib.Args{{"hidden": {6}}, {"k": {3}}}, dim: 2},
	{name: "conditional", layers: []string{"MAF", "DiagGaussian"}, args: []stdlib.Args{{"hidden": {6}}}, dim: 2, ctx: 2, std: "whiten"},
	{name: "Glow with ActNorm init", layers: []string{"ActNorm", "LULinear", "AffineCoupling", "Gaussian"},
		args: []stdlib.Args{nil, nil, {"hidden": {6}}}, dim: 3, std: "whiten"},
	{name: "Split", layers: []string{"MAF", "Split", "MAF", "Gaussian"},
		args: []stdlib.Args{{"hidden": {6}}, {"keep": {2}}, {"hidden": {4}}}, dim: 3, std: "column"},
	{name: "Dequantize first", layers: []string{"Dequantize", "MAF", "Logistic"},
		args: []stdlib.Args{{"scale": {4}}, {"hidden": {6}}}, dim: 2, dequant: 4},
}

func (c mixCase) stages(t *testing.T) []compiler.Stage {
	t.Helper()
	var out []compiler.Stage
	for i, name := range c.layers {
		spec := stdlib.Lookup(name)
		if spec == nil {
			t.Fatalf("no layer %s", name)
		}
		var a stdlib.Args
		if i < len(c.args) {
			a = c.args[i]
		}
		out = append(out, compiler.Stage{Spec: spec, Args: spec.Bind(a), Name: fmt.Sprintf("%s%d", strings.ToLower(name), i+1)})
	}
	return out
}

// standardize returns the case's standardization: per column, or a
// random whitening matrix with its inverse and log-determinant.
func (c mixCase) standardize(t *testing.T) *compiler.Standardize {
	t.Helper()
	if c.std == "" {
		return nil
	}
	s := &compiler.Standardize{}
	for j := range c.dim {
		s.Mean = append(s.Mean, 0.4*float64(j)-0.7)
		s.Std = append(s.Std, 0.6+0.3*float64(j))
	}
	if c.std == "whiten" {
		rng := rand.New(rand.NewPCG(11, 12))
		w := mat.NewDense(c.dim, c.dim, nil)
		for j := range c.dim {
			for k := range c.dim {
				w.Set(j, k, 0.3*rng.NormFloat64())
			}
			w.Set(j, j, w.At(j, j)+1.5)
		}
		var wi mat.Dense
		if err := wi.Inverse(w); err != nil {
			t.Fatal(err)
		}
		var lu mat.LU
		lu.Factorize(w)
		logdet, _ := lu.LogDet()
		s.W, s.WInv, s.LogDetW = w.RawMatrix().Data, wi.RawMatrix().Data, logdet
	}
	return s
}

// lower lowers the case at mixture weight eps, with parameters drawn away
// from their initial values (the same for every eps: the mixture adds no
// parameters).
func (c mixCase) lower(t *testing.T, eps float64) (*compiler.Model, *runtime.Params) {
	t.Helper()
	std := c.standardize(t)
	opt := compiler.Options{Standardize: std != nil, Whiten: std != nil && std.W != nil, ContextDim: c.ctx, Defensive: eps}
	m, err := compiler.Lower("flow", c.stages(t), c.dim, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitFixed(std, c.ctxStd()); err != nil {
		t.Fatal(err)
	}
	ps := runtime.NewParams(m.Params)
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	if m.Init != nil {
		rows := c.rows(rand.New(rand.NewPCG(5, 5)), 32, 1)
		if err := runtime.Initialize(m.Init, ps, rows, c.dim+c.ctx, 32); err != nil {
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

// rows draws n rows (data then context columns) at a scale; integers for
// a dequantized flow.
func (c mixCase) rows(rng *rand.Rand, n int, scale float64) []float64 {
	out := make([]float64, 0, n*(c.dim+c.ctx))
	for range n {
		for range c.dim {
			v := scale * rng.NormFloat64()
			if c.dequant > 0 {
				v = math.Floor(4 * v)
			}
			out = append(out, v)
		}
		for range c.ctx {
			out = append(out, rng.NormFloat64())
		}
	}
	return out
}

// fitLogProb is log p_fit of a row's data columns, computed directly: the
// standardization, the leading Dequantize at its midpoint, then N(0, I).
func (c mixCase) fitLogProb(std *compiler.Standardize, x []float64) float64 {
	d := c.dim
	h := append([]float64(nil), x[:d]...)
	ld := 0.0
	switch {
	case std != nil && std.W != nil:
		for k := range d {
			h[k] = 0
			for j := range d {
				h[k] += (x[j] - std.Mean[j]) * std.W[j*d+k]
			}
		}
		ld = std.LogDetW
	case std != nil:
		for j := range d {
			h[j] = (x[j] - std.Mean[j]) / std.Std[j]
			ld -= math.Log(std.Std[j])
		}
	}
	if c.dequant > 0 {
		for j := range d {
			h[j] = (h[j] + 0.5) / c.dequant
		}
		ld -= float64(d) * math.Log(c.dequant)
	}
	lp := ld
	for _, v := range h {
		lp += -0.5*v*v - 0.5*math.Log(2*math.Pi)
	}
	return lp
}

// logMix is log((1−ε)·exp(a) + ε·exp(b)), in float64.
func logMix(eps, a, b float64) float64 {
	a += math.Log1p(-eps)
	b += math.Log(eps)
	m := max(a, b)
	if math.IsInf(m, -1) {
		return m
	}
	return m + math.Log(math.Exp(a-m)+math.Exp(b-m))
}

// exec runs a program on n rows of width dim+ctx, with a seeded random
// source, and returns a copy of the named output.
func exec(p *ir.Program, ps *runtime.Params, rows []float64, n int, out string, seed uint64) []float64 {
	e := runtime.New(p, ps, n, rand.New(rand.NewPCG(seed, 7)))
	if len(p.Inputs) > 0 {
		width := len(rows) / n
		for i := range n {
			row := rows[i*width : (i+1)*width]
			for j, in := range p.Inputs {
				copy(e.Input(j)[i*in.Cols:(i+1)*in.Cols], row[:in.Cols])
				row = row[in.Cols:]
			}
		}
	}
	e.Run()
	return append([]float64(nil), e.Output(out)...)
}

// TestDefensiveLogProb: the mixture's log-density is log((1−ε)·p_flow +
// ε·p_fit) computed directly in float64, on rows near and far from the
// data (where the flow's density and the fit's differ by many nats), for
// every kind of prior, a conditional flow, a split and a leading
// Dequantize; Model.Fit is p_fit.
func TestDefensiveLogProb(t *testing.T) {
	for _, c := range mixCases {
		t.Run(c.name, func(t *testing.T) {
			flow, ps0 := c.lower(t, 0)
			fit, err := flow.Fit()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range fit.Params {
				if !p.Fixed {
					t.Errorf("the fit has parameter %s", p.Name)
				}
			}
			fitParams := runtime.NewParams(fit.Params)
			fitParams.Init(nil)
			rng := rand.New(rand.NewPCG(3, 4))
			const n = 48
			rows := append(c.rows(rng, n/2, 1), c.rows(rng, n/2, 25)...)
			lpFlow := exec(flow.LogProb, ps0, rows, n, "logp", 0)
			lpFit := exec(fit.LogProb, fitParams, rows, n, "logp", 0)
			std := c.standardize(t)
			w := c.dim + c.ctx
			far := 0
			for i := range n {
				want := c.fitLogProb(std, rows[i*w:(i+1)*w])
				if d := math.Abs(lpFit[i] - want); d > 1e-9*max(1, math.Abs(want)) {
					t.Errorf("row %d: Fit's log p %v, direct %v", i, lpFit[i], want)
				}
				if math.Abs(lpFlow[i]-want) > 5 {
					far++
				}
			}
			if far < n/4 {
				t.Errorf("only %d of %d rows tell the flow from the fit: the test says little", far, n)
			}
			for _, eps := range []float64{0.01, 0.3} {
				m, ps := c.lower(t, eps)
				if fmt.Sprint(learned(m.Params, ps)) != fmt.Sprint(learned(flow.Params, ps0)) {
					t.Fatalf("ε = %v changes the learned parameters", eps)
				}
				got := exec(m.LogProb, ps, rows, n, "logp", 0)
				for i := range n {
					want := logMix(eps, lpFlow[i], c.fitLogProb(std, rows[i*w:(i+1)*w]))
					if d := math.Abs(got[i] - want); !(d <= 1e-9*max(1, math.Abs(want))) {
						t.Errorf("ε = %v row %d: log p %v, direct %v (flow %v)", eps, i, got[i], want, lpFlow[i])
					}
				}
				// Forward and Inverse stay the flow's.
				if m.Forward.String() != flow.Forward.String() || m.Inverse.String() != flow.Inverse.String() {
					t.Errorf("ε = %v changes Forward or Inverse", eps)
				}
			}
		})
	}
}

// TestDefensiveHoles: where the flow's log-density is far below the fit's
// (a density hole), a row costs log(1/ε) nats more than under the fit;
// where both are −Inf, the mixture is −Inf, not NaN.
func TestDefensiveHoles(t *testing.T) {
	// Without standardization the fit is N(0, I), whose density
	// underflows to −Inf at 1e200. Affine with log_scale −800 puts every
	// row near 0 in a hole of the flow (log-det −1600); with log_scale
	// 400 the flow's latent of 1e200 overflows, and its density is −Inf.
	c := mixCase{layers: []string{"Affine", "Gaussian"}, dim: 2}
	const eps = 0.05
	m, err := compiler.Lower("flow", c.stages(t), 2, compiler.Options{Defensive: eps})
	if err != nil {
		t.Fatal(err)
	}
	ps := runtime.NewParams(m.Params)
	setLogScale := func(v float64) {
		for i, p := range m.Params {
			if strings.HasSuffix(p.Name, "log_scale") {
				ps.Views[i][0], ps.Views[i][1] = v, v
			}
		}
	}
	setLogScale(-800)
	rows := []float64{0, 0, 1, -2, 3, 0.5}
	got := exec(m.LogProb, ps, rows, 3, "logp", 0)
	for i := range 3 {
		want := math.Log(eps) + c.fitLogProb(nil, rows[2*i:2*i+2])
		if math.Abs(got[i]-want) > 1e-12*math.Abs(want) {
			t.Errorf("row %d: log p %v, want log ε + log p_fit = %v", i, got[i], want)
		}
	}
	setLogScale(400)
	got = exec(m.LogProb, ps, []float64{1e200, 1}, 1, "logp", 0)
	if !math.IsInf(got[0], -1) {
		t.Errorf("a row where flow and fit both give −Inf: log p %v", got[0])
	}
}

// TestDefensiveGradients: the derived gradient of the mixture's training
// loss matches central finite differences through the runtime, with a
// large ε so that the fit carries real weight on many rows.
func TestDefensiveGradients(t *testing.T) {
	const relTol = 1e-5
	for _, c := range mixCases {
		t.Run(c.name, func(t *testing.T) {
			m, ps := c.lower(t, 0.3)
			rng := rand.New(rand.NewPCG(7, 8))
			const n = 16
			rows := append(c.rows(rng, n/2, 1), c.rows(rng, n/2, 3)...)
			// One seed for every run: the dequantization noise is the same,
			// so the loss is a deterministic function of the parameters.
			loss := func() float64 { return exec(m.Loss, ps, rows, n, "loss", 42)[0] }
			e := runtime.New(m.Grad, ps, n, rand.New(rand.NewPCG(42, 7)))
			w := c.dim + c.ctx
			for i := range n {
				copy(e.Input(0)[i*c.dim:(i+1)*c.dim], rows[i*w:i*w+c.dim])
				if c.ctx > 0 {
					copy(e.Input(1)[i*c.ctx:(i+1)*c.ctx], rows[i*w+c.dim:(i+1)*w])
				}
			}
			e.Run()
			if got, want := e.Output("loss")[0], loss(); got != want {
				t.Fatalf("gradient program's loss %v differs from the loss program's %v", got, want)
			}
			checked, kinks, worst := 0, 0, 0.0
			for i, p := range m.Params {
				if p.State {
					continue
				}
				g := e.Output(ir.GradPrefix + p.Name)
				v := ps.Views[i]
				for j := range v {
					orig := v[j]
					at := func(d float64) float64 { v[j] = orig + d; return loss() }
					fd := func(h float64) float64 { return (8*(at(h)-at(-h)) - (at(2*h) - at(-2*h))) / (12 * h) }
					h := 1e-5 * max(1, math.Abs(orig))
					num, num2 := fd(h), fd(h/4)
					v[j] = orig
					scale := max(math.Abs(num), math.Abs(g[j]), 1e-3)
					if math.Abs(num-num2)/scale > relTol/4 {
						kinks++ // a ReLU or clamp kink between the steps
						continue
					}
					checked++
					rel := math.Abs(g[j]-num) / scale
					worst = max(worst, rel)
					if rel > relTol {
						t.Errorf("%s[%d]: derived %.9g, finite differences %.9g (rel err %.2g)", p.Name, j, g[j], num, rel)
					}
				}
			}
			if kinks*3 > checked+kinks {
				t.Errorf("%d of %d parameters sit at a kink: too few checked", kinks, checked+kinks)
			}
			t.Logf("worst relative gradient error %.2g (%d elements; %d at kinks)", worst, checked, kinks)
		})
	}
}

// TestDefensiveZeroIsFlow: ε = 0 lowers exactly the flow's programs (the
// zero Options), with nothing of the mixture in them.
func TestDefensiveZeroIsFlow(t *testing.T) {
	for _, c := range mixCases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := c.lower(t, 0)
			progs := []*ir.Program{m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad, m.Sample}
			for _, p := range progs {
				for _, in := range p.Instrs {
					if strings.Contains(in.Note, "defensive") {
						t.Errorf("program %s has a mixture instruction: %v", p.Name, in.Op)
					}
				}
			}
			m2, _ := c.lower(t, 0.2)
			if m2.Sample.String() == m.Sample.String() || m2.LogProb.String() == m.LogProb.String() {
				t.Error("ε = 0.2 lowers the same programs as ε = 0")
			}
		})
	}
}

// TestDefensiveSampleFrequency: each draw comes from the fit with
// probability ε. The flow's draws are shifted by 1000, so the source of
// every row shows; the count of fit rows must be within 5 binomial
// standard deviations of nε, and they must look like N(0, I).
func TestDefensiveSampleFrequency(t *testing.T) {
	c := mixCase{layers: []string{"Affine", "Gaussian"}, dim: 2}
	for _, eps := range []float64{0.01, 0.2, 0.5} {
		m, err := compiler.Lower("flow", c.stages(t), 2, compiler.Options{Defensive: eps})
		if err != nil {
			t.Fatal(err)
		}
		ps := runtime.NewParams(m.Params)
		for i, p := range m.Params {
			if strings.HasSuffix(p.Name, "shift") {
				ps.Views[i][0], ps.Views[i][1] = -1000, -1000 // x = z + 1000
			}
		}
		const n = 20000
		s := exec(m.Sample, ps, nil, n, "x", 9)
		fit, sum, sq := 0, 0.0, 0.0
		for i := range n {
			x, y := s[2*i], s[2*i+1]
			switch {
			case math.Abs(x) < 100 && math.Abs(y) < 100:
				fit++
				sum += x + y
				sq += x*x + y*y
			case math.Abs(x-1000) < 100 && math.Abs(y-1000) < 100:
			default:
				t.Fatalf("ε = %v: row %d = (%v, %v) is from neither component", eps, i, x, y)
			}
		}
		sd := math.Sqrt(n * eps * (1 - eps))
		if d := float64(fit) - n*eps; math.Abs(d) > 5*sd {
			t.Errorf("ε = %v: %d of %d draws from the fit, want %v ± %.0f", eps, fit, n, n*eps, 5*sd)
		}
		if k := float64(2 * fit); math.Abs(sum/k) > 5/math.Sqrt(k) || math.Abs(sq/k-1) > 5*math.Sqrt(2/k) {
			t.Errorf("ε = %v: fit draws have mean %.3f and mean square %.3f, want 0 and 1", eps, sum/k, sq/k)
		}
	}
}

// TestDefensiveDequantizedSamples: behind a leading Dequantize, the fit's
// draws are floored like the flow's: every sample is an integer.
func TestDefensiveDequantizedSamples(t *testing.T) {
	c := mixCases[len(mixCases)-1]
	if c.dequant == 0 {
		t.Fatal("the last case is not the dequantized one")
	}
	m, ps := c.lower(t, 0.5)
	s := exec(m.Sample, ps, nil, 2000, "x", 3)
	for i, v := range s {
		if v != math.Floor(v) {
			t.Fatalf("sample value %d is %v, not an integer", i, v)
		}
	}
}

// TestDefensiveRange: Lower refuses a weight outside [0, 1).
func TestDefensiveRange(t *testing.T) {
	c := mixCases[0]
	for _, eps := range []float64{-0.1, 1, 2, math.NaN()} {
		if _, err := compiler.Lower("flow", c.stages(t), 3, compiler.Options{Defensive: eps}); err == nil || !strings.Contains(err.Error(), "defensive") {
			t.Errorf("ε = %v: got %v", eps, err)
		}
	}
}

// ctxStd is the case's standardization of its context columns, if any.
func (c mixCase) ctxStd() *compiler.Standardize {
	if c.ctx == 0 {
		return nil
	}
	return &compiler.Standardize{Mean: make([]float64, c.ctx), Std: []float64{2, 0.5}}
}

// learned returns the names and values of the parameters that are not
// fixed (a defensive mixture adds a fixed one, its constant).
func learned(table []ir.Param, ps *runtime.Params) []string {
	var out []string
	for i, p := range table {
		if !p.Fixed {
			out = append(out, fmt.Sprint(p.Name, ps.Views[i]))
		}
	}
	return out
}
