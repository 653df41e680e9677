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

	ct := make([]ir.Value, len(p.Instrs))
	for i := range ct {
		ct[i] = ir.None
	}
	b.SetNote("grad")
	ct[lv] = b.Const(ir.Shape{Rows: 1, Cols: 1}, []float64{1})
	paramGrad := make([]ir.Value, len(p.Params))
	for i := range paramGrad {
		paramGrad[i] = ir.None
	}
	for i := len(p.Instrs) - 1; i >= 0; i-- {
		g := ct[i]
		if g == ir.None || !needs[i] {
			continue
		}
		in := p.Instrs[i]
		b.SetNote("grad " + in.Note)
		if in.Op == ir.OpParam {
			paramGrad[in.Int] = accumulate(b, paramGrad[in.Int], g)
			continue
		}
		rule := rules[in.Op]
		if rule == nil {
			if why := noRule[in.Op]; why != "" {
				return nil, fmt.Errorf("ad: program %s: %v = %s (%s) has no gradient rule: %s", p.Name, ir.Value(i), in.Op, in.Note, why)
			}
			return nil, fmt.Errorf("ad: no gradient rule for op %s", in.Op)
		}
		args := make([]ir.Value, len(in.Args))
		for j, a := range in.Args {
			args[j] = val[a]
		}
		grads := rule(b, in, args, val[i], g)
		for j, a := range in.Args {
			if j < len(grads) && grads[j] != ir.None && needs[a] {
				ct[a] = accumulate(b, ct[a], grads[j])
			}
		}
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

func accumulate(b *ir.Builder, acc, g ir.Value) ir.Value {
	if acc == ir.None {
		return g
	}
	return b.Add(acc, g)
}
