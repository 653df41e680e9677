// Package ad derives gradient programs from IR programs by reverse-mode
// automatic differentiation.
//
// Grad copies a program and appends its adjoint: a reverse walk over the
// instruction list in which each instruction's vector-Jacobian product
// (one rule per primitive op, in rules.go) emits ordinary IR instructions.
// The result is a plain ir.Program that computes the original outputs and
// the gradient of a scalar loss with respect to every parameter; it can be
// printed, checked and executed like any other program. No layer has a
// hand-written backward pass.
package ad

import (
	"fmt"
	"strings"

	"github.com/noxlang/nox/compiler/ir"
)

// GradPrefix starts the name of each gradient output: "grad:" + param name.
const GradPrefix = ir.GradPrefix

// Grad returns a program that computes p's outputs and, for every parameter
// that p uses (except state parameters), the gradient of the output named loss (a [1,1] value) with
// respect to it, as outputs named GradPrefix+param name. It is an error if
// a parameter in the table gets no gradient: a layer whose parameters do
// not reach the loss is a bug that would otherwise train silently wrong.
// It is an error too if p holds a backend op (ir.Op.Backend): those have
// no gradient rule, and only a backend's rewrites, after Grad, make them.
func Grad(p *ir.Program, loss string) (*ir.Program, error) {
	lv := p.Output(loss)
	if lv == ir.None {
		return nil, fmt.Errorf("ad: program %s has no output %q", p.Name, loss)
	}
	if s := p.Type(lv); s != (ir.Shape{Rows: 1, Cols: 1}) {
		return nil, fmt.Errorf("ad: loss %q has shape %v, want [1,1]", loss, s)
	}
	for i, in := range p.Instrs {
		if in.Op.Backend() {
			return nil, fmt.Errorf("ad: program %s: %v = %s (%s) is a backend op: backend ops are made from a program after its gradient is derived, never before", p.Name, ir.Value(i), in.Op, in.Note)
		}
	}
	params := append([]ir.Param(nil), p.Params...)
	b := ir.NewBuilder(p.Name+".grad", &params)

	// Copy the forward program.
	val := make([]ir.Value, len(p.Instrs))
	for i, in := range p.Instrs {
		b.SetNote(in.Note)
		if in.Op == ir.OpInput {
			val[i] = b.Input(p.Inputs[in.Int].Name, in.Shape.Cols)
			continue
		}
		args := make([]ir.Value, len(in.Args))
		for j, a := range in.Args {
			args[j] = val[a]
		}
		val[i] = b.Emit(in, args)
	}
	for _, o := range p.Outputs {
		b.Output(o.Name, val[o.Value])
	}

	// needs[v]: v depends on a parameter, so its cotangent matters.
	needs := make([]bool, len(p.Instrs))
	for i, in := range p.Instrs {
		if in.Op == ir.OpParam {
			needs[i] = true
			continue
		}
		for _, a := range in.Args {
			needs[i] = needs[i] || needs[a]
		}
	}

	b.SetNote("grad")
	w := newSweep(b, p.Name, p.Instrs, val, needs)
	w.ct[lv] = b.Const(ir.Shape{Rows: 1, Cols: 1}, []float64{1})
	paramGrad := make([]ir.Value, len(p.Params))
	for i := range paramGrad {
		paramGrad[i] = ir.None
	}
	err := w.run(0, len(p.Instrs), "grad ", func(in ir.Instr, g ir.Value) bool {
		if in.Op != ir.OpParam {
			return false
		}
		paramGrad[in.Int] = accumulate(b, paramGrad[in.Int], g)
		return true
	})
	if err != nil {
		return nil, err
	}
	var missing []string
	for i, pr := range p.Params {
		if pr.State {
			continue // updated by the program's outputs, not by gradient
		}
		if paramGrad[i] == ir.None {
			missing = append(missing, pr.Name)
			continue
		}
		b.Output(GradPrefix+pr.Name, paramGrad[i])
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("ad: parameters get no gradient from %q: %s", loss, strings.Join(missing, ", "))
	}
	return ir.DCE(b.Program()), nil
}

// VJP emits into b the vector-Jacobian product ctᵀ·∂out/∂wrt of values b
// has already emitted, and returns it (of wrt's shape): the reverse walk
// of Grad, with the same rules, from out back to wrt over b's own
// instructions. ct has out's shape. The instructions VJP emits are
// ordinary ops, each with a rule of its own, so a program holding a VJP
// can itself be differentiated by Grad: second-order derivatives, as a
// continuous normalizing flow's log-det (the trace of a Jacobian) needs
// in training. Values that do not depend on wrt get no cotangent and
// nothing is emitted for them, nor for operands (parameters, constants)
// that do not depend on wrt. It is an error if out does not depend on wrt,
// if wrt comes after out, if the shapes disagree, or if the path holds an
// op without a rule.
func VJP(b *ir.Builder, out, wrt, ct ir.Value) (ir.Value, error) {
	instrs := b.Instrs()
	n := len(instrs)
	switch {
	case out < 0 || int(out) >= n || wrt < 0 || int(wrt) >= n || ct < 0 || int(ct) >= n:
		return ir.None, fmt.Errorf("ad: VJP of %v with respect to %v (cotangent %v): not values of the builder's %d instructions", out, wrt, ct, n)
	case wrt > out:
		return ir.None, fmt.Errorf("ad: VJP of %v with respect to %v, which comes after it", out, wrt)
	case b.Type(ct) != b.Type(out):
		return ir.None, fmt.Errorf("ad: VJP of %v %v with a cotangent of shape %v", out, b.Type(out), b.Type(ct))
	}
	needs := make([]bool, out+1)
	needs[wrt] = true
	for i := wrt + 1; i <= out; i++ {
		for _, a := range instrs[i].Args {
			needs[i] = needs[i] || needs[a]
		}
	}
	if !needs[out] {
		return ir.None, fmt.Errorf("ad: VJP of %v with respect to %v, on which it does not depend", out, wrt)
	}
	for i := wrt; i <= out; i++ {
		if in := instrs[i]; needs[i] && in.Op.Backend() {
			return ir.None, fmt.Errorf("ad: VJP through %v = %s (%s), a backend op", i, in.Op, in.Note)
		}
	}
	defer b.SetNote(b.SetNote(""))
	w := newSweep(b, "being built", instrs[:out+1], nil, needs)
	w.ct[out] = ct
	if err := w.run(int(wrt)+1, int(out)+1, "vjp ", nil); err != nil {
		return ir.None, err
	}
	return w.ct[wrt], nil
}

// sweep is the reverse walk Grad and VJP share: each instruction that has
// a cotangent and depends on what is differentiated passes the cotangent
// to its operands by its rule, accumulating where an operand has several
// uses.
type sweep struct {
	b      *ir.Builder
	name   string
	instrs []ir.Instr
	val    []ir.Value // the emitted copy of each instruction; nil: itself
	needs  []bool     // whether an instruction's cotangent matters
	ct     []ir.Value
}

func newSweep(b *ir.Builder, name string, instrs []ir.Instr, val []ir.Value, needs []bool) *sweep {
	ct := make([]ir.Value, len(instrs))
	for i := range ct {
		ct[i] = ir.None
	}
	return &sweep{b: b, name: name, instrs: instrs, val: val, needs: needs, ct: ct}
}

func (w *sweep) value(v ir.Value) ir.Value {
	if w.val == nil {
		return v
	}
	return w.val[v]
}

// run walks instructions hi-1 down to lo. leaf, if set, takes an
// instruction's cotangent instead of its rule when it returns true
// (Grad's parameters). Notes are prefix + the instruction's own note.
func (w *sweep) run(lo, hi int, prefix string, leaf func(in ir.Instr, g ir.Value) bool) error {
	b := w.b
	for i := hi - 1; i >= lo; i-- {
		g := w.ct[i]
		if g == ir.None || !w.needs[i] {
			continue
		}
		in := w.instrs[i]
		b.SetNote(prefix + in.Note)
		if leaf != nil && leaf(in, g) {
			continue
		}
		args := make([]ir.Value, len(in.Args))
		need := make([]bool, len(in.Args))
		for j, a := range in.Args {
			args[j] = w.value(a)
			need[j] = w.needs[a]
		}
		var grads []ir.Value
		switch {
		case partial[in.Op] != nil:
			grads = partial[in.Op](b, in, args, w.value(ir.Value(i)), g, need)
		case rules[in.Op] != nil:
			grads = rules[in.Op](b, in, args, w.value(ir.Value(i)), g)
		case noRule[in.Op] != "":
			return fmt.Errorf("ad: program %s: %v = %s (%s) has no gradient rule: %s", w.name, ir.Value(i), in.Op, in.Note, noRule[in.Op])
		default:
			return fmt.Errorf("ad: no gradient rule for op %s", in.Op)
		}
		for j, a := range in.Args {
			if j < len(grads) && grads[j] != ir.None && w.needs[a] {
				w.ct[a] = accumulate(b, w.ct[a], grads[j])
			}
		}
	}
	return nil
}

func accumulate(b *ir.Builder, acc, g ir.Value) ir.Value {
	if acc == ir.None {
		return g
	}
	return b.Add(acc, g)
}
