package train_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/stdlib"
	"github.com/noxlang/nox/train"
)

// mafModel lowers MAF(hidden) |> Reverse |> MAF(hidden) |> Gaussian on 2
// columns with the options' structure.
func mafModel(t *testing.T, o compiler.TrainOptions, hidden int) *compiler.Model {
	t.Helper()
	return mafStack(t, o, hidden, 2)
}

// mafStack lowers n MADEs of hidden units with a Reverse between each
// two and a Gaussian prior, on 2 columns: MAF(hidden) |> Reverse |> … |>
// MAF(hidden) |> Gaussian, bench/bigdata.sh's flow for n = 5.
func mafStack(t *testing.T, o compiler.TrainOptions, hidden, n int) *compiler.Model {
	t.Helper()
	maf, rev, g := stdlib.Lookup("MAF"), stdlib.Lookup("Reverse"), stdlib.Lookup("Gaussian")
	h := stdlib.Args{"hidden": {float64(hidden)}}
	var stages []compiler.Stage
	for i := range n {
		if i > 0 {
			stages = append(stages, compiler.Stage{Spec: rev, Args: rev.Bind(nil), Name: fmt.Sprint("reverse", i)})
		}
		stages = append(stages, compiler.Stage{Spec: maf, Args: maf.Bind(h), Name: fmt.Sprint("maf", i+1)})
	}
	stages = append(stages, compiler.Stage{Spec: g, Args: g.Bind(nil), Name: "gaussian1"})
	m, err := compiler.Lower("flow", stages, 2, o.ModelOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func moons(t *testing.T, n int) []float64 {
	t.Helper()
	tab, err := dataset.Toy("moons", n, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tab.Values
}

func options(steps int) compiler.TrainOptions {
	o := compiler.DefaultTrainOptions()
	o.Steps, o.Batch, o.EvalEvery = steps, 64, 10
	return o
}

// TestLikelihoodDeterministic: the same rows, options and seed give the
// same parameters to the bit; another seed does not.
func TestLikelihoodDeterministic(t *testing.T) {
	rows := moons(t, 1000)
	run := func(seed uint64) []float64 {
		o := options(60)
		o.Seed = seed
		res, err := train.Likelihood(context.Background(), mafModel(t, o, 16), rows, o, o.Steps, train.Hooks{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), res.Params.Data...)
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Error("two runs with seed 1 differ")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 1 and 2 give the same parameters")
	}
}

// TestLikelihoodFillsStandardization: the model's fixed parameters hold
// the training rows' statistics, and the model's data-free programs
// give the Gaussian fit's NLL at step 0.
func TestLikelihoodFillsStandardization(t *testing.T) {
	rows := moons(t, 2000)
	for i := range rows {
		rows[i] = 100 + 30*rows[i] // far from N(0, I)
	}
	o := options(1)
	o.Defensive = 0
	res, err := train.Likelihood(context.Background(), mafModel(t, o, 8), rows, o, 1, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.Params.Table {
		if p.Name == "standardize.mean" {
			if m := res.Params.Views[i]; math.Abs(m[0]-100) > 40 || math.Abs(m[1]-100) > 40 {
				t.Errorf("standardize.mean = %v, want near the data's mean", m)
			}
		}
	}
	if nll := res.Report.TrainNLL; !(nll > 5 && nll < 12) {
		t.Errorf("train NLL %v: not the NLL of a standardized fit of rows at scale 30 (about 2.8 + 2·log 30 ≈ 9.6)", nll)
	}
}

// countdown is an Objective whose validation score improves until a
// step and worsens after; it counts what Loop asked of it.
type countdown struct {
	step, best, kept int
	loss             float64
	cancel           func()
	cancelAt         int
}

func (c *countdown) Step(lr float64) float64 {
	c.step++
	if c.cancel != nil && c.step == c.cancelAt {
		c.cancel()
	}
	return c.loss
}
func (c *countdown) Validates() bool { return true }
func (c *countdown) Validate() float64 {
	return math.Abs(float64(c.step - c.best))
}
func (c *countdown) Keep(step int) { c.kept = step }
func (c *countdown) ValRows() int  { return 0 }

func TestLoop(t *testing.T) {
	o := compiler.DefaultTrainOptions()
	o.EvalEvery, o.Patience = 1, 3
	t.Run("patience", func(t *testing.T) {
		c := &countdown{best: 40, loss: 1}
		out := train.Loop(context.Background(), c, o, 1000, train.Hooks{})
		if out.Stop != train.Patience || out.BestStep != 40 || c.kept != 40 || out.Steps != 43 {
			t.Errorf("stop %v after %d steps, best %d, kept %d; want early stopping after 43, best and kept 40", out.Stop, out.Steps, out.BestStep, c.kept)
		}
		// The curve knows them too, for the loss plot (issue 24).
		if h := out.History; h.Stop != train.Patience || h.LastStep != 43 || h.BestStep != 40 {
			t.Errorf("history: stop %v at step %d, best %d; want early stopping at 43, best 40", h.Stop, h.LastStep, h.BestStep)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := &countdown{best: 1000, loss: 1, cancel: cancel, cancelAt: 25}
		var last int
		out := train.Loop(ctx, c, o, 1000, train.Hooks{Every: 10, Progress: func(step, total int, loss float64) {
			last = step
			if step == total && step != 25 && step != 1000 {
				t.Errorf("progress closed at %d/%d", step, total)
			}
		}})
		if out.Stop != train.Cancelled || out.Steps != 25 || c.kept != 25 || last != 25 {
			t.Errorf("stop %v after %d steps, kept %d, last progress %d; want cancelled after 25, kept 25", out.Stop, out.Steps, c.kept, last)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		stop := make(chan struct{}, 1)
		stop <- struct{}{} // sent before the run: dropped
		c := &countdown{best: 1000, loss: 1}
		var out train.Outcome
		out = train.Loop(context.Background(), c, o, 1000, train.Hooks{Stop: stop, Every: 1, Progress: func(step, total int, loss float64) {
			if step == 30 {
				stop <- struct{}{}
			}
		}})
		if out.Stop != train.Interrupted || out.Steps != 30 || c.kept != 30 {
			t.Errorf("stop %v after %d steps, kept %d; want interrupted after 30, kept 30", out.Stop, out.Steps, c.kept)
		}
	})
	t.Run("diverged", func(t *testing.T) {
		c := &countdown{best: 1000, loss: math.NaN()}
		out := train.Loop(context.Background(), c, o, 1000, train.Hooks{})
		if out.Stop != train.Diverged || out.Steps != 1 || out.Err == nil || !strings.Contains(out.Err.Error(), "step 1") {
			t.Errorf("stop %v after %d steps: %v", out.Stop, out.Steps, out.Err)
		}
	})
}

// TestLikelihoodCancelKeepsBest: a cancelled run returns the parameters
// of its best validation, with no error.
func TestLikelihoodCancelKeepsBest(t *testing.T) {
	rows := moons(t, 1000)
	o := options(100000)
	o.Defensive = 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := train.Likelihood(ctx, mafModel(t, o, 16), rows, o, o.Steps, train.Hooks{Every: 1, Progress: func(step, total int, loss float64) {
		if step == 200 {
			cancel()
		}
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Stop != train.Cancelled || r.Steps != 200 || r.BestStep < 0 || r.BestStep > 200 || math.IsNaN(r.TrainNLL) {
		t.Errorf("report %+v; want cancelled after 200 steps with a best step and NLLs", r)
	}
	if h := res.History; h.Stop != train.Cancelled || h.LastStep != 200 || h.BestStep != r.BestStep {
		t.Errorf("history: stop %v at step %d, best %d; want cancelled at 200, best %d as reported", h.Stop, h.LastStep, h.BestStep, r.BestStep)
	}
}

func TestSplit(t *testing.T) {
	rows := make([]float64, 0, 2*101)
	for i := range 101 {
		rows = append(rows, float64(i), -float64(i))
	}
	nTest, nVal := dataset.SplitSizes(101, 0.2, 0.1)
	tr, val, test := train.Split(rows, 2, 0.2, 0.1, randFor(3))
	if len(test) != 2*nTest || len(val) != 2*nVal || len(tr)+len(val)+len(test) != len(rows) {
		t.Fatalf("split %d/%d/%d values of %d (want %d test rows, %d validation)", len(tr), len(val), len(test), len(rows), nTest, nVal)
	}
	seen := map[float64]bool{}
	for _, part := range [][]float64{tr, val, test} {
		for i := 0; i < len(part); i += 2 {
			if part[i+1] != -part[i] || seen[part[i]] {
				t.Fatalf("row %v broken or repeated", part[i:i+2])
			}
			seen[part[i]] = true
		}
	}
}

// TestStopNames: every Stop has its own name.
func TestStopNames(t *testing.T) {
	want := map[train.Stop]string{train.Completed: "completed", train.Patience: "early stopping",
		train.Cancelled: "cancelled", train.Interrupted: "interrupted", train.Diverged: "diverged"}
	for s, name := range want {
		if s.String() != name {
			t.Errorf("Stop %d is %q, want %q", s, s.String(), name)
		}
	}
}

// cancelAt is an Objective whose loss is the step number; it cancels its
// context at a step.
type cancelAt struct {
	n, at  int
	cancel func()
}

func (c *cancelAt) Step(float64) float64 {
	c.n++
	if c.n == c.at {
		c.cancel()
	}
	return float64(c.n)
}
func (c *cancelAt) Validates() bool   { return false }
func (c *cancelAt) Validate() float64 { return 0 }
func (c *cancelAt) Keep(int)          {}
func (c *cancelAt) ValRows() int      { return 0 }

// TestLoopEarlyStops (review of issue 17): a cancel before the curve has
// kept a point does not panic, and the closing progress call carries the
// last step's loss; patience that runs out at the last step is no early
// stop; negative steps run none.
func TestLoopEarlyStops(t *testing.T) {
	for _, at := range []int{1, 5} {
		ctx, cancel := context.WithCancel(context.Background())
		var last [3]float64
		out := train.Loop(ctx, &cancelAt{at: at, cancel: cancel}, compiler.DefaultTrainOptions(), 1<<21,
			train.Hooks{Every: 10, Progress: func(step, total int, loss float64) { last = [3]float64{float64(step), float64(total), loss} }})
		cancel()
		if out.Stop != train.Cancelled || last != [3]float64{float64(at), float64(at), float64(at)} {
			t.Errorf("cancel at %d: stop %v, last progress %v", at, out.Stop, last)
		}
	}
	o := compiler.DefaultTrainOptions()
	o.EvalEvery, o.Patience = 5, 13
	c := &countdown{best: -100, loss: 1} // never improves after step 0
	var calls int
	out := train.Loop(context.Background(), c, o, 65, train.Hooks{Every: 1, Progress: func(step, total int, _ float64) {
		if step == total {
			calls++
		}
	}})
	if out.Stop != train.Completed || out.Steps != 65 || calls != 1 {
		t.Errorf("patience out at the last step: stop %v after %d steps, %d closing calls", out.Stop, out.Steps, calls)
	}
	if out := train.Loop(context.Background(), c, o, -5, train.Hooks{}); out.Steps != 0 {
		t.Errorf("negative steps ran %d", out.Steps)
	}
}

// TestLikelihoodKeepsParts: the result carries the rows Split chose for
// the run's seed, and its test and train NLLs are their mean NLLs under
// the model kept, exactly, so `eval flow on test` can report the same
// number (issue 24).
func TestLikelihoodKeepsParts(t *testing.T) {
	rows := moons(t, 500)
	o := options(20)
	o.Seed = 5
	res, err := train.Likelihood(context.Background(), mafModel(t, o, 8), rows, o, o.Steps, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, val, test := train.Split(rows, 2, o.TestFrac, o.ValFrac, rand.New(rand.NewPCG(o.Seed, 0x6e6f78)))
	for _, p := range []struct {
		name      string
		got, want []float64
	}{{"train", res.Train, tr}, {"validation", res.Val, val}, {"test", res.Test, test}} {
		if len(p.want) == 0 || !slices.Equal(p.got, p.want) || !slices.Equal(res.Parts.Rows(p.name), p.want) {
			t.Errorf("%s: the result's rows are not Split's (%d values, want %d)", p.name, len(p.got), len(p.want))
		}
	}
	if res.Parts.Rows("data") != nil {
		t.Error(`Parts.Rows("data") is not nil`)
	}
	if got := train.MeanNLL(res.Model, res.Params, res.Test); got != res.Report.TestNLL {
		t.Errorf("mean NLL of the test rows %v, Report.TestNLL %v", got, res.Report.TestNLL)
	}
	if got := train.MeanNLL(res.Model, res.Params, res.Train); got != res.Report.TrainNLL {
		t.Errorf("mean NLL of the training rows %v, Report.TrainNLL %v", got, res.Report.TrainNLL)
	}
}

// TestSummarizerChunks: log-likelihoods added chunk by chunk summarize to
// the bits of Summarize on all of them, rows outside the support counted
// apart.
func TestSummarizerChunks(t *testing.T) {
	lp := make([]float64, 1001)
	for i := range lp {
		lp[i] = -math.Sqrt(float64(i)) / 3
	}
	lp[7], lp[500] = math.Inf(-1), math.Inf(-1)
	for _, chunk := range []int{1, 3, 64, 1000, 2000} {
		var z train.Summarizer
		for lo := 0; lo < len(lp); lo += chunk {
			z.Add(lp[lo:min(lo+chunk, len(lp))])
		}
		if got, want := z.Summary(), train.Summarize(lp); got != want || want.Outside != 2 || want.Inside != 999 {
			t.Errorf("chunks of %d: %+v, want %+v", chunk, got, want)
		}
	}
	var empty train.Summarizer
	if s := empty.Summary(); !math.IsNaN(s.MeanNLL) || s.Inside != 0 {
		t.Errorf("no rows: %+v", s)
	}
}

// TestAutomaticEvalInterval: with eval_every automatic, a run whose
// validation rows are many beside its batch validates no more often than
// EvalInterval(steps, validation rows) allows, and at the last step.
// 2,000 rows leave 160 for validation (test_frac 0.2, val_frac 0.1);
// batches of 16 make that one validation every ⌈9·160/16⌉ = 90 steps,
// where steps/50 alone would have validated every 4 of 200.
func TestAutomaticEvalInterval(t *testing.T) {
	rows := moons(t, 2000)
	o := compiler.DefaultTrainOptions()
	o.Steps, o.Batch, o.EvalEvery, o.Patience = 200, 16, 0, 0
	if got := o.EvalInterval(o.Steps, 160); got != 90 {
		t.Fatalf("EvalInterval(200, 160) = %d, want 90", got)
	}
	res, err := train.Likelihood(context.Background(), mafModel(t, o, 8), rows, o, o.Steps, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Parts.Val) / 2; n != 160 {
		t.Fatalf("%d validation rows, want 160", n)
	}
	var validated []int
	h := res.History
	for i, s := range h.Steps {
		if !math.IsNaN(h.Val[i]) {
			validated = append(validated, s)
		}
	}
	if want := []int{90, 180, 200}; !slices.Equal(validated, want) {
		t.Errorf("validated at steps %v, want %v", validated, want)
	}
}
