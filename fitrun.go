package nox

import (
	"context"
	"math"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/train"
)

// fit runs a fit statement: variational inference (train.Variational)
// fits the flow to the density, and the flow is kept as a trained model
// (sample, eval, save and plot act on it), also when the fit stopped at a
// loss that was not finite (it keeps the best parameters before it).
func (s *Script) fit(ctx context.Context, f *compiler.Fit, opts RunOptions) error {
	vi, err := f.Lower()
	if err != nil {
		return lang.Errorf(f.Pos, f.Pos, "fit: %v", err)
	}
	o := f.Opts
	if opts.MaxSteps > 0 {
		o.Steps = min(o.Steps, opts.MaxSteps)
	}
	h := train.Hooks{Stop: opts.Interrupt}
	if opts.OnStep != nil {
		h.Every = opts.ReportEvery
		h.Progress = func(step, total int, loss float64) { opts.OnStep(f.Flow.Name, step, total, loss) }
	}
	res, err := train.Variational(ctx, vi, nil, o, h)
	if res != nil {
		s.trained[f.Flow] = fittedModel(f.Flow.Name, vi, res, string(s.Source))
		s.targets[f.Flow] = f.Target
	}
	if err != nil {
		return lang.Errorf(f.Pos, f.Pos, "fit: %v", err)
	}
	opts.emit(fitEvent(f.Flow.Name, f.Target.Name, res.Report))
	return nil
}

// fittedModel is the model of a fit: the flow's parameters, the first of
// the fit's table.
func fittedModel(name string, vi *compiler.VI, res *train.VIResult, source string) *Model {
	p := runtime.NewParams(vi.Model.Params)
	p.DType = res.Params.DType
	copy(p.Data, res.Params.Data[:len(p.Data)])
	p.Changed()
	m := newModel(name, vi.Model, p, source, [2][]string{})
	m.History = res.History
	return m
}

// fitEvent reports a fit.
func fitEvent(flow, target string, r train.VIReport) Event {
	ev := Event{Statement: "fit", Flow: flow, Target: target, Steps: r.Steps, Seconds: r.Seconds, Params: r.Params,
		StepsPerS: r.StepsPerSecond, N: r.Samples, SamplesPerS: r.SamplesPerSecond}
	if r.Stop != train.Completed {
		ev.Stopped = r.Stop.String()
	}
	finite := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	best := r.BestStep
	ev.BestStep = &best
	ev.ELBO, ev.ELBOErr = finite(r.ELBO), finite(r.ELBOErr)
	ev.LogZ, ev.LogZErr, ev.ESS = finite(r.LogZ), finite(r.LogZErr), finite(r.ESS)
	return ev
}
