package stdlib

import (
	"math"
	"slices"

	"github.com/noxlang/nox/compiler/ir"
)

// Circular rational-quadratic splines (Rezende et al. 2020) for flows
// over data some of whose columns are angles in [-π, π) (Config.Angles).
// On an angle column the layer is a rational-quadratic spline of
// [-π, π] onto itself whose two boundary derivatives are one learned
// value (so the map is C¹ across the wrap point), followed by a learned
// rotation, the result wrapped back into [-π, π): a diffeomorphism of
// the circle. On an ordinary column it is SplineAR's spline with
// identity tails. The conditioner sees an angle as (cos θ, sin θ), so
// every parameter is a periodic function of the angles it depends on.

// circValues is the number of conditioner outputs per transformed
// column: k widths, k heights, k-1 interior derivatives, the boundary
// derivative and the rotation. An ordinary column uses the first 3k-1.
func circValues(k int) int { return 3*k + 1 }

func circularParams() []Param {
	ps := splineParams()
	ps[2].Doc = "half-width B of the interval [-B, B] the spline of an ordinary (non-angle) column covers; " +
		"identity outside. Angle columns use [-pi, pi]"
	return ps
}

func init() {
	register(&Spec{
		Name:   "CircularSpline",
		Kind:   Bijector,
		Params: circularParams(),
		MinDim: 1,
		Doc: "Circular rational-quadratic spline autoregressive layer, for data with angle columns " +
			"(csv(..., angles = ...)): on an angle column z_i = wrap(RQS_circ(theta_i) + phi_i), a monotone " +
			"rational-quadratic spline of [-pi, pi] onto itself with K bins whose two boundary derivatives are " +
			"one learned value, then a learned rotation phi_i, wrapped into [-pi, pi): a diffeomorphism of the " +
			"circle; on an ordinary column SplineAR's spline on [-B, B] (identity outside). All parameters of " +
			"dimension i come from one MADE network of the earlier dimensions (an angle fed to it as " +
			"(cos, sin), so they are periodic in it; context concatenated to its first layer's input). " +
			"log-det = sum of log spline derivatives (a rotation preserves volume). Forward (density) is one " +
			"network pass; inverse (sampling) solves one dimension at a time, at about the cost of one pass. " +
			"Without angle columns it is SplineAR.",
		Paper: "Rezende, Papamakarios, Racanière, Albergo, Kanwar, Shanahan & Cranmer 2020, Normalizing Flows " +
			"on Tori and Spheres; Durkan, Bekasov, Murray & Papamakarios 2019, Neural Spline Flows",
		Context:    true,
		SolveBytes: 512 << 10,
		New:        newCircularAR,
	})
	register(&Spec{
		Name:   "CircularSplineCoupling",
		Kind:   Bijector,
		Params: circularParams(),
		MinDim: 2,
		Doc: "Circular rational-quadratic spline coupling layer: alternate dimensions (by the stage's parity) " +
			"condition an MLP (ReLU; an angle fed as (cos, sin); context concatenated to its input) that " +
			"outputs, for each other dimension, the parameters of CircularSpline's map of that dimension: a " +
			"circular spline and rotation on an angle column, a spline with identity tails on an ordinary one. " +
			"log-det = sum of log spline derivatives. Forward and inverse are one network pass each.",
		Paper: "Rezende, Papamakarios, Racanière, Albergo, Kanwar, Shanahan & Cranmer 2020, Normalizing Flows " +
			"on Tori and Spheres; Dinh, Sohl-Dickstein & Bengio 2017 (coupling layers)",
		Context: true,
		New:     newCircularCoupling,
	})
}

// AngleSafe reports whether a stage named name keeps angle columns on
// the circle: the circular layers, the column reorderings (whose moves
// the compiler follows) and every prior (whose density on angle columns
// WithAngles makes uniform). Any other layer would treat an angle as a
// number and break the periodicity.
func AngleSafe(name string) bool {
	switch name {
	case "CircularSpline", "CircularSplineCoupling", "Reverse", "Permute":
		return true
	}
	s := Lookup(name)
	return s != nil && s.Kind == Prior
}

// Reordering returns the permutation a column-reordering flow applies
// (z[:, j] = x[:, perm[j]]), so that the compiler can follow the angle
// columns through it; ok is false for any other flow.
func Reordering(f Flow) (perm []int, ok bool) {
	switch p := f.(type) {
	case *permute:
		return p.perm, true
	case inverted:
		q, ok := Reordering(p.f)
		if !ok {
			return nil, false
		}
		inv := make([]int, len(q))
		for j, k := range q {
			inv[k] = j
		}
		return inv, true
	}
	return nil, false
}

// wrapAngle emits v wrapped into [-π, π): v - 2π·floor((v + π)/2π). Its
// derivative is 1 (floor's is 0).
func wrapAngle(b *ir.Builder, v ir.Value) ir.Value {
	n := b.Floor(b.Scale(b.AddConst(v, math.Pi), 1/(2*math.Pi)))
	return b.Sub(v, b.Scale(n, 2*math.Pi))
}

// pickCols emits the columns cols of v, in that order.
func pickCols(b *ir.Builder, v ir.Value, cols []int) ir.Value {
	n := b.Type(v).Cols
	perm := append([]int(nil), cols...)
	for c := range n {
		if !slices.Contains(cols, c) {
			perm = append(perm, c)
		}
	}
	if len(cols) == n && slices.IsSorted(cols) {
		return v
	}
	return b.SliceCols(b.PermuteCols(v, perm), 0, len(cols))
}

// angleMask returns which of dim columns are angles.
func angleMask(dim int, angles []int) []bool {
	m := make([]bool, dim)
	for _, a := range angles {
		if a >= 0 && a < dim {
			m[a] = true
		}
	}
	return m
}

// embed emits what a conditioner sees of columns x ([B, len(angle)]):
// an ordinary column clamped to ±splineMaxCond, an angle column as the
// two columns cos θ, sin θ in its place.
func embed(b *ir.Builder, x ir.Value, angle []bool) ir.Value {
	d := len(angle)
	var ang []int
	for i, a := range angle {
		if a {
			ang = append(ang, i)
		}
	}
	xc := b.Clamp(x, -splineMaxCond, splineMaxCond)
	if len(ang) == 0 {
		return xc
	}
	xa := pickCols(b, x, ang)
	full := b.ConcatCols(b.ConcatCols(xc, b.Cos(xa)), b.Sin(xa))
	var idx []int
	for i, a := range angle {
		if !a {
			idx = append(idx, i)
			continue
		}
		j := slices.Index(ang, i)
		idx = append(idx, d+j, d+len(ang)+j)
	}
	return pickCols(b, full, idx)
}

// circMix maps a set of columns, some angles, each with its own spline:
// the angle columns by a circular spline and a rotation, the others by
// a spline with identity tails.
type circMix struct {
	k        int
	ang, ord []int // the columns of each kind, ascending
	back     []int // [angles | ordinary] → original order
	ca, co   *rqSpline
}

func newCircMix(angle []bool, k int, bound float64) *circMix {
	m := &circMix{k: k}
	for i, a := range angle {
		if a {
			m.ang = append(m.ang, i)
		} else {
			m.ord = append(m.ord, i)
		}
	}
	m.back = make([]int, len(angle))
	for j, i := range append(append([]int(nil), m.ang...), m.ord...) {
		m.back[i] = j
	}
	m.ca = newRQSpline(len(m.ang), k, math.Pi)
	m.ca.circ = true
	m.co = newRQSpline(len(m.ord), k, bound)
	return m
}

// thetaIndex returns, for the columns cols, the conditioner output
// columns of their splines' parameter blocks in rqSpline's layout
// (widths, heights, interior derivatives, dimension-major) followed,
// when circ, by the boundary derivatives and the rotations; col(p, v)
// is the output column of value v of transformed column p.
func (m *circMix) thetaIndex(cols []int, circ bool, col func(p, v int) int) []int {
	d, k := len(cols), m.k
	n := d * (3*k - 1)
	if circ {
		n = d * circValues(k)
	}
	idx := make([]int, n)
	for a, p := range cols {
		for j := range k {
			idx[a*k+j] = col(p, j)
			idx[d*k+a*k+j] = col(p, k+j)
			if j < k-1 {
				idx[2*d*k+a*(k-1)+j] = col(p, 2*k+j)
			}
		}
		if circ {
			idx[2*d*k+d*(k-1)+a] = col(p, 3*k-1)
			idx[3*d*k+a] = col(p, 3*k)
		}
	}
	return idx
}

// thetas emits the parameters of the angle and the ordinary splines from
// the conditioner's outputs.
func (m *circMix) thetas(b *ir.Builder, out ir.Value, col func(p, v int) int) (ta, to ir.Value) {
	ta, to = ir.None, ir.None
	if len(m.ang) > 0 {
		ta = pickCols(b, out, m.thetaIndex(m.ang, true, col))
	}
	if len(m.ord) > 0 {
		to = pickCols(b, out, m.thetaIndex(m.ord, false, col))
	}
	return ta, to
}

// circForward emits the circular map of angle columns x: the spline of
// x wrapped into [-π, π), rotated by φ and wrapped; and the per-column
// log-derivatives.
func circForward(b *ir.Builder, s *rqSpline, x, theta ir.Value) (y, logd ir.Value) {
	n := 3 * s.d * s.k
	y, logd = s.forward(b, wrapAngle(b, x), b.SliceCols(theta, 0, n))
	phi := b.SliceCols(theta, n, n+s.d)
	return wrapAngle(b, b.Add(y, phi)), logd
}

// circInverse emits the inverse of circForward: the spline's inverse at
// z - φ wrapped into [-π, π).
func circInverse(b *ir.Builder, s *rqSpline, z, theta ir.Value) ir.Value {
	n := 3 * s.d * s.k
	phi := b.SliceCols(theta, n, n+s.d)
	return s.inverse(b, wrapAngle(b, b.Sub(z, phi)), b.SliceCols(theta, 0, n))
}

// forward maps x ([B, columns]) with the splines of ta and to; it
// returns the mapped columns and the per-row log-det ([B,1]).
func (m *circMix) forward(b *ir.Builder, x, ta, to ir.Value) (y, logdet ir.Value) {
	var parts, lds []ir.Value
	if len(m.ang) > 0 {
		ya, ld := circForward(b, m.ca, pickCols(b, x, m.ang), ta)
		parts, lds = append(parts, ya), append(lds, b.SumCols(ld))
	}
	if len(m.ord) > 0 {
		yo, ld := m.co.forward(b, pickCols(b, x, m.ord), to)
		parts, lds = append(parts, yo), append(lds, b.SumCols(ld))
	}
	return m.join(b, parts), sumAll(b, lds)
}

// inverse is forward's inverse.
func (m *circMix) inverse(b *ir.Builder, z, ta, to ir.Value) ir.Value {
	var parts []ir.Value
	if len(m.ang) > 0 {
		parts = append(parts, circInverse(b, m.ca, pickCols(b, z, m.ang), ta))
	}
	if len(m.ord) > 0 {
		parts = append(parts, m.co.inverse(b, pickCols(b, z, m.ord), to))
	}
	return m.join(b, parts)
}

// join puts [angles | ordinary] back in column order.
func (m *circMix) join(b *ir.Builder, parts []ir.Value) ir.Value {
	v := parts[0]
	if len(parts) == 2 {
		v = b.ConcatCols(v, parts[1])
	}
	if slices.IsSorted(m.back) {
		return v
	}
	return b.PermuteCols(v, m.back)
}

func sumAll(b *ir.Builder, vs []ir.Value) ir.Value {
	s := vs[0]
	for _, v := range vs[1:] {
		s = b.Add(s, v)
	}
	return s
}

// WithAngles returns the base density of a flow over dim columns whose
// columns angles are angles: uniform on the circle for each of those
// (log p = -log 2π each; samples uniform in [-π, π)) times inner, a
// prior over the other columns in their order (nil when every column is
// an angle). Without angles it returns inner.
func WithAngles(inner Density, dim int, angles []int) Density {
	if len(angles) == 0 {
		return inner
	}
	m := newCircMix(angleMask(dim, angles), 2, 1)
	return &anglePrior{inner: inner, mix: m}
}

type anglePrior struct {
	inner Density
	mix   *circMix // for the column layout only
}

func (p *anglePrior) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	c := -float64(len(p.mix.ang)) * math.Log(2*math.Pi)
	if p.inner == nil {
		return b.BroadcastRows(b.Scalar(c), ir.Shape{Rows: ir.Batch, Cols: 1}, false)
	}
	return b.AddConst(p.inner.LogProb(b, pickCols(b, z, p.mix.ord), env), c)
}

func (p *anglePrior) Sample(b *ir.Builder, env *Env) ir.Value {
	u := b.AddConst(b.Scale(b.RandUniform(ir.Shape{Rows: ir.Batch, Cols: len(p.mix.ang)}), 2*math.Pi), -math.Pi)
	parts := []ir.Value{u}
	if p.inner != nil {
		parts = append(parts, p.inner.Sample(b, env))
	}
	return p.mix.join(b, parts)
}
