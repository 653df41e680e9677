package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// Elementwise bijectors: Sigmoid, Logit, Tanh, LeakyReLU and Affine. Each
// maps every coordinate by the same scalar function, so the Jacobian is
// diagonal and the log-det is a sum over the columns. None reads a
// context.

// belowOne is the largest float64 below 1 (1 - 2⁻⁵³). Inverses clamp their
// input into [-belowOne, belowOne] or (0, belowOne] so that values on or
// beyond the boundary of the layer's range (which exact arithmetic never
// produces, but rounding can) give finite results.
const belowOne = 1 - 0x1p-53

// tinyPositive is the lower clamp of values whose logarithm is taken: small
// enough to leave every reasonable input alone, large enough that 1/x (the
// derivative of log) stays finite.
const tinyPositive = 1e-300

func init() {
	register(&Spec{
		Name:   "Sigmoid",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Elementwise logistic sigmoid z = 1/(1+exp(-x)), mapping R^D onto (0,1)^D. " +
			"log-det = sum log(sigmoid(x)(1-sigmoid(x))) = -sum(softplus(x) + softplus(-x)) (stable for any x). " +
			"Inverse x = log(z) - log(1-z) (z clamped into (0,1)). The flow is a normalised density only if the " +
			"stages after it map (0,1)^D onto R^D (e.g. Logit). Forward (density) and inverse (sampling) are O(B*D).",
		Paper: "Rezende & Mohamed 2015, Variational Inference with Normalizing Flows (elementwise bijections); " +
			"Papamakarios et al. 2021, Normalizing Flows for Probabilistic Modeling and Inference",
		NotInvertible: "its inverse (a logit) is defined on (0, 1) only; for a map from (0, 1) to all of R, use Logit",
		New:           func(cfg Config) Layer { return &sigmoidLayer{name: cfg.Name} },
	})
	register(&Spec{
		Name: "Logit",
		Kind: Bijector,
		Params: []Param{
			{Name: "margin", Type: Float, Default: []float64{1e-6}, Min: 0, Max: 0.5, MaxOpen: true,
				Doc: "x is first squeezed affinely into [margin, 1-margin]: x' = margin + (1-2*margin)*x"},
		},
		MinDim: 1,
		Doc: "Elementwise logit for data in [0,1]: x' = margin + (1-2*margin)*x, z = log(x'/(1-x')), mapping " +
			"(0,1)^D onto R^D (with margin > 0, the closed cube [0,1]^D onto a bounded box). " +
			"log-det = sum(log(1-2*margin) - log(x') - log(1-x')). Inverse x = (sigmoid(z) - margin)/(1-2*margin). " +
			"Domain: x with 0 < x' < 1; a row outside it has log-det -Inf (density 0). Forward (density) and " +
			"inverse (sampling) are O(B*D).",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017, Density estimation using Real NVP (logit pre-processing); " +
			"Papamakarios, Pavlakou & Murray 2017, Masked Autoregressive Flow for Density Estimation",
		NotInvertible: "its inverse maps all of R into (0, 1), where the flow after it would see no density outside; use Sigmoid",
		New: func(cfg Config) Layer {
			return &logitLayer{name: cfg.Name, margin: cfg.Args.Float("margin")}
		},
		Domain: logitDomain,
	})
	register(&Spec{
		Name:   "Tanh",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Elementwise hyperbolic tangent z = tanh(x), mapping R^D onto (-1,1)^D. " +
			"log-det = sum log(1-tanh(x)^2) = sum(log 4 + 2x - 2*softplus(2x)) (stable for any x). " +
			"Inverse x = atanh(z) = log((1+z)/(1-z))/2 (z clamped into (-1,1)). The flow is a normalised " +
			"density only if the stages after it map (-1,1)^D onto R^D. Forward (density) and inverse (sampling) " +
			"are O(B*D).",
		Paper:         "Rezende & Mohamed 2015, Variational Inference with Normalizing Flows (elementwise bijections)",
		NotInvertible: "its inverse is defined on (-1, 1) only",
		New:           func(cfg Config) Layer { return &tanhLayer{name: cfg.Name} },
	})
	register(&Spec{
		Name: "LeakyReLU",
		Kind: Bijector,
		Params: []Param{
			{Name: "slope", Type: Float, Default: []float64{0.01}, Min: 0, MinOpen: true, Max: 1,
				Doc: "slope of the negative half-line"},
		},
		MinDim: 1,
		Doc: "Elementwise leaky ReLU: z = x for x > 0, z = slope*x otherwise. log-det = log(slope) times the " +
			"number of coordinates with x <= 0. Inverse z for z > 0, z/slope otherwise. Forward (density) and " +
			"inverse (sampling) are O(B*D).",
		Paper: "Maas, Hannun & Ng 2013, Rectifier Nonlinearities Improve Neural Network Acoustic Models; as a " +
			"bijector: Papamakarios et al. 2021, Normalizing Flows for Probabilistic Modeling and Inference",
		New: func(cfg Config) Layer {
			return &leakyReLU{name: cfg.Name, slope: cfg.Args.Float("slope")}
		},
	})
	register(&Spec{
		Name:   "Affine",
		Kind:   Bijector,
		MinDim: 1,
		Doc: "Learned elementwise affine map z = x*exp(log_scale) + shift, per dimension, initialised at the " +
			"identity (log_scale = shift = 0). log-det = sum(log_scale), the same for every row. " +
			"Inverse x = (z - shift)*exp(-log_scale). Forward (density) and inverse (sampling) are O(B*D).",
		Paper: "Dinh, Krueger & Bengio 2015, NICE: Non-linear Independent Components Estimation (diagonal scaling)",
		New: func(cfg Config) Layer {
			row := ir.Shape{Rows: 1, Cols: cfg.Dim}
			return &affineLayer{
				name:     cfg.Name,
				logScale: cfg.Param("log_scale", row, ir.Init{Kind: ir.InitZero}),
				shift:    cfg.Param("shift", row, ir.Init{Kind: ir.InitZero}),
			}
		},
	})
}

// batchColumn repeats a [1,1] value down the rows of x: [B,1].
func batchColumn(b *ir.Builder, v, x ir.Value) ir.Value {
	return b.BroadcastRows(v, ir.Shape{Rows: b.Type(x).Rows, Cols: 1}, false)
}

// logSech2 emits log(1 - tanh(t)²) = log 4 + 2t - 2·softplus(2t)
// elementwise, without cancellation for any t: for t → +∞ it is
// log 4 - 2t + O(e^-2t), for t → -∞ log 4 + 2t.
func logSech2(b *ir.Builder, t ir.Value) ir.Value {
	t2 := b.Scale(t, 2)
	return b.AddConst(b.Sub(t2, b.Scale(b.Softplus(t2), 2)), math.Log(4))
}

// sigmoidLayer is z = σ(x).
type sigmoidLayer struct{ name string }

func (s *sigmoidLayer) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(s.name))
	// log σ(x) + log(1-σ(x)) = -softplus(-x) - softplus(x).
	ld := b.Neg(b.SumCols(b.Add(b.Softplus(x), b.Softplus(b.Neg(x)))))
	return b.Sigmoid(x), ld
}

func (s *sigmoidLayer) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(s.name + "/inverse"))
	// The inverse is never differentiated, so the clamp can go down to
	// the smallest positive float: σ(x) is representable down to x ≈ -745.
	zc := b.Clamp(z, math.SmallestNonzeroFloat64, belowOne)
	// 1 - zc is exact for zc ≥ 1/2 (Sterbenz), so z near 1 loses nothing
	// beyond the rounding already in z.
	return b.Sub(b.Log(zc), b.Log(b.AddConst(b.Neg(zc), 1)))
}

// logitLayer is z = logit(margin + (1-2·margin)·x).
type logitLayer struct {
	name   string
	margin float64
}

// squeeze emits x' = margin + (1-2·margin)·x clamped into (0,1), 1-x',
// and the support of the unclamped x' (0 where every coordinate is in
// (0, 1), −Inf elsewhere: logitSqueeze and logitDomain compute the same).
// The clamp keeps the latents and log-det of a row outside the domain
// finite, so that the −Inf of its support is its log-density, not a NaN.
func (l *logitLayer) squeeze(b *ir.Builder, x ir.Value) (xs, oneMinus, support ir.Value) {
	raw := b.AddConst(b.Scale(x, 1-2*l.margin), l.margin)
	xs = b.Clamp(raw, tinyPositive, belowOne)
	return xs, b.AddConst(b.Neg(xs), 1), b.Support(raw, 0, 1, false)
}

// Preprocess marks Logit as data preprocessing (see Preprocessor): a
// leading Logit is part of the defensive Gaussian too, so that the
// mixture has the flow's domain.
func (l *logitLayer) Preprocess() {}

func (l *logitLayer) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(l.name))
	xs, om, support := l.squeeze(b, x)
	lx, lom := b.Log(xs), b.Log(om)
	z = b.Sub(lx, lom)
	ld := b.Neg(b.SumCols(b.Add(lx, lom)))
	if l.margin != 0 {
		d := float64(b.Type(x).Cols)
		ld = b.AddConst(ld, d*math.Log(1-2*l.margin))
	}
	return z, b.Add(ld, support)
}

func (l *logitLayer) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(l.name + "/inverse"))
	xs := b.Sigmoid(z)
	if l.margin == 0 {
		return xs
	}
	return b.Scale(b.AddConst(xs, -l.margin), 1/(1-2*l.margin))
}

// tanhLayer is z = tanh(x).
type tanhLayer struct{ name string }

func (t *tanhLayer) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(t.name))
	return b.Tanh(x), b.SumCols(logSech2(b, x))
}

func (t *tanhLayer) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(t.name + "/inverse"))
	zc := b.Clamp(z, -belowOne, belowOne)
	// atanh(z) = (log(1+z) - log(1-z))/2; 1±z is exact near ∓1.
	return b.Scale(b.Sub(b.Log(b.AddConst(zc, 1)), b.Log(b.AddConst(b.Neg(zc), 1))), 0.5)
}

// leakyReLU is z = x (x > 0), slope·x (x ≤ 0).
type leakyReLU struct {
	name  string
	slope float64
}

// The map is written as relu(x) - slope·relu(-x) rather than with Where,
// so that both halves are exact: Where's arithmetic blend would round
// positive values by as much as an ulp of x/slope.
func (l *leakyReLU) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(l.name))
	z = b.Sub(b.Relu(x), b.Scale(b.Relu(b.Neg(x)), l.slope))
	if l.slope == 1 {
		return z, ir.None
	}
	// log(slope) for each coordinate that is not positive (x = 0 takes
	// the slope from the left; a single point, so no density changes).
	notPos := b.AddConst(b.Neg(b.Greater(x, b.Scalar(0))), 1)
	return z, b.Scale(b.SumCols(notPos), math.Log(l.slope))
}

func (l *leakyReLU) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(l.name + "/inverse"))
	return b.Sub(b.Relu(z), b.Scale(b.Relu(b.Neg(z)), 1/l.slope))
}

// affineLayer is z = x·exp(log_scale) + shift.
type affineLayer struct {
	name            string
	logScale, shift int
}

func (a *affineLayer) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(a.name))
	ls := b.Param(a.logScale)
	z = b.Add(b.Mul(x, b.Exp(ls)), b.Param(a.shift))
	return z, batchColumn(b, b.SumCols(ls), x)
}

func (a *affineLayer) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(a.name + "/inverse"))
	return b.Mul(b.Sub(z, b.Param(a.shift)), b.Exp(b.Neg(b.Param(a.logScale))))
}
