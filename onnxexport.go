package nox

import (
	"fmt"
	"io"
	"strings"

	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/onnx"
)

// ONNXFunctions are the functions a model exports, one ONNX model each:
// log_prob(x[, c]) → [N], the model's density in the data's units
// (standardization and the defensive mixture included); sample(z[, c])
// → x, the sampling direction given a draw z of the prior (for the
// Gaussian prior, standard normal noise), deterministic and comparable
// (the flow's: the defensive mixture's random choice of its component is
// not part of it); forward(x[, c]) → (z, logdet [N]); inverse(z[, c]) →
// x, the same map as sample.
var ONNXFunctions = []string{"log_prob", "sample", "forward", "inverse"}

// ONNXOptions are ExportONNX's settings: the function and the element
// type ("float32" or "float64"; "" is the model's dtype).
type ONNXOptions struct {
	Function string
	DType    string
}

// ExportONNX writes one function of the model as an ONNX model (opset
// 17, IR version 8) to w, with a dynamic batch dimension N; the column
// names, the function and the source that trained the model are its
// metadata. The bytes depend only on the model and o.
func (m *Model) ExportONNX(w io.Writer, o ONNXOptions) error {
	if err := m.usable("ExportONNX"); err != nil {
		return err
	}
	dt := o.DType
	if dt == "" {
		dt = m.params.DType.String()
	}
	ctx := m.m.ContextDim > 0
	in := func(first string) []string {
		if ctx {
			return []string{first, "c"}
		}
		return []string{first}
	}
	g := onnx.Graph{Name: m.name + "_" + o.Function}
	switch o.Function {
	case "log_prob":
		g.Program, g.Inputs = m.m.LogProb, in("x")
		g.Outputs = []onnx.Output{{IR: "logp", Name: "log_prob", Squeeze: true}}
	case "forward":
		g.Program, g.Inputs = m.m.Forward, in("x")
		g.Outputs = []onnx.Output{{IR: "z", Name: "z"}, {IR: "logdet", Name: "logdet", Squeeze: true}}
	case "inverse", "sample":
		g.Program, g.Inputs = m.m.Inverse, in("z")
		g.Outputs = []onnx.Output{{IR: "x", Name: "x"}}
	default:
		return fmt.Errorf("ExportONNX: unknown function %q (want one of %s)", o.Function, strings.Join(ONNXFunctions, ", "))
	}
	data, context := m.Columns()
	meta := map[string]string{"nox.function": o.Function, "nox.flow": m.name, "nox.source": m.source,
		"nox.columns": strings.Join(data, ","), "nox.context_columns": strings.Join(context, ",")}
	return onnx.Export(w, g, m.m.Params, m.params.Views, onnx.Options{DType: dt, Metadata: meta,
		Doc: fmt.Sprintf("nox flow %s: %s", m.name, o.Function)})
}

// SaveONNX writes one function of the model (ExportONNX) to path,
// atomically.
func (m *Model) SaveONNX(path string, o ONNXOptions) error {
	if err := m.usable("SaveONNX"); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return m.ExportONNX(w, o) })
}
