package lsp

import (
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// The index resolves every name of a parsed file to what it names, from
// the syntax alone, by the language's scoping rules (spec.md "Names"):
// a top-level binding (`x = ...`, `def`, `density`) is visible after its
// statement; a def's parameters in its body; a density's variable in
// its body; a sum's row variable in its term. Names that are not bound
// are layers, priors, builtins or density functions, or undefined (the
// checker reports those). It serves definition, references, rename,
// document symbols and semantic tokens, and works on a file with
// semantic errors, since it needs only the tree.

type symKind int

const (
	symValue   symKind = iota // name = value
	symDef                    // def name(...) = ...
	symDensity                // density name(z: n) = ...
	symParam                  // a def's parameter
	symVar                    // a density's variable
	symRow                    // sum(r in data: ...)'s row
)

// A symbol is a name a file binds, with every use.
type symbol struct {
	name string
	kind symKind
	decl *lang.Ident
	stmt *lang.Stmt // the statement that binds it
	refs []*lang.Ident
	// within is where a local (a parameter, a density's variable, a
	// row) is visible: the span of the def, density or sum argument.
	within [2]lang.Pos
	// params are a def's parameters, which a call may name (block(h =
	// 16)): those names are uses of the parameter.
	params map[string]*symbol
}

// role is what an identifier that is not a bound name is.
type role int

const (
	roleName     role = iota // a bound name (sym is set) or an undefined one
	roleLayer                // a bijector or Split
	rolePrior                // a prior
	roleBuiltin              // csv, toy, repeat, Inverse, ...
	roleFunction             // a density function: normal_lpdf, exp, ...
	roleOption               // an option or keyword argument's name
)

type occurrence struct {
	id   *lang.Ident
	sym  *symbol // nil unless role is roleName and the name is bound
	decl bool
	role role
	// owner is what a roleOption name is an option or argument of: a
	// statement's keyword (train) or a call's name (MAF, csv, a def).
	owner string
}

type index struct {
	file *lang.File
	syms []*symbol
	occs []occurrence // in source order
	// bodies are the defs' bodies, indexed after every statement: the
	// checker checks a body at each call, where names bound after the
	// def but before the call are visible.
	bodies []func()
}

type scope struct {
	names  map[string]*symbol
	parent *scope
}

func (s *scope) lookup(name string) *symbol {
	for ; s != nil; s = s.parent {
		if sym, ok := s.names[name]; ok {
			return sym
		}
	}
	return nil
}

var densityFunctions = func() map[string]bool {
	m := map[string]bool{"sum": true, "pi": true}
	for _, f := range compiler.TargetFunctions() {
		m[f[0]] = true
	}
	return m
}()

func newIndex(f *lang.File) *index {
	x := &index{file: f}
	top := &scope{names: map[string]*symbol{}}
	for _, s := range f.Stmts {
		x.stmt(s, top)
	}
	for _, body := range x.bodies {
		body()
	}
	slices.SortStableFunc(x.occs, func(a, b occurrence) int { return a.id.Pos.Offset - b.id.Pos.Offset })
	return x
}

func (x *index) declare(sc *scope, id *lang.Ident, kind symKind, stmt *lang.Stmt) *symbol {
	sym := &symbol{name: id.Name, kind: kind, decl: id, stmt: stmt}
	if stmt != nil {
		sym.within = [2]lang.Pos{stmt.Pos, stmt.EndPos}
	}
	if _, dup := sc.names[id.Name]; !dup { // a redeclaration is an error; the first stands
		sc.names[id.Name] = sym
	}
	x.syms = append(x.syms, sym)
	x.occs = append(x.occs, occurrence{id: id, sym: sym, decl: true})
	return sym
}

// param returns the parameter of def sym that a keyword argument names,
// or nil.
func (sym *symbol) param(id *lang.Ident) *symbol {
	if sym == nil || id == nil {
		return nil
	}
	return sym.params[id.Name]
}

// use records a name that refers to something, and returns the symbol
// it names (nil: a layer, builtin, function or undefined name).
func (x *index) use(sc *scope, id *lang.Ident, density bool) *symbol {
	if id == nil {
		return nil
	}
	o := occurrence{id: id}
	if sym := sc.lookup(id.Name); sym != nil {
		o.sym = sym
		sym.refs = append(sym.refs, id)
	} else if spec := stdlib.Lookup(id.Name); spec != nil {
		o.role = roleLayer
		if spec.Kind == stdlib.Prior {
			o.role = rolePrior
		}
	} else if slices.Contains(compiler.Builtins, id.Name) {
		o.role = roleBuiltin
	} else if density && densityFunctions[id.Name] {
		o.role = roleFunction
	}
	x.occs = append(x.occs, o)
	return o.sym
}

func (x *index) option(id *lang.Ident, owner string) {
	if id != nil {
		x.occs = append(x.occs, occurrence{id: id, role: roleOption, owner: owner})
	}
}

func (x *index) stmt(s *lang.Stmt, top *scope) {
	switch {
	case s.Def != nil:
		d := s.Def
		inner := &scope{names: map[string]*symbol{}, parent: top}
		params := map[string]*symbol{}
		for _, p := range d.Params {
			if p.Default != nil {
				x.expr(p.Default, top)
			}
			params[p.Name.Name] = x.declare(inner, p.Name, symParam, s)
		}
		x.declare(top, d.Name, symDef, s).params = params
		x.bodies = append(x.bodies, func() { x.expr(d.Body, inner) })
	case s.Assign != nil:
		x.expr(s.Assign.Value, top)
		x.declare(top, s.Assign.Name, symValue, s)
	case s.Density != nil:
		d := s.Density
		x.arith(d.Dim, top)
		x.declare(top, d.Name, symDensity, s)
		inner := &scope{names: map[string]*symbol{}, parent: top}
		x.declare(inner, d.Var, symVar, s)
		x.arith(d.Body, inner)
	case s.Train != nil:
		x.use(top, s.Train.Flow, false)
		x.use(top, s.Train.Data, false)
		x.options(s.Train.Opts, top, "train")
	case s.Sample != nil:
		x.use(top, s.Sample.Flow, false)
		x.expr(s.Sample.N, top)
		x.expr(s.Sample.Given, top)
		x.expr(s.Sample.Path, top)
		x.options(s.Sample.Opts, top, "sample")
	case s.Eval != nil:
		x.use(top, s.Eval.Flow, false)
		x.use(top, s.Eval.Data, false)
		x.expr(s.Eval.Path, top)
		x.options(s.Eval.Opts, top, "eval")
	case s.Save != nil:
		x.use(top, s.Save.Flow, false)
		x.expr(s.Save.Path, top)
	case s.Plot != nil:
		x.use(top, s.Plot.Flow, false)
		x.use(top, s.Plot.Data, false)
		x.expr(s.Plot.Path, top)
		x.options(s.Plot.Opts, top, "plot")
	case s.Fit != nil:
		x.use(top, s.Fit.Flow, false)
		x.use(top, s.Fit.Target, false)
		x.options(s.Fit.Opts, top, "fit")
	}
}

func (x *index) options(o *lang.Options, sc *scope, owner string) {
	if o == nil {
		return
	}
	for _, opt := range o.List {
		x.option(opt.Name, owner)
		x.expr(opt.Value, sc)
	}
}

func (x *index) expr(e *lang.Expr, sc *scope) {
	if e == nil {
		return
	}
	for _, t := range e.Stages {
		switch {
		case t.List != nil:
			for _, el := range t.List.Elems {
				x.expr(el, sc)
			}
		case t.Paren != nil:
			x.expr(t.Paren, sc)
		case t.Call != nil:
			callee := x.use(sc, t.Call.Name, false)
			for _, a := range t.Call.Args {
				if p := callee.param(a.Name); p != nil { // block(h = 16)
					p.refs = append(p.refs, a.Name)
					x.occs = append(x.occs, occurrence{id: a.Name, sym: p})
				} else {
					x.option(a.Name, t.Call.Name.Name)
				}
				x.expr(a.Value, sc)
			}
		}
	}
}

func (x *index) arith(a *lang.Arith, sc *scope) {
	if a == nil {
		return
	}
	x.product(a.Left, sc)
	for _, op := range a.Rest {
		x.product(op.Right, sc)
	}
}

func (x *index) product(p *lang.Product, sc *scope) {
	if p == nil {
		return
	}
	x.unary(p.Left, sc)
	for _, op := range p.Rest {
		x.unary(op.Right, sc)
	}
}

func (x *index) unary(u *lang.Unary, sc *scope) {
	if u == nil || u.Power == nil {
		return
	}
	if b := u.Power.Base; b != nil {
		x.atom(b.Atom, sc)
		for _, ix := range b.Indexes {
			x.arith(ix.Lo, sc)
			x.arith(ix.Hi, sc)
		}
	}
	x.unary(u.Power.Exp, sc)
}

func (x *index) atom(a *lang.Atom, sc *scope) {
	switch {
	case a == nil:
	case a.Paren != nil:
		x.arith(a.Paren, sc)
	case a.Call != nil:
		x.use(sc, a.Call.Name, true)
		for _, arg := range a.Call.Args {
			inner := sc
			if arg.Var != nil {
				x.use(sc, arg.Data, false)
				inner = &scope{names: map[string]*symbol{}, parent: sc}
				x.declare(inner, arg.Var, symRow, nil).within = [2]lang.Pos{arg.Pos, arg.EndPos}
			}
			x.arith(arg.Value, inner)
		}
	}
}

// at returns the occurrence whose identifier contains or ends at byte
// offset off, or nil: a binary search of the occurrences, which are in
// source order and do not overlap.
func (x *index) at(off int) *occurrence {
	i := sort.Search(len(x.occs), func(i int) bool { return x.occs[i].id.EndPos.Offset >= off })
	if i < len(x.occs) && x.occs[i].id.Pos.Offset <= off {
		return &x.occs[i]
	}
	return nil
}

// visible returns the symbols in scope at a nox position, innermost
// first: the parameters, variable or row of the def, density or sum it
// is in, then the top-level names bound by statements before it.
func (x *index) visible(p lang.Pos) []*symbol {
	var local, top []*symbol
	for _, s := range x.syms {
		switch s.kind {
		case symValue, symDef, symDensity:
			if s.decl.Pos.Offset < p.Offset && !inside(p, s.stmt) {
				top = append(top, s)
			}
		default:
			if s.within[0].Offset <= p.Offset && p.Offset <= s.within[1].Offset {
				local = append(local, s)
			}
		}
	}
	return append(local, top...)
}

func inside(p lang.Pos, s *lang.Stmt) bool {
	return s != nil && s.Pos.Offset <= p.Offset && p.Offset <= s.EndPos.Offset
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// canRename says why sym cannot be renamed to name: not a name, a
// reserved one, or one that would collide with or capture another.
func (x *index) canRename(sym *symbol, name string) error {
	switch {
	case !identRE.MatchString(name):
		return fmt.Errorf("%q is not a name: a letter or _, then letters, digits or _", name)
	case slices.Contains(lang.Keywords, name) || slices.Contains(compiler.Builtins, name) || stdlib.Lookup(name) != nil || densityFunctions[name]:
		return fmt.Errorf("%s is a reserved name", name)
	case name == sym.name:
		return nil
	}
	for _, other := range x.syms {
		if other.name != name {
			continue
		}
		top := func(k symKind) bool { return k == symValue || k == symDef || k == symDensity }
		if top(sym.kind) && top(other.kind) {
			return fmt.Errorf("%s is already declared at line %d", name, other.decl.Pos.Line)
		}
	}
	// No use may then mean another binding of the new name.
	for _, id := range sym.occurrences() {
		for _, v := range x.visible(id.Pos) {
			if v != sym && v.name == name {
				return fmt.Errorf("%s would then refer to the %s declared at line %d", name, kindName(v.kind), v.decl.Pos.Line)
			}
		}
	}
	return nil
}

func kindName(k symKind) string {
	return [...]string{"name", "def", "density", "parameter", "variable", "row"}[k]
}
