package compiler

import (
	"fmt"
	"slices"

	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

type binding struct {
	val value
	pos lang.Pos
	// flow is set for a name bound to a flow that ends in a prior: the
	// model that train and sample act on.
	flow *Flow
}

// local returns the value of a def parameter in the innermost call.
func (c *checker) local(name string) (value, bool) {
	if n := len(c.frames); n > 0 {
		v, ok := c.frames[n-1].vars[name]
		return v, ok
	}
	return value{}, false
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
		// A def's parameters take any value; a parameter with a default
		// is optional, and apply supplies the value.
		fn.params = append(fn.params, stdlib.Param{Name: p.Name.Name, Type: stdlib.Any, Required: p.Default == nil})
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
	sig := &signature{name: name, params: fn.params, text: fn.signature()}
	args, ok := c.bind(sig, callArgs(call), call.Pos, call.EndPos)
	vars := map[string]value{}
	for i, p := range fn.params {
		v := fn.defaults[i]
		if a, given := args[p.Name]; given {
			v = a.val
		}
		vars[p.Name] = v
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
	v := c.expr(a.Value)
	if v.kind == kFlow && v.saved == nil && complete(v.stages) {
		v.stages = c.nameStages(v.stages) // a flow that may be trained
	}
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
			b.flow = &Flow{Name: name, Pos: a.Name.Pos, Stages: v.stages, Saved: v.saved}
			if s := v.saved; s != nil { // its dimensions are the file's
				b.flow.Dim, b.flow.ContextDim, b.flow.DimPos = s.Dim, s.ContextDim, a.Name.Pos
				b.flow.Angles = s.Options.Angles
			}
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

// defined reports whether name means something here: a def parameter, a
// binding, a builtin, a layer or a keyword.
func (c *checker) defined(name string) bool {
	_, local := c.local(name)
	_, bound := c.scope[name]
	return local || bound || reserved(name)
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
