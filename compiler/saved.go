package compiler

import (
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Saved is a trained model read by load("m.noxm"): what the checker needs
// of it — its stages, dimensions and structure — and, opaque to the
// compiler, the model itself, as the caller's ModelLoader made it. A flow
// bound to load(...) is trained already (sample, eval, save and plot use
// it as it is), and a train statement continues from its parameters
// (warm start), keeping its standardization and defensive weight.
type Saved struct {
	Stages          []Stage
	Dim, ContextDim int
	Options         Options
	Model           any
}

// ModelLoader reads the saved model at path (as written, relative to the
// program); its error is reported at the load(...) call.
type ModelLoader func(path string) (*Saved, error)

// loadSig is load("m.noxm").
var loadSig = &signature{name: "load", params: []stdlib.Param{
	{Name: "path", Type: stdlib.String, Required: true, PositionalOnly: true, Doc: "the saved model (.noxm), relative to the .nox file"},
}}

// loadModel checks load("m.noxm"): a whole trained flow, its stages
// named as in the file (so its parameters are the file's).
func (c *checker) loadModel(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	args, ok := c.bind(loadSig, callArgs(call), call.Pos, call.EndPos)
	path, has := args["path"]
	if !ok || !has {
		return bad
	}
	p := path.val
	if c.loadSaved == nil {
		c.errorf(call.Pos, call.EndPos, "load: no model loader (reading models is disabled here)")
		return bad
	}
	s, err := c.loadSaved(p.str)
	if err != nil {
		c.errorf(p.pos, p.end, "load(%q): %v", p.str, err)
		return bad
	}
	v := value{kind: kFlow, saved: s, pos: call.Pos, end: call.EndPos}
	for _, st := range s.Stages {
		v.stages = append(v.stages, FlowStage{Stage: st, Pos: call.Pos, End: call.EndPos})
	}
	return v
}
