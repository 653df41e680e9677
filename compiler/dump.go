package compiler

import (
	"fmt"
	"strings"

	"github.com/noxlang/nox/compiler/ir"
)

// Lower lowers the statement's flow for its data's width and its
// options: the programs depend on the data's width, never on its values
// (the standardization is fixed parameters, filled when training
// starts).
func (t *Train) Lower() (*Model, error) {
	opt := t.Opts.ModelOptions(t.Flow.ContextDim)
	opt.Angles = t.Flow.Angles // the data's, fixed with the flow's dimension
	if s := t.Flow.Saved; s != nil {
		opt = s.Options // a warm start keeps the model's structure
	}
	return Lower(t.Flow.Name, t.Flow.StageList(), t.Flow.Dim, opt)
}

// IR returns, as text, the loss program and its derived gradient program
// of each flow a train statement trains (of the flow named name only, if
// name is not ""), lowered as that flow's first train statement lowers
// it, and passed through rewrite if it is not nil (a backend's rewrites:
// runtime.Backend). No data is prepared: the text is the same for any
// data of the same width.
func (p *Program) IR(name string, rewrite func(*ir.Program) *ir.Program) (string, error) {
	var b strings.Builder
	done := map[*Flow]bool{}
	for _, a := range p.Actions {
		t, ok := a.(*Train)
		if !ok || done[t.Flow] || (name != "" && t.Flow.Name != name) {
			continue
		}
		done[t.Flow] = true
		m, err := t.Lower()
		if err != nil {
			return "", fmt.Errorf("%s: train: %v", short(t.Pos), err)
		}
		fmt.Fprintf(&b, "# flow %s: %s, %s\n", m.Name, plural(m.Dim, "dimension"), plural(len(m.Params), "parameter tensor"))
		loss, grad := m.Loss, m.Grad
		if rewrite != nil {
			loss, grad = rewrite(loss), rewrite(grad)
		}
		b.WriteString(loss.String() + "\n" + grad.String() + "\n")
	}
	if b.Len() == 0 && name != "" {
		return "", fmt.Errorf("flow %s is not trained yet, so its dimension (and IR) is unknown", name)
	}
	return b.String(), nil
}
