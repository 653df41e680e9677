package nox

import (
	"fmt"
	"math"

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
	// ValNLL is the best validation NLL, reached at BestStep (0: the
	// initial parameters), whose parameters the flow keeps.
	ValNLL   *float64 `json:"val_nll,omitempty"`
	BestStep *int     `json:"best_step,omitempty"`
	N        int      `json:"n,omitempty"`
	MeanNLL  *float64 `json:"mean_nll,omitempty"`
	Path     string   `json:"path,omitempty"`
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
	case *compiler.Plot:
		return s.plot(a, opts)
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
		if err := dataset.WriteFile(path, lp, 1); err != nil {
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
	if err := dataset.WriteFile(path, out, tf.Dim()); err != nil {
		return lang.Errorf(a.Pos, a.Pos, "sample: %v", err)
	}
	if opts.OnEvent != nil {
		opts.OnEvent(Event{Statement: "sample", Flow: a.Flow.Name, N: a.N, Path: path})
	}
	return nil
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
		m, _, _, _, _, err := prepare(t)
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
