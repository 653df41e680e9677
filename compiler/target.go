package compiler

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
)

// A target is a density statement: an unnormalised log-density
// log p̃(z) over a vector z of a fixed dimension, written as an
// arithmetic expression (lang.Density). The checker types its body
// (targetGen without a builder: kinds and lengths only, every error
// positioned); Target.Emit lowers it, with the same walk, to IR that
// computes log p̃ for a batch of points. The fit statement trains a flow
// to it (see LowerVI).
//
// Values of a body have one of four kinds. A constant is folded at
// compile time. A sample value depends on z: [B,1] for a scalar, [B,n]
// for a vector, one row per point of the batch. Inside sum(r in DATA:
// ...), a row value depends on the data row r only: [N,1] or [N,n], one
// row per data row, not batched (the data are a fixed parameter); and a
// mixed scalar depends on both: [B,N]. A row scalar joins a sample one
// transposed ([1,N], broadcast over the batch); a sample vector meets a
// row vector only in dot, a matrix product ([B,k]·[N,k]ᵀ = [B,N]), so
// no value is ever three-dimensional. The sum over rows is then a row
// sum of a mixed value, scaled by N/M when each step reads a minibatch
// of M of the N rows.

// Target is a checked density statement.
type Target struct {
	Name     string
	Pos, End lang.Pos
	// Var is the name of the density's variable, Dim its length.
	Var  string
	Dim  int
	Body *lang.Arith
	// Data are the data sets the body sums over, in order of first use.
	Data []*Data
	// consts are the top-level numbers the body reads.
	consts map[string]float64
}

type tkind uint8

const (
	tConst tkind = iota
	tSample
	tRow
	tMixed
)

// tval is a value of a target's body: its kind, its length (0 for a
// scalar), the constant c of a tConst, and its IR value when emitting.
type tval struct {
	k        tkind
	n        int
	c        float64
	v        ir.Value
	pos, end lang.Pos
}

func (v tval) scalar() bool { return v.n == 0 }

func (v tval) describe() string {
	what := "a scalar"
	if v.n > 0 {
		what = fmt.Sprintf("a vector of %d", v.n)
	}
	switch v.k {
	case tConst:
		return "the constant " + strconv.FormatFloat(v.c, 'g', -1, 64)
	case tRow:
		return what + " of the data row"
	}
	return what
}

// RowSource is how Emit reads a data set: the fixed parameter holding
// the rows a step sums over (M of them, all N without minibatches).
type RowSource struct {
	Param int
	N, M  int
}

// targetGen walks a body. b is nil when only checking.
type targetGen struct {
	b      *ir.Builder
	t      *Target
	errorf func(pos, end lang.Pos, format string, args ...any)
	bad    bool
	// scope holds the density's variable and, inside a sum, its row.
	scope map[string]tval
	// lookup resolves a data set's name (checking) and rows its source
	// (emitting).
	lookup func(id *lang.Ident) *Data
	rows   map[*Data]RowSource
	sum    *Data // the data set of the enclosing sum, or nil
	consts map[string]float64
	// names are the names the body may use, for did-you-mean;
	// constant resolves a top-level number (checking only).
	names    func() []string
	constant func(name string) (float64, bool)
}

// fail reports an error (none for an empty format: a value that is bad
// because a part of it was, already reported) and returns a bad value,
// which the operators pass on without reporting again.
func (g *targetGen) fail(pos, end lang.Pos, format string, args ...any) tval {
	if format != "" {
		g.errorf(pos, end, format, args...)
	}
	g.bad = true
	return tval{k: tConst, c: math.NaN(), v: ir.None, pos: pos, end: end}
}

// Emit lowers t's body for the batch of points x ([B,Dim]) into b and
// returns log p̃ per point ([B,1]). rows gives each data set's source.
func (t *Target) Emit(b *ir.Builder, x ir.Value, rows map[*Data]RowSource) ir.Value {
	g := &targetGen{b: b, t: t, rows: rows, consts: t.consts,
		errorf: func(pos, end lang.Pos, format string, args ...any) {
			panic(fmt.Sprintf("compiler: target %s: %s (the checker let it through)", t.Name, fmt.Sprintf(format, args...)))
		},
		scope: map[string]tval{t.Var: {k: tSample, n: t.Dim, v: x}},
	}
	g.lookup = func(id *lang.Ident) *Data {
		for _, d := range t.Data {
			if d.Name == id.Name {
				return d
			}
		}
		return nil
	}
	defer b.SetNote(b.SetNote("target " + t.Name))
	v := g.arith(t.Body)
	return g.materialize(v)
}

// materialize turns a scalar into the [B,1] log-density of the batch.
func (g *targetGen) materialize(v tval) ir.Value {
	b := g.b
	if v.k == tConst {
		x := g.scope[g.t.Var].v
		return b.AddConst(b.Scale(b.SliceCols(x, 0, 1), 0), v.c)
	}
	if b.Type(v.v).Rows == 1 { // a [1,1] sum of row terms
		return b.BroadcastRows(v.v, ir.Shape{Rows: ir.Batch, Cols: 1}, false)
	}
	return v.v
}

// checkTarget checks a density statement and binds it.
func (c *checker) density(d *lang.Density) {
	if !c.declarable(d.Name) {
		return
	}
	t := &Target{Name: d.Name.Name, Pos: d.Pos, End: d.EndPos, Var: d.Var.Name, Body: d.Body, consts: map[string]float64{}}
	if reserved(t.Var) {
		c.errorf(d.Var.Pos, d.Var.EndPos, "density %s: its variable %s is a reserved name", t.Name, t.Var)
	}
	g := &targetGen{t: t, consts: t.consts, errorf: c.errorf, scope: map[string]tval{}}
	// The dimension may name top-level numbers too (density T(z: d)).
	g.names = func() []string {
		var ns []string
		for n := range g.scope {
			ns = append(ns, n)
		}
		for n, b := range c.scope {
			if b.val.kind == kNum {
				ns = append(ns, n)
			}
		}
		// Sorted: of two names as close, the suggestion is the first,
		// not whichever the maps yield first on this run.
		ns = append(ns, "pi")
		sort.Strings(ns)
		return ns
	}
	g.constant = func(name string) (float64, bool) {
		if b, ok := c.scope[name]; ok && b.val.kind == kNum {
			return b.val.num, true
		}
		return 0, false
	}
	dim := g.arith(d.Dim)
	switch {
	case g.bad:
	case dim.k != tConst || dim.c != math.Trunc(dim.c) || dim.c < 1 || dim.c > 1e6:
		c.errorf(d.Dim.Pos, d.Dim.EndPos, "density %s: the dimension of %s must be an integer constant from 1 to 1000000, got %s", t.Name, t.Var, dim.describe())
		g.bad = true
	default:
		t.Dim = int(dim.c)
	}
	g.scope[t.Var] = tval{k: tSample, n: max(t.Dim, 1), v: ir.None}
	g.lookup = func(id *lang.Ident) *Data {
		data := c.lookupData(id, "sum")
		if data != nil && data.Table == nil {
			return nil
		}
		if data != nil && data.Streamed() {
			c.errorf(id.Pos, id.EndPos, "sum: %s is streamed from a file too large to load (%s); a density's sum needs its rows in memory",
				data.Name, plural(data.Table.Rows, "row"))
			return nil
		}
		if data != nil && !containsData(t.Data, data) {
			t.Data = append(t.Data, data)
		}
		return data
	}
	bad := g.bad
	g.bad = false
	v := g.arith(d.Body)
	switch {
	case g.bad || bad:
	case !v.scalar():
		c.errorf(d.Body.Pos, d.Body.EndPos, "density %s: the log-density must be a scalar, but the expression is %s; sum its elements with sum(...)", t.Name, v.describe())
		g.bad = true
	case v.k == tConst || !mentions(d.Body, t.Var):
		c.errorf(d.Body.Pos, d.Body.EndPos, "density %s: the log-density does not depend on %s, so no flow can be fitted to it", t.Name, t.Var)
		g.bad = true
	}
	c.scope[t.Name] = &binding{val: value{kind: kTarget, target: t, pos: d.Pos, end: d.EndPos}, pos: d.Name.Pos}
	if g.bad || bad {
		c.scope[t.Name].val.kind = kBad
		return
	}
	c.prog.Targets = append(c.prog.Targets, t)
	c.prog.Names[t.Name] = fmt.Sprintf("density over %s (%s)", t.Var, plural(t.Dim, "dimension"))
}

// mentions reports whether a body names the density's variable: one
// that does not (a sum over rows of the data alone) is constant in it,
// though its kind is a sample's. A row variable cannot shadow it.
func mentions(a *lang.Arith, name string) bool {
	found := false
	var arith func(a *lang.Arith)
	unary := func(u *lang.Unary) {
		for ; u != nil; u = u.Power.Exp {
			p := u.Power.Base
			for _, ix := range p.Indexes {
				for _, b := range []*lang.Arith{ix.Lo, ix.Hi} {
					if b != nil {
						arith(b)
					}
				}
			}
			switch at := p.Atom; {
			case at.Paren != nil:
				arith(at.Paren)
			case at.Call != nil:
				found = found || !at.Call.Parens && at.Call.Name.Name == name
				for _, x := range at.Call.Args {
					arith(x.Value)
				}
			}
		}
	}
	arith = func(a *lang.Arith) {
		for _, p := range append([]*lang.Product{a.Left}, restProducts(a)...) {
			unary(p.Left)
			for _, op := range p.Rest {
				unary(op.Right)
			}
		}
	}
	arith(a)
	return found
}

func restProducts(a *lang.Arith) []*lang.Product {
	var ps []*lang.Product
	for _, op := range a.Rest {
		ps = append(ps, op.Right)
	}
	return ps
}

func containsData(ds []*Data, d *Data) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func (g *targetGen) arith(a *lang.Arith) tval {
	v := g.product(a.Left)
	for _, op := range a.Rest {
		r := g.product(op.Right)
		if op.Op == "+" {
			v = g.binary('+', v, r, a.Pos, op.EndPos)
		} else {
			v = g.binary('-', v, r, a.Pos, op.EndPos)
		}
	}
	v.pos, v.end = a.Pos, a.EndPos
	return v
}

func (g *targetGen) product(p *lang.Product) tval {
	v := g.unary(p.Left)
	for _, op := range p.Rest {
		v = g.binary(rune(op.Op[0]), v, g.unary(op.Right), p.Pos, op.EndPos)
	}
	v.pos, v.end = p.Pos, p.EndPos
	return v
}

func (g *targetGen) unary(u *lang.Unary) tval {
	v := g.power(u.Power)
	if u.Neg {
		v = g.apply1(v, func(x float64) float64 { return -x }, g.neg)
	}
	v.pos, v.end = u.Pos, u.EndPos
	return v
}

func (g *targetGen) neg(x ir.Value) ir.Value { return g.b.Neg(x) }

func (g *targetGen) power(p *lang.Power) tval {
	base := g.postfix(p.Base)
	if p.Exp == nil {
		return base
	}
	e := g.unary(p.Exp)
	switch {
	case e.k == tConst && math.IsNaN(e.c) && g.bad:
		return e
	case e.k != tConst || !e.scalar():
		return g.fail(p.Exp.Pos, p.Exp.EndPos, "the exponent of ^ must be a constant, got %s; for a variable exponent write exp(b * log(a))", e.describe())
	case math.IsInf(e.c, 0) || math.IsNaN(e.c):
		return g.fail(p.Exp.Pos, p.Exp.EndPos, "the exponent of ^ must be finite, got %v", e.c)
	}
	k := e.c
	v := g.apply1(base, func(x float64) float64 { return math.Pow(x, k) }, func(x ir.Value) ir.Value {
		switch k {
		case 1:
			return x
		case 2:
			return g.b.Mul(x, x)
		}
		return g.b.PowConst(x, k)
	})
	v.pos, v.end = p.Pos, p.EndPos
	return v
}

func (g *targetGen) postfix(p *lang.Postfix) tval {
	v := g.atom(p.Atom)
	for _, ix := range p.Indexes {
		v = g.index(v, ix)
		v.pos, v.end = p.Pos, ix.EndPos
	}
	return v
}

// index takes an element (x[i]) or a slice (x[lo:hi]) of a vector;
// negative bounds count from its end, as in Python.
func (g *targetGen) index(v tval, ix *lang.Index) tval {
	if g.bad && v.k == tConst && math.IsNaN(v.c) {
		return v
	}
	if v.scalar() {
		return g.fail(ix.Pos, ix.EndPos, "cannot index %s: only vectors have elements", v.describe())
	}
	bound := func(a *lang.Arith, def int) (int, bool) {
		if a == nil {
			return def, true
		}
		e := g.arith(a)
		if e.k != tConst || !e.scalar() || e.c != math.Trunc(e.c) || math.IsInf(e.c, 0) {
			// A bad bound was reported where it went bad; another
			// error elsewhere in the body does not excuse this one.
			if !(isBadConst(e) && g.bad) {
				g.fail(a.Pos, a.EndPos, "an index must be an integer constant, got %s", e.describe())
			}
			return 0, false
		}
		i := e.c
		if i < 0 {
			i += float64(v.n)
		}
		lim := float64(v.n)
		if !ix.Colon {
			lim--
		}
		if i < 0 || i > lim {
			if ix.Colon {
				g.fail(a.Pos, a.EndPos, "slice bound %v is out of range for %s (bounds 0 to %d, or negative from the end)", e.c, v.describe(), v.n)
			} else {
				g.fail(a.Pos, a.EndPos, "index %v is out of range for %s (indexes 0 to %d, or negative from the end)", e.c, v.describe(), v.n-1)
			}
			return 0, false
		}
		return int(i), true
	}
	if !ix.Colon {
		if ix.Hi != nil {
			return g.fail(ix.Hi.Pos, ix.Hi.EndPos, "an index holds one position: x[i]; a slice is x[lo:hi]")
		}
		if ix.Lo == nil {
			return g.fail(ix.Pos, ix.EndPos, "an index needs a position: x[0], or a slice x[1:]")
		}
		i, ok := bound(ix.Lo, 0)
		if !ok {
			return g.fail(ix.Pos, ix.EndPos, "")
		}
		return g.slice(v, i, i+1, 0)
	}
	lo, ok1 := bound(ix.Lo, 0)
	hi, ok2 := bound(ix.Hi, v.n)
	switch {
	case !ok1 || !ok2:
		return g.fail(ix.Pos, ix.EndPos, "")
	case hi <= lo:
		return g.fail(ix.Pos, ix.EndPos, "the slice [%d:%d] of %s is empty", lo, hi, v.describe())
	}
	return g.slice(v, lo, hi, hi-lo)
}

func (g *targetGen) slice(v tval, lo, hi, n int) tval {
	out := tval{k: v.k, n: n, v: ir.None}
	if g.b != nil {
		out.v = g.b.SliceCols(v.v, lo, hi)
	}
	return out
}

func (g *targetGen) atom(a *lang.Atom) tval {
	switch {
	case a.Number != nil:
		x, err := strconv.ParseFloat(*a.Number, 64)
		if err != nil || math.IsInf(x, 0) {
			return g.fail(a.Pos, a.EndPos, "number %s is out of range", *a.Number)
		}
		return tval{k: tConst, c: x, v: ir.None, pos: a.Pos, end: a.EndPos}
	case a.Paren != nil:
		return g.arith(a.Paren)
	}
	call := a.Call
	if !call.Parens {
		return g.name(call.Name)
	}
	v := g.call(call)
	v.pos, v.end = a.Pos, a.EndPos
	return v
}

func (g *targetGen) name(id *lang.Ident) tval {
	if v, ok := g.scope[id.Name]; ok {
		v.pos, v.end = id.Pos, id.EndPos
		return v
	}
	if c, ok := g.consts[id.Name]; ok {
		return tval{k: tConst, c: c, v: ir.None, pos: id.Pos, end: id.EndPos}
	}
	if id.Name == "pi" {
		return tval{k: tConst, c: math.Pi, v: ir.None, pos: id.Pos, end: id.EndPos}
	}
	if g.constant != nil {
		if c, ok := g.constant(id.Name); ok {
			g.consts[id.Name] = c
			return tval{k: tConst, c: c, v: ir.None, pos: id.Pos, end: id.EndPos}
		}
	}
	if _, ok := targetFuncs[id.Name]; ok {
		return g.fail(id.Pos, id.EndPos, "%s is a function; call it: %s(...)", id.Name, id.Name)
	}
	hint := ""
	if g.names != nil {
		hint = spell.DidYouMean(id.Name, g.names())
	}
	return g.fail(id.Pos, id.EndPos, "undefined: %s%s", id.Name, hint)
}

// CheckDensity checks a source that defines one density (numbers may be
// bound before it: `s = 0.4`), for the Go embedding API: data are the
// data sets its sums may read, by name. The error, if any, is a
// lang.ErrorList.
func CheckDensity(f *lang.File, data map[string]*dataset.Table) (*Target, error) {
	c := newChecker(nil)
	c.flowOnly = true
	for name, t := range data {
		c.scope[name] = &binding{val: value{kind: kData, data: &Data{Name: name, Path: name, Table: t}}}
	}
	for _, s := range f.Stmts {
		switch {
		case s.Density != nil:
			c.density(s.Density)
		case s.Assign != nil:
			c.assign(s.Assign)
		default:
			c.errorf(s.Pos, s.EndPos, "a density's source holds density statements and bindings of numbers only")
		}
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	if n := len(c.prog.Targets); n != 1 {
		pos := lang.Pos{Filename: f.Pos.Filename, Line: 1, Column: 1}
		c.errorf(pos, pos, "the source defines %d densities; give one", n)
		return nil, c.errs.Err()
	}
	return c.prog.Targets[0], nil
}
