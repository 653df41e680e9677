package compiler_test

import (
	"math"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// trainOpts compiles a train statement with the given options block on a
// table of 10 rows and returns its TrainOptions.
func trainOpts(t *testing.T, opts string) compiler.TrainOptions {
	t.Helper()
	src := "d = csv(\"d.csv\")\nf = MAF(4) |> Gaussian\ntrain f on d " + opts + "\n"
	f, err := lang.Parse("model.nox", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	table := &dataset.Table{Rows: 10, Cols: 2, Values: make([]float64, 20)}
	prog, err := compiler.Check(f, func(string) (*dataset.Table, error) { return table, nil })
	if err != nil {
		t.Fatal(err)
	}
	return prog.Actions[0].(*compiler.Train).Opts
}

// TestDefaultTrainOptions: the Go API's defaults are a train statement's
// without options, and they validate.
func TestDefaultTrainOptions(t *testing.T) {
	def := compiler.DefaultTrainOptions()
	if got := trainOpts(t, ""); got != def {
		t.Errorf("train without options: %+v\nDefaultTrainOptions:       %+v", got, def)
	}
	want := compiler.TrainOptions{Steps: 1000, Batch: 256, LR: 1e-3, Schedule: "constant", Clip: 5, TestFrac: 0.2, ValFrac: 0.1,
		Patience: 20, Standardize: true, Whiten: true, Dequantize: true, DType: "float64", Defensive: 0.01}
	if def != want {
		t.Errorf("DefaultTrainOptions() = %+v\nwant %+v", def, want)
	}
	if err := def.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestTrainOptionsFilled: every option of a train statement reaches its
// field, a choice as its name, whether quoted or a bare word.
func TestTrainOptionsFilled(t *testing.T) {
	got := trainOpts(t, `{ steps = 7, batch = 3, lr = 0.5, schedule = cosine, clip = 0, weight_decay = 0.25, test_frac = 0.1, val_frac = 0.3,
		patience = 4, eval_every = 2, seed = 9007199254740992, standardize = false, whiten = false, dequantize = false, dtype = "float32", defensive = 0 }`)
	want := compiler.TrainOptions{Steps: 7, Batch: 3, LR: 0.5, Schedule: "cosine", Clip: 0, WeightDecay: 0.25, TestFrac: 0.1, ValFrac: 0.3,
		Patience: 4, EvalEvery: 2, Seed: 1 << 53, DType: "float32"}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

// TestTrainOptionsValidate: a struct a Go program filled is checked
// against the table with the checker's messages.
func TestTrainOptionsValidate(t *testing.T) {
	cases := []struct {
		set  func(o *compiler.TrainOptions)
		want string
	}{
		{func(o *compiler.TrainOptions) { o.LR = -1 }, "train option lr must be in (0, 10], got -1"},
		{func(o *compiler.TrainOptions) { o.LR = math.NaN() }, "train option lr must be in (0, 10], got NaN"},
		{func(o *compiler.TrainOptions) { o.Steps = 0 }, "train option steps must be in [1, 1000000000], got 0"},
		{func(o *compiler.TrainOptions) { o.Batch = 1<<20 + 1 }, "train option batch must be in [1, 1048576], got 1048577"},
		{func(o *compiler.TrainOptions) { o.TestFrac = 1 }, "train option test_frac must be in [0, 1), got 1"},
		{func(o *compiler.TrainOptions) { o.Schedule = "linear" }, `train option schedule must be one of "constant", "cosine", "step", got "linear"`},
		{func(o *compiler.TrainOptions) { o.DType = "float16" }, `train option dtype must be one of "float64", "float32", got "float16" (did you mean float64?)`},
		{func(o *compiler.TrainOptions) { o.Seed = 1<<53 + 1 }, "train option seed must be in [0, 9007199254740992], got 9007199254740993"},
		{func(o *compiler.TrainOptions) { o.Defensive = 0.6 }, "train option defensive must be in [0, 0.5], got 0.6"},
		{func(o *compiler.TrainOptions) { o.EvalEvery = -1 }, "train option eval_every must be in [0, 1000000000], got -1"},
	}
	for _, c := range cases {
		o := compiler.DefaultTrainOptions()
		c.set(&o)
		if err := o.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
}

// TestEvalInterval: EvalEvery when set, else max(1, min(steps/50, 250)),
// and no more often than once every 9·valRows/batch steps (rounded up),
// so that validating costs at most about 4 % of training.
func TestEvalInterval(t *testing.T) {
	auto := compiler.DefaultTrainOptions()
	auto.Batch = 128
	set := auto
	set.EvalEvery = 7
	for _, c := range []struct{ steps, valRows, auto int }{
		{1, 0, 1}, {49, 0, 1}, {100, 0, 2}, {1000, 0, 20}, {12500, 0, 250}, {1e6, 0, 250},
		// 784-d in bench/suite: 160 validation rows, batch 128.
		{200, 160, 12},
		// Few validation rows leave the rule as it was.
		{1000, 100, 20}, {200, 56, 4}, {200, 57, 5},
		// Many, past the cap of 250: 1e6 rows validate as often as
		// 70,313 steps of 128 rows.
		{1e6, 1e6, 70313}, {100, 1e6, 70313},
	} {
		if got := auto.EvalInterval(c.steps, c.valRows); got != c.auto {
			t.Errorf("EvalInterval(%d, %d) = %d, want %d", c.steps, c.valRows, got, c.auto)
		}
		if got := set.EvalInterval(c.steps, c.valRows); got != 7 {
			t.Errorf("with EvalEvery 7, EvalInterval(%d, %d) = %d", c.steps, c.valRows, got)
		}
	}
}
