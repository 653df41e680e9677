package onnx

import (
	"bytes"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/onnxpb"
)

// bisection builds a program that solves x³ + x = z by steps bisection
// steps in a Builder.Repeat, as the monotone layers' inverses do, and
// returns it with the instructions one step emits.
func bisection(steps int) (*ir.Program, int) {
	var params []ir.Param
	b := ir.NewBuilder("bisect", &params)
	z := b.Input("z", 1)
	lo, hi := b.AddConst(b.Scale(z, 0), -10), b.AddConst(b.Scale(z, 0), 10)
	b.Repeat(steps, func(int) {
		mid := b.Scale(b.Add(lo, hi), 0.5)
		y := b.Add(b.Mul(mid, b.Mul(mid, mid)), mid)
		above := b.Greater(y, z)
		hi = b.Where(above, mid, hi)
		lo = b.Where(above, lo, mid)
	})
	b.Output("x", b.Scale(b.Add(lo, hi), 0.5))
	p := b.Program()
	return p, p.Repeats[0].Len
}

// exportNodes exports p's output x and returns the top-level graph.
func exportNodes(t *testing.T, p *ir.Program) *onnxpb.GraphProto {
	t.Helper()
	m, err := Model(Graph{Name: "g", Program: p, Inputs: []string{"z"}, Outputs: []Output{{IR: "x", Name: "x"}}}, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m.GetGraph()
}

// loops returns the graph's Loop nodes.
func loops(g *onnxpb.GraphProto) []*onnxpb.NodeProto {
	var out []*onnxpb.NodeProto
	for _, n := range g.GetNode() {
		if n.GetOpType() == "Loop" {
			out = append(out, n)
		}
	}
	return out
}

// TestRepeatExportsLoop: a Repeat hint that holds exports as one ONNX
// Loop whose body is one step, with the trip count and the two carried
// bounds; without the hint the steps are unrolled.
func TestRepeatExportsLoop(t *testing.T) {
	p, step := bisection(40)
	g := exportNodes(t, p)
	ls := loops(g)
	if len(ls) != 1 {
		t.Fatalf("%d Loop nodes, want 1 (%d nodes in all)", len(ls), len(g.GetNode()))
	}
	if len(g.GetNode()) > 20 {
		t.Errorf("%d top-level nodes with the loop, want at most 20", len(g.GetNode()))
	}
	l := ls[0]
	if in := l.GetInput(); len(in) != 4 || in[1] != "" {
		t.Errorf("Loop inputs %q, want trip count, no condition and the two bounds", in)
	}
	var trip []int64
	for _, init := range g.GetInitializer() {
		if init.GetName() == l.GetInput()[0] {
			trip = init.GetInt64Data()
		}
	}
	if len(trip) != 1 || trip[0] != 40 {
		t.Errorf("trip count %v, want [40]", trip)
	}
	body := l.GetAttribute()[0].GetG()
	if n := len(body.GetNode()); n < step || n > 2*step+4 {
		t.Errorf("loop body has %d nodes for a step of %d instructions", n, step)
	}
	var first, second bytes.Buffer
	for _, w := range []*bytes.Buffer{&first, &second} {
		if err := Export(w, Graph{Name: "g", Program: p, Inputs: []string{"z"}, Outputs: []Output{{IR: "x", Name: "x"}}}, nil, nil, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two exports of one program with a loop differ")
	}
	p.Repeats = nil
	if n := len(exportNodes(t, p).GetNode()); n < 40*step {
		t.Errorf("without the hint: %d nodes, want the %d steps unrolled", n, 40)
	}
}

// TestRepeatHintChecked: a hint that does not hold (wrong length, out of
// range, a step's value read after the loop other than the last step's
// carried ones, a body that differs between steps) is ignored: the
// steps are unrolled, as without it, never exported wrong.
func TestRepeatHintChecked(t *testing.T) {
	plain, _ := bisection(10)
	plain.Repeats = nil
	want := len(exportNodes(t, plain).GetNode())
	cases := []struct {
		name string
		edit func(p *ir.Program)
	}{
		{"a carried value starts with another shape", func(p *ir.Program) {
			p.Instrs[2] = ir.Instr{Op: ir.OpConst, Shape: ir.Shape{Rows: 1, Cols: 1}, Data: []float64{-10}} // lo starts as a [1,1] constant
		}},
		{"longer", func(p *ir.Program) { p.Repeats[0].Len++ }},
		{"shorter", func(p *ir.Program) { p.Repeats[0].Len-- }},
		{"shifted", func(p *ir.Program) { p.Repeats[0].Start-- }},
		{"past the end", func(p *ir.Program) { p.Repeats[0].Count = 1000 }},
		{"negative", func(p *ir.Program) { p.Repeats[0].Start = -3 }},
		{"a middle step read after", func(p *ir.Program) {
			r := p.Repeats[0]
			mid := ir.Value(r.Start + 4*r.Len + 7) // the seventh value of the fifth step (not carried)
			x := p.Output("x")
			p.Instrs = append(p.Instrs, ir.Instr{Op: ir.OpAdd, Args: []ir.Value{x, mid}, Shape: p.Instrs[x].Shape})
			p.Outputs[0].Value = ir.Value(len(p.Instrs) - 1)
		}},
		{"a different step", func(p *ir.Program) {
			r := p.Repeats[0]
			p.Instrs[r.Start+3*r.Len+1].Float = 0.25
		}},
		{"a step reads two back", func(p *ir.Program) {
			r := p.Repeats[0]
			in := &p.Instrs[r.Start+3*r.Len] // the first add of step 3 reads step 1's bounds
			in.Args = []ir.Value{in.Args[0] - ir.Value(r.Len), in.Args[1] - ir.Value(r.Len)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _ := bisection(10)
			p.Instrs = append([]ir.Instr(nil), p.Instrs...)
			c.edit(p)
			g := exportNodes(t, p)
			if len(loops(g)) != 0 {
				t.Fatalf("a broken hint exported as a Loop")
			}
			if len(p.Instrs) == len(plain.Instrs) && p.Instrs[2].Op != ir.OpConst && len(g.GetNode()) != want {
				t.Errorf("%d nodes, want %d (unrolled)", len(g.GetNode()), want)
			}
		})
	}
}
