package stdlib

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Block neural autoregressive flow (De Cao, Aziz & Titov 2019). One
// network maps R^D to R^D: L = layers+1 linear maps with tanh between
// them, whose weights are block matrices of D×D blocks. A hidden layer
// has `hidden` units per dimension, laid out dimension-major (unit k of
// dimension d at column d·hidden + k); the input and the output have one.
// In the [in,out] layout of nox's weights, block (i, d) joins the units of
// input dimension i to those of output dimension d: it is zero for i > d
// (a static mask), positive for i = d and free for i < d. So output d
// depends on inputs ≤ d, the Jacobian is lower triangular, and its
// diagonal ∂y_d/∂x_d is a product of the positive diagonal blocks and the
// positive tanh derivatives: the map is monotone in each x_d.

func init() {
	register(&Spec{
		Name: "BNAF",
		Kind: Bijector,
		Params: []Param{
			{Name: "hidden", Type: Int, Default: []float64{16}, Min: 1, Max: 1024,
				Doc: "hidden units per dimension in each hidden layer (the width of a block)"},
			{Name: "layers", Type: Int, Default: []float64{2}, Min: 1, Max: 16,
				Doc: "tanh hidden layers (the network has layers+1 block-masked linear maps)"},
		},
		MinDim: 1,
		Doc: "Block neural autoregressive flow: y = sigmoid(-g)*x + sigmoid(g)*f(x) per dimension (a learned gate g " +
			"per dimension, the paper's gated residual), f a network of layers+1 block lower-triangular linear maps " +
			"with tanh between them; a hidden layer has `hidden` units per dimension. Diagonal blocks are exp of a " +
			"free parameter (positive), blocks above the diagonal are masked to zero, each weight column is " +
			"weight-normalised (W = e^lambda*V/|V|). f is bounded, so the gate's linear term makes each y_i " +
			"a bijection of R. log-det = sum_i softplus(g_i + log(df_i/dx_i + 1e-30)) - softplus(g_i), df_i/dx_i " +
			"the product of the diagonal blocks and tanh derivatives (linear space; the 1e-30 changes the log-det " +
			"by at most e^g*1e-30). Forward (density) is one pass, " +
			"O(B*D^2*hidden^2*layers) (about half of it skipped by the masks); inverse (sampling) solves one " +
			"dimension at a time by 60 bisection steps on a bracket of width 2*e^g*sum(last diagonal block), " +
			"a safeguarded Newton step and a last Newton step from the root (its derivative the implicit one), each step a pass over dimension i's diagonal blocks " +
			"(O(B*hidden^2*layers)), plus the off-diagonal terms once per dimension: about one forward pass " +
			"and 62*D*layers small products. Optional context, concatenated to the first layer's input through " +
			"a full (unmasked) weight. Initialised near the identity (gate sigmoid(g) = 0.27). Parameters are stored divided by 5 " +
			"(Adam then steps as at 5x the learning rate: the weight normalisation learns slowly at 1e-3).",
		Paper:            "De Cao, Aziz & Titov 2019, Block Neural Autoregressive Flow (UAI 2019)",
		Context:          true,
		NumericalInverse: true,
		// Measured (peak resident size of `noxc run`, one training step,
		// 300 rows): BNAF(hidden = 1, layers = 1) over 300 and 1,200
		// columns, 253 MB and 1,422 MB; BNAF(16, 2) over 20 and 60
		// columns, 70 MB and 369 MB. Less the parameters' share of
		// compiler.TrainMemory, that is about 1 MB and 5.6 MB per column
		// (the unrolled solve, and the weight normalisation's
		// intermediates, (D·hidden)² each, in every program). 2 MB puts
		// the estimate within 0.64x and 1.9x of all four.
		SolveBytes: 2 << 20,
		New:        newBNAF,
	})
}

// bnafGateInit is the gate's initial value: σ(g) = 0.27, so a new layer
// is y = 0.73x + 0.27f(x), near the identity (a flow starts near the
// Gaussian that standardization fits) while f's parameters get gradients
// from the first step. On moons (3 layers of BNAF(16), 2000 steps at lr
// 1e-3, parameters stored /5) g = -1 gave a test NLL of 2.534 and g = 0
// 2.488; stored /10, g = -1 2.474, g = 0 2.470, g = -log 9 (σ = 0.1) 2.530.
const bnafGateInit = -1.0

// bnafBisections and bnafNewton are the iteration counts of the inverse,
// as planar's: 60 halvings shrink the bracket by 2⁶⁰; the Newton steps
// (the first kept inside the bracket, the last from the root found,
// see solveDim) polish to rounding where the bracket was wide.
const (
	bnafBisections = 60
	bnafNewton     = 2
)

// bnafStep scales every stored parameter: the layer uses bnafStep·θ for
// a stored θ (initialised at its value / bnafStep). Adam's steps are
// about lr in each stored parameter whatever its gradient's size, so the
// layer moves as it would at bnafStep times the learning rate (the paper
// trains at 1e-2; nox's default is 1e-3). The weight normalisation makes
// BNAF slow at 1e-3 (a column's length changes only through λ, in log
// space): on moons, 2000 steps at 1e-3 unscaled reach a test NLL of 2.93,
// at 5x 2.53, at 10x 2.47 (MAF's: 2.46). 10 makes the harness's
// perturbation of the stored parameters (0.3) a perturbation of 3, which
// saturates the network until finite differences cannot check its
// gradients; 5 passes.
const bnafStep = 5

// param emits the value of a parameter: bnafStep times the stored one.
func (n *bnaf) param(b *ir.Builder, i int) ir.Value {
	return b.Scale(b.Param(i), bnafStep)
}

type bnaf struct {
	name   string
	dim    int
	widths []int // units per dimension of each layer: 1, hidden, …, hidden, 1
	// v, lam and bias are parameter indices per linear map: the raw
	// weights V ([D·a_{l-1}, D·a_l]), the log-scales λ of the weight
	// normalisation and the biases ([1, D·a_l] each).
	v, lam, bias []int
	ctxW         int // the context weight [ctx, D·a_1], or -1
	gate         int // g, [1,D]
	// masks per linear map, made at their first use: diag (the
	// diagonal blocks), off (the blocks below it) and all (both).
	diag, off, all [][]float64
}

func newBNAF(cfg Config) Layer {
	d, a, layers := cfg.Dim, cfg.Args.Int("hidden"), cfg.Args.Int("layers")
	n := &bnaf{name: cfg.Name, dim: d, ctxW: -1}
	n.widths = append(n.widths, 1)
	for range layers {
		n.widths = append(n.widths, a)
	}
	n.widths = append(n.widths, 1)
	rng := rand.New(rand.NewPCG(0x424e4146, uint64(cfg.Ordinal)))
	for l := 1; l < len(n.widths); l++ {
		in, out := n.widths[l-1], n.widths[l]
		// Glorot's uniform bound for a block; the diagonal entries are
		// exp of theirs, near 1.
		scale := math.Sqrt(6 / float64(in+out))
		n.v = append(n.v, cfg.Param(fmt.Sprintf("l%d.v", l), ir.Shape{Rows: d * in, Cols: d * out}, ir.Init{Kind: ir.InitUniform, Scale: scale / bnafStep}))
		lam := make([]float64, d*out)
		for k := range lam {
			lam[k] = math.Log(1-rng.Float64()) / bnafStep // as the paper: log U(0,1]
		}
		n.lam = append(n.lam, cfg.Param(fmt.Sprintf("l%d.scale", l), ir.Shape{Rows: 1, Cols: d * out}, ir.Init{Kind: ir.InitData, Data: lam}))
		binit := ir.Init{Kind: ir.InitUniform, Scale: 1 / math.Sqrt(float64(out)) / bnafStep}
		if l == len(n.widths)-1 {
			binit = ir.Init{Kind: ir.InitZero}
		}
		n.bias = append(n.bias, cfg.Param(fmt.Sprintf("l%d.b", l), ir.Shape{Rows: 1, Cols: d * out}, binit))
		n.diag, n.off, n.all = append(n.diag, nil), append(n.off, nil), append(n.all, nil)
	}
	if cfg.ContextDim > 0 {
		n.ctxW = cfg.Param("ctx.w", ir.Shape{Rows: cfg.ContextDim, Cols: d * n.widths[1]},
			ir.Init{Kind: ir.InitUniform, Scale: 1 / math.Sqrt(float64(1+cfg.ContextDim)) / bnafStep})
	}
	n.gate = cfg.Param("gate", ir.Shape{Rows: 1, Cols: d}, ir.Init{Kind: ir.InitConst, Scale: bnafGateInit / bnafStep})
	return n
}

// makeMasks fills linear map l's masks.
func (n *bnaf) makeMasks(l int) {
	if n.all[l] != nil {
		return
	}
	in, out := n.widths[l], n.widths[l+1]
	rows, cols := n.dim*in, n.dim*out
	diag, off, all := make([]float64, rows*cols), make([]float64, rows*cols), make([]float64, rows*cols)
	for r := range rows {
		for c := range cols {
			switch i, d := r/in, c/out; {
			case i == d:
				diag[r*cols+c], all[r*cols+c] = 1, 1
			case i < d:
				off[r*cols+c], all[r*cols+c] = 1, 1
			}
		}
	}
	n.diag[l], n.off[l], n.all[l] = diag, off, all
}

// bnafWeights are a layer's weights emitted once per program.
type bnafWeights struct {
	// w are the normalised weights [D·a_{l-1}, D·a_l], masked to the
	// block lower triangle; bias the biases, first the first map's bias
	// plus c·W_c with a context.
	w, bias []ir.Value
	first   ir.Value
	// diag are the weights' diagonal blocks, the rest masked to 0.
	diag []ir.Value
	gate ir.Value
}

// weights emits the weight-normalised weights of De Cao et al.:
// W = e^λ·U/|U| per column (output unit), U = exp(V) on the diagonal
// blocks and V below them; with withDiag, also their diagonal blocks.
func (n *bnaf) weights(b *ir.Builder, env *Env, withDiag bool) *bnafWeights {
	bw := &bnafWeights{gate: n.param(b, n.gate)}
	for l := range n.v {
		n.makeMasks(l)
		v, lam := n.param(b, n.v[l]), n.param(b, n.lam[l])
		shape := b.Type(v)
		md := b.Const(shape, n.diag[l])
		vd := b.Mask(v, md)
		// exp of the masked V (0 off the diagonal blocks), masked again:
		// V above the diagonal never reaches exp, which could overflow.
		u := b.Add(b.Mask(b.Exp(vd), md), b.Mask(v, b.Const(shape, n.off[l])))
		norm2 := b.SumRows(b.Mul(u, u)) // [1, D·a_l]
		logScale := b.Sub(lam, b.Scale(b.Log(norm2), 0.5))
		bw.w = append(bw.w, b.Mask(b.Mul(u, b.Exp(logScale)), b.Const(shape, n.all[l])))
		bw.bias = append(bw.bias, n.param(b, n.bias[l]))
		if withDiag {
			bw.diag = append(bw.diag, b.Mask(bw.w[l], md))
		}
	}
	bw.first = bw.bias[0]
	if n.ctxW >= 0 {
		if env.Context == ir.None {
			panic(fmt.Sprintf("stdlib: %s was built for a context but the program has none", n.name))
		}
		bw.first = b.Add(b.MatMul(env.Context, n.param(b, n.ctxW), 0), bw.first)
	}
	return bw
}

// bnafDerivFloor is added to ∂f_d/∂x_d before its log. The derivative
// is a product, over the layers, of the diagonal blocks and the tanh
// derivatives, computed in linear space: far from the data (every tanh
// unit saturated) it is tiny and may underflow to 0. It enters the
// log-det only as log(σ(-g) + σ(g)·f'), which adding 1e-30 to f' changes
// by at most e^g·1e-30, far below rounding for any practical gate; the
// log and its gradient stay finite, and smooth (a clamp would put a kink
// in the loss). 1e-30 is a normal number in float32 too.
const bnafDerivFloor = 1e-30

// Forward emits y = σ(-g)·x + σ(g)·f(x) and its log-det, one pass of f.
// Alongside the units h_l it carries u_l = ∂h_l/∂x_d for the units of
// each dimension d: u_1 is the first map's diagonal weights times the
// tanh derivatives, u_l = (u_{l-1}·W_l^diag) ⊙ sech²(pre_l), W_l^diag the
// block-diagonal part of W_l (a masked product: a_{l-1} terms per unit),
// and ∂f/∂x = u_{L-1}·W_L^diag.
func (n *bnaf) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(n.name))
	bw := n.weights(b, env, true)
	h, u := x, ir.None
	last := len(bw.w) - 1
	for l := range bw.w {
		bias := bw.bias[l]
		if l == 0 {
			bias = bw.first
		}
		pre := b.Add(b.MatMul(h, bw.w[l], 0), bias)
		if l == 0 {
			u = b.SumRows(bw.diag[0]) // a_0 = 1: one diagonal weight per column
		} else {
			u = b.MatMul(u, bw.diag[l], 0)
		}
		if l == last {
			h = pre
			break
		}
		h = b.Tanh(pre)
		// sech² = 1 - tanh², from the unit itself: no transcendental
		// function (a softplus-based log sech² was half of a training
		// step). It is exact to rounding in absolute terms (1e-16), so
		// a unit beyond |t| ≈ 19 contributes 0 instead of < 1e-16 of
		// the derivative, which the log-det cannot see.
		u = b.Mul(b.AddConst(b.Neg(b.Mul(h, h)), 1), u) // batched first: u is a row at l = 0
	}
	g := bw.gate
	z = b.Add(b.Mul(x, b.Sigmoid(b.Neg(g))), b.Mul(h, b.Sigmoid(g)))
	// log(σ(-g) + σ(g)·f') = softplus(g + log f') - softplus(g)
	logf := b.Log(b.AddConst(u, bnafDerivFloor))
	logdet = b.SumCols(b.Sub(b.Softplus(b.Add(logf, g)), b.Softplus(g)))
	return z, logdet
}

// bnafDim is what the inverse's scalar solve for one dimension uses:
// the diagonal blocks [a_{l-1}, a_l] and the offsets [B or 1, a_l] that
// the dimensions solved before it contribute to each layer.
type bnafDim struct {
	diag, off []ir.Value
}

// eval emits f_i at x_i ([B,1]) and, with deriv, ∂f_i/∂x_i; hidden
// collects the tanh layers' units of dimension i.
func (s *bnafDim) eval(b *ir.Builder, xi ir.Value, deriv bool) (f, df ir.Value, hidden []ir.Value) {
	h, dh := xi, ir.None
	last := len(s.diag) - 1
	for l := range s.diag {
		pre := b.Add(b.MatMul(h, s.diag[l], 0), s.off[l])
		if deriv {
			if l == 0 {
				dh = s.diag[0]
			} else {
				dh = b.MatMul(dh, s.diag[l], 0)
			}
		}
		if l == last {
			return pre, dh, hidden
		}
		h = b.Tanh(pre)
		hidden = append(hidden, h)
		if deriv {
			// sech² as 1 - tanh²: Newton only needs a slope
			d := b.AddConst(b.Neg(b.Mul(h, h)), 1)
			dh = b.Mul(d, dh)
		}
	}
	return
}

// Inverse solves y_i = σ(-g_i)·x_i + σ(g_i)·f_i(x_≤i) for x_i, one
// dimension at a time. With x_<i known, f_i is an increasing function of
// x_i within G_i of the offset o_i that x_<i gives it (G_i the sum of the
// last diagonal block, the tanh units lying in (-1, 1)), so x_i lies in
// [(y_i - σ(g)(o_i + G_i))/σ(-g), (y_i - σ(g)(o_i - G_i))/σ(-g)].
// Bisection keeps that bracket; Newton steps from its midpoint are kept
// inside it.
func (n *bnaf) Inverse(b *ir.Builder, y ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(n.name + "/inverse"))
	bw := n.weights(b, env, false)
	maps := len(bw.w)
	// acc[l] holds the units of layer l (acc[0] the inputs) of the
	// dimensions solved so far, placed at their columns.
	acc := make([]ir.Value, maps)
	for l := range acc {
		acc[l] = ir.None
	}
	place := func(l int, v ir.Value, i int) {
		w := n.widths[l]
		p := b.PadCols(v, i*w, n.dim*w)
		if acc[l] == ir.None {
			acc[l] = p
		} else {
			acc[l] = b.Add(acc[l], p)
		}
	}
	for i := range n.dim {
		s := &bnafDim{}
		for l := range bw.w {
			in, out := n.widths[l], n.widths[l+1]
			col := b.SliceCols(bw.w[l], i*out, (i+1)*out)
			s.diag = append(s.diag, b.SliceRows(col, i*in, (i+1)*in))
			bias := bw.bias[l]
			if l == 0 {
				bias = bw.first
			}
			off := b.SliceCols(bias, i*out, (i+1)*out)
			if i > 0 {
				off = b.Add(b.MatMul(b.SliceCols(acc[l], 0, i*in), b.SliceRows(col, 0, i*in), 0), off)
			}
			s.off = append(s.off, off)
		}
		xi := n.solveDim(b, s, b.SliceCols(y, i, i+1), b.SliceCols(bw.gate, i, i+1))
		_, _, hidden := s.eval(b, xi, false)
		place(0, xi, i)
		for l, h := range hidden {
			place(l+1, h, i)
		}
	}
	return acc[0]
}

// solveDim finds x_i with σ(-g)·x_i + σ(g)·f_i(x_i) = y_i ([B,1]).
func (n *bnaf) solveDim(b *ir.Builder, s *bnafDim, yi, g ir.Value) ir.Value {
	sg, rg := b.Sigmoid(g), b.Sigmoid(b.Neg(g))
	last := len(s.diag) - 1
	G := b.SumRows(s.diag[last])                                       // [1,1]: the last diagonal block is positive
	G = b.AddConst(b.Scale(G, 1+1e-12), 1e-300)                        // widened for rounding
	center := b.Sub(yi, b.Mul(b.Add(b.Scale(yi, 0), s.off[last]), sg)) // y - σ(g)·o
	half := b.Mul(G, sg)
	lo := b.Div(b.Sub(center, half), rg)
	hi := b.Div(b.Add(center, half), rg)
	resid := func(x ir.Value, deriv bool) (r, slope ir.Value) {
		f, df, _ := s.eval(b, x, deriv)
		r = b.Sub(b.Add(b.Mul(x, rg), b.Mul(f, sg)), yi)
		if deriv {
			slope = b.Add(b.Mul(df, sg), rg)
		}
		return r, slope
	}
	zero := b.Scalar(0)
	for range bnafBisections {
		mid := b.Scale(b.Add(lo, hi), 0.5)
		r, _ := resid(mid, false)
		above := b.Greater(r, zero) // the root is below mid
		hi = b.Where(above, mid, hi)
		lo = b.Where(above, lo, mid)
	}
	x := b.Scale(b.Add(lo, hi), 0.5)
	for range bnafNewton - 1 {
		r, slope := resid(x, true)
		slope = b.Clamp(slope, 1e-300, math.MaxFloat64)
		step := b.Clamp(b.Div(r, slope), -1e300, 1e300)
		next := b.Sub(x, step)
		next = b.Where(b.Greater(next, hi), hi, next)
		x = b.Where(b.Greater(lo, next), lo, next)
	}
	// The last Newton step starts from the root found, held constant:
	// its derivative in the parameters (and in y, x_<i) is then
	// -(∂r/∂θ)/r', the implicit function theorem's at the root, rather
	// than the derivative of the iteration's path, which depends on the
	// rounding of each bisection step (and differs between float64 and
	// float32). The slope is at least σ(-g) > 0.
	x = b.StopGrad(x)
	r, slope := resid(x, true)
	return b.Sub(x, b.Div(r, b.StopGrad(slope)))
}
