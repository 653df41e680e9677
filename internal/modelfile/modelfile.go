// Package modelfile is the wire format of saved nox models (.noxm files):
// the bytes, the types they decode to, and every check that needs no
// compiler. It knows nothing of layers or programs. A File is what a file
// says; package nox converts it to a model and back field by field, so a
// change to the compiler's types never changes a file on disk, and a file
// written by any earlier nox keeps loading.
//
// A file is, in order, with every integer little-endian:
//
//	magic    "NOXM"
//	version  uint32: 1 to 5 (Version is the newest this package reads)
//	header   uint64 length n, then n bytes of JSON: a Header
//	values   uint64 count k, then k float64 (IEEE 754 bits, little-endian):
//	         every parameter, state and fixed ones included, in the order
//	         of Header.Params, each row-major
//	checksum SHA-256 of everything before it
//
// The versions differ only in the header:
//
//  1. The first. It has no defensive weight: its models are flows alone.
//  2. "defensive" holds the weight of the defensive Gaussian (absent: 0).
//  3. The standardization moves out of the header into the values, as
//     fixed parameters (Param.Fixed): a format-3 header has no "std" or
//     "context_std", and formats 1 and 2 have no fixed parameters. A
//     format-3 header may name the columns ("columns", "context_columns").
//  4. The header is format 3's; what changes is the model it describes:
//     the defensive Gaussian comes after the leading Logit stages (and
//     column reorderings among the leading preprocessing), as after
//     Dequantize, so that it too gives no density outside their domain.
//     A format-3 file is rebuilt as it was trained
//     (compiler.Options.PreLogitLead). A stage may be inverted
//     ("inverse": true, Inverse(L) in the language).
//  5. Format 4's, and the header may state "angles": the data columns
//     that are angles in [-π, π) (compiler.Options.Angles: left
//     unstandardized, a prior uniform on the circle in them). nox writes
//     format 5 only for a model with angle columns, so that a nox that
//     does not know them refuses the file rather than load another model.
//
// Decode reads every version. Encode writes the version a File states; it
// refuses any File that Decode would refuse, so what one nox writes the
// next one reads.
//
// A file may come from anyone, so Decode allocates no more than a small
// multiple of the file's size, and refuses what no nox writes before a
// loader builds anything from it: a header longer than MaxHeader, one
// whose flow would cost too much even to describe (checkSize), a
// non-finite value, a standardization at odds with itself (values.go).
// Read refuses, before reading, a path that is not a regular file and a
// file too large for the values a loader allows. Encode of a File decoded from bytes nox wrote gives
// those bytes back: the JSON keys below are the ones every version has
// written, in the order json.Marshal writes them.
package modelfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Version is the newest format this package reads.
const Version = 5

// MaxDim bounds the data and context dimensions a header may state.
const MaxDim = 1 << 20

const magic = "NOXM"

// File is a saved model as the file states it.
type File struct {
	// Version is the format: 1 to Version.
	Version uint32
	Header  Header
	// Values are the parameters' values, in the order of Header.Params.
	Values []float64
}

// Header is what rebuilds the model without its training data.
type Header struct {
	// Name is the flow's name in the program that trained it.
	Name string `json:"name"`
	// Dim is the number of data columns, 1 to MaxDim; ContextDim the
	// number of context columns, 0 (unconditional) to MaxDim.
	Dim        int `json:"dim"`
	ContextDim int `json:"context_dim,omitempty"`
	// Stages are the flow's stages in order; the last is its prior.
	Stages []Stage `json:"stages"`
	// Std and CtxStd standardize the data and the context columns (nil:
	// not standardized). Formats 1 and 2 only.
	Std    *Standardization `json:"std,omitempty"`
	CtxStd *Standardization `json:"context_std,omitempty"`
	// Defensive is the weight of the defensive Gaussian, in [0, 1); 0 in
	// format 1.
	Defensive float64 `json:"defensive,omitempty"`
	// Params describe Values: one entry per parameter tensor, checked on
	// load against the parameters the stages make.
	Params []Param `json:"params"`
	// Source is the program that trained the model, for provenance.
	Source string `json:"source"`
	// DType is the precision the model runs in: "float32", or "float64"
	// (written as "", absent).
	DType string `json:"dtype,omitempty"`
	// Standardize and Whiten say whether the model standardizes its
	// columns and whitens them (its fixed parameters hold the values).
	// Format 3 on; before, Std implies them.
	Standardize bool `json:"standardize,omitempty"`
	Whiten      bool `json:"whiten,omitempty"`
	// Columns and ContextColumns name the data and the context columns,
	// from the header line of the CSV file the model was trained on; nil
	// (absent) when it had none. When present, there is one name per
	// column (Dim, ContextDim), each a valid CheckName. Format 3 on.
	Columns        []string `json:"columns,omitempty"`
	ContextColumns []string `json:"context_columns,omitempty"`
	// Angles are the data columns (0-based, ascending) that are angles
	// in [-π, π). Format 5 on.
	Angles []int `json:"angles,omitempty"`
}

// A header is checked for what rebuilding its flow would cost before the
// flow is built: building a stage costs time and memory in the columns it
// maps, and building a hidden layer in the parameters it adds. So a
// header may state at most MaxStageColumns stages × columns (values one
// row makes through the flow, 32 MB of them; building a stage allocates
// up to about 60 bytes a column), and no more argument values
// than its parameter table accounts for: every value of an argument list
// (the hidden widths) is a layer with parameters of its own, and no layer
// has MaxScalarArgs single-valued arguments.
const (
	MaxStageColumns = 1 << 22
	MaxScalarArgs   = 16
)

// checkSize checks the header's size as above.
func (h *Header) checkSize() error {
	if cols := int64(len(h.Stages)) * int64(h.Dim+h.ContextDim); cols > MaxStageColumns {
		return fmt.Errorf("bad header: the flow maps %d columns through %d stages, %d values per row, more than %d",
			h.Dim+h.ContextDim, len(h.Stages), cols, MaxStageColumns)
	}
	args := 0
	for _, s := range h.Stages {
		for _, v := range s.Args {
			args += max(1, len(v)) // an empty list is an argument too
		}
	}
	if args > len(h.Params)+MaxScalarArgs*len(h.Stages) {
		return fmt.Errorf("bad header: its stages have %d argument values, more than its %d parameter tensors and %d stages account for",
			args, len(h.Params), len(h.Stages))
	}
	return nil
}

// MaxName is the longest column name a header may hold, in bytes.
const MaxName = 256

// CheckName reports what is wrong with a column name, or nil: it must be
// non-empty UTF-8 of at most MaxName bytes without control characters.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("empty column name")
	case len(name) > MaxName:
		return fmt.Errorf("column name %.20q... is longer than %d bytes", name, MaxName)
	case !utf8.ValidString(name):
		return fmt.Errorf("column name %q is not UTF-8", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("column name %q has a control character", name)
	}
	return nil
}

// checkNames checks the names of n columns (what: "data" or "context").
func checkNames(what string, names []string, n int) error {
	if names == nil {
		return nil
	}
	if len(names) != n {
		return fmt.Errorf("bad header: %d %s column names for %d %s columns", len(names), what, n, what)
	}
	for _, name := range names {
		if err := CheckName(name); err != nil {
			return fmt.Errorf("bad header: %s %v", what, err)
		}
	}
	return nil
}

// Stage is one stage of the flow: a layer and its bound arguments, every
// number as a float64 (ints and bools included), by argument name.
type Stage struct {
	Layer string               `json:"layer"`
	Name  string               `json:"name"`
	Args  map[string][]float64 `json:"args,omitempty"`
	// Inverse exchanges the layer's directions (Inverse(L)); format 4
	// and later.
	Inverse bool `json:"inverse,omitempty"`
}

// Standardization is the fixed affine map applied before the first
// stage: h = (x − Mean) / Std per column or, when W is set, the whitening
// h = (x − Mean)·W with W a row-major D×D matrix, WInv its inverse and
// LogDetW log|det W|. Its JSON keys are the field names, as formats 1 and
// 2 wrote them.
type Standardization struct {
	Mean    []float64 `json:"Mean"`
	Std     []float64 `json:"Std"`
	W       []float64 `json:"W,omitempty"`
	WInv    []float64 `json:"WInv,omitempty"`
	LogDetW float64   `json:"LogDetW,omitempty"`
}

// Param describes one parameter tensor of Values.
type Param struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
	Cols int    `json:"cols"`
	// State marks values that training updates other than by gradients
	// (running statistics).
	State bool `json:"state,omitempty"`
	// Fixed marks values fixed by the training data and never trained:
	// the standardization (format 3).
	Fixed bool `json:"fixed,omitempty"`
}

// ErrTruncated is the error for a file that ends early.
var ErrTruncated = errors.New("truncated file (not a complete nox model)")

// Encode writes f to w. It refuses a File that Decode would refuse.
func Encode(w io.Writer, f *File) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("cannot save the model: %w", err)
	}
	hj, err := json.Marshal(&f.Header)
	if err != nil {
		return err
	}
	if err := checkHeaderSize(hj); err != nil {
		return fmt.Errorf("cannot save the model: %w", err)
	}
	sum := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, sum))
	var buf [8]byte
	bw.WriteString(magic)
	binary.LittleEndian.PutUint32(buf[:4], f.Version)
	bw.Write(buf[:4])
	binary.LittleEndian.PutUint64(buf[:], uint64(len(hj)))
	bw.Write(buf[:])
	bw.Write(hj)
	binary.LittleEndian.PutUint64(buf[:], uint64(len(f.Values)))
	bw.Write(buf[:])
	for _, v := range f.Values {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		bw.Write(buf[:])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// Decode reads a file. A file that is not a model, from a newer format,
// truncated, corrupted (its checksum differs) or whose header is
// inconsistent is an error that says which.
func Decode(b []byte) (*File, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a nox model file (no NOXM signature)")
	}
	version := binary.LittleEndian.Uint32(b[4:8])
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if len(b) < 8+8+sha256.Size {
		return nil, ErrTruncated
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		// Tell truncation from corruption where the lengths allow it:
		// the header and value counts give the full size.
		hl := binary.LittleEndian.Uint64(b[8:16])
		if hl > uint64(len(b)) || uint64(len(b)) < 16+hl+8 {
			return nil, ErrTruncated
		}
		n := binary.LittleEndian.Uint64(b[16+hl:])
		if n < uint64(len(b)) && uint64(len(b)) < 16+hl+8+8*n+sha256.Size {
			return nil, ErrTruncated
		}
		return nil, errors.New("checksum mismatch: the file is corrupted")
	}
	hl := binary.LittleEndian.Uint64(body[8:16])
	if hl > uint64(len(body)-16) {
		return nil, ErrTruncated
	}
	if err := checkHeaderSize(body[16 : 16+hl]); err != nil {
		return nil, err
	}
	f := &File{Version: version}
	if err := json.Unmarshal(body[16:16+hl], &f.Header); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	rest := body[16+hl:]
	if len(rest) < 8 {
		return nil, errors.New("parameter block has the wrong length")
	}
	n := binary.LittleEndian.Uint64(rest)
	rest = rest[8:]
	if n > uint64(len(rest))/8 || n*8 != uint64(len(rest)) {
		return nil, errors.New("parameter block has the wrong length")
	}
	f.Values = make([]float64, n)
	for i := range f.Values {
		f.Values[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[8*i:]))
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

func checkVersion(v uint32) error {
	switch {
	case v > Version:
		return fmt.Errorf("saved in model format %d by a newer nox; this nox reads format %d or older", v, Version)
	case v == 0:
		return errors.New("invalid model format version 0")
	}
	return nil
}

// check is everything a File must satisfy that needs no compiler.
func (f *File) check() error {
	if err := checkVersion(f.Version); err != nil {
		return err
	}
	h := &f.Header
	if h.Dim > MaxDim || h.ContextDim < 0 || h.ContextDim > MaxDim {
		return errors.New("bad header: dimensions out of range")
	}
	if h.Dim < 1 || len(h.Stages) == 0 {
		return errors.New("bad header: no dimensions or no stages")
	}
	for _, s := range h.Stages {
		if s.Inverse && f.Version < 4 {
			return fmt.Errorf("bad header: an inverted stage, which format %d does not have", f.Version)
		}
	}
	if err := h.checkSize(); err != nil {
		return err
	}
	if err := h.Std.check("std", h.Dim); err != nil {
		return err
	}
	if err := h.CtxStd.check("context_std", h.ContextDim); err != nil {
		return err
	}
	if !(h.Defensive >= 0 && h.Defensive < 1) || (f.Version < 2 && h.Defensive != 0) {
		return fmt.Errorf("bad header: defensive weight %v out of range for format %d", h.Defensive, f.Version)
	}
	if f.Version < 3 && (h.Standardize || h.Whiten) {
		return fmt.Errorf("bad header: format %d keeps the standardization in std", f.Version)
	}
	if f.Version >= 3 && (h.Std != nil || h.CtxStd != nil) {
		return fmt.Errorf("bad header: a format-%d header holds no standardization (it is among the fixed parameters)", f.Version)
	}
	if f.Version < 3 && (h.Columns != nil || h.ContextColumns != nil) {
		return fmt.Errorf("bad header: format %d has no column names", f.Version)
	}
	if len(h.Angles) > 0 && f.Version < 5 {
		return fmt.Errorf("bad header: format %d has no angle columns", f.Version)
	}
	for i, a := range h.Angles {
		if a < 0 || a >= h.Dim || (i > 0 && a <= h.Angles[i-1]) {
			return fmt.Errorf("bad header: angle columns %v are not distinct ascending columns of %d", h.Angles, h.Dim)
		}
	}
	if err := checkNames("data", h.Columns, h.Dim); err != nil {
		return err
	}
	if err := checkNames("context", h.ContextColumns, h.ContextDim); err != nil {
		return err
	}
	switch h.DType {
	case "", "float64", "float32":
	default:
		return fmt.Errorf("bad header: unknown dtype %q (want float64 or float32)", h.DType)
	}
	left := len(f.Values)
	for _, p := range h.Params {
		if p.Fixed && f.Version < 3 {
			return fmt.Errorf("bad header: parameter %s is fixed, which format %d does not have", p.Name, f.Version)
		}
		if p.Rows < 0 || p.Cols < 0 {
			return fmt.Errorf("bad header: parameter %s has shape [%d,%d]", p.Name, p.Rows, p.Cols)
		}
		if p.Rows > 0 && p.Cols > left/p.Rows {
			return fmt.Errorf("bad header: the parameter table needs more than the %d values saved", len(f.Values))
		}
		left -= p.Rows * p.Cols
	}
	if left != 0 {
		return fmt.Errorf("bad header: the parameter table needs %d values, the file holds %d", len(f.Values)-left, len(f.Values))
	}
	return f.checkValues()
}

// check reports what is wrong with s as the standardization of dim
// columns (what: "std", "context_std"): absent, or dim finite means and
// positive finite deviations and, if it whitens, finite D×D matrices
// that are inverses of each other and W's log-determinant.
func (s *Standardization) check(what string, dim int) error {
	if s == nil {
		return nil
	}
	if len(s.Mean) != dim || len(s.Std) != dim {
		return fmt.Errorf("bad header: %s has %d means and %d deviations for %d columns", what, len(s.Mean), len(s.Std), dim)
	}
	for _, v := range [][]float64{s.Mean, s.Std, s.W, s.WInv, {s.LogDetW}} {
		for _, x := range v {
			if !finite(x) {
				return fmt.Errorf("bad header: %s holds %v (a model computes only with finite numbers)", what, x)
			}
		}
	}
	if s.W == nil && s.WInv == nil {
		return s.positive("header " + what)
	}
	return s.consistent("header " + what)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Usable returns names if they can name n columns in a header (one valid
// CheckName each), and nil otherwise: a model keeps its columns' names
// only when it can save them.
func Usable(names []string, n int) []string {
	if checkNames("", names, n) != nil {
		return nil
	}
	return names
}
