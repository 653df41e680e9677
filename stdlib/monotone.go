package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// Monotone autoregressive layers: z_i = T(x_i; θ_i(x_<i)), with θ from one
// MADE network (sequential degrees; context concatenated to its first
// layer's input) and T a strictly increasing scalar map of ℝ onto ℝ whose
// inverse has no closed form: NAF's deep sigmoidal flow, UMNN's integral of
// a positive network. The forward (density) direction is one network pass
// and T evaluated in closed form; the inverse (sampling) solves one
// dimension at a time (madeNet.solve), each by a bracketed root solve of
// T(x_i) = z_i unrolled in IR (monoSolve).

// monoMinSlope is the slope every monotone transformer keeps at least
// (NAF mixes in monoMinSlope·x, UMNN adds it to the integrand): the map is
// then a bijection of ℝ with |x - x'| ≤ |T(x) - T(x')|/monoMinSlope, which
// gives the inverse a guaranteed bracket and bounds how much a rounding of
// z can move x (a slope of 0, a plateau, would leave x undetermined).
const monoMinSlope = 0.01

// monoBisections and monoNewton are the iteration counts of the inverse:
// the bracket [r/s_max, r/s_min] (r = z - T(0)) is at most |r|/monoMinSlope
// = 100·|r| wide; 60 halvings shrink it by 2⁶⁰ ≈ 1.2e18, to below 1e-13
// for |r| up to 1e3, and the Newton steps, kept inside the final bracket,
// polish that to rounding (and cover a wider bracket, a larger |r|).
const (
	monoBisections = 60
	monoNewton     = 3
)

// monoMaxCond bounds what the conditioner sees of its inputs, as
// splineMaxCond: a conditioner may be any function of the inputs it
// conditions on, and beyond ±1e8 no ReLU network value should overflow.
const monoMaxCond = 1e8

// monoMap is a transformer instantiated for d dimensions of a batch: its
// parameters emitted once, used by every evaluation.
type monoMap struct {
	// eval emits y = T(x) ([B,d]) and, with logd set, log T'(x) ([B,d]).
	eval func(x ir.Value, logd bool) (y, ld ir.Value)
	// slopeLo and slopeHi bound T' on all of ℝ, per row and column
	// ([B,d], or a scalar [1,1] for slopeLo): the inverse's bracket.
	slopeLo, slopeHi ir.Value
}

// monoTransformer is a family of monotone scalar maps with k parameters
// per dimension.
type monoTransformer interface {
	// params is k, the conditioner outputs per dimension.
	params() int
	// prepare emits the map's parameters for d dimensions from the
	// conditioner's outputs theta ([B, k·d], value-major: value j of
	// dimension i at column j·d + i, as a MADE lays them out and as
	// madeNet.solve hands one dimension's k values to a step).
	prepare(b *ir.Builder, theta ir.Value, d int) monoMap
}

// monoAR is a MADE-conditioned monotone autoregressive layer.
type monoAR struct {
	name string
	dim  int
	tr   monoTransformer
	net  *madeNet
}

// newMonoAR builds the layer's MADE: tr.params() outputs per dimension,
// output weights near zero (so every transformer starts at its
// initialisation, the identity or close to it, whatever the input).
func newMonoAR(cfg Config, tr monoTransformer) *monoAR {
	m := &monoAR{name: cfg.Name, dim: cfg.Dim, tr: tr}
	m.net = newMADE(cfg, madeConfig{
		in: cfg.Dim, k: tr.params(), hidden: cfg.Args.Ints("hidden"), ctx: cfg.ContextDim,
		outScale: mafOutScale,
	})
	return m
}

func (m *monoAR) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(m.name))
	mw := m.net.weights(b, env)
	theta := m.net.apply(b, b.Clamp(x, -monoMaxCond, monoMaxCond), mw, env)
	y, ld := m.tr.prepare(b, theta, m.dim).eval(x, true)
	return y, b.SumCols(ld)
}

// Inverse solves x_i = T⁻¹(z_i; θ_i(x_<i)) one dimension at a time: step i
// of madeNet.solve gives θ_i from the x_<i already solved, and monoSolve
// finds x_i.
func (m *monoAR) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(m.name + "/inverse"))
	mw := m.net.weights(b, env)
	u0 := b.Clamp(z, -monoMaxCond, monoMaxCond)
	out := m.net.solve(b, mw, env, m.tr.params(), u0, func(i int, theta ir.Value) (ir.Value, []ir.Value) {
		xi := monoSolve(b, m.tr.prepare(b, theta, 1), b.SliceCols(z, i, i+1))
		return b.Clamp(xi, -monoMaxCond, monoMaxCond), []ir.Value{xi}
	})
	return out[0]
}

// monoSolve emits the root x of T(x) = z ([B,1] each) for a map whose
// slope lies in [s_lo, s_hi]: with r = z - T(0), the root lies between
// r/s_hi and r/s_lo (both of r's sign). That bracket, widened a little to
// absorb rounding, is halved monoBisections times (the sign of T(mid) - z
// says which half keeps the root), then monoNewton Newton steps from its
// midpoint, each kept near the final bracket, polish the root. Every
// branch stays finite (Where multiplies both), and the iteration count is
// fixed, so the cost is (monoBisections + monoNewton + 1) evaluations of T.
func monoSolve(b *ir.Builder, m monoMap, z ir.Value) ir.Value {
	zero := b.Scalar(0)
	y0, _ := m.eval(b.Scale(z, 0), false)
	r := b.Sub(z, y0)
	near, far := b.Div(r, m.slopeHi), b.Div(r, m.slopeLo)
	pos := b.Greater(r, zero)
	lo, hi := b.Where(pos, near, far), b.Where(pos, far, near)
	pad := b.AddConst(b.Scale(b.Sub(hi, lo), 1e-6), 1e-12)
	lo, hi = b.Sub(lo, pad), b.Add(hi, pad)
	// Repeat marks the steps as one loop's iterations, so that the ONNX
	// export emits one Loop of one step, not 60 copies (which ONNX
	// Runtime takes minutes to load); nox runs them unrolled either way.
	b.Repeat(monoBisections, func(int) {
		mid := b.Scale(b.Add(lo, hi), 0.5)
		y, _ := m.eval(mid, false)
		above := b.Greater(y, z) // the root is below mid
		hi = b.Where(above, mid, hi)
		lo = b.Where(above, lo, mid)
	})
	x := b.Scale(b.Add(lo, hi), 0.5)
	// The Newton steps are kept within the final bracket widened by its
	// width and 1e-3·(1 + |lo| + |hi|): enough to stop a wild step, and
	// loose enough that a converged step is never clamped to a bracket
	// end (in float32 the bracket closes to adjacent values, and a step
	// rounded just outside it would pin x to a bisection value, whose
	// derivative is the bisection's, not the root's: through an
	// unclamped Newton step at the root, the derivative is the implicit
	// one, -∂(T - z)/∂θ / T').
	margin := b.Add(b.Sub(hi, lo), b.AddConst(b.Scale(b.Add(b.Abs(lo), b.Abs(hi)), 1e-3), 1e-3))
	lo, hi = b.Sub(lo, margin), b.Add(hi, margin)
	b.Repeat(monoNewton, func(int) {
		y, ld := m.eval(x, true)
		slope := b.Exp(b.Clamp(ld, math.Log(monoMinSlope)-1, 700))
		step := b.Clamp(b.Div(b.Sub(y, z), slope), -1e300, 1e300)
		next := b.Sub(x, step)
		next = b.Where(b.Greater(next, hi), hi, next)
		x = b.Where(b.Greater(lo, next), lo, next)
	})
	return x
}

// monoGroups returns the permutation that takes value-major conditioner
// outputs (value j of dimension i at column j·d + i) to dimension-major
// groups: for each of the groups sizes[g] (consecutive values), the
// values of dimension i at consecutive columns, dimension after
// dimension, groups one after another.
func monoGroups(d int, sizes ...int) []int {
	var perm []int
	first := 0
	for _, k := range sizes {
		for i := range d {
			for u := range k {
				perm = append(perm, (first+u)*d+i)
			}
		}
		first += k
	}
	return perm
}

// segMax emits the maximum of each group of k consecutive columns of v
// ([B, d·k]) with zero derivative: [B,1] for d = 1 (a whole row), else
// repeated over its group ([B, d·k]) by a max over cyclic rotations within
// the groups (window 1, 2, 4, … until it covers k). It is the shift of a
// log-sum-exp, whose value does not depend on it.
func segMax(b *ir.Builder, v ir.Value, d, k int) ir.Value {
	v = b.StopGrad(v)
	if d == 1 {
		return b.MaxCols(v)
	}
	for w := 1; w < k; w *= 2 {
		rot := make([]int, d*k)
		for i := range d {
			for u := range k {
				rot[i*k+u] = i*k + (u+w)%k
			}
		}
		r := b.PermuteCols(v, rot)
		v = b.Where(b.Greater(r, v), r, v)
	}
	return v
}

// segLogSumExp emits log Σ exp over each group of k consecutive columns of
// v ([B, d·k] → [B, d]), shifted by the group's maximum: no term
// overflows and the largest is 1, so the sum neither overflows nor
// underflows for any finite v.
func segLogSumExp(b *ir.Builder, v ir.Value, d, k int) ir.Value {
	m := segMax(b, v, d, k)
	s := b.Log(b.SegSum(b.Exp(b.Sub(v, m)), k))
	if d == 1 {
		return b.Add(s, m)
	}
	// Every column of a group holds its maximum; one of each group.
	pick := make([]int, 0, d*k)
	for i := range d {
		pick = append(pick, i*k)
	}
	for i := range d {
		for u := 1; u < k; u++ {
			pick = append(pick, i*k+u)
		}
	}
	return b.Add(s, b.SliceCols(b.PermuteCols(m, pick), 0, d))
}

// rowConst emits a [1, n] constant.
func rowConst(b *ir.Builder, data []float64) ir.Value {
	return b.Const(ir.Shape{Rows: 1, Cols: len(data)}, data)
}

// tiled repeats one group of values d times: a [1, d·len(group)] row.
func tiled(group []float64, d int) []float64 {
	out := make([]float64, 0, d*len(group))
	for range d {
		out = append(out, group...)
	}
	return out
}
