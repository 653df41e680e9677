package nox

import (
	"fmt"
	"math"
	goruntime "runtime"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/runtime"
)

// train runs a train statement: split, lower, initialise, then Adam steps
// with the validation rows scored every EvalEvery steps. The parameters
// with the best validation NLL (the initial ones included) are kept;
// training stops early after Patience evaluations without improvement,
// and at a non-finite loss, which is an error that still leaves the flow
// with its best parameters.
func (s *Script) train(t *compiler.Train, opts RunOptions) error {
	m, train, val, test, rng, err := prepare(t)
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	params := runtime.NewParams(m.Params)
	if params.DType, err = runtime.ParseDType(t.Opts.DType); err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	params.Init(rng)
	o := t.Opts
	width := m.Dim + m.ContextDim
	adam := runtime.DefaultAdam(o.LR)
	adam.Clip, adam.WeightDecay = o.Clip, o.WeightDecay
	tr, err := runtime.NewTrainer(m.Grad, params, train, width, o.Batch, adam, rng)
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	defer func() {
		if tr != nil {
			tr.Close()
		}
	}()
	if o.Dequantize {
		tr.SetNoise(gridWidths(train, width, m.Dim))
	}
	if m.Init != nil {
		// Data-dependent initialisation (ActNorm) from one minibatch,
		// dequantized like every other: a column constant in it would
		// otherwise get an unbounded scale.
		if err := tr.Initialize(m.Init); err != nil {
			return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
		}
	}
	steps := o.Steps
	if opts.MaxSteps > 0 {
		steps = min(steps, opts.MaxSteps)
	}
	every := o.EvalEvery
	if every == 0 {
		every = max(1, min(steps/50, 250))
	}

	// The validation scorer and the best parameters so far.
	var scorer *runtime.Mapper
	var lp []float64
	nVal := len(val) / width
	if nVal > 0 {
		scorer = runtime.NewMapper(m.LogProb, params, "logp", min(nVal, evalBatch), nil)
		defer func() {
			if scorer != nil {
				scorer.Close()
			}
		}()
		lp = make([]float64, nVal)
	}
	valNLL := func() float64 {
		scorer.Map(lp, val, nVal)
		sum := 0.0
		for _, v := range lp {
			sum -= v
		}
		return sum / float64(nVal)
	}
	bestNLL, bestStep, bad := math.Inf(1), 0, 0
	var best, initial []float64 // kept only to choose among with validation rows
	var lp0, lpBest []float64   // per-row validation log-likelihoods
	if scorer != nil {
		best = append([]float64(nil), params.Data...)
		initial = append([]float64(nil), params.Data...)
		if v := valNLL(); !math.IsNaN(v) {
			bestNLL = v
		}
		lp0, lpBest = append([]float64(nil), lp...), append([]float64(nil), lp...)
	}

	// The curve keeps at most about a million points: every stride-th
	// step, and every evaluated one.
	stride := max(1, steps>>20)
	c := min(steps, 1<<16)
	hist := &History{Steps: make([]int, 0, c), Loss: make([]float64, 0, c), Val: make([]float64, 0, c)}
	report := max(opts.ReportEvery, 1)
	lastFinite := math.NaN()
	start := time.Now()
	var stepErr error
	done := 0
	for step := 1; step <= steps; step++ {
		tr.SetLR(scheduled(o, step, steps))
		loss := tr.Step()
		done = step
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			if step == 1 {
				stepErr = fmt.Errorf("loss is %v at step 1, before any update: the data's scale may be too extreme for float64 (standardize = true rescales it)", loss)
			} else {
				stepErr = fmt.Errorf("loss became %v at step %d (last finite loss %.4g); try a smaller lr", loss, step, lastFinite)
			}
			break
		}
		lastFinite = loss
		evaluated := scorer != nil && (step%every == 0 || step == steps)
		if step%stride == 0 || evaluated {
			hist.Steps, hist.Loss, hist.Val = append(hist.Steps, step), append(hist.Loss, loss), append(hist.Val, math.NaN())
		}
		if opts.OnStep != nil && (step%report == 0 || step == steps) {
			opts.OnStep(t.Flow.Name, step, steps, loss)
		}
		if scorer == nil || (step%every != 0 && step != steps) {
			continue
		}
		v := valNLL()
		hist.Val[len(hist.Val)-1] = v
		if v < bestNLL {
			bestNLL, bestStep, bad = v, step, 0
			tr.Sync()
			copy(best, params.Data)
			copy(lpBest, lp)
			continue
		}
		bad++
		if o.Patience > 0 && bad >= o.Patience {
			if opts.OnStep != nil && step%report != 0 {
				opts.OnStep(t.Flow.Name, step, step, loss) // close a progress bar
			}
			break
		}
	}
	secs := time.Since(start).Seconds()
	tr.Sync() // params.Data: the trained values, in float32 too
	// The trainer's and the scorer's planned buffers are done with: let
	// the final evaluations below reuse their memory instead of adding to
	// it (digits: peak RSS 118 → 76 MB). Without a collection here the
	// heap would grow to about twice its live size before the next.
	validated := scorer != nil
	tr.Close()
	tr = nil
	if scorer != nil {
		scorer.Close()
		scorer = nil
	}
	goruntime.GC()
	// Keep the best validated parameters (without validation rows, the
	// last finite ones, which are the current ones) — unless they beat
	// the initial ones by less than one standard error of the paired
	// per-row difference: then the validation rows cannot tell them
	// apart, and the initial flow (which standardization made the
	// Gaussian fit) is the safer choice (the one-standard-error rule).
	//
	// With a defensive mixture (defensive > 0) the yardstick is the
	// Gaussian fit itself rather than the initial flow, which is only
	// near it (layers start near, not at, the identity): if the best
	// parameters do not beat the fit by two standard errors, the model is
	// the fit (compiler.Model.Fit), the baseline the mixture guarantees.
	isFit, trained := false, params.Count()
	if validated {
		copy(params.Data, best)
		params.Changed()
		if o.Defensive > 0 {
			fm, err := m.Fit()
			if err != nil {
				return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
			}
			fp := runtime.NewParams(fm.Params)
			fp.DType = params.DType
			lpFit := logProb(fm, fp, val)
			if !clearlyBetter(lpBest, lpFit) {
				m, params, isFit = fm, fp, true
				bestStep, bestNLL = 0, -mean(lpFit)
			}
		} else if bestStep > 0 && !clearlyBetter(lpBest, lp0) {
			copy(params.Data, initial)
			params.Changed()
			bestStep = 0
			bestNLL = -mean(lp0)
		}
	}
	model := newModel(t.Flow.Name, m, params, string(s.Source))
	if !validated {
		hist.Val = nil
	}
	model.History = hist
	s.trained[t.Flow] = model
	if stepErr != nil {
		switch {
		case isFit:
			stepErr = fmt.Errorf("%v; the model is the Gaussian fit of the training rows (validation NLL %.4g)", stepErr, bestNLL)
		case validated:
			stepErr = fmt.Errorf("%v; the flow keeps the parameters of step %d (validation NLL %.4g)", stepErr, bestStep, bestNLL)
		}
		return lang.Errorf(t.Pos, t.Pos, "train: %v", stepErr)
	}

	ev := Event{Statement: "train", Flow: t.Flow.Name, Steps: done, Seconds: secs, Params: trained}
	if secs > 0 {
		ev.StepsPerS = float64(done) / secs
	}
	trainNLL := meanNLL(m, params, train)
	ev.TrainNLL = &trainNLL
	if validated {
		ev.ValNLL, ev.BestStep = &bestNLL, &bestStep
	}
	if len(test) > 0 {
		testNLL := meanNLL(m, params, test)
		ev.TestNLL = &testNLL
	}
	if opts.OnEvent != nil {
		opts.OnEvent(ev)
	}
	return nil
}

// scheduled is the learning rate at a step (1-based) of total.
func scheduled(o compiler.TrainOptions, step, total int) float64 {
	switch o.Schedule {
	case "cosine":
		return o.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step-1)/float64(total)))
	case "step":
		switch {
		case step > total*3/4:
			return o.LR * 0.01
		case step > total/2:
			return o.LR * 0.1
		}
	}
	return o.LR
}

// clearlyBetter reports whether per-row log-likelihoods a beat b on
// average by more than two standard errors of their paired difference.
func clearlyBetter(a, b []float64) bool {
	n := float64(len(a))
	if n < 2 {
		return mean(a) > mean(b)
	}
	m, ss := 0.0, 0.0
	for i := range a {
		m += a[i] - b[i]
	}
	m /= n
	for i := range a {
		d := a[i] - b[i] - m
		ss += d * d
	}
	se := math.Sqrt(ss / (n - 1) / n)
	return m > 2*se
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
