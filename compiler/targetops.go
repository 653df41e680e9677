package compiler

import (
	"fmt"
	"math"
	"sort"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
)

// The operators and functions of a target's body (see target.go).

func isBadConst(v tval) bool { return v.k == tConst && math.IsNaN(v.c) && v.v == ir.None && v.n == 0 }

// join is the kind of a combination of values of kinds a and b.
func join(a, b tkind) tkind {
	switch {
	case a == b:
		return a
	case a == tConst:
		return b
	case b == tConst:
		return a
	}
	return tMixed // sample with row, or either with mixed
}

// shape is the IR shape of a value of kind k and length n.
func (g *targetGen) shape(k tkind, n int) ir.Shape {
	cols := max(n, 1)
	switch k {
	case tRow:
		return ir.Shape{Rows: g.rows[g.sum].M, Cols: cols}
	case tMixed:
		return ir.Shape{Rows: ir.Batch, Cols: g.rows[g.sum].M}
	}
	return ir.Shape{Rows: ir.Batch, Cols: cols}
}

// frame returns v's IR value as an operand of kind k: a row scalar
// ([M,1]) joins a mixed value transposed ([1,M]).
func (g *targetGen) frame(v tval, k tkind) ir.Value {
	if v.k == tRow && k == tMixed {
		return g.b.Transpose(v.v)
	}
	return v.v
}

// fill broadcasts x to shape s (a row [1,n] over rows, a column [r,1]
// over columns).
func (g *targetGen) fill(x ir.Value, s ir.Shape) ir.Value {
	t := g.b.Type(x)
	if t.Rows == 1 && s.Rows != 1 {
		x = g.b.BroadcastRows(x, ir.Shape{Rows: s.Rows, Cols: t.Cols}, false)
	}
	if t.Cols == 1 && s.Cols != 1 {
		x = g.b.BroadcastCols(x, s)
	}
	return x
}

// binary combines a and b with +, -, * or /.
func (g *targetGen) binary(op rune, a, b tval, pos, end lang.Pos) tval {
	if isBadConst(a) && g.bad || isBadConst(b) && g.bad {
		return g.fail(pos, end, "")
	}
	if a.k == tConst && b.k == tConst {
		c := foldBinary(op, a.c, b.c)
		if finite(a.c) && finite(b.c) && !finite(c) {
			return g.fail(pos, end, "this is the constant %v (%v %c %v); a density's terms must be finite", c, a.c, op, b.c)
		}
		return tval{k: tConst, c: c, v: ir.None, pos: pos, end: end}
	}
	k := join(a.k, b.k)
	n := max(a.n, b.n)
	switch {
	case op == '/' && b.k == tConst && b.c == 0:
		return g.fail(pos, end, "division by the constant 0; a density's terms must be finite")
	case a.n > 0 && b.n > 0 && a.n != b.n:
		return g.fail(pos, end, "cannot combine %s and %s with %c: their lengths differ", a.describe(), b.describe(), op)
	case n > 0 && k == tMixed:
		v, w := a, b
		if w.n > 0 {
			v, w = w, v
		}
		if v.k == tRow { // the data row's vector and a scalar of the variable
			return g.fail(pos, end, "cannot combine %s with %s: inside a sum over rows, a value of %s meets a vector of the data row only through its elements (r[0]) or dot(...)", v.describe(), w.describe(), g.t.Var)
		}
		return g.fail(pos, end, "cannot combine %s with %s: inside a sum over rows, a vector of %s meets the data row only through dot(...)", v.describe(), w.describe(), g.t.Var)
	}
	out := tval{k: k, n: n, v: ir.None, pos: pos, end: end}
	if g.b == nil {
		return out
	}
	bb := g.b
	if b.k == tConst {
		x := g.fill(g.frame(a, k), g.shape(k, n))
		switch op {
		case '+':
			out.v = bb.AddConst(x, b.c)
		case '-':
			out.v = bb.AddConst(x, -b.c)
		case '*':
			out.v = bb.Scale(x, b.c)
		default:
			out.v = bb.Scale(x, 1/b.c)
		}
		return out
	}
	if a.k == tConst {
		y := g.fill(g.frame(b, k), g.shape(k, n))
		switch op {
		case '+':
			out.v = bb.AddConst(y, a.c)
		case '-':
			out.v = bb.AddConst(bb.Neg(y), a.c)
		case '*':
			out.v = bb.Scale(y, a.c)
		default:
			out.v = bb.Scale(bb.PowConst(y, -1), a.c)
		}
		return out
	}
	s := g.shape(k, n)
	x, y := g.frame(a, k), g.frame(b, k)
	if bb.Type(x) != s && (op == '+' || op == '*') {
		x, y = y, x
	}
	x = g.fill(x, s)
	switch op {
	case '+':
		out.v = bb.Add(x, y)
	case '-':
		out.v = bb.Sub(x, y)
	case '*':
		out.v = bb.Mul(x, y)
	default:
		out.v = bb.Div(x, y)
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func foldBinary(op rune, a, b float64) float64 {
	switch op {
	case '+':
		return a + b
	case '-':
		return a - b
	case '*':
		return a * b
	}
	return a / b
}

// apply1 applies an elementwise function: fold for a constant, emit
// otherwise.
func (g *targetGen) apply1(v tval, fold func(float64) float64, emit func(ir.Value) ir.Value) tval {
	if v.k == tConst {
		in := v.c
		v.c = fold(v.c)
		if finite(in) && !finite(v.c) {
			return g.fail(v.pos, v.end, "a function of the constant %v here is %v; a density's terms must be finite", in, v.c)
		}
		return v
	}
	if g.b != nil {
		v.v = emit(v.v)
	}
	return v
}

// targetFunc is a function of a target's body: its arity (max −1:
// variadic), its signature for messages and its meaning.
type targetFunc struct {
	min, max int
	sig, doc string
	fn       func(g *targetGen, args []tval, call *lang.ArithCall) tval
}

var targetFuncs map[string]targetFunc

// TargetFunctions lists the functions a density may call, sorted, with
// their signatures and one-line descriptions (spec.md's table).
func TargetFunctions() [][3]string {
	var out [][3]string
	for name, f := range targetFuncs {
		out = append(out, [3]string{name, f.sig, f.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func elementwise(fold func(float64) float64, emit func(b *ir.Builder, x ir.Value) ir.Value, doc string) targetFunc {
	return targetFunc{min: 1, max: 1, sig: "(x)", doc: doc, fn: func(g *targetGen, args []tval, _ *lang.ArithCall) tval {
		return g.apply1(args[0], fold, func(x ir.Value) ir.Value { return emit(g.b, x) })
	}}
}

func lgammaFold(x float64) float64 { v, _ := math.Lgamma(x); return v }

func init() {
	targetFuncs = map[string]targetFunc{
		"exp":      elementwise(math.Exp, (*ir.Builder).Exp, "e^x"),
		"log":      elementwise(math.Log, (*ir.Builder).Log, "natural logarithm"),
		"sqrt":     elementwise(math.Sqrt, (*ir.Builder).Sqrt, "square root"),
		"abs":      elementwise(math.Abs, (*ir.Builder).Abs, "absolute value"),
		"sin":      elementwise(math.Sin, (*ir.Builder).Sin, "sine"),
		"cos":      elementwise(math.Cos, (*ir.Builder).Cos, "cosine"),
		"tanh":     elementwise(math.Tanh, (*ir.Builder).Tanh, "hyperbolic tangent"),
		"sigmoid":  elementwise(func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, (*ir.Builder).Sigmoid, "1/(1+e^-x)"),
		"softplus": elementwise(func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, (*ir.Builder).Softplus, "log(1+e^x), without overflow"),
		"log1p":    elementwise(math.Log1p, (*ir.Builder).Log1p, "log(1+x), accurate near 0"),
		"expm1":    elementwise(math.Expm1, (*ir.Builder).Expm1, "e^x−1, accurate near 0"),
		"lgamma":   elementwise(lgammaFold, (*ir.Builder).Lgamma, "log|Γ(x)|"),
		"relu":     elementwise(func(x float64) float64 { return math.Max(x, 0) }, (*ir.Builder).Relu, "max(x, 0)"),
		"max":      {min: 2, max: 2, sig: "(a, b)", doc: "the larger of a and b, elementwise", fn: maxFunc(false)},
		"min":      {min: 2, max: 2, sig: "(a, b)", doc: "the smaller of a and b, elementwise", fn: maxFunc(true)},
		"sum": {min: 1, max: 1, sig: "(x) or sum(r in DATA: term)", doc: "the sum of a vector's elements; with r in DATA, of term over the data set's rows",
			fn: func(g *targetGen, a []tval, c *lang.ArithCall) tval { return g.reduce(a[0], c, "sum") }},
		"mean": {min: 1, max: 1, sig: "(x)", doc: "the mean of a vector's elements",
			fn: func(g *targetGen, a []tval, c *lang.ArithCall) tval { return g.reduce(a[0], c, "mean") }},
		"norm": {min: 1, max: 1, sig: "(x)", doc: "the Euclidean norm of a vector",
			fn: func(g *targetGen, a []tval, c *lang.ArithCall) tval { return g.reduce(a[0], c, "norm") }},
		"dot": {min: 2, max: 2, sig: "(a, b)", doc: "the inner product of two vectors of one length", fn: dotFunc},
		"logsumexp": {min: 1, max: -1, sig: "(a, b, ...) or logsumexp(x)", doc: "log(e^a + e^b + ...), without overflow; of one vector, over its elements",
			fn: logsumexpFunc},
	}
	for name, d := range distributions {
		targetFuncs[name] = d
	}
}

// call applies a function.
func (g *targetGen) call(c *lang.ArithCall) tval {
	name := c.Name.Name
	f, ok := targetFuncs[name]
	if !ok {
		names := make([]string, 0, len(targetFuncs))
		for n := range targetFuncs {
			names = append(names, n)
		}
		sort.Strings(names) // a tie suggests the same name on every run
		return g.fail(c.Name.Pos, c.Name.EndPos, "unknown function %s%s", name, spell.DidYouMean(name, names))
	}
	if name == "sum" && len(c.Args) == 1 && c.Args[0].Var != nil {
		return g.sumRows(c)
	}
	var args []tval
	bad := false
	for _, a := range c.Args {
		if a.Var != nil {
			if name == "sum" { // of two or more arguments: the arity says it
				g.bad = true
			} else {
				g.fail(a.Pos, a.EndPos, "only sum takes `%s in %s: ...`", a.Var.Name, a.Data.Name)
			}
			bad = true
			continue
		}
		v := g.arith(a.Value)
		bad = bad || isBadConst(v) && g.bad
		args = append(args, v)
	}
	switch {
	case len(c.Args) < f.min || f.max >= 0 && len(c.Args) > f.max:
		want := fmt.Sprintf("%d", f.min)
		if f.max < 0 {
			want = fmt.Sprintf("at least %d", f.min)
		} else if f.max != f.min {
			want = fmt.Sprintf("%d to %d", f.min, f.max)
		}
		return g.fail(c.Pos, c.EndPos, "%s takes %s, got %d: %s%s", name, plural2(want), len(c.Args), name, f.sig)
	case bad:
		return g.fail(c.Pos, c.EndPos, "")
	}
	return f.fn(g, args, c)
}

func plural2(n string) string {
	if n == "1" {
		return "1 argument"
	}
	return n + " arguments"
}

func maxFunc(min bool) func(g *targetGen, a []tval, c *lang.ArithCall) tval {
	return func(g *targetGen, a []tval, c *lang.ArithCall) tval {
		// max(a, b) = b + relu(a − b); min(a, b) = a − relu(a − b).
		d := g.binary('-', a[0], a[1], c.Pos, c.EndPos)
		r := g.apply1(d, func(x float64) float64 { return math.Max(x, 0) }, func(x ir.Value) ir.Value { return g.b.Relu(x) })
		if min {
			return g.binary('-', a[0], r, c.Pos, c.EndPos)
		}
		return g.binary('+', a[1], r, c.Pos, c.EndPos)
	}
}

// reduce sums, averages or takes the norm of a vector's elements.
func (g *targetGen) reduce(v tval, c *lang.ArithCall, how string) tval {
	if v.scalar() {
		hint := ""
		if a := c.Args[0].Value; len(a.Rest) == 0 && len(a.Left.Rest) == 0 && a.Left.Left.Power.Base.Atom.Call != nil {
			if _, ok := lpdfs[a.Left.Left.Power.Base.Atom.Call.Name.Name]; ok {
				hint = " (the log-density of a vector is already the sum over its elements)"
			}
		}
		return g.fail(c.Pos, c.EndPos, "%s takes a vector, got %s%s", how, v.describe(), hint)
	}
	n := v.n
	if how == "norm" {
		v = g.binary('*', v, v, c.Pos, c.EndPos)
	}
	out := tval{k: v.k, v: ir.None, pos: c.Pos, end: c.EndPos}
	if g.b != nil {
		out.v = g.b.SumCols(v.v)
	}
	switch how {
	case "mean":
		out = g.binary('/', out, tval{k: tConst, c: float64(n)}, c.Pos, c.EndPos)
	case "norm":
		out = g.apply1(out, math.Sqrt, func(x ir.Value) ir.Value { return g.b.Sqrt(x) })
	}
	return out
}

func dotFunc(g *targetGen, a []tval, c *lang.ArithCall) tval {
	x, y := a[0], a[1]
	switch {
	case x.scalar() || y.scalar():
		return g.fail(c.Pos, c.EndPos, "dot takes two vectors, got %s and %s", x.describe(), y.describe())
	case x.n != y.n:
		return g.fail(c.Pos, c.EndPos, "dot takes two vectors of one length, got %s and %s", x.describe(), y.describe())
	}
	if x.k == y.k || x.k == tConst || y.k == tConst {
		return g.reduce(g.binary('*', x, y, c.Pos, c.EndPos), c, "sum")
	}
	// A vector of the variable and one of the data row: [B,k]·[M,k]ᵀ.
	if x.k == tRow {
		x, y = y, x
	}
	out := tval{k: tMixed, v: ir.None, pos: c.Pos, end: c.EndPos}
	if g.b != nil {
		out.v = g.b.MatMul(x.v, y.v, ir.TransB)
	}
	return out
}

// logsumexp is m + log(Σ exp(aᵢ − m)) with m the maximum, clamped to be
// finite so that all −Inf terms give −Inf rather than NaN.
func logsumexpFunc(g *targetGen, a []tval, c *lang.ArithCall) tval {
	lim := math.MaxFloat32
	clamp := func(v tval) tval {
		return g.apply1(v, func(x float64) float64 { return math.Max(-lim, math.Min(lim, x)) },
			func(x ir.Value) ir.Value { return g.b.Clamp(x, -lim, lim) })
	}
	if len(a) == 1 {
		v := a[0]
		if v.scalar() {
			return g.fail(c.Pos, c.EndPos, "logsumexp of one argument takes a vector, got %s; of scalars it takes two or more", v.describe())
		}
		out := tval{k: v.k, v: ir.None, pos: c.Pos, end: c.EndPos}
		if g.b == nil {
			return out
		}
		m := g.b.Clamp(g.b.MaxCols(v.v), -lim, lim)
		out.v = g.b.Add(m, g.b.Log(g.b.SumCols(g.b.Exp(g.b.Sub(v.v, m)))))
		return out
	}
	for _, v := range a {
		if !v.scalar() {
			return g.fail(v.pos, v.end, "logsumexp of several arguments takes scalars, got %s; of one vector, write logsumexp(x)", v.describe())
		}
	}
	// The operands are clamped before their maximum is taken: max(a, b)
	// is b + relu(a − b), NaN for a = b = −Inf.
	m := clamp(a[0])
	for _, v := range a[1:] {
		m = maxFunc(false)(g, []tval{m, clamp(v)}, c)
	}
	var s tval
	for i, v := range a {
		e := g.binary('-', v, m, c.Pos, c.EndPos)
		e = g.apply1(e, math.Exp, func(x ir.Value) ir.Value { return g.b.Exp(x) })
		if i == 0 {
			s = e
		} else {
			s = g.binary('+', s, e, c.Pos, c.EndPos)
		}
	}
	s = g.apply1(s, math.Log, func(x ir.Value) ir.Value { return g.b.Log(x) })
	return g.binary('+', m, s, c.Pos, c.EndPos)
}

// sumRows is sum(r in DATA: term): term summed over DATA's rows.
func (g *targetGen) sumRows(c *lang.ArithCall) tval {
	arg := c.Args[0]
	if g.sum != nil {
		return g.fail(arg.Pos, arg.EndPos, "sums over rows cannot be nested")
	}
	name := arg.Var.Name
	if _, clash := g.scope[name]; clash || reserved(name) || name == "pi" {
		return g.fail(arg.Var.Pos, arg.Var.EndPos, "sum: the row variable %s must be a new name", name)
	}
	if v, ok := g.scope[arg.Data.Name]; ok {
		return g.fail(arg.Data.Pos, arg.Data.EndPos, "sum: %s is %s, not a data set; sum(%s in DATA: ...) sums over a data set's rows, sum(x) over a vector's elements", arg.Data.Name, v.describe(), name)
	}
	data := g.lookup(arg.Data)
	if data == nil {
		g.bad = true
		return g.fail(arg.Data.Pos, arg.Data.EndPos, "")
	}
	src := RowSource{N: data.Table.Rows, M: data.Table.Rows}
	row := tval{k: tRow, n: data.Table.Cols, v: ir.None}
	if g.b != nil {
		src = g.rows[data]
		row.v = g.b.Param(src.Param)
	}
	g.sum = data
	g.scope[name] = row
	term := g.arith(arg.Value)
	delete(g.scope, name)
	defer func() { g.sum = nil }()
	switch {
	case isBadConst(term) && g.bad:
		return term
	case !term.scalar():
		return g.fail(arg.Value.Pos, arg.Value.EndPos, "the term of a sum over rows must be a scalar, got %s; sum its elements with sum(...)", term.describe())
	}
	scale := float64(src.N) / float64(src.M)
	out := tval{k: tSample, v: ir.None, pos: c.Pos, end: c.EndPos}
	switch term.k {
	case tConst:
		return tval{k: tConst, c: term.c * float64(src.N), v: ir.None, pos: c.Pos, end: c.EndPos}
	case tSample: // the same for every row
		return g.binary('*', term, tval{k: tConst, c: float64(src.N)}, c.Pos, c.EndPos)
	}
	if g.b == nil {
		return out
	}
	if term.k == tRow {
		out.v = g.b.SumRows(term.v) // [1,1]
	} else {
		out.v = g.b.SumCols(term.v) // [B,1]
	}
	if scale != 1 {
		out.v = g.b.Scale(out.v, scale)
	}
	return out
}
