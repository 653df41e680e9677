package stdlib

import (
	"fmt"
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	register(&Spec{
		Name: "MAF",
		Kind: Bijector,
		Params: []Param{
			{Name: "hidden", Type: Int, Variadic: true, Default: []float64{100}, Min: 1, Max: 1 << 16,
				Doc: "widths of the MADE network's hidden layers"},
			{Name: "dropout", Type: Float, Default: []float64{0}, Min: 0, Max: 1, MaxOpen: true,
				Doc: "drop probability of hidden units while training"},
		},
		MinDim: 1,
		Doc: "Masked autoregressive flow layer: z_i = (x_i - mu_i(x_<i)) * exp(-alpha_i(x_<i)), " +
			"with mu and alpha from one MADE network (sequential degrees, ReLU hidden layers). " +
			"Forward (density) is one network pass; inverse (sampling) is D sequential passes.",
		Paper: "Papamakarios, Pavlakou & Murray 2017, Masked Autoregressive Flow for Density Estimation; " +
			"Germain et al. 2015, MADE",
		New: newMAF,
	})
}

// maf is a MADE-conditioned affine autoregressive layer. Weights are stored
// [in,out] and multiplied by a constant 0/1 mask in every program, so the
// autoregressive property holds by construction whatever the optimizer does.
type maf struct {
	dim     int
	dropout float64
	name    string
	w, bias []int       // parameter indices, one per linear layer (hidden..., output)
	masks   [][]float64 // per linear layer, [in,out]
	shapes  []ir.Shape
}

// MADEDegrees returns the degrees of the input units and of each hidden
// layer, as in the MAF paper's code: inputs 1..D, hidden unit k has degree
// (k mod max(1, D-1)) + min(1, D-1).
func MADEDegrees(dim int, hidden []int) [][]int {
	in := make([]int, dim)
	for i := range in {
		in[i] = i + 1
	}
	degs := [][]int{in}
	for _, h := range hidden {
		d := make([]int, h)
		for k := range d {
			d[k] = k%max(1, dim-1) + min(1, dim-1)
		}
		degs = append(degs, d)
	}
	return degs
}

func newMAF(cfg Config) Layer {
	args, dim, name, table := cfg.Args, cfg.Dim, cfg.Name, cfg.Table
	hidden := args.Ints("hidden")
	m := &maf{dim: dim, dropout: args.Float("dropout"), name: name}
	degs := MADEDegrees(dim, hidden)
	sizes := append([]int{dim}, hidden...)
	for l := range hidden {
		din, dout := degs[l], degs[l+1]
		mask := make([]float64, len(din)*len(dout))
		for j, dj := range din {
			for k, dk := range dout {
				if dk >= dj {
					mask[j*len(dout)+k] = 1
				}
			}
		}
		m.addLinear(table, fmt.Sprintf("h%d", l), sizes[l], sizes[l+1], mask)
	}
	// Output layer: mu and alpha for each input i (degree i+1) see hidden
	// units of degree < i+1.
	last := degs[len(degs)-1]
	h := len(last)
	mask := make([]float64, h*2*dim)
	for k, dk := range last {
		for i := range dim {
			if i+1 > dk {
				mask[k*2*dim+i] = 1
				mask[k*2*dim+dim+i] = 1
			}
		}
	}
	m.addLinear(table, "out", h, 2*dim, mask)
	return m
}

// addLinear adds a masked linear layer initialised as PyTorch's nn.Linear:
// weights and biases uniform in ±1/sqrt(fan_in).
func (m *maf) addLinear(table *[]ir.Param, tag string, in, out int, mask []float64) {
	bound := 1 / math.Sqrt(float64(in))
	init := ir.Init{Kind: ir.InitUniform, Scale: bound}
	m.w = append(m.w, ir.AddParam(table, ir.Param{Name: m.name + "." + tag + ".w", Shape: ir.Shape{Rows: in, Cols: out}, Init: init}))
	m.bias = append(m.bias, ir.AddParam(table, ir.Param{Name: m.name + "." + tag + ".b", Shape: ir.Shape{Rows: 1, Cols: out}, Init: init}))
	m.masks = append(m.masks, mask)
	m.shapes = append(m.shapes, ir.Shape{Rows: in, Cols: out})
}

// weights emits the masked weight matrices and the biases.
func (m *maf) weights(b *ir.Builder) (ws, bs []ir.Value) {
	for l := range m.w {
		mask := b.Const(m.shapes[l], m.masks[l])
		ws = append(ws, b.Mul(b.Param(m.w[l]), mask))
		bs = append(bs, b.Param(m.bias[l]))
	}
	return ws, bs
}

// made emits the network: mu and alpha ([B,D] each) from x.
func (m *maf) made(b *ir.Builder, x ir.Value, ws, bs []ir.Value, env *Env) (mu, alpha ir.Value) {
	train := env.Mode == Train
	h := x
	last := len(ws) - 1
	for l := range last {
		h = b.Relu(b.Add(b.MatMul(h, ws[l], 0), bs[l]))
		if train && m.dropout > 0 {
			h = b.Mul(h, b.Dropout(b.Type(h), m.dropout))
		}
	}
	out := b.Add(b.MatMul(h, ws[last], 0), bs[last])
	return b.SliceCols(out, 0, m.dim), b.SliceCols(out, m.dim, 2*m.dim)
}

func (m *maf) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(m.name))
	ws, bs := m.weights(b)
	mu, alpha := m.made(b, x, ws, bs, env)
	z = b.Mul(b.Sub(x, mu), b.Exp(b.Neg(alpha)))
	return z, b.Neg(b.SumCols(alpha))
}

// Inverse runs D passes of x ← z·exp(alpha(x)) + mu(x), starting from
// x = z. Output i depends only on inputs < i, so after pass k the first k
// coordinates are exact and stay fixed: D passes give the exact inverse,
// not an approximation.
func (m *maf) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(m.name + "/inverse"))
	ws, bs := m.weights(b)
	x := z
	for range m.dim {
		mu, alpha := m.made(b, x, ws, bs, env)
		x = b.Add(b.Mul(z, b.Exp(alpha)), mu)
	}
	return x
}
