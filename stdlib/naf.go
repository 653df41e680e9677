package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	register(&Spec{
		Name: "NAF",
		Kind: Bijector,
		Params: []Param{
			{Name: "hidden", Type: Int, Variadic: true, Default: []float64{64, 64}, Min: 1, Max: 1 << 16,
				Doc: "widths of the MADE network's hidden layers"},
			{Name: "units", Type: Int, Default: []float64{8}, Min: 1, Max: 256,
				Doc: "sigmoid units K of each dimension's deep sigmoidal transformer"},
		},
		MinDim: 1,
		Doc: "Neural autoregressive flow with the deep sigmoidal transformer: z_i = logit(sum_k w_k*sigmoid(a_k*x_i + b_k)) " +
			"+ 0.01*x_i, with a_k = softplus(.) > 0, w = softmax(.) and the 3K numbers of dimension i from one MADE " +
			"network of x_<i (sequential degrees, ReLU; context concatenated to its first layer's input). " +
			"Computed in log space (log-sigmoids and log-sum-exps), finite for every finite x; slope in [0.01, max_k a_k + 0.01]. " +
			"log-det = sum_i log dz_i/dx_i in closed form. Forward (density) is one network pass plus O(B*D*K); " +
			"inverse (sampling) solves one dimension at a time (D steps, about one network pass in all), each by " +
			"60 bisection steps on a guaranteed bracket and 3 Newton steps: O(64*B*D*K) more.",
		Paper:            "Huang, Krueger, Lacoste & Courville 2018, Neural Autoregressive Flows; Germain et al. 2015, MADE",
		Context:          true,
		NumericalInverse: true,
		SolveBytes:       nafSolveBytes,
		New:              func(cfg Config) Layer { return newMonoAR(cfg, newDSF(cfg.Args.Int("units"))) },
	})
}

// nafSolveBytes is NAF's SolveBytes (see Spec.SolveBytes): each
// dimension's root solve is 64 evaluations of the transformer in the
// sampling programs. Measured as the peak resident size of a one-step
// training run of NAF(8) |> Gaussian over 100 and 400 columns (179 MB and
// 672 MB): 1.64 MB per column, rounded up. (MAF(8) measured the same way
// gives 85 kB per column, above its 32 kB from wider data: an upper
// estimate.)
const nafSolveBytes = 2 << 20

// dsfSpread is the spread of the sigmoid units' offsets at
// initialisation: b_k = b'_k + c_k with c_k evenly spaced in
// [-dsfSpread, dsfSpread], so that the K units differ from the start
// (identical units would receive identical gradients) while the map stays
// within a few percent of the identity.
const dsfSpread = 0.5

// dsfMaxLogit bounds the weight logits before the softmax: every weight
// is then at least e^-60/K, so log w is finite and the sums stay away
// from 0, and exp of a logit fits float32.
const dsfMaxLogit = 30

// dsf is the deep sigmoidal flow transformer (Huang et al. 2018) with
// the identity mixed in:
//
//	T(x) = σ⁻¹(Σ_k w_k σ(a_k x + b_k)) + ε·x,   ε = monoMinSlope,
//
// computed in log space: with p = Σ_k w_k σ(u_k) (u_k = a_k x + b_k),
// 1 - p = Σ_k w_k σ(-u_k), so σ⁻¹(p) = log p - log(1 - p) is a difference
// of two log-sum-exps of log w_k + log σ(±u_k), and
//
//	T'(x) = Σ_k w_k a_k σ(u_k) σ(-u_k) / (p (1 - p)) + ε
//
// is a third, minus both, then added to ε in log space. Since
// Σ w σ(1-σ) ≤ p(1-p) (their difference is the variance of σ(u_k) under
// w), the DSF part's slope is at most max_k a_k; the mixed-in ε·x keeps
// it at least ε, even where the sigmoids saturate or two groups of units
// leave a plateau between them.
type dsf struct {
	k int
	// a0 is softplus's offset: a raw slope parameter of 0 gives
	// a = 1 - ε, so that the map starts with slope about 1.
	a0 float64
	// bOff are the units' offset spread (dsfSpread).
	bOff []float64
}

func newDSF(k int) *dsf {
	t := &dsf{k: k, a0: math.Log(math.Expm1(1 - monoMinSlope)), bOff: make([]float64, k)}
	for u := range k {
		if k > 1 {
			t.bOff[u] = dsfSpread * (2*float64(u)/float64(k-1) - 1)
		}
	}
	return t
}

func (t *dsf) params() int { return 3 * t.k }

func (t *dsf) prepare(b *ir.Builder, theta ir.Value, d int) monoMap {
	k, n := t.k, d*t.k
	th := b.PermuteCols(theta, monoGroups(d, k, k, k))
	a := posSoftplus(b, b.AddConst(b.SliceCols(th, 0, n), t.a0))
	loga := b.Log(a)
	off := b.Add(b.SliceCols(th, n, 2*n), rowConst(b, tiled(t.bOff, d)))
	l := b.Clamp(b.SliceCols(th, 2*n, 3*n), -dsfMaxLogit, dsfMaxLogit)
	logw := b.Sub(l, b.SegExpand(b.Log(b.SegSum(b.Exp(l), k)), k))
	logEps := math.Log(monoMinSlope)
	eval := func(x ir.Value, wantLd bool) (y, ld ir.Value) {
		u := b.Add(b.Mul(a, b.SegExpand(x, k)), off)
		lsp := b.Neg(b.Softplus(b.Neg(u))) // log σ(u)
		lsn := b.Sub(lsp, u)               // log σ(-u) = log σ(u) - u
		lp := segLogSumExp(b, b.Add(logw, lsp), d, k)
		lq := segLogSumExp(b, b.Add(logw, lsn), d, k)
		y = b.Add(b.Sub(lp, lq), b.Scale(x, monoMinSlope))
		if !wantLd {
			return y, ir.None
		}
		num := segLogSumExp(b, b.Add(b.Add(logw, loga), b.Add(lsp, lsn)), d, k)
		dl := b.Sub(num, b.Add(lp, lq)) // log of the DSF part's slope
		// log(e^dl + ε) = dl + softplus(log ε - dl)
		return y, b.Add(dl, b.Softplus(b.AddConst(b.Neg(dl), logEps)))
	}
	amax := segMax(b, a, d, k)
	if d > 1 {
		amax = b.Scale(b.SegSum(amax, k), 1/float64(k))
	}
	return monoMap{eval: eval, slopeLo: b.Scalar(monoMinSlope), slopeHi: b.AddConst(amax, monoMinSlope)}
}
