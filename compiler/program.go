// Package compiler turns a parsed .nox file into a checked program: it
// resolves names, evaluates arguments against the layer registry (package
// stdlib), type-checks dimensions — the data width flows through every
// layer of a flow, and a mismatch is an error naming both sizes and the
// position — and lowers each flow to IR programs (Lower), whose gradients
// package ad derives.
//
// The checker reports every error it finds in a file (sorted, capped), not
// only the first. It reads data files only through the Loader it is given.
package compiler

import (
	"fmt"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// Program is a checked file: its data sets, flows and actions in order.
type Program struct {
	File  *lang.File
	Data  []*Data
	Flows []*Flow
	// Targets are the density statements, in order.
	Targets []*Target
	Actions []Action
	// Names describes each top-level binding in a line: its type and, for
	// a flow, its stages ("flow: MAF(100) |> Reverse |> Gaussian").
	Names map[string]string
	// Warnings are the checker's diagnostics that do not stop the program
	// (see Warning), in statement order.
	Warnings []*Warning
}

// Describe returns a one-line description of the value bound to name,
// with the dimensions of a flow once a train statement has fixed them.
func (p *Program) Describe(name string) (string, bool) {
	d, ok := p.Names[name]
	if !ok {
		return "", false
	}
	for _, f := range p.Flows {
		if f.Name != name {
			continue
		}
		if f.Dim == 0 {
			return d + "; dimension not fixed yet (train it on data)", true
		}
		return fmt.Sprintf("%s; maps %d → %s (fixed at %s)", d, f.Dim, plural(f.Dim, "dimension"), short(f.DimPos)), true
	}
	return d, true
}

// FlowByName returns the flow bound to name, or nil.
func (p *Program) FlowByName(name string) *Flow {
	for _, f := range p.Flows {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Data is a data set bound to a name.
type Data struct {
	Name  string
	Path  string // as written
	Pos   lang.Pos
	Table *dataset.Table // the data columns
	// Context holds the context columns of conditional density
	// estimation, row for row with Table; nil if none.
	Context *dataset.Table
	// Angles are the data columns (0-based places in Table, ascending)
	// that are angles in [-π, π) (csv(..., angles = ...), or a toy set's
	// own), every value checked to lie there.
	Angles []int
	// Dropped is the number of rows csv(..., na = "drop") dropped for a
	// missing value. The summary (Program.Names, :type) says it; the root
	// package reports it with the data set.
	Dropped int
}

// ContextDim is the number of context columns.
func (d *Data) ContextDim() int {
	if d.Context == nil {
		return 0
	}
	return d.Context.Cols
}

// Names are the names of the data and the context columns, from the CSV
// header line; nil where the file has none (headerless CSV, NumPy, toy
// sets).
func (d *Data) Names() (data, context []string) {
	if d.Context != nil {
		context = d.Context.Names
	}
	return d.Table.Names, context
}

// Streamed reports whether the data are streamed from a file too large
// to load (dataset.Table.Src), not held in memory.
func (d *Data) Streamed() bool { return d.Table.Src != nil }

// Source returns each row's data columns followed by its context
// columns, as Rows lays them out, as a dataset.Source: the table in
// memory, or for streamed data a selection of the file's columns, which
// holds none of its rows.
func (d *Data) Source() dataset.Source {
	if !d.Streamed() {
		if d.Context == nil {
			return d.Table
		}
		w := d.Table.Cols + d.Context.Cols
		return &dataset.Table{Rows: d.Table.Rows, Cols: w, Values: d.Rows()}
	}
	base, cols := dataset.Base(d.Table.Src)
	if d.Context == nil {
		return d.Table.Src
	}
	if cols == nil {
		cols = seq(0, base.Width())
	}
	_, ctx := dataset.Base(d.Context.Src)
	return dataset.Columns(base, append(append([]int(nil), cols...), ctx...))
}

// Rows returns each row's data columns followed by its context columns,
// row-major: the layout of a conditional model's program inputs. Data
// streamed from a file (Streamed) have no rows in memory: nil; use
// Source.
func (d *Data) Rows() []float64 {
	if d.Streamed() {
		return nil
	}
	if d.Context == nil {
		return d.Table.Values
	}
	w := d.Table.Cols + d.Context.Cols
	out := make([]float64, 0, d.Table.Rows*w)
	for i := range d.Table.Rows {
		out = append(out, d.Table.Row(i)...)
		out = append(out, d.Context.Row(i)...)
	}
	return out
}

// Flow is a flow bound to a name: its checked stages and, once a train
// statement fixes it, its dimension.
type Flow struct {
	Name   string
	Pos    lang.Pos
	Stages []FlowStage
	Dim    int      // 0 until fixed
	DimPos lang.Pos // the statement that fixed Dim
	// ContextDim is the width of the context the flow is conditioned on,
	// fixed with Dim (0: unconditional).
	ContextDim int
	// Saved is the model the flow was read from by load(...), or nil.
	Saved *Saved
	// Angles are the data columns that are angles, fixed with Dim by
	// the data it is trained on (Data.Angles).
	Angles []int
	// failed marks a flow whose train or fit statement reported an
	// error before fixing its dimension: the statements after it do not
	// report the flow as untrained as well.
	failed bool
}

// FlowStage is a stage with the source span of its call.
type FlowStage struct {
	Stage
	Pos, End lang.Pos
}

// Action is an executable statement: *Train, *Sample, *Eval, *Save or
// *Plot.
type Action interface {
	Position() lang.Pos
}

// Train trains a flow on a data set.
type Train struct {
	Pos  lang.Pos
	Flow *Flow
	Data *Data
	Opts TrainOptions
}

// TrainOptions are the settings of a train statement.
type TrainOptions struct {
	Steps       int
	Batch       int
	LR          float64
	TestFrac    float64
	Seed        uint64
	Standardize bool
	// Whiten extends Standardize to the full covariance of the training
	// rows, so that the flow starts where a full-covariance Gaussian ends.
	Whiten bool
	// ValFrac of the training rows are held out to choose the best
	// parameters (evaluated every EvalInterval steps: EvalEvery, or if
	// it is 0 an automatic interval) and to
	// stop after Patience evaluations without improvement (0: never).
	ValFrac   float64
	Patience  int
	EvalEvery int
	// Schedule is "constant", "cosine" or "step".
	Schedule string
	// Dequantize adds uniform noise of one grid step to the data columns
	// recorded on a grid, while training.
	Dequantize bool
	// Clip bounds the gradient's global norm (0: off); WeightDecay is
	// AdamW's decoupled decay.
	Clip, WeightDecay float64
	// DType is the precision the flow's programs run in, "float64" or
	// "float32"; the parameters are kept and saved in float64 either way.
	DType string
	// Defensive is the weight of the Gaussian fit in the model's density
	// (Options.Defensive); 0: the flow alone.
	Defensive float64
	// Checkpoint, if not "", is the file the best model so far is saved
	// to (atomically) while training, at most every CheckpointEvery
	// steps (0: at every new best validation), so that a killed process
	// loses at most the steps since.
	Checkpoint      string
	CheckpointEvery int
}

// Sample draws from a trained flow and writes the draws to a file.
type Sample struct {
	Pos  lang.Pos
	Flow *Flow
	N    int
	// Given is the context of a conditional flow's draws; nil otherwise.
	Given []float64
	Path  string // as written
	Seed  uint64
}

// Eval scores every row of a data set under a trained flow; Path, if not
// empty, receives the per-row log-likelihoods.
type Eval struct {
	Pos  lang.Pos
	Flow *Flow
	Data *Data // nil when Part is set
	// Part, if not "", is one of SplitParts: the eval scores the rows the
	// flow's most recent train statement split off as that part
	// (`eval flow on test`), which Train is.
	Part  string
	Train *Train
	Path  string
}

// SplitParts are the words that, after `eval FLOW on`, name the parts
// of the split of the flow's most recent train statement instead of a
// data set: the rows it trained on, validated on and held out for
// testing.
var SplitParts = []string{"train", "validation", "test"}

// Position returns the statement's position.
func (e *Eval) Position() lang.Pos { return e.Pos }

// Save writes a trained flow's model to a file.
type Save struct {
	Pos  lang.Pos
	Flow *Flow
	Path string // as written
}

// Position returns the statement's position.
func (s *Save) Position() lang.Pos { return s.Pos }

// Plot draws pictures of a trained flow: samples (against Data, if set),
// its density (2-D flows) and its training curve.
type Plot struct {
	Pos  lang.Pos
	Flow *Flow
	Data *Data // may be nil
	Path string
	N    int
	Seed uint64
}

// Position returns the statement's position.
func (p *Plot) Position() lang.Pos { return p.Pos }

// Position returns the statement's position.
func (t *Train) Position() lang.Pos { return t.Pos }

// Position returns the statement's position.
func (s *Sample) Position() lang.Pos { return s.Pos }

// Stages returns the flow's stages without positions, for Lower.
func (f *Flow) StageList() []Stage {
	out := make([]Stage, len(f.Stages))
	for i, s := range f.Stages {
		out[i] = s.Stage
	}
	return out
}

// ModelOptions returns the structure the options give a flow's model
// (its standardization and defensive mixture), for a flow conditioned on
// contextDim columns.
func (o TrainOptions) ModelOptions(contextDim int) Options {
	return Options{Standardize: o.Standardize, Whiten: o.Standardize && o.Whiten, ContextDim: contextDim, Defensive: o.Defensive}
}
