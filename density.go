package nox

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/train"
)

// Density is an unnormalised log-density to fit a flow to (FitDensity):
// a density statement of the language (ParseDensity), or a Go function
// with its gradient (DensityFunc).
type Density struct {
	dim    int
	target *compiler.Target
	fn     train.LogDensity
	src    string
}

// Dim is the dimension of the density's variable.
func (d *Density) Dim() int { return d.dim }

// ParseDensity compiles a source holding one density statement (after
// bindings of numbers, if it needs them), e.g.
//
//	density ring(z: 2) = -0.5 * ((norm(z) - 2) / 0.4)^2
//
// data are the data sets its sums over rows may read, by name (each row
// one row of the matrix). Errors are diagnostics positioned in the source,
// with filename "density": a lang.ErrorList, or a *lang.Error for a
// syntax error; RenderError(err, "density", []byte(src)) shows them.
func ParseDensity(src string, data map[string]*mat.Dense) (*Density, error) {
	f, err := lang.Parse("density", []byte(src))
	if err != nil {
		return nil, err
	}
	tables := map[string]*dataset.Table{}
	for name, m := range data {
		if m == nil {
			return nil, fmt.Errorf("ParseDensity: data set %s is nil", name)
		}
		r, c := m.Dims()
		vals := make([]float64, 0, r*c)
		for i := range r {
			vals = append(vals, m.RawRowView(i)...)
		}
		for j, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("ParseDensity: data set %s, row %d, column %d: %v is not a finite number", name, j/c+1, j%c+1, v)
			}
		}
		tables[name] = &dataset.Table{Rows: r, Cols: c, Values: vals}
	}
	t, err := compiler.CheckDensity(f, tables)
	if err != nil {
		return nil, err
	}
	return &Density{dim: t.Dim, target: t, src: src}, nil
}

// DensityFunc is the density log p̃ of a Go function over dim
// dimensions: logp(x, grad) returns log p̃(x) and writes its gradient
// ∇log p̃(x) into grad. A fit calls it from one goroutine, once for every
// draw of the flow, so it need not be safe for concurrent use.
func DensityFunc(dim int, logp func(x, grad []float64) float64) (*Density, error) {
	if dim < 1 || logp == nil {
		return nil, fmt.Errorf("DensityFunc: need a dimension of at least 1 and a function, got %d and %v", dim, logp != nil)
	}
	return &Density{dim: dim, fn: logp, src: fmt.Sprintf("# a Go function over %d dimensions\n", dim)}, nil
}

// VIOptions are FitDensity's settings: a fit statement's options, a
// progress callback and the limits of the flow's cost.
type VIOptions struct {
	compiler.FitOptions
	// OnStep, if not nil, is called after every step with the step's
	// loss, mean(log q − β·log p̃) over its draws.
	OnStep func(step, total int, loss float64)
	Limits compiler.Limits
}

// DefaultVIOptions returns the options a fit statement has when it sets
// none.
func DefaultVIOptions() VIOptions { return VIOptions{FitOptions: compiler.DefaultFitOptions()} }

// VIReport sums up a fit: its steps, why it stopped, and the ELBO, the
// importance-sampling log Z (each with its standard error) and the
// effective sample size fraction from the fitted flow's draws.
type VIReport = train.VIReport

// FitDensity fits a flow to a density by variational inference, as a
// program
//
//	density target(z: D) = ...
//	flow = FLOW
//	fit flow to target { OPTIONS }
//
// would: flow is one nox flow expression whose sampling direction is
// differentiable ("repeat(16, Inverse(Planar)) |> Gaussian"), and the
// model it returns draws from and scores the fitted density as any
// trained model. Errors in flow are diagnostics positioned in it, as
// Fit's. A done ctx stops the fit early and keeps the best parameters so
// far. A loss that is not finite returns the model (the best parameters
// before it), the report and the error.
func FitDensity(ctx context.Context, flow string, d *Density, o VIOptions) (*Model, *VIReport, error) {
	if ctx == nil || d == nil {
		return nil, nil, errors.New("FitDensity: no density or no context.Context")
	}
	if err := o.Validate(); err != nil {
		return nil, nil, fmt.Errorf("FitDensity: %v", err)
	}
	e, err := lang.ParseExpr("flow", []byte(flow))
	if err != nil {
		return nil, nil, err
	}
	f, err := compiler.CheckFitFlow(e, d.dim, o.FitOptions)
	if err != nil {
		return nil, nil, err
	}
	draws := max(o.Batch, compiler.FitDrawChunk) // validations and estimates draw this many at a time
	if err := compiler.TrainFits(f.Name, f.StageList(), d.dim, draws, compiler.Options{}, draws, o.Limits); err != nil {
		return nil, nil, fmt.Errorf("FitDensity: %v", err)
	}
	m, err := compiler.Lower(f.Name, f.StageList(), d.dim, compiler.Options{})
	if err != nil {
		return nil, nil, err
	}
	if d.target != nil {
		lim := o.Limits.WithDefaults()
		if need := compiler.TargetMemory(d.target, o.FitOptions); need > float64(lim.MaxMemory) {
			return nil, nil, fmt.Errorf("FitDensity: density %s sums over its data for each of %d draws, which needs an estimated %s of memory; the limit is %s (set DataBatch, a smaller Batch, or Limits.MaxMemory)",
				d.target.Name, o.Batch, dataset.FormatBytes(need), dataset.FormatBytes(float64(lim.MaxMemory)))
		}
	}
	var vi *compiler.VI
	if d.target != nil {
		vi, err = compiler.LowerVI(m, d.target, o.FitOptions)
	} else {
		vi, err = compiler.LowerVIFunc(m, o.FitOptions)
	}
	if err != nil {
		return nil, nil, err
	}
	var h train.Hooks
	if o.OnStep != nil {
		h.Every, h.Progress = 1, o.OnStep
	}
	res, err := train.Variational(ctx, vi, d.fn, o.FitOptions, h)
	if res == nil {
		return nil, nil, err
	}
	src := fmt.Sprintf("# fitted by nox.FitDensity, options %+v\n%s\nflow = %s\n", o.FitOptions, d.src, flow)
	return fittedModel(f.Name, vi, res, src), &res.Report, err
}
