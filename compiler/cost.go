package compiler

import (
	"fmt"
	"math"

	"github.com/noxlang/nox/stdlib"
)

// The cost of a flow is known before anything of its size is allocated:
// building its layers (build) states only the shapes of their parameters
// (masks and other constants are made when a program is emitted), so the
// checker, Fit and the model loader can add them up and refuse, with the
// estimate in the message, a flow that would not fit (Limits).

// Cost is a flow's size from static shapes.
type Cost struct {
	// Stages is the number of stages, the prior included.
	Stages int
	// Params is the number of scalars in the parameter table, trained,
	// state and fixed (standardization) ones.
	Params int64
	// Width estimates the float64 values one row creates in one pass of
	// the density program: every stage's output and every hidden layer's.
	Width int64
}

// FlowCost adds up the cost of a flow over dim dimensions. A stage given
// fewer columns than its layer accepts (Spec.MinDim) is an error, as in
// the checker: FlowCost is the first to see the flow a model file states,
// and Lower cannot build such a stage.
func FlowCost(name string, stages []Stage, dim int, opt Options) (Cost, error) {
	cur := dim
	for _, s := range stages {
		if s.Spec.Kind == stdlib.Prior {
			cur = dim
		}
		if cur < s.Spec.MinDim {
			return Cost{}, fmt.Errorf("flow %s: %s needs at least %s, got %d", name, s.Spec.Name, plural(s.Spec.MinDim, "dimension"), cur)
		}
		if s.Spec.Kind == stdlib.Split {
			cur = min(cur, s.Args.Int("keep")) // build refuses keep ≥ cur
		}
	}
	l, err := build(name, stages, dim, opt)
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Stages: len(stages)}
	for _, p := range *l.table {
		n := int64(p.Shape.Rows) * int64(p.Shape.Cols)
		c.Params += n
		// A matrix [in, out] applied to a row makes out values, and the
		// bias and activation after it as many again.
		if p.Shape.Rows > 1 {
			c.Width += 3 * int64(p.Shape.Cols)
		}
	}
	for _, s := range l.stages {
		c.Width += 4 * int64(s.dim) // the stage's output, its log-det terms, their adjoints
	}
	c.Width += 4 * int64(dim+opt.ContextDim)
	return c, nil
}

// Bytes renders a byte count for a message: "3.2 GB", "512 MB", "800 kB".
func Bytes(n float64) string {
	for _, u := range []struct {
		size float64
		name string
	}{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}} {
		if n >= u.size {
			return fmt.Sprintf("%.3g %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%.0f bytes", n)
}

// TrainMemory estimates the bytes training a flow of cost c needs: the
// parameters with their gradients (one copy per thread), Adam's two
// moments, the best parameters kept and a float32 copy; the batch's
// activations and their adjoints; the training rows (of width cols) with
// the split's copy; and the programs, about progBytes per stage.
func TrainMemory(c Cost, rows, cols, batch, threads int) float64 {
	const progBytes = 64 << 10
	p := float64(c.Params) * 8 * float64(6+max(threads, 1))
	act := float64(min(batch, max(rows, 1))) * float64(c.Width) * 8 * 2
	data := float64(rows) * float64(cols) * 8 * 2
	return p + act + data + float64(c.Stages)*progBytes
}

// overflows reports whether a cost is beyond any limit's range.
func (c Cost) overflows() bool { return c.Params < 0 || c.Params > math.MaxInt64/64 }
