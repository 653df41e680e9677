package stdlib

import (
	"github.com/noxlang/nox/compiler/ir"
)

// mafParams are the arguments of MAF and IAF.
func mafParams() []Param {
	return []Param{
		{Name: "hidden", Type: Int, Variadic: true, Default: []float64{100}, Min: 1, Max: 1 << 16,
			Doc: "widths of the MADE network's hidden layers"},
		{Name: "dropout", Type: Float, Default: []float64{0}, Min: 0, Max: 1, MaxOpen: true,
			Doc: "drop probability of hidden units while training"},
		{Name: "residual", Type: Bool, Default: []float64{0},
			Doc: "residual connections between consecutive hidden layers of equal width"},
		{Name: "random_degrees", Type: Bool, Default: []float64{0},
			Doc: "draw the hidden units' MADE degrees at random (seeded) instead of sequentially"},
		{Name: "seed", Type: Int, Default: []float64{0}, Min: 0, Max: 1 << 31,
			Doc: "seed of the random degrees"},
		{Name: "bound", Type: Float, Default: []float64{10}, Min: 0, Max: 1e6,
			Doc: "bound on the log-scale: alpha = bound*tanh(alpha/bound); 0 leaves it unbounded. " +
				"The default keeps every scale within e^±10, so that no input, however far from the data, " +
				"overflows a stack of layers into NaN densities"},
	}
}

func init() {
	register(&Spec{
		Name:   "MAF",
		Kind:   Bijector,
		Params: mafParams(),
		MinDim: 1,
		Doc: "Masked autoregressive flow layer: z_i = (x_i - mu_i(x_<i)) * exp(-alpha_i(x_<i)), " +
			"with mu and alpha from one MADE network (ReLU hidden layers; sequential or random degrees; " +
			"optional residual connections; optional context concatenated to the first layer's input), " +
			"alpha optionally bounded as bound*tanh(alpha/bound). log-det = -sum alpha_i. " +
			"Forward (density) is one network pass; inverse (sampling) solves one dimension at a time, " +
			"D sequential steps that together cost about one pass.",
		Paper: "Papamakarios, Pavlakou & Murray 2017, Masked Autoregressive Flow for Density Estimation; " +
			"Germain et al. 2015, MADE",
		Context:      true,
		SolveBytes:   32 << 10,
		InverseLayer: "IAF",
		New:          func(cfg Config) Layer { return newMAF(cfg, false) },
	})
	register(&Spec{
		Name:   "IAF",
		Kind:   Bijector,
		Params: mafParams(),
		MinDim: 1,
		Doc: "Inverse autoregressive flow layer: the MAF map run the other way. Sampling is " +
			"x_i = z_i * exp(alpha_i(z_<i)) + mu_i(z_<i) (one MADE pass); the density direction solves " +
			"z_i = (x_i - mu_i(z_<i)) * exp(-alpha_i(z_<i)) one dimension at a time (D steps, about one pass in all), " +
			"log-det = -sum alpha_i(z). " +
			"Same network and options as MAF.",
		Paper: "Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling 2016, Improved Variational Inference " +
			"with Inverse Autoregressive Flow; Germain et al. 2015, MADE",
		Context:      true,
		SolveBytes:   32 << 10,
		InverseLayer: "MAF",
		New:          func(cfg Config) Layer { return newMAF(cfg, true) },
	})
}

// maf is a MADE-conditioned affine autoregressive layer: MAF, or with iaf
// set, IAF (the same map with forward and inverse exchanged).
type maf struct {
	dim   int
	name  string
	bound float64
	iaf   bool
	net   *madeNet
}

// mafOutScale initialises the output layer near zero, so that a new MAF
// is close to the identity and a flow starts near the Gaussian that
// standardization (whitening) already fits: training improves on that
// baseline instead of first undoing a random map.
const mafOutScale = 1e-3

func newMAF(cfg Config, iaf bool) Layer {
	args := cfg.Args
	m := &maf{dim: cfg.Dim, name: cfg.Name, bound: args.Float("bound"), iaf: iaf}
	m.net = newMADE(cfg, madeConfig{
		in:       cfg.Dim,
		k:        2,
		hidden:   args.Ints("hidden"),
		ctx:      cfg.ContextDim,
		residual: args.Float("residual") != 0,
		random:   args.Float("random_degrees") != 0,
		seed:     uint64(args.Int("seed")),
		stream:   uint64(cfg.Ordinal),
		dropout:  args.Float("dropout"),
		outScale: mafOutScale,
	})
	return m
}

// shiftLogScale emits mu and alpha ([B,D] each) from the autoregressive
// inputs u.
func (m *maf) shiftLogScale(b *ir.Builder, u ir.Value, mw *madeWeights, env *Env) (mu, alpha ir.Value) {
	out := m.net.apply(b, u, mw, env)
	return b.SliceCols(out, 0, m.dim), m.bounded(b, b.SliceCols(out, m.dim, 2*m.dim))
}

// bounded applies the soft bound on the log-scale alpha, if any.
func (m *maf) bounded(b *ir.Builder, alpha ir.Value) ir.Value {
	if m.bound > 0 {
		alpha = b.Scale(b.Tanh(b.Scale(alpha, 1/m.bound)), m.bound)
	}
	return alpha
}

// Forward maps x to z. MAF: one pass, z = (x - mu(x))·exp(-alpha(x)).
// IAF: the sequential solve z_i = (x_i - mu_i(z_<i))·exp(-alpha_i(z_<i)),
// one input at a time (madeNet.solve), log-det -sum alpha_i.
func (m *maf) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(m.name))
	mw := m.net.weights(b, env)
	if !m.iaf {
		mu, alpha := m.shiftLogScale(b, x, mw, env)
		z = b.Mul(b.Sub(x, mu), b.Exp(b.Neg(alpha)))
		return z, b.Neg(b.SumCols(alpha))
	}
	out := m.net.solve(b, mw, env, 2, x, func(i int, out ir.Value) (ir.Value, []ir.Value) {
		mu, alpha := b.SliceCols(out, 0, 1), m.bounded(b, b.SliceCols(out, 1, 2))
		zi := b.Mul(b.Sub(b.SliceCols(x, i, i+1), mu), b.Exp(b.Neg(alpha)))
		return zi, []ir.Value{zi, alpha}
	})
	return out[0], b.Neg(b.SumCols(out[1]))
}

// Inverse maps z to x. MAF: the sequential solve x_i = z_i·exp(alpha_i(x_<i))
// + mu_i(x_<i), one input at a time (madeNet.solve), about the cost of one
// network pass. IAF: one pass, x = z·exp(alpha(z)) + mu(z).
func (m *maf) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(m.name + "/inverse"))
	mw := m.net.weights(b, env)
	if m.iaf {
		mu, alpha := m.shiftLogScale(b, z, mw, env)
		return b.Add(b.Mul(z, b.Exp(alpha)), mu)
	}
	out := m.net.solve(b, mw, env, 2, z, func(i int, out ir.Value) (ir.Value, []ir.Value) {
		mu, alpha := b.SliceCols(out, 0, 1), m.bounded(b, b.SliceCols(out, 1, 2))
		xi := b.Add(b.Mul(b.SliceCols(z, i, i+1), b.Exp(alpha)), mu)
		return xi, []ir.Value{xi}
	})
	return out[0]
}
