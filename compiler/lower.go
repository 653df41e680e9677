package compiler

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/escape"
	"github.com/noxlang/nox/stdlib"
)

// Stage is one checked element of a flow pipeline.
type Stage struct {
	Spec *stdlib.Spec
	Args stdlib.Args
	// Name labels the stage's parameters and IR ("maf1", "reverse2").
	Name string
	// Inverted exchanges the layer's two directions: Inverse(L) in the
	// language (stdlib.Invert).
	Inverted bool
}

// Format renders the stage as a person would write it: "MAF(64)",
// "Inverse(Planar)".
func (s Stage) Format() string {
	if s.Inverted {
		return "Inverse(" + s.Spec.Format(s.Args) + ")"
	}
	return s.Spec.Format(s.Args)
}

// NewStage builds the stage named name of layer with arguments args, as
// a saved model states them: the layer must exist and the arguments
// (defaults filled in) must be what the checker would accept.
func NewStage(layer, name string, args stdlib.Args) (Stage, error) {
	spec := stdlib.Lookup(layer)
	if spec == nil {
		return Stage{}, fmt.Errorf("the model uses layer %s, which this nox does not have", escape.Excerpt(layer, 40))
	}
	for arg := range args {
		if !slices.ContainsFunc(spec.Params, func(p stdlib.Param) bool { return p.Name == arg }) {
			// An argument this nox does not know (one a newer nox added)
			// would be dropped, and the model rebuilt differently.
			return Stage{}, fmt.Errorf("stage %s: %s has no argument %s in this nox", escape.Text(name), layer, escape.Excerpt(arg, 40))
		}
	}
	bound := spec.Bind(args)
	if err := spec.Validate(bound); err != nil {
		return Stage{}, fmt.Errorf("stage %s: %v", name, err)
	}
	return Stage{Spec: spec, Args: bound, Name: name}, nil
}

// Invertible returns why wrapping layer spec with args in Inverse is
// refused, or nil: L must be a bijector defined on all of R^D with an
// inverse to take (stdlib.Spec.NotInvertible), and not one whose inverse
// is a layer of its own (MAF and IAF: Spec.InverseLayer), which the
// checker writes instead.
func Invertible(spec *stdlib.Spec, args stdlib.Args) error {
	switch {
	case spec.Kind == stdlib.Prior:
		return fmt.Errorf("%s is a prior; invert the stages before it", spec.Name)
	case spec.Kind != stdlib.Bijector:
		return fmt.Errorf("%s cannot be inverted: it sends columns to the prior", spec.Name)
	case spec.NotInvertible != "":
		return fmt.Errorf("%s cannot be inverted: %s", spec.Name, spec.NotInvertible)
	case spec.InverseLayer != "":
		return fmt.Errorf("Inverse(%s) is %s, which nox writes instead", spec.Name, spec.InverseLayer)
	}
	return nil
}

// Options are the parts of a model that its training statement fixes.
// They are structure only: the values the training data gives the
// standardization are fixed parameters of the model (see Standardize and
// Model.FixedValues), so a model's programs depend on its data's width,
// never on its values.
type Options struct {
	// PreLogitLead rebuilds a model saved (model format 3 or older)
	// before Logit became a preprocessing stage: its defensive fit comes
	// after the leading Dequantize stages only, as it did when it was
	// trained, so the model loads as it was saved.
	PreLogitLead bool
	// Standardize maps the data columns by (x − mean)/std before the
	// first stage; Whiten by (x − mean)·W instead, W a D×D whitening
	// matrix (with D ≥ 2; a one-column model only standardizes). The
	// map is part of the model, so densities and samples are in the
	// data's original units.
	Standardize, Whiten bool
	// ContextDim is the number of context columns (0: unconditional).
	// With Standardize they are standardized too; the context feeds the
	// conditioners and has no density of its own, so its map adds no
	// log-det.
	ContextDim int
	// Defensive is the weight ε of the defensive mixture, in [0, 1): the
	// model's density is p(x) = (1−ε)·p_flow(x) + ε·p_fit(x), where
	// p_fit is the Gaussian the flow starts as — the standardization,
	// then the flow's leading preprocessing stages
	// (stdlib.Preprocessor: Dequantize, Logit, with any column
	// reorderings among them), then N(0, I) — so the
	// full-covariance Gaussian fit of the training rows when it whitens,
	// the diagonal fit when it only standardizes and N(0, I) without it.
	// A conditional model's p_fit is the same for every context. Every
	// row's loss is then at most log(1/ε) − log p_fit(x), however badly
	// the flow fits it, and a well-fit row pays at most
	// log(1/(1−ε)) ≈ ε. LogProb, Loss (so Grad and training) and Sample
	// are the mixture's; Forward and Inverse stay the flow's bijection,
	// and Forward's log-det is the flow's. 0 lowers exactly the flow's
	// programs.
	Defensive float64
	// Angles are the data columns (0-based, ascending) that are angles
	// in [-π, π) (csv(..., angles = ...)). The standardization leaves
	// them as they are; the circular layers (stdlib.AngleSafe) map them
	// on the circle, followed through column reorderings; the prior
	// (and the defensive fit) is uniform on the circle in them
	// (stdlib.WithAngles). Any other layer is refused on such data.
	Angles []int
}

// Model is a flow lowered to IR: one parameter table and the programs over
// it. Every program of a conditional model (ContextDim > 0) has a second
// input "c", the context rows, after its data input.
type Model struct {
	Name       string
	Dim        int
	ContextDim int
	// Stages and Options are what the model was lowered from: with the
	// parameter values (fixed ones included) they rebuild it (a saved
	// model is these three).
	Stages  []Stage
	Options Options
	Params  []ir.Param
	// Forward maps input "x" to outputs "z" and "logdet" (log|det ∂z/∂x|).
	Forward *ir.Program
	// Inverse maps input "z" to output "x".
	Inverse *ir.Program
	// LogProb maps "x" to "logp" ([B,1]), in evaluation mode.
	LogProb *ir.Program
	// Loss maps "x" to "loss", the mean negative log-likelihood of the
	// batch ([1,1]), in training mode (dropout on).
	Loss *ir.Program
	// Grad is Loss with the gradient of "loss" for every trained
	// parameter, and the new values of state parameters (outputs
	// stdlib.StatePrefix + name).
	Grad *ir.Program
	// Sample draws from the prior and maps to "x".
	Sample *ir.Program
	// Init, when not nil, maps a first batch "x" to the data-dependent
	// initial values of some parameters (outputs stdlib.InitPrefix +
	// name); run it once before training.
	Init *ir.Program

	lead int // leading preprocessing stages (see Options.Defensive)
	std  stdParams
}

// Fit lowers the Gaussian fit p_fit of Options.Defensive as a model of
// its own: m's standardization and leading preprocessing stages, then a
// standard normal prior (stage "fit"), with no defensive mixture (a
// mixture of the fit with itself is the fit). Its only parameters are
// the standardization's, named as m's (copy their values by name), and
// it is conditional (takes context rows) when m is, though it ignores
// them.
func (m *Model) Fit() (*Model, error) {
	stages := append([]Stage(nil), m.Stages[:m.lead]...)
	g := stdlib.Lookup("Gaussian")
	stages = append(stages, Stage{Spec: g, Args: g.Bind(nil), Name: "fit"})
	opt := m.Options
	opt.Defensive = 0
	fit, err := Lower(m.Name, stages, m.Dim, opt)
	if err != nil {
		return nil, err
	}
	// The fit's fixed parameters start as m's (see InitFixed).
	for i, p := range fit.Params {
		for _, q := range m.Params {
			if q.Name == p.Name && q.Fixed {
				fit.Params[i].Init = q.Init
			}
		}
	}
	return fit, nil
}

// build makes the flow's layers, filling its parameter table, without
// emitting any program: Lower emits them, Cost only adds up the table.
func build(name string, stages []Stage, dim int, opt Options) (*lowering, error) {
	if len(stages) == 0 || stages[len(stages)-1].Spec.Kind != stdlib.Prior {
		return nil, fmt.Errorf("flow %s does not end with a prior", name)
	}
	if !(opt.Defensive >= 0 && opt.Defensive < 1) {
		return nil, fmt.Errorf("flow %s: defensive weight %v is outside [0, 1)", name, opt.Defensive)
	}
	var table []ir.Param
	l := &lowering{dim: dim, ctxDim: opt.ContextDim, table: &table, defensive: opt.Defensive}
	cur, run := dim, 0 // run: leading stages that preprocess or reorder
	ordinal := map[string]int{}
	angles, err := checkAngles(name, opt.Angles, dim)
	if err != nil {
		return nil, err
	}
	fitAngles := angles
	for _, s := range stages[:len(stages)-1] {
		if len(angles) > 0 && !stdlib.AngleSafe(s.Spec.Name) {
			return nil, fmt.Errorf("%s would treat the angle columns of flow %s as numbers, breaking their periodicity (layers that keep them on the circle: %s)", s.Name, name, strings.Join(angleSafeNames(), ", "))
		}
		cfg := stdlib.Config{Args: s.Args, Dim: cur, Name: s.Name, Table: &table, Ordinal: ordinal[s.Spec.Name], Angles: angles}
		ordinal[s.Spec.Name]++
		if s.Spec.Context {
			cfg.ContextDim = opt.ContextDim
		}
		switch s.Spec.Kind {
		case stdlib.Split:
			keep := s.Args.Int("keep")
			if keep < 1 || keep >= cur {
				return nil, fmt.Errorf("%s keeps %d of %s", s.Name, keep, plural(cur, "dimension"))
			}
			l.stages = append(l.stages, stage{split: keep, dim: cur, name: s.Name})
			cur = keep
		case stdlib.Bijector:
			f, ok := s.Spec.New(cfg).(stdlib.Flow)
			if !ok {
				return nil, fmt.Errorf("%s is not a bijector", s.Spec.Name)
			}
			if s.Inverted {
				if err := Invertible(s.Spec, s.Args); err != nil {
					return nil, fmt.Errorf("%s: %v", s.Name, err)
				}
				f = stdlib.Invert(f)
			}
			// The lead is the leading preprocessing stages, with any
			// column reorderings among them (Reverse |> Logit): the
			// defensive fit comes after them, so it too has no density
			// outside their domains.
			_, pre := f.(stdlib.Preprocessor)
			if opt.PreLogitLead { // as before issue 23
				pre = pre && s.Spec.Name == "Dequantize"
				if pre && len(l.stages) == l.lead {
					l.lead++
				}
				pre = false
			}
			if (pre || reorders(s.Spec)) && len(l.stages) == run {
				run++
				if pre {
					l.lead = run
				}
			}
			l.stages = append(l.stages, stage{flow: f, dim: cur})
			if perm, ok := stdlib.Reordering(f); ok && len(angles) > 0 {
				angles = reorderAngles(angles, perm)
			}
			if len(l.stages) == l.lead {
				fitAngles = angles
			}
		default:
			return nil, fmt.Errorf("%s cannot be a stage of a flow", s.Spec.Name)
		}
	}
	last := stages[len(stages)-1]
	cfg := stdlib.Config{Args: last.Args, Dim: dim - len(angles), Name: last.Name, Table: &table}
	if last.Spec.Context {
		cfg.ContextDim = opt.ContextDim
	}
	var prior stdlib.Density
	if cfg.Dim > 0 {
		p, ok := last.Spec.New(cfg).(stdlib.Density)
		if !ok {
			return nil, fmt.Errorf("%s is not a prior", last.Spec.Name)
		}
		prior = p
	}
	l.prior = stdlib.WithAngles(prior, dim, angles)
	if l.defensive > 0 {
		var fit stdlib.Density
		if dim > len(fitAngles) {
			f, ok := stdlib.Lookup("Gaussian").New(stdlib.Config{Dim: dim - len(fitAngles), Name: "defensive", Table: &table}).(stdlib.Density)
			if !ok {
				return nil, fmt.Errorf("the defensive Gaussian is not a density")
			}
			fit = f
		}
		l.fit = stdlib.WithAngles(fit, dim, fitAngles)
	}
	// The standardization's parameters come last, so that the layers'
	// parameters have the same places in the table with it or without.
	l.std = newStdParams(&table, dim, opt)
	return l, nil
}

// Lower builds the programs of a flow over dim dimensions. stages ends with
// a prior; Split stages narrow the dimensions the stages after them see.
func Lower(name string, stages []Stage, dim int, opt Options) (*Model, error) {
	l, err := build(name, stages, dim, opt)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: name, Dim: dim, ContextDim: opt.ContextDim, Stages: stages, Options: opt, lead: l.lead, std: l.std}
	m.Forward = l.forwardProgram()
	m.LogProb = l.logProbProgram("logprob", stdlib.Eval)
	m.Loss = l.logProbProgram("loss", stdlib.Train)
	m.Inverse = l.inverseProgram()
	m.Sample = l.sampleProgram()
	if init := l.logProbProgram("init", stdlib.Init); hasInit(init) {
		m.Init = ir.DCE(init)
	}
	m.Params = *l.table
	g, err := ad.Grad(m.Loss, "loss")
	if err != nil {
		return nil, err
	}
	m.Grad = g
	return m, nil
}

func hasInit(p *ir.Program) bool {
	for _, o := range p.Outputs {
		if strings.HasPrefix(o.Name, stdlib.InitPrefix) {
			return true
		}
	}
	return false
}

// stage is a lowered flow stage: a bijector, or a split that keeps the
// first split of its dim columns and sends the rest to the prior.
type stage struct {
	flow  stdlib.Flow
	split int
	dim   int // columns the stage receives
	name  string
}

type lowering struct {
	stages []stage
	prior  stdlib.Density
	dim    int
	std    stdParams
	ctxDim int
	table  *[]ir.Param
	// defensive is the mixture weight ε of fit, N(0, I) over the values
	// after the standardization and the first lead stages (the preprocessing ones); fit
	// is nil when ε = 0.
	defensive float64
	fit       stdlib.Density
	lead      int
}

// flowOut is what forward emits: the flow's latents with their log-det
// (see forward), and the point where the defensive Gaussian is evaluated
// with the log-det of the map to it.
type flowOut struct {
	z, logdet ir.Value
	fit       ir.Value // after the standardization and the leading preprocessing stages
	fitLogdet ir.Value // their per-row log-det, or ir.None
}

// env starts a program: its data input named in (if any) and the context
// input, standardized.
func (l *lowering) env(b *ir.Builder, mode stdlib.Mode) *stdlib.Env {
	env := &stdlib.Env{Mode: mode, Context: ir.None}
	if l.ctxDim == 0 {
		return env
	}
	c := b.Input("c", l.ctxDim)
	if l.std.ctxMean >= 0 {
		b.SetNote("standardize context")
		c = b.Mul(b.Sub(c, b.Param(l.std.ctxMean)), b.Param(l.std.ctxInv))
	}
	env.Context = c
	return env
}

// forward emits the stages from x; it returns z and the summed per-row
// log-det of the stages (ir.None if every stage preserves volume); the
// standardization's constant log-det is added by the caller
// (stdParams.addLogdet). The columns a Split sends to the prior are
// appended to z after the flow's output, the last split's first.
func (l *lowering) forward(b *ir.Builder, x ir.Value, env *stdlib.Env) flowOut {
	h := l.std.forward(b, x)
	logdet := ir.None
	var fit, fitLogdet ir.Value
	var out []ir.Value // split-off columns, in order
	for i, s := range l.stages {
		if i == l.lead {
			fit, fitLogdet = h, logdet
		}
		if s.flow == nil {
			b.SetNote(s.name)
			out = append(out, b.SliceCols(h, s.split, s.dim))
			h = b.SliceCols(h, 0, s.split)
			continue
		}
		var ld ir.Value
		h, ld = s.flow.Forward(b, h, env)
		if ld == ir.None {
			continue
		}
		if logdet == ir.None {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	if l.lead == len(l.stages) {
		fit, fitLogdet = h, logdet
	}
	for i := len(out) - 1; i >= 0; i-- {
		b.SetNote("split/join")
		h = b.ConcatCols(h, out[i])
	}
	return flowOut{z: h, logdet: logdet, fit: fit, fitLogdet: fitLogdet}
}

func (l *lowering) forwardProgram() *ir.Program {
	b := ir.NewBuilder("forward", l.table)
	x := b.Input("x", l.dim)
	f := l.forward(b, x, l.env(b, stdlib.Eval))
	z, ld := f.z, f.logdet
	b.SetNote("logdet")
	if ld == ir.None {
		ld = b.Scale(b.SumCols(b.Sub(x, x)), 0)
	}
	ld = l.std.addLogdet(b, ld)
	b.Output("z", z)
	b.Output("logdet", ld)
	return b.Program()
}

func (l *lowering) logProbProgram(name string, mode stdlib.Mode) *ir.Program {
	b := ir.NewBuilder(name, l.table)
	x := b.Input("x", l.dim)
	env := l.env(b, mode)
	f := l.forward(b, x, env)
	lp := l.prior.LogProb(b, f.z, env)
	b.SetNote("logp")
	if f.logdet != ir.None {
		lp = b.Add(lp, f.logdet)
	}
	lp = l.std.addLogdet(b, lp)
	if l.fit != nil && mode != stdlib.Init {
		lp = l.mixture(b, lp, f, env)
	}
	if mode == stdlib.Eval {
		b.Output("logp", lp)
		return b.Program()
	}
	b.SetNote("loss")
	b.Output("loss", b.Neg(b.MeanRows(lp)))
	return b.Program()
}

// mixture emits log((1−ε)·exp(lp) + ε·p_fit(x)) per row, from the flow's
// log-density lp: with a = log(1−ε) + lp and c = log ε + log p_fit(x),
// m + log(exp(a−m) + exp(c−m)) for m = max(a, c), so that neither exp
// overflows and the log's argument is in [1, 2]. The identity holds for
// any finite m, so m is clamped to ±MaxFloat32 (finite in float32 as
// well): a flow log-density of −Inf (a density hole) gives
// log ε + log p_fit(x), and both −Inf give −Inf rather than NaN. (Only
// when both parts are below −3.4e38 does the clamp matter: the result is
// then −Inf.) The gradient through m cancels (it is
// 1 − (exp(a−m) + exp(c−m))/(exp(a−m) + exp(c−m))), so AD's choice at a
// tie of the max does not matter.
func (l *lowering) mixture(b *ir.Builder, lp ir.Value, f flowOut, env *stdlib.Env) ir.Value {
	defer b.SetNote(b.SetNote("defensive"))
	fit := l.fit.LogProb(b, f.fit, env)
	if f.fitLogdet != ir.None {
		fit = b.Add(fit, f.fitLogdet)
	}
	a := b.AddConst(lp, math.Log1p(-l.defensive))
	var c ir.Value
	if l.std.fitC >= 0 {
		c = b.Add(fit, b.Param(l.std.fitC)) // log ε + the standardization's log-det
	} else {
		c = b.AddConst(fit, math.Log(l.defensive))
	}
	m := b.Clamp(b.MaxCols(b.ConcatCols(a, c)), -math.MaxFloat32, math.MaxFloat32)
	return b.Add(m, b.Log(b.Add(b.Exp(b.Sub(a, m)), b.Exp(b.Sub(c, m)))))
}

// inverse maps z back through the stages and the standardization. pick, if not nil, is
// applied to the values between the learned stages and the leading
// preprocessing ones (the space of the defensive Gaussian). logdet, if
// not nil, accumulates each stage's forward log-det at the point its
// inverse reached (stdlib.InverseWithLogdet): log q of a draw, for
// variational inference.
func (l *lowering) inverse(b *ir.Builder, z ir.Value, env *stdlib.Env, pick func(ir.Value) ir.Value, logdet *ir.Value) ir.Value {
	// Undo the joins: the flow's output is the first columns of z, then
	// each split's columns, the last split's first.
	cur := l.dim
	for _, s := range l.stages {
		if s.flow == nil {
			cur = s.split
		}
	}
	h := b.SliceCols(z, 0, cur)
	off := cur
	for i := len(l.stages) - 1; i >= 0; i-- {
		if i == l.lead-1 && pick != nil {
			h = pick(h)
		}
		s := l.stages[i]
		if s.flow == nil {
			b.SetNote(s.name + "/inverse")
			n := s.dim - s.split
			h = b.ConcatCols(h, b.SliceCols(z, off, off+n))
			off += n
			continue
		}
		if logdet == nil {
			h = s.flow.Inverse(b, h, env)
			continue
		}
		var ld ir.Value
		h, ld = stdlib.InverseWithLogdet(s.flow, b, h, env)
		if ld != ir.None {
			b.SetNote("fit/logq")
			*logdet = b.Add(*logdet, ld)
		}
	}
	if l.lead == 0 && pick != nil {
		h = pick(h)
	}
	return l.std.inverse(b, h)
}

func (l *lowering) inverseProgram() *ir.Program {
	b := ir.NewBuilder("inverse", l.table)
	z := b.Input("z", l.dim)
	env := l.env(b, stdlib.Eval)
	b.Output("x", l.inverse(b, z, env, nil, nil))
	return b.Program()
}

// sampleProgram draws from the flow; with a defensive mixture, each row
// is replaced with probability ε by a draw of the defensive Gaussian
// (u < ε for u uniform in [0, 1)) before the preprocessing stages and the standardization
// are inverted, which both components share. The selection multiplies by
// a 0/1 mask, so the row taken is copied exactly.
func (l *lowering) sampleProgram() *ir.Program {
	b := ir.NewBuilder("sample", l.table)
	env := l.env(b, stdlib.Eval)
	z := l.prior.Sample(b, env)
	var pick func(ir.Value) ir.Value
	if l.fit != nil {
		pick = func(h ir.Value) ir.Value {
			defer b.SetNote(b.SetNote("defensive/sample"))
			eps := l.fit.Sample(b, env)
			u := b.RandUniform(ir.Shape{Rows: ir.Batch, Cols: 1})
			mask := b.Greater(b.Neg(u), b.Scalar(-l.defensive)) // u < ε
			keep := b.AddConst(b.Neg(mask), 1)
			return b.Add(b.Mul(eps, mask), b.Mul(h, keep))
		}
	}
	b.Output("x", l.inverse(b, z, env, pick, nil))
	return b.Program()
}

// checkAngles checks a flow's angle columns: ascending, distinct, within
// its dim columns.
func checkAngles(name string, angles []int, dim int) ([]int, error) {
	for i, a := range angles {
		if a < 0 || a >= dim || (i > 0 && a <= angles[i-1]) {
			return nil, fmt.Errorf("flow %s: angle columns %v are not distinct ascending columns of %d", name, angles, dim)
		}
	}
	return angles, nil
}

// reorderAngles returns where angle columns go under a reordering
// z[:, j] = x[:, perm[j]], ascending.
func reorderAngles(angles, perm []int) []int {
	var out []int
	for j, k := range perm {
		if slices.Contains(angles, k) {
			out = append(out, j)
		}
	}
	return out
}

// angleSafeNames lists the bijectors stdlib.AngleSafe allows.
func angleSafeNames() []string {
	var out []string
	for _, n := range stdlib.Names() {
		if s := stdlib.Lookup(n); s.Kind == stdlib.Bijector && stdlib.AngleSafe(n) {
			out = append(out, n)
		}
	}
	return out
}
