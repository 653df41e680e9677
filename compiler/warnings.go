package compiler

import (
	"fmt"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Warning is a diagnostic that does not stop a program: the checker can
// tell that a statement will run but not do what its author most likely
// wants — a layer that reduces to an affine map in the data's dimension,
// a data set with too few training rows for its columns. Warnings are
// collected in Program.Warnings, in the order of the statements that
// raise them; noxc prints them (RenderWarnings) and runs the program.
type Warning struct {
	Pos, End lang.Pos
	// Flow is the flow the warning is about.
	Flow string
	Msg  string
}

// Positioned is the warning as `file:line:col: message`.
func (w *Warning) Positioned() string {
	return fmt.Sprintf("%s:%d:%d: %s", w.Pos.Filename, w.Pos.Line, w.Pos.Column, w.Msg)
}

// String is the warning as `file:line:col: warning: message`, the first
// line RenderWarnings gives it.
func (w *Warning) String() string {
	return fmt.Sprintf("%s:%d:%d: warning: %s", w.Pos.Filename, w.Pos.Line, w.Pos.Column, w.Msg)
}

// RenderWarnings formats warnings as lang.Render formats errors — each
// `file:line:col: warning: message`, then the source line and a caret
// under the span — with src returning a file's contents by name (nil if
// unknown). It returns "" for no warnings.
func RenderWarnings(ws []*Warning, src func(filename string) []byte) string {
	if len(ws) == 0 {
		return ""
	}
	l := make(lang.ErrorList, len(ws))
	for i, w := range ws {
		l[i] = &lang.Error{Pos: w.Pos, End: w.End, Msg: "warning: " + w.Msg}
	}
	return lang.Render(l, src)
}

func (c *checker) warnf(pos, end lang.Pos, flow, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n := len(c.frames); n > 0 {
		msg += " (in " + c.frames[n-1].call + ")"
	}
	c.prog.Warnings = append(c.prog.Warnings, &Warning{Pos: pos, End: end, Flow: flow, Msg: msg})
}

// warnTrain raises the warnings of a checked train statement t of flow f
// on data d with options o: those about f's layers when t is the
// statement that fixed f's dimension (so once per flow), and the one
// about d's rows at every train statement.
func (c *checker) warnTrain(t *lang.Train, f *Flow, d *Data, o TrainOptions) {
	if f.DimPos == t.Pos {
		c.warnLayers(f)
	}
	c.warnRows(t, f, d, o)
}

// affineOnOne are the layers that do nothing useful on one dimension,
// with what each then is. Audited (spec.md, Errors, Warnings): couplings and
// Split need two dimensions and are errors on one (Spec.MinDim);
// elementwise layers (ActNorm, Affine, BatchNorm, the activations,
// Logit, Dequantize) and Planar, Radial and SplineAR act on one
// dimension as on many; a conditional MAF or IAF (a flow trained with
// context columns) maps one column by a shift and scale that depend on
// the context, which is useful.
var affineOnOne = map[string]string{
	"MAF":      autoregressiveOnOne,
	"IAF":      autoregressiveOnOne,
	"LULinear": "only a scale: there is no other dimension to mix; leave it out, or use ActNorm or Affine if a learned scale is meant",
	"Reverse":  "the identity: there is nothing to reorder; leave it out",
	"Permute":  "the identity: there is nothing to reorder; leave it out",
}

// warnLayers warns about the stages of f that see one dimension and
// reduce there to an affine map or the identity (affineOnOne). The
// dimension a stage sees follows fixDim: a Split narrows it, a prior
// sees all of f's dimensions again.
func (c *checker) warnLayers(f *Flow) {
	cur := f.Dim
	for _, s := range f.Stages {
		switch s.Spec.Kind {
		case stdlib.Prior:
			cur = f.Dim
		case stdlib.Split:
			cur = s.Args.Int("keep")
		}
		what, ok := affineOnOne[s.Spec.Name]
		if !ok || cur != 1 || (s.Spec.Context && f.ContextDim > 0) {
			continue
		}
		on := "1 column"
		if f.Dim != 1 {
			on = "the 1 dimension a Split keeps"
		}
		c.warnf(s.Pos, s.End, f.Name, "%s on %s is %s", s.Spec.Name, on, what)
	}
}

// FlowWarnings are the checker's warnings for flow f (checked by
// CheckFlow) trained on trainRows rows of its columns, for the Go API's
// Fit: its layers that reduce to an affine map on one column, and too
// few rows for the columns (see warnRows). Each is a line without a
// position: the flow is a string, not a file.
func FlowWarnings(f *Flow, trainRows int) []string {
	c := newChecker(nil)
	c.warnLayers(f)
	var out []string
	for _, w := range c.prog.Warnings {
		out = append(out, w.Msg)
	}
	if trainRows <= f.Dim {
		out = append(out, fmt.Sprintf("%s, no more than the %s, span a subspace of the data space, and the flow can fit it without bound (a training NLL far below the test NLL); train on more rows than columns",
			plural(trainRows, "training row"), plural(f.Dim, "column")))
	}
	return out
}

// warnRows warns when the training rows of t are no more than the data
// columns. Their sample covariance then has rank at most rows − 1, less
// than the columns: the training rows lie in a subspace of the data
// space, and maximum likelihood can concentrate a flow's density on it
// without bound — a training NLL far below zero and a test NLL that
// explodes on every held-out row off it (300 rows × 5,000 columns gave
// −50,074 and 2.4·10¹³ nats). The rule is the point where the Gaussian
// fit itself stops being identifiable; a flow with more parameters can
// overfit earlier, which validation and early stopping are there to see.
func (c *checker) warnRows(t *lang.Train, f *Flow, d *Data, o TrainOptions) {
	rows, cols := d.Table.Rows, d.Table.Cols
	nTest, nVal := dataset.SplitSizes(rows, o.TestFrac, o.ValFrac)
	nTrain := rows - nTest - nVal
	if nTrain > cols {
		return
	}
	stages := make([]Stage, len(f.Stages))
	for i, s := range f.Stages {
		stages[i] = s.Stage
	}
	params := ""
	// The layers' parameters, as train reports them: without the
	// standardization's fixed values (a whitening matrix is cols²).
	if cost, err := FlowCost(f.Name, stages, cols, Options{ContextDim: d.ContextDim()}); err == nil {
		params = fmt.Sprintf(" with %d trained parameters", cost.Params)
	}
	split := ""
	if nTest+nVal > 0 {
		split = fmt.Sprintf(" (after test_frac = %g and val_frac = %g)", o.TestFrac, o.ValFrac)
	}
	c.warnf(t.Data.Pos, t.Data.EndPos, f.Name,
		"train: %s has %s and %s: %s%s, no more than the columns, span a subspace of the data space, "+
			"and flow %s%s can fit it without bound (a training NLL far below the test NLL); "+
			"train on more rows than columns, or on fewer columns (csv's columns)",
		d.Name, plural(rows, "row"), plural(cols, "column"), plural(nTrain, "training row"), split, f.Name, params)
}

// autoregressiveOnOne is what MAF and IAF are on one column.
const autoregressiveOnOne = "only an affine map: its autoregressive network has no earlier dimension to condition on, " +
	"so it learns one shift and one scale (what standardization already does); " +
	"use SplineAR for a nonlinear map of one column, or model more columns together"
