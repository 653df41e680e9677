package ir

// DCE returns p without the instructions that no output depends on.
// Inputs are always kept, so input indices are unchanged. Passes that emit
// every partial result a rule could need (the gradient pass) rely on it to
// drop the unneeded ones.
func DCE(p *Program) *Program {
	live := make([]bool, len(p.Instrs))
	for _, o := range p.Outputs {
		live[o.Value] = true
	}
	for i := len(p.Instrs) - 1; i >= 0; i-- {
		if p.Instrs[i].Op == OpInput {
			live[i] = true
		}
		if !live[i] {
			continue
		}
		for _, a := range p.Instrs[i].Args {
			live[a] = true
		}
	}
	out := &Program{Name: p.Name, Inputs: p.Inputs, Params: p.Params}
	rename := make([]Value, len(p.Instrs))
	for i, in := range p.Instrs {
		if !live[i] {
			rename[i] = None
			continue
		}
		args := make([]Value, len(in.Args))
		for j, a := range in.Args {
			args[j] = rename[a]
		}
		in.Args = args
		out.Instrs = append(out.Instrs, in)
		rename[i] = Value(len(out.Instrs) - 1)
	}
	for _, o := range p.Outputs {
		out.Outputs = append(out.Outputs, Output{Name: o.Name, Value: rename[o.Value]})
	}
	return out
}
