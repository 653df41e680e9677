package nox

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/train"
)

// TrainOptions are the options of a train statement, typed: Fit takes
// them, and DefaultFitOptions starts from the language's defaults.
type TrainOptions = compiler.TrainOptions

// Report sums up a training run: steps, seconds, why it stopped, the
// train, validation and test NLLs and the step whose parameters the model
// keeps.
type Report = train.Report

// FitOptions are Fit's settings: a train statement's options and a
// progress callback.
type FitOptions struct {
	TrainOptions
	// OnStep, if not nil, is called after every training step.
	OnStep func(step, total int, loss float64)
	// Limits bound the flow's cost (zero fields: the defaults).
	Limits compiler.Limits
}

// DefaultFitOptions returns the options a train statement has when it
// sets none.
func DefaultFitOptions() FitOptions {
	return FitOptions{TrainOptions: compiler.DefaultTrainOptions()}
}

// Fit trains a flow on rows held in memory, as a program
//
//	data = ...rows of x (with context c)...
//	flow = FLOW
//	train flow on data { OPTIONS }
//
// would: flow is one nox flow expression ("MAF(64) |> Reverse |> MAF(64)
// |> Gaussian"), c holds each row's context for a conditional flow (nil
// otherwise), and o the options (DefaultFitOptions for the language's
// defaults). An error in flow is a diagnostic positioned in it, with
// filename "flow": a lang.ErrorList (errors.As), or a *lang.Error for a
// syntax error; RenderError(err, "flow", []byte(flow)) shows it with a
// caret. A done ctx stops training early and keeps the best parameters
// so far; the model and its report (Report.Stop says why it stopped) are
// returned with no error. A divergence returns the model (the best
// parameters validated before it), the report and the error.
func Fit(ctx context.Context, flow string, x, c *mat.Dense, o FitOptions) (*Model, *Report, error) {
	if x == nil || ctx == nil {
		return nil, nil, errors.New("Fit: no rows or no context.Context (x or ctx is nil)")
	}
	n, d := x.Dims()
	if n == 0 || d == 0 {
		return nil, nil, fmt.Errorf("Fit: x has no rows or no columns (%d×%d)", n, d)
	}
	cd := 0
	if c != nil {
		cn, cc := c.Dims()
		if cn != n {
			return nil, nil, fmt.Errorf("Fit: x has %d rows, c %d", n, cn)
		}
		cd = cc
	}
	if err := o.Validate(); err != nil {
		return nil, nil, fmt.Errorf("Fit: %v", err)
	}
	e, err := lang.ParseExpr("flow", []byte(flow))
	if err != nil {
		return nil, nil, err
	}
	f, err := compiler.CheckFlow(e, d, cd)
	if err != nil {
		return nil, nil, err
	}
	if err := compiler.TrainFits(f.Name, f.StageList(), d, n, o.ModelOptions(cd), o.Batch, o.Limits); err != nil {
		return nil, nil, fmt.Errorf("Fit: %v", err)
	}
	m, err := compiler.Lower(f.Name, f.StageList(), d, o.ModelOptions(cd))
	if err != nil {
		return nil, nil, err
	}
	var h train.Hooks
	if o.OnStep != nil {
		h.Every, h.Progress = 1, o.OnStep
	}
	res, err := train.Likelihood(ctx, m, interleave(x, c), o.TrainOptions, o.Steps, h, nil)
	if res == nil {
		return nil, nil, err
	}
	nTest, nVal := dataset.SplitSizes(n, o.TestFrac, o.ValFrac)
	res.Report.Warnings = compiler.FlowWarnings(f, n-nTest-nVal)
	model := newModel(f.Name, res.Model, res.Params, fmt.Sprintf("# trained by nox.Fit on %d rows, options %+v\nflow = %s\n", n, o.TrainOptions, flow), [2][]string{})
	model.History = res.History
	return model, &res.Report, err
}
