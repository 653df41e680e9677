package runtime

import "github.com/noxlang/nox/compiler/ir"

// The update keeps the masked copies. Where a masked weight W⊙M is not
// read in place (maskInPlace: the weights fit in cache), the prelude of
// every training step copied W's live runs into the copy's buffer, after
// the update had changed W: on the digits MAF (2 MB of float32 masked
// weights) ~110 µs of a ~2.2 ms step, most of it cache lines moving
// between the cores (the update wrote W on both, both shards read the
// copies; the same copies took ~60 µs on one core). Where W is kept at
// +0 under M (Params.ZeroMasked), the copy is W itself, element for
// element, so the update writes each block of W it has just updated into
// the copy too, while the block is in the core's cache, and the step's
// prelude leaves those copies out. The copies then hold the same bits as
// the prelude's. The lines still move between the cores (the update's
// copies made it 60–100 µs longer on digits), but the step is ~1.5 %
// shorter (2.10–2.16 ms against 2.12–2.25, six alternating pairs of
// BenchmarkTrainStepDigits32). Reading W in place, which saves the
// update that second write, has since proved faster still on digits
// (inPlaceMinBytes): kept copies now serve trainers with under 256 KB of
// masked weights, such as the moons MAF's.
//
// They are the prelude's again whenever the parameters changed otherwise
// (Params.Changed: Init, Set, a restored model; the parameters'
// generation moved past the one the update left, Trainer.copied): the
// next step runs the whole prelude. Elements the update never visits
// (kept at +0, or a parameter it does not train) do not change, and
// their copy is the one the last whole prelude made. A fixed parameter
// (ir.Param.Fixed: outside the update's ranges, changed by SetFixed) is
// never a kept copy's source, so SetFixed leaves the kept copies current.
//
// A Mapper over the same parameters never borrows a kept copy
// (sharedMasked): a weight kept at +0 under its mask is one a Mapper
// reads in place (maskInPlace is asked first, plan.go). Were it to
// borrow one, it would write the same bits into it.

// keepMasked turns the keeping on; tests turn it off to compare.
var keepMasked = true

// keepCopies makes the update write the masked copies of part p's
// prelude that it can keep (ir.OpMaskCopy of a parameter kept at +0
// under its mask), and returns, per prelude step of p, whether it keeps
// that step's copy.
func (o *optState[T]) keepCopies(p part) []bool {
	e := p.(*execPart[T]).exec
	kept := make([]bool, len(e.pre))
	for j := range e.pre {
		s := &e.pre[j]
		in := e.prog.Instrs[s.value]
		if in.Op != ir.OpMaskCopy {
			continue
		}
		w := e.prog.Instrs[in.Args[0]]
		mask := e.prog.Instrs[in.Args[1]].Data
		if w.Op != ir.OpParam || o.grads[0][w.Int] == nil || o.t.params.Table[w.Int].Fixed || !o.t.params.zeroedUnder(w.Int, mask) || len(s.out) != len(o.t.params.Views[w.Int]) {
			continue
		}
		o.copies[w.Int] = append(o.copies[w.Int], s.out)
		kept[j] = true
	}
	return kept
}

// withoutKept returns work (preludeWork's lists) without the steps kept
// and the number of elements the rest writes.
func withoutKept(work [][][]int, kept []bool, p part) ([][][]int, int) {
	var out [][][]int
	size := 0
	for _, lvl := range work {
		var l [][]int
		n := 0
		for _, steps := range lvl {
			var rest []int
			for _, j := range steps {
				if !kept[j] {
					rest = append(rest, j)
					size += p.preludeOut(j)
					n++
				}
			}
			l = append(l, rest)
		}
		if n > 0 {
			out = append(out, l)
		}
	}
	return out, size
}
