package runtime

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// updater is the optimizer's state and work in one element type: the
// squared norm of the combined gradient over a range's segments, Adam's
// update of them, and writing trained values back to Params.Data.
type updater interface {
	norm(i, j int) float64
	adam(i, j int)
	setCombined(on bool)
	sync()
	freshBytes() [][]byte
	// jointTasks is the number of tasks of the joint weight gradients
	// (joint.go), joint runs task j on team member i.
	jointTasks() int
	joint(i, j int)
	// keepCopies makes the update keep the masked copies of a part's
	// prelude it can (maskkeep.go) and returns, per prelude step,
	// whether it keeps that step's.
	keepCopies(p part) []bool
	// jointSquares is the joint gradients' share of the squared norm
	// that their tasks summed (jointState.squares), or 0.
	jointSquares() float64
	// readySteps: see early.go.
	readySteps(ranges [][]segment) ([]int, bool)
}

// optState is Adam over values of type T: in float64 the trainer updates
// Params.Data itself; in float32 it updates Params' float32 copy, which
// the programs read, with float32 moments, and Data follows on sync. The
// update streams every live parameter once a step (value, moments,
// gradients): float32 halves those bytes.
type optState[T Float] struct {
	t *Trainer
	k *kernels[T]
	p []T // the values trained, laid out as Params.Data
	// m and v are the moments of the elements the update visits, packed:
	// a masked parameter's live runs only, one after another (a mask's
	// zeros never move: their gradient and moments stay 0), every element
	// of the others. Parameter i's start at mbase[i], and run r of its
	// live runs at mbase[i] + mrun[i][r]. On the 784-d MAF the runs hold
	// 53 % of the weights, and the moments fell from 101 to 53 MB in
	// float32 (from 193 to 102 MB in float64); the arithmetic is the
	// same, element by element.
	m, v    []T
	mbase   []int
	mrun    [][]int
	scratch [][]T // per team member: one block of combined gradient
	// grads holds, per shard and parameter, the shard's gradient buffer
	// (nil for state); scales, per parameter, shard 0's buffer of the
	// static factor splitGradScales took out of the gradient, or nil.
	grads  [][][]T
	scales [][]T
	// combined says that norm ran this step and has left the combined
	// gradient in shard 0's buffers, but for the parameters in regs.
	combined bool
	// js computes the joint weight gradients (joint.go), which grads[0]
	// holds, summed over the shards: one[i] for such a parameter i; for
	// those of them that are fused, the update reads C as it is, the
	// shards' weight w folded into its clipping factor, and the norm
	// reads it without writing the combined gradient back (a fused
	// parameter's elements are squared as C's, then times w²).
	js    *jointState[T]
	one   []bool
	fused []bool
	w     float64
	// copies holds, per parameter, the masked copies of it that the
	// update writes as it updates it (maskkeep.go).
	copies [][][]T
	// kruns holds, per update range (Trainer.useg) and segment, the
	// runs that Adam's runs kernel updates (runsKernel), as triples: the
	// first element in the parameter, the length, the first moment; nil
	// for a segment the blocks update.
	kruns [][][]int32
	// nruns holds the same per norm range (Trainer.segs) and segment,
	// for the norm's runs kernel (normRunsVec); regs says, per parameter,
	// that the norm sums its combined gradient's squares there, in
	// registers, without writing the combined gradient back, so that the
	// update combines it itself (as without clipping) where norm left
	// the others combined (combined).
	nruns [][][]int32
	regs  []bool
}

// The runs kernel (adamRunsVec) updates a segment in one call: the
// shards' gradients are combined in registers and Adam applied run by
// run, without a scratch block, a call per block or a call per run, and
// a masked parameter's zeros are skipped even where its live runs are
// short (Trainer.dense: the blocks visit all of its elements, and
// multiply its gradient by the mask). On the digits MAF the output
// weights' runs average 32 elements, and half of their elements are
// zeros under the mask: the blocks visited 411,700 elements a step, the
// kernel ~250,000. Same operations, same order, same bits
// (TestAdamRuns). Where the blocks read a fused joint gradient (the 784-d
// MAF), the kernel reads the same elements, with a call a segment instead
// of a call a block of 512: its float32 update took 2.9 ms a step against
// 4.2. Tests turn it off to compare.
var runsKernel = true

// kernelRun is the shortest average run of a dense parameter that the
// runs kernel updates; the blocks update one of shorter runs. A run costs
// the kernel a lane mask and a few branches: with the moons MAF's output
// weights (runs of one element) in the kernel its float32 update took 20
// µs a step against the blocks' 11, where the digits MAF's (runs of 32
// on average) took 227–233 µs against 452–457 (TestProbeRunsKernel).
const kernelRun = 16

// newOptState prepares the update of the values p; joint holds, per
// parameter, its joint product in full (the gradient program with them),
// or ir.None, g is the program the shards run and jb their joint
// operands (newJointState).
func newOptState[T Float](t *Trainer, p []T, full, g *ir.Program, joint []ir.Value, jb any) *optState[T] {
	o := &optState[T]{t: t, p: p, k: kernelsFor[T]()}
	n := 0
	for i, view := range t.params.Views {
		o.mbase = append(o.mbase, n)
		runs := t.live[i]
		if runs == nil {
			o.mrun = append(o.mrun, nil)
			n += len(view)
			continue
		}
		starts := make([]int, len(runs))
		k := 0
		for r, run := range runs {
			starts[r] = k
			k += run[1] - run[0]
		}
		o.mrun = append(o.mrun, starts)
		n += k
	}
	o.m, o.v = make([]T, n), make([]T, n)
	for range t.shards {
		o.scratch = append(o.scratch, make([]T, block))
	}
	for _, s := range t.shards {
		o.grads = append(o.grads, valueBufs[T](s.p, s.grads))
	}
	var bufs [][]T
	jbT, _ := jb.(*jointBufs[T])
	o.js, bufs = newJointState(full, g, t, joint, jbT)
	o.one, o.fused, o.w = make([]bool, len(bufs)), o.js.fusedParams(len(bufs)), t.shards[0].weight
	o.copies = make([][][]T, len(bufs))
	for i, b := range bufs {
		if b != nil {
			o.grads[0][i], o.one[i] = b, true
		}
	}
	o.scales = valueBufs[T](t.shards[0].p, t.shards[0].scales)
	for i, mask := range t.dense {
		if mask != nil {
			o.scales[i] = make([]T, len(mask))
			convert(o.scales[i], mask)
		}
	}
	o.kruns = o.planRuns(t.useg)
	o.nruns, o.regs = o.planRuns(t.segs), make([]bool, len(bufs))
	if normRuns && useAVX512 && o.nruns != nil {
		veto := make([]bool, len(bufs))
		for j, segs := range t.segs {
			for k, sg := range segs {
				if i := sg.param; o.nruns[j][k] != nil {
					o.regs[i] = !o.fused[i]
				} else {
					veto[i] = true
				}
			}
		}
		for i := range o.regs {
			o.regs[i] = o.regs[i] && !veto[i]
		}
	}
	return o
}

// normRegs reports, per parameter, whether the norm sums its squares by
// the runs kernel (regs; for tests).
func (o *optState[T]) normRegs() []bool { return o.regs }

// normRuns turns on the norm's runs kernel (optState.regs); tests turn
// it off to compare.
var normRuns = true

// planRuns lists, per range of ranges (the update's, Trainer.useg, or
// the norm's, Trainer.segs) and segment, the runs the runs kernels
// visit: a masked parameter's live runs (of its mask, where it is
// dense), every element of the others; nil for a segment of state or of
// a parameter whose gradient a factor other than a mask multiplies,
// which the blocks update, and for all of them where the kernel is off
// or the batch has more than two shards.
// Every run lies inside its parameter and its moments.
func (o *optState[T]) planRuns(ranges [][]segment) [][][]int32 {
	if !runsKernel || len(o.t.shards) > 2 {
		return nil
	}
	denseLive := map[int][][2]int{} // a dense parameter's mask runs, found once
	out := make([][][]int32, len(ranges))
	for j, segs := range ranges {
		out[j] = make([][]int32, len(segs))
		for k, sg := range segs {
			i := sg.param
			// A factor of the gradient is a mask, 1 in the runs, where the
			// parameter has live runs or is dense; else the blocks
			// multiply it in.
			if o.grads[0][i] == nil || o.scales[i] != nil && o.t.live[i] == nil && o.t.dense[i] == nil {
				continue
			}
			if n := len(o.t.params.Views[i]); len(o.grads[0][i]) != n || len(o.t.shards) == 2 && !o.one[i] && len(o.grads[1][i]) != n {
				continue // never: a gradient has its parameter's shape
			}
			live, starts, base := o.t.live[i], o.mrun[i], o.mbase[i]
			mend := len(o.m) // the parameter's moments end where the next's start
			if i+1 < len(o.mbase) {
				mend = o.mbase[i+1]
			}
			if o.t.dense[i] != nil {
				if _, ok := denseLive[i]; !ok {
					denseLive[i] = liveRuns(o.t.dense[i])
				}
				live, starts = denseLive[i], nil
				if keptLen(live, 0) < kernelRun*len(live) {
					continue // runs of a few elements: the blocks' vectors pay
				}
			}
			runs := []int32{}
			segRuns(sg, live, starts, base, func(a, b, mo int) {
				if b > len(o.t.params.Views[i]) || mo < base || mo+b-a > mend || b > math.MaxInt32 || mo+b-a > math.MaxInt32 {
					panic("runtime: an update run outside its parameter or moments")
				}
				runs = append(runs, int32(a), int32(b-a), int32(mo))
			})
			out[j][k] = runs
		}
	}
	return out
}

// valueBufs returns part p's buffers of values vs, nil for ir.None.
func valueBufs[T Float](p part, vs []ir.Value) [][]T {
	bufs := p.(*execPart[T]).exec.bufs
	out := make([][]T, len(vs))
	for i, v := range vs {
		if v != ir.None {
			out[i] = bufs[v]
		}
	}
	return out
}

// block is how many elements of a parameter tensor the update handles at
// a time: the shards' gradients are combined into a per-member scratch
// block that stays in L1 while Adam reads it, so the combined gradient is
// never written out.
const block = 512

// combine sets dst to the weighted sum over shards of the gradient of
// parameter param, elements [lo, lo+len(dst)).
func (o *optState[T]) combine(dst []T, param, lo int) {
	if o.one[param] {
		// One sum over the shards' rows, whose weights are all the same.
		scaleInto(dst, o.grads[0][param][lo:lo+len(dst)], T(o.t.shards[0].weight), false)
	} else {
		for k, s := range o.t.shards {
			scaleInto(dst, o.grads[k][param][lo:lo+len(dst)], T(s.weight), k > 0)
		}
	}
	// Within a masked parameter's live runs the mask is 1.
	if sc := o.scales[param]; sc != nil && o.t.live[param] == nil {
		o.k.mul(dst, dst, sc[lo:lo+len(dst)])
	}
}

// gradient returns the combined gradient of parameter param, elements
// [lo, lo+len(buf)): combined into buf, or where norm combined it.
func (o *optState[T]) gradient(buf []T, param, lo int) []T {
	if o.combined && !o.regs[param] {
		return o.grads[0][param][lo : lo+len(buf)]
	}
	o.combine(buf, param, lo)
	return buf
}

// setCombined tells the update whether norm ran this step.
func (o *optState[T]) setCombined(on bool) { o.combined = on }

// norm returns the squared norm of the combined gradient over the
// segments of one range, in float64, but for the fused joint gradients
// whose joint tasks summed their squares (jointState.squares: the
// trainer adds jointSquares). Clipping needs it before any update.
// Where the runs kernel can (regs), it sums the squares of the gradient
// combined in registers, run by run in one call a segment, and writes
// nothing; elsewhere it leaves the combined gradient in shard 0's buffer
// (combined), so that the update reads it there instead of combining
// the shards' gradients a second time (with clipping on, noxc's
// default, the norm pass was 7.4 % of a digits float32 noxc run's CPU
// profile). Combining block by block into shard 0's buffer, with a call
// per block of every run, made clipping add ~200 µs to a digits float32
// step of ~2 ms; the runs kernel, ~130 (TestProbeClip, four alternating
// pairs, bench/README.md).
func (o *optState[T]) norm(i, j int) float64 {
	var sums, fused [8]float64 // the combined gradients' squares; fused joint gradients' (C's)
	for s, sg := range o.t.segs[j] {
		if o.grads[0][sg.param] == nil { // state: no gradient
			continue
		}
		if p := sg.param; o.regs[p] {
			w, mode, g1 := [2]T{T(o.t.shards[0].weight)}, 1, []T(nil)
			if !o.one[p] && len(o.t.shards) == 2 {
				w[1], mode, g1 = T(o.t.shards[1].weight), 2, o.grads[1][p]
			}
			if !normRunsVec(&sums, o.grads[0][p], g1, o.nruns[j][s], &w, mode, sg.off) {
				// regs is planned only with AVX-512; the blocks below
				// would combine into shard 0's buffer, which the update
				// then combines again.
				panic("runtime: the norm's runs kernel refused a planned segment")
			}
			continue
		}
		if o.fused[sg.param] {
			if o.js.squares {
				continue // summed by the joint tasks (jointSquares)
			}
			// Read only (the update reads C as it is), so run by run,
			// not in blocks through a scratch buffer.
			o.runs(sg, func(lo, hi, _ int) {
				addSquares(&fused, o.grads[0][sg.param][lo:hi], sg.off+lo)
			})
			continue
		}
		o.blocks(sg, func(lo, hi, _ int) {
			g := o.grads[0][sg.param][lo:hi]
			o.combine(g, sg.param, lo)
			addSquares(&sums, g, sg.off+lo)
		})
	}
	sum := func(s *[8]float64) float64 {
		return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
	}
	return sum(&sums) + o.w*o.w*sum(&fused)
}

// addSquares adds the square of each x[j], in float64, to sums[(at+j) mod
// 8], where at is x[0]'s index in params.Data. Eight independent sums let
// the additions overlap (one running sum, each addition waiting for the
// one before, made the norm a large share of a big model's training step
// with clipping: bench/README.md), and tying each to the elements' place
// in the parameters, not in a block, makes the result the same whether or
// not the update skips a mask's zeros (TestDenseRuns).
func addSquares[T Float](sums *[8]float64, x []T, at int) {
	if squaresVec(sums, x, at) == len(x) {
		return
	}
	j := 0
	for ; j < len(x) && (at+j)%8 != 0; j++ {
		a := float64(x[j])
		sums[(at+j)%8] += a * a
	}
	s0, s1, s2, s3, s4, s5, s6, s7 := sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]
	for ; j+8 <= len(x); j += 8 {
		y := x[j : j+8 : j+8]
		a0, a1, a2, a3 := float64(y[0]), float64(y[1]), float64(y[2]), float64(y[3])
		a4, a5, a6, a7 := float64(y[4]), float64(y[5]), float64(y[6]), float64(y[7])
		s0 += a0 * a0
		s1 += a1 * a1
		s2 += a2 * a2
		s3 += a3 * a3
		s4 += a4 * a4
		s5 += a5 * a5
		s6 += a6 * a6
		s7 += a7 * a7
	}
	*sums = [8]float64{s0, s1, s2, s3, s4, s5, s6, s7}
	for ; j < len(x); j++ {
		a := float64(x[j])
		sums[(at+j)%8] += a * a
	}
}

// adam updates the parameters of update range j (the step counters were
// advanced by Step): each segment with the runs kernel where it can,
// else combining the shards' gradients block by block into member i's
// scratch. State parameters have no gradient and are left to Step,
// weight decay included.
func (o *optState[T]) adam(i, j int) {
	t, a := o.t, o.t.opt
	step := a.LR / (1 - t.b1t)
	bc2 := 1 / math.Sqrt(1-t.b2t)
	k := [8]T{T(t.clipC), T(a.Beta1), T(1 - a.Beta1), T(a.Beta2), T(1 - a.Beta2), T(step), T(bc2), T(a.Eps)}
	kf := k // a fused parameter's: C·(clipping factor·w)
	kf[0] = T(t.clipC * o.w)
	decay := T(1 - a.LR*a.WeightDecay)
	for s, sg := range t.useg[j] {
		if o.grads[0][sg.param] == nil {
			continue
		}
		fused := o.fused[sg.param]
		kk := &k
		if fused {
			kk = &kf
		}
		if o.kruns != nil && o.kruns[j][s] != nil && o.adamRuns(sg, o.kruns[j][s], kk, decay) {
			continue
		}
		o.adamBlocks(i, sg, kk, decay)
	}
}

// adamRuns updates segment sg by the runs kernel, its runs given
// (planned only for one shard or two), and reports whether it could: not
// on a machine without AVX-512, or where the parameter has more than one
// kept copy. It decays nothing where it cannot, so that the blocks then
// decay each element once.
func (o *optState[T]) adamRuns(sg segment, runs []int32, k *[8]T, decay T) bool {
	if !useAVX512 {
		return false // before the decay below: the blocks decay then
	}
	i := sg.param
	var g1, cp []T
	kr := [10]T{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], T(o.t.shards[0].weight)}
	mode := 0 // the gradient as it is: combined by norm, or a fused C
	switch {
	case o.combined && !o.regs[i] || o.fused[i]:
	case o.one[i] || len(o.t.shards) == 1:
		mode = 1
	default: // two shards (planRuns)
		mode, g1, kr[9] = 2, o.grads[1][i], T(o.t.shards[1].weight)
	}
	switch len(o.copies[i]) {
	case 0:
	case 1:
		if cp = o.copies[i][0]; len(cp) != len(o.t.params.Views[i]) {
			return false // never: keepCopies keeps copies of the parameter's shape
		}
	default:
		return false
	}
	p := o.p[sg.off : sg.off+len(o.t.params.Views[i])]
	if o.t.opt.WeightDecay > 0 {
		// Every element of the segment, as the blocks decay them: the
		// live ones before their update.
		for j := sg.lo; j < sg.hi; j++ {
			p[j] *= decay
		}
	}
	return adamRunsVec(p, o.m, o.v, o.grads[0][i], g1, cp, runs, &kr, mode)
}

// adamBlocks updates segment sg block by block, the shards' gradients
// combined into member i's scratch (or read where norm combined them).
func (o *optState[T]) adamBlocks(i int, sg segment, k *[8]T, decay T) {
	t, a := o.t, o.t.opt
	buf := o.scratch[i]
	masked := t.live[sg.param] != nil
	if a.WeightDecay > 0 && masked {
		// Decay the elements the blocks below skip too, as if they
		// were updated.
		p := o.p[sg.off+sg.lo : sg.off+sg.hi]
		for j := range p {
			p[j] *= decay
		}
	}
	fused := o.fused[sg.param]
	o.blocks(sg, func(lo, hi, mo int) {
		var g []T
		if fused {
			g = o.grads[0][sg.param][lo:hi]
		} else {
			g = o.gradient(buf[:hi-lo], sg.param, lo)
		}
		at := sg.off + lo
		n := len(g)
		p, m, v := o.p[at:at+n], o.m[mo:mo+n], o.v[mo:mo+n]
		if a.WeightDecay > 0 && !masked {
			for j := range p {
				p[j] *= decay
			}
		}
		adamBlock(p, m, v, g, k)
		for _, c := range o.copies[sg.param] {
			copy(c[lo:hi], p)
		}
	})
}

// adamBlock applies Adam to p with moments m and v and gradient g; k holds
// the clipping factor, β1, 1-β1, β2, 1-β2, the step, the second moment's
// bias correction and ε. The vector kernel, where the machine has one,
// does every element, else the loop does, with the same operations in the
// same order.
func adamBlock[T Float](p, m, v, g []T, k *[8]T) {
	c, b1, b1c, b2, b2c, step, bc2, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]
	for j := adamVec(p, m, v, g, k); j < len(p); j++ {
		gj := g[j] * c
		m[j] = b1*m[j] + b1c*gj
		v[j] = b2*v[j] + b2c*gj*gj
		p[j] -= step * m[j] / (T(math.Sqrt(float64(v[j])))*bc2 + eps)
	}
}

// sync copies the trained float32 values to Params.Data (state
// parameters are kept there already); in float64 they are Data.
func (o *optState[T]) sync() {
	f, ok := any(o.p).([]float32)
	if !ok {
		return
	}
	data := o.t.params.Data
	off := 0
	for i, v := range o.t.params.Views {
		if n := len(v); o.grads[0][i] != nil {
			convert(data[off:off+n], f[off:off+n])
		}
		off += len(v)
	}
}

// blocks calls f on the blocks [lo, hi) of at most block elements that
// cover segment sg's elements the update visits (runs); mo is the
// block's first element in the packed moments.
func (o *optState[T]) blocks(sg segment, f func(lo, hi, mo int)) {
	o.runs(sg, func(a, b, mo int) {
		for lo := a; lo < b; lo += block {
			f(lo, min(lo+block, b), mo+lo-a)
		}
	})
}

// runs calls f on the runs [lo, hi) of segment sg's elements the update
// visits: all of them, or the live runs of a masked parameter; mo is the
// run's first element in the packed moments.
func (o *optState[T]) runs(sg segment, f func(lo, hi, mo int)) {
	segRuns(sg, o.t.live[sg.param], o.mrun[sg.param], o.mbase[sg.param], f)
}

// segRuns calls f on the runs [lo, hi) of segment sg inside live (nil:
// the whole segment), mo the run's first moment: base plus, where the
// moments are packed (starts, per run of live, its first moment's offset
// from base), the packed offset, else the element's index.
func segRuns(sg segment, live [][2]int, starts []int, base int, f func(lo, hi, mo int)) {
	if live == nil {
		live, starts = [][2]int{{sg.lo, sg.hi}}, nil
	}
	for r, run := range live {
		a, b := max(run[0], sg.lo), min(run[1], sg.hi)
		if a >= b {
			continue
		}
		mo := base + a // every element has moments
		if starts != nil {
			mo = base + starts[r] + a - run[0]
		}
		f(a, b, mo)
	}
}

func (o *optState[T]) jointTasks() int { return len(o.js.tasks) }
func (o *optState[T]) joint(i, j int)  { o.js.run(i, j) }

func (o *optState[T]) jointSquares() float64 {
	if !o.js.squares {
		return 0
	}
	return o.w * o.w * o.js.squareSum()
}
