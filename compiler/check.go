package compiler

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Loader reads the data file at path (as written in the source; resolving
// it against a directory is the loader's business). Its error is reported
// at the csv(...) call that named the file.
type Loader func(path string) (*dataset.Table, error)

// Builtins are the functions the checker knows besides layers.
var Builtins = []string{"csv", "false", "npy", "repeat", "toy", "true"}

// maxCallDepth bounds nested def calls (and so recursion).
const maxCallDepth = 32

// Check resolves and type-checks a parsed file. load may be nil, in which
// case csv(...) is an error. The error, if any, is a lang.ErrorList.
func Check(f *lang.File, load Loader) (*Program, error) {
	c := &checker{prog: &Program{File: f, Names: map[string]string{}}, load: load, scope: map[string]*binding{}}
	for _, s := range f.Stmts {
		c.stmt(s)
	}
	return c.prog, c.errs.Err()
}

type binding struct {
	val value
	pos lang.Pos
	// flow is set for a name bound to a flow that ends in a prior: the
	// model that train and sample act on.
	flow *Flow
}

type checker struct {
	prog  *Program
	load  Loader
	scope map[string]*binding
	errs  lang.ErrorList
	// stageCount numbers stages per layer name within a flow.
	stageCount map[string]int
	// frames are the parameter bindings of the def calls being checked,
	// innermost last, with the call that made each.
	frames []frame
}

type frame struct {
	vars     map[string]value
	call     string // "block called at model.nox:5:8"
	pos, end lang.Pos
}

func (c *checker) errorf(pos, end lang.Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n := len(c.frames); n > 0 {
		msg += " (in " + c.frames[n-1].call + ")"
	}
	c.errs.Add(&lang.Error{Pos: pos, End: end, Msg: msg})
}

// local returns the value of a def parameter in the innermost call.
func (c *checker) local(name string) (value, bool) {
	if n := len(c.frames); n > 0 {
		v, ok := c.frames[n-1].vars[name]
		return v, ok
	}
	return value{}, false
}

func (c *checker) stmt(s *lang.Stmt) {
	switch {
	case s.Def != nil:
		c.def(s.Def)
	case s.Assign != nil:
		c.assign(s.Assign)
	case s.Train != nil:
		c.train(s.Train)
	case s.Sample != nil:
		c.sample(s.Sample)
	case s.Save != nil:
		c.save(s.Save)
	case s.Plot != nil:
		c.plot(s.Plot)
	case s.Eval != nil:
		c.eval(s.Eval)
	}
}

// reserved reports whether name cannot be bound.
func reserved(name string) bool {
	return slices.Contains(lang.Keywords, name) || slices.Contains(Builtins, name) || stdlib.Lookup(name) != nil
}

// declarable checks that a top-level name may be bound.
func (c *checker) declarable(id *lang.Ident) bool {
	if reserved(id.Name) {
		c.errorf(id.Pos, id.EndPos, "cannot assign to %s: it is a reserved name", id.Name)
		return false
	}
	if prev, ok := c.scope[id.Name]; ok {
		c.errorf(id.Pos, id.EndPos, "%s redeclared (previous declaration at %s)", id.Name, short(prev.pos))
		return false
	}
	return true
}

func (c *checker) def(d *lang.Def) {
	if !c.declarable(d.Name) {
		return
	}
	fn := &function{def: d}
	seen := map[string]bool{}
	for _, p := range d.Params {
		if reserved(p.Name.Name) {
			c.errorf(p.Name.Pos, p.Name.EndPos, "def %s: parameter %s is a reserved name", d.Name.Name, p.Name.Name)
		} else if seen[p.Name.Name] {
			c.errorf(p.Name.Pos, p.Name.EndPos, "def %s: duplicate parameter %s", d.Name.Name, p.Name.Name)
		}
		seen[p.Name.Name] = true
		var v value
		if p.Default != nil {
			v = c.expr(p.Default)
		}
		fn.defaults = append(fn.defaults, v)
		fn.hasDefault = append(fn.hasDefault, p.Default != nil)
	}
	c.scope[d.Name.Name] = &binding{val: value{kind: kFunc, fn: fn, pos: d.Pos, end: d.EndPos}, pos: d.Name.Pos}
	c.prog.Names[d.Name.Name] = "function " + fn.signature()
}

// apply checks a call of a def: it binds the arguments (evaluated in the
// caller's scope) to the parameters and evaluates the body.
func (c *checker) apply(fn *function, call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	name := fn.def.Name.Name
	if len(c.frames) >= maxCallDepth {
		// Report once, at the outermost call, without the call chain.
		out := c.frames[0]
		c.errs.Add(lang.Errorf(out.pos, out.end, "calls nested more than %d deep: does %s call itself?", maxCallDepth, name))
		return bad
	}
	params := fn.def.Params
	vars := map[string]value{}
	ok := true
	sawKeyword := false
	for i, a := range call.Args {
		v := c.expr(a.Value)
		if a.Name == nil {
			if sawKeyword {
				c.errorf(a.Pos, a.EndPos, "%s: positional argument after a keyword argument", name)
				ok = false
				continue
			}
			if i >= len(params) {
				c.errorf(a.Pos, a.EndPos, "%s takes %d arguments, got %d (signature %s)", name, len(params), len(call.Args), fn.signature())
				ok = false
				break
			}
			vars[params[i].Name.Name] = v
			continue
		}
		sawKeyword = true
		j := slices.IndexFunc(params, func(p *lang.DefParam) bool { return p.Name.Name == a.Name.Name })
		if j < 0 {
			var names []string
			for _, p := range params {
				names = append(names, p.Name.Name)
			}
			c.errorf(a.Name.Pos, a.Name.EndPos, "%s has no parameter %s%s; its signature is %s", name, a.Name.Name, spell.DidYouMean(a.Name.Name, names), fn.signature())
			ok = false
			continue
		}
		if _, dup := vars[a.Name.Name]; dup {
			c.errorf(a.Name.Pos, a.Name.EndPos, "%s: argument %s given twice", name, a.Name.Name)
			ok = false
			continue
		}
		vars[a.Name.Name] = v
	}
	for i, p := range params {
		if _, has := vars[p.Name.Name]; has {
			continue
		}
		if !fn.hasDefault[i] {
			c.errorf(call.Pos, call.EndPos, "%s: missing argument %s (signature %s)", name, p.Name.Name, fn.signature())
			ok = false
			continue
		}
		vars[p.Name.Name] = fn.defaults[i]
	}
	for _, v := range vars {
		ok = ok && v.kind != kBad
	}
	if !ok {
		return bad
	}
	c.frames = append(c.frames, frame{vars: vars, call: fmt.Sprintf("%s called at %s", name, short(call.Pos)), pos: call.Pos, end: call.EndPos})
	v := c.expr(fn.def.Body)
	c.frames = c.frames[:len(c.frames)-1]
	if v.kind == kBad {
		return bad
	}
	v.pos, v.end = call.Pos, call.EndPos
	return v
}

func (c *checker) assign(a *lang.Assign) {
	name := a.Name.Name
	if !c.declarable(a.Name) {
		return
	}
	c.stageCount = map[string]int{}
	v := c.expr(a.Value)
	b := &binding{val: v, pos: a.Name.Pos}
	c.scope[name] = b
	if v.kind != kBad {
		c.prog.Names[name] = v.summary()
	}
	switch v.kind {
	case kData:
		v.data.Name = name
	case kFlow:
		if len(v.stages) > 0 && v.stages[len(v.stages)-1].Spec.Kind == stdlib.Prior {
			b.flow = &Flow{Name: name, Pos: a.Name.Pos, Stages: v.stages}
			c.prog.Flows = append(c.prog.Flows, b.flow)
		}
	}
}

// lookupFlow resolves the name of a complete flow.
func (c *checker) lookupFlow(id *lang.Ident, stmt string) *Flow {
	b, ok := c.scope[id.Name]
	if !ok {
		c.undefined(id)
		return nil
	}
	if b.flow == nil {
		if b.val.kind == kFlow {
			c.errorf(id.Pos, id.EndPos, "%s: %s is a flow without a prior; end its pipeline with one, e.g. |> Gaussian", stmt, id.Name)
		} else if b.val.kind != kBad {
			c.errorf(id.Pos, id.EndPos, "%s: %s is %s, not a flow", stmt, id.Name, article(b.val.describe()))
		}
		return nil
	}
	return b.flow
}

func (c *checker) undefined(id *lang.Ident) {
	cands := append(stdlib.Names(), Builtins...)
	for n := range c.scope {
		cands = append(cands, n)
	}
	if k := len(c.frames); k > 0 {
		for n := range c.frames[k-1].vars {
			cands = append(cands, n)
		}
	}
	slices.Sort(cands)
	c.errorf(id.Pos, id.EndPos, "undefined: %s%s", id.Name, spell.DidYouMean(id.Name, cands))
}

var scheduleNames = []string{"constant", "cosine", "step"}

var dtypeNames = []string{"float64", "float32"}

var trainOptions = []stdlib.Param{
	{Name: "steps", Type: stdlib.Int, Default: []float64{1000}, Min: 1, Max: 1e9},
	{Name: "batch", Type: stdlib.Int, Default: []float64{256}, Min: 1, Max: 1 << 20},
	{Name: "lr", Type: stdlib.Float, Default: []float64{1e-3}, Min: 0, MinOpen: true, Max: 10},
	{Name: "schedule", Type: stdlib.Choice, Default: []float64{0}, Choices: scheduleNames},
	{Name: "clip", Type: stdlib.Float, Default: []float64{5}, Min: 0, Max: 1e12},
	{Name: "weight_decay", Type: stdlib.Float, Default: []float64{0}, Min: 0, Max: 1},
	{Name: "test_frac", Type: stdlib.Float, Default: []float64{0.2}, Min: 0, Max: 1, MaxOpen: true},
	{Name: "val_frac", Type: stdlib.Float, Default: []float64{0.1}, Min: 0, Max: 1, MaxOpen: true},
	{Name: "patience", Type: stdlib.Int, Default: []float64{20}, Min: 0, Max: 1e9},
	{Name: "eval_every", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1e9},
	{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53},
	{Name: "standardize", Type: stdlib.Bool, Default: []float64{1}},
	{Name: "whiten", Type: stdlib.Bool, Default: []float64{1}},
	{Name: "dequantize", Type: stdlib.Bool, Default: []float64{1}},
	{Name: "dtype", Type: stdlib.Choice, Default: []float64{0}, Choices: dtypeNames},
	{Name: "defensive", Type: stdlib.Float, Default: []float64{0.01}, Min: 0, Max: 0.5},
}

var sampleOptions = []stdlib.Param{
	{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53},
}

func (c *checker) train(t *lang.Train) {
	opts, ok := c.options("train", trainOptions, t.Opts)
	flow := c.lookupFlow(t.Flow, "train")
	data := c.lookupData(t.Data, "train")
	if !ok || flow == nil || data == nil || data.Table == nil {
		return
	}
	tab := data.Table
	if flow.Dim != 0 && flow.Dim != tab.Cols {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %d columns, but flow %s maps %d dimensions (fixed by the train statement at %s)",
			data.Name, tab.Cols, flow.Name, flow.Dim, short(flow.DimPos))
		return
	}
	if !c.fixDim(flow, tab.Cols, t.Pos) {
		return
	}
	if !c.fixContext(flow, data, t) {
		return
	}
	to := trainOptionsOf(opts)
	nTest, nVal := dataset.SplitSizes(tab.Rows, to.TestFrac, to.ValFrac)
	if tab.Rows-nTest-nVal < 1 {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %d rows, leaving none to train on after test_frac = %g and val_frac = %g", data.Name, tab.Rows, to.TestFrac, to.ValFrac)
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Train{Pos: t.Pos, Flow: flow, Data: data, Opts: to})
}

// fixContext checks that a flow trained on data with context columns can
// use them, and that every train statement of a flow agrees on them.
func (c *checker) fixContext(f *Flow, data *Data, t *lang.Train) bool {
	cd := data.ContextDim()
	if f.Dim != 0 && f.DimPos != t.Pos && f.ContextDim != cd {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %s, but flow %s is conditioned on %d (fixed by the train statement at %s)",
			data.Name, plural(cd, "context column"), f.Name, f.ContextDim, short(f.DimPos))
		return false
	}
	if cd > 0 && !usesContext(f) {
		var names []string
		for _, n := range stdlib.Names() {
			if stdlib.Lookup(n).Context {
				names = append(names, n)
			}
		}
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %s, but no layer of flow %s can use a context (layers that can: %s)",
			data.Name, plural(cd, "context column"), f.Name, strings.Join(names, ", "))
		return false
	}
	f.ContextDim = cd
	return true
}

func usesContext(f *Flow) bool {
	for _, s := range f.Stages {
		if s.Spec.Context {
			return true
		}
	}
	return false
}

// fixDim sets a flow's dimension and checks every stage's dimension rule.
// A Split narrows the dimensions the stages after it see; the prior sees
// them all again.
func (c *checker) fixDim(f *Flow, dim int, pos lang.Pos) bool {
	ok := true
	cur := dim
	for _, s := range f.Stages {
		if s.Spec.Kind == stdlib.Prior {
			cur = dim
		}
		if cur < s.Spec.MinDim {
			what := "data with"
			if cur != dim {
				what = "input of"
			}
			c.errorf(s.Pos, s.End, "%s needs %s at least %d dimensions, got %d (flow %s is trained at %s)",
				s.Spec.Name, what, s.Spec.MinDim, cur, f.Name, short(pos))
			ok = false
			continue
		}
		if s.Spec.Kind == stdlib.Split {
			keep := s.Args.Int("keep")
			if keep >= cur {
				c.errorf(s.Pos, s.End, "Split(%d) must keep fewer than the %d dimensions it receives (flow %s is trained at %s)",
					keep, cur, f.Name, short(pos))
				ok = false
				continue
			}
			cur = keep
		}
	}
	if ok && f.Dim == 0 {
		f.Dim, f.DimPos = dim, pos
	}
	return ok
}

func (c *checker) lookupData(id *lang.Ident, stmt string) *Data {
	b, ok := c.scope[id.Name]
	if !ok {
		c.undefined(id)
		return nil
	}
	if b.val.kind != kData {
		if b.val.kind != kBad {
			c.errorf(id.Pos, id.EndPos, "%s: %s is %s, not data (declare data with %s = csv(\"file.csv\"))",
				stmt, id.Name, article(b.val.describe()), id.Name)
		}
		return nil
	}
	return b.val.data
}

func (c *checker) sample(s *lang.Sample) {
	opts, ok := c.options("sample", sampleOptions, s.Opts)
	flow := c.lookupFlow(s.Flow, "sample")
	n := c.expr(s.N)
	path := c.expr(s.Path)
	if n.kind != kBad && (n.kind != kNum || !n.isInt || n.num < 1 || n.num > 1e8) {
		c.errorf(n.pos, n.end, "sample: the number of draws must be an integer from 1 to 100000000, got %s", n)
		ok = false
	}
	if path.kind != kBad && (path.kind != kStr || path.str == "") {
		c.errorf(path.pos, path.end, "sample: the output must be a file name in quotes, got %s", path)
		ok = false
	}
	if flow != nil && flow.Dim == 0 {
		c.errorf(s.Flow.Pos, s.Flow.EndPos, "sample: flow %s is not trained yet; add `train %s on DATA` before this statement", flow.Name, flow.Name)
		return
	}
	var given []float64
	if s.Given != nil {
		g := c.expr(s.Given)
		switch {
		case g.kind == kBad:
			ok = false
		case flow != nil && flow.ContextDim == 0:
			c.errorf(g.pos, g.end, "sample: flow %s is not conditional (its training data declares no context columns), so it takes no `given`", flow.Name)
			ok = false
		default:
			items := []value{g}
			if g.kind == kList {
				items = g.list
			}
			for _, it := range items {
				if it.kind != kNum {
					c.errorf(it.pos, it.end, "sample: the context after given must be a list of numbers, got %s %s", it.describe(), it)
					ok = false
					break
				}
				given = append(given, it.num)
			}
			if ok && flow != nil && len(given) != flow.ContextDim {
				c.errorf(g.pos, g.end, "sample: given has %s, but flow %s is conditioned on %s (fixed by the train statement at %s)",
					plural(len(given), "value"), flow.Name, plural(flow.ContextDim, "context column"), short(flow.DimPos))
				ok = false
			}
		}
	} else if flow != nil && flow.ContextDim > 0 {
		c.errorf(s.Pos, s.EndPos, "sample: flow %s is conditioned on %s; say which context to sample at: sample %s N given [...] to \"file\"",
			flow.Name, plural(flow.ContextDim, "context column"), flow.Name)
		ok = false
	}
	if !ok || flow == nil || n.kind != kNum || path.kind != kStr {
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Sample{Pos: s.Pos, Flow: flow, N: int(n.num), Given: given, Path: path.str, Seed: uint64(opts["seed"][0])})
}

func (c *checker) save(s *lang.Save) {
	flow := c.lookupFlow(s.Flow, "save")
	p := c.expr(s.Path)
	ok := true
	if p.kind != kBad && (p.kind != kStr || p.str == "") {
		c.errorf(p.pos, p.end, "save: the output must be a file name in quotes, got %s", p)
		ok = false
	}
	if flow == nil || p.kind != kStr || !ok {
		return
	}
	if flow.Dim == 0 {
		c.errorf(s.Flow.Pos, s.Flow.EndPos, "save: flow %s is not trained yet; add `train %s on DATA` before this statement", flow.Name, flow.Name)
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Save{Pos: s.Pos, Flow: flow, Path: p.str})
}

var plotOptions = []stdlib.Param{
	{Name: "n", Type: stdlib.Int, Default: []float64{2000}, Min: 1, Max: 1e6},
	{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53},
}

func (c *checker) plot(p *lang.Plot) {
	opts, ok := c.options("plot", plotOptions, p.Opts)
	flow := c.lookupFlow(p.Flow, "plot")
	var data *Data
	if p.Data != nil {
		data = c.lookupData(p.Data, "plot")
		ok = ok && data != nil && data.Table != nil
	}
	path := c.expr(p.Path)
	if path.kind != kBad && (path.kind != kStr || !(strings.HasSuffix(path.str, ".png") || strings.HasSuffix(path.str, ".svg"))) {
		c.errorf(path.pos, path.end, "plot: the output must be a .png or .svg file name in quotes, got %s", path)
		ok = false
	}
	if flow == nil || !ok || path.kind != kStr {
		return
	}
	if flow.Dim == 0 {
		c.errorf(p.Flow.Pos, p.Flow.EndPos, "plot: flow %s is not trained yet; add `train %s on DATA` before this statement", flow.Name, flow.Name)
		return
	}
	if flow.ContextDim > 0 {
		c.errorf(p.Flow.Pos, p.Flow.EndPos, "plot: flow %s is conditional; plot draws unconditional flows (sample it with given and plot the file)", flow.Name)
		return
	}
	if data != nil && data.Table.Cols != flow.Dim {
		c.errorf(p.Data.Pos, p.Data.EndPos, "plot: %s has %d columns, but flow %s maps %d dimensions (fixed by the train statement at %s)",
			data.Name, data.Table.Cols, flow.Name, flow.Dim, short(flow.DimPos))
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Plot{Pos: p.Pos, Flow: flow, Data: data, Path: path.str,
		N: int(opts["n"][0]), Seed: uint64(opts["seed"][0])})
}

func (c *checker) eval(e *lang.Eval) {
	_, ok := c.options("eval", nil, e.Opts)
	flow := c.lookupFlow(e.Flow, "eval")
	data := c.lookupData(e.Data, "eval")
	path := ""
	if e.Path != nil {
		p := c.expr(e.Path)
		if p.kind != kBad && (p.kind != kStr || p.str == "") {
			c.errorf(p.pos, p.end, "eval: the output must be a file name in quotes, got %s", p)
			ok = false
		}
		path = p.str
	}
	if flow == nil || data == nil || data.Table == nil || !ok {
		return
	}
	if flow.Dim == 0 {
		c.errorf(e.Flow.Pos, e.Flow.EndPos, "eval: flow %s is not trained yet; add `train %s on DATA` before this statement", flow.Name, flow.Name)
		return
	}
	if data.Table.Cols != flow.Dim {
		c.errorf(e.Data.Pos, e.Data.EndPos, "eval: %s has %d columns, but flow %s maps %d dimensions (fixed by the train statement at %s)",
			data.Name, data.Table.Cols, flow.Name, flow.Dim, short(flow.DimPos))
		return
	}
	if cd := data.ContextDim(); cd != flow.ContextDim {
		c.errorf(e.Data.Pos, e.Data.EndPos, "eval: %s has %s, but flow %s is conditioned on %s (fixed by the train statement at %s)",
			data.Name, plural(cd, "context column"), flow.Name, plural(flow.ContextDim, "context column"), short(flow.DimPos))
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Eval{Pos: e.Pos, Flow: flow, Data: data, Path: path})
}

// options binds an options block against specs.
func (c *checker) options(stmt string, specs []stdlib.Param, o *lang.Options) (stdlib.Args, bool) {
	given := stdlib.Args{}
	ok := true
	if o != nil {
		seen := map[string]lang.Pos{}
		for _, opt := range o.List {
			name := opt.Name.Name
			i := slices.IndexFunc(specs, func(p stdlib.Param) bool { return p.Name == name })
			if len(specs) == 0 {
				c.errorf(opt.Name.Pos, opt.Name.EndPos, "%s takes no options", stmt)
				ok = false
				continue
			}
			if i < 0 {
				c.errorf(opt.Name.Pos, opt.Name.EndPos, "%s: unknown option %s%s (options: %s)", stmt, name,
					spell.DidYouMean(name, paramNames(specs)), strings.Join(paramNames(specs), ", "))
				ok = false
				continue
			}
			if prev, dup := seen[name]; dup {
				c.errorf(opt.Name.Pos, opt.Name.EndPos, "%s: option %s given twice (first at %s)", stmt, name, short(prev))
				ok = false
				continue
			}
			seen[name] = opt.Name.Pos
			if w := bareWord(opt.Value); w != nil && specs[i].Type == stdlib.Choice && slices.Contains(specs[i].Choices, w.Name) {
				// A choice may be written as a bare word: dtype = float32.
				given[name] = []float64{float64(slices.Index(specs[i].Choices, w.Name))}
				continue
			}
			v := c.expr(opt.Value)
			x, good := c.convert(stmt+" option "+name, &specs[i], v)
			if !good {
				ok = false
				continue
			}
			given[name] = x
		}
	}
	out := stdlib.Args{}
	for _, p := range specs {
		if v, has := given[p.Name]; has {
			out[p.Name] = v
		} else {
			out[p.Name] = p.Default
		}
	}
	return out, ok
}

// bareWord returns the identifier e consists of, if it is one name
// without arguments or parentheses.
func bareWord(e *lang.Expr) *lang.Ident {
	if len(e.Stages) != 1 || e.Stages[0].Call == nil || e.Stages[0].Call.Parens {
		return nil
	}
	return e.Stages[0].Call.Name
}

func paramNames(ps []stdlib.Param) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// convert checks a value against a parameter's type and range.
func (c *checker) convert(what string, p *stdlib.Param, v value) ([]float64, bool) {
	if v.kind == kBad {
		return nil, false
	}
	var x float64
	switch p.Type {
	case stdlib.Int:
		if v.kind != kNum || !v.isInt {
			c.errorf(v.pos, v.end, "%s must be an int, got %s %s", what, v.describe(), v)
			return nil, false
		}
		x = v.num
	case stdlib.Float:
		if v.kind != kNum {
			c.errorf(v.pos, v.end, "%s must be a number, got %s", what, v.describe())
			return nil, false
		}
		x = v.num
	case stdlib.Bool:
		if v.kind != kBool {
			c.errorf(v.pos, v.end, "%s must be true or false, got %s", what, v)
			return nil, false
		}
		return []float64{v.num}, true
	case stdlib.Choice:
		quoted := make([]string, len(p.Choices))
		for i, ch := range p.Choices {
			quoted[i] = strconv.Quote(ch)
		}
		if v.kind == kStr {
			if i := slices.Index(p.Choices, v.str); i >= 0 {
				return []float64{float64(i)}, true
			}
			c.errorf(v.pos, v.end, "%s must be one of %s, got %s%s", what, strings.Join(quoted, ", "), v, spell.DidYouMean(v.str, p.Choices))
			return nil, false
		}
		c.errorf(v.pos, v.end, "%s must be one of %s (a string), got %s %s", what, strings.Join(quoted, ", "), v.describe(), v)
		return nil, false
	}
	lowOK := x > p.Min || (x == p.Min && !p.MinOpen)
	highOK := x < p.Max || (x == p.Max && !p.MaxOpen)
	if !lowOK || !highOK {
		c.errorf(v.pos, v.end, "%s must be in %s, got %s", what, rangeText(p), v)
		return nil, false
	}
	return []float64{x}, true
}

func rangeText(p *stdlib.Param) string {
	lo, hi := "[", "]"
	if p.MinOpen {
		lo = "("
	}
	if p.MaxOpen {
		hi = ")"
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return fmt.Sprintf("%s%s, %s%s", lo, f(p.Min), f(p.Max), hi)
}

// expr evaluates an expression. A pipeline of more than one term is a flow.
func (c *checker) expr(e *lang.Expr) value {
	if len(e.Stages) == 1 {
		v := c.term(e.Stages[0])
		return v
	}
	out := value{kind: kFlow, pos: e.Pos, end: e.EndPos}
	bad := false
	for _, t := range e.Stages {
		v := c.term(t)
		switch {
		case v.kind == kBad:
			bad = true
		case v.kind != kFlow:
			c.errorf(v.pos, v.end, "cannot use %s %s as a flow stage (stages are layers such as MAF(100), Reverse, Gaussian)", v.describe(), v)
			bad = true
		default:
			if n := len(out.stages); n > 0 && out.stages[n-1].Spec.Kind == stdlib.Prior {
				prev := out.stages[n-1]
				c.errorf(v.pos, v.end, "stage after the prior %s: a prior ends a flow, so it must be the last stage", prev.Spec.Name)
				bad = true
			}
			out.stages = append(out.stages, v.stages...)
		}
	}
	if bad {
		return value{kind: kBad, pos: e.Pos, end: e.EndPos}
	}
	return out
}

func (c *checker) term(t *lang.Term) value {
	v := value{pos: t.Pos, end: t.EndPos}
	switch {
	case t.Number != nil:
		return c.number(t.Number)
	case t.String != nil:
		v.kind, v.str = kStr, t.String.Value
	case t.List != nil:
		v.kind = kList
		for _, e := range t.List.Elems {
			v.list = append(v.list, c.expr(e))
		}
	case t.Paren != nil:
		v = c.expr(t.Paren)
		v.pos, v.end = t.Pos, t.EndPos
	case t.Call != nil:
		return c.call(t.Call)
	}
	return v
}

func (c *checker) number(n *lang.Number) value {
	v := value{kind: kNum, pos: n.Pos, end: n.EndPos}
	text := n.Text
	if !strings.ContainsAny(text, ".eE") {
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil || i > 1<<53 {
			c.errorf(n.Pos, n.EndPos, "integer %s is too large (the largest is 2^53 = 9007199254740992)", text)
			return value{kind: kBad, pos: n.Pos, end: n.EndPos}
		}
		v.num, v.isInt = float64(i), true
	} else {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			c.errorf(n.Pos, n.EndPos, "number %s is out of range for float64", text)
			return value{kind: kBad, pos: n.Pos, end: n.EndPos}
		}
		v.num = f
	}
	if n.Neg {
		v.num = -v.num
	}
	return v
}

func (c *checker) call(call *lang.Call) value {
	id := call.Name
	v := value{pos: call.Pos, end: call.EndPos}
	if lv, ok := c.local(id.Name); ok {
		if call.Parens {
			c.errorf(id.Pos, id.EndPos, "%s is %s, not a function; it cannot be called", id.Name, article(lv.describe()))
			return value{kind: kBad, pos: call.Pos, end: call.EndPos}
		}
		if lv.kind == kFlow {
			lv.stages = c.renameStages(lv.stages)
		}
		lv.pos, lv.end = call.Pos, call.EndPos
		return lv
	}
	if b, ok := c.scope[id.Name]; ok && b.val.kind == kFunc {
		return c.apply(b.val.fn, call)
	}
	if b, ok := c.scope[id.Name]; ok {
		if call.Parens {
			c.errorf(id.Pos, id.EndPos, "%s is %s, not a function; it cannot be called", id.Name, article(b.val.describe()))
			return value{kind: kBad, pos: call.Pos, end: call.EndPos}
		}
		bv := b.val
		if bv.kind == kFlow {
			// Reusing a bound flow copies its stages: the new flow has
			// parameters of its own.
			bv.stages = c.renameStages(bv.stages)
		}
		bv.pos, bv.end = call.Pos, call.EndPos
		return bv
	}
	switch id.Name {
	case "true", "false":
		if call.Parens {
			c.errorf(id.Pos, id.EndPos, "%s is a bool, not a function", id.Name)
			return value{kind: kBad, pos: call.Pos, end: call.EndPos}
		}
		v.kind = kBool
		if id.Name == "true" {
			v.num = 1
		}
		return v
	case "csv":
		return c.csv(call)
	case "npy":
		return c.npy(call)
	case "toy":
		return c.toy(call)
	case "repeat":
		return c.repeat(call)
	}
	spec := stdlib.Lookup(id.Name)
	if spec == nil {
		c.undefined(id)
		return value{kind: kBad, pos: call.Pos, end: call.EndPos}
	}
	args, ok := c.bindCall(spec, call)
	if !ok {
		return value{kind: kBad, pos: call.Pos, end: call.EndPos}
	}
	v.kind = kFlow
	v.stages = []FlowStage{{Stage: Stage{Spec: spec, Args: args, Name: c.stageName(spec.Name)}, Pos: call.Pos, End: call.EndPos}}
	return v
}

// repeat checks repeat(n, flow): n copies of a flow without a prior, each
// with parameters of its own.
func (c *checker) repeat(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	if !call.Parens || len(call.Args) != 2 || call.Args[0].Name != nil || call.Args[1].Name != nil {
		c.errorf(call.Pos, call.EndPos, "repeat takes two arguments, a count and a flow: repeat(4, MAF(64) |> Reverse)")
		return bad
	}
	n := c.expr(call.Args[0].Value)
	f := c.expr(call.Args[1].Value)
	if n.kind == kBad || f.kind == kBad {
		return bad
	}
	if n.kind != kNum || !n.isInt || n.num < 1 || n.num > 1000 {
		c.errorf(n.pos, n.end, "repeat: the count must be an integer from 1 to 1000, got %s", n)
		return bad
	}
	if f.kind != kFlow {
		c.errorf(f.pos, f.end, "repeat: the second argument must be a flow, got %s %s", f.describe(), f)
		return bad
	}
	for _, s := range f.stages {
		if s.Spec.Kind == stdlib.Prior {
			c.errorf(f.pos, f.end, "repeat: the flow ends in the prior %s; repeat the stages and add the prior once after", s.Spec.Name)
			return bad
		}
	}
	out := value{kind: kFlow, pos: call.Pos, end: call.EndPos, stages: f.stages}
	for range int(n.num) - 1 {
		out.stages = append(out.stages, c.renameStages(f.stages)...)
	}
	return out
}

func (c *checker) stageName(layer string) string {
	if c.stageCount == nil {
		c.stageCount = map[string]int{}
	}
	c.stageCount[layer]++
	return fmt.Sprintf("%s%d", strings.ToLower(layer), c.stageCount[layer])
}

func (c *checker) renameStages(stages []FlowStage) []FlowStage {
	out := make([]FlowStage, len(stages))
	for i, s := range stages {
		s.Name = c.stageName(s.Spec.Name)
		out[i] = s
	}
	return out
}

// bindCall matches a call's arguments to a layer's parameters.
func (c *checker) bindCall(spec *stdlib.Spec, call *lang.Call) (stdlib.Args, bool) {
	given := stdlib.Args{}
	ok := true
	pi := 0 // next positional parameter
	var variadic []float64
	sawKeyword := false
	for _, a := range call.Args {
		v := c.expr(a.Value)
		if a.Name != nil {
			sawKeyword = true
			name := a.Name.Name
			p := spec.Param(name)
			if p == nil {
				c.errorf(a.Name.Pos, a.Name.EndPos, "%s has no argument %s%s; its signature is %s",
					spec.Name, name, spell.DidYouMean(name, paramNames(spec.Params)), spec.Signature())
				ok = false
				continue
			}
			if _, dup := given[name]; dup {
				c.errorf(a.Name.Pos, a.Name.EndPos, "%s: argument %s given twice", spec.Name, name)
				ok = false
				continue
			}
			if p.Variadic {
				xs, good := c.listArg(spec, p, v)
				if good {
					given[name] = xs
				}
				ok = ok && good
				continue
			}
			x, good := c.convert(spec.Name+" argument "+name, p, v)
			if good {
				given[name] = x
			}
			ok = ok && good
			continue
		}
		if sawKeyword {
			c.errorf(a.Pos, a.EndPos, "%s: positional argument after a keyword argument", spec.Name)
			ok = false
			continue
		}
		if len(spec.Params) == 0 {
			c.errorf(a.Pos, a.EndPos, "%s takes no arguments", spec.Name)
			ok = false
			continue
		}
		if pi >= len(spec.Params) {
			c.errorf(a.Pos, a.EndPos, "%s takes %s; too many arguments (signature %s)", spec.Name, countText(spec), spec.Signature())
			ok = false
			continue
		}
		p := &spec.Params[pi]
		if p.Variadic {
			x, good := c.convert(spec.Name+" argument "+p.Name, p, v)
			if good {
				variadic = append(variadic, x...)
			}
			ok = ok && good
			continue
		}
		x, good := c.convert(spec.Name+" argument "+p.Name, p, v)
		if good {
			given[p.Name] = x
		}
		ok = ok && good
		pi++
	}
	if len(variadic) > 0 {
		p := spec.Params[0]
		if _, dup := given[p.Name]; dup {
			c.errorf(call.Pos, call.EndPos, "%s: argument %s given both by position and by name", spec.Name, p.Name)
			ok = false
		}
		given[p.Name] = variadic
	}
	if ok {
		for _, p := range spec.Params {
			if _, has := given[p.Name]; !has && p.Default == nil {
				c.errorf(call.Pos, call.EndPos, "%s: missing argument %s (%s); its signature is %s", spec.Name, p.Name, p.Doc, spec.Signature())
				ok = false
			}
		}
	}
	return spec.Bind(given), ok
}

// listArg converts a list (or a single number) for a variadic parameter.
func (c *checker) listArg(spec *stdlib.Spec, p *stdlib.Param, v value) ([]float64, bool) {
	items := []value{v}
	if v.kind == kList {
		items = v.list
		if len(items) == 0 {
			c.errorf(v.pos, v.end, "%s argument %s: the list is empty", spec.Name, p.Name)
			return nil, false
		}
	}
	var out []float64
	for _, it := range items {
		x, good := c.convert(spec.Name+" argument "+p.Name, p, it)
		if !good {
			return nil, false
		}
		out = append(out, x...)
	}
	return out, true
}

func countText(spec *stdlib.Spec) string {
	switch n := len(spec.Params); n {
	case 0:
		return "no arguments"
	case 1:
		return "1 argument"
	default:
		return fmt.Sprintf("%d arguments", n)
	}
}

// plural renders a count with its noun: "1 context column", "2 values".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func short(p lang.Pos) string {
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

func article(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + s
	}
	return "a " + s
}

func trainOptionsOf(opts stdlib.Args) TrainOptions {
	return TrainOptions{
		Steps: int(opts["steps"][0]), Batch: int(opts["batch"][0]), LR: opts["lr"][0],
		TestFrac: opts["test_frac"][0], Seed: uint64(opts["seed"][0]), Standardize: opts["standardize"][0] != 0,
		Whiten: opts["whiten"][0] != 0, Dequantize: opts["dequantize"][0] != 0, ValFrac: opts["val_frac"][0], Patience: int(opts["patience"][0]),
		EvalEvery: int(opts["eval_every"][0]), Schedule: scheduleNames[int(opts["schedule"][0])],
		Clip: opts["clip"][0], WeightDecay: opts["weight_decay"][0], DType: dtypeNames[int(opts["dtype"][0])],
		Defensive: opts["defensive"][0],
	}
}
