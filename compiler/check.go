package compiler

import (
	"fmt"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// The checker's files, by concern: check.go (the entry points and the
// checker), scope.go (names, def and its calls), expr.go (expressions,
// calls, repeat), bind.go (the one argument binder), options.go (the
// train options and TrainOptions), stmt.go (train, sample, save, plot,
// eval), dims.go (dimensions and context), data.go (csv, npy, toy).

// Loader reads the data file at path (as written in the source; resolving
// it against a directory is the loader's business). Its error is reported
// at the csv(...) call that named the file.
type Loader func(path string) (*dataset.Table, error)

// Builtins are the functions the checker knows besides layers.
var Builtins = []string{"Inverse", "csv", "false", "load", "npy", "repeat", "toy", "true"}

// maxCallDepth bounds nested def calls (and so recursion).
const maxCallDepth = 32

// Check resolves and type-checks a parsed file. load may be nil, in which
// case csv(...) is an error. The error, if any, is a lang.ErrorList.
func Check(f *lang.File, load Loader) (*Program, error) {
	return CheckFiles(f, Files{Load: load})
}

// CheckFlow checks a flow expression on its own, for the Go embedding
// API: e is evaluated with the builtin names alone (layers, priors and
// repeat; no data sets, no bindings), must be a complete flow that ends in
// a prior, and gets dimension dim and a context of contextDim columns with
// the checks a train statement makes. The flow is named "flow". The
// error, if any, is a lang.ErrorList positioned in e.
func CheckFlow(e *lang.Expr, dim, contextDim int) (*Flow, error) {
	return checkFlow(e, dim, contextDim, nil)
}

// CheckFitFlow is CheckFlow for a flow to fit to a density of dim
// dimensions with options o (nox.FitDensity): its sampling direction
// must be differentiable (as a fit statement's), not its density
// direction.
func CheckFitFlow(e *lang.Expr, dim int, o FitOptions) (*Flow, error) {
	return checkFlow(e, dim, 0, &o)
}

func checkFlow(e *lang.Expr, dim, contextDim int, fit *FitOptions) (*Flow, error) {
	c := newChecker(nil)
	c.flowOnly = true
	v := c.expr(e)
	if v.kind == kFlow {
		v.stages = c.nameStages(v.stages)
	}
	switch {
	case v.kind == kBad:
		return nil, c.errs.Err()
	case v.kind != kFlow:
		c.errorf(e.Pos, e.EndPos, "%s is not a flow; a flow is a pipeline of layers that ends in a prior, e.g. MAF(64) |> Gaussian", v.described())
	case v.stages[len(v.stages)-1].Spec.Kind != stdlib.Prior:
		c.errorf(e.Pos, e.EndPos, "the flow has no prior; end its pipeline with one, e.g. |> Gaussian")
	case dim < 1 || contextDim < 0:
		c.errorf(e.Pos, e.EndPos, "the data must have at least 1 column and at least 0 context columns, got %d and %d", dim, contextDim)
	default:
		f := &Flow{Name: "flow", Pos: e.Pos, Stages: v.stages}
		if !c.fixDim(f, dim, e.Pos, "") || !c.fixContext(f, contextDim, "the data", e.Pos, e.EndPos, e.Pos) {
			break
		}
		if fit == nil && c.differentiable(f) || fit != nil && c.samplable(f, *fit) {
			return f, nil
		}
	}
	return nil, c.errs.Err()
}

type checker struct {
	prog      *Program
	load      Loader
	loadSaved ModelLoader
	scope     map[string]*binding
	errs      lang.ErrorList
	// flowOnly is set by CheckFlow: the data builtins are not available.
	flowOnly bool
	// stageCount numbers stages per layer name within a flow.
	stageCount map[string]int
	// frames are the parameter bindings of the def calls being checked,
	// innermost last, with the call that made each.
	frames []frame
	limits Limits
}

func newChecker(load Loader) *checker {
	return &checker{prog: &Program{Names: map[string]string{}}, load: load, scope: map[string]*binding{},
		// CheckFiles sets the memory limit, which only a program's
		// statements need: a flow alone (CheckFlow) reads no /proc.
		limits: Limits{MaxStages: DefaultMaxStages, MaxParams: DefaultMaxParams}}
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
	case s.Density != nil:
		c.density(s.Density)
	case s.Fit != nil:
		c.fit(s.Fit)
	}
}

// plural renders a count with its noun: "1 context column", "2 values",
// "no arguments".
func plural(n int, noun string) string {
	switch n {
	case 0:
		return "no " + noun + "s"
	case 1:
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
