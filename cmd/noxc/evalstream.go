package main

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/train"
)

// evalChunk is the number of rows noxc eval scores at once on a streamed
// file: 64 Ki rows keeps its buffers a few MB for any model of a
// thousand columns or fewer.
const evalChunk = 1 << 16

// evalStreamed scores the rows of a .npy file too large to load
// (dataset.StreamBytes: t.Src reads its rows on demand) chunk by chunk, in
// memory bounded by one chunk whatever the file's size, and writes the
// per-row log-likelihoods to out (if not empty) as they come. A .npy file
// has no header line, so its columns are the model's data columns, then
// its context columns. A train.Summarizer sums the rows in order, as
// train.Summarize does those of a loaded file: the two give the same bits.
func evalStreamed(m *nox.Model, t *dataset.Table, path, out string, named bool) (nox.Event, error) {
	d, cd := m.Dim(), m.ContextDim()
	ev := nox.Event{Statement: "eval", Flow: m.Name(), N: t.Rows, Path: out}
	if named {
		return ev, fmt.Errorf("%w: %s has no header line, so -columns and -context cannot pick its columns by name", errUsage, path)
	}
	if t.Cols != d+cd {
		what := fmt.Sprintf("%d data columns", d)
		if cd > 0 {
			what += fmt.Sprintf(" then %d context columns", cd)
		}
		return ev, fmt.Errorf("%s has %d columns; the model wants %s", path, t.Cols, what)
	}
	rows := make([]float64, min(evalChunk, t.Rows)*t.Cols)
	x := make([]float64, min(evalChunk, t.Rows)*d)
	c := make([]float64, min(evalChunk, t.Rows)*cd)
	var sum train.Summarizer
	done := 0
	next := func(lp []float64) error {
		n := len(lp)
		if err := t.Src.ReadRows(rows[:n*t.Cols], done, done+n); err != nil {
			return err
		}
		for i := range n {
			copy(x[i*d:(i+1)*d], rows[i*t.Cols:i*t.Cols+d])
			copy(c[i*cd:(i+1)*cd], rows[i*t.Cols+d:(i+1)*t.Cols])
		}
		var cm *mat.Dense
		if cd > 0 {
			cm = mat.NewDense(n, cd, c[:n*cd])
		}
		if err := m.LogProb(lp, mat.NewDense(n, d, x[:n*d]), cm); err != nil {
			return fmt.Errorf("rows %d to %d of %s: %w", done+1, done+n, path, err)
		}
		sum.Add(lp)
		done += n
		return nil
	}
	var err error
	if out != "" {
		err = dataset.WriteFileRows(out, nil, t.Rows, 1, evalChunk, next)
	} else {
		lp := make([]float64, min(evalChunk, t.Rows))
		for done < t.Rows && err == nil {
			err = next(lp[:min(evalChunk, t.Rows-done)])
		}
	}
	if err != nil {
		return ev, err
	}
	r := sum.Summary()
	ev.Outside = r.Outside
	if r.Inside > 0 {
		ev.MeanNLL = &r.MeanNLL
	}
	return ev, nil
}
