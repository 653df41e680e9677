package stdlib

import (
	"math"
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Planar and radial flows (Rezende & Mohamed 2015): one-unit residual maps
// whose Jacobian determinant is a rank-one correction of the identity, so
// the log-det is O(D) per row. Both are invertible for every parameter
// value through a reparametrisation of the constrained parameter.

func init() {
	register(&Spec{
		Name:   "Planar",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Planar flow: z = x + u_hat*tanh(w.x + b), with learned u, w ([D] each) and b. Invertibility " +
			"(w.u_hat >= -1) is enforced by u_hat = u + (m(w.u) - w.u)*w/|w|^2, m(a) = -1 + softplus(a). " +
			"log-det = log|1 + w.u_hat*(1 - tanh^2(w.x + b))|. Forward (density) is O(B*D). Inverse (sampling) " +
			"solves the scalar equation w.z = a + w.u_hat*tanh(a + b) for a = w.x per row, by 60 bisection steps " +
			"on [w.z - |w.u_hat|, w.z + |w.u_hat|] and 2 Newton steps, then x = z - u_hat*tanh(a + b): " +
			"O(B*D + 62*B). Initialised at the identity (u_hat = 0, w a random unit vector, b = 0).",
		Paper:            "Rezende & Mohamed 2015, Variational Inference with Normalizing Flows (planar flow, appendix A.1)",
		NumericalInverse: true,
		New:              newPlanar,
	})
	register(&Spec{
		Name:   "Radial",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Radial flow: z = x + beta*(x - x0)/(alpha + r), r = |x - x0|, with learned centre x0 ([D]), " +
			"alpha = softplus(alpha') > 0 and beta = -alpha + softplus(beta') >= -alpha (invertible for every " +
			"parameter value). log-det = (D-1)*log(1 + beta*h) + log(1 + beta*h + beta*h'*r), h = 1/(alpha + r). " +
			"Inverse in closed form: r is the positive root of r^2 + (alpha + beta - rho)*r - alpha*rho = 0 " +
			"with rho = |z - x0|, then x = x0 + (z - x0)/(1 + beta/(alpha + r)). Initialised at the identity " +
			"(beta = 0). Forward (density) and inverse (sampling) are O(B*D).",
		Paper: "Rezende & Mohamed 2015, Variational Inference with Normalizing Flows (radial flow, appendix A.2)",
		New:   newRadial,
	})
}

// softplusFloor keeps softplus arguments at or above -300, so that the
// positive quantities built from softplus, and products of two of them,
// never underflow to 0 (softplus(-300) ≈ 5e-131). Gradients below the
// floor are zero.
const softplusFloor = -300

// posSoftplus emits softplus(max(v, -300)): a positive value for any v.
func posSoftplus(b *ir.Builder, v ir.Value) ir.Value {
	return b.Softplus(b.Clamp(v, softplusFloor, math.MaxFloat64))
}

// planarNormEps is added to |w|² in the reparametrisation of u, so that
// w = 0 gives û = u instead of 0/0. It only matters for |w|² below 1e-14.
const planarNormEps = 1e-30

// planarBisections and planarNewton are the iteration counts of the
// planar inverse: 60 halvings shrink the bracket of width 2|w·û| by 2⁶⁰,
// to the spacing of float64 for |w·û| up to ~1e2; Newton steps then polish
// to machine precision for larger |w·û|.
const (
	planarBisections = 60
	planarNewton     = 2
)

// planar is z = x + û·tanh(w·x + b).
type planar struct {
	name       string
	u, w, bias int
}

// planarIdentityA is the w·u at which m(w·u) = -1 + softplus(w·u) is 0:
// log(e - 1). With u = planarIdentityA·w/|w|², û = 0 and the layer is the
// identity.
var planarIdentityA = math.Log(math.E - 1)

// newPlanar starts the layer at the identity (û = 0), so that a flow of
// planar layers starts at the Gaussian that standardization already fits:
// w is a random unit vector drawn from a PCG stream seeded by the layer's
// ordinal (a different direction for each planar stage of a flow, the
// same on every build), u = log(e-1)·w and b = 0.
func newPlanar(cfg Config) Layer {
	d := cfg.Dim
	rng := rand.New(rand.NewPCG(0x506c616e6172, uint64(cfg.Ordinal)))
	w, u := make([]float64, d), make([]float64, d)
	norm := 0.0
	for norm < 1e-3 {
		norm = 0
		for j := range w {
			w[j] = rng.NormFloat64()
			norm += w[j] * w[j]
		}
	}
	norm = math.Sqrt(norm)
	for j := range w {
		w[j] /= norm
		u[j] = planarIdentityA * w[j]
	}
	row := ir.Shape{Rows: 1, Cols: d}
	return &planar{
		name: cfg.Name,
		u:    cfg.Param("u", row, ir.Init{Kind: ir.InitData, Data: u}),
		w:    cfg.Param("w", row, ir.Init{Kind: ir.InitData, Data: w}),
		bias: cfg.Param("b", ir.Shape{Rows: 1, Cols: 1}, ir.Init{Kind: ir.InitZero}),
	}
}

// planarParams are the values every program of a planar layer uses.
type planarParams struct {
	w, bias ir.Value // [1,D], [1,1]
	uHat    ir.Value // [1,D]
	// onePlusS is 1 + w·û ([1,1]), computed without cancellation: with
	// a = w·u, n = |w|² and r = n/(n + eps), w·û = a + (m(a) - a)·r, so
	// 1 + w·û = (1 - r)(1 + a) + r·softplus(a), which is softplus(a) > 0
	// whenever r rounds to 1.
	onePlusS ir.Value
}

func (p *planar) params(b *ir.Builder) planarParams {
	w, u := b.Param(p.w), b.Param(p.u)
	n := b.SumCols(b.Mul(w, w))
	a := b.SumCols(b.Mul(w, u))
	sp := posSoftplus(b, a)
	den := b.AddConst(n, planarNormEps)
	// m(a) - a = softplus(a) - 1 - a
	coef := b.Div(b.Sub(b.AddConst(sp, -1), a), den)
	uHat := b.Add(u, b.Mul(w, coef))
	r := b.Div(n, den)
	oneMinusR := b.AddConst(b.Neg(r), 1)
	onePlusS := b.Add(b.Mul(oneMinusR, b.AddConst(a, 1)), b.Mul(r, sp))
	return planarParams{w: w, bias: b.Param(p.bias), uHat: uHat, onePlusS: onePlusS}
}

// planarSlope emits ∂(w·z)/∂(w·x) = 1 + s·sech²(t) at t = w·x + b, as
// tanh²(t) + (1 + s)·sech²(t): both terms are non-negative, so the value
// is positive without cancellation even when s is close to -1.
func planarSlope(b *ir.Builder, t, th, onePlusS ir.Value) ir.Value {
	return b.Add(b.Mul(th, th), b.Mul(b.Exp(logSech2(b, t)), onePlusS))
}

func (p *planar) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(p.name))
	pp := p.params(b)
	t := b.Add(b.MatMul(x, pp.w, ir.TransB), pp.bias) // [B,1]
	th := b.Tanh(t)
	z = b.Add(x, b.MatMul(th, pp.uHat, 0))
	// det(I + û·(1-tanh²)·wᵀ) = 1 + w·û·(1-tanh²) (matrix determinant lemma).
	return z, b.Log(planarSlope(b, t, th, pp.onePlusS))
}

// Inverse solves w·z = α + s·tanh(α + b) for α = w·x (s = w·û ≥ -1): the
// right side is nondecreasing in α and within |s| of α, so the root lies
// in [w·z - |s|, w·z + |s|]. Bisection keeps the bracket; the Newton steps
// start from its midpoint and are kept inside it.
func (p *planar) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(p.name + "/inverse"))
	pp := p.params(b)
	s := b.AddConst(pp.onePlusS, -1)
	c := b.MatMul(z, pp.w, ir.TransB) // [B,1]
	// A slightly wider bracket absorbs the rounding of s.
	half := b.AddConst(b.Scale(b.Abs(s), 1+1e-12), 1e-300)
	lo, hi := b.Sub(c, half), b.Add(c, half)
	resid := func(alpha ir.Value) (g, t, th ir.Value) {
		t = b.Add(alpha, pp.bias)
		th = b.Tanh(t)
		return b.Sub(b.Add(alpha, b.Mul(th, s)), c), t, th
	}
	zero := b.Scalar(0)
	for range planarBisections {
		mid := b.Scale(b.Add(lo, hi), 0.5)
		g, _, _ := resid(mid)
		above := b.Greater(g, zero) // the root is below mid
		hi = b.Where(above, mid, hi)
		lo = b.Where(above, lo, mid)
	}
	alpha := b.Scale(b.Add(lo, hi), 0.5)
	for range planarNewton {
		g, t, th := resid(alpha)
		slope := b.Clamp(planarSlope(b, t, th, pp.onePlusS), 1e-300, math.MaxFloat64)
		step := b.Clamp(b.Div(g, slope), -1e300, 1e300)
		next := b.Sub(alpha, step)
		next = b.Where(b.Greater(next, hi), hi, next)
		alpha = b.Where(b.Greater(lo, next), lo, next)
	}
	_, _, th := resid(alpha)
	return b.Sub(z, b.MatMul(th, pp.uHat, 0))
}

// radial is z = x + β·(x - x0)/(α + |x - x0|).
type radial struct {
	name       string
	dim        int
	x0, ap, bp int
}

// newRadial starts the layer at the identity: α' = β' = 0, so α = log 2
// and β = softplus(β') - α = 0; the centre x0 is drawn uniform in
// ±1/√D (standardized data have unit scale).
func newRadial(cfg Config) Layer {
	s := 1 / math.Sqrt(float64(cfg.Dim))
	one := ir.Shape{Rows: 1, Cols: 1}
	return &radial{
		name: cfg.Name,
		dim:  cfg.Dim,
		x0:   cfg.Param("x0", ir.Shape{Rows: 1, Cols: cfg.Dim}, ir.Init{Kind: ir.InitUniform, Scale: s}),
		ap:   cfg.Param("alpha", one, ir.Init{Kind: ir.InitZero}),
		bp:   cfg.Param("beta", one, ir.Init{Kind: ir.InitZero}),
	}
}

// radialNormEps is added to |x - x0|² before its square root: it keeps the
// derivative of the root finite at x = x0 and changes r only where
// |x - x0|² < 1e-284.
const radialNormEps = 1e-300

// params emits x0 ([1,D]), α = softplus(α') and α + β = softplus(β')
// ([1,1] each). Every quantity of the map is built from α and α + β, both
// positive, so nothing cancels when β is close to -α.
func (r *radial) params(b *ir.Builder) (x0, alpha, ab ir.Value) {
	return b.Param(r.x0), posSoftplus(b, b.Param(r.ap)), posSoftplus(b, b.Param(r.bp))
}

func (r *radial) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(r.name))
	x0, alpha, ab := r.params(b)
	d := b.Sub(x, x0)
	rad := b.Sqrt(b.AddConst(b.SumCols(b.Mul(d, d)), radialNormEps)) // [B,1]
	ar := b.Add(rad, alpha)                                          // α + r
	abr := b.Add(rad, ab)                                            // α + β + r
	// 1 + β/(α + r) = (α + β + r)/(α + r)
	z = b.Add(b.Mul(d, b.Div(abr, ar)), x0)
	// 1 + βh + βh'r = 1 + αβ/(α + r)² = (α(α + β) + 2αr + r²)/(α + r)²
	num := b.Add(b.Mul(rad, b.Add(rad, b.Scale(alpha, 2))), b.Mul(alpha, ab))
	lar := b.Log(ar)
	logdet = b.Sub(b.Log(num), b.Scale(lar, 2))
	if r.dim > 1 {
		logdet = b.Add(logdet, b.Scale(b.Sub(b.Log(abr), lar), float64(r.dim-1)))
	}
	return z, logdet
}

// Inverse: |z - x0| = ρ = r·(α + β + r)/(α + r), a quadratic in r with one
// positive root. Of its two algebraically equal forms, the one without
// cancellation is chosen by the sign of p = α + β - ρ.
func (r *radial) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(r.name + "/inverse"))
	x0, alpha, ab := r.params(b)
	dz := b.Sub(z, x0)
	rho := b.Sqrt(b.SumCols(b.Mul(dz, dz))) // [B,1]
	p := b.Neg(b.Sub(rho, ab))
	disc := b.Sqrt(b.Add(b.Mul(p, p), b.Mul(b.Scale(rho, 4), alpha)))
	small := b.Scale(b.Sub(disc, p), 0.5) // (-p + √disc)/2, for p ≤ 0
	// 2αρ/(p + √disc), for p > 0; |p| keeps the unused branch finite
	// where p + √disc cancels to 0.
	large := b.Div(b.Mul(b.Scale(rho, 2), alpha), b.AddConst(b.Add(b.Abs(p), disc), 1e-300))
	rad := b.Where(b.Greater(p, b.Scalar(0)), large, small)
	// x - x0 = (z - x0)·(α + r)/(α + β + r)
	return b.Add(b.Mul(dz, b.Div(b.Add(rad, alpha), b.Add(rad, ab))), x0)
}
