package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/escape"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/stdlib"
)

// infoHelp is the help text of noxc info.
const infoHelp = `usage: noxc info MODEL [-json]

Info describes a saved model: its flow's name and stages, its dimensions
and the names of its columns (when it was trained on a CSV file with a
header line), its parameters, precision, defensive weight and
standardization, the file's format and size, and the program that
trained it.

  -json  print one JSON object instead of aligned text
`

// info is what noxc info reports; its JSON form is the -json output.
type info struct {
	Path           string   `json:"path"`
	Bytes          int64    `json:"bytes"`
	Format         uint32   `json:"format"`
	Flow           string   `json:"flow"`
	Dim            int      `json:"dim"`
	ContextDim     int      `json:"context_dim"`
	Columns        []string `json:"columns"`         // null: unnamed
	ContextColumns []string `json:"context_columns"` // null: unnamed or unconditional
	// Angles are the data columns (0-based) that are angles in [-π, π).
	Angles []int       `json:"angles,omitempty"`
	Stages []stageInfo `json:"stages"`
	// Params is the number of learned values, in Tensors tensors; State
	// and Fixed count the values of the running statistics and of the
	// standardization.
	Params      int     `json:"params"`
	Tensors     int     `json:"tensors"`
	State       int     `json:"state_values"`
	Fixed       int     `json:"fixed_values"`
	DType       string  `json:"dtype"`
	Defensive   float64 `json:"defensive"`
	Standardize bool    `json:"standardize"`
	Whiten      bool    `json:"whiten"`
	Source      string  `json:"source"`
}

// stageInfo is one stage: its name, its layer, and the layer called with
// its arguments as a person would write it ("MAF(64, dropout = 0.1)").
type stageInfo struct {
	Name  string               `json:"name"`
	Layer string               `json:"layer"`
	Call  string               `json:"call"`
	Args  map[string][]float64 `json:"args,omitempty"`
	// Inverse: the stage is Inverse(Layer).
	Inverse bool `json:"inverse,omitempty"`
}

// infoCmd describes a saved model.
func infoCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("info", stderr)
	jsonOut := fs.Bool("json", false, "print one JSON object")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc info: want exactly one MODEL, got %d\n\n%s", len(files), infoHelp)
		return 2
	}
	in, err := describe(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "noxc info: %v\n", err)
		return 1
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.Encode(in)
		return 0
	}
	in.print(stdout)
	return 0
}

// describe reads the model at path. It is loaded as sample and eval would
// load it, so a model info describes is one they can use.
func describe(path string) (*info, error) {
	if _, err := nox.Load(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modelfile.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	h := &f.Header
	in := &info{Path: path, Bytes: int64(len(b)), Format: f.Version, Flow: h.Name, Dim: h.Dim, ContextDim: h.ContextDim,
		Columns: h.Columns, ContextColumns: h.ContextColumns, Angles: h.Angles, DType: "float64", Defensive: h.Defensive,
		Standardize: h.Standardize, Whiten: h.Whiten, Source: h.Source}
	if h.DType != "" {
		in.DType = h.DType
	}
	if f.Version < 3 { // the standardization was in the header
		in.Standardize, in.Whiten = h.Std != nil, h.Std != nil && h.Std.W != nil
	}
	for _, s := range h.Stages {
		call := s.Layer
		if spec := stdlib.Lookup(s.Layer); spec != nil { // Load checked it is
			call = spec.Format(spec.Bind(s.Args))
		}
		if s.Inverse {
			call = "Inverse(" + call + ")"
		}
		in.Stages = append(in.Stages, stageInfo{Name: s.Name, Layer: s.Layer, Call: call, Args: s.Args, Inverse: s.Inverse})
	}
	for _, p := range h.Params {
		switch n := p.Rows * p.Cols; {
		case p.Fixed:
			in.Fixed += n
		case p.State:
			in.State += n
		default:
			in.Params += n
			in.Tensors++
		}
	}
	return in, nil
}

// print writes in as aligned text, the source last, indented.
func (in *info) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	// Everything shown comes from the file: its control characters are
	// escaped, so a model from someone else cannot drive the terminal.
	row := func(key, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t%s\n", escape.Text(key), escape.Text(fmt.Sprintf(format, args...)))
	}
	row("model", "%s (%d bytes, format %d)", in.Path, in.Bytes, in.Format)
	row("flow", "%s", in.Flow)
	row("dimensions", "%s", columnsNote(in.Dim, "data", in.Columns))
	if in.ContextDim > 0 {
		row("context", "%s", columnsNote(in.ContextDim, "context", in.ContextColumns))
	}
	if len(in.Angles) > 0 {
		var names []string
		for _, a := range in.Angles {
			if a < len(in.Columns) {
				names = append(names, fmt.Sprintf("%d (%s)", a, in.Columns[a]))
			} else {
				names = append(names, fmt.Sprint(a))
			}
		}
		row("angles", "columns %s, in [-pi, pi)", strings.Join(names, ", "))
	}
	var calls []string
	for _, s := range in.Stages {
		calls = append(calls, s.Call)
	}
	row("stages", "%s", strings.Join(calls, " |> "))
	for _, s := range in.Stages {
		row("  "+s.Name, "%s", s.Call)
	}
	p := fmt.Sprintf("%d learned, in %d tensors", in.Params, in.Tensors)
	if in.State > 0 {
		p += fmt.Sprintf("; %d state values", in.State)
	}
	if in.Fixed > 0 {
		p += fmt.Sprintf("; %d fixed (standardization)", in.Fixed)
	}
	row("parameters", "%s", p)
	row("dtype", "%s", in.DType)
	row("defensive", "%v", in.Defensive)
	std := "no"
	switch {
	case in.Whiten:
		std = "whitened"
	case in.Standardize:
		std = "standardized"
	}
	row("standardize", "%s", std)
	tw.Flush()
	fmt.Fprintln(w, "source:")
	for _, line := range strings.Split(strings.TrimRight(in.Source, "\n"), "\n") {
		fmt.Fprintln(w, "  "+escape.Text(strings.ReplaceAll(line, "\t", "    ")))
	}
}

// columnsNote is "2 data columns: x, y", or "2 data columns (unnamed)".
func columnsNote(n int, what string, names []string) string {
	s := fmt.Sprintf("%d %s column", n, what)
	if n != 1 {
		s += "s"
	}
	if names == nil {
		return s + " (unnamed)"
	}
	return s + ": " + strings.Join(names, ", ")
}
