package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// Minimum bin width and height (fractions of the interval) and minimum
// knot derivative, as in the Neural Spline Flows code.
const (
	splineMinWidth  = 1e-3
	splineMinHeight = 1e-3
	splineMinDeriv  = 1e-3
	// splineOutScale initialises the conditioner's output weights uniform
	// in ±splineOutScale (biases 0): the spline starts near the identity.
	splineOutScale = 1e-3
	// splineMaxCond bounds what the conditioner sees of its inputs:
	// beyond ±1e8 (far in the identity tails of any sensible bound) it
	// sees ±1e8, so that no network value overflows for any finite input.
	// The map stays a bijection with the same log-det: a conditioner may
	// be any function of the inputs it conditions on.
	splineMaxCond = 1e8
	// splineMaxLogit bounds the width and height logits before the
	// softmax, so that exp neither overflows nor underflows a whole bin
	// group to 0 (the clamp changes nothing below it).
	splineMaxLogit = 300
)

func splineParams() []Param {
	return []Param{
		{Name: "hidden", Type: Int, Variadic: true, Default: []float64{64, 64}, Min: 1, Max: 1 << 16,
			Doc: "widths of the conditioner network's hidden layers"},
		{Name: "bins", Type: Int, Default: []float64{8}, Min: 2, Max: 256,
			Doc: "number of spline bins K"},
		{Name: "bound", Type: Float, Default: []float64{3}, Min: 0, MinOpen: true, Max: 1e4,
			Doc: "half-width B of the interval [-B, B] the spline covers; identity outside"},
	}
}

func init() {
	register(&Spec{
		Name:   "SplineCoupling",
		Kind:   Bijector,
		Params: splineParams(),
		MinDim: 2,
		Doc: "Rational-quadratic neural spline coupling layer: alternate dimensions (by the stage's parity) " +
			"condition an MLP (ReLU; context concatenated to its input) that outputs, for each other dimension, " +
			"K bin widths, K bin heights and K-1 interior knot derivatives of a monotone rational-quadratic " +
			"spline on [-B, B] (boundary derivatives 1); outside [-B, B] the map is the identity. " +
			"log-det = sum of log spline derivatives inside [-B, B]. Forward and inverse are one network pass " +
			"each (the inverse solves one quadratic per dimension).",
		Paper: "Durkan, Bekasov, Murray & Papamakarios 2019, Neural Spline Flows; " +
			"Dinh, Sohl-Dickstein & Bengio 2017 (coupling layers)",
		Context: true,
		New:     newSplineCoupling,
	})
	register(&Spec{
		Name:   "SplineAR",
		Kind:   Bijector,
		Params: splineParams(),
		MinDim: 1,
		Doc: "Rational-quadratic neural spline autoregressive layer: z_i = RQS(x_i; theta_i(x_<i)) with the " +
			"3K-1 spline parameters of every dimension from one MADE network (sequential degrees, ReLU; " +
			"context concatenated to its first layer's input); identity outside [-B, B]. " +
			"Forward (density) is one network pass; inverse (sampling) solves one dimension at a time, at about the cost of one pass.",
		Paper:      "Durkan, Bekasov, Murray & Papamakarios 2019, Neural Spline Flows; Germain et al. 2015, MADE",
		Context:    true,
		SolveBytes: 512 << 10,
		New:        newSplineAR,
	})
}

// rqSpline evaluates d monotone rational-quadratic splines of k bins on
// [-bound, bound] (Durkan et al. 2019), one per column, from their
// unconstrained parameters theta ([B, d·(3k-1)]: d·k width logits, d·k
// height logits, d·(k-1) interior derivative parameters, each block
// dimension-major: the k values of dimension i are consecutive).
//
// Everything is IR, batched over the bins: per-bin quantities are [B, d·k]
// with the bins of dimension i at columns i·k … i·k+k-1; the bin of each
// input is selected by a one-hot mask built from comparisons with the left
// knots, and a bin's quantity is gathered by multiplying with the one-hot
// and summing each group.
type rqSpline struct {
	d, k  int
	bound float64
	// circ makes the splines circular (Rezende et al. 2020): theta holds
	// d·k derivative parameters (the k-1 interior ones of every
	// dimension, then one boundary derivative per dimension, shared by
	// both ends so that the map is C¹ on the circle) instead of d·(k-1),
	// and there are no identity tails (the caller wraps its inputs into
	// [-bound, bound]).
	circ bool
	// Column permutations of the bin layout, made at their first use
	// (perms), as every constant of a layer is, so that building a layer
	// costs nothing of its size.
	shiftNext             []int // column of bin j+1 (cyclically: the first for the last)
	derivLeft, derivRight []int // placement of the interior derivatives
}

func newRQSpline(d, k int, bound float64) *rqSpline {
	return &rqSpline{d: d, k: k, bound: bound}
}

// perms makes the column permutations, once.
func (s *rqSpline) perms() *rqSpline {
	if s.shiftNext != nil {
		return s
	}
	d, k := s.d, s.k
	n := d * k
	s.shiftNext = make([]int, n)
	s.derivLeft = make([]int, n)
	s.derivRight = make([]int, n)
	// The interior derivatives are padded with d zero columns (at
	// d·(k-1)+i for dimension i): bin 0's left and bin k-1's right
	// derivative take a zero, to which the constant 1 is added.
	for i := range d {
		zero := d*(k-1) + i
		for j := range k {
			c := i*k + j
			s.shiftNext[c] = i*k + (j+1)%k
			if j == 0 {
				s.derivLeft[c] = zero
			} else {
				s.derivLeft[c] = i*(k-1) + j - 1
			}
			if j == k-1 {
				s.derivRight[c] = zero
			} else {
				s.derivRight[c] = i*(k-1) + j
			}
		}
	}
	return s
}

// rowMask returns a [1, d·k] constant with 1 at bin position j of every
// dimension (or everywhere but there, if not).
func (s *rqSpline) rowMask(b *ir.Builder, j int, not bool) ir.Value {
	data := make([]float64, s.d*s.k)
	for c := range data {
		if (c%s.k == j) != not {
			data[c] = 1
		}
	}
	return b.Const(ir.Shape{Rows: 1, Cols: s.d * s.k}, data)
}

// rqKnots are the per-bin quantities of the splines, each [B, d·k]: left
// knot x and y, bin width and height, derivatives at the left and right
// knots.
type rqKnots struct {
	xl, w, yl, h, dl, dr ir.Value
}

// bins returns the left edges and widths of k bins on [-bound, bound]
// from their logits: fractions min + (1 - min·k)·softmax.
func (s *rqSpline) bins(b *ir.Builder, logits ir.Value, minFrac float64) (left, width ir.Value) {
	k := s.k
	e := b.Exp(b.Clamp(logits, -splineMaxLogit, splineMaxLogit))
	p := b.Div(e, b.SegExpand(b.SegSum(e, k), k))
	p = b.AddConst(b.Scale(p, 1-minFrac*float64(k)), minFrac)
	before := b.Sub(b.SegCumsum(p, k, false), p) // exclusive running sum: 0 exactly for bin 0
	return b.AddConst(b.Scale(before, 2*s.bound), -s.bound), b.Scale(p, 2*s.bound)
}

// knots emits the knots from the unconstrained parameters.
func (s *rqSpline) knots(b *ir.Builder, theta ir.Value) rqKnots {
	d, k := s.d, s.k
	var kn rqKnots
	kn.xl, kn.w = s.bins(b, b.SliceCols(theta, 0, d*k), splineMinWidth)
	kn.yl, kn.h = s.bins(b, b.SliceCols(theta, d*k, 2*d*k), splineMinHeight)
	// Interior derivatives min + softplus(u + c), with c chosen so that
	// u = 0 gives derivative 1 (the identity at initialisation).
	c := math.Log(math.Expm1(1 - splineMinDeriv))
	if s.circ {
		// The boundary derivatives sit where the zero padding does below.
		deriv := b.AddConst(b.Softplus(b.AddConst(b.SliceCols(theta, 2*d*k, 3*d*k), c)), splineMinDeriv)
		kn.dl = b.PermuteCols(deriv, s.perms().derivLeft)
		kn.dr = b.PermuteCols(deriv, s.perms().derivRight)
		return kn
	}
	u := b.SliceCols(theta, 2*d*k, d*(3*k-1))
	deriv := b.PadCols(b.AddConst(b.Softplus(b.AddConst(u, c)), splineMinDeriv), 0, d*k)
	kn.dl = b.Add(b.PermuteCols(deriv, s.perms().derivLeft), s.rowMask(b, 0, false))
	kn.dr = b.Add(b.PermuteCols(deriv, s.perms().derivRight), s.rowMask(b, k-1, false))
	return kn
}

// onehot returns the [B, d·k] one-hot mask of the bin of each column of v
// (clamped to [-bound, bound]) given the left edges: bin j holds v when
// v > left_j (always for bin 0) and not v > left_{j+1}.
func (s *rqSpline) onehot(b *ir.Builder, v, left ir.Value) ir.Value {
	m := b.Greater(b.SegExpand(v, s.k), left)
	m = b.Add(b.Mul(m, s.rowMask(b, 0, true)), s.rowMask(b, 0, false))
	next := b.Mul(b.PermuteCols(m, s.perms().shiftNext), s.rowMask(b, s.k-1, true))
	return b.Sub(m, next)
}

// gather returns the quantity q ([B, d·k]) of the bin selected by the
// one-hot mask, [B, d].
func (s *rqSpline) gather(b *ir.Builder, q, onehot ir.Value) ir.Value {
	return b.SegSum(b.Mul(q, onehot), s.k)
}

// inside returns the mask of |v| < bound ([B, d]).
func (s *rqSpline) inside(b *ir.Builder, v ir.Value) ir.Value {
	return b.Greater(b.Neg(b.Abs(v)), b.Scalar(-s.bound))
}

// forward emits y = RQS(x) and log dy/dx per column ([B, d] each). With
// ξ = (x - x_j)/w_j and s = h_j/w_j in the bin j of x:
//
//	y = y_j + h_j (s ξ² + δ_j ξ(1-ξ)) / (s + (δ_j + δ_{j+1} - 2s) ξ(1-ξ))
//	dy/dx = s² (δ_{j+1} ξ² + 2s ξ(1-ξ) + δ_j (1-ξ)²) / (s + (δ_j + δ_{j+1} - 2s) ξ(1-ξ))²
//
// Outside (-bound, bound) y = x and the log-derivative is 0. The spline
// branch is computed on x clamped to [-bound, bound], so it is finite (as
// are its gradients) for every finite input.
func (s *rqSpline) forward(b *ir.Builder, x, theta ir.Value) (y, logd ir.Value) {
	kn := s.knots(b, theta)
	in := s.inside(b, x)
	xc := b.Clamp(x, -s.bound, s.bound)
	oh := s.onehot(b, xc, kn.xl)
	xj, wj := s.gather(b, kn.xl, oh), s.gather(b, kn.w, oh)
	yj, hj := s.gather(b, kn.yl, oh), s.gather(b, kn.h, oh)
	dj, dj1 := s.gather(b, kn.dl, oh), s.gather(b, kn.dr, oh)
	xi := b.Div(b.Sub(xc, xj), wj)
	om := b.AddConst(b.Neg(xi), 1)
	t := b.Mul(xi, om)
	slope := b.Div(hj, wj)
	den := b.Add(slope, b.Mul(b.Sub(b.Add(dj, dj1), b.Scale(slope, 2)), t))
	num := b.Mul(hj, b.Add(b.Mul(slope, b.Mul(xi, xi)), b.Mul(dj, t)))
	ys := b.Add(yj, b.Div(num, den))
	dnum := b.Add(b.Add(b.Mul(dj1, b.Mul(xi, xi)), b.Scale(b.Mul(slope, t), 2)), b.Mul(dj, b.Mul(om, om)))
	ld := b.Sub(b.Add(b.Scale(b.Log(slope), 2), b.Log(dnum)), b.Scale(b.Log(den), 2))
	if s.circ {
		return ys, ld
	}
	return b.Where(in, ys, x), b.Mul(ld, in)
}

// inverse emits x = RQS⁻¹(y) ([B, d]). In the bin j of y (by the y knots),
// with Δ = y - y_j and g = δ_j + δ_{j+1} - 2s, ξ is the root in [0, 1] of
// aξ² + bξ + c = 0 with
//
//	a = h_j (s - δ_j) + Δ g,   b = h_j δ_j - Δ g,   c = -s Δ,
//
// taken as 2c/(-b - √(b²-4ac)) when b ≥ 0 and (-b + √(b²-4ac))/(2a) when
// b < 0 (then a > 0, since a + b = h_j s), so that no branch cancels.
// Outside (-bound, bound) x = y. Denominators are kept away from 0 and ξ
// is clamped to [0, 1], so every branch is finite for any finite y.
func (s *rqSpline) inverse(b *ir.Builder, y, theta ir.Value) ir.Value {
	kn := s.knots(b, theta)
	in := s.inside(b, y)
	yc := b.Clamp(y, -s.bound, s.bound)
	oh := s.onehot(b, yc, kn.yl)
	xj, wj := s.gather(b, kn.xl, oh), s.gather(b, kn.w, oh)
	yj, hj := s.gather(b, kn.yl, oh), s.gather(b, kn.h, oh)
	dj, dj1 := s.gather(b, kn.dl, oh), s.gather(b, kn.dr, oh)
	slope := b.Div(hj, wj)
	delta := b.Sub(yc, yj)
	g := b.Mul(delta, b.Sub(b.Add(dj, dj1), b.Scale(slope, 2)))
	qa := b.Add(b.Mul(hj, b.Sub(slope, dj)), g)
	qb := b.Sub(b.Mul(hj, dj), g)
	qc := b.Neg(b.Mul(slope, delta))
	disc := b.Sub(b.Mul(qb, qb), b.Scale(b.Mul(qa, qc), 4))
	// tiny keeps denominators and the root's argument away from 0 in
	// float32 as well (whose smallest normal is 1.2e-38): the derivative
	// of √ at 0 and a division by 0 would make the gradient NaN, which
	// Inverse(SplineAR) and Inverse(SplineCoupling) derive through here.
	const tiny = 1e-30
	sq := b.Sqrt(b.Clamp(disc, tiny, math.MaxFloat64))
	xiPos := b.Div(b.Scale(qc, 2), b.Clamp(b.Sub(b.Neg(qb), sq), -math.MaxFloat64, -tiny))
	xiNeg := b.Div(b.Sub(sq, qb), b.Scale(b.Clamp(qa, tiny, math.MaxFloat64), 2))
	neg := b.Greater(b.Neg(qb), b.Scalar(0))
	xi := b.Where(neg, b.Clamp(xiNeg, 0, 1), b.Clamp(xiPos, 0, 1))
	xs := b.Add(xj, b.Mul(xi, wj))
	if s.circ {
		return xs
	}
	return b.Where(in, xs, y)
}

// splineCoupling transforms alternate dimensions with splines whose
// parameters an MLP computes from the others.
type splineCoupling struct {
	name       string
	dim        int
	nid, ntr   int   // identity and transformed dimensions
	perm, back []int // x → [identity | transformed] and back
	rq         *rqSpline
	net        *madeNet
}

func newSplineCoupling(cfg Config) Layer {
	args := cfg.Args
	k := args.Int("bins")
	c := &splineCoupling{name: cfg.Name, dim: cfg.Dim}
	// As nflows' alternating masks: even stages transform the even
	// dimensions (0, 2, …), odd stages the odd ones.
	c.perm = make([]int, 0, cfg.Dim) // the identity half, then the transformed one
	for i := range cfg.Dim {
		if i%2 != cfg.Ordinal%2 {
			c.perm = append(c.perm, i)
		}
	}
	c.nid = len(c.perm)
	for i := range cfg.Dim {
		if i%2 == cfg.Ordinal%2 {
			c.perm = append(c.perm, i)
		}
	}
	c.ntr = cfg.Dim - c.nid
	c.back = make([]int, cfg.Dim)
	for j, i := range c.perm {
		c.back[i] = j
	}
	c.rq = newRQSpline(c.ntr, k, args.Float("bound"))
	c.net = newMADE(cfg, madeConfig{
		in: c.nid, out: c.ntr * (3*k - 1), dense: true,
		hidden: args.Ints("hidden"), ctx: cfg.ContextDim, outScale: splineOutScale,
	})
	return c
}

func (c *splineCoupling) split(b *ir.Builder, v ir.Value) (id, tr ir.Value) {
	p := b.PermuteCols(v, c.perm)
	return b.SliceCols(p, 0, c.nid), b.SliceCols(p, c.nid, c.dim)
}

func (c *splineCoupling) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(c.name))
	id, tr := c.split(b, x)
	theta := c.net.apply(b, b.Clamp(id, -splineMaxCond, splineMaxCond), c.net.weights(b, env), env)
	y, ld := c.rq.forward(b, tr, theta)
	return b.PermuteCols(b.ConcatCols(id, y), c.back), b.SumCols(ld)
}

func (c *splineCoupling) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	id, tr := c.split(b, z)
	theta := c.net.apply(b, b.Clamp(id, -splineMaxCond, splineMaxCond), c.net.weights(b, env), env)
	return b.PermuteCols(b.ConcatCols(id, c.rq.inverse(b, tr, theta)), c.back)
}

// splineAR is a MADE-conditioned rational-quadratic spline autoregressive
// layer.
type splineAR struct {
	name string
	dim  int
	rq   *rqSpline
	net  *madeNet
	// layout reorders the MADE's value-major outputs (value j of input i
	// at column j·D + i) into the spline's dimension-major blocks; made
	// at its first use (outLayout).
	layout []int
}

func newSplineAR(cfg Config) Layer {
	args := cfg.Args
	k, d := args.Int("bins"), cfg.Dim
	s := &splineAR{name: cfg.Name, dim: d, rq: newRQSpline(d, k, args.Float("bound"))}
	s.net = newMADE(cfg, madeConfig{
		in: d, k: 3*k - 1, hidden: args.Ints("hidden"), ctx: cfg.ContextDim, outScale: splineOutScale,
	})
	return s
}

// outLayout makes the output layout, once.
func (s *splineAR) outLayout() []int {
	if s.layout != nil {
		return s.layout
	}
	d, k := s.dim, s.rq.k
	s.layout = make([]int, d*(3*k-1))
	for i := range d {
		for j := range k {
			s.layout[i*k+j] = j*d + i         // widths
			s.layout[d*k+i*k+j] = (k+j)*d + i // heights
			if j < k-1 {
				s.layout[2*d*k+i*(k-1)+j] = (2*k+j)*d + i // interior derivatives
			}
		}
	}
	return s.layout
}

func (s *splineAR) params(b *ir.Builder, u ir.Value, mw *madeWeights, env *Env) ir.Value {
	u = b.Clamp(u, -splineMaxCond, splineMaxCond)
	return b.PermuteCols(s.net.apply(b, u, mw, env), s.outLayout())
}

func (s *splineAR) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(s.name))
	mw := s.net.weights(b, env)
	z, ld := s.rq.forward(b, x, s.params(b, x, mw, env))
	return z, b.SumCols(ld)
}

// Inverse solves x_i = RQS⁻¹(z_i; theta_i(x_<i)) one input at a time
// (madeNet.solve): the spline of dimension i depends only on x_<i, so
// each step inverts one spline of the K = 3k-1 parameters of input i,
// which the MADE lays out as a one-dimensional spline's.
func (s *splineAR) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(s.name + "/inverse"))
	mw := s.net.weights(b, env)
	one := newRQSpline(1, s.rq.k, s.rq.bound)
	u0 := b.Clamp(z, -splineMaxCond, splineMaxCond)
	out := s.net.solve(b, mw, env, 3*s.rq.k-1, u0, func(i int, theta ir.Value) (ir.Value, []ir.Value) {
		xi := one.inverse(b, b.SliceCols(z, i, i+1), theta)
		return b.Clamp(xi, -splineMaxCond, splineMaxCond), []ir.Value{xi}
	})
	return out[0]
}
