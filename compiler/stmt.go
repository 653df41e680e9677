package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// seedParam is the seed option of sample and plot.
var seedParam = stdlib.Param{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53,
	Doc: "seeds the draws"}

var (
	sampleSig = &signature{name: "sample", options: true, params: []stdlib.Param{seedParam}}
	plotSig   = &signature{name: "plot", options: true, params: []stdlib.Param{
		{Name: "n", Type: stdlib.Int, Default: []float64{2000}, Min: 1, Max: 1e6, Doc: "how many draws to plot"},
		seedParam,
	}}
	evalSig = &signature{name: "eval", options: true}
)

func (c *checker) train(t *lang.Train) {
	opts, ok := c.bind(trainSig, optionArgs(t.Opts), t.Pos, t.EndPos)
	flow := c.lookupFlow(t.Flow, "train")
	data := c.lookupData(t.Data, "train")
	defer markFailed(flow)
	if !ok || flow == nil || data == nil || data.Table == nil {
		return
	}
	tab := data.Table
	if flow.Dim != 0 && flow.Dim != tab.Cols {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %s, but flow %s maps %s (fixed by the train statement at %s)",
			data.Name, plural(tab.Cols, "column"), flow.Name, plural(flow.Dim, "dimension"), short(flow.DimPos))
		return
	}
	if !c.fixDim(flow, tab.Cols, t.Pos, "flow "+flow.Name+" is trained at "+short(t.Pos)) {
		return
	}
	if !c.fixContext(flow, data.ContextDim(), "train: "+data.Name, t.Data.Pos, t.Data.EndPos, t.Pos) {
		return
	}
	if !c.fixAngles(flow, data, t) {
		return
	}
	to := trainOptions(opts)
	if nTest, nVal := dataset.SplitSizes(tab.Rows, to.TestFrac, to.ValFrac); tab.Rows-nTest-nVal < 1 {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %s, leaving none to train on after test_frac = %g and val_frac = %g", data.Name, plural(tab.Rows, "row"), to.TestFrac, to.ValFrac)
		return
	}
	// Streamed rows cost what their buffers and resident sample do
	// (dataset.StreamedMemory), not the file's size.
	held := tab.Rows
	if data.Streamed() {
		held = min(held, int(dataset.StreamedMemory/16/int64(tab.Cols+data.ContextDim())))
	}
	if !c.differentiable(flow) || !c.trainFits(t, flow, held, tab.Cols, data.ContextDim(), to) || !c.checkDomain(t, flow, data, to) {
		return
	}
	c.warnTrain(t, flow, data, to)
	c.prog.Actions = append(c.prog.Actions, &Train{Pos: t.Pos, Flow: flow, Data: data, Opts: to})
}

// differentiable reports whether maximum likelihood can train flow: its
// density direction must not go through a numerical inverse (an inverted
// Planar solves by bisection, whose derivative is not the map's), else it
// reports the stage.
func (c *checker) differentiable(flow *Flow) bool {
	for _, s := range flow.Stages {
		if s.Inverted && s.Spec.NumericalInverse {
			c.errorf(s.Pos, s.End, "train: Inverse(%s) computes the density through %s's numerical inverse (bisection), whose derivative is not the map's, so it cannot be trained by maximum likelihood; train %s itself, whose density direction is in closed form",
				s.Spec.Name, s.Spec.Name, s.Spec.Name)
			return false
		}
	}
	return true
}

// markFailed marks flow, if its statement left its dimension unfixed
// (having reported why).
func markFailed(flow *Flow) {
	if flow != nil && flow.Dim == 0 {
		flow.failed = true
	}
}

// untrained reports, for statement stmt, a flow no train statement has
// fixed yet.
func (c *checker) untrained(stmt string, id *lang.Ident, flow *Flow) bool {
	if flow.Dim != 0 {
		return false
	}
	if flow.failed { // its train statement's error says what is wrong
		return true
	}
	c.errorf(id.Pos, id.EndPos, "%s: flow %s is not trained yet; add `train %s on DATA` (or `fit %s to DENSITY`) before this statement", stmt, flow.Name, flow.Name, flow.Name)
	return true
}

// outputPath evaluates the file name a statement writes to; ok is false
// if it reported an error.
func (c *checker) outputPath(stmt string, e *lang.Expr) (p value, ok bool) {
	p = c.expr(e)
	if p.kind != kBad && (p.kind != kStr || p.str == "") {
		c.errorf(p.pos, p.end, "%s: the output must be a file name in quotes, got %s", stmt, p)
		return p, false
	}
	return p, true
}

func (c *checker) sample(s *lang.Sample) {
	opts, ok := c.bind(sampleSig, optionArgs(s.Opts), s.Pos, s.EndPos)
	flow := c.lookupFlow(s.Flow, "sample")
	n := c.expr(s.N)
	if n.kind != kBad && (n.kind != kNum || !n.isInt || n.num < 1 || n.num > 1e8) {
		c.errorf(n.pos, n.end, "sample: the number of draws must be an integer from 1 to 100000000, got %s", n)
		ok = false
	}
	path, good := c.outputPath("sample", s.Path)
	ok = ok && good && n.kind == kNum && path.kind == kStr
	if flow != nil && c.untrained("sample", s.Flow, flow) {
		return
	}
	given, good := c.given(s, flow)
	if !ok || !good || flow == nil {
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Sample{Pos: s.Pos, Flow: flow, N: int(n.num), Given: given, Path: path.str, Seed: uint64(opts.num("seed"))})
}

// given checks the context of a sample statement against its flow (nil
// if it is not known).
func (c *checker) given(s *lang.Sample, flow *Flow) ([]float64, bool) {
	if s.Given == nil {
		if flow != nil && flow.ContextDim > 0 {
			c.errorf(s.Pos, s.EndPos, "sample: flow %s is conditioned on %s; say which context to sample at: sample %s N given [...] to \"file\"",
				flow.Name, plural(flow.ContextDim, "context column"), flow.Name)
			return nil, false
		}
		return nil, true
	}
	g := c.expr(s.Given)
	switch {
	case g.kind == kBad:
		return nil, false
	case flow != nil && flow.ContextDim == 0:
		c.errorf(g.pos, g.end, "sample: flow %s is not conditional (its training data declares no context columns), so it takes no `given`", flow.Name)
		return nil, false
	}
	items := []value{g}
	if g.kind == kList {
		items = g.list
	}
	var given []float64
	for _, it := range items {
		if it.kind != kNum {
			c.errorf(it.pos, it.end, "sample: the context after given must be a list of numbers, got %s", it.described())
			return nil, false
		}
		given = append(given, it.num)
	}
	if flow != nil && len(given) != flow.ContextDim {
		c.errorf(g.pos, g.end, "sample: given has %s, but flow %s is conditioned on %s (fixed by the train statement at %s)",
			plural(len(given), "value"), flow.Name, plural(flow.ContextDim, "context column"), short(flow.DimPos))
		return nil, false
	}
	return given, true
}

func (c *checker) save(s *lang.Save) {
	flow := c.lookupFlow(s.Flow, "save")
	p, ok := c.outputPath("save", s.Path)
	if flow == nil || !ok || p.kind != kStr || c.untrained("save", s.Flow, flow) {
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Save{Pos: s.Pos, Flow: flow, Path: p.str})
}

func (c *checker) plot(p *lang.Plot) {
	opts, ok := c.bind(plotSig, optionArgs(p.Opts), p.Pos, p.EndPos)
	flow := c.lookupFlow(p.Flow, "plot")
	var data *Data
	if p.Data != nil {
		data = c.lookupData(p.Data, "plot")
		ok = ok && data != nil && data.Table != nil
		if ok && data.Streamed() {
			c.errorf(p.Data.Pos, p.Data.EndPos, "plot: %s is streamed from a file too large to load (%s); plot draws against data in memory (plot a sample of it saved to a smaller file)",
				data.Name, plural(data.Table.Rows, "row"))
			ok = false
		}
	}
	path := c.expr(p.Path)
	if path.kind != kBad && (path.kind != kStr || !(strings.HasSuffix(path.str, ".png") || strings.HasSuffix(path.str, ".svg"))) {
		c.errorf(path.pos, path.end, "plot: the output must be a .png or .svg file name in quotes, got %s", path)
		ok = false
	}
	if flow == nil || !ok || path.kind != kStr || c.untrained("plot", p.Flow, flow) {
		return
	}
	if flow.ContextDim > 0 {
		c.errorf(p.Flow.Pos, p.Flow.EndPos, "plot: flow %s is conditional; plot draws unconditional flows (sample it with given and plot the file)", flow.Name)
		return
	}
	if data != nil && data.Table.Cols != flow.Dim {
		c.errorf(p.Data.Pos, p.Data.EndPos, "plot: %s has %s, but flow %s maps %s (fixed by the train statement at %s)",
			data.Name, plural(data.Table.Cols, "column"), flow.Name, plural(flow.Dim, "dimension"), short(flow.DimPos))
		return
	}
	// A plot holds its draws (and the density's grid) in memory.
	if need := 8 * float64(opts.int("n")) * float64(flow.Dim) * 3; need > float64(c.limits.MaxMemory) {
		c.errorf(p.Pos, p.EndPos, "plot: %d draws of %s need an estimated %s of memory; the limit is %s (plot fewer with n, or set -max-memory)",
			opts.int("n"), plural(flow.Dim, "column"), dataset.FormatBytes(need), dataset.FormatBytes(float64(c.limits.MaxMemory)))
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Plot{Pos: p.Pos, Flow: flow, Data: data, Path: path.str,
		N: opts.int("n"), Seed: uint64(opts.num("seed"))})
}

func (c *checker) eval(e *lang.Eval) {
	_, ok := c.bind(evalSig, optionArgs(e.Opts), e.Pos, e.EndPos)
	flow := c.lookupFlow(e.Flow, "eval")
	if slices.Contains(SplitParts, e.Data.Name) {
		c.evalPart(e, flow, ok)
		return
	}
	var data *Data
	if _, bound := c.scope[e.Data.Name]; bound {
		data = c.lookupData(e.Data, "eval")
	} else {
		c.undefinedData(e.Data)
	}
	path := ""
	if e.Path != nil {
		p, good := c.outputPath("eval", e.Path)
		ok = ok && good
		path = p.str
	}
	if flow == nil || data == nil || data.Table == nil || !ok || c.untrained("eval", e.Flow, flow) {
		return
	}
	if data.Table.Cols != flow.Dim {
		c.errorf(e.Data.Pos, e.Data.EndPos, "eval: %s has %s, but flow %s maps %s (fixed by the train statement at %s)",
			data.Name, plural(data.Table.Cols, "column"), flow.Name, plural(flow.Dim, "dimension"), short(flow.DimPos))
		return
	}
	if cd := data.ContextDim(); cd != flow.ContextDim {
		c.errorf(e.Data.Pos, e.Data.EndPos, "eval: %s has %s, but flow %s is conditioned on %s (fixed by the train statement at %s)",
			data.Name, plural(cd, "context column"), flow.Name, plural(flow.ContextDim, "context column"), short(flow.DimPos))
		return
	}
	if !slices.Equal(data.Angles, flow.Angles) {
		c.errorf(e.Data.Pos, e.Data.EndPos, "eval: %s has %s, but flow %s is a density with %s (fixed at %s)",
			data.Name, angleText(data.Angles), flow.Name, angleText(flow.Angles), short(flow.DimPos))
		return
	}
	c.prog.Actions = append(c.prog.Actions, &Eval{Pos: e.Pos, Flow: flow, Data: data, Path: path})
}

// evalPart checks `eval FLOW on PART`, PART one of SplitParts: the rows
// of a part of the split of the flow's most recent train statement.
// The part words are reserved in this position: a name bound to one of
// them is an error here (but may be used elsewhere), so that a program
// never silently scores other rows than it did before parts existed.
func (c *checker) evalPart(e *lang.Eval, flow *Flow, ok bool) {
	part := e.Data
	if b, bound := c.scope[part.Name]; bound {
		c.errorf(part.Pos, part.EndPos, "eval: `on %s` names the %s rows of the flow's train statement, not the %s bound at %s; rename the %s to eval it",
			part.Name, part.Name, b.val.describe(), short(b.pos), b.val.describe())
		return
	}
	path := ""
	if e.Path != nil {
		p, good := c.outputPath("eval", e.Path)
		ok = ok && good
		path = p.str
	}
	if flow == nil || c.untrained("eval", e.Flow, flow) {
		return
	}
	var t *Train
	for _, a := range c.prog.Actions {
		if a, isTrain := a.(*Train); isTrain && a.Flow == flow {
			t = a
		}
	}
	if t == nil {
		if flow.Saved != nil {
			c.errorf(part.Pos, part.EndPos, "eval: flow %s was loaded, and a saved model keeps no split; train it first, or eval it on a data set", flow.Name)
		}
		return // else fixed by a failed train statement, reported there
	}
	n := t.Data.Table.Rows
	nTest, nVal := dataset.SplitSizes(n, t.Opts.TestFrac, t.Opts.ValFrac)
	count, opt, frac, of := nTest, "test_frac", t.Opts.TestFrac, t.Data.Name+"'s "+plural(n, "row")
	if part.Name == "validation" {
		count, opt, frac, of = nVal, "val_frac", t.Opts.ValFrac, "the "+plural(n-nTest, "row")+" left after the test rows"
	}
	switch {
	case part.Name == "train" || count > 0:
	case frac == 0:
		c.errorf(part.Pos, part.EndPos, "eval: flow %s has no %s rows: its train statement at %s sets %s = 0",
			flow.Name, part.Name, short(t.Pos), opt)
		return
	default:
		c.errorf(part.Pos, part.EndPos, "eval: flow %s has no %s rows: %s = %g of its train statement at %s holds out none of %s",
			flow.Name, part.Name, opt, frac, short(t.Pos), of)
		return
	}
	if ok {
		c.prog.Actions = append(c.prog.Actions, &Eval{Pos: e.Pos, Flow: flow, Part: part.Name, Train: t, Path: path})
	}
}

// undefinedData reports the unbound name after `eval FLOW on`,
// suggesting a data set in scope or a part of the split; a name that
// begins a part's word (val) suggests it.
func (c *checker) undefinedData(id *lang.Ident) {
	cands := slices.Clone(SplitParts)
	for n, b := range c.scope {
		if b.val.kind == kData {
			cands = append(cands, n)
		}
	}
	slices.Sort(cands)
	hint := ""
	for _, w := range SplitParts {
		if len(id.Name) >= 3 && strings.HasPrefix(w, id.Name) {
			hint = " (did you mean " + w + "?)"
		}
	}
	if hint == "" {
		hint = spell.DidYouMean(id.Name, cands)
	}
	c.errorf(id.Pos, id.EndPos, "undefined: %s%s", id.Name, hint)
}

// fixAngles gives a flow the angle columns of the data of train
// statement t, checking that every train statement of the flow agrees on
// them and that each stage keeps angles on the circle
// (stdlib.AngleSafe): any other would treat them as numbers.
func (c *checker) fixAngles(f *Flow, d *Data, t *lang.Train) bool {
	if f.DimPos != t.Pos && !slices.Equal(f.Angles, d.Angles) {
		c.errorf(t.Data.Pos, t.Data.EndPos, "train: %s has %s, but flow %s was trained on data with %s (at %s)",
			d.Name, angleText(d.Angles), f.Name, angleText(f.Angles), short(f.DimPos))
		return false
	}
	f.Angles = d.Angles
	if len(d.Angles) == 0 {
		return true
	}
	ok := true
	for _, s := range f.Stages {
		if stdlib.AngleSafe(s.Spec.Name) {
			continue
		}
		c.errorf(s.Pos, s.End, "%s would treat the %s of %s as numbers, breaking their periodicity (flow %s is trained on them at %s); layers that keep angles on the circle: %s",
			s.Spec.Name, angleText(d.Angles), d.Name, f.Name, short(t.Pos), strings.Join(angleSafeNames(), ", "))
		ok = false
	}
	return ok
}

// angleText describes angle columns: "angle columns [0 2] (0-based)",
// "no angle columns".
func angleText(angles []int) string {
	if len(angles) == 0 {
		return "no angle columns"
	}
	return fmt.Sprintf("angle columns %v (0-based)", angles)
}
