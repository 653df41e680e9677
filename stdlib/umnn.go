package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	register(&Spec{
		Name: "UMNN",
		Kind: Bijector,
		Params: []Param{
			{Name: "hidden", Type: Int, Variadic: true, Default: []float64{64, 64}, Min: 1, Max: 1 << 16,
				Doc: "widths of the MADE network's hidden layers"},
			{Name: "units", Type: Int, Default: []float64{16}, Min: 1, Max: 256,
				Doc: "tanh units U of each dimension's integrand network"},
			{Name: "nodes", Type: Int, Default: []float64{32}, Min: 2, Max: 128,
				Doc: "Gauss-Legendre nodes of the integral over [0, x]"},
			{Name: "bound", Type: Float, Default: []float64{5}, Min: 0, MinOpen: true, Max: 100,
				Doc: "half-width B of the interval [-B, B] the integral covers; linear tails outside"},
		},
		MinDim: 1,
		Doc: "Unconstrained monotonic neural network autoregressive layer: z_i = beta_i + integral_0^x_i f_i(t) dt, " +
			"f_i(t) = softplus(g0_i + sum_u v_u*tanh(w_u*t + c_u)) + 0.01 with the 3U+2 numbers of dimension i " +
			"(|w| <= 1 and |v| <= 1 by tanh) from one MADE network of x_<i (sequential degrees, ReLU; context concatenated to its first " +
			"layer's input). The integral is a fixed Gauss-Legendre rule of `nodes` points on [0, x] (t = x*s) for " +
			"|x| <= B, continued linearly (slope f(+-B)) outside. log-det = sum_i log f_i(x_i): the integrand at x, " +
			"which is the computed map's derivative up to the rule's error. Forward (density) is one network pass plus " +
			"O(B*D*U*nodes); inverse (sampling) solves one dimension at a time (about one network pass in all), each by " +
			"60 bisection steps on a guaranteed bracket and 3 Newton steps: O(64*B*D*U*nodes) more.",
		Paper: "Wehenkel & Louppe 2019, Unconstrained Monotonic Neural Networks; " +
			"Germain et al. 2015, MADE",
		Context:          true,
		NumericalInverse: true,
		SolveBytes:       umnnSolveBytes,
		New: func(cfg Config) Layer {
			a := cfg.Args
			return newMonoAR(cfg, newUMNN(a.Int("units"), a.Int("nodes"), a.Float("bound")))
		},
	})
}

// umnnSolveBytes is UMNN's SolveBytes (see Spec.SolveBytes), measured
// as NAF's: UMNN(8) |> Gaussian peaks at 783 MB over 100 columns and
// 3.16 GB over 400, 7.9 MB per column (each evaluation of an integral
// works on [B, units·nodes] values), rounded up.
const umnnSolveBytes = 8 << 20

// umnnMaxSlope bounds the slopes of the integrand's tanh units: w =
// umnnMaxSlope·tanh(w'/umnnMaxSlope + atanh(1/2)), which is half the bound
// at w' = 0. A unit tanh(w t + c) has poles at distance π/(2|w|) ≥ 1.57
// from the real axis, so the integrand is analytic in a strip about it
// and the Gauss-Legendre rule converges geometrically on [0, x]: the
// bound is what keeps the rule's error, and so the gap between the log-det
// (the integrand at x) and the computed map's derivative, small. Measured
// (TestUMNNRuleError) with every slope and output weight at its bound:
// a gap of at most 2e-8 at 32 nodes on [-5, 5] (1e-6 at 20 nodes); a
// bound of 1.5 gives 5e-6 at 32 nodes, 2 needs some 48.
const umnnMaxSlope = 1.0

// The integrand's output weights are v = tanh(v'), within ±1: with the
// slopes bounded, that bounds how fast g can vary (|g'| ≤ U·umnnMaxSlope)
// and so the rule's error for every parameter value, which keeps the
// computed map increasing (its derivative within a relative 2e-8 of f >
// 0); g still spans ±U about g0, f a factor e^±U.

// umnnSpread spreads the units' offsets at initialisation: c_u = c'_u +
// evenly spaced values in [-umnnSpread, umnnSpread], so that the units'
// transitions cover a standardized coordinate's range.
const umnnSpread = 3

// umnn is the UMNN transformer (Wehenkel & Louppe 2019), with the
// integrand a one-hidden-layer network whose weights are the conditioner's
// outputs for the dimension:
//
//	f(t) = softplus(g0 + Σ_u v_u tanh(w_u t + c_u)) + ε,   ε = monoMinSlope, |v_u| ≤ 1, |w_u| ≤ 1,
//	T(x) = β + x Σ_j ω_j f(x s_j)                  for |x| ≤ B,
//	T(x) = T(±B) + f(±B)(x ∓ B)                    beyond,
//
// with (s_j, ω_j) the Gauss-Legendre rule on [0, 1]. The slope lies in
// [ε, softplus(g0 + Σ|v_u|) + ε].
type umnn struct {
	units, nodes int
	bound        float64
	s, omega     []float64 // the rule on [0, 1]
	w0, g0       float64   // raw offsets giving w = 1/2 and f = 1
	cOff         []float64
}

func newUMNN(units, nodes int, bound float64) *umnn {
	t := &umnn{units: units, nodes: nodes, bound: bound, cOff: make([]float64, units)}
	t.s, t.omega = gaussLegendre01(nodes)
	t.w0 = math.Atanh(0.5)
	t.g0 = math.Log(math.Expm1(1 - monoMinSlope))
	for u := range units {
		if units > 1 {
			t.cOff[u] = umnnSpread * (2*float64(u)/float64(units-1) - 1)
		}
	}
	return t
}

func (t *umnn) params() int { return 3*t.units + 2 }

func (t *umnn) prepare(b *ir.Builder, theta ir.Value, d int) monoMap {
	k, q := t.units, t.nodes
	n := d * k
	th := b.PermuteCols(theta, monoGroups(d, k, k, k, 1, 1))
	w := b.Scale(b.Tanh(b.AddConst(b.Scale(b.SliceCols(th, 0, n), 1/umnnMaxSlope), t.w0)), umnnMaxSlope)
	c := b.Add(b.SliceCols(th, n, 2*n), rowConst(b, tiled(t.cOff, d)))
	v := b.Tanh(b.SliceCols(th, 2*n, 3*n))
	g0 := b.AddConst(b.SliceCols(th, 3*n, 3*n+d), t.g0)
	beta := b.SliceCols(th, 3*n+d, 3*n+2*d)
	// The units × nodes layout: column (i·U + u)·Q + j is unit u of
	// dimension i at node j; perm regroups it node-major within each
	// dimension, (i·Q + j)·U + u, so that a sum over units is a SegSum.
	we, ce, ve := b.SegExpand(w, q), b.SegExpand(c, q), b.SegExpand(v, q)
	perm := make([]int, d*k*q)
	for i := range d {
		for j := range q {
			for u := range k {
				perm[(i*q+j)*k+u] = (i*k+u)*q + j
			}
		}
	}
	sRow := rowConst(b, tiled(t.s, d*k))
	omegaRow := rowConst(b, tiled(t.omega, d))
	g0e := b.SegExpand(g0, q)
	// integrand emits f at x ([B,d]).
	integrand := func(x ir.Value) ir.Value {
		h := b.Mul(b.Tanh(b.Add(b.Mul(w, b.SegExpand(x, k)), c)), v)
		return b.AddConst(b.Softplus(b.Add(b.SegSum(h, k), g0)), monoMinSlope)
	}
	eval := func(x ir.Value, wantLd bool) (y, ld ir.Value) {
		xc := b.Clamp(x, -t.bound, t.bound)
		tn := b.Mul(b.SegExpand(xc, k*q), sRow) // x·s_j
		h := b.Mul(b.Tanh(b.Add(b.Mul(we, tn), ce)), ve)
		g := b.Add(b.SegSum(b.PermuteCols(h, perm), k), g0e) // [B, d·Q]
		f := b.AddConst(b.Softplus(g), monoMinSlope)
		integral := b.Mul(xc, b.SegSum(b.Mul(f, omegaRow), q))
		fx := integrand(xc)
		y = b.Add(b.Add(beta, integral), b.Mul(fx, b.Sub(x, xc)))
		if wantLd {
			ld = b.Log(fx)
		}
		return y, ld
	}
	hi := b.AddConst(b.Softplus(b.Add(g0, b.SegSum(b.Abs(v), k))), monoMinSlope)
	return monoMap{eval: eval, slopeLo: b.Scalar(monoMinSlope), slopeHi: hi}
}

// gaussLegendre01 returns the n-point Gauss-Legendre rule on [0, 1]: the
// roots of P_n by Newton's method from Chebyshev-like starting points
// (Press et al., gauleg), weights 2/((1-x²)P_n'(x)²), mapped from [-1, 1].
func gaussLegendre01(n int) (nodes, weights []float64) {
	nodes, weights = make([]float64, n), make([]float64, n)
	for i := range (n + 1) / 2 {
		x := math.Cos(math.Pi * (float64(i) + 0.75) / (float64(n) + 0.5))
		var dp float64
		for range 100 {
			p0, p1 := 1.0, 0.0
			for j := 1; j <= n; j++ {
				p0, p1 = ((2*float64(j)-1)*x*p0-(float64(j)-1)*p1)/float64(j), p0
			}
			dp = float64(n) * (x*p0 - p1) / (x*x - 1)
			dx := p0 / dp
			x -= dx
			if math.Abs(dx) < 1e-16 {
				break
			}
		}
		w := 2 / ((1 - x*x) * dp * dp)
		nodes[i], nodes[n-1-i] = (1-x)/2, (1+x)/2
		weights[i], weights[n-1-i] = w/2, w/2
	}
	return nodes, weights
}
