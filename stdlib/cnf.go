package stdlib

import (
	"fmt"
	"math"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
)

// CNF is a continuous normalizing flow (FFJORD): the map from x to z is
// the solution at t = 1 of dz/dt = f(z, t[, c]) from z(0) = x, f an MLP,
// and log|det ∂z/∂x| = ∫₀¹ tr ∂f/∂z dt. IR programs have no loops, so the
// solver is unrolled: `steps` classical Runge–Kutta (RK4) steps of the
// augmented state (z, ∫tr), each four evaluations of f. The trace is
// exact, Σᵢ eᵢᵀ(∂f/∂z)eᵢ with D vector–Jacobian products that ad.VJP
// derives inside the program being emitted; training then differentiates
// a program holding derived derivatives (second order). Hutchinson's
// estimator εᵀ(∂f/∂z)ε (one VJP, Rademacher ε drawn once per pass) is an
// option for the training objective only: densities are always exact.

func init() {
	register(&Spec{
		Name: "CNF",
		Kind: Bijector,
		Params: []Param{
			{Name: "hidden", Type: Int, Variadic: true, Default: []float64{64, 64}, Min: 1, Max: 1 << 16,
				Doc: "widths of the dynamics network's hidden layers"},
			{Name: "steps", Type: Int, Default: []float64{cnfDefaultSteps}, Min: 1, Max: cnfMaxSteps,
				Doc: "RK4 steps over t in [0, 1], each four evaluations of the dynamics; the solver's error falls as steps^-4"},
			{Name: "activation", Type: Choice, Default: []float64{0}, Choices: []string{"tanh", "softplus"},
				Doc: "the dynamics network's activation: smooth, since the log-det differentiates it and training differentiates that again"},
			{Name: "trace", Type: Choice, Default: []float64{0}, Choices: []string{"exact", "hutchinson"},
				Doc: "the trace of the training objective: exact (D vector-Jacobian products per evaluation) or " +
					"Hutchinson's unbiased estimate with Rademacher noise (one); densities are always exact"},
		},
		MinDim:  1,
		Context: true,
		Doc: "Continuous normalizing flow (FFJORD): z = x + integral_0^1 f(z(t), t, c) dt, f an MLP on [z, t, context] " +
			"with tanh or softplus activations, its output layer zero-initialised (the layer starts as the identity). " +
			"The ODE is solved by `steps` unrolled RK4 steps (default 8); log-det = integral_0^1 tr(df/dz) dt, " +
			"integrated by the same steps, with the exact trace from D vector-Jacobian products derived inside the program " +
			"(or, for training only, Hutchinson's one-sample estimate). Sampling integrates backwards on the same grid. " +
			"The discrete maps are inverse to each other and the log-det matches the discrete map's only up to the solver's " +
			"error, O(steps^-4). Cost per row: forward (density) 4*steps evaluations of f, each one network pass and D " +
			"vector-Jacobian products (about 2 passes each): about 4*steps*(1 + 2D) passes; inverse (sampling) 4*steps passes; " +
			"training differentiates the forward again (about 3x). Program size grows as steps*D.",
		Paper: "Grathwohl, Chen, Bettencourt, Sutskever & Duvenaud 2019, FFJORD: Free-form Continuous Dynamics for " +
			"Scalable Reversible Generative Models; Chen, Rubanova, Bettencourt & Duvenaud 2018, Neural Ordinary Differential Equations",
		// The programs grow with steps·D: about 60 kB of instructions and
		// buffers per dimension at the default 8 steps and hidden [64, 64]
		// (see TestCNFProgramSize), most of it the D vector-Jacobian
		// products of each evaluation.
		SolveBytes: cnfBytesPerDim,
		CostScale:  cnfCostScale,
		New:        newCNF,
	})
}

const (
	cnfDefaultSteps = 8
	cnfMaxSteps     = 1000
	// cnfBytesPerDim is the measured program size per dimension at the
	// default steps (TestCNFProgramSize keeps it honest).
	cnfBytesPerDim = 640 << 10
)

// cnfCostScale: a pass evaluates the network 4·steps times, each with D
// vector-Jacobian products of about two passes' buffers; the runtime
// keeps about a third of them live at once (measured: peak RSS of 3
// training steps of CNF(64, 64) over 16 columns, batch 256: 488 MB at 8
// steps and 1.9 GB at 32, against estimates of 0.62 and 2.5 GB). The
// programs grow with steps from SolveBytes' default-steps measure.
func cnfCostScale(a Args, dim int) (width, solve float64) {
	steps := float64(a.Int("steps"))
	return 4 * steps * float64(1+2*dim) / 3, steps / cnfDefaultSteps
}

// cnf holds the dynamics network f(z, t, c): the first layer's weight
// is [D + 1 + C, H₀], its rows for z, t and the context; the output
// layer [H, D] starts at zero.
type cnf struct {
	name       string
	dim, ctx   int
	steps      int
	softplus   bool
	hutchinson bool
	w, bias    []int
}

func newCNF(cfg Config) Layer {
	c := &cnf{
		name: cfg.Name, dim: cfg.Dim, ctx: cfg.ContextDim,
		steps:      cfg.Args.Int("steps"),
		softplus:   cfg.Args.Int("activation") == 1,
		hutchinson: cfg.Args.Int("trace") == 1,
	}
	sizes := append(append([]int{cfg.Dim + 1 + cfg.ContextDim}, cfg.Args.Ints("hidden")...), cfg.Dim)
	for l := 0; l+1 < len(sizes); l++ {
		init := ir.Init{Kind: ir.InitUniform, Scale: 1 / math.Sqrt(float64(sizes[l]))}
		tag := fmt.Sprintf("h%d", l)
		if l+2 == len(sizes) {
			init, tag = ir.Init{Kind: ir.InitZero}, "out"
		}
		c.w = append(c.w, cfg.Param(tag+".w", ir.Shape{Rows: sizes[l], Cols: sizes[l+1]}, init))
		c.bias = append(c.bias, cfg.Param(tag+".b", ir.Shape{Rows: 1, Cols: sizes[l+1]}, ir.Init{Kind: ir.InitZero}))
	}
	return c
}

// traceMode is how an integration accounts for the log-det.
type traceMode int

const (
	noTrace traceMode = iota
	exactTrace
	hutchinsonTrace
)

// dynamics are the values every evaluation of f in one pass shares.
type dynamics struct {
	wz, wt ir.Value // the first layer's rows for z ([D,H₀]) and t ([1,H₀])
	b0     ir.Value // its bias, [1,H₀]
	cterm  ir.Value // context·W_c ([B,H₀]), constant in t; ir.None without context
	w, b   []ir.Value
	mode   traceMode
	eps    ir.Value   // Hutchinson's noise ([B,D])
	onehot []ir.Value // e_i broadcast to [B,D], for the exact trace
}

func (c *cnf) dynamics(b *ir.Builder, z ir.Value, env *Env, mode traceMode) *dynamics {
	w0 := b.Param(c.w[0])
	d := &dynamics{
		wz: b.SliceRows(w0, 0, c.dim), wt: b.SliceRows(w0, c.dim, c.dim+1),
		b0: b.Param(c.bias[0]), cterm: ir.None, mode: mode,
	}
	if c.ctx > 0 && env.Context != ir.None {
		d.cterm = b.MatMul(env.Context, b.SliceRows(w0, c.dim+1, c.dim+1+c.ctx), 0)
	}
	for l := 1; l < len(c.w); l++ {
		d.w = append(d.w, b.Param(c.w[l]))
		d.b = append(d.b, b.Param(c.bias[l]))
	}
	shape := b.Type(z)
	switch mode {
	case hutchinsonTrace:
		u := b.RandUniform(shape)
		d.eps = b.AddConst(b.Scale(b.Greater(u, b.Scalar(0.5)), 2), -1)
	case exactTrace:
		for i := range c.dim {
			e := make([]float64, c.dim)
			e[i] = 1
			d.onehot = append(d.onehot, b.BroadcastRows(b.Const(ir.Shape{Rows: 1, Cols: c.dim}, e), shape, false))
		}
	}
	return d
}

func (c *cnf) act(b *ir.Builder, x ir.Value) ir.Value {
	if c.softplus {
		return b.Softplus(x)
	}
	return b.Tanh(x)
}

// field emits f(z, t) and, unless d.mode is noTrace, tr ∂f/∂z per row
// ([B,1]) from vector–Jacobian products over the instructions just
// emitted for f.
func (c *cnf) field(b *ir.Builder, d *dynamics, z ir.Value, t float64) (f, tr ir.Value) {
	h := b.Add(b.MatMul(z, d.wz, 0), b.Add(d.b0, b.Scale(d.wt, t)))
	if d.cterm != ir.None {
		h = b.Add(h, d.cterm)
	}
	h = c.act(b, h)
	for l := range d.w {
		h = b.Add(b.MatMul(h, d.w[l], 0), d.b[l])
		if l+1 < len(d.w) {
			h = c.act(b, h)
		}
	}
	f = h
	switch d.mode {
	case exactTrace:
		tr = ir.None
		for i, e := range d.onehot {
			col := b.SliceCols(c.vjp(b, f, z, e), i, i+1)
			if tr == ir.None {
				tr = col
			} else {
				tr = b.Add(tr, col)
			}
		}
	case hutchinsonTrace:
		tr = b.SumCols(b.Mul(c.vjp(b, f, z, d.eps), d.eps))
	default:
		tr = ir.None
	}
	return f, tr
}

// vjp is ad.VJP, whose errors here would be a bug of this file (every op
// f uses has a rule, and f depends on z by construction).
func (c *cnf) vjp(b *ir.Builder, f, z, ct ir.Value) ir.Value {
	v, err := ad.VJP(b, f, z, ct)
	if err != nil {
		panic(fmt.Sprintf("stdlib: %s: %v", c.name, err))
	}
	return v
}

// integrate emits RK4 over t from 0 to 1 (backward: from 1 to 0, the same
// grid) from z, and, unless mode is noTrace, the RK4 sum of the traces
// along the way, Σ h/6 (tr₁ + 2tr₂ + 2tr₃ + tr₄) with h signed ([B,1]).
func (c *cnf) integrate(b *ir.Builder, z ir.Value, env *Env, backward bool, mode traceMode) (ir.Value, ir.Value) {
	d := c.dynamics(b, z, env, mode)
	h := 1 / float64(c.steps)
	t0 := 0.0
	if backward {
		h, t0 = -h, 1
	}
	acc := ir.None
	for k := range c.steps {
		t := t0 + float64(k)*h
		k1, tr1 := c.field(b, d, z, t)
		k2, tr2 := c.field(b, d, b.Add(z, b.Scale(k1, h/2)), t+h/2)
		k3, tr3 := c.field(b, d, b.Add(z, b.Scale(k2, h/2)), t+h/2)
		k4, tr4 := c.field(b, d, b.Add(z, b.Scale(k3, h)), t+h)
		sum := b.Add(b.Add(k1, k4), b.Scale(b.Add(k2, k3), 2))
		z = b.Add(z, b.Scale(sum, h/6))
		if mode == noTrace {
			continue
		}
		inc := b.Scale(b.Add(b.Add(tr1, tr4), b.Scale(b.Add(tr2, tr3), 2)), h/6)
		if acc == ir.None {
			acc = inc
		} else {
			acc = b.Add(acc, inc)
		}
	}
	return z, acc
}

// Forward integrates from t = 0 to 1; log-det is the integrated trace,
// exact except in training with trace = "hutchinson".
func (c *cnf) Forward(b *ir.Builder, x ir.Value, env *Env) (ir.Value, ir.Value) {
	defer b.SetNote(b.SetNote(c.name))
	mode := exactTrace
	if c.hutchinson && env.Mode == Train {
		mode = hutchinsonTrace
	}
	return c.integrate(b, x, env, false, mode)
}

// Inverse integrates from t = 1 back to 0 on the same grid: no trace.
func (c *cnf) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	x, _ := c.integrate(b, z, env, true, noTrace)
	return x
}

// InverseLogdet integrates backwards with the exact trace: the integral
// from 1 to 0 is minus the forward log-det at the point reached (to the
// solver's error), without a second, forward, integration.
func (c *cnf) InverseLogdet(b *ir.Builder, z ir.Value, env *Env) (ir.Value, ir.Value) {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	x, acc := c.integrate(b, z, env, true, exactTrace)
	return x, b.Neg(acc)
}
