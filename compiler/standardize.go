package compiler

import (
	"fmt"
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// A model standardizes its columns with fixed parameters (ir.Param.Fixed)
// rather than constants: the lowered programs name them, and training
// fills them from its rows (Model.FixedValues) before the first step. So
// the programs of two data sets of one width are the same text, `noxc
// check -ir` needs no data, and a saved model carries the values with
// its other parameters.

// Standardize is the statistics a standardization is filled from: the
// per-column Mean and Std of the training rows and, when the model
// whitens, the whitening matrix W (D×D, row-major) with (x − Mean)·W of
// identity covariance under the covariance estimated from the training
// rows (shrunk toward the identity: train.Whiten), its inverse WInv and
// LogDetW = log|det W|. The values are stored in a saved model, so how
// they were estimated never changes what a loaded model computes.
type Standardize struct {
	Mean, Std []float64
	W, WInv   []float64
	LogDetW   float64
}

// Names of the standardization's fixed parameters.
const (
	stdPrefix    = "standardize."
	ctxStdPrefix = "standardize_context."
)

// stdParams are the indices of a model's standardization parameters in
// its table, -1 where absent.
type stdParams struct {
	dim                     int
	mean, w, winv, inv, std int // data columns: w and winv, or inv and std
	logdet                  int // [1,1]: the map's log|det|
	fitC                    int // [1,1]: log ε + logdet, with a defensive mixture
	ctxMean, ctxInv         int
}

// newStdParams adds the fixed parameters opt asks for to table, initialised
// to the identity map (so an unfilled model is the flow on raw columns).
func newStdParams(table *[]ir.Param, dim int, opt Options) stdParams {
	p := stdParams{dim: dim, mean: -1, w: -1, winv: -1, inv: -1, std: -1, logdet: -1, fitC: -1, ctxMean: -1, ctxInv: -1}
	if !opt.Standardize {
		return p
	}
	add := func(name string, rows, cols int, init ir.Init) int {
		return ir.AddParam(table, ir.Param{Name: name, Shape: ir.Shape{Rows: rows, Cols: cols}, Init: init, State: true, Fixed: true})
	}
	zero, one := ir.Init{Kind: ir.InitZero}, ir.Init{Kind: ir.InitConst, Scale: 1}
	p.mean = add(stdPrefix+"mean", 1, dim, zero)
	if opt.Whiten && dim >= 2 {
		eye := ir.Init{Kind: ir.InitIdentity}
		p.w = add(stdPrefix+"w", dim, dim, eye)
		p.winv = add(stdPrefix+"winv", dim, dim, eye)
	} else {
		p.inv = add(stdPrefix+"inv", 1, dim, one)
		p.std = add(stdPrefix+"std", 1, dim, one)
	}
	p.logdet = add(stdPrefix+"logdet", 1, 1, zero)
	if opt.ContextDim > 0 {
		p.ctxMean = add(ctxStdPrefix+"mean", 1, opt.ContextDim, zero)
		p.ctxInv = add(ctxStdPrefix+"inv", 1, opt.ContextDim, one)
	}
	// Last, so that Forward and Inverse, which do not use it, are the
	// same programs with a mixture or without.
	if opt.Defensive > 0 {
		p.fitC = add(stdPrefix+"defensive_logc", 1, 1, ir.Init{Kind: ir.InitConst, Scale: math.Log(opt.Defensive)})
	}
	return p
}

// forward emits the standardization of x.
func (p stdParams) forward(b *ir.Builder, x ir.Value) ir.Value {
	switch {
	case p.w >= 0:
		b.SetNote("whiten")
		return b.MatMul(b.Sub(x, b.Param(p.mean)), b.Param(p.w), 0)
	case p.inv >= 0:
		b.SetNote("standardize")
		return b.Mul(b.Sub(x, b.Param(p.mean)), b.Param(p.inv))
	}
	return x
}

// inverse emits the inverse of the standardization of h.
func (p stdParams) inverse(b *ir.Builder, h ir.Value) ir.Value {
	switch {
	case p.winv >= 0:
		b.SetNote("whiten/inverse")
		return b.Add(b.MatMul(h, b.Param(p.winv), 0), b.Param(p.mean))
	case p.std >= 0:
		b.SetNote("standardize/inverse")
		return b.Add(b.Mul(h, b.Param(p.std)), b.Param(p.mean))
	}
	return h
}

// addLogdet adds the standardization's log-det to the per-row values v.
func (p stdParams) addLogdet(b *ir.Builder, v ir.Value) ir.Value {
	if p.logdet < 0 {
		return v
	}
	return b.Add(v, b.Param(p.logdet))
}

// Standardizes reports whether the model has standardization parameters
// to fill (Options.Standardize).
func (m *Model) Standardizes() bool { return m.std.mean >= 0 }

// FixedValues returns the values of m's fixed parameters, by parameter
// name, for the standardization x of the data columns and c of the
// context columns (nil when the model has none). A model that whitens,
// given statistics without a whitening matrix (the training rows'
// correlation was singular), gets the per-column standardization as a
// diagonal W.
func (m *Model) FixedValues(x, c *Standardize) (map[string][]float64, error) {
	p := m.std
	out := map[string][]float64{}
	if p.mean < 0 {
		return out, nil
	}
	d := p.dim
	if x == nil || len(x.Mean) != d || len(x.Std) != d {
		return nil, fmt.Errorf("flow %s: the standardization needs the mean and deviation of %s", m.Name, plural(d, "column"))
	}
	out[stdPrefix+"mean"] = x.Mean
	logdet := 0.0
	switch {
	case p.w >= 0 && x.W != nil:
		if len(x.W) != d*d || len(x.WInv) != d*d {
			return nil, fmt.Errorf("flow %s: the whitening matrix must be %d×%d", m.Name, d, d)
		}
		out[stdPrefix+"w"], out[stdPrefix+"winv"] = x.W, x.WInv
		logdet = x.LogDetW
	case p.w >= 0:
		w, winv := make([]float64, d*d), make([]float64, d*d)
		for j := range d {
			w[j*d+j], winv[j*d+j] = 1/x.Std[j], x.Std[j]
			logdet -= math.Log(x.Std[j])
		}
		out[stdPrefix+"w"], out[stdPrefix+"winv"] = w, winv
	default:
		inv := make([]float64, d)
		for j := range d {
			inv[j] = 1 / x.Std[j]
			logdet -= math.Log(x.Std[j])
		}
		out[stdPrefix+"inv"], out[stdPrefix+"std"] = inv, x.Std
	}
	out[stdPrefix+"logdet"] = []float64{logdet}
	if p.fitC >= 0 {
		out[stdPrefix+"defensive_logc"] = []float64{math.Log(m.Options.Defensive) + logdet}
	}
	if p.ctxMean >= 0 {
		if c == nil || len(c.Mean) != m.ContextDim || len(c.Std) != m.ContextDim {
			return nil, fmt.Errorf("flow %s: the context's standardization needs the mean and deviation of %s", m.Name, plural(m.ContextDim, "column"))
		}
		inv := make([]float64, m.ContextDim)
		for j := range inv {
			inv[j] = 1 / c.Std[j]
		}
		out[ctxStdPrefix+"mean"], out[ctxStdPrefix+"inv"] = c.Mean, inv
	}
	return out, nil
}

// InitFixed makes FixedValues(x, c) the initial values of m's fixed
// parameters (their Param.Init), so that initialising a parameter store
// (runtime.Params.Init) fills them: for tests and tools that build a
// model from known statistics rather than by training.
func (m *Model) InitFixed(x, c *Standardize) error {
	vals, err := m.FixedValues(x, c)
	if err != nil {
		return err
	}
	for i, p := range m.Params {
		if v, ok := vals[p.Name]; ok {
			m.Params[i].Init = ir.Init{Kind: ir.InitData, Data: v}
		}
	}
	return nil
}
