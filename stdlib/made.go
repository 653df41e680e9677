package stdlib

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/noxlang/nox/compiler/ir"
)

// madeNet is a feed-forward ReLU network used as a conditioner: a MADE
// (masked autoencoder, Germain et al. 2015) whose outputs are
// autoregressive in its inputs, or, with dense set, a plain MLP (the
// conditioner of a coupling layer).
//
// Weights are stored [in,out]; a MADE multiplies them by a constant 0/1
// mask in every program (ir.OpMask, so the runtime knows the zeros), so
// the autoregressive property holds by construction whatever the
// optimizer does.
//
// Structure, for hidden widths H_1…H_k:
//
//	h_1 = relu(x·W_0 + c·W_c + b_0)
//	h_l = relu(h_{l-1}·W_{l-1} + b_{l-1})              (l = 2…k)
//	h_l = h_{l-1} + relu(h_{l-1}·W_{l-1} + b_{l-1})    (residual, H_l = H_{l-1})
//	out = h_k·W_k + b_k
//
// with dropout on each relu output while training. The context c (if any)
// is concatenated to the input of the first layer and is not masked: every
// first-layer unit may see all of it (c·W_c is x‖c times the stacked
// weight [W_0; W_c]); the context counts as inputs of degree 0, so hidden
// degrees then start at 0 and the first output is conditioned on it too
// (see madeContextDegrees). A residual connection joins two consecutive hidden
// layers of equal width (a MADE keeps their degrees equal, so the skip
// respects the masks, as in nflows' MaskedResidualBlock); a hidden layer
// whose width differs from the one below it has none.
type madeNet struct {
	name     string
	in, out  int // network inputs and outputs
	ctx      int // context columns (0: none)
	dense    bool
	residual []bool // per hidden layer after the first: adds its input
	dropout  float64
	// degrees are the MADE degrees of the inputs and each hidden layer,
	// made at their first use (degs) by makeDegrees, as the masks are:
	// they are as long as the hidden layers are wide.
	degrees     [][]int
	makeDegrees func() [][]int
	w, bias     []int // parameter indices, one per linear layer (hidden..., output)
	// masks are the 0/1 masks of the linear layers, made from the
	// degrees at their first use (mask): building a layer only states
	// its parameters' shapes, so that a flow's cost is known (and a huge
	// one refused) before anything of its size is allocated.
	masks  [][]float64
	shapes []ir.Shape
	ctxW   int // parameter index of W_c, or -1
}

// madeConfig describes a conditioner network.
type madeConfig struct {
	// in is the number of inputs. A MADE has k outputs per input, laid
	// out value-major: output column j·in + i is value j for input i and
	// depends only on inputs < i. A dense network has out outputs.
	in, k, out int
	dense      bool
	hidden     []int
	ctx        int
	residual   bool
	// random draws hidden degrees at random (Germain et al. 2015), from
	// a generator seeded by seed and stream; else the sequential rule of
	// MADEDegrees.
	random       bool
	seed, stream uint64
	dropout      float64
	// outScale, if positive, initialises the output weights uniform in
	// ±outScale and the output bias to 0 (a near-constant output at
	// initialisation); else as every other layer (PyTorch's nn.Linear).
	outScale float64
}

// MADEDegrees returns the degrees of the input units and of each hidden
// layer: inputs 1..D, and a hidden layer of h units the degrees of the
// MAF paper's code, (k mod max(1, D-1)) + min(1, D-1) for k < h, in
// ascending order. The order does not change the model (it permutes the
// hidden units), but it makes every mask a staircase: the units a column
// sees form a prefix of the layer below, so the runtime can skip the
// masked-out half of each matrix product (runtime/masked.go).
func MADEDegrees(dim int, hidden []int) [][]int {
	in := make([]int, dim)
	for i := range in {
		in[i] = i + 1
	}
	degs := [][]int{in}
	for _, h := range hidden {
		d := make([]int, h)
		for k := range d {
			d[k] = k%max(1, dim-1) + min(1, dim-1)
		}
		slices.Sort(d)
		degs = append(degs, d)
	}
	return degs
}

// madeContextDegrees is the sequential rule of a MADE with a context. The
// context inputs have degree 0, below every input, so hidden degrees start
// at 0: the degrees k mod D for k < h, in ascending order. Units of degree
// 0 see only the context, and every output, the first included, sees
// them: each dimension is conditioned on the context.
func madeContextDegrees(dim int, hidden []int) [][]int {
	degs := MADEDegrees(dim, nil)
	for _, h := range hidden {
		d := make([]int, h)
		for k := range d {
			d[k] = k % dim
		}
		slices.Sort(d)
		degs = append(degs, d)
	}
	return degs
}

// madeRandomDegrees draws hidden degrees as Germain et al. 2015, sorted
// within each layer: unit k of layer l has a degree uniform in [min degree
// of layer l-1, D-1], where the inputs have degrees 1…D and context
// inputs (if any) degree 0; so without
// a context the degrees lie in [1, D-1] (all 0 when D = 1), with one in
// [0, D-1]. With residual set, a layer as wide as the one below reuses its
// degrees, so the skip connection respects the masks.
func madeRandomDegrees(dim int, hidden []int, context, residual bool, seed, stream uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, stream^0x6d616465))
	degs := MADEDegrees(dim, nil)
	for l, h := range hidden {
		prev := degs[len(degs)-1]
		if residual && l > 0 && len(prev) == h {
			degs = append(degs, append([]int(nil), prev...))
			continue
		}
		lo := prev[0]
		for _, d := range prev {
			lo = min(lo, d)
		}
		lo = min(lo, dim-1)
		if context && l == 0 {
			lo = 0
		}
		d := make([]int, h)
		for k := range d {
			d[k] = lo + rng.IntN(dim-1-lo+1)
		}
		slices.Sort(d) // as MADEDegrees: a staircase mask
		degs = append(degs, d)
	}
	return degs
}

// newMADE adds the network's parameters (named cfg.Name + ".h0.w" …,
// ".out.w", ".out.b" and, with a context, ".ctx.w") to cfg.Table.
func newMADE(cfg Config, mc madeConfig) *madeNet {
	n := &madeNet{name: cfg.Name, in: mc.in, ctx: mc.ctx, dense: mc.dense, dropout: mc.dropout, ctxW: -1}
	n.out = mc.out
	if !mc.dense {
		n.out = mc.k * mc.in
		n.makeDegrees = func() [][]int {
			switch {
			case mc.random:
				return madeRandomDegrees(mc.in, mc.hidden, mc.ctx > 0, mc.residual, mc.seed, mc.stream)
			case mc.ctx > 0:
				return madeContextDegrees(mc.in, mc.hidden)
			}
			return MADEDegrees(mc.in, mc.hidden)
		}
	}
	for l := 1; l < len(mc.hidden); l++ {
		n.residual = append(n.residual, mc.residual && mc.hidden[l] == mc.hidden[l-1])
	}
	sizes := append([]int{mc.in}, mc.hidden...)
	for l := range mc.hidden {
		fanIn := sizes[l]
		if l == 0 {
			fanIn += mc.ctx
		}
		n.addLinear(cfg.Table, fmt.Sprintf("h%d", l), sizes[l], sizes[l+1], fanIn, 0)
	}
	h := sizes[len(sizes)-1]
	n.addLinear(cfg.Table, "out", h, n.out, h, mc.outScale)
	if mc.ctx > 0 {
		bound := 1 / math.Sqrt(float64(mc.in+mc.ctx))
		n.ctxW = cfg.Param("ctx.w", ir.Shape{Rows: mc.ctx, Cols: sizes[1]}, ir.Init{Kind: ir.InitUniform, Scale: bound})
	}
	return n
}

// addLinear adds a linear layer initialised as PyTorch's nn.Linear:
// weights and biases uniform in ±1/sqrt(fan_in); with outScale > 0,
// weights uniform in ±outScale and zero biases.
func (n *madeNet) addLinear(table *[]ir.Param, tag string, in, out, fanIn int, outScale float64) {
	winit := ir.Init{Kind: ir.InitUniform, Scale: 1 / math.Sqrt(float64(fanIn))}
	binit := winit
	if outScale > 0 {
		winit = ir.Init{Kind: ir.InitUniform, Scale: outScale}
		binit = ir.Init{Kind: ir.InitZero}
	}
	n.w = append(n.w, ir.AddParam(table, ir.Param{Name: n.name + "." + tag + ".w", Shape: ir.Shape{Rows: in, Cols: out}, Init: winit}))
	n.bias = append(n.bias, ir.AddParam(table, ir.Param{Name: n.name + "." + tag + ".b", Shape: ir.Shape{Rows: 1, Cols: out}, Init: binit}))
	n.masks = append(n.masks, nil)
	n.shapes = append(n.shapes, ir.Shape{Rows: in, Cols: out})
}

// degs returns the network's degrees, made at the first call.
func (n *madeNet) degs() [][]int {
	if n.degrees == nil {
		n.degrees = n.makeDegrees()
	}
	return n.degrees
}

// mask returns linear layer l's 0/1 mask, [in,out] row-major: a hidden
// unit sees the units below of lower or equal degree; output value j of
// input i (degree i+1) sees the last hidden layer's units of degree < i+1.
func (n *madeNet) mask(l int) []float64 {
	if n.masks[l] != nil {
		return n.masks[l]
	}
	var mask []float64
	if l < len(n.w)-1 {
		din, dout := n.degs()[l], n.degs()[l+1]
		mask = make([]float64, len(din)*len(dout))
		for j, dj := range din {
			for k, dk := range dout {
				if dk >= dj {
					mask[j*len(dout)+k] = 1
				}
			}
		}
	} else {
		last := n.degs()[len(n.degs())-1]
		mask = make([]float64, len(last)*n.out)
		for k, dk := range last {
			for c := range n.out {
				if c%n.in+1 > dk { // column c = j·in + i is value j of input i
					mask[k*n.out+c] = 1
				}
			}
		}
	}
	n.masks[l] = mask
	return mask
}

// madeWeights are a network's weights emitted once per program and reused
// by every pass over it and every step of a solve.
type madeWeights struct {
	// raw are the weights as stored, ws the masked ones (w ⊙ mask) or
	// None until masked (a solve reads only entries the mask keeps and
	// never masks them), bs the biases.
	raw, ws, bs []ir.Value
	// first is the first layer's bias, plus c·W_c with a context ([B,H]).
	first ir.Value
	// drop holds the dropout masks of the hidden layers, drawn at their
	// first use and reused by later passes and steps, so that all of them
	// evaluate the same network.
	drop []ir.Value
}

// weights emits the weight matrices, the biases and the context term.
func (n *madeNet) weights(b *ir.Builder, env *Env) *madeWeights {
	mw := &madeWeights{}
	for l := range n.w {
		w := b.Param(n.w[l])
		mw.raw = append(mw.raw, w)
		if !n.dense {
			w = ir.None
		}
		mw.ws = append(mw.ws, w)
		mw.bs = append(mw.bs, b.Param(n.bias[l]))
	}
	mw.first = mw.bs[0]
	if n.ctxW >= 0 {
		if env.Context == ir.None {
			panic(fmt.Sprintf("stdlib: %s was built for a context but the program has none", n.name))
		}
		mw.first = b.Add(b.MatMul(env.Context, b.Param(n.ctxW), 0), mw.first)
	}
	for range len(n.w) - 1 {
		mw.drop = append(mw.drop, ir.None)
	}
	return mw
}

// masked returns layer l's masked weights, emitted at the first call.
func (n *madeNet) masked(b *ir.Builder, mw *madeWeights, l int) ir.Value {
	if mw.ws[l] == ir.None {
		mw.ws[l] = b.Mask(mw.raw[l], b.Const(n.shapes[l], n.mask(l)))
	}
	return mw.ws[l]
}

// apply emits the network's outputs ([B,out]) for inputs x ([B,in]).
func (n *madeNet) apply(b *ir.Builder, x ir.Value, mw *madeWeights, env *Env) ir.Value {
	train := env.Mode == Train && n.dropout > 0
	h := x
	last := len(mw.ws) - 1
	for l := range last {
		bias := mw.bs[l]
		if l == 0 {
			bias = mw.first
		}
		a := b.Relu(b.Add(b.MatMul(h, n.masked(b, mw, l), 0), bias))
		if train {
			if mw.drop[l] == ir.None {
				mw.drop[l] = b.Dropout(b.Type(a), n.dropout)
			}
			a = b.Mul(a, mw.drop[l])
		}
		if l > 0 && n.residual[l-1] {
			a = b.Add(h, a)
		}
		h = a
	}
	return b.Add(b.MatMul(h, n.masked(b, mw, last), 0), mw.bs[last])
}

// solve runs the network's autoregressive structure one input at a time,
// for the sequential direction of an autoregressive layer (a MAF's inverse,
// an IAF's forward map). Step i computes the outputs of input i ([B,k]:
// value j at column j) from the inputs solved before it, and next(i, out)
// returns the value of input i to feed the network ([B,1]) and columns to
// keep; solve returns each kept column assembled over all inputs ([B,in]).
//
// Evaluating the whole network D times costs D passes. But a hidden unit
// of degree d sees only inputs ≤ d (MADEDegrees), so its value is final
// once those are solved: step i computes just the units of degree i in
// every hidden layer (a column range, the degrees being sorted) and the k
// output columns of input i, which see only units of degree < i+1. All D
// steps together cost about one pass: each weight column is multiplied
// once, and only by the units that can meet its nonzero rows, a prefix of
// the layer below. Within that prefix and column range the mask is all
// ones, so a step reads the stored weights, transposed once per change
// of them (a range of rows, a view in the runtime; the first columns, in
// place), and never a masked copy. Units that
// see no input at all (degree 0 in the first layer: with a context, or
// D = 1) are evaluated at u0, any finite [B,in] value, with the masked
// weights, which zero it; so every weight takes part, as in apply.
func (n *madeNet) solve(b *ir.Builder, mw *madeWeights, env *Env, k int, u0 ir.Value, next func(i int, out ir.Value) (feed ir.Value, keep []ir.Value)) []ir.Value {
	train := env.Mode == Train && n.dropout > 0
	hidden := len(mw.raw) - 1
	// The output layer input-major: column i·k + j is value j of input i.
	perm := make([]int, n.out)
	for i := range n.in {
		for j := range k {
			perm[i*k+j] = j*n.in + i
		}
	}
	// Each weight transposed, a unit's weights one contiguous row: a
	// step reads a few units' weights, and rows of the stored [in,out]
	// layout would take a cache line (and, this wide, a page) per weight.
	wts := make([]ir.Value, hidden+1)
	for l := range hidden {
		wts[l] = b.Transpose(mw.raw[l])
	}
	wts[hidden] = b.Transpose(b.PermuteCols(mw.raw[hidden], perm))
	bout := b.PermuteCols(mw.bs[hidden], perm)
	// affine is in[:, :p]·w[:p, lo:hi] + bias[lo:hi] for wt = wᵀ; without
	// units below (p = 0), the bias repeated over the batch.
	affine := func(in ir.Value, p int, wt ir.Value, lo, hi int, bias ir.Value) ir.Value {
		bias = b.SliceCols(bias, lo, hi)
		if p == 0 {
			if s := b.Type(bias); !s.Batched() {
				return b.BroadcastRows(bias, ir.Shape{Rows: ir.Batch, Cols: s.Cols}, false)
			}
			return bias
		}
		wt = b.SliceRows(wt, lo, hi)
		if p < b.Type(wt).Cols {
			wt = b.SliceCols(wt, 0, p)
		}
		if p < b.Type(in).Cols {
			in = b.SliceCols(in, 0, p)
		}
		return b.Add(b.MatMul(in, wt, ir.TransB), bias)
	}
	// place adds v at column lo of acc ([B,cols], None while empty).
	place := func(acc, v ir.Value, lo, cols int) ir.Value {
		p := b.PadCols(v, lo, cols)
		if acc == ir.None {
			return p
		}
		return b.Add(acc, p)
	}
	x := ir.None                   // the inputs solved so far
	hs := make([]ir.Value, hidden) // each hidden layer's units computed so far
	for l := range hs {
		hs[l] = ir.None
	}
	var kept []ir.Value
	for i := range n.in {
		for l := range hidden {
			width := b.Type(mw.raw[l]).Cols
			lo, hi := degreeRange(n.degs()[l+1], i)
			if lo == hi {
				continue
			}
			_, p := degreeRange(n.degs()[l], i) // the units below of degree ≤ i: a prefix
			var a ir.Value
			switch {
			case l == 0 && x == ir.None:
				// Units that see no input: u0, masked out.
				a = b.Add(b.MatMul(u0, b.SliceCols(n.masked(b, mw, 0), lo, hi), 0), b.SliceCols(mw.first, lo, hi))
			case l == 0:
				a = affine(x, p, wts[0], lo, hi, mw.first)
			default:
				a = affine(hs[l-1], p, wts[l], lo, hi, mw.bs[l])
			}
			a = b.Relu(a)
			if train {
				if mw.drop[l] == ir.None {
					mw.drop[l] = b.Dropout(ir.Shape{Rows: ir.Batch, Cols: width}, n.dropout)
				}
				a = b.Mul(a, b.SliceCols(mw.drop[l], lo, hi))
			}
			if l > 0 && n.residual[l-1] {
				a = b.Add(b.SliceCols(hs[l-1], lo, hi), a)
			}
			hs[l] = place(hs[l], a, lo, width)
		}
		var out ir.Value
		if hidden == 0 && x == ir.None {
			// The first output of a network without hidden layers.
			out = b.Add(b.MatMul(u0, b.SliceCols(b.PermuteCols(n.masked(b, mw, 0), perm), 0, k), 0), b.SliceCols(bout, 0, k))
		} else {
			top := x
			if hidden > 0 {
				top = hs[hidden-1]
			}
			_, p := degreeRange(n.degs()[hidden], i)
			out = affine(top, p, wts[hidden], i*k, (i+1)*k, bout)
		}
		feed, keep := next(i, out)
		x = place(x, feed, i, n.in)
		if kept == nil {
			kept = make([]ir.Value, len(keep))
			for j := range kept {
				kept[j] = ir.None
			}
		}
		for j, v := range keep {
			kept[j] = place(kept[j], v, i, n.in)
		}
	}
	return kept
}

// degreeRange returns the units [lo, hi) of degree d among sorted degrees.
func degreeRange(degs []int, d int) (lo, hi int) {
	lo, _ = slices.BinarySearch(degs, d)
	hi, _ = slices.BinarySearch(degs, d+1)
	return lo, hi
}
