package compiler

import (
	"fmt"
	"reflect"
	goruntime "runtime"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
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
	// Learned is the part of Params that training learns (what `noxc
	// info` and a train event call the flow's parameters).
	Learned int64
	// Tensors is the number of parameter tensors (each adds instructions
	// to every program).
	Tensors int
	// Solve is the bytes the stages' one-dimension-at-a-time solves add
	// to the programs (stdlib.Spec.SolveBytes per dimension).
	Solve int64
	// Width estimates the float64 values one row creates in one pass of
	// the density program: every stage's output and every hidden layer's.
	Width int64
}

// FlowCost adds up the cost of a flow over dim dimensions. A stage given
// fewer columns than its layer accepts (Spec.MinDim) is an error, as in
// the checker: FlowCost is the first to see the flow a model file states,
// and Lower cannot build such a stage. Each distinct stage is built once:
// the copies repeat makes share their arguments, so repeat(1000, MAF(…))
// costs one MAF, however wide its network (a layer's shapes depend on its
// arguments, its input's width and, for couplings, the parity of its
// ordinal; never on anything else).
func FlowCost(name string, stages []Stage, dim int, opt Options) (Cost, error) {
	if len(stages) == 0 || stages[len(stages)-1].Spec.Kind != stdlib.Prior {
		return Cost{}, fmt.Errorf("flow %s does not end with a prior", name)
	}
	type key struct {
		spec             *stdlib.Spec
		args             uintptr
		dim, ctx, parity int
		angles           string
	}
	memo := map[key]Cost{}
	ordinal := map[string]int{}
	c := Cost{Stages: len(stages)}
	cur := dim
	angles := opt.Angles // followed through reorderings, as build does
	for _, s := range stages[:len(stages)-1] {
		if cur < s.Spec.MinDim {
			return Cost{}, fmt.Errorf("flow %s: %s needs at least %s, got %d", name, s.Spec.Name, plural(s.Spec.MinDim, "dimension"), cur)
		}
		ord := ordinal[s.Spec.Name]
		ordinal[s.Spec.Name]++
		switch s.Spec.Kind {
		case stdlib.Split:
			keep := s.Args.Int("keep")
			if keep < 1 || keep >= cur {
				return Cost{}, fmt.Errorf("%s keeps %d of %s", s.Name, keep, plural(cur, "dimension"))
			}
			c.Width += 4 * int64(cur)
			cur = keep
		case stdlib.Bijector:
			cfg := stdlib.Config{Args: s.Args, Dim: cur, Name: s.Name, Ordinal: ord, Angles: angles}
			if s.Spec.Context {
				cfg.ContextDim = opt.ContextDim
			}
			k := key{s.Spec, reflect.ValueOf(s.Args).Pointer(), cur, cfg.ContextDim, ord % 2, fmt.Sprint(angles)}
			sc, ok := memo[k]
			if !ok || len(angles) > 0 {
				var table []ir.Param
				cfg.Table = &table
				f, ok := s.Spec.New(cfg).(stdlib.Flow)
				if !ok {
					return Cost{}, fmt.Errorf("%s is not a bijector", s.Spec.Name)
				}
				if perm, ok := stdlib.Reordering(f); ok && len(angles) > 0 {
					angles = reorderAngles(angles, perm)
				}
				sc = tableCost(table)
				sc.Width += 4 * int64(cur) // the stage's output, its log-det terms, their adjoints
				sc.Solve = int64(s.Spec.SolveBytes) * int64(cur)
				if f := s.Spec.CostScale; f != nil {
					w, so := f(s.Args, cur)
					sc.Width, sc.Solve = int64(float64(sc.Width)*w), int64(float64(sc.Solve)*so)
				}
				memo[k] = sc
			}
			c.Params, c.Learned, c.Tensors, c.Width, c.Solve = c.Params+sc.Params, c.Learned+sc.Learned, c.Tensors+sc.Tensors, c.Width+sc.Width, c.Solve+sc.Solve
		default:
			return Cost{}, fmt.Errorf("%s cannot be a stage of a flow", s.Spec.Name)
		}
	}
	// The prior, the defensive fit and the standardization, as build
	// makes them.
	l, err := build(name, stages[len(stages)-1:], dim, opt)
	if err != nil {
		return Cost{}, err
	}
	tc := tableCost(*l.table)
	c.Params, c.Learned, c.Tensors, c.Width = c.Params+tc.Params, c.Learned+tc.Learned, c.Tensors+tc.Tensors, c.Width+tc.Width
	c.Width += 4 * int64(dim+opt.ContextDim)
	return c, nil
}

// tableCost adds up a parameter table: its scalars, its tensors, and the
// values per row its matrices make (a matrix [in, out] applied to a row
// makes out values, and the bias and activation after it as many again).
func tableCost(table []ir.Param) Cost {
	var c Cost
	for _, p := range table {
		c.Params += int64(p.Shape.Rows) * int64(p.Shape.Cols)
		if !p.State {
			c.Learned += int64(p.Shape.Rows) * int64(p.Shape.Cols)
		}
		c.Tensors++
		if p.Shape.Rows > 1 {
			c.Width += 3 * int64(p.Shape.Cols)
		}
	}
	return c
}

// TrainMemory estimates the bytes training a flow of cost c needs: the
// process itself; the parameters with their gradients (one copy per
// thread), Adam's two moments, the best parameters kept, float32 and
// masked copies; the batch's activations and their adjoints; the
// training rows (of width cols) with the split's copy; and the programs
// (ProgramBytes). Measured against the peak resident size of `noxc run`
// on flows from one MAF(8) to 10⁴ stages and 8·10⁶ parameters, and on
// MAF and SplineAR over 5,000 to 20,000 columns, it is between 0.6× and
// 3× the actual: it is there to refuse what cannot fit, not to plan.
func TrainMemory(c Cost, rows, cols, batch, threads int) float64 {
	p := float64(c.Params) * 8 * float64(8+max(threads, 1))
	act := float64(min(batch, max(rows, 1))) * float64(c.Width) * 8 * 2
	data := float64(rows) * float64(cols) * 8 * 2
	return p + act + data + c.ProgramBytes()
}

// ProgramBytes estimates the memory of a model's programs and of the
// process around them: instructions grow with the stages, the parameter
// tensors and, for autoregressive layers, the dimensions they solve one
// at a time (on 20,000 columns a single SplineAR's programs take 10 GB).
func (c Cost) ProgramBytes() float64 {
	const base, stageBytes, tensorBytes = 32 << 20, 16 << 10, 32 << 10
	return base + float64(c.Stages)*stageBytes + float64(c.Tensors)*tensorBytes + float64(c.Solve)
}

// trainFits reports whether training flow on a table of rows × (cols +
// ctx) with options o stays within the limits, and if not reports why at
// the train statement's flow.
func (c *checker) trainFits(t *lang.Train, flow *Flow, rows, cols, ctx int, o TrainOptions) bool {
	opt := o.ModelOptions(ctx)
	opt.Angles = flow.Angles
	if s := flow.Saved; s != nil {
		opt = s.Options
	}
	if err := TrainFits(flow.Name, flow.StageList(), cols, rows, opt, o.Batch, c.limits); err != nil {
		c.errorf(t.Flow.Pos, t.Flow.EndPos, "train: %v", err)
		return false
	}
	return true
}

// TrainFits returns an error that says why training a flow on rows of
// dim columns (and opt.ContextDim context columns) in batches of batch
// would exceed lim: its parameters, or the memory it is estimated to
// need (TrainMemory); nil if it fits. Nothing of the flow's size is
// allocated.
func TrainFits(name string, stages []Stage, dim, rows int, opt Options, batch int, lim Limits) error {
	lim = lim.WithDefaults()
	if len(stages) > lim.MaxStages {
		return fmt.Errorf("flow %s has %d stages; the limit is %d", name, len(stages), lim.MaxStages)
	}
	cost, err := FlowCost(name, stages, dim, opt)
	if err != nil {
		return err
	}
	if cost.Params > lim.MaxParams {
		return fmt.Errorf("flow %s has %s parameters (%s as float64) on %s; the limit is %s parameters",
			name, count(float64(cost.Params)), dataset.FormatBytes(8*float64(cost.Params)), plural(dim, "column"), count(float64(lim.MaxParams)))
	}
	mem := TrainMemory(cost, rows, dim+opt.ContextDim, batch, goruntime.GOMAXPROCS(0))
	if mem > float64(lim.MaxMemory) {
		return fmt.Errorf("training flow %s needs an estimated %s of memory (%s parameters, batch %d × %s values per row, %s); the limit is %s (set it with -max-memory)",
			name, dataset.FormatBytes(mem), count(float64(cost.Params)), min(batch, rows), count(float64(cost.Width)), plural(cost.Stages, "stage"), dataset.FormatBytes(float64(lim.MaxMemory)))
	}
	return nil
}

// count renders a large count for a message: 4096, 1.2e+08.
func count(n float64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f", n)
	}
	return fmt.Sprintf("%.3g", n)
}
