package runtime

import (
	"slices"

	"github.com/noxlang/nox/compiler/ir"
)

// A dense layer, relu(x·W + b), is three instructions: a matrix product,
// the addition of a row vector and a relu, each a pass over a [B, hidden]
// tensor. fuse makes them one step: the product, then the bias and the
// relu applied in one pass (kernels.bias). On the moons MAF this is most
// of the elementwise work of a log-density or a sample.
//
// An autoregressive solve (stdlib's madeNet.solve) assembles its columns
// one at a time, each an addition of a padded column range, and the
// gradient of its weights sums one padded row range per step. fuse turns
// each such addition into an ir.OpAddCols or ir.OpAddRows, which adds
// the range into a copy of the other operand, or into that operand itself
// when its buffer is free after it (plan), instead of clearing a whole
// tensor and adding it.

// fusion turns fuse on; tests turn it off to compare.
var fusion = true

// reluGradFusion lets relu derivatives read the relu's output so that a
// training program's relu fuses into its product (reluUser); the probe
// (TestProbeShard, NOX_PROBE_VARY=relu) turns it off to compare.
var reluGradFusion = true

// bcastFusion turns addBroadcastCols on; the probe (NOX_PROBE_VARY=bcast)
// turns it off to compare.
var bcastFusion = true

// Backend returns p as an Exec runs it: after the runtime's rewrites,
// which replace instructions by backend ops (ir.Op.Backend): fuse's
// fused products (ir.OpGemm), additions (ir.OpAddCols, ir.OpAddRows)
// and transposes (ir.OpPermTranspose), with ir.OpNop in place of what
// they absorbed, and maskCopies' ir.OpMaskCopy. Value numbers, inputs and outputs are p's; p itself is
// not modified. (A Trainer first takes the masks out of its gradient
// outputs: splitGradScales.)
func Backend(p *ir.Program) *ir.Program { return maskCopies(fuse(p)) }

// fuse returns p with each matrix product whose only use is an addition
// of a row vector [1, n] rewritten into that addition's place as an
// ir.OpGemm with a bias (ir.GemmBias), and, when the sum's only use is a
// relu, into the relu's place (ir.GemmRelu too). Value numbers are kept,
// so outputs and inputs are unchanged; the absorbed instructions become
// ir.OpNop. p itself is not modified. A value that is a program output is
// never absorbed. An addition of a padded value whose only use it is
// becomes an ir.OpAddCols or an ir.OpAddRows; an addition of a column
// broadcast whose only use it is adds the column itself
// (addBroadcastCols). A relu's derivatives may read the relu's output
// instead of its operand (reluUser).
func fuse(p *ir.Program) *ir.Program {
	if !fusion {
		return p
	}
	p = fuseSliced(fusePermuted(forwardIdentities(p)))
	uses, user := useCounts(p)
	var out *ir.Program
	for j, in := range p.Instrs {
		if in.Op != ir.OpAdd || len(in.Args) != 2 {
			continue
		}
		if a, pad, ok := addPadded(p, in, uses); ok {
			out = editable(out, p)
			pi := p.Instrs[pad]
			op := ir.OpAddCols
			if pi.Op == ir.OpPadRows {
				op = ir.OpAddRows
			}
			out.Instrs[pad] = ir.Instr{Op: ir.OpNop, Shape: pi.Shape}
			out.Instrs[j] = ir.Instr{Op: op, Args: []ir.Value{a, pi.Args[0]}, Int: pi.Int, Shape: in.Shape, Note: in.Note}
			continue
		}
		if a, col, ok := addBroadcastCols(p, in, uses); ok && bcastFusion {
			out = editable(out, p)
			bc := in.Args[0]
			if p.Instrs[bc].Op != ir.OpBroadcastCols {
				bc = in.Args[1]
			}
			out.Instrs[bc] = ir.Instr{Op: ir.OpNop, Shape: p.Instrs[bc].Shape}
			f := in
			f.Args = []ir.Value{a, col}
			out.Instrs[j] = f
			continue
		}
		m, bias := in.Args[0], in.Args[1]
		mm := p.Instrs[m]
		bs := p.Instrs[bias].Shape
		if !isProduct(mm.Op) || uses[m] != 1 || bs.Rows != 1 || bs.Cols != in.Shape.Cols || mm.Shape != in.Shape {
			continue
		}
		out = editable(out, p)
		f := mm
		f.Args = []ir.Value{mm.Args[0], mm.Args[1], bias}
		f.Op = ir.OpGemm
		f.Int |= ir.GemmBias
		at := j
		if r, grads, ok := reluUser(p, ir.Value(j), uses, user); ok {
			f.Int |= ir.GemmRelu
			at = int(r)
			out.Instrs[j] = ir.Instr{Op: ir.OpNop, Shape: in.Shape}
			for _, g := range grads {
				gi := out.Instrs[g]
				gi.Args = []ir.Value{r, gi.Args[1]}
				out.Instrs[g] = gi
			}
		}
		f.Shape = p.Instrs[at].Shape
		f.Note = p.Instrs[at].Note
		out.Instrs[m] = ir.Instr{Op: ir.OpNop, Shape: mm.Shape}
		out.Instrs[at] = f
	}
	if out == nil {
		return p
	}
	return out
}

// fuseSliced returns p with each matrix product whose operand is a
// column slice used nowhere else rewritten as an ir.OpGemm that reads
// those columns in place (ir.GemmSliceA, ir.GemmSliceB) instead of a
// copy: an autoregressive solve
// multiplies column ranges of its weights and the first columns of its
// units so far (stdlib's madeNet.solve), and a slice of a weight would
// otherwise be a copy kept as long as the weight.
func fuseSliced(p *ir.Program) *ir.Program {
	uses, _ := useCounts(p)
	var out *ir.Program
	for j, in := range p.Instrs {
		if in.Op != ir.OpMatMul {
			continue
		}
		f := in
		for k, flag := range []int{ir.GemmSliceA, ir.GemmSliceB} {
			sl := in.Args[k]
			si := p.Instrs[sl]
			if si.Op != ir.OpSliceCols || uses[sl] != 1 {
				continue
			}
			out = editable(out, p)
			if f.Ints == nil {
				f.Args, f.Ints = slices.Clone(in.Args), make([]int, 4)
			}
			f.Op = ir.OpGemm
			f.Args[k] = si.Args[0]
			f.Int |= flag
			f.Ints[2*k], f.Ints[2*k+1] = si.Int, si.Shape.Cols
			out.Instrs[sl] = ir.Instr{Op: ir.OpNop, Shape: si.Shape}
		}
		if out != nil {
			out.Instrs[j] = f
		}
	}
	if out == nil {
		return p
	}
	return out
}

// fusePermuted returns p with each transpose of a column permutation used
// nowhere else rewritten as an ir.OpPermTranspose, which gathers the
// columns itself (see transpose), so the permuted copy is never stored: an autoregressive
// solve takes its output weights input-major and transposed (stdlib's
// madeNet.solve), once per change of the parameters.
func fusePermuted(p *ir.Program) *ir.Program {
	uses, _ := useCounts(p)
	var out *ir.Program
	for j, in := range p.Instrs {
		if in.Op != ir.OpTranspose {
			continue
		}
		pc := in.Args[0]
		pi := p.Instrs[pc]
		if pi.Op != ir.OpPermuteCols || uses[pc] != 1 {
			continue
		}
		out = editable(out, p)
		f := in
		f.Op = ir.OpPermTranspose
		f.Args, f.Ints = []ir.Value{pi.Args[0]}, pi.Ints
		out.Instrs[j] = f
		out.Instrs[pc] = ir.Instr{Op: ir.OpNop, Shape: pi.Shape}
	}
	if out == nil {
		return p
	}
	return out
}

// reluUser reports whether the sum s (a product plus a bias) is used by
// one relu and otherwise only as the first operand of relu derivatives
// (a training program's hidden layer keeps its pre-relu sum for them),
// and returns the relu and those derivatives. A derivative may read the
// relu's output instead of s: relu(x) > 0 exactly where x > 0 (NaN and
// −0 included: relu gives NaN, 0 or −0 there, none above 0), so its
// bits do not change and the relu fuses into the product (ir.GemmRelu).
func reluUser(p *ir.Program, s ir.Value, uses, user []int) (relu ir.Value, grads []int, ok bool) {
	if uses[s] == 1 {
		return ir.Value(user[s]), nil, p.Instrs[user[s]].Op == ir.OpRelu
	}
	if !reluGradFusion {
		return ir.None, nil, false
	}
	relu = ir.None
	n := 0
	for i := int(s) + 1; i <= user[s] && n < uses[s]; i++ {
		in := p.Instrs[i]
		for k, a := range in.Args {
			if a != s {
				continue
			}
			n++
			switch {
			case in.Op == ir.OpRelu && relu == ir.None:
				relu = ir.Value(i)
			case in.Op == ir.OpReluGrad && k == 0 && in.Args[1] != s:
				grads = append(grads, i)
			default:
				return ir.None, nil, false
			}
		}
	}
	if relu == ir.None || n != uses[s] {
		return ir.None, nil, false
	}
	for _, g := range grads {
		if g < int(relu) {
			return ir.None, nil, false // the derivative must come after the relu
		}
	}
	return relu, grads, true
}

// isProduct reports whether op is a matrix product: ir.OpMatMul, or its
// fused form ir.OpGemm.
func isProduct(op ir.Op) bool { return op == ir.OpMatMul || op == ir.OpGemm }

// editable returns out, or, while it is nil, a copy of p whose
// instructions may be rewritten.
func editable(out, p *ir.Program) *ir.Program {
	if out != nil {
		return out
	}
	c := *p
	c.Instrs = slices.Clone(p.Instrs)
	return &c
}

// useCounts returns each value's number of uses, an output counting as
// two (so it is never absorbed), and its last user.
func useCounts(p *ir.Program) (uses, user []int) {
	uses = make([]int, len(p.Instrs))
	user = make([]int, len(p.Instrs))
	for i, in := range p.Instrs {
		for _, a := range in.Args {
			uses[a]++
			user[a] = i
		}
	}
	for _, o := range p.Outputs {
		uses[o.Value] += 2
	}
	return uses, user
}

// addPadded reports whether the addition in is a + PadCols(v) or a +
// PadRows(v) (in either order, both of the sum's shape: no broadcast; the
// padded value used nowhere else, neither a program output) and returns a
// and the padded value.
func addPadded(p *ir.Program, in ir.Instr, uses []int) (a, pad ir.Value, ok bool) {
	for k := range 2 {
		a, pad = in.Args[1-k], in.Args[k]
		if op := p.Instrs[pad].Op; (op == ir.OpPadCols || op == ir.OpPadRows) && uses[pad] == 1 && a != pad && p.Instrs[a].Shape == in.Shape && p.Instrs[pad].Shape == in.Shape {
			return a, pad, true
		}
	}
	return ir.None, ir.None, false
}

// addBroadcastCols reports whether the addition in is a +
// BroadcastCols(c) (in either order, a of the sum's shape, the broadcast
// used nowhere else, neither a program output) and returns a and the
// column c: binary adds the column itself, broadcast by columns, without
// the [r, n] copy (the log-det's cotangent in a MADE's gradient).
// Addition commutes exactly in IEEE arithmetic, so c + a has a + c's
// bits (NaN payloads aside: which of two NaNs propagates).
func addBroadcastCols(p *ir.Program, in ir.Instr, uses []int) (a, col ir.Value, ok bool) {
	for k := range 2 {
		a, bc := in.Args[1-k], in.Args[k]
		bi := p.Instrs[bc]
		if bi.Op == ir.OpBroadcastCols && uses[bc] == 1 && a != bc && p.Instrs[a].Shape == in.Shape && bi.Shape == in.Shape {
			return a, bi.Args[0], true
		}
	}
	return ir.None, ir.None, false
}

// addInto adds src to dst (as long): with the vector kernel add, or, for
// fewer than 16 elements, where calling it costs more, in a loop.
func addInto[T Float](add func(out, a, b []T), dst, src []T) {
	if len(src) < 16 {
		for j, v := range src {
			dst[j] += v
		}
		return
	}
	add(dst, dst, src)
}

// biasGo adds bias (one row) to each of rows rows of out and applies relu
// if asked, with the kernels of the unfused instructions.
func biasGo[T Float](add func(out, a, b []T), reluf func(out, a []T), out, bias []T, rows, cols int, relu bool) {
	bias = bias[:cols]
	for r := range rows {
		addInto(add, out[r*cols:(r+1)*cols], bias)
	}
	if relu {
		reluf(out, out)
	}
}
