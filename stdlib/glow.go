package stdlib

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Normalisation and linear mixing layers of Glow and Real NVP: ActNorm,
// LULinear and BatchNorm. Each is an elementwise or linear affine map whose
// log-det does not depend on the row, so it is computed once as a [1,1]
// value and repeated down the batch.

func init() {
	register(&Spec{
		Name:   "ActNorm",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Activation normalisation: z = (x - loc) * exp(-logs), per dimension, with learned loc and logs " +
			"initialised from one training minibatch so that z has mean 0 and standard deviation 1 per column " +
			"(logs = log sqrt(var + 1e-6)). Log-det -sum(logs), the same for every row. " +
			"Forward (density) and inverse (sampling) are O(B*D).",
		Paper:         "Kingma & Dhariwal 2018, Glow: Generative Flow with Invertible 1x1 Convolutions",
		NotInvertible: "its data-dependent initialisation fits its forward direction; use Affine",
		New: func(cfg Config) Layer {
			row := ir.Shape{Rows: 1, Cols: cfg.Dim}
			return &actNorm{
				name: cfg.Name,
				loc:  cfg.Param("loc", row, ir.Init{Kind: ir.InitZero}),
				logs: cfg.Param("logs", row, ir.Init{Kind: ir.InitZero}),
			}
		},
	})
	register(&Spec{
		Name:   "LULinear",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Invertible linear layer in LU form: z = x*W + bias with W = P*L*U (row vectors), P a fixed random " +
			"permutation chosen by the layer's position in the flow, L unit lower triangular (learned strictly " +
			"lower part), U upper triangular with diagonal exp(logs). Initialised at W = P. Log-det sum(logs), the " +
			"same for every row. Forward (density) is two B*D*D products, O(B*D^2); inverse (sampling) is two " +
			"triangular solves and the inverse permutation, O(B*D^2).",
		Paper: "Kingma & Dhariwal 2018, Glow: Generative Flow with Invertible 1x1 Convolutions (LU-decomposed " +
			"weights); Durkan et al. 2019, Neural Spline Flows (nflows LULinear)",
		New: newLULinear,
	})
	register(&Spec{
		Name: "BatchNorm",
		Kind: Bijector,
		Params: []Param{
			{Name: "momentum", Type: Float, Default: []float64{0.1}, Min: 0, Max: 1,
				Doc: "weight of the batch statistics in each update of the running mean and variance"},
			{Name: "eps", Type: Float, Default: []float64{1e-5}, Min: 0, MinOpen: true, Max: 1,
				Doc: "added to the variance before its square root"},
		},
		MinDim: 1,
		Doc: "Batch normalisation as a flow layer: z = (x - mean) / sqrt(var + eps) * exp(gamma) + beta, with learned " +
			"log-scale gamma and shift beta (initially 0). Training uses the batch mean and (biased) variance and " +
			"moves running statistics toward them by momentum; densities and sampling use the running statistics, " +
			"a fixed affine map. Log-det sum(gamma - log(var + eps)/2), the same for every row. " +
			"Forward (density) and inverse (sampling) are O(B*D).",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017, Density estimation using Real NVP; Papamakarios, Pavlakou & " +
			"Murray 2017, Masked Autoregressive Flow for Density Estimation; Ioffe & Szegedy 2015, Batch Normalization",
		NotInvertible: "it normalises by batch statistics while training, which its inverse cannot undo",
		New: func(cfg Config) Layer {
			row := ir.Shape{Rows: 1, Cols: cfg.Dim}
			return &batchNorm{
				name:     cfg.Name,
				momentum: cfg.Args.Float("momentum"),
				eps:      cfg.Args.Float("eps"),
				gamma:    cfg.Param("gamma", row, ir.Init{Kind: ir.InitZero}),
				beta:     cfg.Param("beta", row, ir.Init{Kind: ir.InitZero}),
				mean:     cfg.State("mean", row, ir.Init{Kind: ir.InitZero}),
				vari:     cfg.State("var", row, ir.Init{Kind: ir.InitConst, Scale: 1}),
			}
		},
	})
}

// rowLogDet repeats a [1,1] log-det down the rows of x: [B,1].
func rowLogDet(b *ir.Builder, ld, x ir.Value) ir.Value {
	return b.BroadcastRows(ld, ir.Shape{Rows: b.Type(x).Rows, Cols: 1}, false)
}

// batchMoments emits the mean and the biased variance of each column of x
// ([1,D] each).
func batchMoments(b *ir.Builder, x ir.Value) (mean, variance ir.Value) {
	mean = b.MeanRows(x)
	c := b.Sub(x, mean)
	return mean, b.MeanRows(b.Mul(c, c))
}

// actNormEps is added to the batch variance in ActNorm's initialisation,
// so a constant column gets a finite scale.
const actNormEps = 1e-6

// actNorm is z = (x - loc) * exp(-logs).
type actNorm struct {
	name      string
	loc, logs int
}

func (a *actNorm) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(a.name))
	var loc, logs ir.Value
	if env.Mode == Init {
		// Data-dependent initialisation: the batch's mean and standard
		// deviation become loc and exp(logs), and this pass already uses
		// them, so the layers after it initialise on normalised input.
		var variance ir.Value
		loc, variance = batchMoments(b, x)
		logs = b.Scale(b.Log(b.AddConst(variance, actNormEps)), 0.5)
		env.InitParam(b, a.loc, loc)
		env.InitParam(b, a.logs, logs)
	} else {
		loc, logs = b.Param(a.loc), b.Param(a.logs)
	}
	z = b.Mul(b.Sub(x, loc), b.Exp(b.Neg(logs)))
	return z, rowLogDet(b, b.Neg(b.SumCols(logs)), x)
}

func (a *actNorm) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(a.name + "/inverse"))
	return b.Add(b.Mul(z, b.Exp(b.Param(a.logs))), b.Param(a.loc))
}

// luLinear is z = x·P·L·U + bias. The strictly triangular parts of L and U
// are full [D,D] parameters multiplied by constant 0/1 masks (ir.OpMask)
// in every program, so the entries outside the triangle never matter.
type luLinear struct {
	name                     string
	dim                      int
	perm, inv                []int
	lower, upper, logs, bias int
}

func newLULinear(cfg Config) Layer {
	d := cfg.Dim
	sq := ir.Shape{Rows: d, Cols: d}
	row := ir.Shape{Rows: 1, Cols: d}
	l := &luLinear{
		name:  cfg.Name,
		dim:   d,
		perm:  luPermutation(d, cfg.Ordinal),
		lower: cfg.Param("lower", sq, ir.Init{Kind: ir.InitZero}),
		upper: cfg.Param("upper", sq, ir.Init{Kind: ir.InitZero}),
		logs:  cfg.Param("logs", row, ir.Init{Kind: ir.InitZero}),
		bias:  cfg.Param("bias", row, ir.Init{Kind: ir.InitZero}),
	}
	l.inv = make([]int, d)
	for j, k := range l.perm {
		l.inv[k] = j
	}
	return l
}

// luPermutation is the fixed permutation of the ordinal-th LULinear of a
// flow: a Fisher–Yates shuffle driven by PCG, whose output sequence is
// specified, so a model's permutation never changes between builds.
func luPermutation(d, ordinal int) []int {
	src := rand.NewPCG(0x4c554c696e656172, uint64(ordinal))
	perm := make([]int, d)
	for i := range perm {
		perm[i] = i
	}
	for i := d - 1; i > 0; i-- {
		j := int(src.Uint64() % uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// triMasks returns the strictly lower and strictly upper 0/1 masks and the
// identity, [d,d] row-major.
func triMasks(d int) (lower, upper, eye []float64) {
	lower, upper, eye = make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
	for i := range d {
		for j := range d {
			switch {
			case j < i:
				lower[i*d+j] = 1
			case j > i:
				upper[i*d+j] = 1
			default:
				eye[i*d+j] = 1
			}
		}
	}
	return lower, upper, eye
}

// factors emits the strictly lower part of L, the strictly upper part of U
// and U's diagonal exp(logs) ([1,D]).
func (l *luLinear) factors(b *ir.Builder) (ls, us, diag ir.Value) {
	lm, um, _ := triMasks(l.dim)
	sq := ir.Shape{Rows: l.dim, Cols: l.dim}
	ls = b.Mask(b.Param(l.lower), b.Const(sq, lm))
	us = b.Mask(b.Param(l.upper), b.Const(sq, um))
	return ls, us, b.Exp(b.Param(l.logs))
}

func (l *luLinear) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(l.name))
	ls, us, diag := l.factors(b)
	h := b.PermuteCols(x, l.perm)
	h = b.Add(h, b.MatMul(h, ls, 0))              // h·L, L = I + ls
	h = b.Add(b.Mul(h, diag), b.MatMul(h, us, 0)) // h·U, U = diag + us
	z = b.Add(h, b.Param(l.bias))
	return z, rowLogDet(b, b.SumCols(b.Param(l.logs)), x)
}

// Inverse solves u·U = z - bias, then v·L = u, then undoes the permutation.
func (l *luLinear) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(l.name + "/inverse"))
	ls, us, diag := l.factors(b)
	_, _, eye := triMasks(l.dim)
	sq := ir.Shape{Rows: l.dim, Cols: l.dim}
	// U = us + diag(exp(logs)): the diagonal row broadcast to [D,D] and
	// masked to the diagonal (a declared mask, also in the gradient that
	// Inverse(LULinear) derives through it).
	u := b.Add(us, b.Mask(b.BroadcastRows(diag, sq, false), b.Const(sq, eye)))
	h := b.TriSolve(b.Sub(z, b.Param(l.bias)), u, 0)
	h = b.TriSolve(h, ls, ir.TriLower|ir.TriUnit)
	return b.PermuteCols(h, l.inv)
}

// batchNorm is z = (x - mean) / sqrt(var + eps) * exp(gamma) + beta, with
// batch statistics while training and running ones otherwise.
type batchNorm struct {
	name                    string
	momentum, eps           float64
	gamma, beta, mean, vari int
}

// stats emits the mean and variance the layer normalises with, and in
// training programs the updates of the running statistics.
func (n *batchNorm) stats(b *ir.Builder, x ir.Value, env *Env) (mean, variance ir.Value) {
	if env.Mode == Eval {
		return n.running(b)
	}
	mean, variance = batchMoments(b, x)
	m := n.momentum
	env.SetState(b, n.mean, b.Add(b.Scale(b.Param(n.mean), 1-m), b.Scale(mean, m)))
	env.SetState(b, n.vari, b.Add(b.Scale(b.Param(n.vari), 1-m), b.Scale(variance, m)))
	return mean, variance
}

// running emits the running mean and variance. The variance is clamped at
// 0, so that no value of the state can make the square root NaN.
func (n *batchNorm) running(b *ir.Builder) (mean, variance ir.Value) {
	return b.Param(n.mean), b.Relu(b.Param(n.vari))
}

// logScale emits gamma - log(var + eps)/2 ([1,D]), the log of the
// per-dimension scale.
func (n *batchNorm) logScale(b *ir.Builder, variance ir.Value) ir.Value {
	return b.Sub(b.Param(n.gamma), b.Scale(b.Log(b.AddConst(variance, n.eps)), 0.5))
}

func (n *batchNorm) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(n.name))
	mean, variance := n.stats(b, x, env)
	ls := n.logScale(b, variance)
	z = b.Add(b.Mul(b.Sub(x, mean), b.Exp(ls)), b.Param(n.beta))
	return z, rowLogDet(b, b.SumCols(ls), x)
}

func (n *batchNorm) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(n.name + "/inverse"))
	mean, variance := n.running(b)
	ls := n.logScale(b, variance)
	return b.Add(b.Mul(b.Sub(z, b.Param(n.beta)), b.Exp(b.Neg(ls))), mean)
}
