package compiler

import (
	"fmt"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

// VI is a flow lowered for variational inference: fitting it to a target
// density by minimising the reverse KL divergence KL(q‖p) = E_q[log q(x)
// − log p̃(x)] + log Z. Its programs draw z₀ from the flow's prior and
// push it through the flow's sampling direction (each stage's inverse,
// with the log-det of its forward map at the point reached:
// stdlib.InverseWithLogdet), so that log q of every draw comes with it
// and the loss is differentiable in the flow's parameters through the
// draws (the reparameterisation trick).
//
// The parameter table is the model's, followed by fixed values the
// fitting loop sets: β (the target's weight, annealed) and the rows of
// each data set the target sums over. A fitted model keeps the first
// len(Model.Params) values.
type VI struct {
	Model *Model
	// Target is the density, or nil for a Go function's (LowerVIFunc).
	Target *Target
	Params []ir.Param
	// Beta is the index of β in Params.
	Beta int
	// Full are the data sets' sources holding every row (the draw
	// program's); Batch those a training step reads (the same, or M-row
	// minibatches the loop refills: FitOptions.DataBatch).
	Full, Batch map[*Data]RowSource
	// Grad outputs "loss" = mean(log q(x) − β·log p̃(x)) over a batch of
	// draws, with the gradient of every trained parameter. With the stl
	// estimator, log q is evaluated at the draws with the parameters
	// detached (the density direction, Builder.DetachParams), so only
	// the path through the draws carries gradient.
	Grad *ir.Program
	// Draw outputs "draw": rows of Dim+2 columns, a draw x of the flow,
	// its log q and its log p̃ (over every row of the data): what the
	// ELBO, log Z and the effective sample size are estimated from.
	Draw *ir.Program
}

// LowerVI lowers the programs that fit m to t (m a flow lowered over
// t.Dim dimensions, without standardization).
func LowerVI(m *Model, t *Target, o FitOptions) (vi *VI, err error) {
	if m.Dim != t.Dim || m.ContextDim != 0 {
		return nil, fmt.Errorf("flow %s maps %s with %s; density %s is over %s", m.Name, plural(m.Dim, "dimension"), plural(m.ContextDim, "context column"), t.Name, plural(t.Dim, "dimension"))
	}
	defer func() {
		// The builder panics at a shape it cannot build: the checker
		// should have refused the target.
		if r := recover(); r != nil {
			vi, err = nil, fmt.Errorf("lowering density %s: %v", t.Name, r)
		}
	}()
	l, vi, err := newVI(m)
	if err != nil {
		return nil, err
	}
	table := l.table
	vi.Target = t
	for _, d := range t.Data {
		n, cols := d.Table.Rows, d.Table.Cols
		p := ir.AddParam(table, ir.Param{Name: "data:" + d.Name, Shape: ir.Shape{Rows: n, Cols: cols},
			Init: ir.Init{Kind: ir.InitData, Data: d.Table.Values}, State: true, Fixed: true})
		vi.Full[d] = RowSource{Param: p, N: n, M: n}
		vi.Batch[d] = vi.Full[d]
		if mb := o.DataBatch; mb > 0 && mb < n {
			p := ir.AddParam(table, ir.Param{Name: "batch:" + d.Name, Shape: ir.Shape{Rows: mb, Cols: cols},
				Init: ir.Init{Kind: ir.InitData, Data: d.Table.Values[:mb*cols]}, State: true, Fixed: true})
			vi.Batch[d] = RowSource{Param: p, N: n, M: mb}
		}
	}
	env := &stdlib.Env{Mode: stdlib.Eval, Context: ir.None}

	b := ir.NewBuilder("fit", table)
	x, logq := l.drawLogq(b, env)
	if o.Estimator == "stl" {
		logq = l.detachedLogq(b, x, env)
	}
	logp := t.Emit(b, x, vi.Batch)
	b.SetNote("fit/loss")
	b.Output("loss", b.MeanRows(b.Sub(logq, b.Mul(logp, b.Param(vi.Beta)))))
	if vi.Grad, err = ad.Grad(ir.DCE(b.Program()), "loss"); err != nil {
		return nil, err
	}

	b = ir.NewBuilder("fit-draw", table)
	x, logq = l.drawLogq(b, env)
	logp = t.Emit(b, x, vi.Full)
	b.Output("draw", b.ConcatCols(b.ConcatCols(x, logq), logp))
	vi.Draw = b.Program()
	vi.Params = *table
	return vi, nil
}

// newVI builds m's layers anew over a table that the fit extends with
// its fixed values, β first.
func newVI(m *Model) (*lowering, *VI, error) {
	l, err := build(m.Name, m.Stages, m.Dim, m.Options)
	if err != nil {
		return nil, nil, err
	}
	vi := &VI{Model: m, Full: map[*Data]RowSource{}, Batch: map[*Data]RowSource{}}
	vi.Beta = ir.AddParam(l.table, ir.Param{Name: "fit:beta", Shape: ir.Shape{Rows: 1, Cols: 1},
		Init: ir.Init{Kind: ir.InitConst, Scale: 1}, State: true, Fixed: true})
	return l, vi, nil
}

// drawLogq emits draws x of the flow with their log-density: z₀ from the
// prior, through each stage's inverse in turn (the Split stages'
// columns rejoined as inverse does), log q(x) = log p(z₀) + Σ log|det
// ∂f_k/∂x_k| with each stage's forward log-det at the point its inverse
// reached.
func (l *lowering) drawLogq(b *ir.Builder, env *stdlib.Env) (x, logq ir.Value) {
	return l.drawFrom(b, l.prior.Sample(b, env), env)
}

// drawFrom is drawLogq from given prior draws z.
func (l *lowering) drawFrom(b *ir.Builder, z ir.Value, env *stdlib.Env) (x, logq ir.Value) {
	logq = l.prior.LogProb(b, z, env)
	x = l.inverse(b, z, env, nil, &logq)
	return x, logq
}

// detachedLogq emits log q(x) through the density direction with every
// parameter detached: its gradient reaches the parameters only through
// x (sticking the landing).
func (l *lowering) detachedLogq(b *ir.Builder, x ir.Value, env *stdlib.Env) ir.Value {
	defer b.DetachParams(b.DetachParams(true))
	defer b.SetNote(b.SetNote("fit/stl"))
	f := l.forward(b, x, env)
	lp := l.prior.LogProb(b, f.z, env)
	if f.logdet != ir.None {
		lp = b.Add(lp, f.logdet)
	}
	return l.std.addLogdet(b, lp)
}

// LowerVIFunc lowers the programs that fit m to a density given as a Go
// function with its gradient (nox.DensityFunc), which no program can
// call: each step first draws (Draw: rows of z₀, x = the flow's draw
// from z₀, and log q(x), 2·Dim+1 columns), the caller evaluates log p̃
// and g = ∇log p̃ at each x, and Grad, whose inputs are "z" (the z₀) and
// "g", recomputes x from z₀ and outputs "loss" = mean(log q(x) − β·g·x)
// with its gradients. g is a constant of the step, so the gradient of
// −β·g·x is −β·gᵀ∂x/∂θ, the chain rule through log p̃; the loss value
// itself is a surrogate (the caller knows the ELBO from the draws).
func LowerVIFunc(m *Model, o FitOptions) (vi *VI, err error) {
	if m.ContextDim != 0 {
		return nil, fmt.Errorf("flow %s is conditional; a density is fitted by an unconditional flow", m.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			vi, err = nil, fmt.Errorf("lowering the fit of flow %s: %v", m.Name, r)
		}
	}()
	l, vi, err := newVI(m)
	if err != nil {
		return nil, err
	}
	table := l.table
	env := &stdlib.Env{Mode: stdlib.Eval, Context: ir.None}

	b := ir.NewBuilder("fit", table)
	z := b.Input("z", m.Dim)
	g := b.Input("g", m.Dim)
	x, logq := l.drawFrom(b, z, env)
	if o.Estimator == "stl" {
		logq = l.detachedLogq(b, x, env)
	}
	b.SetNote("fit/loss")
	b.Output("loss", b.MeanRows(b.Sub(logq, b.Mul(b.SumCols(b.Mul(g, x)), b.Param(vi.Beta)))))
	if vi.Grad, err = ad.Grad(ir.DCE(b.Program()), "loss"); err != nil {
		return nil, err
	}

	b = ir.NewBuilder("fit-draw", table)
	z = l.prior.Sample(b, env)
	x, logq = l.drawFrom(b, z, env)
	b.Output("draw", b.ConcatCols(b.ConcatCols(z, x), logq))
	vi.Draw = b.Program()
	vi.Params = *table
	return vi, nil
}

// LowerTarget lowers t alone: a program from input "x" ([B,Dim]) to
// "logp" ([B,1]), log p̃ summed over every row of its data, over a table
// of the data sets' rows (fixed parameters). It scores points under a
// target: a plot of it, tests.
func LowerTarget(t *Target) (p *ir.Program, params []ir.Param, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, params, err = nil, nil, fmt.Errorf("lowering density %s: %v", t.Name, r)
		}
	}()
	rows := map[*Data]RowSource{}
	for _, d := range t.Data {
		i := ir.AddParam(&params, ir.Param{Name: "data:" + d.Name, Shape: ir.Shape{Rows: d.Table.Rows, Cols: d.Table.Cols},
			Init: ir.Init{Kind: ir.InitData, Data: d.Table.Values}, State: true, Fixed: true})
		rows[d] = RowSource{Param: i, N: d.Table.Rows, M: d.Table.Rows}
	}
	b := ir.NewBuilder("target", &params)
	x := b.Input("x", t.Dim)
	b.Output("logp", t.Emit(b, x, rows))
	return b.Program(), params, nil
}
