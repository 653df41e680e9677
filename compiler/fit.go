package compiler

import (
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Fit fits a flow to a target density by variational inference: reverse
// KL, with draws pushed through the flow's sampling direction (LowerVI).
type Fit struct {
	Pos    lang.Pos
	Flow   *Flow
	Target *Target
	Opts   FitOptions
}

// FitOptions are the settings of a fit statement.
type FitOptions struct {
	// Steps, Batch (draws from the flow per step), LR, Schedule, Clip
	// and Seed are as a train statement's.
	Steps    int
	Batch    int
	LR       float64
	Schedule string
	Clip     float64
	Seed     uint64
	// Anneal is the number of steps over which the weight β of log p̃
	// in the loss rises linearly from 0.01 to 1 (Rezende & Mohamed
	// 2015); 0 keeps β = 1.
	Anneal int
	// Estimator is "reparam" (the reparameterised gradient of the ELBO)
	// or "stl" (sticking the landing, Roeder et al. 2017: the path
	// gradient, without the score term whose expectation is zero).
	Estimator string
	// DType is "float64" or "float32".
	DType string
	// Samples is the number of draws the ELBO, log Z and the effective
	// sample size are estimated from after fitting; EvalEvery the steps
	// between estimates of the ELBO on fresh draws, which choose the
	// parameters kept (0: automatic).
	Samples   int
	EvalEvery int
	// DataBatch, if positive, is the number of rows of each data set a
	// step sums over (a minibatch estimate of the sum, scaled by N/M);
	// 0 sums over every row.
	DataBatch int
}

var fitTable = optionTable[FitOptions]{
	{stdlib.Param{Name: "steps", Type: stdlib.Int, Default: []float64{2000}, Min: 1, Max: 1e9,
		Doc: "Adam steps"}, func(o *FitOptions) any { return &o.Steps }},
	{stdlib.Param{Name: "batch", Type: stdlib.Int, Default: []float64{256}, Min: 1, Max: 1 << 20,
		Doc: "draws from the flow per step"}, func(o *FitOptions) any { return &o.Batch }},
	{stdlib.Param{Name: "lr", Type: stdlib.Float, Default: []float64{1e-3}, Min: 0, MinOpen: true, Max: 10,
		Doc: "Adam learning rate (peak, with a schedule)"}, func(o *FitOptions) any { return &o.LR }},
	{stdlib.Param{Name: "schedule", Type: stdlib.Choice, Default: []float64{0}, Choices: []string{"constant", "cosine", "step"},
		Doc: "learning-rate schedule"}, func(o *FitOptions) any { return &o.Schedule }},
	{stdlib.Param{Name: "clip", Type: stdlib.Float, Default: []float64{0}, Min: 0, Max: 1e12,
		Doc: "gradient global-norm bound (0: off)"}, func(o *FitOptions) any { return &o.Clip }},
	{stdlib.Param{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53,
		Doc: "seeds the initial parameters and the draws"}, func(o *FitOptions) any { return &o.Seed }},
	{stdlib.Param{Name: "anneal", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9,
		Doc: "steps over which the target's weight β rises from 0.01 to 1 (0: β = 1)"}, func(o *FitOptions) any { return &o.Anneal }},
	{stdlib.Param{Name: "estimator", Type: stdlib.Choice, Default: []float64{0}, Choices: []string{"reparam", "stl"},
		Doc: "gradient estimator: reparameterised, or sticking the landing (path gradient)"}, func(o *FitOptions) any { return &o.Estimator }},
	{stdlib.Param{Name: "dtype", Type: stdlib.Choice, Default: []float64{0}, Choices: []string{"float64", "float32"},
		Doc: "precision the programs run in"}, func(o *FitOptions) any { return &o.DType }},
	{stdlib.Param{Name: "samples", Type: stdlib.Int, Default: []float64{100000}, Min: 2, Max: 1e9,
		Doc: "draws for the final ELBO, log Z and effective sample size"}, func(o *FitOptions) any { return &o.Samples }},
	{stdlib.Param{Name: "eval_every", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9,
		Doc: "steps between ELBO estimates that choose the parameters kept (0: automatic)"}, func(o *FitOptions) any { return &o.EvalEvery }},
	{stdlib.Param{Name: "data_batch", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9,
		Doc: "rows of each data set per step, a minibatch estimate of its sum (0: every row)"}, func(o *FitOptions) any { return &o.DataBatch }},
}

var fitSig = fitTable.signature("fit")

func fitOptions(b bound) FitOptions { return fitTable.fill(b) }

// DefaultFitOptions returns the options of a fit statement that sets
// none.
func DefaultFitOptions() FitOptions { return fitTable.defaults() }

// Validate checks options a Go program filled as the checker checks a
// fit statement's.
func (o FitOptions) Validate() error { return fitTable.validate(fitSig, o) }

// LoopOptions are the options Loop reads (learning rate, schedule,
// validation interval) of a fit's.
func (o FitOptions) LoopOptions() TrainOptions {
	return TrainOptions{Steps: o.Steps, Batch: o.Batch, LR: o.LR, Schedule: o.Schedule, Clip: o.Clip,
		Seed: o.Seed, EvalEvery: o.EvalEvery, DType: o.DType}
}

// Beta is the weight of log p̃ at a step (1-based) under the anneal
// schedule: min(1, 0.01 + t/anneal) with t = step − 1 counted from 0, as
// the reference (../shared/bench/torch_vi.py) counts it, so the first
// step has β = 0.01.
func (o FitOptions) Beta(step int) float64 {
	if o.Anneal <= 0 {
		return 1
	}
	return min(1, 0.01+float64(step-1)/float64(o.Anneal))
}

func (c *checker) fit(f *lang.Fit) {
	opts, ok := c.bind(fitSig, optionArgs(f.Opts), f.Pos, f.EndPos)
	flow := c.lookupFlow(f.Flow, "fit")
	t := c.lookupTarget(f.Target)
	defer markFailed(flow)
	if !ok || flow == nil || t == nil {
		return
	}
	if flow.Dim != 0 && flow.Dim != t.Dim {
		c.errorf(f.Target.Pos, f.Target.EndPos, "fit: density %s is over %s, but flow %s maps %s (fixed by the statement at %s)",
			t.Name, plural(t.Dim, "dimension"), flow.Name, plural(flow.Dim, "dimension"), short(flow.DimPos))
		return
	}
	if flow.ContextDim != 0 {
		c.errorf(f.Flow.Pos, f.Flow.EndPos, "fit: flow %s is conditional; fit takes an unconditional flow", flow.Name)
		return
	}
	if !c.fixDim(flow, t.Dim, f.Pos, "flow "+flow.Name+" is fitted to density "+t.Name+" at "+short(f.Pos)) {
		return
	}
	o := fitOptions(opts)
	if !c.samplable(flow, o) {
		return
	}
	// The draws of validations and estimates run FitDrawChunk at a time.
	if err := TrainFits(flow.Name, flow.StageList(), t.Dim, max(o.Batch, FitDrawChunk), Options{}, max(o.Batch, FitDrawChunk), c.limits); err != nil {
		c.errorf(f.Flow.Pos, f.Flow.EndPos, "fit: %v", err)
		return
	}
	if need := TargetMemory(t, o); c.limits.MaxMemory > 0 && need > float64(c.limits.MaxMemory) {
		c.errorf(f.Target.Pos, f.Target.EndPos, "fit: density %s sums over its data for each of %d draws, which needs an estimated %s of memory; the limit is %s (set data_batch, a smaller batch, or -max-memory)",
			t.Name, o.Batch, dataset.FormatBytes(need), dataset.FormatBytes(float64(c.limits.MaxMemory)))
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Fit{Pos: f.Pos, Flow: flow, Target: t, Opts: o})
}

// samplable reports whether fit can differentiate flow's sampling
// direction: no stage may sample through a numerical inverse (Planar:
// fit Inverse(Planar), the planar flow of Rezende & Mohamed, instead)
// or add noise (Dequantize); with the stl estimator, the density
// direction must be in closed form too. A prior must draw through a
// map of its parameters (not GaussianMixture's random choice of a
// component).
func (c *checker) samplable(flow *Flow, o FitOptions) bool {
	for _, s := range flow.Stages {
		switch {
		case !s.Inverted && s.Spec.NumericalInverse:
			c.errorf(s.Pos, s.End, "fit: %s draws samples through its numerical inverse (bisection), whose derivative is not the map's; fit Inverse(%s), whose sampling direction is %s's closed-form map",
				s.Spec.Name, s.Spec.Name, s.Spec.Name)
			return false
		case s.Inverted && s.Spec.NumericalInverse && o.Estimator == "stl":
			c.errorf(s.Pos, s.End, "fit: estimator = \"stl\" evaluates the flow's density at its draws, and Inverse(%s) computes it through a numerical inverse (bisection); use estimator = \"reparam\", or a flow whose both directions are in closed form",
				s.Spec.Name)
			return false
		case s.Spec.Name == "GaussianMixture" && s.Args.Int("k") > 1:
			// The draw's component is a comparison of a uniform with the
			// cumulative weights (OpGreater, no derivative): the loss's
			// gradient reaches the weights only through log q at fixed
			// draws, a score term of mean zero.
			c.errorf(s.Pos, s.End, "fit: %s draws each point from a component chosen at random, and no gradient passes through the choice: its weights would not be fitted; use GaussianMixture(1), DiagGaussian or Gaussian as the prior, and layers for the modes",
				s.Format())
			return false
		case s.Spec.Name == "Dequantize":
			c.errorf(s.Pos, s.End, "fit: Dequantize adds noise for data on a grid; a flow fitted to a density has no data to dequantize")
			return false
		}
	}
	return true
}

// lookupTarget resolves the density after `fit FLOW to`.
func (c *checker) lookupTarget(id *lang.Ident) *Target {
	b, ok := c.scope[id.Name]
	if !ok {
		c.undefined(id)
		return nil
	}
	if b.val.kind != kTarget {
		if b.val.kind != kBad {
			c.errorf(id.Pos, id.EndPos, "fit: %s is %s, not a density (declare one with density %s(z: D) = ...)", id.Name, article(b.val.describe()), id.Name)
		}
		return nil
	}
	return b.val.target
}

// Position is where the fit statement starts.
func (a *Fit) Position() lang.Pos { return a.Pos }

// Lower lowers the fit's flow (no standardization: a fitted flow's
// coordinates are the target's) and its fitting programs.
func (a *Fit) Lower() (*VI, error) {
	m, err := Lower(a.Flow.Name, a.Flow.StageList(), a.Target.Dim, Options{})
	if err != nil {
		return nil, err
	}
	return LowerVI(m, a.Target, a.Opts)
}
