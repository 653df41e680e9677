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

// noiseLeavesDomain refuses, before training, the grid noise of
// dequantize = true (width: its half-width per column, GridWidths) where
// it would move a training row outside the domain of m's leading
// restricted stage: a row x is trained on as x + u, u uniform in
// ±width, so both ends must be inside. (The checker has checked x
// itself; it cannot know which columns get noise, which depends on the
// training rows.)
func noiseLeavesDomain(m *compiler.Model, rows, train, width []float64) error {
	i := compiler.LeadingRestricted(m.Stages)
	if i < 0 {
		return nil
	}
	s := m.Stages[i]
	dom := s.Spec.Domain(s.Args)
	w := m.Dim + m.ContextDim
	for r := 0; r+w <= len(train); r += w {
		for j, v := range train[r : r+m.Dim] {
			if width[j] == 0 || dom.Contains(v-width[j]) && dom.Contains(v+width[j]) {
				continue
			}
			return fmt.Errorf("%s, column %d (0-based), is %v: the grid noise of dequantize = true (±%.4g) would move it outside the domain of %s (stage %s), the flow's first stage: %s; train with dequantize = false (or dequantize with a Dequantize stage before it)",
				rowText(rows, train[r:r+w]), j, v, width[j], s.Spec.Name, s.Name, dom.Text)
		}
	}
	return nil
}

// rowText names row for a message: "row 12 of the data" (rowNumber),
// or, for rows not in memory (streamed), "a row of the data".
func rowText(rows, row []float64) string {
	if n := rowNumber(rows, row); n > 0 {
		return fmt.Sprintf("row %d of the data", n)
	}
	return "a row of the data"
}

// rowNumber is the 1-based number of the first row of rows equal to row.
func rowNumber(rows, row []float64) int {
	w := len(row)
	for k := 0; k+w <= len(rows); k += w {
		if slices.Equal(rows[k:k+w], row) {
			return k/w + 1
		}
	}
	return 0
}

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
		return fmt.Errorf("loss is +Inf at step %d: %s, %v, is outside the domain of %s at the parameters of that step (log p = -Inf): the stages before it map it outside, so the flow gives it density 0",
			step, rowText(rows, row), row[:m.Dim], which)
	}
	if o.Dequantize {
		return fmt.Errorf("loss is +Inf at step %d: the grid noise of dequantize = true moved a training row outside the domain of %s (log p = -Inf); train with dequantize = false", step, which)
	}
	return fmt.Errorf("loss is +Inf at step %d: a training row is outside the domain of %s (log p = -Inf) at the parameters of that step", step, which)
}
