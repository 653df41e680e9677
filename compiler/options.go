package compiler

import (
	"errors"
	"fmt"

	"github.com/noxlang/nox/stdlib"
)

// trainTable is the train statement's options, in the order spec.md lists
// them: each one's parameter and the field of TrainOptions it sets. The
// checker binds a train statement's options against it and fills
// TrainOptions from the result; DefaultTrainOptions fills one from its
// defaults and Validate checks one against its types, ranges and choices;
// so the language and the Go API cannot disagree.
var trainTable = optionTable[TrainOptions]{
	{stdlib.Param{Name: "steps", Type: stdlib.Int, Default: []float64{1000}, Min: 1, Max: 1e9,
		Doc: "at most this many Adam steps"}, func(o *TrainOptions) any { return &o.Steps }},
	{stdlib.Param{Name: "batch", Type: stdlib.Int, Default: []float64{256}, Min: 1, Max: 1 << 20,
		Doc: "rows per minibatch"}, func(o *TrainOptions) any { return &o.Batch }},
	{stdlib.Param{Name: "lr", Type: stdlib.Float, Default: []float64{1e-3}, Min: 0, MinOpen: true, Max: 10,
		Doc: "Adam learning rate (peak, with a schedule)"}, func(o *TrainOptions) any { return &o.LR }},
	{stdlib.Param{Name: "schedule", Type: stdlib.Choice, Default: []float64{0}, Choices: []string{"constant", "cosine", "step"},
		Doc: "learning-rate schedule"}, func(o *TrainOptions) any { return &o.Schedule }},
	{stdlib.Param{Name: "clip", Type: stdlib.Float, Default: []float64{5}, Min: 0, Max: 1e12,
		Doc: "gradient global-norm bound (0: off)"}, func(o *TrainOptions) any { return &o.Clip }},
	{stdlib.Param{Name: "weight_decay", Type: stdlib.Float, Default: []float64{0}, Min: 0, Max: 1,
		Doc: "AdamW decoupled weight decay"}, func(o *TrainOptions) any { return &o.WeightDecay }},
	{stdlib.Param{Name: "test_frac", Type: stdlib.Float, Default: []float64{0.2}, Min: 0, Max: 1, MaxOpen: true,
		Doc: "fraction of rows held out as the test set"}, func(o *TrainOptions) any { return &o.TestFrac }},
	{stdlib.Param{Name: "val_frac", Type: stdlib.Float, Default: []float64{0.1}, Min: 0, Max: 1, MaxOpen: true,
		Doc: "fraction of the other rows held out for validation"}, func(o *TrainOptions) any { return &o.ValFrac }},
	{stdlib.Param{Name: "patience", Type: stdlib.Int, Default: []float64{20}, Min: 0, Max: 1e9,
		Doc: "evaluations without improvement before stopping (0: never)"}, func(o *TrainOptions) any { return &o.Patience }},
	{stdlib.Param{Name: "eval_every", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9,
		Doc: fmt.Sprintf("steps between validations; 0: automatic, max(1, min(steps/50, 250)), at least ⌈%d·validation rows/batch⌉ (TrainOptions.EvalInterval)", ValRowsFactor)},
		func(o *TrainOptions) any { return &o.EvalEvery }},
	{stdlib.Param{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53,
		Doc: "seeds the split, the initial parameters, the minibatches and dropout"}, func(o *TrainOptions) any { return &o.Seed }},
	{stdlib.Param{Name: "standardize", Type: stdlib.Bool, Default: []float64{1},
		Doc: "standardize with the training rows' statistics"}, func(o *TrainOptions) any { return &o.Standardize }},
	{stdlib.Param{Name: "whiten", Type: stdlib.Bool, Default: []float64{1},
		Doc: "standardize with the full covariance, not per column"}, func(o *TrainOptions) any { return &o.Whiten }},
	{stdlib.Param{Name: "dequantize", Type: stdlib.Bool, Default: []float64{1},
		Doc: "add uniform noise of one grid step to data columns recorded on a grid, while training"},
		func(o *TrainOptions) any { return &o.Dequantize }},
	{stdlib.Param{Name: "dtype", Type: stdlib.Choice, Default: []float64{0}, Choices: []string{"float64", "float32"},
		Doc: "precision the flow's programs run in"}, func(o *TrainOptions) any { return &o.DType }},
	{stdlib.Param{Name: "defensive", Type: stdlib.Float, Default: []float64{0.01}, Min: 0, Max: 0.5,
		Doc: "weight of the Gaussian fit in the model's density (0: the flow alone)"}, func(o *TrainOptions) any { return &o.Defensive }},
	{stdlib.Param{Name: "checkpoint", Type: stdlib.String, DefaultDoc: "none",
		Doc: "file the best model so far is saved to while training (.noxm)"}, func(o *TrainOptions) any { return &o.Checkpoint }},
	{stdlib.Param{Name: "checkpoint_every", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9,
		Doc: "at least this many steps between checkpoints (0: at every new best validation)"},
		func(o *TrainOptions) any { return &o.CheckpointEvery }},
}

// trainSig binds a train statement's options.
var trainSig = trainTable.signature("train")

// optionTable is a statement's options (train's, fit's), in the order
// spec.md lists them: each one's parameter and the field of O it sets.
// The checker binds a statement against it (signature) and fills an O
// from the result (fill); defaults and validate fill and check an O a Go
// program made, so the language and the Go API cannot disagree.
type optionTable[O any] []struct {
	stdlib.Param
	field func(o *O) any // a pointer to the option's field
}

// signature is the table as the binder's signature of statement name.
func (t optionTable[O]) signature(name string) *signature {
	ps := make([]stdlib.Param, len(t))
	for i, e := range t {
		ps[i] = e.Param
	}
	return &signature{name: name, options: true, params: ps}
}

// fill makes an O from a statement's bound options (every option is
// there: given or its default).
func (t optionTable[O]) fill(b bound) O {
	var o O
	for _, e := range t {
		a := b[e.Name]
		switch f := e.field(&o).(type) {
		case *int:
			*f = int(a.nums[0])
		case *uint64:
			*f = uint64(a.nums[0])
		case *float64:
			*f = a.nums[0]
		case *bool:
			*f = a.nums[0] != 0
		case *string:
			*f = a.str
		}
	}
	return o
}

// defaults is the O of a statement that sets no option.
func (t optionTable[O]) defaults() O {
	b := bound{}
	for _, e := range t {
		b[e.Name], _ = defaultArg(&e.Param)
	}
	return t.fill(b)
}

// validate checks o against the types, ranges and choices the checker
// enforces on statement sig, with its message: "train option lr must be
// in (0, 10], got -1". It returns the first violation, or nil.
func (t optionTable[O]) validate(sig *signature, o O) error {
	for _, e := range t {
		var v value
		switch f := e.field(&o).(type) {
		case *int:
			v = value{kind: kNum, num: float64(*f), isInt: true}
		case *uint64:
			if *f > 1<<53 { // no float64 holds it exactly
				return fmt.Errorf("%s must be in %s, got %d", sig.what(&e.Param), e.RangeText(), *f)
			}
			v = value{kind: kNum, num: float64(*f), isInt: true}
		case *float64:
			v = value{kind: kNum, num: *f}
		case *bool:
			v = value{kind: kBool}
			if *f {
				v.num = 1
			}
		case *string:
			v = value{kind: kStr, str: *f}
		}
		if _, msg := check(sig.what(&e.Param), &e.Param, v); msg != "" {
			return errors.New(msg)
		}
	}
	return nil
}

// trainOptions fills TrainOptions from a train statement's bound options.
func trainOptions(b bound) TrainOptions { return trainTable.fill(b) }

// DefaultTrainOptions returns the options of a train statement that sets
// none: the language's defaults, from the same table the checker binds.
func DefaultTrainOptions() TrainOptions { return trainTable.defaults() }

// Validate checks options a Go program filled against the types, ranges
// and choices the checker enforces on a train statement, with its
// message: "train option lr must be in (0, 10], got -1". It returns the
// first violation, or nil.
func (o TrainOptions) Validate() error { return trainTable.validate(trainSig, o) }

// EvalInterval returns the number of steps between validations in a run
// of steps steps with valRows validation rows: EvalEvery if it is
// positive, else the automatic max(1, min(steps/50, 250)), but never
// less than ⌈ValRowsFactor·valRows/Batch⌉. A validation row costs about
// a third of a training row (a forward pass, against a forward and a
// backward pass and an update), so validating no more rows than a ninth
// of those trained keeps the validations between the first and the last
// under about 4 % of a run: on a 784-d MAF with 160 validation rows and
// batches of 128, validating every 4 steps of a 200-step run had cost a
// tenth of it. The interval may exceed steps (the run then validates
// only at its start and its last step), and patience, counted in
// validations, spans as many more steps.
func (o TrainOptions) EvalInterval(steps, valRows int) int {
	if o.EvalEvery > 0 {
		return o.EvalEvery
	}
	every := max(1, min(steps/50, 250))
	if o.Batch > 0 && valRows > 0 {
		every = max(every, int((ValRowsFactor*int64(valRows)+int64(o.Batch)-1)/int64(o.Batch)))
	}
	return every
}

// ValRowsFactor is how many training rows the automatic validation
// interval puts between two validations, per validation row
// (EvalInterval): with the default fractions the training rows are 9
// times the validation rows, so that is at most one validation per pass
// over them.
const ValRowsFactor = 9
