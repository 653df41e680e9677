package stdlib

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	hidden := Param{Name: "hidden", Type: Int, Variadic: true, Default: []float64{64, 64}, Min: 1, Max: 1 << 16,
		Doc: "widths of the conditioner network's hidden layers"}
	register(&Spec{
		Name: "AffineCoupling",
		Kind: Bijector,
		Params: []Param{hidden,
			{Name: "bound", Type: Float, Default: []float64{5}, Min: 0, MinOpen: true, Max: 1e6,
				Doc: "bound on the log-scale: s = bound*tanh(raw/bound)"},
		},
		MinDim:  2,
		Context: true,
		Doc: "RealNVP affine coupling: one half of the dimensions passes unchanged and conditions an MLP " +
			"that gives a shift t and log-scale s for the other half, z_b = x_b*exp(s) + t. " +
			"Successive couplings alternate the halves. Both directions are one network pass.",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017, Density estimation using Real NVP",
		New:   func(cfg Config) Layer { return newCoupling(cfg, true) },
	})
	register(&Spec{
		Name:    "AdditiveCoupling",
		Kind:    Bijector,
		Params:  []Param{hidden},
		MinDim:  2,
		Context: true,
		Doc: "NICE additive coupling: z_b = x_b + t(x_a), volume-preserving. " +
			"Successive couplings alternate the halves. Both directions are one network pass.",
		Paper: "Dinh, Krueger & Bengio 2015, NICE: Non-linear Independent Components Estimation",
		New:   func(cfg Config) Layer { return newCoupling(cfg, false) },
	})
	register(&Spec{
		Name: "Permute",
		Kind: Bijector,
		Params: []Param{
			{Name: "seed", Type: Int, Default: []float64{0}, Min: 0, Max: 1 << 31,
				Doc: "seed of the permutation"},
		},
		MinDim: 1,
		Doc: "A fixed random permutation of the dimensions, drawn from the seed and the stage's position " +
			"among the flow's Permute stages. Volume-preserving; both directions are one gather.",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017; Kingma & Dhariwal 2018 (Glow, shuffle)",
		New: func(cfg Config) Layer {
			rng := rand.New(rand.NewPCG(uint64(cfg.Args.Int("seed")), 0x7065726d+uint64(cfg.Ordinal)))
			perm := make([]int, cfg.Dim)
			for i := range perm {
				perm[i] = i
			}
			// Fisher–Yates, written out so the permutation never changes
			// with the standard library's shuffling algorithm.
			for i := len(perm) - 1; i > 0; i-- {
				j := int(rng.Uint64N(uint64(i + 1)))
				perm[i], perm[j] = perm[j], perm[i]
			}
			return &permute{perm: perm, name: cfg.Name}
		},
	})
}

// coupling is an affine (RealNVP) or additive (NICE) coupling layer. The
// dimensions [0, split) are one half and [split, dim) the other; flip
// says which half is transformed: the second (flip false) or the first.
type coupling struct {
	name   string
	dim    int
	split  int
	flip   bool
	affine bool
	bound  float64
	net    mlp
}

func newCoupling(cfg Config, affine bool) Layer {
	c := &coupling{name: cfg.Name, dim: cfg.Dim, split: cfg.Dim / 2, flip: cfg.Ordinal%2 == 1, affine: affine}
	if affine {
		c.bound = cfg.Args.Float("bound")
	}
	nb := c.transformed()
	out := nb
	if affine {
		out = 2 * nb
	}
	c.net = newMLP(cfg, c.dim-nb+cfg.ContextDim, cfg.Args.Ints("hidden"), out)
	return c
}

// halves returns the column ranges of the conditioning half a and the
// transformed half b.
func (c *coupling) halves() (a, b [2]int) {
	if c.flip {
		return [2]int{c.split, c.dim}, [2]int{0, c.split}
	}
	return [2]int{0, c.split}, [2]int{c.split, c.dim}
}

func (c *coupling) transformed() int {
	_, b := c.halves()
	return b[1] - b[0]
}

// params emits the conditioner's outputs for the conditioning half xa: the
// shift t and (affine) the bounded log-scale s.
func (c *coupling) params(b *ir.Builder, xa ir.Value, env *Env) (t, s ir.Value) {
	in := xa
	if env.Context != ir.None {
		in = b.ConcatCols(xa, env.Context)
	}
	out := c.net.apply(b, in)
	nb := c.transformed()
	if !c.affine {
		return out, ir.None
	}
	t = b.SliceCols(out, 0, nb)
	raw := b.SliceCols(out, nb, 2*nb)
	s = b.Scale(b.Tanh(b.Scale(raw, 1/c.bound)), c.bound)
	return t, s
}

// join places the two halves back in their columns.
func (c *coupling) join(b *ir.Builder, xa, zb ir.Value) ir.Value {
	ra, rb := c.halves()
	return b.Add(b.PadCols(xa, ra[0], c.dim), b.PadCols(zb, rb[0], c.dim))
}

func (c *coupling) Forward(b *ir.Builder, x ir.Value, env *Env) (ir.Value, ir.Value) {
	defer b.SetNote(b.SetNote(c.name))
	ra, rb := c.halves()
	xa, xb := b.SliceCols(x, ra[0], ra[1]), b.SliceCols(x, rb[0], rb[1])
	t, s := c.params(b, xa, env)
	if !c.affine {
		return c.join(b, xa, b.Add(xb, t)), ir.None
	}
	zb := b.Add(b.Mul(xb, b.Exp(s)), t)
	return c.join(b, xa, zb), b.SumCols(s)
}

func (c *coupling) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	ra, rb := c.halves()
	za, zb := b.SliceCols(z, ra[0], ra[1]), b.SliceCols(z, rb[0], rb[1])
	t, s := c.params(b, za, env)
	if !c.affine {
		return c.join(b, za, b.Sub(zb, t))
	}
	return c.join(b, za, b.Mul(b.Sub(zb, t), b.Exp(b.Neg(s))))
}

// mlp is a fully connected ReLU network whose output layer starts at
// zero, so that a conditioner initially outputs 0 and its layer is the
// identity.
type mlp struct {
	w, bias []int
}

func newMLP(cfg Config, in int, hidden []int, out int) mlp {
	var n mlp
	sizes := append(append([]int{in}, hidden...), out)
	for l := 0; l+1 < len(sizes); l++ {
		init := ir.Init{Kind: ir.InitUniform, Scale: 1 / math.Sqrt(float64(sizes[l]))}
		binit := init
		if l+2 == len(sizes) {
			init, binit = ir.Init{Kind: ir.InitZero}, ir.Init{Kind: ir.InitZero}
		}
		tag := fmt.Sprintf("h%d", l)
		if l+2 == len(sizes) {
			tag = "out"
		}
		n.w = append(n.w, cfg.Param(tag+".w", ir.Shape{Rows: sizes[l], Cols: sizes[l+1]}, init))
		n.bias = append(n.bias, cfg.Param(tag+".b", ir.Shape{Rows: 1, Cols: sizes[l+1]}, binit))
	}
	return n
}

func (n mlp) apply(b *ir.Builder, x ir.Value) ir.Value {
	h := x
	for l := range n.w {
		h = b.Add(b.MatMul(h, b.Param(n.w[l]), 0), b.Param(n.bias[l]))
		if l+1 < len(n.w) {
			h = b.Relu(h)
		}
	}
	return h
}
