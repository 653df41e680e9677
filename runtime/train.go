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
// Adam. The batch is split into Shards(batch) parts run concurrently, each
// by its own Exec over the shared parameters; their gradients are combined
// in a fixed order, so results do not depend on the number of cores. A
// step allocates nothing.
type Trainer struct {
	shards []*shard
	team   *team
	params *Params
	grad   []float64 // combined gradient, laid out like params.Data
	data   []float64 // training rows, row-major
	dim    int
	rows   int
	batch  int
	opt    Adam
	m, v   []float64
	t      int
	b1t    float64 // β1^t
	b2t    float64 // β2^t
	rng    *rand.Rand
}

// shard is one part of a batch with its own planned program.
type shard struct {
	exec   *Exec
	input  []float64
	loss   []float64
	grads  [][]float64 // per parameter, aliases the program's outputs
	rows   int
	weight float64 // rows / batch
}

// NewTrainer prepares training of params by the gradient program g (built
// by ad.Grad from a program with input "x" and output "loss", the mean over
// the batch) on the rows of data (rows×dim, row-major). rng draws the
// minibatches and seeds the program's random ops. Close releases the
// trainer's goroutines.
func NewTrainer(g *ir.Program, params *Params, data []float64, dim, batch int, opt Adam, rng *rand.Rand) (*Trainer, error) {
	if dim < 1 || len(data) == 0 || len(data)%dim != 0 {
		return nil, fmt.Errorf("runtime: %d values is not a whole number of %d-column rows", len(data), dim)
	}
	t := &Trainer{
		params: params, data: data, dim: dim, rows: len(data) / dim, batch: batch, opt: opt,
		grad: make([]float64, len(params.Data)),
		m:    make([]float64, len(params.Data)), v: make([]float64, len(params.Data)),
		b1t: 1, b2t: 1, rng: rng,
	}
	for _, n := range shardSizes(batch, Shards(batch)) {
		e := New(g, params, n, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
		s := &shard{exec: e, input: e.Input(0), loss: e.Output("loss"), rows: n, weight: float64(n) / float64(batch)}
		for _, p := range params.Table {
			v := g.Output(ir.GradPrefix + p.Name)
			if v == ir.None {
				return nil, fmt.Errorf("runtime: program %s has no gradient for %s", g.Name, p.Name)
			}
			s.grads = append(s.grads, e.Value(v))
		}
		t.shards = append(t.shards, s)
	}
	t.team = newTeam(len(t.shards), func(i int) { t.shards[i].exec.Run() })
	return t, nil
}

// Close stops the trainer's helper goroutines.
func (t *Trainer) Close() { t.team.close() }

// Step runs one training step and returns the batch loss before the update.
// A non-finite loss is returned without updating the parameters.
func (t *Trainer) Step() float64 {
	d := t.dim
	for _, s := range t.shards {
		for i := range s.rows {
			r := t.rng.IntN(t.rows)
			copy(s.input[i*d:(i+1)*d], t.data[r*d:(r+1)*d])
		}
	}
	t.team.run()
	loss := 0.0
	for _, s := range t.shards {
		loss += s.weight * s.loss[0]
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss
	}
	t.combine()
	t.adam()
	return loss
}

// combine averages the shards' gradients, weighted by their rows, into
// t.grad.
func (t *Trainer) combine() {
	off := 0
	for i, p := range t.params.Views {
		dst := t.grad[off : off+len(p)]
		if len(t.shards) == 1 {
			copy(dst, t.shards[0].grads[i])
		} else {
			w0, g0 := t.shards[0].weight, t.shards[0].grads[i][:len(dst)]
			for j := range dst {
				dst[j] = w0 * g0[j]
			}
			for _, s := range t.shards[1:] {
				w, g := s.weight, s.grads[i][:len(dst)]
				for j := range dst {
					dst[j] += w * g[j]
				}
			}
		}
		off += len(p)
	}
}

func (t *Trainer) adam() {
	o := t.opt
	t.t++
	t.b1t *= o.Beta1
	t.b2t *= o.Beta2
	step := o.LR / (1 - t.b1t)
	bc2 := 1 / math.Sqrt(1-t.b2t)
	p, g, m, v := t.params.Data, t.grad[:len(t.params.Data)], t.m[:len(t.params.Data)], t.v[:len(t.params.Data)]
	for j := range p {
		gj := g[j]
		m[j] = o.Beta1*m[j] + (1-o.Beta1)*gj
		v[j] = o.Beta2*v[j] + (1-o.Beta2)*gj*gj
		p[j] -= step * m[j] / (math.Sqrt(v[j])*bc2 + o.Eps)
	}
}
