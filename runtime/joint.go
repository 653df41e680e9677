package runtime

import (
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"github.com/noxlang/nox/compiler/ir"
)

// Joint weight gradients. A weight's gradient is a product over the
// batch, C = Aᵀ·B (A the layer's input, B the gradient of its output, one
// row per batch row), and each shard used to compute its own from its
// rows, which the update then read and added up: on the 784-d MAF two
// 48 MB buffers written a step, and read again by the clipping norm,
// which wrote their sum back (~75 MB a step, about 2 ms of this machine's
// memory bandwidth). Instead the shards keep A and B (program outputs, so
// that no later step reuses their buffers) in their rows of one buffer
// of the whole batch per operand (jointBufs), and once all have run the
// team computes each C once, by blocks of columns (jointState), summing
// over the batch's rows 128 at a time in a fixed order whatever the
// number of cores. The update reads C as it is, the weight the shards
// share folded into Adam's clipping factor and into the clipping norm
// (optState.fused), or combines it as a shard's gradient where a mask or
// a factor is to be multiplied in.
//
// Only products whose shards have the same number of rows are joined
// (the combined gradient is Σ wₛ·Cₛ, and one weight for all is what lets
// the sum come first), only those of at least jointMin multiply-adds, and
// only where a shard's joinable gradients are at least jointMinBytes.

// jointOn turns joint gradients on; tests and measurements turn it off
// to compare (NOX_JOINT=0).
var jointOn = os.Getenv("NOX_JOINT") != "0"

// jointPrefix names the program outputs that keep a joint product's
// operands: jointPrefix + "a:" or "b:" + the gradient's output name.
const jointPrefix = "joint:"

// jointMinBytes is the smallest size of a shard's joinable weight
// gradients (in the programs' element type) for which a trainer joins
// them. Below it the shards' gradients stay in cache, the joint phase
// saves no memory traffic, and it costs more than it saves: measured in
// one process, alternating (TestProbeJoint), the digits MAF's float32
// step (2 MB of gradients a shard) ran 1.16–1.22× as long joined, the
// 784-d MAF's (48 MB) 0.93–0.96× as long. The joint products alone ran
// ~12 % slower than the same products in the shards (digits float32,
// one thread: 1.07 ms against 2 × 0.48): they only pay where memory
// traffic is saved.
var jointMinBytes = 16 << 20

// jointMin is the fewest multiply-adds of a shard's product that is
// joined: the product of a block of maskBlockCols columns, and a tenth
// of a digits MAF layer's smallest.
const jointMin = 1 << 17

// jointTaskWork is about how many multiply-adds one task of the joint
// phase computes (blocks are grouped up to it): ~100 µs. Tests lower it.
var jointTaskWork = 1 << 22

// jointOperands returns, per gradient output name of g (after
// splitGradScales) that is a joinable product, its operands A and B,
// for shards of rows rows each.
func jointOperands(g *ir.Program, rows int) map[string][2]ir.Value {
	uses, _ := useCounts(g) // an output counts two: 2 is one output, no other use
	found := map[string][2]ir.Value{}
	for _, o := range g.Outputs {
		if !strings.HasPrefix(o.Name, ir.GradPrefix) {
			continue
		}
		in := g.Instrs[o.Value]
		if in.Op != ir.OpMatMul || in.Int != ir.TransA || uses[o.Value] != 2 {
			continue
		}
		a, b := in.Args[0], in.Args[1]
		sa, sb := g.Instrs[a].Shape, g.Instrs[b].Shape
		if !sa.Batched() || !sb.Batched() || a == b {
			continue
		}
		if sa.Cols*sb.Cols*rows < jointMin {
			continue
		}
		found[o.Name] = [2]ir.Value{a, b}
	}
	return found
}

// keepOperands returns g with the gradient outputs in ops replaced by
// outputs that keep their operands (jointPrefix), and the products gone.
func keepOperands(g *ir.Program, ops map[string][2]ir.Value) *ir.Program {
	out := *g
	out.Outputs = nil
	for _, o := range g.Outputs {
		if ab, ok := ops[o.Name]; ok {
			out.Outputs = append(out.Outputs,
				ir.Output{Name: jointPrefix + "a:" + o.Name, Value: ab[0]},
				ir.Output{Name: jointPrefix + "b:" + o.Name, Value: ab[1]})
			continue
		}
		out.Outputs = append(out.Outputs, o)
	}
	return ir.DCE(&out)
}

// joinGradients chooses the trainer's joint products, for shards of
// sizes rows and elements of elem bytes: it returns g without them and,
// per parameter, the product's instruction in g (the program with them),
// or ir.None. The kept operands are outputs, which fuse never absorbs
// into their users (useCounts), so they keep buffers of their own
// (TestJointChosen checks the program the shards run).
func joinGradients(g *ir.Program, table []ir.Param, sizes []int, elem int) (*ir.Program, []ir.Value) {
	prods := make([]ir.Value, len(table))
	for i := range prods {
		prods[i] = ir.None
	}
	if len(sizes) < 2 || !jointOn {
		return g, prods
	}
	for _, n := range sizes {
		if n != sizes[0] {
			return g, prods
		}
	}
	ops := jointOperands(g, sizes[0])
	bytes := 0
	for name := range ops {
		bytes += g.Instrs[g.Output(name)].Shape.Size(0) * elem
	}
	if bytes < jointMinBytes {
		return g, prods
	}
	for i, p := range table {
		if _, ok := ops[ir.GradPrefix+p.Name]; ok {
			prods[i] = g.Output(ir.GradPrefix + p.Name)
		}
	}
	return keepOperands(g, ops), prods
}

// jointBufs holds a trainer's joint operands in element type T: per
// operand (a value of the program the shards run), one buffer of the
// whole batch's rows, of which each shard's Exec has its rows (plan's
// external), so that a product reads every shard's rows as one matrix.
type jointBufs[T Float] struct {
	full  map[ir.Value][]T
	shard []map[ir.Value][]T
}

// newJointBufs allocates the operands of the joint products of g (the
// program the shards run) for shards of sizes rows.
func newJointBufs[T Float](g *ir.Program, table []ir.Param, joint []ir.Value, sizes []int) *jointBufs[T] {
	jb := &jointBufs[T]{full: map[ir.Value][]T{}}
	batch := 0
	for _, n := range sizes {
		batch += n
	}
	for i, v := range joint {
		if v == ir.None {
			continue
		}
		for _, side := range []string{"a:", "b:"} {
			x := g.Output(jointPrefix + side + ir.GradPrefix + table[i].Name)
			if _, ok := jb.full[x]; !ok {
				jb.full[x] = make([]T, batch*g.Instrs[x].Shape.Cols)
			}
		}
	}
	off := 0
	for _, n := range sizes {
		m := map[ir.Value][]T{}
		for x, buf := range jb.full {
			c := g.Instrs[x].Shape.Cols
			m[x] = buf[off*c : (off+n)*c : (off+n)*c]
		}
		jb.shard = append(jb.shard, m)
		off += n
	}
	return jb
}

// newShardPart plans shard k of a trainer, jb its joint operands
// (*jointBufs[T], or nil).
func newShardPart(g *ir.Program, params *Params, rows int, rng *rand.Rand, owner part, jb any, k int) part {
	if params.DType == Float32 {
		var ext map[ir.Value][]float32
		if b, ok := jb.(*jointBufs[float32]); ok {
			ext = b.shard[k]
		}
		return newPartWith(g, params, rows, rng, owner, ext)
	}
	var ext map[ir.Value][]float64
	if b, ok := jb.(*jointBufs[float64]); ok {
		ext = b.shard[k]
	}
	return newPartWith(g, params, rows, rng, owner, ext)
}

// jointTask is the blocks [b0, b1) of joint product p.
type jointTask struct {
	p, b0, b1 int
	// zeros lists, where the task sums its gradient's squares for the
	// clipping norm (jointState.squares), the runs of C inside its
	// blocks that the parameter's mask zeroes, as pairs of C's offset and
	// length: the products compute them, the update never reads them,
	// and the task writes +0 over them before it sums its blocks whole.
	zeros []int
}

// jointState is a trainer's joint products in element type T: per
// product, the product's step over the whole batch's operands into C (a
// buffer of its own, zeroed once: the rows no block covers stay 0), and
// the tasks of the phase that computes them.
type jointState[T Float] struct {
	k       *kernels[T]
	jb      *jointBufs[T]
	prods   []step[T]
	tasks   []jointTask
	scratch [][]T // per team member, for kernels that transpose B
	// fused says, per product, that the update reads C as it is, the
	// shards' weight folded into Adam's clipping factor and into the
	// clipping norm (optState.fused); param is its parameter.
	fused []bool
	param []int
	// sum holds, per team member, one block's product over a chunk of
	// rows after the first, before it is added to C (piece).
	sum [][]T
	// squares says that each task of a fused product also sums the
	// squares of its blocks for the clipping norm (the trainer clips),
	// into sq[task], while the blocks are still in the core's cache: the
	// norm pass would read C again from memory, ~1 ms of a 784-d MAF's
	// clipped float32 step.
	squares bool
	sq      [][32]float64
}

// newJointState plans the joint products: joint holds, per parameter,
// the product's instruction in full (the program with them), or ir.None;
// g is the program the shards run, jb their operands. It returns, per
// parameter, C or nil.
func newJointState[T Float](full, g *ir.Program, t *Trainer, joint []ir.Value, jb *jointBufs[T]) (*jointState[T], [][]T) {
	js := &jointState[T]{k: kernelsFor[T](), jb: jb, squares: t.opt.Clip > 0}
	bufs := make([][]T, len(joint))
	if jb == nil {
		return js, bufs
	}
	q := Backend(full)
	static := staticValues(q)
	outMasks := outputMasks(q)
	need := 0
	for i, v := range joint {
		if v == ir.None {
			continue
		}
		in := full.Instrs[v]
		name := ir.GradPrefix + t.params.Table[i].Name
		m, n, k := in.Shape.Rows, in.Shape.Cols, t.batch
		st := step[T]{
			op: ir.OpMatMul, value: v, out: make([]T, m*n), flags: ir.TransA,
			a: jb.full[g.Output(jointPrefix+"a:"+name)], b: jb.full[g.Output(jointPrefix+"b:"+name)],
			rows: m, cols: n, ar: k, ac: m, br: k, bc: n, lda: m, ldb: n,
		}
		st.blocks = maskedBlocks(q, static, outMasks, v, &st, false)
		if st.blocks == nil {
			st.parts = nil
			for n0 := 0; n0 < n; n0 += maskBlockCols {
				st.blocks = append(st.blocks, gemmBlock{0, m, n0, min(n0+maskBlockCols, n), 0, k})
			}
		}
		t0, b0, work := len(js.tasks), 0, 0 // t0: the product's first task
		for bi, b := range st.blocks {
			if js.k.scratch(true, false, b.m1-b.m0, b.n1-b.n0, b.k1-b.k0) {
				need = max(need, st.br*st.bc)
			}
			if st.parts != nil && st.parts[bi] != nil {
				work += partsWork(st.parts[bi], b)
			} else {
				work += (b.m1 - b.m0) * (b.n1 - b.n0) * (b.k1 - b.k0)
			}
			if work >= jointTaskWork || bi == len(st.blocks)-1 {
				js.tasks = append(js.tasks, jointTask{p: len(js.prods), b0: b0, b1: bi + 1})
				b0, work = bi+1, 0
			}
		}
		bufs[i] = st.out
		js.prods = append(js.prods, st)
		// The update reads C as it is where no mask or factor is to be
		// multiplied in (a mask with live runs is applied by skipping)
		// and no two parts of a block overlap.
		fused := t.live[i] != nil || gradFactor(g, name) == ir.None && t.dense[i] == nil
		for _, ps := range st.parts {
			for _, p := range ps {
				fused = fused && !p.acc
			}
		}
		js.fused = append(js.fused, fused)
		js.param = append(js.param, i)
		if js.squares && fused && t.live[i] != nil {
			for j := range js.tasks[t0:] {
				tk := &js.tasks[t0+j]
				for _, b := range st.blocks[tk.b0:tk.b1] {
					tk.zeros = blockZeros(tk.zeros, t.live[i], b, n)
				}
			}
		}
	}
	js.sq = make([][32]float64, len(js.tasks))
	area := 0 // the largest block or part, where there are chunks after the first
	if t.batch > jointChunk {
		for _, st := range js.prods {
			for bi, b := range st.blocks {
				area = max(area, (b.m1-b.m0)*(b.n1-b.n0))
				if st.parts != nil {
					for _, p := range st.parts[bi] {
						area = max(area, (p.m1-p.m0)*(p.n1-p.n0))
					}
				}
			}
		}
	}
	for range t.shards {
		js.scratch = append(js.scratch, make([]T, need))
		js.sum = append(js.sum, make([]T, area))
	}
	return js, bufs
}

// jointChunk is how many of the batch's rows a task sums over at a time,
// for each of its blocks, before the next rows are added: a gradient is
// then summed as the shards summed their own when their rows are
// multiples of it, and the same bits come out (TestJointGradients). The
// float32 kernels sum over 128 rows at a time anyway; some float64 paths
// sum all rows in registers, whose bits then differ from the shards'.
const jointChunk = 128

// run computes task j on team member i.
func (js *jointState[T]) run(i, j int) {
	tk := js.tasks[j]
	st := &js.prods[tk.p]
	for c0 := 0; c0 < st.ar; c0 += jointChunk {
		c1 := min(c0+jointChunk, st.ar)
		for bi := tk.b0; bi < tk.b1; bi++ {
			if st.parts != nil && st.parts[bi] != nil {
				for _, p := range st.parts[bi] {
					js.piece(i, st, p.gemmBlock, p.acc, c0, c1)
				}
				continue
			}
			js.piece(i, st, st.blocks[bi], false, c0, c1)
		}
	}
	if js.squares && js.fused[tk.p] {
		js.sumSquares(j)
	}
}

// sumSquares sets sq[j] to the squares of task j's blocks of C, its
// mask's zeros first written +0: 32 running sums, element (r, c) of a
// block (or of a part) going to sum c−n0 mod 32, row after row. Which
// member runs the task changes no bit; the norm sums the tasks' sums in
// task order.
func (js *jointState[T]) sumSquares(j int) {
	tk := &js.tasks[j]
	st := &js.prods[tk.p]
	for k := 0; k < len(tk.zeros); k += 2 {
		clear(st.out[tk.zeros[k] : tk.zeros[k]+tk.zeros[k+1]])
	}
	var s [32]float64
	for bi := tk.b0; bi < tk.b1; bi++ {
		if st.parts != nil && st.parts[bi] != nil {
			for _, p := range st.parts[bi] {
				squaresRect(&s, st.out, st.cols, p.gemmBlock)
			}
			continue
		}
		squaresRect(&s, st.out, st.cols, st.blocks[bi])
	}
	js.sq[j] = s
}

// squareSum returns the sum of the tasks' sums of squares, in task order.
func (js *jointState[T]) squareSum() float64 {
	total := 0.0
	for i := range js.sq {
		total += sum32(&js.sq[i])
	}
	return total
}

// sum32 is the sum of s in a fixed order: pairs, then pairs of pairs.
func sum32(s *[32]float64) float64 {
	var t [16]float64
	for i := range t {
		t[i] = s[2*i] + s[2*i+1]
	}
	for n := 8; n >= 1; n /= 2 {
		for i := range n {
			t[i] = t[2*i] + t[2*i+1]
		}
	}
	return t[0]
}

// squaresRect adds the squares of block b of the row-major matrix c
// (leading dimension ld) to sums: element (r, c) to sums[(c−b.n0) mod 32],
// in float64, row after row (squaresRows where the machine has it).
func squaresRect[T Float](sums *[32]float64, c []T, ld int, b gemmBlock) {
	rows, cols := b.m1-b.m0, b.n1-b.n0
	if rows <= 0 || cols <= 0 {
		return
	}
	x := c[b.m0*ld+b.n0 : (b.m1-1)*ld+b.n1]
	if squaresRows(sums, x, rows, cols, ld) {
		return
	}
	for r := range rows {
		for j, v := range x[r*ld : r*ld+cols] {
			a := float64(v)
			sums[j%32] += a * a
		}
	}
}

// blockZeros appends to zeros the runs of block b of an m×n gradient
// (row-major, n columns) that lie outside live, the sorted runs [lo, hi)
// of its mask's ones, as pairs of offset and length.
func blockZeros(zeros []int, live [][2]int, b gemmBlock, n int) []int {
	for r := b.m0; r < b.m1; r++ {
		lo, hi := r*n+b.n0, r*n+b.n1
		k := sort.Search(len(live), func(k int) bool { return live[k][1] > lo })
		at := lo
		for ; k < len(live) && live[k][0] < hi; k++ {
			if a := max(live[k][0], lo); a > at {
				zeros = append(zeros, at, a-at)
			}
			at = max(at, min(live[k][1], hi))
		}
		if at < hi {
			zeros = append(zeros, at, hi-at)
		}
	}
	return zeros
}

// piece runs the rows [c0, c1) of the sum of block b into C: added to
// it if acc or if the block's sum starts before c0.
func (js *jointState[T]) piece(i int, st *step[T], b gemmBlock, acc bool, c0, c1 int) {
	if b.k0 == b.k1 { // a part over no rows writes its zeros, once
		if c0 == 0 {
			gemmPartWith(js.k, js.scratch[i], st, b, true, false, acc)
		}
		return
	}
	k0, k1 := max(b.k0, c0), min(b.k1, c1)
	if k0 >= k1 {
		return
	}
	b.k0, b.k1 = k0, k1
	if k0 == 0 || acc {
		gemmPartWith(js.k, js.scratch[i], st, b, true, false, acc || k0 > 0)
		return
	}
	// A later chunk: its product apart, then added, as combine adds the
	// shards' own gradients (the kernels that add into C themselves do
	// not all round the same way: TestJointGradients with NOX_GEMM=avx2).
	w := b.n1 - b.n0
	sum := js.sum[i][:(b.m1-b.m0)*w]
	tmp := *st // the block's columns of Aᵀ and B, into sum
	tmp.a, tmp.b, tmp.out, tmp.cols = st.a[b.m0:], st.b[b.n0:], sum, w
	gemmPartWith(js.k, js.scratch[i], &tmp, gemmBlock{0, b.m1 - b.m0, 0, w, k0, k1}, true, false, false)
	for r := range b.m1 - b.m0 {
		c := st.out[(b.m0+r)*st.cols+b.n0 : (b.m0+r)*st.cols+b.n1]
		js.k.add(c, c, sum[r*w:(r+1)*w])
	}
}

// fusedParams reports, per parameter, whether the update reads its joint
// gradient as it is (fused).
func (js *jointState[T]) fusedParams(n int) []bool {
	out := make([]bool, n)
	for p, i := range js.param {
		out[i] = js.fused[p]
	}
	return out
}

// freshBytes returns the memory of the joint products' operands, results
// and scratch.
func (js *jointState[T]) freshBytes() [][]byte {
	var out [][]byte
	for _, st := range js.prods {
		out = append(out, bytesOf(st.out))
	}
	if js.jb != nil {
		for _, b := range js.jb.full {
			out = append(out, bytesOf(b))
		}
	}
	for _, s := range js.scratch {
		out = append(out, bytesOf(s))
	}
	return out
}
