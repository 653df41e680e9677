package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// Result is a trained model: its programs and parameters (the flow's, or
// the Gaussian fit's when model selection chose it) and what training
// did.
type Result struct {
	Model  *compiler.Model
	Params *runtime.Params
	// IsFit reports that the model is the Gaussian fit of the training
	// rows (compiler.Model.Fit), which the validation rows could not
	// tell the trained flow from by two standard errors.
	IsFit   bool
	Report  Report
	History *History
	// Parts are the rows Split chose (the slices Likelihood trained,
	// validated and tested on, not copies), for scoring them again.
	Parts
}

// Report sums up a training run. An NLL is NaN where there were no rows
// to compute it on.
type Report struct {
	// Steps is the number of steps run; Stop says why the run ended.
	Steps   int
	Stop    Stop
	Seconds float64
	// Params is the number of trained scalars (state included).
	Params int
	// TrainNLL, ValNLL and TestNLL are mean negative log-likelihoods, in
	// nats per row in the data's original units, of the model kept.
	TrainNLL, ValNLL, TestNLL float64
	// BestStep is the step whose parameters the model keeps (0: the
	// initial ones, or the Gaussian fit); -1 without validation rows.
	BestStep int
	// Warnings are what the checker warned of the flow and its rows
	// (nox.Fit fills them; a program's are compiler.Program.Warnings).
	Warnings []string
}

// Likelihood trains m by maximum likelihood on rows (each row its data
// columns, then its context columns), with the options of a train
// statement run for steps steps (o.Steps, or fewer for a trial). It
// splits the rows, fills m's standardization from the training rows,
// runs Loop, and selects the model (see the package comment).
//
// A cancelled run (ctx done) ends like one stopped early: its result
// keeps the best parameters so far, and Report.Stop says Cancelled. A
// divergence (a non-finite loss) is an error, returned with the result:
// the model keeps the best parameters validated before it.
//
// start, if not nil, holds the parameters to start from (all of m's,
// fixed ones included: a warm start from a saved model): they replace the
// initial values, and the standardization and data-dependent
// initialisation are not redone.
func Likelihood(ctx context.Context, m *compiler.Model, rows []float64, o compiler.TrainOptions, steps int, h Hooks, start []float64) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	width := m.Dim + m.ContextDim
	if n := len(rows) / width; n-nHeldOut(n, o) < 1 {
		return nil, fmt.Errorf("%d rows leave none to train on after test_frac = %g and val_frac = %g", n, o.TestFrac, o.ValFrac)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e6f78))
	train, val, test := Split(rows, width, o.TestFrac, o.ValFrac, rng)
	return run(ctx, m, &split{rows: rows, train: train, val: val, test: test}, o, steps, h, start, rng)
}

// split is a training run's rows, split.
type split struct {
	// rows are all the rows, for row numbers in messages; nil when the
	// rows are streamed (LikelihoodSource).
	rows             []float64
	train, val, test []float64
	// pool, if not nil, is the resident sample of a streamed data set
	// that train is (pool.buf), refreshed before every step, and x and
	// c the standardization of all its training rows, computed by a
	// streaming pass.
	pool *pool
	x, c *compiler.Standardize
}

// sampleRows bounds the training rows of a streamed data set that the
// statistics beyond the standardization (whitening, dequantize's grid
// widths, the reported training NLL) are computed on.
const sampleRows = 1 << 18

// sample returns the training rows (width w) the statistics beyond the
// standardization are computed on: all of them in memory, the first
// sampleRows of the pool (a uniform sample of them) when streamed.
func (s *split) sample(w int) []float64 {
	if s.pool == nil {
		return s.train
	}
	return s.train[:min(len(s.train), sampleRows*w)]
}

// run is Likelihood on rows already split; rng has drawn the split.
func run(ctx context.Context, m *compiler.Model, s *split, o compiler.TrainOptions, steps int, h Hooks, start []float64, rng *rand.Rand) (*Result, error) {
	width := m.Dim + m.ContextDim
	rows, train, val, test := s.rows, s.train, s.val, s.test
	params := runtime.NewParams(m.Params)
	var err error
	if params.DType, err = runtime.ParseDType(o.DType); err != nil {
		return nil, err
	}
	zeroMasked(params, m)
	params.Init(rng)
	if start != nil {
		if len(start) != len(params.Data) {
			return nil, fmt.Errorf("%d starting values for %d parameters", len(start), len(params.Data))
		}
		copy(params.Data, start)
		params.Changed()
	} else if err := fill(m, params, s); err != nil {
		return nil, err
	}
	var widths []float64
	if o.Dequantize {
		widths = GridWidths(s.sample(width), width, m.Dim)
		if err := noiseLeavesDomain(m, rows, s.sample(width), widths); err != nil {
			return nil, err
		}
	}
	obj, err := newLikelihood(m, params, train, val, widths, o, rng, start == nil)
	if err != nil {
		return nil, err
	}
	obj.pool = s.pool
	if h.Checkpoint != nil {
		best := h.Best
		h.Best = func(step int, score float64) {
			if best != nil {
				best(step, score)
			}
			obj.tr.Sync() // Keep saved the best without it
			h.Checkpoint(step, params)
		}
	}
	out := Loop(ctx, obj, o, steps, h)
	obj.close()
	if s.pool != nil && s.pool.err != nil {
		return nil, s.pool.err
	}
	if out.Stop == Diverged && math.IsInf(out.BadLoss, 1) {
		out.Err = outsideDomain(out.Err, m, params, rows, train, out.Steps, o)
	}
	res := &Result{Model: m, Params: params, History: out.History, Parts: Parts{Train: train, Val: val, Test: test}}
	if s.pool != nil {
		res.Parts.Train, res.Parts.Streamed = nil, true
	}
	res.Report = Report{Steps: out.Steps, Stop: out.Stop, Seconds: out.Seconds, Params: params.Count(),
		BestStep: -1, ValNLL: math.NaN(), TestNLL: math.NaN()}
	if obj.validates() {
		if err := obj.choose(res, out, o); err != nil {
			return nil, err
		}
	}
	res.History.BestStep = res.Report.BestStep // as chosen
	if out.Err != nil {
		switch {
		case res.IsFit:
			return res, fmt.Errorf("%v; the model is the Gaussian fit of the training rows (validation NLL %.4g)", out.Err, res.Report.ValNLL)
		case obj.validates():
			return res, fmt.Errorf("%v; the flow keeps the parameters of step %d (validation NLL %.4g)", out.Err, res.Report.BestStep, res.Report.ValNLL)
		}
		return res, out.Err
	}
	res.Report.TrainNLL = MeanNLL(res.Model, res.Params, s.sample(width))
	if len(test) > 0 {
		res.Report.TestNLL = MeanNLL(res.Model, res.Params, test)
	}
	return res, nil
}

// zeroMasked declares to params every program of m, all that are ever
// planned over them (runtime.Params.ZeroMasked): the elements none of
// them reads (a MADE weight's masked-out entries) are kept at +0, so that
// the masked weights are read in place instead of copied at every step.
func zeroMasked(params *runtime.Params, m *compiler.Model) {
	params.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad, m.Sample, m.Init)
}

// fill sets m's standardization from the training rows: those of s in
// memory, or the streaming statistics of all of them (s.x, s.c) and,
// for whitening, the resident sample's covariance.
func fill(m *compiler.Model, params *runtime.Params, s *split) error {
	if !m.Standardizes() {
		return nil
	}
	w := m.Dim + m.ContextDim
	x, c := s.x, s.c
	if s.pool == nil {
		x = Standardization(s.train, w, 0, m.Dim)
		if m.ContextDim > 0 {
			c = Standardization(s.train, w, m.Dim, m.ContextDim)
		}
	}
	KeepAngles(x, m.Options.Angles)
	if m.Options.Whiten {
		WhitenExcept(x, s.sample(w), w, m.Dim, m.Options.Angles)
	}
	vals, err := m.FixedValues(x, c)
	if err != nil {
		return err
	}
	return params.Set(vals)
}

// likelihood is the Objective of maximum likelihood: Adam on minibatches
// of the training rows, scored by the mean NLL of the validation rows.
type likelihood struct {
	m      *compiler.Model
	params *runtime.Params
	tr     *runtime.Trainer
	scorer *runtime.Mapper
	val    []float64
	nVal   int
	lp     []float64 // the last validation's per-row log-likelihoods
	// The parameters and per-row validation log-likelihoods of the
	// initial parameters and of the best so far, kept only with
	// validation rows to choose among them.
	initial, best runtime.Snapshot
	lp0, lpBest   []float64
	// pool, if not nil, is the resident sample the trainer draws from,
	// refreshed before each step (LikelihoodSource).
	pool *pool
}

func newLikelihood(m *compiler.Model, params *runtime.Params, train, val, widths []float64, o compiler.TrainOptions, rng *rand.Rand, fresh bool) (*likelihood, error) {
	width := m.Dim + m.ContextDim
	adam := runtime.DefaultAdam(o.LR)
	adam.Clip, adam.WeightDecay = o.Clip, o.WeightDecay
	tr, err := runtime.NewTrainer(m.Grad, params, train, width, o.Batch, adam, rng)
	if err != nil {
		return nil, err
	}
	l := &likelihood{m: m, params: params, tr: tr, val: val, nVal: len(val) / width}
	if o.Dequantize {
		tr.SetNoise(widths)
	}
	if m.Init != nil && fresh {
		// Data-dependent initialisation (ActNorm) from one minibatch,
		// dequantized like every other: a column constant in it would
		// otherwise get an unbounded scale.
		if err := tr.Initialize(m.Init); err != nil {
			tr.Close()
			return nil, err
		}
	}
	if l.nVal > 0 {
		l.scorer = runtime.NewMapper(m.LogProb, params, "logp", min(l.nVal, evalBatch), nil)
		l.lp = make([]float64, l.nVal)
	}
	return l, nil
}

func (l *likelihood) Step(lr float64) float64 {
	if l.pool != nil && l.pool.refresh() != nil {
		return math.NaN() // run reports the pool's error
	}
	l.tr.SetLR(lr)
	return l.tr.Step()
}

func (l *likelihood) Validates() bool { return l.scorer != nil }
func (l *likelihood) ValRows() int    { return l.nVal }
func (l *likelihood) validates() bool { return l.lpBest != nil }

func (l *likelihood) Validate() float64 {
	l.scorer.Map(l.lp, l.val, l.nVal)
	return NegMean(l.lp)
}

func (l *likelihood) Keep(step int) {
	l.tr.Save(&l.best)
	if step == 0 {
		l.tr.Save(&l.initial)
		l.lp0, l.lpBest = append([]float64(nil), l.lp...), append([]float64(nil), l.lp...)
		return
	}
	copy(l.lpBest, l.lp)
}

// close writes the trained values to params.Data and releases the
// trainer's and the scorer's planned buffers, so that the evaluations
// after training reuse their memory instead of adding to it (see
// bench/README.md, "peak RSS"). Without a collection here the heap would
// grow to about twice its live size before the next; without returning
// the freed pages to the OS (FreeOSMemory, not just GC), the evaluations'
// buffers, of other sizes, are laid out in fresh pages beside them (784-d
// float32: peak RSS 670 MB with GC, 661 MB with FreeOSMemory).
func (l *likelihood) close() {
	l.tr.Sync()
	l.tr.Close()
	l.tr = nil
	if l.scorer != nil {
		l.scorer.Close()
		l.scorer = nil
	}
	debug.FreeOSMemory()
}

// choose selects the model among the best validated parameters, the
// initial ones and the Gaussian fit, by the two-standard-error rule: the
// best parameters are kept only if they beat the baseline — the Gaussian
// fit with a defensive mixture (which the mixture guarantees, and which
// the initial flow, layers starting near but not at the identity, only
// approaches), else the initial flow (which standardization made the
// Gaussian fit) — by more than two standard errors of the paired
// per-row difference on the validation rows.
func (l *likelihood) choose(res *Result, out Outcome, o compiler.TrainOptions) error {
	l.params.Restore(&l.best)
	res.Report.BestStep, res.Report.ValNLL = out.BestStep, out.BestScore
	if o.Defensive > 0 {
		fm, err := l.m.Fit()
		if err != nil {
			return err
		}
		fp := runtime.NewParams(fm.Params)
		fp.DType = l.params.DType
		if err := copyFixed(fp, l.params); err != nil {
			return err
		}
		lpFit := LogProb(fm, fp, l.val)
		if !clearlyBetter(l.lpBest, lpFit) {
			res.Model, res.Params, res.IsFit = fm, fp, true
			res.Report.BestStep, res.Report.ValNLL = 0, NegMean(lpFit)
		}
		return nil
	}
	if out.BestStep > 0 && !clearlyBetter(l.lpBest, l.lp0) {
		l.params.Restore(&l.initial)
		res.Report.BestStep, res.Report.ValNLL = 0, NegMean(l.lp0)
	}
	return nil
}

// copyFixed copies the fixed parameters of src into those of dst with
// the same names.
func copyFixed(dst, src *runtime.Params) error {
	vals := map[string][]float64{}
	for _, p := range dst.Table {
		if !p.Fixed {
			continue
		}
		for j, q := range src.Table {
			if q.Name == p.Name {
				vals[p.Name] = src.Views[j]
			}
		}
	}
	return dst.Set(vals)
}

// clearlyBetter reports whether per-row log-likelihoods a beat b on
// average by more than two standard errors of their paired difference.
func clearlyBetter(a, b []float64) bool {
	n := float64(len(a))
	if n < 2 {
		return -NegMean(a) > -NegMean(b)
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
