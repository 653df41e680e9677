package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// Priors beyond the standard normal: a learned (optionally conditional)
// diagonal Gaussian, a mixture of diagonal Gaussians, the standard
// logistic and a product of Student-t distributions. Each emits its
// log-density per row and a sampler; gradients come from package ad.

// priorBoundParam is the bound on a learned log-scale, as MAF's.
func priorBoundParam() Param {
	return Param{Name: "bound", Type: Float, Default: []float64{10}, Min: 0, Max: 1e6,
		Doc: "bound on the log standard deviations: log sigma = bound*tanh(s/bound) for the learned s; " +
			"0 leaves them unbounded. The default keeps every sigma within e^±10, so that no input or " +
			"context, however far from the data, overflows the density into Inf or NaN"}
}

func init() {
	register(&Spec{
		Name:   "DiagGaussian",
		Kind:   Prior,
		Params: []Param{priorBoundParam()},
		MinDim: 1,
		Doc: "Learned diagonal Gaussian prior N(mu, diag sigma^2): log p(z) = sum_i [-(z_i - mu_i)^2/(2 sigma_i^2) " +
			"- log sigma_i] - (D/2) log 2pi, with mu (loc) and the log standard deviations (log_scale, bounded " +
			"as bound*tanh(s/bound)) learned, initialised at N(0, I). With a context c, mu and s are affine " +
			"in c: [mu, s] = [loc, log_scale] + c*W (W is [C, 2D], initialised at 0, so it also starts at " +
			"N(0, I)). Density and sampling are O(B*D), plus O(B*C*D) with a context.",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017, Density estimation using Real NVP (learned Gaussian prior); " +
			"Winkler, Worrall, Hoogeboom & Welling 2019, Learning Likelihoods with Conditional Normalizing Flows " +
			"(conditional base density)",
		Context: true,
		New:     newDiagGaussian,
	})
	register(&Spec{
		Name: "GaussianMixture",
		Kind: Prior,
		Params: []Param{
			{Name: "k", Type: Int, Default: []float64{4}, Min: 1, Max: 1 << 10,
				Doc: "number of mixture components"},
			priorBoundParam(),
		},
		MinDim: 1,
		Doc: "Mixture of K diagonal Gaussians: log p(z) = logsumexp_k(log w_k + sum_i log N(z_i; mu_ki, sigma_ki^2)), " +
			"w = softmax(logits), with learned logits (initially 0: equal weights), means (initially N(0,1) draws) " +
			"and log standard deviations (bounded as bound*tanh(s/bound), initially log sigma = -log(2)/2). " +
			"With a context c the logits are logits + c*W (W is [C, K], initialised at 0). " +
			"Density is O(B*K*D) (plus O(B*C*K) with a context); sampling draws a component per row from " +
			"the weights by inverting their cumulative sum at a uniform draw, then mu + sigma*eps, O(B*K*D).",
		Paper: "Izmailov, Kirichenko, Finzi & Wilson 2020, Semi-Supervised Learning with Normalizing Flows " +
			"(FlowGMM: a Gaussian mixture base distribution)",
		Context: true,
		New:     newGaussianMixture,
	})
	register(&Spec{
		Name:   "Logistic",
		Kind:   Prior,
		MinDim: 1,
		Doc: "Standard logistic prior, independent per dimension: log p(z) = sum_i [-z_i - 2 softplus(-z_i)]. " +
			"Sampling is the logit of uniforms, log u - log(1 - u), with u clamped into [2^-54, 1 - 2^-53]. " +
			"No learned parameters (put Affine before it for a learned location and scale). " +
			"Density and sampling are O(B*D).",
		Paper: "Dinh, Krueger & Bengio 2015, NICE: Non-linear Independent Components Estimation (logistic prior)",
		New: func(cfg Config) Layer {
			return &logisticPrior{dim: cfg.Dim, name: cfg.Name}
		},
	})
	register(&Spec{
		Name: "StudentT",
		Kind: Prior,
		Params: []Param{
			{Name: "df", Type: Int, Default: []float64{5}, Min: 1, Max: 100,
				Doc: "degrees of freedom nu of every dimension (fixed, not learned)"},
		},
		MinDim: 1,
		Doc: "Heavy-tailed prior: independent Student-t distributions with nu degrees of freedom, " +
			"log p(z) = sum_i [lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2 - (nu+1)/2 log(1 + z_i^2/nu)]. " +
			"Sampling is exact: t = n / sqrt(chi2/nu) with chi2 the sum of nu squared standard normals. " +
			"Density is O(B*D); sampling draws B*D*(nu+1) normals, O(B*D*nu).",
		Paper: "Jaini, Kobyzev, Yu & Brubaker 2020, Tails of Lipschitz Triangular Flows; Alexanderson & Henter " +
			"2020, Robust model training and generalisation with Studentising flows",
		New: func(cfg Config) Layer {
			nu := cfg.Args.Int("df")
			return &studentT{dim: cfg.Dim, name: cfg.Name, nu: nu}
		},
	})
}

// priorBoundLogScale returns bound*tanh(s/bound), or s when bound is 0.
func priorBoundLogScale(b *ir.Builder, s ir.Value, bound float64) ir.Value {
	if bound <= 0 {
		return s
	}
	return b.Scale(b.Tanh(b.Scale(s, 1/bound)), bound)
}

// priorUnboundLogScale is the inverse of priorBoundLogScale: the raw parameter that
// gives log-scale v (|v| < bound).
func priorUnboundLogScale(v, bound float64) float64 {
	if bound <= 0 {
		return v
	}
	return bound * math.Atanh(v/bound)
}

// priorLogSumExp emits log Σ_j exp(x_j) per row ([r,1]), shifted by the row
// maximum so that no exp overflows and at least one term is 1.
func priorLogSumExp(b *ir.Builder, x ir.Value) ir.Value {
	m := b.MaxCols(x)
	return b.Add(m, b.Log(b.SumCols(b.Exp(b.Sub(x, m)))))
}

// priorHalfLog2Pi is ½·log 2π.
var priorHalfLog2Pi = 0.5 * math.Log(2*math.Pi)

// diagGaussian is N(loc, diag exp(2·logs)), with loc and logs affine in the
// context when there is one.
type diagGaussian struct {
	dim, ctx  int
	name      string
	bound     float64
	loc, logs int
	ctxW      int // parameter index of W ([C, 2D]), or -1
}

func newDiagGaussian(cfg Config) Layer {
	g := &diagGaussian{dim: cfg.Dim, ctx: cfg.ContextDim, name: cfg.Name, bound: cfg.Args.Float("bound"), ctxW: -1}
	row := ir.Shape{Rows: 1, Cols: cfg.Dim}
	g.loc = cfg.Param("loc", row, ir.Init{Kind: ir.InitZero})
	g.logs = cfg.Param("log_scale", row, ir.Init{Kind: ir.InitZero})
	if g.ctx > 0 {
		g.ctxW = cfg.Param("ctx.w", ir.Shape{Rows: g.ctx, Cols: 2 * cfg.Dim}, ir.Init{Kind: ir.InitZero})
	}
	return g
}

// params emits the mean and bounded log standard deviation: [1,D] each,
// or [B,D] with a context.
func (g *diagGaussian) params(b *ir.Builder, env *Env) (mu, logs ir.Value) {
	mu, s := b.Param(g.loc), b.Param(g.logs)
	if g.ctxW >= 0 {
		h := b.MatMul(env.Context, b.Param(g.ctxW), 0)
		mu = b.Add(b.SliceCols(h, 0, g.dim), mu)
		s = b.Add(b.SliceCols(h, g.dim, 2*g.dim), s)
	}
	return mu, priorBoundLogScale(b, s, g.bound)
}

func (g *diagGaussian) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(g.name))
	mu, logs := g.params(b, env)
	u := b.Mul(b.Sub(z, mu), b.Exp(b.Neg(logs)))
	lp := b.Sub(b.Scale(b.SumCols(b.Mul(u, u)), -0.5), b.SumCols(logs))
	return b.AddConst(lp, -float64(g.dim)*priorHalfLog2Pi)
}

func (g *diagGaussian) Sample(b *ir.Builder, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(g.name + "/sample"))
	mu, logs := g.params(b, env)
	eps := b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: g.dim})
	return b.Add(b.Mul(eps, b.Exp(logs)), mu)
}

// gaussianMixture is Σ_k w_k N(loc_k, diag exp(2·logs_k)). Means and
// log-scales are stored as one row of K blocks of D columns (column
// k·D+i is component k, dimension i), so that per-component sums are
// SegSums over groups of D.
type gaussianMixture struct {
	dim, k, ctx       int
	name              string
	bound             float64
	logits, loc, logs int
	ctxW              int // parameter index of W ([C, K]), or -1
}

// mixtureInitLogScale is the components' initial log standard deviation:
// variance ½, so that with means drawn from N(0, 1) the mixture's spread is
// near the unit scale of standardized data.
var mixtureInitLogScale = -0.5 * math.Log(2)

func newGaussianMixture(cfg Config) Layer {
	k := cfg.Args.Int("k")
	m := &gaussianMixture{dim: cfg.Dim, k: k, ctx: cfg.ContextDim, name: cfg.Name, bound: cfg.Args.Float("bound"), ctxW: -1}
	blocks := ir.Shape{Rows: 1, Cols: k * cfg.Dim}
	m.logits = cfg.Param("logits", ir.Shape{Rows: 1, Cols: k}, ir.Init{Kind: ir.InitZero})
	m.loc = cfg.Param("loc", blocks, ir.Init{Kind: ir.InitNormal, Scale: 1})
	m.logs = cfg.Param("log_scale", blocks, ir.Init{Kind: ir.InitConst, Scale: priorUnboundLogScale(mixtureInitLogScale, m.bound)})
	if m.ctx > 0 {
		m.ctxW = cfg.Param("ctx.w", ir.Shape{Rows: m.ctx, Cols: k}, ir.Init{Kind: ir.InitZero})
	}
	return m
}

// logWeights emits log w = log softmax(logits): [1,K], or [B,K] with a
// context.
func (m *gaussianMixture) logWeights(b *ir.Builder, env *Env) ir.Value {
	logits := b.Param(m.logits)
	if m.ctxW >= 0 {
		logits = b.Add(b.MatMul(env.Context, b.Param(m.ctxW), 0), logits)
	}
	return b.Sub(logits, priorLogSumExp(b, logits))
}

func (m *gaussianMixture) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(m.name))
	d, k := m.dim, m.k
	// zr[:, c·D+i] = z[:, i]: SegExpand gives column i·K+c, then a gather
	// reorders the copies into component blocks.
	zr := z
	if k > 1 {
		perm := make([]int, k*d)
		for c := range k {
			for i := range d {
				perm[c*d+i] = i*k + c
			}
		}
		zr = b.PermuteCols(b.SegExpand(z, k), perm)
	}
	logs := priorBoundLogScale(b, b.Param(m.logs), m.bound)
	u := b.Mul(b.Sub(zr, b.Param(m.loc)), b.Exp(b.Neg(logs)))
	// Per component: Σ_i [-½u² - log σ], [B,K].
	comp := b.SegSum(b.Sub(b.Scale(b.Mul(u, u), -0.5), logs), d)
	lp := priorLogSumExp(b, b.Add(comp, m.logWeights(b, env)))
	return b.AddConst(lp, -float64(d)*priorHalfLog2Pi)
}

func (m *gaussianMixture) Sample(b *ir.Builder, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(m.name + "/sample"))
	d, k := m.dim, m.k
	mu := b.Param(m.loc)
	sigma := b.Exp(priorBoundLogScale(b, b.Param(m.logs), m.bound))
	eps := b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: d})
	if k == 1 {
		return b.Add(b.Mul(eps, sigma), mu)
	}
	// Component per row: with cumulative weights C_0 ≤ … ≤ C_{K-2} and a
	// uniform u, g_c = [u > C_c] is 1 for the first j thresholds, where j
	// is the drawn component; onehot = [1, g] - [g, 0]. C_{K-1} = 1 is
	// never compared, so rounding of the sum cannot leave a row without a
	// component.
	cum := b.SliceCols(b.SegCumsum(b.Exp(m.logWeights(b, env)), k, false), 0, k-1)
	u := b.RandUniform(ir.Shape{Rows: ir.Batch, Cols: 1})
	g := b.Greater(b.BroadcastCols(u, ir.Shape{Rows: ir.Batch, Cols: k - 1}), cum)
	e0 := make([]float64, k)
	e0[0] = 1
	onehot := b.Add(b.Sub(b.PadCols(g, 1, k), b.PadCols(g, 0, k)), b.Const(ir.Shape{Rows: 1, Cols: k}, e0))
	// select(row)[:, i] = Σ_c onehot_c · row[c·D+i]: expand the one-hot
	// over each block, gather the K copies of each dimension together and
	// sum them.
	sel := b.SegExpand(onehot, d)
	perm := make([]int, k*d)
	for i := range d {
		for c := range k {
			perm[i*k+c] = c*d + i
		}
	}
	pick := func(row ir.Value) ir.Value {
		return b.SegSum(b.PermuteCols(b.Mul(sel, row), perm), k)
	}
	return b.Add(b.Mul(eps, pick(sigma)), pick(mu))
}

// logisticPrior is the standard logistic distribution per dimension.
type logisticPrior struct {
	dim  int
	name string
}

func (l *logisticPrior) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(l.name))
	// log σ(z) + log σ(-z) = -z - 2·softplus(-z): softplus never
	// overflows, so this is finite for every finite z.
	return b.SumCols(b.Sub(b.Neg(z), b.Scale(b.Softplus(b.Neg(z)), 2)))
}

func (l *logisticPrior) Sample(b *ir.Builder, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(l.name + "/sample"))
	u := b.Clamp(b.RandUniform(ir.Shape{Rows: ir.Batch, Cols: l.dim}), 0x1p-54, 1-0x1p-53)
	return b.Sub(b.Log(u), b.Log(b.AddConst(b.Neg(u), 1)))
}

// studentT is a product of independent Student-t distributions with nu
// degrees of freedom.
type studentT struct {
	dim, nu int
	name    string
}

// studentTConst is the log normalising constant of one dimension.
func studentTConst(nu float64) float64 {
	a, _ := math.Lgamma((nu + 1) / 2)
	c, _ := math.Lgamma(nu / 2)
	return a - c - 0.5*math.Log(nu*math.Pi)
}

func (s *studentT) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(s.name))
	nu := float64(s.nu)
	l := b.SumCols(b.Log(b.AddConst(b.Scale(b.Mul(z, z), 1/nu), 1)))
	return b.AddConst(b.Scale(l, -(nu+1)/2), float64(s.dim)*studentTConst(nu))
}

func (s *studentT) Sample(b *ir.Builder, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(s.name + "/sample"))
	n := b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: s.dim})
	g := b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: s.dim * s.nu})
	// χ²_ν per dimension: groups of ν consecutive squared normals. It is
	// 0 with probability 0; the clamp keeps the division finite anyway.
	chi := b.Clamp(b.SegSum(b.Mul(g, g), s.nu), 1e-300, math.MaxFloat64)
	return b.Div(n, b.Sqrt(b.Scale(chi, 1/float64(s.nu))))
}
