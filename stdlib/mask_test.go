package stdlib_test

import (
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestMasksDeclared checks that every layer declares its masked weights
// (ir.Builder.Mask) rather than multiplying by a constant of zeros and
// ones, which the runtime would not know for a mask: in every program of
// every harness case, no mul has both operands of its shape and one of
// them such a constant with a zero (all ones masks nothing: Glow's
// identity times its diagonal, for one dimension).
func TestMasksDeclared(t *testing.T) {
	for _, c := range harnessCases() {
		m, _ := lower(t, c, nil)
		for _, p := range []*ir.Program{m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad, m.Sample, m.Init} {
			if p == nil {
				continue
			}
			for i, in := range p.Instrs {
				if in.Op != ir.OpMul || p.Type(in.Args[0]) != in.Shape || p.Type(in.Args[1]) != in.Shape {
					continue
				}
				for _, a := range in.Args {
					if isMask(p.Instrs[a]) {
						t.Errorf("%s: %s: %v = mul %v by a constant 0/1 mask (%s): declare it with ir.Builder.Mask", c.name, p.Name, ir.Value(i), in.Args, in.Note)
					}
				}
			}
		}
	}
}

// isMask reports whether in is a constant whose elements are all 0 or 1,
// at least one of them 0.
func isMask(in ir.Instr) bool {
	if in.Op != ir.OpConst {
		return false
	}
	zero := false
	for _, x := range in.Data {
		if x != 0 && x != 1 {
			return false
		}
		zero = zero || x == 0
	}
	return zero
}
