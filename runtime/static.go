package runtime

import (
	"slices"
	"strings"

	"github.com/noxlang/nox/compiler/ir"
)

// Values that depend only on parameters and constants (a MADE layer's
// masked weights w⊙mask, a Glow layer's composed matrix) are the same for
// every row of a batch and every shard of it. An Exec computes them in a
// prelude, apart from the per-row work, into buffers of their own that
// nothing else reuses: the shards of a batch share one copy, a Mapper
// recomputes it only when the parameters change, and a Trainer once per
// step, split across its team. A large MAF's masked weights are as many
// elements as its parameters, which a program would otherwise rewrite for
// every shard of a few dozen rows (sizes in bench/README.md).

// StaticValues reports, per value of p, whether it depends on no input
// and no random op and is not batched: the values the runtime computes in
// a prelude (and an export computes once, package onnx).
func StaticValues(p *ir.Program) []bool { return staticValues(p) }

// staticValues reports, per value of p, whether it depends on no input and
// no random op and is not batched (a batched value's size depends on the
// shard).
func staticValues(p *ir.Program) []bool {
	st := make([]bool, len(p.Instrs))
	for i, in := range p.Instrs {
		switch in.Op {
		case ir.OpInput, ir.OpRandNormal, ir.OpDropout:
			continue
		}
		if in.Shape.Batched() {
			continue
		}
		st[i] = true
		for _, a := range in.Args {
			if !st[a] {
				st[i] = false
				break
			}
		}
	}
	return st
}

// isWork reports whether an instruction computes something (parameters,
// constants and inputs are buffers, not work).
func isWork(op ir.Op) bool {
	switch op {
	case ir.OpInput, ir.OpParam, ir.OpConst:
		return false
	}
	return true
}

// preludeWork splits the prelude's steps (e.pre) among k team members:
// per dependency level, the steps each member runs. Steps of one level
// read only earlier levels, so the members of a level run concurrently;
// each level is balanced by size, largest first. Matrix products go to
// member 0: they use the Exec's transpose scratch, of which there is one.
func (e *Exec[T]) preludeWork(k int) [][][]int {
	level := make([]int, len(e.prog.Instrs))
	var levels [][]int
	j := 0 // the next prelude step; e.pre is in program order
	for i, in := range e.prog.Instrs {
		l := 0
		for _, a := range in.Args {
			l = max(l, level[a])
		}
		if j == len(e.pre) || e.pre[j].value != ir.Value(i) {
			// No prelude step: a row view (plan.go) is ready when its
			// operand is; the prelude reads no other such value.
			level[i] = l
			continue
		}
		level[i] = l + 1
		for len(levels) <= l {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], j)
		j++
	}
	work := make([][][]int, len(levels))
	for li, steps := range levels {
		slices.SortStableFunc(steps, func(a, b int) int { return len(e.pre[b].out) - len(e.pre[a].out) })
		load := make([]int, k)
		work[li] = make([][]int, k)
		for _, j := range steps {
			m := 0
			if !isProduct(e.pre[j].op) {
				m = slices.Index(load, slices.Min(load))
			}
			load[m] += len(e.pre[j].out)
			work[li][m] = append(work[li][m], j)
		}
		for m := range work[li] {
			slices.Sort(work[li][m]) // program order within a member
		}
	}
	return work
}

// runPrelude runs the prelude steps listed (indices into e.pre).
func (e *Exec[T]) runPrelude(steps []int) {
	for _, j := range steps {
		e.exec(&e.pre[j])
	}
}

// preludeSize is the number of elements the prelude writes.
func (e *Exec[T]) preludeSize() int {
	n := 0
	for i := range e.pre {
		n += len(e.pre[i].out)
	}
	return n
}

// Outputs splitGradScales adds: scalePrefix (or, for a mask, maskPrefix)
// + a gradient output's name names the static factor it took out of that
// output.
const (
	scalePrefix = "scale:"
	maskPrefix  = "mask:"
)

// splitGradScales rewrites a gradient program whose gradient output for a
// parameter is a⊙s, with s static, of a's shape and not a parameter, to
// output a, and s as scalePrefix + the output's name; or, if the output is
// a mask a⊙M (ir.OpMask: a MADE weight's), to output a, and M as
// maskPrefix + the output's name. A Trainer then multiplies the shards'
// combined gradient by s once instead of every shard multiplying its own
// full-size gradient, and skips the elements a mask zeroes; for a mask
// the result is the same to the bit. (s may not be a parameter: the
// update writes parameters while other members read s.)
func splitGradScales(g *ir.Program) *ir.Program {
	st := staticValues(g)
	out := *g
	out.Outputs = slices.Clone(g.Outputs)
	changed := false
	for i, o := range g.Outputs {
		if !strings.HasPrefix(o.Name, ir.GradPrefix) {
			continue
		}
		in := g.Instrs[o.Value]
		prefix := scalePrefix
		switch in.Op {
		case ir.OpMask:
			prefix = maskPrefix
		case ir.OpMul:
		default:
			continue
		}
		a, s := in.Args[0], in.Args[1]
		if st[a] && !st[s] && in.Op == ir.OpMul {
			a, s = s, a
		}
		if st[a] || !st[s] || g.Instrs[s].Op == ir.OpParam || g.Type(a) != g.Type(s) || g.Type(a) != in.Shape {
			continue
		}
		out.Outputs[i].Value = a
		out.Outputs = append(out.Outputs, ir.Output{Name: prefix + o.Name, Value: s})
		changed = true
	}
	if !changed {
		return g
	}
	return ir.DCE(&out)
}

// gradFactor returns the factor splitGradScales took out of g's output
// name (a static factor or a mask), or ir.None.
func gradFactor(g *ir.Program, name string) ir.Value {
	if v := g.Output(maskPrefix + name); v != ir.None {
		return v
	}
	return g.Output(scalePrefix + name)
}

// gradMask returns the mask splitGradScales took out of g's output name,
// or nil.
func gradMask(g *ir.Program, name string) []float64 {
	if v := g.Output(maskPrefix + name); v != ir.None {
		return g.Instrs[v].Data
	}
	return nil
}
