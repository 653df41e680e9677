package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// VIReport sums up a fit: what the loop did and the estimates from the
// fitted flow's draws. With log w = log p̃(x) − log q(x) for draws x of
// q: ELBO = mean(log w) ≤ log Z; LogZ = log mean(e^{log w}), the
// importance-sampling estimate of log Z, with LogZErr its standard error
// by the delta method (sd(w)/(mean(w)·√n)); ESS the effective sample size
// (Σw)²/Σw² as a fraction of the draws. KL(q‖p) = log Z − ELBO.
type VIReport struct {
	Steps    int
	Stop     Stop
	Seconds  float64
	Params   int
	BestStep int
	// Samples is the number of draws the estimates are from.
	Samples          int
	ELBO, ELBOErr    float64
	LogZ, LogZErr    float64
	ESS              float64
	StepsPerSecond   float64
	SamplesPerSecond float64
}

// VIResult is a fitted flow: the model's parameters (the first
// len(Model.Params) of the fit's table), what the fit did and its curve
// (the loss is the step's −ELBO estimate with the annealed β).
type VIResult struct {
	Params  *runtime.Params
	Report  VIReport
	History *History
}

// viValidation is the most draws a validation (an ELBO estimate that
// chooses the parameters kept) takes, and the chunk the estimates draw.
// A validation takes a quarter of the draws of the steps between two, at
// least 256 (validationDraws): with a costly density and small batches
// its draws would otherwise outnumber training's.
const viValidation = compiler.FitDrawChunk

// validationDraws is the number of draws of each validation of a fit
// with o.
func validationDraws(o compiler.FitOptions) int {
	every := o.LoopOptions().EvalInterval(o.Steps, 0)
	return min(viValidation, max(256, o.Batch*every/4))
}

// LogDensity is a target density given as a Go function: it returns
// log p̃(x) and writes ∇log p̃(x) into grad (both of the flow's
// dimension). Fitting calls it from one goroutine, once per draw.
type LogDensity func(x, grad []float64) float64

// Variational fits vi's flow to its target by minimising the reverse KL
// divergence with o's options: Loop over Adam steps of vi.Grad, each on a
// fresh batch of draws, β annealed (FitOptions.Beta), the rows of a
// minibatched data set redrawn every step; the parameters kept are those
// of the best ELBO estimate on validationDraws draws, taken every
// o.LoopOptions().EvalInterval steps. A loss that is not finite stops the
// fit with an error naming the step, and the result keeps the best
// parameters before it. The estimates of the report are from o.Samples
// draws of the flow kept.
//
// fn is the target of a vi lowered by compiler.LowerVIFunc (nil for a
// density of the language, compiler.LowerVI): each step then draws
// first, calls fn at every draw, and runs vi.Grad on the draws' z₀ and
// gradients; the loss Loop sees is −ELBO of those draws, with β.
func Variational(ctx context.Context, vi *compiler.VI, fn LogDensity, o compiler.FitOptions, h Hooks) (*VIResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if (fn == nil) != (vi.Target != nil) {
		return nil, fmt.Errorf("train: a fit needs exactly one target: a density of the language or a Go function")
	}
	obj, err := newVariational(vi, fn, o)
	if err != nil {
		return nil, err
	}
	out := Loop(ctx, obj, o.LoopOptions(), o.Steps, h)
	obj.tr.Sync()
	obj.tr.Close()
	if out.Stop == Diverged {
		out.Err = fmt.Errorf("the fit's loss is %v at step %d (%s); the parameters kept are those of step %d", out.BadLoss, out.Steps, nonFinite(out.BadLoss), out.BestStep)
	}
	params := obj.params
	copy(params.Data, obj.best)
	params.Changed()
	rep := VIReport{Steps: out.Steps, Stop: out.Stop, Seconds: out.Seconds, Params: params.Count(), BestStep: out.BestStep}
	if out.Seconds > 0 {
		rep.StepsPerSecond = float64(out.Steps) / out.Seconds
	}
	start := time.Now()
	est, drawn := obj.estimate(ctx, h.Stop, o.Samples)
	obj.draws.Close()
	rep.SamplesPerSecond = float64(drawn) / time.Since(start).Seconds()
	rep.Samples = drawn
	rep.ELBO, rep.ELBOErr, rep.LogZ, rep.LogZErr, rep.ESS = est.elbo, est.elboErr, est.logZ, est.logZErr, est.ess
	goruntime.GC()
	return &VIResult{Params: params, Report: rep, History: out.History}, out.Err
}

func newVariational(vi *compiler.VI, fn LogDensity, o compiler.FitOptions) (*variational, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 0x766966))
	params := runtime.NewParams(vi.Params)
	var err error
	if params.DType, err = runtime.ParseDType(o.DType); err != nil {
		return nil, err
	}
	params.Init(rng)
	adam := runtime.DefaultAdam(o.LR)
	adam.Clip = o.Clip
	d := vi.Model.Dim
	v := &variational{vi: vi, fn: fn, o: o, params: params, rng: rng, beta: []float64{1}}
	chunk := viValidation
	if fn != nil {
		// Rows of z₀ and ∇log p̃, one batch, filled before each step.
		v.rows = make([]float64, o.Batch*2*d)
		v.tr, err = runtime.NewTrainer(vi.Grad, params, v.rows, 2*d, o.Batch, adam, rng)
		if err == nil {
			v.tr.InOrder()
		}
		chunk = max(chunk, o.Batch)
		v.grad = make([]float64, d)
	} else {
		v.tr, err = runtime.NewTrainer(vi.Grad, params, nil, 0, o.Batch, adam, rng)
	}
	if err != nil {
		return nil, err
	}
	v.width = vi.Draw.Type(vi.Draw.Output("draw")).Cols
	v.draws = runtime.NewMapper(vi.Draw, params, "draw", chunk, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	v.buf = make([]float64, chunk*v.width)
	v.lq, v.lp = make([]float64, chunk), make([]float64, chunk)
	for data, src := range vi.Batch {
		if src.M < src.N {
			v.batches = append(v.batches, rowBatch{param: src.Param, rows: data.Table.Values, cols: data.Table.Cols,
				n: src.N, buf: make([]float64, src.M*data.Table.Cols)})
		}
	}
	// Map order is random; the minibatches' draws must not be.
	slices.SortFunc(v.batches, func(a, b rowBatch) int { return a.param - b.param })
	return v, nil
}

// nonFinite explains a loss that is not finite.
func nonFinite(loss float64) string {
	switch {
	case math.IsInf(loss, 1):
		return "the density is −Inf, or the flow's log-density +Inf, at some draw: a draw outside the density's support (the flow's draws cover all of ℝ^D; for a variable that must be positive, write it as exp(z) and add z, the log-Jacobian), or a density that does not decay where the flow puts mass"
	case math.IsInf(loss, -1):
		return "the density is +Inf at some draw"
	}
	return "the density or the flow is NaN at some draw: an operation outside its domain, such as log or sqrt of a negative number"
}

// variational is Loop's objective for a fit.
type variational struct {
	vi     *compiler.VI
	fn     LogDensity // nil: vi.Target
	o      compiler.FitOptions
	tr     *runtime.Trainer
	params *runtime.Params
	rng    *rand.Rand
	// draws runs vi.Draw into buf (rows of width columns); lq and lp
	// receive log q and log p̃ of each draw (draw).
	draws   *runtime.Mapper
	width   int
	buf     []float64
	lq, lp  []float64
	rows    []float64 // the trainer's rows (fn only)
	grad    []float64 // fn's gradient of one draw
	beta    []float64
	best    []float64
	step    int
	batches []rowBatch
}

// draw fills lq[:k] and lp[:k] from k draws of the flow; for a Go
// target it also fills the trainer's rows with z₀ and ∇log p̃.
func (v *variational) draw(k int) {
	v.draws.Map(v.buf, nil, k)
	w, d := v.width, v.vi.Model.Dim
	for i := range k {
		r := v.buf[i*w : (i+1)*w]
		if v.fn == nil { // x, log q, log p̃
			v.lq[i], v.lp[i] = r[d], r[d+1]
			continue
		}
		// z₀, x, log q
		v.lq[i] = r[2*d]
		clear(v.grad) // a function may write only the gradient's nonzero elements
		v.lp[i] = v.fn(r[d:2*d], v.grad)
		if i < v.o.Batch { // the next step's rows (a step fills them anew)
			copy(v.rows[i*2*d:], r[:d])
			copy(v.rows[i*2*d+d:(i+1)*2*d], v.grad)
		}
	}
}

// rowBatch is a data set a step sums a minibatch of.
type rowBatch struct {
	param   int
	rows    []float64
	cols, n int
	buf     []float64
}

func (v *variational) Step(lr float64) float64 {
	v.step++
	v.beta[0] = v.o.Beta(v.step)
	v.tr.SetFixed(v.vi.Beta, v.beta)
	for _, b := range v.batches {
		for i := 0; i < len(b.buf); i += b.cols {
			r := v.rng.IntN(b.n)
			copy(b.buf[i:i+b.cols], b.rows[r*b.cols:(r+1)*b.cols])
		}
		v.tr.SetFixed(b.param, b.buf)
	}
	v.tr.SetLR(lr)
	if v.fn == nil {
		return v.tr.Step()
	}
	// A Go target: the step's draws first, then the surrogate's step on
	// them; the loss is theirs, mean(log q − β·log p̃).
	v.draw(v.o.Batch)
	loss := 0.0
	for i := range v.o.Batch {
		loss += v.lq[i] - v.beta[0]*v.lp[i]
	}
	if s := v.tr.Step(); math.IsNaN(s) || math.IsInf(s, 0) {
		return s
	}
	return loss / float64(v.o.Batch)
}

func (v *variational) Validates() bool { return true }

// ValRows is 0: a validation's draws are sized by the interval instead
// (validationDraws).
func (v *variational) ValRows() int { return 0 }

// Validate is −ELBO on validationDraws fresh draws (+Inf if not finite,
// either way).
func (v *variational) Validate() float64 {
	v.tr.Sync()
	n := validationDraws(v.o)
	v.draw(n)
	s := 0.0
	for i := range n {
		s += v.lq[i] - v.lp[i]
	}
	s /= float64(n)
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return math.Inf(1) // never the best: a +Inf density at a draw is no fit
	}
	return s
}

func (v *variational) Keep(step int) {
	v.tr.Sync()
	if v.best == nil {
		v.best = make([]float64, len(v.params.Data))
	}
	copy(v.best, v.params.Data)
}

type estimates struct{ elbo, elboErr, logZ, logZErr, ess float64 }

// estimate draws n samples of the flow in chunks and returns the
// estimates of VIReport (weightSums) and the number of draws they are
// from: fewer than n when ctx is done or a value arrives on stop (an
// interrupt) between chunks, so that a large samples option never holds
// a run that was asked to stop.
func (v *variational) estimate(ctx context.Context, stop <-chan struct{}, n int) (estimates, int) {
	var w weightSums
	done := 0
	for done < n {
		select {
		case <-ctx.Done():
			return w.estimates(), done
		case <-stop:
			return w.estimates(), done
		default:
		}
		k := min(len(v.lq), n-done)
		v.draw(k)
		for i := range k {
			w.add(v.lp[i] - v.lq[i])
		}
		done += k
	}
	return w.estimates(), done
}

// weightSums accumulates log importance weights log w in one pass: their
// sum and sum of squares (the ELBO and its error), and Σ e^{log w − m},
// Σ e^{2(log w − m)} with m the running maximum, so that no weight
// overflows. A weight of zero (log w = −Inf: a draw outside the
// density's support) adds nothing to the weights' sums: before any
// finite weight, m is −Inf and e^{−Inf − m} would be NaN.
//
// The sums of log w are of log w − k, k the first value: shifted, the
// variance sum/n − mean² does not cancel away when |mean| is far larger
// than the spread (a posterior's log w of −10⁶ ± 1).
type weightSums struct {
	n          int
	k          float64
	sum, sumSq float64
	m, sw, sw2 float64
}

func (w *weightSums) add(lw float64) {
	if w.n == 0 {
		w.m = math.Inf(-1)
		if !math.IsInf(lw, 0) && !math.IsNaN(lw) {
			w.k = lw
		}
	}
	w.n++
	w.sum += lw - w.k
	w.sumSq += (lw - w.k) * (lw - w.k)
	if math.IsInf(lw, -1) {
		return
	}
	if lw > w.m && !math.IsInf(lw, 1) {
		w.sw *= math.Exp(w.m - lw)
		w.sw2 *= math.Exp(2 * (w.m - lw))
		w.m = lw
	}
	e := math.Exp(lw - w.m)
	w.sw += e
	w.sw2 += e * e
}

func (w *weightSums) estimates() estimates {
	fn := float64(w.n)
	mean := w.sum / fn
	vr := math.Max(w.sumSq/fn-mean*mean, 0) * fn / (fn - 1)
	out := estimates{elbo: w.k + mean, elboErr: math.Sqrt(vr / fn)}
	out.logZ = w.m + math.Log(w.sw/fn)
	// Var(w)/mean(w)² from the scaled sums: E[w²]/E[w]² − 1.
	rel := math.Max((w.sw2/fn)/((w.sw/fn)*(w.sw/fn))-1, 0) * fn / (fn - 1)
	out.logZErr = math.Sqrt(rel / fn)
	out.ess = w.sw * w.sw / w.sw2 / fn
	return out
}
