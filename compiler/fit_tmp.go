package compiler

import (
	"fmt"

	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// TEMPORARY (replaced by the binder branch on merge).

// CheckFlow checks a flow expression alone.
func CheckFlow(e *lang.Expr, dim, contextDim int) (*Flow, error) {
	c := &checker{prog: &Program{Names: map[string]string{}}, scope: map[string]*binding{}}
	v := c.expr(e)
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	if v.kind != kFlow || len(v.stages) == 0 || v.stages[len(v.stages)-1].Spec.Kind != stdlib.Prior {
		return nil, fmt.Errorf("not a flow with a prior")
	}
	f := &Flow{Name: "flow", Stages: v.stages}
	if !c.fixDim(f, dim, e.Pos) {
		return nil, c.errs.Err()
	}
	f.ContextDim = contextDim
	return f, nil
}

// DefaultTrainOptions returns the language's defaults.
func DefaultTrainOptions() TrainOptions {
	c := &checker{}
	opts, _ := c.options("train", trainOptions, nil)
	return trainOptionsOf(opts)
}

// Validate checks options.
func (o TrainOptions) Validate() error { return nil }
