package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// cnfHarnessSteps is the solver's steps in the harness cases: enough
// that the RK4 map's round trip (O(steps⁻⁴)) meets the harness's 1e-9
// and its integrated log-det the discrete map's to 1e-6
// (TestCNFConvergence measures both at every step count).
const cnfHarnessSteps = 32

func cnfArgs(hidden float64, steps int, extra stdlib.Args) stdlib.Args {
	a := stdlib.Args{"hidden": {hidden}, "steps": {float64(steps)}}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func init() {
	addCases(
		layerCase{name: "CNF/d2", layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{cnfArgs(8, cnfHarnessSteps, nil), nil}, dim: 2},
		layerCase{name: "CNF/d5", layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{cnfArgs(5, cnfHarnessSteps, nil), nil}, dim: 5},
		layerCase{name: "CNF/d2-context", layers: []string{"CNF", "Gaussian"},
			args: []stdlib.Args{cnfArgs(8, cnfHarnessSteps, stdlib.Args{"activation": {1}}), nil}, dim: 2, ctx: 3},
		layerCase{name: "CNF/d5-context", layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{cnfArgs(4, cnfHarnessSteps, nil), nil}, dim: 5, ctx: 2},
	)
}

// cnfErrors measures, for a CNF over dim dimensions (ctx context
// columns) with the harness's perturbed parameters, the largest round
// trip error |f⁻¹(f(x)) − x| over 64 rows and the largest difference of
// the integrated log-det from log|det| of the finite-difference
// Jacobian of the computed forward map, over 5 rows, with those rows'
// log-dets.
func cnfErrors(t *testing.T, dim, ctx, steps int) (roundTrip, logDet float64, lds []float64) {
	t.Helper()
	c := layerCase{layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{cnfArgs(8, steps, nil), nil}, dim: dim, ctx: ctx}
	m, ps := lower(t, c, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 64
	x := randRows(rng, n, dim, 1)
	cx := randRows(rng, n, ctx, 1)
	z := run(m.Forward, ps, x, cx, n, "z", 0)
	roundTrip = maxAbsDiff(x, run(m.Inverse, ps, z, cx, n, "x", 0))
	fwd := runtime.New(m.Forward, ps, 1, nil)
	if ctx > 0 {
		copy(fwd.Input(1), cx[:ctx])
	}
	f := func(z, x []float64) {
		copy(fwd.Input(0), x)
		fwd.Run()
		copy(z, fwd.Output("z"))
	}
	for i := range 5 {
		row := x[i*dim : (i+1)*dim]
		copy(fwd.Input(0), row)
		fwd.Run()
		got := fwd.Output("logdet")[0]
		jac := mat.NewDense(dim, dim, nil)
		fd.Jacobian(jac, f, row, &fd.JacobianSettings{Formula: fd.Central})
		var lu mat.LU
		lu.Factorize(jac)
		want, _ := lu.LogDet()
		logDet = max(logDet, math.Abs(got-want))
		lds = append(lds, got)
	}
	return roundTrip, logDet, lds
}

// TestCNFConvergence states the solver's errors at the default steps
// and checks that they fall at RK4's order: the round trip error by
// about 2⁵ = 32 per doubling of the steps (RK4's local error is odd in
// h, so a step forward and the step back cancel its leading term; at
// least 10 is required while it is above the rounding floor), and the
// log-det's difference from the numerical Jacobian of the discrete map by
// about 2⁴ = 16, until finite differences (≈1e-9) limit it. That
// difference is the solver's error, so it is checked against the
// solver's own error estimate at each step count, the change of the
// log-det when the steps double: within 2× it (plus the finite
// differences' 2e-9).
func TestCNFConvergence(t *testing.T) {
	steps := []int{2, 4, 8, 16, 32}
	if testing.Short() {
		steps = steps[:4]
	}
	for _, cfg := range []struct{ dim, ctx int }{{2, 0}, {5, 2}} {
		var prevRT, prevLD float64
		var prevLds []float64
		for i, s := range steps {
			rt, ld, lds := cnfErrors(t, cfg.dim, cfg.ctx, s)
			if i > 0 {
				est := maxAbsDiff(prevLds, lds)
				t.Logf("D=%d context %d steps %3d: round trip %.3g, log-det vs numerical Jacobian %.3g, solver's log-det error estimate %.3g",
					cfg.dim, cfg.ctx, steps[i-1], prevRT, prevLD, est)
				if prevLD > 2*est+2e-9 {
					t.Errorf("D=%d steps %d: the log-det differs from the discrete map's by %.3g, more than the solver's error %.3g", cfg.dim, steps[i-1], prevLD, est)
				}
				if prevRT > 1e-11 && prevRT/rt < 10 {
					t.Errorf("D=%d: round trip error falls %.3g to %.3g from %d to %d steps: not the solver's order", cfg.dim, prevRT, rt, steps[i-1], s)
				}
				if prevLD > 1e-7 && prevLD/ld < 10 {
					t.Errorf("D=%d: log-det error falls %.3g to %.3g from %d to %d steps: not 4th order", cfg.dim, prevLD, ld, steps[i-1], s)
				}
			}
			if s == 8 && (rt > 1e-6 || ld > 1e-6) {
				t.Errorf("D=%d at the default 8 steps: round trip %.3g, log-det %.3g; want both below 1e-6", cfg.dim, rt, ld)
			}
			prevRT, prevLD, prevLds = rt, ld, lds
		}
	}
}

// TestCNFStartsAtIdentity checks the initialisation: with the output
// layer at zero, f = 0, so z = x and the log-det is 0 exactly.
func TestCNFStartsAtIdentity(t *testing.T) {
	m, ps := lowerAt(t, []string{"CNF", "Gaussian"}, []stdlib.Args{cnfArgs(8, 4, nil), nil}, 3, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	x := randRows(rng, 5, 3, 1)
	if d := maxAbsDiff(x, run(m.Forward, ps, x, nil, 5, "z", 0)); d != 0 {
		t.Errorf("a new CNF moves x by %g", d)
	}
	for _, v := range run(m.Forward, ps, x, nil, 5, "logdet", 0) {
		if v != 0 {
			t.Errorf("a new CNF has log-det %g", v)
		}
	}
}

// TestCNFHutchinson checks the stochastic trace: the training loss with
// trace = "hutchinson" is deterministic by seed, differs between seeds,
// and over many seeds averages to the exact loss (Rademacher noise:
// unbiased); evaluation densities stay exact.
func TestCNFHutchinson(t *testing.T) {
	exact := layerCase{layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{cnfArgs(8, 4, nil), nil}, dim: 3}
	hutch := exact
	hutch.args = []stdlib.Args{cnfArgs(8, 4, stdlib.Args{"trace": {1}}), nil}
	me, pe := lower(t, exact, nil)
	mh, ph := lower(t, hutch, nil)
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 32
	x := randRows(rng, n, 3, 1)
	want := run(me.Loss, pe, x, nil, n, "loss", 1)[0]
	if a, b := run(mh.Loss, ph, x, nil, n, "loss", 5)[0], run(mh.Loss, ph, x, nil, n, "loss", 5)[0]; a != b {
		t.Errorf("the same seed gives losses %v and %v", a, b)
	}
	if a, b := run(mh.Loss, ph, x, nil, n, "loss", 5)[0], run(mh.Loss, ph, x, nil, n, "loss", 6)[0]; a == b {
		t.Errorf("two seeds give the same loss %v: no noise", a)
	}
	const seeds = 400
	var sum, sq float64
	for s := range seeds {
		l := run(mh.Loss, ph, x, nil, n, "loss", uint64(100+s))[0]
		sum += l
		sq += l * l
	}
	mean := sum / seeds
	se := math.Sqrt((sq/seeds - mean*mean) / seeds)
	t.Logf("exact loss %.6f; Hutchinson mean over %d seeds %.6f ± %.2g", want, seeds, mean, se)
	if math.Abs(mean-want) > 4*se+1e-12 {
		t.Errorf("Hutchinson's loss averages %.6f ± %.2g, exact %.6f: biased", mean, se, want)
	}
	lpE := run(me.LogProb, pe, x, nil, n, "logp", 1)
	lpH := run(mh.LogProb, ph, x, nil, n, "logp", 2)
	if d := maxAbsDiff(lpE, lpH); d != 0 {
		t.Errorf("evaluation densities differ by %g between the trace options: eval must be exact", d)
	}
}

// TestCNFDensityIntegrates integrates the 2-D density of a CNF (default
// steps, parameters away from their initial values, tanh and, unless
// -short, softplus) over [-8, 8]² by the midpoint rule (h = 0.08).
func TestCNFDensityIntegrates(t *testing.T) {
	acts := []float64{0, 1}
	if testing.Short() {
		acts = acts[:1]
	}
	for _, act := range acts {
		c := layerCase{layers: []string{"CNF", "Gaussian"}, args: []stdlib.Args{{"hidden": {16, 16}, "activation": {act}}, nil}, dim: 2}
		m, ps := lower(t, c, nil)
		mass := integrate2D(t, m, ps, -8, 8, 200)
		t.Logf("activation %v: the density integrates to %.6f", act, mass)
		if math.Abs(mass-1) > 0.01 {
			t.Errorf("activation %v: the 2-D CNF density integrates to %.6f, want 1 ± 0.01", act, mass)
		}
	}
}

// TestCNFProgramSize measures the size of a CNF's programs per
// dimension at the default steps, which Spec.SolveBytes states for the
// compiler's memory estimate: it must not understate it.
func TestCNFProgramSize(t *testing.T) {
	const dim = 8
	m, err := compiler.Lower("flow", stages(t, []string{"CNF", "Gaussian"}, []stdlib.Args{nil, nil}), dim, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	instrs := 0
	for _, p := range []int{len(m.Forward.Instrs), len(m.LogProb.Instrs), len(m.Loss.Instrs), len(m.Grad.Instrs), len(m.Inverse.Instrs), len(m.Sample.Instrs)} {
		instrs += p
	}
	// An instruction costs about 200 bytes (the instruction and its
	// executor's bookkeeping) and a [B,64] buffer per row of the batch:
	// at B = 1 the bytes are a lower bound.
	const bytesPerInstr = 200
	perDim := instrs * bytesPerInstr / dim
	t.Logf("CNF over %d dimensions at the default steps: %d instructions across its programs, ≈%d bytes per dimension (SolveBytes %d)",
		dim, instrs, perDim, stdlib.Lookup("CNF").SolveBytes)
	if sb := stdlib.Lookup("CNF").SolveBytes; perDim > sb || 2*perDim < sb {
		t.Errorf("the programs take ≈%d bytes per dimension; SolveBytes = %d should be within 2x above it", perDim, sb)
	}
}

// TestCNFInverseLogdet checks the sampling direction with its log-det
// (variational inference's): integrating backwards with the trace gives
// x and minus the integral, which must agree with the forward log-det at
// that x to the solver's error, and the forward map must take x back to z.
func TestCNFInverseLogdet(t *testing.T) {
	for _, steps := range []int{8, 16} {
		var table []ir.Param
		spec := stdlib.Lookup("CNF")
		f := spec.New(stdlib.Config{Args: spec.Bind(cnfArgs(8, steps, nil)), Dim: 3, Name: "cnf0", Table: &table}).(stdlib.Flow)
		b := ir.NewBuilder("t", &table)
		z := b.Input("z", 3)
		env := &stdlib.Env{Mode: stdlib.Eval, Context: ir.None}
		x, ld := stdlib.InverseWithLogdet(f, b, z, env)
		z2, fwd := f.Forward(b, x, env)
		b.Output("ld", ld)
		b.Output("fwd", fwd)
		b.Output("z2", z2)
		ps := runtime.NewParams(b.Program().Params)
		rng := rand.New(rand.NewPCG(1, 2))
		ps.Init(rng)
		for _, v := range ps.Views {
			for j := range v {
				v[j] += 0.3 * rng.NormFloat64()
			}
		}
		const n = 16
		zs := randRows(rng, n, 3, 1)
		e := runtime.New(b.Program(), ps, n, nil)
		copy(e.Input(0), zs)
		e.Run()
		dl := maxAbsDiff(e.Output("ld"), e.Output("fwd"))
		dz := maxAbsDiff(e.Output("z2"), zs)
		t.Logf("steps %d: inverse log-det vs forward log-det %.2g, forward(inverse(z)) - z %.2g", steps, dl, dz)
		if dl > 1e-7 || dz > 1e-7 {
			t.Errorf("steps %d: the backward log-det differs from the forward one by %.3g, the round trip by %.3g", steps, dl, dz)
		}
	}
}

// TestCNFCostGrowsWithSteps: the compiler's estimate of a CNF grows with
// its unrolled solver (it did not: CNF(64, 64, steps = 32) over 16
// columns was estimated at 49 MB, as at 8 steps, and used 1.9 GB), so a
// file asking for a thousand steps over many columns is refused before
// anything is allocated.
func TestCNFCostGrowsWithSteps(t *testing.T) {
	cost := func(steps, dim int) compiler.Cost {
		c, err := compiler.FlowCost("flow", stages(t, []string{"CNF", "Gaussian"}, []stdlib.Args{{"hidden": {64, 64}, "steps": {float64(steps)}}, nil}), dim, compiler.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c8, c32 := cost(8, 16), cost(32, 16)
	if r := float64(c32.Width) / float64(c8.Width); r < 3.5 || r > 4.5 {
		t.Errorf("width at 32 steps is %.2f× that at 8; want about 4×", r)
	}
	if r := float64(c32.Solve) / float64(c8.Solve); r < 3.5 || r > 4.5 {
		t.Errorf("program bytes at 32 steps are %.2f× those at 8; want about 4×", r)
	}
	// Measured peak RSS of 3 training steps at batch 256: 488 MB at 8
	// steps, 1.9 GB at 32. The estimate must not fall below it.
	for _, c := range []struct {
		cost compiler.Cost
		rss  float64
	}{{c8, 488e6}, {c32, 1.9e9}} {
		if est := compiler.TrainMemory(c.cost, 4000, 16, 256, 1); est < c.rss || est > 3*c.rss {
			t.Errorf("estimate %.0f MB for a run that peaked at %.0f MB; want between 1× and 3×", est/1e6, c.rss/1e6)
		}
	}
	big := cost(1000, 64)
	if est := compiler.TrainMemory(big, 4000, 64, 256, 2); est < 100e9 {
		t.Errorf("CNF(64, 64, steps = 1000) over 64 columns is estimated at %.1f GB", est/1e9)
	}
}
