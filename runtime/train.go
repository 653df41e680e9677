package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Adam holds the optimizer's settings. The zero value is not useful; see
// DefaultAdam.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
}

// DefaultAdam returns Adam with β = (0.9, 0.999), ε = 1e-8 and the given
// learning rate.
func DefaultAdam(lr float64) Adam { return Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Trainer runs minibatch steps of a gradient program: each step draws a
// batch of rows uniformly with replacement, runs the program and applies
// Adam. A step allocates nothing.
type Trainer struct {
	exec   *Exec
	params *Params
	grads  [][]float64 // per parameter, aliases the program's outputs
	loss   []float64
	input  []float64
	data   []float64 // training rows, row-major
	dim    int
	rows   int
	opt    Adam
	m, v   []float64
	t      int
	b1t    float64 // β1^t
	b2t    float64 // β2^t
	rng    *rand.Rand
}

// NewTrainer prepares training of params by the gradient program g (built
// by ad.Grad from a program with input "x" and output "loss") on the rows
// of data (rows×dim, row-major). rng draws the minibatches and the
// program's random ops.
func NewTrainer(g *ir.Program, params *Params, data []float64, dim, batch int, opt Adam, rng *rand.Rand) (*Trainer, error) {
	if len(data) == 0 || len(data)%dim != 0 {
		return nil, fmt.Errorf("runtime: %d values is not a whole number of %d-column rows", len(data), dim)
	}
	e := New(g, params, batch, rng)
	t := &Trainer{
		exec: e, params: params, data: data, dim: dim, rows: len(data) / dim, opt: opt,
		loss: e.Output("loss"), input: e.Input(0),
		m: make([]float64, len(params.Data)), v: make([]float64, len(params.Data)),
		b1t: 1, b2t: 1, rng: rng,
	}
	for _, p := range params.Table {
		v := g.Output(ir.GradPrefix + p.Name)
		if v == ir.None {
			return nil, fmt.Errorf("runtime: program %s has no gradient for %s", g.Name, p.Name)
		}
		t.grads = append(t.grads, e.Value(v))
	}
	return t, nil
}

// Step runs one training step and returns the batch loss before the update.
// A non-finite loss is returned without updating the parameters.
func (t *Trainer) Step() float64 {
	b, d := t.exec.Batch, t.dim
	for i := range b {
		r := t.rng.IntN(t.rows)
		copy(t.input[i*d:(i+1)*d], t.data[r*d:(r+1)*d])
	}
	t.exec.Run()
	loss := t.loss[0]
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss
	}
	t.adam()
	return loss
}

func (t *Trainer) adam() {
	o := t.opt
	t.t++
	t.b1t *= o.Beta1
	t.b2t *= o.Beta2
	step := o.LR / (1 - t.b1t)
	bc2 := 1 / math.Sqrt(1-t.b2t)
	off := 0
	for i, g := range t.grads {
		p := t.params.Views[i]
		m := t.m[off : off+len(p)]
		v := t.v[off : off+len(p)]
		g = g[:len(p)]
		for j := range p {
			gj := g[j]
			m[j] = o.Beta1*m[j] + (1-o.Beta1)*gj
			v[j] = o.Beta2*v[j] + (1-o.Beta2)*gj*gj
			p[j] -= step * m[j] / (math.Sqrt(v[j])*bc2 + o.Eps)
		}
		off += len(p)
	}
}
