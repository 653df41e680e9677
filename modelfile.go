package nox

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/internal/escape"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// FormatVersion is the model format Save writes (package
// internal/modelfile describes the formats). Load reads it and every
// older one: format 2 kept the standardization in the header, where
// format 3 keeps it among the (fixed) parameters; a format-1 model has
// no defensive weight and loads as the flow alone; format 4 places the
// defensive fit after leading Logit stages, where a format-3 model keeps
// it before them, as it was trained. Save writes format 5, which adds
// the angle columns (compiler.Options.Angles), for a model that has
// them only.
const FormatVersion = 4

// Save writes the model to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so a crash leaves
// either the old file or the new one.
func (m *Model) Save(path string) error {
	if err := m.usable("Save"); err != nil {
		return err
	}
	return atomicfile.Write(path, m.encode)
}

func (m *Model) encode(w io.Writer) error {
	return modelfile.Encode(w, m.file())
}

// file is the model as a saved file says it: the compiler's structures
// copied field by field into the file format's own types.
func (m *Model) file() *modelfile.File {
	o := m.m.Options
	h := modelfile.Header{Name: m.name, Dim: m.m.Dim, ContextDim: m.m.ContextDim, Defensive: o.Defensive,
		Source: m.source, Standardize: o.Standardize, Whiten: o.Whiten, Columns: m.cols[0], ContextColumns: m.cols[1], Angles: o.Angles}
	if m.params.DType != runtime.Float64 {
		h.DType = m.params.DType.String()
	}
	for _, s := range m.m.Stages {
		h.Stages = append(h.Stages, modelfile.Stage{Layer: s.Spec.Name, Name: s.Name, Args: s.Args, Inverse: s.Inverted})
	}
	for _, p := range m.params.Table {
		h.Params = append(h.Params, modelfile.Param{Name: p.Name, Rows: p.Shape.Rows, Cols: p.Shape.Cols, State: p.State, Fixed: p.Fixed})
	}
	version := uint32(FormatVersion)
	switch {
	case o.PreLogitLead:
		version = 3 // a format-4 file would load with a Logit-first defensive fit
	case len(o.Angles) > 0:
		version = 5 // the first format with angle columns
	}
	return &modelfile.File{Version: version, Header: h, Values: m.params.Data}
}

// Load reads a model saved by Save, within the default compiler.Limits.
// A path that is not a regular file, a file that is truncated, corrupted,
// from a newer format or too large, a flow other than the values saved or
// beyond the limits, and non-finite or inconsistent values are errors,
// found before the model is built: Load never returns a model that
// differs from the one saved.
func Load(path string) (*Model, error) { return load(path, compiler.Limits{}) }

// load is Load within lim (zero fields: the defaults).
func load(path string, lim compiler.Limits) (*Model, error) {
	lim = lim.WithDefaults()
	f, err := modelfile.Read(path, min(lim.MaxParams, lim.MaxMemory/8/loadFactor)) // its errors name path
	if err == nil {
		var m *Model
		if m, err = fromFile(f, lim); err == nil {
			return m, nil
		}
		err = fmt.Errorf("%s: %w", path, err)
	}
	return nil, err
}

func decode(b []byte) (*Model, error) {
	f, err := modelfile.Decode(b)
	if err != nil {
		return nil, err
	}
	return fromFile(f, compiler.Limits{}.WithDefaults())
}

// loadFactor is the copies of its values a model holds while loaded: the
// file's bytes, the values decoded, float64 and float32 parameters, masks.
const loadFactor = 5

// fromFile rebuilds the model a file describes: its stages bound and
// checked as the checker would, its size from their shapes alone
// (compiler.FlowCost) checked against the values saved and the limits
// lim, and only then lowered and given the saved values once the
// parameter table matches the flow's.
func fromFile(f *modelfile.File, lim compiler.Limits) (*Model, error) {
	h := &f.Header
	if len(h.Stages) > lim.MaxStages {
		return nil, fmt.Errorf("the flow has %d stages, more than the limit of %d", len(h.Stages), lim.MaxStages)
	}
	var stages []compiler.Stage
	for _, s := range h.Stages {
		st, err := compiler.NewStage(s.Layer, s.Name, s.Args)
		if err == nil && s.Inverse {
			st.Inverted = true
			err = compiler.Invertible(st.Spec, st.Args)
		}
		if err != nil {
			return nil, err
		}
		stages = append(stages, st)
	}
	if stages[len(stages)-1].Spec.Kind != stdlib.Prior { // Decode checked there is one
		return nil, errors.New("bad header: the last stage is not a prior")
	}
	opt := compiler.Options{Standardize: h.Standardize, Whiten: h.Whiten, ContextDim: h.ContextDim, Defensive: h.Defensive,
		PreLogitLead: f.Version < 4, Angles: h.Angles}
	if err := fits(f, stages, opt, lim); err != nil {
		return nil, err
	}
	if f.Version < 3 {
		opt.Standardize, opt.Whiten = h.Std != nil, h.Std != nil && h.Std.W != nil
	}
	cm, err := compiler.Lower(h.Name, stages, h.Dim, opt)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the flow: %v", err)
	}
	// The table is checked against the file's, whose values fits counted.
	// Formats 1 and 2 saved no fixed parameters, which come last.
	table := cm.Params
	for f.Version < 3 && len(table) > 0 && table[len(table)-1].Fixed {
		table = table[:len(table)-1]
	}
	if len(table) != len(h.Params) {
		return nil, fmt.Errorf("the saved parameters (%d tensors) do not fit the flow (%d tensors)", len(h.Params), len(table))
	}
	for i, p := range table {
		fp := h.Params[i]
		if fp.Name != p.Name || fp.Rows != p.Shape.Rows || fp.Cols != p.Shape.Cols || fp.Fixed != p.Fixed {
			return nil, fmt.Errorf("saved parameter %d is %s [%d,%d], the flow has %s %v", i, escape.Excerpt(fp.Name, 40), fp.Rows, fp.Cols, p.Name, p.Shape)
		}
	}
	params := runtime.NewParams(cm.Params)
	if params.DType, err = runtime.ParseDType(h.DType); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	copy(params.Data, f.Values)
	params.Changed()
	if f.Version < 3 && opt.Standardize {
		vals, err := cm.FixedValues((*compiler.Standardize)(h.Std), (*compiler.Standardize)(h.CtxStd)) // the same fields
		if err == nil {
			err = params.Set(vals)
		}
		if err != nil {
			return nil, fmt.Errorf("bad header: %v", err)
		}
	}
	return newModel(h.Name, cm, params, h.Source, [2][]string{h.Columns, h.ContextColumns}), nil
}

// fits refuses a file whose header's flow has other than the values saved
// or exceeds lim, from static shapes, before anything of its size is
// allocated (Decode bounded what building its table costs). Formats 1
// and 2 saved no fixed parameters, and opt then asks for none.
func fits(f *modelfile.File, stages []compiler.Stage, opt compiler.Options, lim compiler.Limits) error {
	h := &f.Header
	c, err := compiler.FlowCost(h.Name, stages, h.Dim, opt)
	switch mem := float64(c.Params)*8*loadFactor + c.ProgramBytes(); {
	case err != nil:
		return fmt.Errorf("rebuilding the flow: %v", err)
	case c.Params != int64(len(f.Values)):
		return fmt.Errorf("the saved parameters (%d values) do not fit the flow the header describes (%d values)", len(f.Values), c.Params)
	case c.Params > lim.MaxParams:
		return fmt.Errorf("the model has %d parameters, more than the limit of %d", c.Params, lim.MaxParams)
	case mem > float64(lim.MaxMemory):
		return fmt.Errorf("the model needs about %s of memory, more than the limit of %s", dataset.FormatBytes(mem), dataset.FormatBytes(float64(lim.MaxMemory)))
	}
	return nil
}

// loadSaved reads a saved model for load(...) in a program, within the
// program's limits.
func loadSaved(path string, lim compiler.Limits) (*compiler.Saved, error) {
	m, err := load(path, lim)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no such file %s", path)
	} else if err != nil {
		return nil, err
	}
	return &compiler.Saved{Stages: m.m.Stages, Dim: m.m.Dim, ContextDim: m.m.ContextDim, Options: m.m.Options, Model: m}, nil
}
