package runtime

import (
	"slices"

	"github.com/noxlang/nox/compiler/ir"
)

// forwardIdentities returns p with each layout instruction that leaves
// its operand as it is (a slice or pad of all of its columns or rows, a
// permutation of the columns in their order) replaced by that operand in
// every use, and itself by an ir.OpNop; p itself is not modified, and
// nor is an instruction whose value is a program output. An MAF's
// sampler has such slices and pads of [B, 100] tensors at every step of
// its solve, and each copied a tensor (a pad cleared it first): about a
// fifth of a moons draw's cycles (perf, bench/README.md).
func forwardIdentities(p *ir.Program) *ir.Program {
	output := make([]bool, len(p.Instrs))
	for _, o := range p.Outputs {
		output[o.Value] = true
	}
	var out *ir.Program
	var to []ir.Value // to[v]: the value v stands for, where v was forwarded
	for i, in := range p.Instrs {
		for k, a := range in.Args {
			if to == nil || to[a] == a {
				continue
			}
			if out == nil || &out.Instrs[i].Args[0] == &p.Instrs[i].Args[0] {
				out = editable(out, p)
				out.Instrs[i].Args = slices.Clone(in.Args)
			}
			out.Instrs[i].Args[k] = to[a]
		}
		if output[i] || !identityLayout(p, in) {
			continue
		}
		if to == nil {
			to = make([]ir.Value, len(p.Instrs))
			for v := range to {
				to[v] = ir.Value(v)
			}
		}
		to[i] = to[in.Args[0]]
		out = editable(out, p)
		out.Instrs[i] = ir.Instr{Op: ir.OpNop, Shape: in.Shape}
	}
	if out == nil {
		return p
	}
	return out
}

// identityLayout reports whether in is a slice, pad or column
// permutation whose value is its operand's.
func identityLayout(p *ir.Program, in ir.Instr) bool {
	if len(in.Args) != 1 || p.Instrs[in.Args[0]].Shape != in.Shape {
		return false
	}
	switch in.Op {
	case ir.OpSliceCols, ir.OpPadCols, ir.OpSliceRows, ir.OpPadRows:
		return in.Int == 0
	case ir.OpPermuteCols:
		if len(in.Ints) != in.Shape.Cols {
			return false
		}
		for j, c := range in.Ints {
			if c != j {
				return false
			}
		}
		return true
	}
	return false
}
