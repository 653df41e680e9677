package nox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// A saved model (.noxm) is, in order:
//
//	magic    "NOXM"
//	version  uint32, little-endian (FormatVersion)
//	header   uint64 length, then JSON (fileHeader)
//	values   uint64 count, then that many float64, little-endian: every
//	         parameter (state included) in table order
//	checksum SHA-256 of everything before it
//
// The header holds what rebuilds the model without its training data:
// the stages with their arguments, the dimensions, the standardization,
// the weight of the defensive Gaussian (format 2 on; absent: 0), the
// parameter table (names and shapes, checked on load) and the source
// program, for provenance.
//
// Format 1 had no defensive weight: its models are flows alone, and they
// load as such. Formats 1 and 2 kept the standardization in the header
// (std, context_std); format 3 keeps it with the other values, as fixed
// parameters (compiler.Model.FixedValues), and the header says only
// whether the model standardizes and whitens.
const FormatVersion = 3

const magic = "NOXM"

type fileHeader struct {
	Name       string                `json:"name"`
	Dim        int                   `json:"dim"`
	ContextDim int                   `json:"context_dim,omitempty"`
	Stages     []fileStage           `json:"stages"`
	Std        *compiler.Standardize `json:"std,omitempty"`
	CtxStd     *compiler.Standardize `json:"context_std,omitempty"`
	Defensive  float64               `json:"defensive,omitempty"`
	Params     []fileParam           `json:"params"`
	Source     string                `json:"source"`
	// DType is the precision the model runs in; absent means float64.
	DType string `json:"dtype,omitempty"`
	// Standardize and Whiten are the model's compiler.Options (format 3
	// on; before, implied by Std).
	Standardize bool `json:"standardize,omitempty"`
	Whiten      bool `json:"whiten,omitempty"`
}

type fileStage struct {
	Layer string      `json:"layer"`
	Name  string      `json:"name"`
	Args  stdlib.Args `json:"args,omitempty"`
}

type fileParam struct {
	Name  string `json:"name"`
	Rows  int    `json:"rows"`
	Cols  int    `json:"cols"`
	State bool   `json:"state,omitempty"`
	Fixed bool   `json:"fixed,omitempty"`
}

// Save writes the model to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so a crash leaves
// either the old file or the new one.
func (m *Model) Save(path string) error {
	var body bytes.Buffer
	if err := m.encode(&body); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(body.Bytes()); return err })
}

func (m *Model) encode(w *bytes.Buffer) error {
	o := m.m.Options
	h := fileHeader{Name: m.name, Dim: m.m.Dim, ContextDim: m.m.ContextDim,
		Standardize: o.Standardize, Whiten: o.Whiten, Defensive: o.Defensive, Source: m.source}
	if m.params.DType != runtime.Float64 {
		h.DType = m.params.DType.String()
	}
	for _, s := range m.m.Stages {
		h.Stages = append(h.Stages, fileStage{Layer: s.Spec.Name, Name: s.Name, Args: s.Args})
	}
	for _, p := range m.params.Table {
		h.Params = append(h.Params, fileParam{Name: p.Name, Rows: p.Shape.Rows, Cols: p.Shape.Cols, State: p.State, Fixed: p.Fixed})
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	w.WriteString(magic)
	binary.Write(w, binary.LittleEndian, uint32(FormatVersion))
	binary.Write(w, binary.LittleEndian, uint64(len(hj)))
	w.Write(hj)
	binary.Write(w, binary.LittleEndian, uint64(len(m.params.Data)))
	var buf [8]byte
	for _, v := range m.params.Data {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		w.Write(buf[:])
	}
	sum := sha256.Sum256(w.Bytes())
	w.Write(sum[:])
	return nil
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

var errTruncated = errors.New("truncated file (not a complete nox model)")

func decode(b []byte) (*Model, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a nox model file (no NOXM signature)")
	}
	version := binary.LittleEndian.Uint32(b[4:8])
	if version > FormatVersion {
		return nil, fmt.Errorf("saved in model format %d by a newer nox; this nox reads format %d or older", version, FormatVersion)
	}
	if version == 0 {
		return nil, errors.New("invalid model format version 0")
	}
	if len(b) < 8+8+sha256.Size {
		return nil, errTruncated
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		// Tell truncation from corruption where the lengths allow it:
		// the header and value counts give the full size.
		hl := binary.LittleEndian.Uint64(b[8:16])
		if hl > uint64(len(b)) || uint64(len(b)) < 16+hl+8 {
			return nil, errTruncated
		}
		n := binary.LittleEndian.Uint64(b[16+hl:])
		if n < uint64(len(b)) && uint64(len(b)) < 16+hl+8+8*n+sha256.Size {
			return nil, errTruncated
		}
		return nil, errors.New("checksum mismatch: the file is corrupted")
	}
	r := bytes.NewReader(body[8:])
	var hl uint64
	if err := binary.Read(r, binary.LittleEndian, &hl); err != nil || hl > uint64(r.Len()) {
		return nil, errTruncated
	}
	hj := make([]byte, hl)
	io.ReadFull(r, hj)
	var h fileHeader
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil || n > uint64(r.Len())/8 || n*8 != uint64(r.Len()) {
		return nil, errors.New("parameter block has the wrong length")
	}
	values := make([]float64, n)
	binary.Read(r, binary.LittleEndian, values)

	var stages []compiler.Stage
	for _, s := range h.Stages {
		spec := stdlib.Lookup(s.Layer)
		if spec == nil {
			return nil, fmt.Errorf("the model uses layer %s, which this nox does not have", s.Layer)
		}
		args := spec.Bind(s.Args)
		if err := spec.Validate(args); err != nil {
			return nil, fmt.Errorf("stage %s: %v", s.Name, err)
		}
		stages = append(stages, compiler.Stage{Spec: spec, Args: args, Name: s.Name})
	}
	if len(stages) > 0 && stages[len(stages)-1].Spec.Kind != stdlib.Prior {
		return nil, errors.New("bad header: the last stage is not a prior")
	}
	if h.Dim > 1<<20 || h.ContextDim < 0 || h.ContextDim > 1<<20 || !stdOK(h.Std, h.Dim) || !stdOK(h.CtxStd, h.ContextDim) {
		return nil, errors.New("bad header: dimensions or standardization out of range")
	}
	if h.Dim < 1 || len(stages) == 0 {
		return nil, errors.New("bad header: no dimensions or no stages")
	}
	if !(h.Defensive >= 0 && h.Defensive < 1) || (version < 2 && h.Defensive != 0) {
		return nil, fmt.Errorf("bad header: defensive weight %v out of range for format %d", h.Defensive, version)
	}
	opt := compiler.Options{Standardize: h.Standardize, Whiten: h.Whiten, ContextDim: h.ContextDim, Defensive: h.Defensive}
	if version < 3 {
		if h.Standardize || h.Whiten {
			return nil, fmt.Errorf("bad header: format %d keeps the standardization in std", version)
		}
		opt.Standardize, opt.Whiten = h.Std != nil, h.Std != nil && h.Std.W != nil
	} else if h.Std != nil || h.CtxStd != nil {
		return nil, fmt.Errorf("bad header: format %d keeps the standardization with the parameters, not in std", version)
	}
	cm, err := compiler.Lower(h.Name, stages, h.Dim, opt)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the flow: %v", err)
	}
	params := runtime.NewParams(cm.Params)
	if params.DType, err = runtime.ParseDType(h.DType); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	// Formats 1 and 2 saved no fixed parameters, which come last.
	table, size := cm.Params, len(params.Data)
	if version < 3 {
		for len(table) > 0 && table[len(table)-1].Fixed {
			size -= table[len(table)-1].Shape.Rows * table[len(table)-1].Shape.Cols
			table = table[:len(table)-1]
		}
	}
	if len(table) != len(h.Params) || len(values) != size {
		return nil, fmt.Errorf("the saved parameters (%d tensors, %d values) do not fit the flow (%d tensors, %d values)",
			len(h.Params), len(values), len(table), size)
	}
	for i, p := range table {
		fp := h.Params[i]
		if fp.Name != p.Name || fp.Rows != p.Shape.Rows || fp.Cols != p.Shape.Cols || fp.Fixed != p.Fixed {
			return nil, fmt.Errorf("saved parameter %d is %s [%d,%d], the flow has %s %v", i, fp.Name, fp.Rows, fp.Cols, p.Name, p.Shape)
		}
	}
	copy(params.Data, values)
	params.Changed()
	if version < 3 && opt.Standardize {
		vals, err := cm.FixedValues(h.Std, h.CtxStd)
		if err != nil {
			return nil, fmt.Errorf("bad header: %v", err)
		}
		if err := params.Set(vals); err != nil {
			return nil, fmt.Errorf("bad header: %v", err)
		}
	}
	return newModel(h.Name, cm, params, h.Source), nil
}

// stdOK checks a saved standardization: absent, or dim finite means and
// positive finite deviations.
func stdOK(s *compiler.Standardize, dim int) bool {
	if s == nil {
		return true
	}
	if len(s.Mean) != dim || len(s.Std) != dim {
		return false
	}
	for j := range dim {
		if math.IsNaN(s.Mean[j]) || math.IsInf(s.Mean[j], 0) || !(s.Std[j] > 0) || math.IsInf(s.Std[j], 0) {
			return false
		}
	}
	if s.W == nil && s.WInv == nil {
		return true
	}
	if len(s.W) != dim*dim || len(s.WInv) != dim*dim || math.IsNaN(s.LogDetW) || math.IsInf(s.LogDetW, 0) {
		return false
	}
	for i := range s.W {
		if math.IsNaN(s.W[i]) || math.IsInf(s.W[i], 0) || math.IsNaN(s.WInv[i]) || math.IsInf(s.WInv[i], 0) {
			return false
		}
	}
	return true
}
