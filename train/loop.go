package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// Objective is what Loop minimises. Its methods are called from one
// goroutine, in the order Loop documents.
type Objective interface {
	// Step runs one optimizer step at learning rate lr and returns the
	// loss of its minibatch before the update. A non-finite loss leaves
	// the parameters as they were.
	Step(lr float64) float64
	// Validates reports whether the objective has held-out work to
	// choose parameters by.
	Validates() bool
	// Validate scores the current parameters on the held-out work; lower
	// is better.
	Validate() float64
	// ValRows is the number of rows of data Validate scores, 0 if its
	// work is not rows (a variational fit's draws): the automatic
	// validation interval grows with it (EvalInterval).
	ValRows() int
	// Keep records the current parameters as the best so far: at step 0
	// (the initial parameters, after the first Validate) and after every
	// Validate that improved on the best.
	Keep(step int)
}

// Hooks observe a run of Loop; each may be nil.
type Hooks struct {
	// Progress is called after every Every-th step and the last, with the
	// step (1-based), the total and the step's loss. When training stops
	// early (not at a divergence) it is called once more with step =
	// total = the last step run, so that a progress bar can close.
	Progress func(step, total int, loss float64)
	Every    int
	// Best is called after each new best validation score has been kept
	// (Objective.Keep), with its step: the place to write a checkpoint.
	Best func(step int, score float64)
	// Checkpoint, called by Likelihood after Best, gets the parameters
	// just kept (the best so far), to save them.
	Checkpoint func(step int, params *runtime.Params)
	// Stop, when a value arrives on it, stops training before the next
	// step as cancellation does (the best parameters are kept), with
	// Stop Interrupted: a user's first Ctrl-C, which leaves the rest of
	// a program to run. Values buffered before Loop starts are dropped:
	// they were meant for no training or for an earlier one.
	Stop <-chan struct{}
}

// Stop says why a run ended before its last step.
type Stop int

const (
	// Completed runs every step.
	Completed Stop = iota
	// Patience stopped after Patience validations without improvement.
	Patience
	// Cancelled stopped because the context was done.
	Cancelled
	// Interrupted stopped at a value from Hooks.Stop (a user's
	// interrupt).
	Interrupted
	// Diverged stopped at a non-finite loss.
	Diverged
)

func (s Stop) String() string {
	return [...]string{"completed", "early stopping", "cancelled", "interrupted", "diverged"}[s]
}

// History is a run's curve: the minibatch loss of every stride-th step
// and of every validated one, with the validation score where it was
// taken (NaN elsewhere; Val is nil without validation).
type History struct {
	Steps     []int
	Loss, Val []float64
	// BestStep is the step whose parameters were kept (0: the initial
	// ones, or, after Likelihood, the Gaussian fit; -1 without
	// validation). LastStep is the last step run and Stop says why the
	// run ended there (Completed, the zero Stop: it ran every step).
	BestStep, LastStep int
	Stop               Stop
}

// Outcome is what Loop did.
type Outcome struct {
	// Steps is the number of steps run (the diverging one included).
	Steps   int
	Seconds float64
	Stop    Stop
	// BestStep is the step whose parameters were last kept (0: the
	// initial ones) and BestScore their validation score (+Inf if none
	// was finite); both only mean something when the objective
	// validates.
	BestStep  int
	BestScore float64
	History   *History
	// Err describes a divergence (Stop == Diverged), else nil, and
	// BadLoss is the non-finite loss of the diverging step.
	Err     error
	BadLoss float64
}

// Loop runs up to steps steps of obj with o's learning rate, schedule,
// validation interval (o.EvalInterval(steps, obj.ValRows())) and
// patience. It stops
// early at a non-finite loss, after o.Patience validations without
// improvement, or when ctx is done; the parameters are then those of the
// last step run, and the best ones are those obj kept.
func Loop(ctx context.Context, obj Objective, o compiler.TrainOptions, steps int, h Hooks) Outcome {
	steps = max(steps, 0)
	every := o.EvalInterval(steps, obj.ValRows())
	validates := obj.Validates()
	out := Outcome{BestScore: math.Inf(1)}
	if validates {
		if v := obj.Validate(); !math.IsNaN(v) {
			out.BestScore = v
		}
		obj.Keep(0)
	}
	// The curve keeps at most about a million points: every stride-th
	// step, and every validated one.
	stride := max(1, steps>>20)
	c := min(steps, 1<<16)
	hist := &History{Steps: make([]int, 0, c), Loss: make([]float64, 0, c), Val: make([]float64, 0, c)}
	report := max(h.Every, 1)
	done := ctx.Done()
	for len(h.Stop) > 0 {
		<-h.Stop
	}
	lastFinite, lastLoss := math.NaN(), math.NaN()
	bad := 0
	start := time.Now()
	for step := 1; step <= steps; step++ {
		select {
		case <-done:
			out.Stop = Cancelled
		case <-h.Stop:
			out.Stop = Interrupted
		default:
		}
		if out.Stop != Completed {
			break
		}
		loss := obj.Step(Scheduled(o, step, steps))
		out.Steps = step
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			out.Stop, out.Err, out.BadLoss = Diverged, divergence(loss, step, lastFinite), loss
			break
		}
		lastFinite, lastLoss = loss, loss
		validated := validates && (step%every == 0 || step == steps)
		if step%stride == 0 || validated {
			hist.Steps, hist.Loss, hist.Val = append(hist.Steps, step), append(hist.Loss, loss), append(hist.Val, math.NaN())
		}
		if h.Progress != nil && (step%report == 0 || step == steps) {
			h.Progress(step, steps, loss)
		}
		if !validated {
			continue
		}
		v := obj.Validate()
		hist.Val[len(hist.Val)-1] = v
		if v < out.BestScore {
			out.BestScore, out.BestStep, bad = v, step, 0
			obj.Keep(step)
			if h.Best != nil {
				h.Best(step, v)
			}
			continue
		}
		bad++
		if o.Patience > 0 && bad >= o.Patience && step < steps {
			out.Stop = Patience
			break
		}
	}
	if h.Progress != nil && out.Steps > 0 && out.Steps < steps && out.Stop != Diverged {
		h.Progress(out.Steps, out.Steps, lastLoss) // close a progress bar
	}
	out.Seconds = time.Since(start).Seconds()
	hist.BestStep, hist.LastStep, hist.Stop = out.BestStep, out.Steps, out.Stop
	if !validates {
		hist.Val, hist.BestStep = nil, -1
	}
	out.History = hist
	return out
}

func divergence(loss float64, step int, lastFinite float64) error {
	if step == 1 {
		return fmt.Errorf("loss is %v at step 1, before any update: the data's scale may be too extreme for float64 (standardize = true rescales it)", loss)
	}
	return fmt.Errorf("loss became %v at step %d (last finite loss %.4g); try a smaller lr", loss, step, lastFinite)
}

// Scheduled is the learning rate of o's schedule at a step (1-based) of
// total: constant; cosine, from o.LR down to 0; or step, o.LR divided by
// 10 after half the steps and by 100 after three quarters.
func Scheduled(o compiler.TrainOptions, step, total int) float64 {
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
