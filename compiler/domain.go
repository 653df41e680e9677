package compiler

import (
	"fmt"
	"strconv"

	"github.com/noxlang/nox/internal/escape"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Training data and the domains of layers. A stage with a restricted
// domain (stdlib.Spec.Domain: Logit, Dequantize) gives a row outside it
// log p = −Inf, so a training row outside it makes the loss +Inf. Where
// the checker can know what such a stage sees — it is the flow's first
// stage, or comes only after stages that reorder columns, and the rows
// reach it as they are in the file — it checks every row now and names
// the first one outside, before anything runs. When the rows reach it
// standardized (standardize = true) or with the trainer's grid noise
// added (dequantize = true, for Dequantize, whose lattice any noise
// leaves), what it sees is not the data, and the statement is refused
// too. Deeper stages see values that depend on the trained parameters:
// a row that reaches them outside their domain stops training with an
// error (package train).

// reorders reports whether a layer only reorders columns, so that an
// elementwise domain after it holds for the data's columns as well.
func reorders(s *stdlib.Spec) bool { return s.Name == "Reverse" || s.Name == "Permute" }

// LeadingRestricted returns the index of the first of stages with a
// restricted domain (stdlib.Spec.Domain) that sees the data's values —
// it comes after column reorderings only — or -1. Its domain is then a
// set the data's own values must lie in.
func LeadingRestricted(stages []Stage) int {
	for i, s := range stages {
		switch {
		case s.Spec.Domain != nil:
			return i
		case !reorders(s.Spec):
			return -1
		}
	}
	return -1
}

// restrictedStage is LeadingRestricted for a flow's stages, or nil.
func restrictedStage(flow *Flow) *FlowStage {
	stages := make([]Stage, len(flow.Stages))
	for i, s := range flow.Stages {
		stages[i] = s.Stage
	}
	if i := LeadingRestricted(stages); i >= 0 {
		return &flow.Stages[i]
	}
	return nil
}

// checkDomain refuses a train statement whose rows leave the domain of
// the flow's restricted first stage, or reach it transformed (see the
// comment above); it reports whether the statement may run.
func (c *checker) checkDomain(t *lang.Train, flow *Flow, data *Data, to TrainOptions) bool {
	s := restrictedStage(flow)
	if s == nil || flow.Saved != nil {
		return true // a saved flow keeps its own standardization
	}
	dom := s.Spec.Domain(s.Args)
	stage := fmt.Sprintf("%s (%s), the first stage of flow %s", s.Spec.Name, short(s.Pos), flow.Name)
	switch {
	case to.Standardize:
		c.errorf(t.Pos, t.EndPos, "train: %s, is defined on %s, but standardize = true would give it standardized rows rather than the values of %s; train with standardize = false",
			stage, dom.Text, data.Name)
		return false
	case to.Dequantize && s.Spec.Name == "Dequantize":
		c.errorf(t.Pos, t.EndPos, "train: %s, is defined on %s, but dequantize = true would add the trainer's grid noise to the integers before it (it adds its own); train with dequantize = false",
			stage, dom.Text)
		return false
	}
	tab := data.Table
	ok := true
	err := eachRow(tab, func(i int, row []float64) bool {
		for j, v := range row {
			if dom.Contains(v) {
				continue
			}
			c.errorf(t.Data.Pos, t.Data.EndPos, "train: row %d of %s%s, column %s, is %s, outside the domain of %s: %s; the row would have density 0 (log p = -Inf)",
				i+1, data.Name, droppedNote(data), columnName(tab.Names, j), strconv.FormatFloat(v, 'g', -1, 64), stage, dom.Text)
			ok = false
			return false
		}
		return true
	})
	if err != nil {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s: %v", data.Name, err)
		return false
	}
	return ok
}

// columnName names column j for a message: its header name, or its
// 0-based index.
func columnName(names []string, j int) string {
	if names != nil {
		return fmt.Sprintf("%s (0-based %d)", escape.Excerpt(names[j], 40), j)
	}
	return fmt.Sprintf("%d (0-based)", j)
}

// droppedNote says that rows are counted after na = "drop", if it dropped
// any.
func droppedNote(d *Data) string {
	if d.Dropped == 0 {
		return ""
	}
	return fmt.Sprintf(" (counted among the rows kept after na = \"drop\" dropped %d)", d.Dropped)
}
