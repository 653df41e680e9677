package nox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/runtime"
)

// Event is the result of a statement. Its JSON form is one line of
// `noxc run -json` output.
type Event struct {
	Statement string   `json:"statement"`
	Flow      string   `json:"flow"`
	Steps     int      `json:"steps,omitempty"`
	Seconds   float64  `json:"seconds,omitempty"`
	StepsPerS float64  `json:"steps_per_s,omitempty"`
	TrainNLL  *float64 `json:"train_nll,omitempty"`
	TestNLL   *float64 `json:"test_nll,omitempty"`
	N         int      `json:"n,omitempty"`
	MeanNLL   *float64 `json:"mean_nll,omitempty"`
	Path      string   `json:"path,omitempty"`
	// Params is the number of trained scalars (train only).
	Params int `json:"params,omitempty"`
}

// RunOptions control Script.Run.
type RunOptions struct {
	// OnEvent receives each statement's result.
	OnEvent func(Event)
	// OnStep, if set, is called during training with the step number
	// (1-based), the total and the batch loss, every ReportEvery steps.
	OnStep      func(flow string, step, total int, loss float64)
	ReportEvery int
	// MaxSteps, if positive, caps the steps of every train statement (for
	// quick tests of examples).
	MaxSteps int
}

// evalBatch is the chunk size for log-likelihood evaluation and sampling.
const evalBatch = 1000

// Run executes the script's statements in order.
func (s *Script) Run(opts RunOptions) error {
	for _, a := range s.Prog.Actions {
		if err := s.runAction(a, opts); err != nil {
			return err
		}
	}
	return nil
}

func (s *Script) runAction(a compiler.Action, opts RunOptions) error {
	switch a := a.(type) {
	case *compiler.Train:
		return s.train(a, opts)
	case *compiler.Sample:
		return s.sample(a, opts)
	case *compiler.Eval:
		return s.eval(a, opts)
	case *compiler.Save:
		return s.save(a, opts)
	}
	return nil
}

// split divides a table's rows into train and test sets with a seeded
// permutation: the first round(test_frac·n) permuted rows are the test set.
// Rows are the data set's rows with their context columns after the data
// columns (compiler.Data.Rows).
func split(d *compiler.Data, frac float64, rng *rand.Rand) (train, test []float64) {
	rows, n := d.Rows(), d.Table.Rows
	w := len(rows) / n
	perm := rng.Perm(n)
	nTest := int(math.Round(frac * float64(n)))
	for i, r := range perm {
		if i < nTest {
			test = append(test, rows[r*w:(r+1)*w]...)
		} else {
			train = append(train, rows[r*w:(r+1)*w]...)
		}
	}
	return train, test
}

// standardization returns the per-column mean and population standard
// deviation of columns [lo, lo+dim) of rows of width w; a constant column
// gets std 1.
func standardization(rows []float64, w, lo, dim int) *compiler.Standardize {
	n := len(rows) / w
	mean, std := make([]float64, dim), make([]float64, dim)
	for i := range n {
		for j := range dim {
			mean[j] += rows[i*w+lo+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range dim {
			d := rows[i*w+lo+j] - mean[j]
			std[j] += d * d
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(n))
		if std[j] < 1e-12 {
			std[j] = 1
		}
	}
	return &compiler.Standardize{Mean: mean, Std: std}
}

// prepare splits the data and lowers the flow for a train statement.
func prepare(t *compiler.Train) (m *compiler.Model, train, test []float64, rng *rand.Rand, err error) {
	rng = rand.New(rand.NewPCG(t.Opts.Seed, 0x6e6f78))
	train, test = split(t.Data, t.Opts.TestFrac, rng)
	opt := compiler.Options{ContextDim: t.Flow.ContextDim}
	if t.Opts.Standardize {
		w := t.Flow.Dim + t.Flow.ContextDim
		opt.Std = standardization(train, w, 0, t.Flow.Dim)
		if t.Flow.ContextDim > 0 {
			opt.CtxStd = standardization(train, w, t.Flow.Dim, t.Flow.ContextDim)
		}
	}
	m, err = compiler.Lower(t.Flow.Name, t.Flow.StageList(), t.Flow.Dim, opt)
	return m, train, test, rng, err
}

func (s *Script) train(t *compiler.Train, opts RunOptions) error {
	m, train, test, rng, err := prepare(t)
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	params := runtime.NewParams(m.Params)
	params.Init(rng)
	batch := t.Opts.Batch
	if m.Init != nil {
		// Data-dependent initialisation (ActNorm) from the first batch
		// of the (shuffled) training rows.
		if err := runtime.Initialize(m.Init, params, train, m.Dim+m.ContextDim, batch); err != nil {
			return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
		}
	}
	tr, err := runtime.NewTrainer(m.Grad, params, train, m.Dim+m.ContextDim, batch, runtime.DefaultAdam(t.Opts.LR), rng)
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	defer tr.Close()
	steps := t.Opts.Steps
	if opts.MaxSteps > 0 {
		steps = min(steps, opts.MaxSteps)
	}
	every := max(opts.ReportEvery, 1)
	lastFinite := math.NaN()
	start := time.Now()
	for step := 1; step <= steps; step++ {
		loss := tr.Step()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			if step == 1 {
				return lang.Errorf(t.Pos, t.Pos, "train: loss is %v at step 1, before any update: the data's scale may be too extreme for float64 (standardize = true rescales it)", loss)
			}
			return lang.Errorf(t.Pos, t.Pos, "train: loss became %v at step %d (last finite loss %.4g); try a smaller lr", loss, step, lastFinite)
		}
		lastFinite = loss
		if opts.OnStep != nil && (step%every == 0 || step == steps) {
			opts.OnStep(t.Flow.Name, step, steps, loss)
		}
	}
	secs := time.Since(start).Seconds()
	s.trained[t.Flow] = newModel(t.Flow.Name, m, params, string(s.Source))

	ev := Event{Statement: "train", Flow: t.Flow.Name, Steps: steps, Seconds: secs, Params: params.Count()}
	if secs > 0 {
		ev.StepsPerS = float64(steps) / secs
	}
	trainNLL := meanNLL(m, params, train)
	ev.TrainNLL = &trainNLL
	if len(test) > 0 {
		testNLL := meanNLL(m, params, test)
		ev.TestNLL = &testNLL
	}
	if opts.OnEvent != nil {
		opts.OnEvent(ev)
	}
	return nil
}

// logProb returns log p(x) (log p(x | c) for a conditional model, whose
// rows hold the context after the data) of every row, in nats, in the
// data's original units (the standardization is part of the model).
func logProb(m *compiler.Model, params *runtime.Params, rows []float64) []float64 {
	n := len(rows) / (m.Dim + m.ContextDim)
	lp := make([]float64, n)
	mp := runtime.NewMapper(m.LogProb, params, "logp", min(n, evalBatch), nil)
	defer mp.Close()
	mp.Map(lp, rows, n)
	return lp
}

// meanNLL returns the mean negative log-likelihood per row.
func meanNLL(m *compiler.Model, params *runtime.Params, rows []float64) float64 {
	sum := 0.0
	lp := logProb(m, params, rows)
	for _, v := range lp {
		sum -= v
	}
	return sum / float64(len(lp))
}

func (s *Script) eval(a *compiler.Eval, opts RunOptions) error {
	tf := s.trained[a.Flow]
	if tf == nil {
		return lang.Errorf(a.Pos, a.Pos, "eval: flow %s has not been trained", a.Flow.Name)
	}
	lp := logProb(tf.m, tf.params, a.Data.Rows())
	sum := 0.0
	for _, v := range lp {
		sum -= v
	}
	mean := sum / float64(len(lp))
	ev := Event{Statement: "eval", Flow: a.Flow.Name, N: len(lp), MeanNLL: &mean}
	if a.Path != "" {
		path := s.resolve(a.Path)
		if err := writeFile(path, lp, 1); err != nil {
			return lang.Errorf(a.Pos, a.Pos, "eval: %v", err)
		}
		ev.Path = path
	}
	if opts.OnEvent != nil {
		opts.OnEvent(ev)
	}
	return nil
}

func (s *Script) sample(a *compiler.Sample, opts RunOptions) error {
	tf := s.trained[a.Flow]
	if tf == nil {
		return lang.Errorf(a.Pos, a.Pos, "sample: flow %s has not been trained", a.Flow.Name)
	}
	out := make([]float64, a.N*tf.Dim())
	tf.sample(out, a.N, a.Seed, a.Given)
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return lang.Errorf(a.Pos, a.Pos, "sample: draw %d is not finite (%v); the flow may be badly trained", i/tf.Dim()+1, v)
		}
	}
	path := s.resolve(a.Path)
	if err := writeFile(path, out, tf.Dim()); err != nil {
		return lang.Errorf(a.Pos, a.Pos, "sample: %v", err)
	}
	if opts.OnEvent != nil {
		opts.OnEvent(Event{Statement: "sample", Flow: a.Flow.Name, N: a.N, Path: path})
	}
	return nil
}

// writeFile writes CSV atomically: to a temporary file, then renamed.
func writeFile(path string, values []float64, cols int) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := dataset.WriteCSV(f, values, cols); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// IR returns the lowered programs of every trained flow as text: the
// log-density program and its derived gradient program. The
// standardization constants come from the flow's first train statement.
func (s *Script) IR() (string, error) { return s.IRFor("") }

// IRFor is IR for the flow named name only ("" for all).
func (s *Script) IRFor(name string) (string, error) {
	out := ""
	done := map[*compiler.Flow]bool{}
	for _, a := range s.Prog.Actions {
		t, ok := a.(*compiler.Train)
		if !ok || done[t.Flow] || (name != "" && t.Flow.Name != name) {
			continue
		}
		done[t.Flow] = true
		m, _, _, _, err := prepare(t)
		if err != nil {
			return "", lang.Errorf(t.Pos, t.Pos, "train: %v", err)
		}
		out += fmt.Sprintf("# flow %s: %d dimensions, %d parameter tensors\n", m.Name, m.Dim, len(m.Params))
		out += m.Loss.String() + "\n" + m.Grad.String() + "\n"
	}
	if out == "" && name != "" {
		return "", fmt.Errorf("flow %s is not trained yet, so its dimension (and IR) is unknown", name)
	}
	return out, nil
}

func (s *Script) save(a *compiler.Save, opts RunOptions) error {
	tf := s.trained[a.Flow]
	if tf == nil {
		return lang.Errorf(a.Pos, a.Pos, "save: flow %s has not been trained", a.Flow.Name)
	}
	path := s.resolve(a.Path)
	if err := tf.Save(path); err != nil {
		return lang.Errorf(a.Pos, a.Pos, "save: %v", err)
	}
	if opts.OnEvent != nil {
		opts.OnEvent(Event{Statement: "save", Flow: a.Flow.Name, Path: path})
	}
	return nil
}

// Model returns the trained model of the flow bound to name, after Run.
func (s *Script) Model(name string) (*Model, error) {
	f := s.Prog.FlowByName(name)
	if f == nil {
		return nil, fmt.Errorf("no flow named %s", name)
	}
	m := s.trained[f]
	if m == nil {
		return nil, fmt.Errorf("flow %s has not been trained (run the script first)", name)
	}
	return m, nil
}

// LastTrained returns the model of the last train statement run, or nil.
func (s *Script) LastTrained() *Model {
	acts := s.Prog.Actions
	for i := len(acts) - 1; i >= 0; i-- {
		if t, ok := acts[i].(*compiler.Train); ok && s.trained[t.Flow] != nil {
			return s.trained[t.Flow]
		}
	}
	return nil
}
