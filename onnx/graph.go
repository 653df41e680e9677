package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/onnxpb"
)

// The builder's helpers: names, nodes, constants and value infos.

// fresh returns a new value name with prefix p.
func (b *builder) fresh(p string) string {
	b.n++
	return fmt.Sprintf("%s_%d", p, b.n)
}

// ref returns the ONNX name of an IR value; a static value becomes an
// initializer on its first reference, so that one used only at export
// (a triangular solve's matrix) is not stored in the model.
func (b *builder) ref(v ir.Value) string {
	if vals, ok := b.folded[v]; ok && b.names[v] == "" {
		b.names[v] = b.initializer(fmt.Sprintf("v%d", v), b.prog.Instrs[v].Shape, vals)
	}
	return b.names[v]
}

// node appends a node of op type op with inputs and attributes and
// returns the name of its (one) output.
func (b *builder) node(op string, inputs []string, attrs []*onnxpb.AttributeProto) string {
	out := b.fresh(op)
	b.graph.Node = append(b.graph.Node, &onnxpb.NodeProto{
		OpType: proto.String(op), Name: proto.String(out), Input: inputs, Output: []string{out}, Attribute: attrs,
	})
	return out
}

// attrInt and attrInts make a node's integer attributes.
func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v []int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

// tensor makes a tensor of the graph's element type.
func (b *builder) tensor(name string, dims []int64, vals []float64) *onnxpb.TensorProto {
	t := &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(b.elem))}
	if b.elem == onnxpb.TensorProto_FLOAT {
		t.FloatData = make([]float32, len(vals))
		for i, v := range vals {
			// A finite value beyond float32's range saturates, as the
			// runtime's float32 parameters do, instead of becoming Inf.
			t.FloatData[i] = float32(clampFloat(b, v))
		}
	} else {
		t.DoubleData = append([]float64(nil), vals...)
	}
	return t
}

// initializer adds a constant tensor of shape s and returns its name.
func (b *builder) initializer(name string, s ir.Shape, vals []float64) string {
	b.root.Initializer = append(b.root.Initializer, b.tensor(name, []int64{int64(s.Rows), int64(s.Cols)}, vals))
	return name
}

// scalar adds a [1,1] constant (broadcast by the arithmetic ops).
func (b *builder) scalar(x float64) string {
	x = clampFloat(b, x)
	return b.shared(fmt.Sprintf("s%x", math.Float64bits(x)), func() string {
		return b.initializer(b.fresh("c"), ir.Shape{Rows: 1, Cols: 1}, []float64{x})
	})
}

// shared returns the constant made for key, making it the first time.
func (b *builder) shared(key string, make func() string) string {
	if b.consts == nil {
		b.consts = map[string]string{}
	}
	if name, ok := b.consts[key]; ok {
		return name
	}
	name := make()
	b.consts[key] = name
	return name
}

// ints adds a 1-D int64 constant (shapes, axes, indices).
func (b *builder) ints(p string, v []int64) string {
	return b.shared(fmt.Sprint("i", v), func() string {
		name := b.fresh(p)
		b.root.Initializer = append(b.root.Initializer, &onnxpb.TensorProto{
			Name: proto.String(name), Dims: []int64{int64(len(v))}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: v,
		})
		return name
	})
}

// rows returns a 1-D int64 tensor holding the batch size N (the rows of
// the first input), made once.
func (b *builder) rows() string {
	if b.batch == "" {
		// Made in the model's graph even when first needed in a Loop's
		// body, which reads it from there.
		inner := b.graph
		b.graph = b.root
		in := b.graph.Input[0].GetName()
		shape := b.node("Shape", []string{in}, nil)
		b.batch = b.node("Slice", []string{shape, b.ints("s", []int64{0}), b.ints("e", []int64{1})}, nil)
		b.graph = inner
	}
	return b.batch
}

// shapeOf returns a 1-D shape tensor for s, the batch size in place of
// ir.Batch.
func (b *builder) shapeOf(s ir.Shape) string {
	if !s.Batched() {
		return b.ints("shape", []int64{int64(s.Rows), int64(s.Cols)})
	}
	return b.node("Concat", []string{b.rows(), b.ints("cols", []int64{int64(s.Cols)})}, []*onnxpb.AttributeProto{attrInt("axis", 0)})
}

// valueInfo describes a graph input or output: [N, cols], or [N] for
// cols 0, N the batch dimension.
func (b *builder) valueInfo(name string, cols int) *onnxpb.ValueInfoProto {
	rows := -1
	dim := func(n int) *onnxpb.TensorShapeProto_Dimension {
		if n < 0 {
			return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}
		}
		return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(n)}}
	}
	dims := []*onnxpb.TensorShapeProto_Dimension{dim(rows)}
	if cols > 0 {
		dims = append(dims, dim(cols))
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(b.elem)), Shape: &onnxpb.TensorShapeProto{Dim: dims}},
	}}}
}

var negInf = math.Inf(-1)

// clampFloat keeps a finite constant finite in float32.
func clampFloat(b *builder, x float64) float64 {
	if b.elem == onnxpb.TensorProto_FLOAT && !math.IsInf(x, 0) && math.Abs(x) > math.MaxFloat32 {
		return math.Copysign(math.MaxFloat32, x)
	}
	return x
}

// int0 adds a rank-0 int64 constant (CumSum's axis).
func (b *builder) int0(v int64) string {
	return b.shared(fmt.Sprint("i0 ", v), func() string {
		name := b.fresh("i")
		b.root.Initializer = append(b.root.Initializer, &onnxpb.TensorProto{
			Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: []int64{v},
		})
		return name
	})
}

// bound32 rounds a bound x to float32 toward the interior (up for a lower
// bound, down for an upper one) in a float32 graph, so that a clamp never
// widens: a Logit's upper clamp 1 − 2⁻⁵³ rounded to nearest is 1, whose
// log(1 − x) is −Inf and turns the −Inf of the support into NaN; and a
// lower clamp of 1e-300 must not become 0. In a float64 graph x itself.
// Infinite bounds stay infinite.
func bound32(b *builder, x float64, lower bool) float64 {
	if b.elem != onnxpb.TensorProto_FLOAT || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	f := float32(x)
	switch {
	case math.IsInf(float64(f), 0):
		f = float32(math.Copysign(math.MaxFloat32, x))
	case lower && float64(f) < x:
		f = math.Nextafter32(f, float32(math.Inf(1)))
	case !lower && float64(f) > x:
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return float64(f)
}
