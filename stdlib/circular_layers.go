package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// circularAR is CircularSpline: a MADE conditioner over the columns, an
// angle column taking two of its inputs (cos θ, sin θ, at consecutive
// slots), so that the network has D + A inputs. The outputs of an
// angle's first slot see only the slots before it (the earlier columns);
// those of its second slot, which see its cosine, are not used.
type circularAR struct {
	name  string
	dim   int
	angle []bool
	k     int
	bound float64
	slot  []int // the network input of column i (its cosine for an angle)
	nin   int
	mix   *circMix
	net   *madeNet
}

func newCircularAR(cfg Config) Layer {
	args := cfg.Args
	k := args.Int("bins")
	c := &circularAR{name: cfg.Name, dim: cfg.Dim, angle: angleMask(cfg.Dim, cfg.Angles), k: k, bound: args.Float("bound")}
	for _, a := range c.angle {
		c.slot = append(c.slot, c.nin)
		c.nin++
		if a {
			c.nin++
		}
	}
	c.mix = newCircMix(c.angle, k, c.bound)
	c.net = newMADE(cfg, madeConfig{
		in: c.nin, k: circValues(k), hidden: args.Ints("hidden"), ctx: cfg.ContextDim, outScale: splineOutScale,
	})
	return c
}

func (c *circularAR) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(c.name))
	mw := c.net.weights(b, env)
	out := c.net.apply(b, embed(b, x, c.angle), mw, env)
	ta, to := c.mix.thetas(b, out, func(p, v int) int { return v*c.nin + c.slot[p] })
	return c.mix.forward(b, x, ta, to)
}

// Inverse solves one network input at a time (madeNet.solve): at the
// first slot of column i it inverts column i's map, whose parameters
// depend only on the columns before it, and feeds its value (an angle's
// cosine); at an angle's second slot it feeds the sine of the angle just
// solved.
func (c *circularAR) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	mw := c.net.weights(b, env)
	circ, ord := newRQSpline(1, c.k, math.Pi), newRQSpline(1, c.k, c.bound)
	circ.circ = true
	col := make([]int, c.nin)     // the column of each input
	second := make([]bool, c.nin) // an angle's sine input
	for i, s := range c.slot {
		col[s] = i
		if c.angle[i] {
			col[s+1], second[s+1] = i, true
		}
	}
	last := ir.None
	out := c.net.solve(b, mw, env, circValues(c.k), embed(b, z, c.angle), func(s int, theta ir.Value) (ir.Value, []ir.Value) {
		i := col[s]
		if second[s] {
			return b.Sin(last), []ir.Value{last}
		}
		zi := b.SliceCols(z, i, i+1)
		if c.angle[i] {
			last = circInverse(b, circ, zi, b.SliceCols(theta, 0, circValues(c.k)))
			return b.Cos(last), []ir.Value{last}
		}
		xi := ord.inverse(b, zi, b.SliceCols(theta, 0, 3*c.k-1))
		return b.Clamp(xi, -splineMaxCond, splineMaxCond), []ir.Value{xi}
	})
	return pickCols(b, out[0], c.slot)
}

// circularCoupling is CircularSplineCoupling.
type circularCoupling struct {
	name       string
	dim        int
	nid        int
	perm, back []int // x → [identity | transformed] and back
	idAngle    []bool
	k          int
	mix        *circMix
	net        *madeNet
}

func newCircularCoupling(cfg Config) Layer {
	args := cfg.Args
	k := args.Int("bins")
	angle := angleMask(cfg.Dim, cfg.Angles)
	c := &circularCoupling{name: cfg.Name, dim: cfg.Dim, k: k}
	// As SplineCoupling: even stages transform the even dimensions.
	for _, tr := range []bool{false, true} {
		for i := range cfg.Dim {
			if (i%2 == cfg.Ordinal%2) == tr {
				c.perm = append(c.perm, i)
			}
		}
		if !tr {
			c.nid = len(c.perm)
		}
	}
	c.back = make([]int, cfg.Dim)
	var trAngle []bool
	nin := 0
	for j, i := range c.perm {
		c.back[i] = j
		if j < c.nid {
			c.idAngle = append(c.idAngle, angle[i])
			nin++
			if angle[i] {
				nin++
			}
		} else {
			trAngle = append(trAngle, angle[i])
		}
	}
	c.mix = newCircMix(trAngle, k, args.Float("bound"))
	c.net = newMADE(cfg, madeConfig{
		in: nin, out: len(trAngle) * circValues(k), dense: true,
		hidden: args.Ints("hidden"), ctx: cfg.ContextDim, outScale: splineOutScale,
	})
	return c
}

// thetas emits the splines' parameters from the identity half.
func (c *circularCoupling) thetas(b *ir.Builder, id ir.Value, env *Env) (ta, to ir.Value) {
	out := c.net.apply(b, embed(b, id, c.idAngle), c.net.weights(b, env), env)
	n := circValues(c.k)
	return c.mix.thetas(b, out, func(p, v int) int { return p*n + v })
}

func (c *circularCoupling) split(b *ir.Builder, v ir.Value) (id, tr ir.Value) {
	p := b.PermuteCols(v, c.perm)
	return b.SliceCols(p, 0, c.nid), b.SliceCols(p, c.nid, c.dim)
}

func (c *circularCoupling) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(c.name))
	id, tr := c.split(b, x)
	ta, to := c.thetas(b, id, env)
	y, ld := c.mix.forward(b, tr, ta, to)
	return b.PermuteCols(b.ConcatCols(id, y), c.back), ld
}

func (c *circularCoupling) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(c.name + "/inverse"))
	id, tr := c.split(b, z)
	ta, to := c.thetas(b, id, env)
	return b.PermuteCols(b.ConcatCols(id, c.mix.inverse(b, tr, ta, to)), c.back)
}
