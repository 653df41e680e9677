package compiler

import (
	"fmt"
	"math"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

// Stage is one checked element of a flow pipeline.
type Stage struct {
	Spec *stdlib.Spec
	Args stdlib.Args
	// Name labels the stage's parameters and IR ("maf1", "reverse2").
	Name string
}

// Standardize is the fixed affine map (x - Mean) / Std applied before the
// first stage; it is part of the model, so densities and samples are in the
// data's original units.
type Standardize struct {
	Mean, Std []float64
}

// Model is a flow lowered to IR: one parameter table and the programs over
// it.
type Model struct {
	Name   string
	Dim    int
	Params []ir.Param
	// Forward maps input "x" to outputs "z" and "logdet" (log|det ∂z/∂x|).
	Forward *ir.Program
	// Inverse maps input "z" to output "x".
	Inverse *ir.Program
	// LogProb maps "x" to "logp" ([B,1]), in evaluation mode.
	LogProb *ir.Program
	// Loss maps "x" to "loss", the mean negative log-likelihood of the
	// batch ([1,1]), in training mode (dropout on).
	Loss *ir.Program
	// Grad is Loss with the gradient of "loss" for every parameter.
	Grad *ir.Program
	// Sample draws from the prior and maps to "x".
	Sample *ir.Program
}

// Lower builds the programs of a flow over dim dimensions. stages ends with
// a prior. std may be nil.
func Lower(name string, stages []Stage, dim int, std *Standardize) (*Model, error) {
	if len(stages) == 0 || stages[len(stages)-1].Spec.Kind != stdlib.Prior {
		return nil, fmt.Errorf("flow %s does not end with a prior", name)
	}
	var table []ir.Param
	var flows []stdlib.Flow
	for _, s := range stages[:len(stages)-1] {
		f, ok := s.Spec.New(s.Args, dim, s.Name, &table).(stdlib.Flow)
		if !ok {
			return nil, fmt.Errorf("%s is not a bijector", s.Spec.Name)
		}
		flows = append(flows, f)
	}
	last := stages[len(stages)-1]
	prior, ok := last.Spec.New(last.Args, dim, last.Name, &table).(stdlib.Density)
	if !ok {
		return nil, fmt.Errorf("%s is not a prior", last.Spec.Name)
	}
	m := &Model{Name: name, Dim: dim, Params: table}
	l := lowering{flows: flows, prior: prior, dim: dim, std: std, table: &table}

	m.Forward = l.forwardProgram()
	m.LogProb = l.logProbProgram("logprob", false)
	m.Loss = l.logProbProgram("loss", true)
	m.Inverse = l.inverseProgram()
	m.Sample = l.sampleProgram()
	g, err := ad.Grad(m.Loss, "loss")
	if err != nil {
		return nil, err
	}
	m.Grad = g
	return m, nil
}

type lowering struct {
	flows []stdlib.Flow
	prior stdlib.Density
	dim   int
	std   *Standardize
	table *[]ir.Param
}

// forward emits the stages from x; it returns z, the summed per-row
// log-det (ir.None if every stage preserves volume) and a constant log-det
// term.
func (l *lowering) forward(b *ir.Builder, x ir.Value, train bool) (z, logdet ir.Value, c float64) {
	h := x
	if l.std != nil {
		b.SetNote("standardize")
		mean, inv := make([]float64, l.dim), make([]float64, l.dim)
		for j := range inv {
			mean[j] = l.std.Mean[j]
			inv[j] = 1 / l.std.Std[j]
			c -= math.Log(l.std.Std[j])
		}
		row := ir.Shape{Rows: 1, Cols: l.dim}
		h = b.Mul(b.Sub(h, b.Const(row, mean)), b.Const(row, inv))
	}
	logdet = ir.None
	for _, f := range l.flows {
		var ld ir.Value
		h, ld = f.Forward(b, h, train)
		if ld == ir.None {
			continue
		}
		if logdet == ir.None {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	return h, logdet, c
}

func (l *lowering) forwardProgram() *ir.Program {
	b := ir.NewBuilder("forward", l.table)
	x := b.Input("x", l.dim)
	z, ld, c := l.forward(b, x, false)
	b.SetNote("logdet")
	if ld == ir.None {
		ld = b.Scale(b.SumCols(b.Sub(x, x)), 0)
	}
	if c != 0 {
		ld = b.AddConst(ld, c)
	}
	b.Output("z", z)
	b.Output("logdet", ld)
	return b.Program()
}

func (l *lowering) logProbProgram(name string, train bool) *ir.Program {
	b := ir.NewBuilder(name, l.table)
	x := b.Input("x", l.dim)
	z, ld, c := l.forward(b, x, train)
	lp := l.prior.LogProb(b, z)
	b.SetNote("logp")
	if ld != ir.None {
		lp = b.Add(lp, ld)
	}
	if c != 0 {
		lp = b.AddConst(lp, c)
	}
	if !train {
		b.Output("logp", lp)
		return b.Program()
	}
	b.SetNote("loss")
	b.Output("loss", b.Neg(b.MeanRows(lp)))
	return b.Program()
}

func (l *lowering) inverse(b *ir.Builder, z ir.Value) ir.Value {
	h := z
	for i := len(l.flows) - 1; i >= 0; i-- {
		h = l.flows[i].Inverse(b, h)
	}
	if l.std != nil {
		b.SetNote("standardize/inverse")
		row := ir.Shape{Rows: 1, Cols: l.dim}
		h = b.Add(b.Mul(h, b.Const(row, l.std.Std)), b.Const(row, l.std.Mean))
	}
	return h
}

func (l *lowering) inverseProgram() *ir.Program {
	b := ir.NewBuilder("inverse", l.table)
	z := b.Input("z", l.dim)
	b.Output("x", l.inverse(b, z))
	return b.Program()
}

func (l *lowering) sampleProgram() *ir.Program {
	b := ir.NewBuilder("sample", l.table)
	z := l.prior.Sample(b)
	b.Output("x", l.inverse(b, z))
	return b.Program()
}
