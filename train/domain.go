package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// A stage with a restricted domain (stdlib.Spec.Domain: Logit,
// Dequantize) gives a row outside it log p = −Inf, so a minibatch with
// such a row has loss +Inf. The checker refuses training rows outside
// the domain of a flow's first stage; deeper stages see values that
// depend on the parameters, and the trainer's grid noise (dequantize =
// true) moves rows too. When training stops at a loss of +Inf in a
// model with such a stage, outsideDomain says why, naming the first
// data row that is outside the support at the parameters of that step.

// restricted returns the names of m's stages with a restricted domain.
func restricted(m *compiler.Model) []string {
	var out []string
	for _, s := range m.Stages {
		if s.Spec.Domain != nil {
			out = append(out, s.Spec.Name+" (stage "+s.Name+")")
		}
	}
	return out
}

// outsideDomain explains a divergence at step of m (whose parameters are
// still those the step used: a non-finite loss leaves them) when m has a
// stage with a restricted domain; else it returns err. rows are the
// statement's data (for the row's number), train the training rows.
func outsideDomain(err error, m *compiler.Model, params *runtime.Params, rows, train []float64, step int, o compiler.TrainOptions) error {
	stages := restricted(m)
	if len(stages) == 0 {
		return err
	}
	which := strings.Join(stages, " or ")
	width := m.Dim + m.ContextDim
	lp := LogProb(m, params, train)
	for i, v := range lp {
		if !math.IsInf(v, -1) {
			continue
		}
		row := train[i*width : (i+1)*width]
		n := 1
		for k := 0; k+width <= len(rows); k += width {
			if slices.Equal(rows[k:k+width], row) {
				n = k/width + 1
				break
			}
		}
		return fmt.Errorf("loss is +Inf at step %d: row %d of the data, %v, is outside the domain of %s at the parameters of that step (log p = -Inf): the stages before it map it outside, so the flow gives it density 0",
			step, n, row[:m.Dim], which)
	}
	if o.Dequantize {
		return fmt.Errorf("loss is +Inf at step %d: the grid noise of dequantize = true moved a training row outside the domain of %s (log p = -Inf); train with dequantize = false", step, which)
	}
	return fmt.Errorf("loss is +Inf at step %d: a training row is outside the domain of %s (log p = -Inf) at the parameters of that step", step, which)
}
