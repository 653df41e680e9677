package compiler

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// expr evaluates an expression. A pipeline of more than one term is a flow.
func (c *checker) expr(e *lang.Expr) value {
	if len(e.Stages) == 1 {
		return c.term(e.Stages[0])
	}
	out := value{kind: kFlow, pos: e.Pos, end: e.EndPos}
	bad := false
	for _, t := range e.Stages {
		v := c.term(t)
		switch {
		case v.kind == kBad:
			bad = true
		case v.kind != kFlow:
			c.errorf(v.pos, v.end, "cannot use %s as a flow stage (stages are layers such as MAF(100), Reverse, Gaussian)", v.described())
			bad = true
		case v.saved != nil:
			c.errorf(v.pos, v.end, "a loaded model is a whole flow; bind it to a name (flow = load(...)) rather than adding stages to it")
			bad = true
		default:
			if n := len(out.stages); n > 0 && out.stages[n-1].Spec.Kind == stdlib.Prior {
				prev := out.stages[n-1]
				c.errorf(v.pos, v.end, "stage after the prior %s: a prior ends a flow, so it must be the last stage", prev.Spec.Name)
				bad = true
			}
			if !c.stagesFit(len(out.stages), len(v.stages), 1, e.Pos, e.EndPos) {
				return value{kind: kBad, pos: e.Pos, end: e.EndPos}
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

// call evaluates a name, called or not: a def parameter, a binding, a
// def, a builtin or a layer.
func (c *checker) call(call *lang.Call) value {
	id := call.Name
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	lv, local := c.local(id.Name)
	b, bound := c.scope[id.Name]
	switch {
	case local || bound && b.val.kind != kFunc:
		if !local {
			lv = b.val
		}
		if call.Parens {
			c.errorf(id.Pos, id.EndPos, "%s is %s, not a function; it cannot be called", id.Name, article(lv.describe()))
			return bad
		}
		if lv.kind == kFlow {
			// Reusing a bound flow shares its stages, which the
			// assignment names anew (nameStages): the new flow has
			// parameters of its own (a loaded one's too: it is
			// untrained), and a name used twice is not two copies.
			lv.saved = nil
		}
		lv.pos, lv.end = call.Pos, call.EndPos
		return lv
	case bound:
		return c.apply(b.val.fn, call)
	}
	switch id.Name {
	case "true", "false":
		if call.Parens {
			c.errorf(id.Pos, id.EndPos, "%s is a bool, not a function", id.Name)
			return bad
		}
		v := value{kind: kBool, pos: call.Pos, end: call.EndPos}
		if id.Name == "true" {
			v.num = 1
		}
		return v
	case "csv", "npy", "toy":
		if c.flowOnly {
			c.errorf(id.Pos, id.EndPos, "%s makes a data set; a flow expression has only layers, priors and repeat", id.Name)
			return bad
		}
		return c.data(id.Name, call)
	case "repeat":
		return c.repeat(call)
	case "Inverse":
		return c.inverse(call)
	case "load":
		if c.flowOnly {
			c.errorf(id.Pos, id.EndPos, "load reads a saved model; a flow expression has only layers, priors and repeat")
			return bad
		}
		return c.loadModel(call)
	}
	spec := stdlib.Lookup(id.Name)
	if spec == nil {
		c.undefined(id)
		return bad
	}
	args, ok := c.bind(&signature{name: spec.Name, params: spec.Params}, callArgs(call), call.Pos, call.EndPos)
	if !ok {
		return bad
	}
	st := Stage{Spec: spec, Args: stdlib.Args{}}
	for _, p := range spec.Params {
		st.Args[p.Name] = args[p.Name].nums
	}
	return value{kind: kFlow, stages: []FlowStage{{Stage: st, Pos: call.Pos, End: call.EndPos}}, pos: call.Pos, end: call.EndPos}
}

// repeatSig is repeat's: n copies of a flow without a prior.
var repeatSig = &signature{name: "repeat", params: []stdlib.Param{
	{Name: "count", Type: stdlib.Int, Required: true, PositionalOnly: true, Min: 1, Max: 1000,
		Doc: "how many copies"},
	{Name: "flow", Type: stdlib.Stages, Required: true, PositionalOnly: true,
		Doc: "the stages to copy, without a prior"},
}, example: "repeat(4, MAF(64) |> Reverse)"}

// repeat checks repeat(count, flow): count copies of a flow without a
// prior, each with parameters of its own.
func (c *checker) repeat(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	args, ok := c.bind(repeatSig, callArgs(call), call.Pos, call.EndPos)
	if !ok {
		return bad
	}
	f := args["flow"].val
	for _, s := range f.stages {
		if s.Spec.Kind == stdlib.Prior {
			c.errorf(f.pos, f.end, "repeat: the flow ends in the prior %s; repeat the stages and add the prior once after", s.Spec.Name)
			return bad
		}
	}
	n := args.int("count")
	if !c.stagesFit(0, len(f.stages), n, call.Pos, call.EndPos) {
		return bad
	}
	out := value{kind: kFlow, pos: call.Pos, end: call.EndPos, stages: make([]FlowStage, 0, n*len(f.stages))}
	for range n {
		out.stages = append(out.stages, f.stages...)
	}
	return out
}

// inverseSig is Inverse's: the stages whose directions to exchange.
var inverseSig = &signature{name: "Inverse", params: []stdlib.Param{
	{Name: "flow", Type: stdlib.Stages, Required: true, PositionalOnly: true,
		Doc: "the stages to invert, without a prior"},
}, example: "Inverse(Planar)"}

// inverse checks Inverse(flow): the stages of flow in reverse order, each
// with its two directions exchanged (stdlib.Invert), so that the density
// direction of Inverse(A |> B) is B⁻¹ then A⁻¹. Inverse(Inverse(L)) is L.
func (c *checker) inverse(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	args, ok := c.bind(inverseSig, callArgs(call), call.Pos, call.EndPos)
	if !ok {
		return bad
	}
	f := args["flow"].val
	out := value{kind: kFlow, pos: call.Pos, end: call.EndPos, stages: make([]FlowStage, len(f.stages))}
	for i, s := range f.stages {
		switch other := s.Spec.InverseLayer; {
		case other != "" && !s.Inverted:
			s.Spec = stdlib.Lookup(other) // Inverse(MAF) is IAF
		case s.Inverted:
			s.Inverted = false // Inverse(Inverse(L)) is L
		default:
			if err := Invertible(s.Spec, s.Args); err != nil {
				c.errorf(s.Pos, s.End, "Inverse: %v", err)
				return bad
			}
			s.Inverted = true
		}
		out.stages[len(f.stages)-1-i] = s
	}
	return out
}

// stagesFit reports whether a flow of have stages may grow by count
// copies of add stages within Limits.MaxStages, and if not reports it at
// the expression that would: before anything is copied, so that nested
// repeats or a name doubled on every line are refused at once.
func (c *checker) stagesFit(have, add, count int, pos, end lang.Pos) bool {
	max := c.limits.MaxStages
	if add == 0 || (max-have)/add >= count {
		return true
	}
	total := float64(have) + float64(add)*float64(count)
	c.errorf(pos, end, "this flow would have %.0f stages after expansion (repeat and names used more than once); the limit is %d", total, max)
	return false
}

func (c *checker) stageName(layer string) string {
	if c.stageCount == nil {
		c.stageCount = map[string]int{}
	}
	c.stageCount[layer]++
	return fmt.Sprintf("%s%d", strings.ToLower(layer), c.stageCount[layer])
}

// complete reports whether stages end in a prior: a flow that can be
// trained, whose stages need names.
func complete(stages []FlowStage) bool {
	return len(stages) > 0 && stages[len(stages)-1].Spec.Kind == stdlib.Prior
}

// nameStages returns a bound flow's stages, named in pipeline order
// ("maf1", "reverse1", "maf2"): the names of its parameters. Until a flow
// is bound its stages are shared between the values that use them.
func (c *checker) nameStages(stages []FlowStage) []FlowStage {
	c.stageCount = map[string]int{}
	out := make([]FlowStage, len(stages))
	for i, s := range stages {
		s.Name = c.stageName(s.Spec.Name)
		out[i] = s
	}
	return out
}
