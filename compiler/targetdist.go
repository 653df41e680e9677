package compiler

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/lang"
)

// The log-densities of common distributions, for targets that read as
// their math: normal_lpdf(z[1:], 0, exp(z[0] / 2)). As in Stan, the
// log-density of a vector is the sum of its elements' (parameters
// broadcast elementwise). Each is composed from the body's own
// operators, so it is typed, folded and differentiated as they are. A
// distribution on part of the line is −Inf outside it: its formula is
// evaluated at x clamped into the support (so that no log of a negative
// number makes a NaN) and the log of the support's indicator is added
// (ir.OpSupport) when x is not a constant: it depends on the density's
// variable, on a data row, or on both.

// dctx composes a distribution's formula.
type dctx struct {
	g *targetGen
	c *lang.ArithCall
}

func (d dctx) k(x float64) tval                 { return tval{k: tConst, c: x, v: ir.None} }
func (d dctx) add(a, b tval) tval               { return d.g.binary('+', a, b, d.c.Pos, d.c.EndPos) }
func (d dctx) sub(a, b tval) tval               { return d.g.binary('-', a, b, d.c.Pos, d.c.EndPos) }
func (d dctx) mul(a, b tval) tval               { return d.g.binary('*', a, b, d.c.Pos, d.c.EndPos) }
func (d dctx) div(a, b tval) tval               { return d.g.binary('/', a, b, d.c.Pos, d.c.EndPos) }
func (d dctx) call(name string, a ...tval) tval { return targetFuncs[name].fn(d.g, a, d.c) }
func (d dctx) sq(a tval) tval                   { return d.mul(a, a) }

type lpdf struct {
	params []string
	doc    string
	// lo, hi bound the support of x (open interval); both infinite for
	// the whole line.
	lo, hi float64
	f      func(d dctx, x tval, p []tval) tval
}

var lpdfs = map[string]lpdf{
	"normal_lpdf": {[]string{"mu", "sigma"}, "log-density of Normal(mu, sigma)", math.Inf(-1), math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			z := d.div(d.sub(x, p[0]), p[1])
			return d.sub(d.mul(d.k(-0.5), d.sq(z)), d.add(d.call("log", p[1]), d.k(0.5*math.Log(2*math.Pi))))
		}},
	"student_t_lpdf": {[]string{"nu", "mu", "sigma"}, "log-density of Student's t with nu degrees of freedom, location mu, scale sigma", math.Inf(-1), math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			nu, z := p[0], d.div(d.sub(x, p[1]), p[2])
			h := d.div(d.add(nu, d.k(1)), d.k(2))
			c := d.sub(d.call("lgamma", h), d.call("lgamma", d.div(nu, d.k(2))))
			c = d.sub(c, d.add(d.mul(d.k(0.5), d.call("log", d.mul(nu, d.k(math.Pi)))), d.call("log", p[2])))
			return d.sub(c, d.mul(h, d.call("log1p", d.div(d.sq(z), nu))))
		}},
	"cauchy_lpdf": {[]string{"mu", "sigma"}, "log-density of Cauchy(mu, sigma)", math.Inf(-1), math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			z := d.div(d.sub(x, p[0]), p[1])
			return d.sub(d.k(-math.Log(math.Pi)), d.add(d.call("log", p[1]), d.call("log1p", d.sq(z))))
		}},
	"laplace_lpdf": {[]string{"mu", "b"}, "log-density of Laplace(mu, b)", math.Inf(-1), math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			return d.sub(d.k(-math.Ln2), d.add(d.call("log", p[1]), d.div(d.call("abs", d.sub(x, p[0])), p[1])))
		}},
	"logistic_lpdf": {[]string{"mu", "s"}, "log-density of Logistic(mu, s)", math.Inf(-1), math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			z := d.div(d.sub(x, p[0]), p[1])
			// −z − log s − 2 log(1 + e^−z) = −|z| − log s − 2 softplus(−|z|)
			a := d.call("abs", z)
			return d.sub(d.sub(d.mul(d.k(-1), a), d.call("log", p[1])), d.mul(d.k(2), d.call("softplus", d.mul(d.k(-1), a))))
		}},
	"gamma_lpdf": {[]string{"alpha", "beta"}, "log-density of Gamma(alpha, rate beta), x > 0", 0, math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			a, b := p[0], p[1]
			c := d.sub(d.mul(a, d.call("log", b)), d.call("lgamma", a))
			return d.add(c, d.sub(d.mul(d.sub(a, d.k(1)), d.call("log", x)), d.mul(b, x)))
		}},
	"exponential_lpdf": {[]string{"lambda"}, "log-density of Exponential(rate lambda), x > 0", 0, math.Inf(1),
		func(d dctx, x tval, p []tval) tval { return d.sub(d.call("log", p[0]), d.mul(p[0], x)) }},
	"lognormal_lpdf": {[]string{"mu", "sigma"}, "log-density of LogNormal(mu, sigma), x > 0", 0, math.Inf(1),
		func(d dctx, x tval, p []tval) tval {
			lx := d.call("log", x)
			z := d.div(d.sub(lx, p[0]), p[1])
			return d.sub(d.mul(d.k(-0.5), d.sq(z)), d.add(d.add(d.call("log", p[1]), lx), d.k(0.5*math.Log(2*math.Pi))))
		}},
	"beta_lpdf": {[]string{"a", "b"}, "log-density of Beta(a, b), 0 < x < 1", 0, 1,
		func(d dctx, x tval, p []tval) tval {
			a, b := p[0], p[1]
			c := d.sub(d.call("lgamma", d.add(a, b)), d.add(d.call("lgamma", a), d.call("lgamma", b)))
			t := d.add(d.mul(d.sub(a, d.k(1)), d.call("log", x)), d.mul(d.sub(b, d.k(1)), d.call("log1p", d.mul(d.k(-1), x))))
			return d.add(c, t)
		}},
	"bernoulli_logit_lpmf": {[]string{"eta"}, "log-probability of y ∈ {0, 1} under Bernoulli(sigmoid(eta)): y·eta − softplus(eta)", math.Inf(-1), math.Inf(1),
		func(d dctx, y tval, p []tval) tval { return d.sub(d.mul(y, p[0]), d.call("softplus", p[0])) }},
}

// distributions are the lpdfs as functions of a body.
var distributions = func() map[string]targetFunc {
	out := map[string]targetFunc{}
	for name, l := range lpdfs {
		sig := "(x"
		for _, p := range l.params {
			sig += ", " + p
		}
		sig += ")"
		out[name] = targetFunc{min: len(l.params) + 1, max: len(l.params) + 1, sig: sig, doc: l.doc,
			fn: func(g *targetGen, a []tval, c *lang.ArithCall) tval { return g.lpdf(l, a, c) }}
	}
	return out
}()

// lpdf evaluates a distribution's log-density, summed over a vector x.
func (g *targetGen) lpdf(l lpdf, a []tval, c *lang.ArithCall) tval {
	// A constant parameter outside the distribution's domain (a scale of
	// 0) breaks several of the formula's operations: say so once, at
	// the call, naming the distribution.
	prev, said := g.errorf, false
	g.errorf = func(_, _ lang.Pos, format string, args ...any) {
		if !said {
			said = true
			prev(c.Pos, c.EndPos, "%s: "+format, append([]any{c.Name.Name}, args...)...)
		}
	}
	defer func() { g.errorf = prev }()
	d := dctx{g: g, c: c}
	x := a[0]
	bounded := !math.IsInf(l.lo, -1) || !math.IsInf(l.hi, 1)
	if bounded && x.k == tConst && !(x.c > l.lo && x.c < l.hi) {
		return tval{k: tConst, c: math.Inf(-1), v: ir.None, pos: c.Pos, end: c.EndPos}
	}
	xc := x
	if bounded && x.k != tConst {
		// Inside the support, the clamp changes nothing; outside, the
		// support term below makes the result −Inf.
		lo, hi := math.Max(l.lo, -math.MaxFloat32), math.Min(l.hi, math.MaxFloat32)
		if l.lo == 0 {
			lo = 0x1p-126
		}
		if l.hi == 1 {
			hi = 1 - 0x1p-24
		}
		xc = g.apply1(x, nil, func(v ir.Value) ir.Value { return g.b.Clamp(v, lo, hi) })
	}
	v := l.f(d, xc, a[1:])
	if !v.scalar() {
		v = g.reduce(v, c, "sum")
	}
	if bounded && x.k != tConst && g.b != nil {
		// x may depend on a data row too (a row or mixed value): its
		// support term, a scalar of x's kind, joins v as any operand.
		sup := tval{k: x.k, v: g.b.Support(x.v, l.lo, l.hi, false)}
		v = g.binary('+', v, sup, c.Pos, c.EndPos)
	}
	v.pos, v.end = c.Pos, c.EndPos
	return v
}
