package nox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/train"
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
	// Stopped says why training ended before its last step: "early
	// stopping", "interrupted" or "cancelled".
	Stopped string `json:"stopped,omitempty"`
	N       int    `json:"n,omitempty"`
	// Part is the part of the training split an eval scored ("train",
	// "validation" or "test"); empty for a data set.
	Part    string   `json:"part,omitempty"`
	MeanNLL *float64 `json:"mean_nll,omitempty"`
	// Outside counts the rows an eval found outside the model's support:
	// log-likelihood −Inf, a coordinate outside the domain of a Logit or
	// Dequantize stage. The NLL over all N rows is then +Inf, so MeanNLL
	// is the mean over the N − Outside rows inside, and absent when there
	// are none.
	Outside int    `json:"outside,omitempty"`
	Path    string `json:"path,omitempty"`
	// Params is the number of trained scalars (train only).
	Params int `json:"params,omitempty"`
	// Warning says what went wrong without stopping the run (a
	// checkpoint that could not be written).
	Warning string `json:"warning,omitempty"`
	// Skipped: the statement would have written Path (RunOptions.NoWrite).
	Skipped bool `json:"skipped,omitempty"`
	// A fit statement's density and estimates, from N draws of the
	// fitted flow (train.VIReport): the ELBO, the importance-sampling
	// log Z, each with its standard error, and the effective sample size
	// as a fraction of the draws; SamplesPerS is the rate of those draws.
	Target      string   `json:"target,omitempty"`
	ELBO        *float64 `json:"elbo,omitempty"`
	ELBOErr     *float64 `json:"elbo_se,omitempty"`
	LogZ        *float64 `json:"log_z,omitempty"`
	LogZErr     *float64 `json:"log_z_se,omitempty"`
	ESS         *float64 `json:"ess_frac,omitempty"`
	SamplesPerS float64  `json:"samples_per_s,omitempty"`
}

// RunOptions control Script.Run.
type RunOptions struct {
	// OnEvent receives each statement's result.
	OnEvent func(Event)
	// OnStep, if set, is called during training with the step number
	// (1-based), the total and the batch loss, every ReportEvery steps.
	OnStep func(flow string, step, total int, loss float64)
	// OnStart, if set, is called as a train or fit statement starts,
	// with the statement ("train" or "fit") and the flow: what the
	// OnStep calls that follow are steps of.
	OnStart     func(statement, flow string)
	ReportEvery int
	// MaxSteps, if positive, caps the steps of every train statement (for
	// quick tests of examples).
	MaxSteps int
	// NoWrite skips the statements that write files (a trial run must
	// not replace a real run's results), reporting each as Skipped.
	NoWrite bool
	// Interrupt stops the training in progress when a value arrives, as
	// early stopping would: it keeps the best parameters so far, reports
	// "stopped": "interrupted", and the run goes on with the next
	// statement (noxc sends one at the first Ctrl-C). A value that
	// arrives while no training runs is dropped when the next starts.
	Interrupt <-chan struct{}
	// Plot draws the pictures of a plot statement and returns their
	// paths. Plotting lives in package plot (plot.Statement), which a
	// program that only scores models need not link; without Plot, a
	// plot statement is an error.
	Plot func(PlotJob) ([]string, error)
}

// emit hands ev to OnEvent, if set.
func (o RunOptions) emit(ev Event) {
	if o.OnEvent != nil {
		o.OnEvent(ev)
	}
}

// evalBatch is the batch of the programs that score and sample rows;
// a sample statement writes sampleChunk batches at a time.
const evalBatch, sampleChunk = 1000, 16

// Run executes the script's statements in order. A done ctx stops the
// training in progress, which keeps its best parameters so far (as early
// stopping would) and reports "stopped": "cancelled"; Run then returns
// ctx's error without running the statements after it.
func (s *Script) Run(ctx context.Context, opts RunOptions) error {
	_, err := s.RunFrom(ctx, 0, opts)
	return err
}

// RunFrom is Run from action i of s.Prog.Actions on; it returns the index
// after the last action it ran (the failed one included), where a REPL
// that appends source goes on.
func (s *Script) RunFrom(ctx context.Context, i int, opts RunOptions) (int, error) {
	if s == nil || s.Prog == nil || ctx == nil {
		return i, errors.New("Run: no script or no context.Context (use Compile's Script and a ctx)")
	}
	for ; i < len(s.Prog.Actions); i++ {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		if err := cmp.Or(s.runAction(ctx, s.Prog.Actions[i], opts), ctx.Err()); err != nil {
			return i + 1, err
		}
	}
	return i, nil
}

// Adopt gives s the trained models of prev's flows that s binds to the
// same names, except those named in drop (whose definitions changed): s
// is a compile of prev's source with more after it (a REPL session).
func (s *Script) Adopt(prev *Script, drop ...string) {
	for old, m := range prev.trained {
		if f := s.Prog.FlowByName(old.Name); f != nil && !slices.Contains(drop, old.Name) {
			s.trained[f] = m
		}
	}
}

func (s *Script) runAction(ctx context.Context, a compiler.Action, opts RunOptions) error {
	if stmt, f, paths := compiler.Destinations(a); opts.NoWrite && paths != nil && stmt != "train" {
		for i, p := range paths {
			paths[i] = resolve(s.dir, p) // as the statement would have written them
		}
		opts.emit(Event{Statement: stmt, Flow: f.Name, Path: strings.Join(paths, ","), Skipped: true})
		return nil
	}
	switch a := a.(type) {
	case *compiler.Train:
		if opts.OnStart != nil {
			opts.OnStart("train", a.Flow.Name)
		}
		return s.train(ctx, a, opts)
	case *compiler.Fit:
		if opts.OnStart != nil {
			opts.OnStart("fit", a.Flow.Name)
		}
		return s.fit(ctx, a, opts)
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

// train runs a train statement (package train does the work) and keeps
// the model, also when training diverged (it keeps the best parameters
// validated before) or was cancelled.
func (s *Script) train(ctx context.Context, t *compiler.Train, opts RunOptions) error {
	m, err := t.Lower()
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	steps := t.Opts.Steps
	if opts.MaxSteps > 0 {
		steps = min(steps, opts.MaxSteps)
	}
	h := train.Hooks{Stop: opts.Interrupt}
	d, c := t.Data.Names()
	var ckErr error
	if path := t.Opts.Checkpoint; path != "" && !opts.NoWrite {
		last := -t.Opts.CheckpointEvery
		h.Checkpoint = func(step int, p *runtime.Params) {
			if step-last >= t.Opts.CheckpointEvery && ckErr == nil {
				last = step
				if err := newModel(t.Flow.Name, m, p, string(s.Source), [2][]string{d, c}).Save(resolve(s.dir, path)); err != nil {
					ckErr = fmt.Errorf("checkpoint %s: %v", path, err)
				}
			}
		}
	}
	if opts.OnStep != nil {
		h.Every = opts.ReportEvery
		h.Progress = func(step, total int, loss float64) { opts.OnStep(t.Flow.Name, step, total, loss) }
	}
	var start []float64
	if sv := t.Flow.Saved; sv != nil {
		start = sv.Model.(*Model).params.Data // a warm start
	}
	res, err := train.LikelihoodSource(ctx, m, t.Data.Source(), t.Opts, steps, h, start)
	if res != nil {
		model := newModel(t.Flow.Name, res.Model, res.Params, string(s.Source), [2][]string{d, c})
		model.History, model.parts = res.History, res.Parts
		s.trained[t.Flow] = model
		delete(s.targets, t.Flow)
	}
	if err != nil {
		return lang.Errorf(t.Pos, t.Pos, "train: %v", err)
	}
	ev := trainEvent(t.Flow.Name, res.Report)
	if ckErr != nil { // the run goes on: the model is whole in memory
		ev.Warning = strings.TrimPrefix(ev.Warning+"; "+ckErr.Error(), "; ")
	}
	opts.emit(ev)
	return nil
}

// trainEvent reports a training run.
func trainEvent(flow string, r train.Report) Event {
	ev := Event{Statement: "train", Flow: flow, Steps: r.Steps, Seconds: r.Seconds, Params: r.Params}
	if r.Seconds > 0 {
		ev.StepsPerS = float64(r.Steps) / r.Seconds
	}
	if r.Stop != train.Completed {
		ev.Stopped = r.Stop.String()
	}
	// An NLL of +Inf (rows outside a restricted layer's support) has no
	// JSON number: it is left out, and the warning says why.
	var inf []string
	ptr := func(part string, v float64) *float64 {
		if math.IsInf(v, 0) {
			inf = append(inf, part)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	ev.TrainNLL, ev.TestNLL = ptr("train", r.TrainNLL), ptr("test", r.TestNLL)
	if inf != nil {
		ev.Warning = fmt.Sprintf("the %s NLL is +Inf: some of its rows are outside the model's support (eval ... on %s counts them)", strings.Join(inf, " and "), inf[0])
	}
	if r.BestStep >= 0 {
		best := r.BestStep
		ev.ValNLL, ev.BestStep = &r.ValNLL, &best
	}
	return ev
}

// evalEvent reports the per-row log-likelihoods lp of an eval: the mean
// NLL of the rows inside the model's support and the count of the others
// (see Event.Outside).
func evalEvent(flow string, lp []float64) Event {
	sum := train.Summarize(lp)
	ev := Event{Statement: "eval", Flow: flow, N: len(lp), Outside: sum.Outside}
	if sum.Inside > 0 {
		ev.MeanNLL = &sum.MeanNLL
	}
	return ev
}

func (s *Script) eval(a *compiler.Eval, opts RunOptions) error {
	tf, err := s.trainedFor(a.Flow, "eval", a.Pos)
	if err != nil {
		return err
	}
	rows := tf.parts.Rows(a.Part) // the checker saw the part is not empty
	switch {
	case a.Data != nil && a.Data.Streamed():
		return s.evalStreamed(a, tf, opts)
	case a.Data != nil:
		rows = a.Data.Rows()
	case len(rows) == 0 && tf.parts.Streamed && a.Part == "train":
		return lang.Errorf(a.Pos, a.Pos, "eval: flow %s was trained on rows streamed from a file, whose training rows are not held in memory; eval it on test or validation, or on the data set itself", a.Flow.Name)
	case len(rows) == 0: // the flow was rebound (REPL) since its train
		return lang.Errorf(a.Pos, a.Pos, "eval: flow %s has no %s rows: it was not trained since it was last bound", a.Flow.Name, a.Part)
	}
	lp := train.LogProb(tf.m, tf.params, rows)
	ev := evalEvent(a.Flow.Name, lp)
	ev.Part = a.Part
	if a.Path != "" {
		path := resolve(s.dir, a.Path)
		if err := dataset.WriteFile(path, lp, 1); err != nil {
			return lang.Errorf(a.Pos, a.Pos, "eval: %v", err)
		}
		ev.Path = path
	}
	opts.emit(ev)
	return nil
}

func (s *Script) sample(a *compiler.Sample, opts RunOptions) error {
	tf, err := s.trainedFor(a.Flow, "sample", a.Pos)
	if err != nil {
		return err
	}
	path := resolve(s.dir, a.Path)
	err = atomicfile.Write(path, func(w io.Writer) error { return tf.SampleTo(w, dataset.IsNPY(path), a.N, a.Seed, a.Given) })
	if err != nil {
		return lang.Errorf(a.Pos, a.Pos, "sample: %v", err)
	}
	opts.emit(Event{Statement: "sample", Flow: a.Flow.Name, N: a.N, Path: path})
	return nil
}

func (s *Script) save(a *compiler.Save, opts RunOptions) error {
	tf, err := s.trainedFor(a.Flow, "save", a.Pos)
	if err != nil {
		return err
	}
	path := resolve(s.dir, a.Path)
	save := tf.Save
	if strings.EqualFold(filepath.Ext(path), ".onnx") { // the log-density, for ONNX engines
		save = func(path string) error { return tf.SaveONNX(path, ONNXOptions{Function: "log_prob"}) }
	}
	if err := save(path); err != nil {
		return lang.Errorf(a.Pos, a.Pos, "save: %v", err)
	}
	opts.emit(Event{Statement: "save", Flow: a.Flow.Name, Path: path})
	return nil
}

// trainedFor returns the model of flow f for a statement at pos, or an
// error there if f was not trained (its train statement failed).
func (s *Script) trainedFor(f *compiler.Flow, stmt string, pos lang.Pos) (*Model, error) {
	if m := s.trained[f]; m != nil {
		return m, nil
	}
	return nil, lang.Errorf(pos, pos, "%s: flow %s has not been trained", stmt, f.Name)
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

// evalChunk is the number of rows evalStreamed scores at once: a
// multiple of the scorer's batch, so that each row is scored as in one
// call over all of them.
const evalChunk = 64000

// evalStreamed runs an eval on data streamed from a file: its rows are
// scored chunk by chunk and their log-likelihoods written, if asked, as
// they come, so that neither the rows nor the scores are all held.
func (s *Script) evalStreamed(a *compiler.Eval, tf *Model, opts RunOptions) error {
	src := a.Data.Source()
	n, w := src.Len(), src.Width()
	buf := make([]float64, min(n, evalChunk)*w)
	var sum train.Summarizer
	at := 0
	sc := train.NewScorer(tf.m, tf.params, n)
	defer sc.Close()
	next := func(dst []float64) error {
		k := len(dst)
		if err := src.ReadRows(buf[:k*w], at, at+k); err != nil {
			return err
		}
		sc.LogProb(dst, buf[:k*w])
		sum.Add(dst)
		at += k
		return nil
	}
	ev := Event{Statement: "eval", Flow: a.Flow.Name, N: n}
	var err error
	if a.Path != "" {
		path := resolve(s.dir, a.Path)
		err = dataset.WriteFileRows(path, nil, n, 1, evalChunk, next)
		ev.Path = path
	} else {
		lp := make([]float64, min(n, evalChunk))
		for at < n {
			if err = next(lp[:min(evalChunk, n-at)]); err != nil {
				break
			}
		}
	}
	if err != nil {
		return lang.Errorf(a.Pos, a.Pos, "eval: %v", err)
	}
	r := sum.Summary()
	ev.Outside = r.Outside
	if r.Inside > 0 {
		ev.MeanNLL = &r.MeanNLL
	}
	opts.emit(ev)
	return nil
}
