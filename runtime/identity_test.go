package runtime

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestForwardIdentities: slices, pads and permutations that leave their
// operand as it is, chained, of an input and of a parameter, become
// OpNop and their users read the operand; one that is a program output
// stays; the program given is not modified; and both programs compute
// the same bits (an identity's user that may write in place, an
// elementwise step, must not write into the input or the parameter it
// now reads).
func TestForwardIdentities(t *testing.T) {
	var params []ir.Param
	b := ir.NewBuilder("ids", &params)
	x := b.Input("x", 3)
	w := b.Param(b.NewParam("w", ir.Shape{Rows: 3, Cols: 3}, ir.Init{}))
	s1 := b.SliceCols(x, 0, 3)                // identity of an input
	s2 := b.PadCols(s1, 0, 3)                 // of an identity
	s3 := b.PermuteCols(s2, []int{0, 1, 2})   // and again
	e := b.Exp(s3)                            // may run in place
	wr := b.SliceRows(w, 0, 3)                // identity of a parameter
	wp := b.PadRows(wr, 0, 3)                 //
	m := b.MatMul(e, wp, 0)                   //
	n := b.Neg(wp)                            // may run in place
	kept := b.SliceCols(x, 0, 3)              // an output: stays
	notID := b.PermuteCols(x, []int{2, 1, 0}) // not an identity
	part := b.SliceCols(x, 1, 3)              // not an identity
	b.Output("m", m)
	b.Output("n", n)
	b.Output("kept", kept)
	b.Output("e2", b.Add(notID, b.PadCols(part, 1, 3)))
	p := b.Program()
	before := clone(p)

	q := forwardIdentities(p)
	if !reflect.DeepEqual(p, before) {
		t.Fatal("forwardIdentities modified the program it was given")
	}
	for _, v := range []ir.Value{s1, s2, s3, wr, wp} {
		if op := q.Instrs[v].Op; op != ir.OpNop {
			t.Errorf("%%%d (%v) is %v, want nop", v, p.Instrs[v].Op, op)
		}
	}
	for _, v := range []ir.Value{kept, notID, part} {
		if op := q.Instrs[v].Op; op != p.Instrs[v].Op {
			t.Errorf("%%%d (%v) became %v", v, p.Instrs[v].Op, op)
		}
	}
	if a := q.Instrs[e].Args[0]; a != x {
		t.Errorf("exp reads %%%d, want the input %%%d", a, x)
	}
	if a := q.Instrs[m].Args[1]; a != w {
		t.Errorf("the product reads %%%d, want the parameter %%%d", a, w)
	}
	if a := q.Instrs[n].Args[0]; a != w {
		t.Errorf("neg reads %%%d, want the parameter %%%d", a, w)
	}

	ps := NewParams(p.Params)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	const rows = 13
	in := randomRows(rows, 3, 4)
	defer func() { fusion = true }()
	for _, dt := range []DType{Float64, Float32} {
		ps.DType = dt
		var got [2][][]float64
		for k, on := range []bool{false, true} {
			fusion = on
			// Twice: a step that wrote into the parameter's values
			// would change the second run's outputs.
			for range 2 {
				got[k], _ = runOutputs(p, ps, in, rows, 3)
			}
		}
		for i, o := range p.Outputs {
			sameBits(t, fmt.Sprintf("%v: %s with the identities forwarded", dt, o.Name), got[1][i], got[0][i])
		}
	}
}

// clone is a deep copy of p's instructions and outputs.
func clone(p *ir.Program) *ir.Program {
	c := *p
	c.Instrs = make([]ir.Instr, len(p.Instrs))
	for i, in := range p.Instrs {
		in.Args = append([]ir.Value(nil), in.Args...)
		in.Ints = append([]int(nil), in.Ints...)
		c.Instrs[i] = in
	}
	c.Outputs = append([]ir.Output(nil), p.Outputs...)
	return &c
}
