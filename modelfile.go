package nox

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// FormatVersion is the model format Save writes (package
// internal/modelfile describes the formats). Load reads it and every
// older one: format 2 kept the standardization in the header, where
// format 3 keeps it among the (fixed) parameters; a format-1 model has
// no defensive weight and loads as the flow alone.
const FormatVersion = 3

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
		Source: m.source, Standardize: o.Standardize, Whiten: o.Whiten, Columns: m.cols[0], ContextColumns: m.cols[1]}
	if m.params.DType != runtime.Float64 {
		h.DType = m.params.DType.String()
	}
	for _, s := range m.m.Stages {
		h.Stages = append(h.Stages, modelfile.Stage{Layer: s.Spec.Name, Name: s.Name, Args: s.Args})
	}
	for _, p := range m.params.Table {
		h.Params = append(h.Params, modelfile.Param{Name: p.Name, Rows: p.Shape.Rows, Cols: p.Shape.Cols, State: p.State, Fixed: p.Fixed})
	}
	return &modelfile.File{Version: FormatVersion, Header: h, Values: m.params.Data}
}

func compilerStd(s *modelfile.Standardization) *compiler.Standardize {
	if s == nil {
		return nil
	}
	return &compiler.Standardize{Mean: s.Mean, Std: s.Std, W: s.W, WInv: s.WInv, LogDetW: s.LogDetW}
}

// Load reads a model saved by Save. A truncated or corrupted file, one
// from a newer format version, or one naming layers this nox does not
// have is an error; Load never returns a model that differs from the one
// saved.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func decode(b []byte) (*Model, error) {
	f, err := modelfile.Decode(b)
	if err != nil {
		return nil, err
	}
	return fromFile(f)
}

// fromFile rebuilds the model a file describes: its stages bound and
// checked as the checker would, lowered, and given the saved values once
// the parameter table matches the flow's.
func fromFile(f *modelfile.File) (*Model, error) {
	h := &f.Header
	var stages []compiler.Stage
	for _, s := range h.Stages {
		st, err := compiler.NewStage(s.Layer, s.Name, s.Args)
		if err != nil {
			return nil, err
		}
		stages = append(stages, st)
	}
	if stages[len(stages)-1].Spec.Kind != stdlib.Prior { // Decode checked there is one
		return nil, errors.New("bad header: the last stage is not a prior")
	}
	opt := compiler.Options{Standardize: h.Standardize, Whiten: h.Whiten, ContextDim: h.ContextDim, Defensive: h.Defensive}
	if f.Version < 3 {
		opt.Standardize, opt.Whiten = h.Std != nil, h.Std != nil && h.Std.W != nil
	}
	cm, err := compiler.Lower(h.Name, stages, h.Dim, opt)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the flow: %v", err)
	}
	// The table is checked against the file (whose values Decode counted)
	// before anything is allocated for it. Formats 1 and 2 saved no fixed
	// parameters, which come last.
	table, size := cm.Params, 0
	for f.Version < 3 && len(table) > 0 && table[len(table)-1].Fixed {
		table = table[:len(table)-1]
	}
	for _, p := range table {
		size += p.Shape.Rows * p.Shape.Cols
	}
	if len(table) != len(h.Params) || len(f.Values) != size {
		return nil, fmt.Errorf("the saved parameters (%d tensors, %d values) do not fit the flow (%d tensors, %d values)",
			len(h.Params), len(f.Values), len(table), size)
	}
	for i, p := range table {
		fp := h.Params[i]
		if fp.Name != p.Name || fp.Rows != p.Shape.Rows || fp.Cols != p.Shape.Cols || fp.Fixed != p.Fixed {
			return nil, fmt.Errorf("saved parameter %d is %s [%d,%d], the flow has %s %v", i, fp.Name, fp.Rows, fp.Cols, p.Name, p.Shape)
		}
	}
	params := runtime.NewParams(cm.Params)
	if params.DType, err = runtime.ParseDType(h.DType); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	copy(params.Data, f.Values)
	params.Changed()
	if f.Version < 3 && opt.Standardize {
		vals, err := cm.FixedValues(compilerStd(h.Std), compilerStd(h.CtxStd))
		if err == nil {
			err = params.Set(vals)
		}
		if err != nil {
			return nil, fmt.Errorf("bad header: %v", err)
		}
	}
	return newModel(h.Name, cm, params, h.Source, [2][]string{h.Columns, h.ContextColumns}), nil
}

// loadSaved reads a saved model for load(...) in a program.
func loadSaved(path string) (*compiler.Saved, error) {
	m, err := Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no such file %s", path)
	} else if err != nil {
		return nil, err
	}
	return &compiler.Saved{Stages: m.m.Stages, Dim: m.m.Dim, ContextDim: m.m.ContextDim, Options: m.m.Options, Model: m}, nil
}
