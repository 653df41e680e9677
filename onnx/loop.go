package onnx

import (
	"slices"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/onnxpb"
)

// Unrolled loops as ONNX Loops. The monotone layers' inverses (NAF,
// UMNN) unroll 60 bisection steps per dimension in IR; exported as they
// are, a small model's sampling graph has 13,703 nodes, and ONNX Runtime
// takes over a minute to create a session for it (its allocation
// planner, not its optimizer: the time is the same with optimizations
// disabled). The layers mark such steps with Builder.Repeat; a hint that
// holds (checkRepeat) is exported as one Loop node whose body is one
// step, so the graph holds each step once.

// loopPlan is a Repeat hint that holds: the region and the values its
// iterations carry.
type loopPlan struct {
	ir.Repeat
	// carried are the positions, within the block, of the values an
	// iteration hands to the next, in increasing order; init[i] is the
	// value from before the region that the first iteration reads in
	// place of carried[i].
	carried []int
	init    []ir.Value
}

// end is the index of the first instruction after the region.
func (l loopPlan) end() int { return l.Start + l.Count*l.Len }

// at returns the value at position j of iteration k.
func (l loopPlan) at(k, j int) ir.Value { return ir.Value(l.Start + k*l.Len + j) }

// loopPlans returns the program's Repeat hints that hold, by their first
// instruction; overlapping hints after the first are ignored.
func loopPlans(p *ir.Program, static []bool) map[int]loopPlan {
	rs := slices.Clone(p.Repeats)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	plans := map[int]loopPlan{}
	next := 0
	for _, r := range rs {
		if r.Start < next {
			continue
		}
		if l, ok := checkRepeat(p, r, static); ok {
			plans[r.Start] = l
			next = l.end()
		}
	}
	return plans
}

// checkRepeat reports whether the instructions of r are r.Count copies
// of one block that a Loop computes: equal ops, attributes and shapes;
// every operand either the same value from before the region in every
// iteration, a value of the same iteration at the same position, or a
// carried value — the previous iteration's at a fixed position, an
// outer value of the same shape in the first — with one initial value
// per position; no
// value of the region static (a static value would be folded to one
// iteration's constant); and no value of the region read after it but
// the last iteration's carried ones.
func checkRepeat(p *ir.Program, r ir.Repeat, static []bool) (loopPlan, bool) {
	l := loopPlan{Repeat: r}
	if r.Start < 0 || r.Len < 1 || r.Count < 2 || r.Start > len(p.Instrs) || (len(p.Instrs)-r.Start)/r.Count < r.Len {
		return l, false
	}
	init := map[int]ir.Value{}
	for j := range r.Len {
		first := p.Instrs[l.at(1, j)]
		for k := range r.Count {
			in := p.Instrs[l.at(k, j)]
			if static[l.at(k, j)] || in.Op == ir.OpInput || in.Op.Random() || !sameAttrs(in, first) {
				return l, false
			}
			for a, v := range in.Args {
				if !l.operandHolds(k, v, first.Args[a], init) {
					return l, false
				}
			}
		}
	}
	for q, v := range init {
		if p.Instrs[v].Shape != p.Instrs[l.at(0, q)].Shape { // a [1,1] start of a [B,1] value: the body's input has one shape
			return l, false
		}
	}
	if !l.usesAfterHold(p, init) {
		return l, false
	}
	for q := range init {
		l.carried = append(l.carried, q)
	}
	sort.Ints(l.carried)
	for _, q := range l.carried {
		l.init = append(l.init, init[q])
	}
	return l, true
}

// operandHolds checks operand v of iteration k against the same operand
// v1 of iteration 1, recording the initial value of a carried position.
func (l loopPlan) operandHolds(k int, v, v1 ir.Value, init map[int]ir.Value) bool {
	start := ir.Value(l.Start)
	switch {
	case v1 < start: // an outer value: the same in every iteration
		return v == v1
	case v1 >= start+ir.Value(l.Len): // iteration 1's own
		return v == v1+ir.Value((k-1)*l.Len)
	case k > 0: // carried from the previous iteration
		return v == v1+ir.Value((k-1)*l.Len)
	}
	q := int(v1 - start)
	if v >= start {
		return false
	}
	if w, ok := init[q]; ok && w != v {
		return false
	}
	init[q] = v
	return true
}

// usesAfterHold reports whether the instructions after the region and
// the outputs read only the last iteration's carried values of it.
func (l loopPlan) usesAfterHold(p *ir.Program, init map[int]ir.Value) bool {
	ok := func(v ir.Value) bool {
		if int(v) < l.Start || int(v) >= l.end() {
			return true
		}
		_, carried := init[int(v)-l.Start-(l.Count-1)*l.Len]
		return int(v) >= l.Start+(l.Count-1)*l.Len && carried
	}
	for _, in := range p.Instrs[l.end():] {
		for _, a := range in.Args {
			if !ok(a) {
				return false
			}
		}
	}
	for _, o := range p.Outputs {
		if !ok(o.Value) {
			return false
		}
	}
	return true
}

// sameAttrs reports whether two instructions differ at most in their
// operands and notes.
func sameAttrs(a, b ir.Instr) bool {
	return a.Op == b.Op && a.Shape == b.Shape && a.Int == b.Int && a.Float == b.Float &&
		slices.Equal(a.Ints, b.Ints) && slices.Equal(a.Data, b.Data) && len(a.Args) == len(b.Args)
}

// emitLoop emits the region of l as one Loop node. Its body is
// iteration 1's instructions, with iteration 0's carried values read
// from the body's inputs; outer values are read from the enclosing graph
// by name, as ONNX lets a subgraph do. After it, the last iteration's
// carried values are the Loop's outputs and no other value of the
// region has a name.
func (b *builder) emitLoop(l loopPlan, live []bool) error {
	outer := b.graph
	body := &onnxpb.GraphProto{Name: proto.String(b.fresh("step"))}
	b.graph = body
	defer func() { b.graph = outer }()
	iter, cond := b.fresh("iter"), b.fresh("cond")
	body.Input = append(body.Input, scalarInfo(iter, onnxpb.TensorProto_INT64), scalarInfo(cond, onnxpb.TensorProto_BOOL))
	condOut := b.node("Identity", []string{cond}, nil)
	body.Output = append(body.Output, scalarInfo(condOut, onnxpb.TensorProto_BOOL))
	for _, q := range l.carried {
		name := b.fresh("carried")
		body.Input = append(body.Input, b.shapeInfo(name, b.prog.Instrs[l.at(0, q)].Shape))
		b.names[l.at(0, q)] = name
	}
	for j := range l.Len {
		v := l.at(1, j)
		if !live[v] {
			continue
		}
		name, err := b.emitInstr(b.prog.Instrs[v])
		if err != nil {
			return err
		}
		b.names[v] = name
	}
	inputs := []string{b.int0(int64(l.Count)), ""}
	var outs []string
	for i, q := range l.carried {
		out := b.node("Identity", []string{b.names[l.at(1, q)]}, nil)
		body.Output = append(body.Output, b.shapeInfo(out, b.prog.Instrs[l.at(1, q)].Shape))
		inputs = append(inputs, b.ref(l.init[i]))
		outs = append(outs, b.fresh("loop"))
	}
	for v := l.Start; v < l.end(); v++ {
		b.names[v] = ""
	}
	outer.Node = append(outer.Node, &onnxpb.NodeProto{
		OpType: proto.String("Loop"), Name: proto.String(b.fresh("Loop")), Input: inputs, Output: outs,
		Attribute: []*onnxpb.AttributeProto{{Name: proto.String("body"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: body}},
	})
	for i, q := range l.carried {
		b.names[l.at(l.Count-1, q)] = outs[i]
	}
	return nil
}

// markLoops makes liveness uniform over each loop's iterations: a
// position live in one iteration is live in all (the body computes it
// every time), with what it reads.
func markLoops(p *ir.Program, live []bool, plans map[int]loopPlan) {
	for _, l := range plans {
		for _, q := range l.carried { // the body hands every carried value on
			live[l.at(0, q)] = true
		}
		for j := range l.Len {
			any := false
			for k := range l.Count {
				any = any || live[l.at(k, j)]
			}
			for k := range l.Count {
				live[l.at(k, j)] = any
			}
		}
	}
	for i := len(p.Instrs) - 1; i >= 0; i-- {
		if live[i] {
			for _, a := range p.Instrs[i].Args {
				live[a] = true
			}
		}
	}
}

// scalarInfo describes a rank-0 tensor of type t (a Loop's iteration
// number and condition).
func scalarInfo(name string, t onnxpb.TensorProto_DataType) *onnxpb.ValueInfoProto {
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(t)), Shape: &onnxpb.TensorShapeProto{}},
	}}}
}

// shapeInfo describes a value of IR shape s: [N, cols] for a batched
// one, [rows, cols] otherwise.
func (b *builder) shapeInfo(name string, s ir.Shape) *onnxpb.ValueInfoProto {
	vi := b.valueInfo(name, s.Cols)
	if !s.Batched() {
		vi.GetType().GetTensorType().GetShape().Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(s.Rows)}
	}
	return vi
}
