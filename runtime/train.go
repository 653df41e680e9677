package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/noxlang/nox/compiler/ir"
)

// Adam holds the optimizer's settings. The zero value is not useful; see
// DefaultAdam.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// Clip, if positive, rescales the gradient to at most this global
	// (Euclidean) norm before the update.
	Clip float64
	// WeightDecay is AdamW's decoupled decay: each step multiplies the
	// trained parameters by 1 - LR·WeightDecay.
	WeightDecay float64
}

// DefaultAdam returns Adam with β = (0.9, 0.999), ε = 1e-8 and the given
// learning rate.
func DefaultAdam(lr float64) Adam { return Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Trainer runs minibatch steps of a gradient program: each step draws a
// batch of rows uniformly with replacement, runs the program and applies
// Adam. The batch is split into Shards(batch) parts run concurrently, each
// by its own Exec over the shared parameters; their gradients are combined
// in a fixed order, so results do not depend on the number of cores. A
// step allocates nothing.
type Trainer struct {
	shards []*shard
	parts  []part // the shards' parts
	team   *team
	params *Params
	data   []float64 // training rows, row-major
	dim    int       // columns of a row: the program's inputs side by side
	state  []stateVar
	// upd is the optimizer's state in the programs' element type
	// (update.go); f32 is params' float32 copy, which float32 programs
	// read and train, or nil in float64.
	upd   updater
	f32   []float32
	noise []float64 // per column half-width of training noise, or nil
	row   []float64 // draw's buffer
	// noiseKey seeds the noise's stream and noiseAt is the position of
	// the next batch's first value in it (noise.go); noiseBase is the
	// current batch's, which the shards' tasks read.
	noiseKey, noiseAt, noiseBase uint64
	keyed                        bool // noiseKey is drawn
	// phase selects the team's work: the shards' programs (task j: shard
	// j), the clipping norm (task j: range runRanges[j] of segs), Adam
	// (task j: range runRanges[j] of useg) or the joint weight gradients
	// (task j: the joint state's task j, joint.go). The norm splits
	// params.Data into one contiguous range per shard (segs), whose
	// squared gradient norms (norms) are summed in a fixed order; Adam,
	// element by element, into ranges of about updMin elements (useg),
	// claimed by whichever member is free, so that a member the OS has
	// descheduled holds up at most one range, and, without clipping, run
	// early where they can (early.go). Neither split depends on the
	// number of cores; which member runs a range, and when, changes no
	// bit.
	phase int
	// live holds, per parameter, the runs [lo, hi) of elements whose
	// gradient can be nonzero, when a mask zeroes the rest (a MADE
	// weight: splitGradScales took the mask out of the gradient); nil
	// means all of them. The update skips the others: their gradient,
	// moments and step are always 0, so skipping them changes no bit.
	live [][][2]int
	// dense holds, per parameter, the mask of a masked parameter whose
	// live runs are too short to visit one by one (denseRun): the update
	// visits all its elements and multiplies its gradient by the mask.
	dense [][]float64
	// pre lists, per level and member, the prelude steps of shard 0,
	// whose static values all shards share; level is the prelude level
	// the team runs, or -1.
	pre   [][][]int
	level int
	// rest is pre without the masked copies the update keeps
	// (maskkeep.go), restSize what it writes, and copied the parameters'
	// generation the update left them in, or 0: a step whose
	// parameters are still of that generation runs rest, others pre.
	rest     [][][]int
	restSize int
	copied   uint64
	prelude  [][][]int // the lists the team runs: pre or rest
	segs     [][]segment
	useg     [][]segment
	// allRanges lists Adam's ranges, 0 to len(useg)-1, and normRanges the
	// norm's, 0 to len(segs)-1; runRanges those of the current run of
	// either (task j: range runRanges[j]).
	allRanges  []int
	normRanges []int
	runRanges  []int
	early      earlyState // early.go
	par        bool       // the update is large enough to split among the team
	norms      []float64
	clipC      float64
	rows       int
	batch      int
	// inOrder makes each step read the rows in order from the first
	// (InOrder); next is the row the next draw reads.
	inOrder bool
	next    int
	// picked holds, per shard, the data rows of its part of the batch
	// when drawBatch only drew them (drawn): each shard's task copies its
	// rows into its inputs before it runs, the shards' copies on their
	// own cores, side by side. Drawn and copied on the calling goroutine
	// they took 46 µs of a digits float32 step; copied in the tasks the
	// step is 1.0-1.9 % shorter, the moons MAF's 1.6-6.7 %, trainers
	// alternating in one process (TestProbeCopyInTasks). Between
	// processes the difference is below what this machine resolves
	// (bench/README.md, seventh session).
	picked [][]int
	drawn  bool
	opt    Adam
	t      int
	b1t    float64 // β1^t
	b2t    float64 // β2^t
	rng    *rand.Rand
}

// segment is the part [lo, hi) of parameter tensor param that lies in
// one update range; off is the tensor's offset in params.Data.
type segment struct{ param, off, lo, hi int }

// stateVar is a state parameter, its offset in params.Data, and the
// program output that holds its value after a step.
type stateVar struct {
	param []float64
	off   int
	out   ir.Value
}

// shard is one part of a batch with its own planned program.
type shard struct {
	p     part
	loss  ir.Value
	grads []ir.Value // per parameter; ir.None for state
	// scales holds, per parameter, the static factor or the mask of its
	// gradient that splitGradScales took out of the program, or ir.None.
	scales []ir.Value
	rows   int
	first  int     // the batch row of its first row
	weight float64 // rows / batch
	// touched keeps touch's sum, so that its loads are not dropped.
	touched float64
	buf     []float64 // a row with its noise, as the task copies it
}

// NewTrainer prepares training of params by the gradient program g (built
// by ad.Grad from a program with output "loss", the mean over the batch)
// on the rows of data (rows×dim, row-major): each row holds the program's
// inputs side by side, in order ("x", then the context "c" of a
// conditional model). rng draws the minibatches and seeds the program's
// random ops. State parameters take, after each step, the weighted mean
// over shards of their outputs ir.StatePrefix + name; the optimizer leaves
// them alone. Close releases the trainer's goroutines.
func NewTrainer(g *ir.Program, params *Params, data []float64, dim, batch int, opt Adam, rng *rand.Rand) (*Trainer, error) {
	// A program without inputs (variational inference draws its own
	// rows) takes no data: dim 0.
	if dim < 0 || dim == 0 && len(data) != 0 || dim > 0 && (len(data) == 0 || len(data)%dim != 0) {
		return nil, fmt.Errorf("runtime: %d values is not a whole number of %d-column rows", len(data), dim)
	}
	t := &Trainer{
		params: params, data: data, dim: dim, batch: batch, opt: opt,
		row: make([]float64, dim), b1t: 1, b2t: 1, rng: rng, level: -1,
	}
	if dim > 0 {
		t.rows = len(data) / dim
	}
	width := 0
	for _, in := range g.Inputs {
		width += in.Cols
	}
	if width != dim {
		return nil, fmt.Errorf("runtime: rows of %d columns for program inputs of %d", dim, width)
	}
	off := 0
	for i, p := range params.Table {
		n := len(params.Views[i])
		if p.State && !p.Fixed {
			v := g.Output(ir.StatePrefix + p.Name)
			if v == ir.None {
				return nil, fmt.Errorf("runtime: program %s does not update state %s", g.Name, p.Name)
			}
			t.state = append(t.state, stateVar{param: params.Views[i], off: off, out: v})
		}
		off += n
	}
	g = splitGradScales(g)
	sizes := shardSizes(batch, Shards(batch))
	full := g
	elem := 8
	if params.DType == Float32 {
		elem = 4
	}
	g, joint := joinGradients(g, params.Table, sizes, elem)
	var jb any // the joint operands, *jointBufs[T] or nil
	if slices.ContainsFunc(joint, func(v ir.Value) bool { return v != ir.None }) {
		if params.DType == Float32 {
			jb = newJointBufs[float32](g, params.Table, joint, sizes)
		} else {
			jb = newJointBufs[float64](g, params.Table, joint, sizes)
		}
	}
	for _, n := range sizes {
		var owner part
		if len(t.shards) > 0 {
			owner = t.shards[0].p
		}
		p := newShardPart(g, params, n, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())), owner, jb, len(t.shards))
		s := &shard{p: p, loss: g.Output("loss"), rows: n, weight: float64(n) / float64(batch), buf: make([]float64, dim)}
		for _, o := range t.shards {
			s.first += o.rows
		}
		for _, pr := range params.Table {
			if pr.State {
				s.grads = append(s.grads, ir.None)
				s.scales = append(s.scales, ir.None)
				continue
			}
			v := g.Output(ir.GradPrefix + pr.Name)
			if v == ir.None && joint[len(s.grads)] == ir.None {
				return nil, fmt.Errorf("runtime: program %s has no gradient for %s", g.Name, pr.Name)
			}
			s.grads = append(s.grads, v)
			s.scales = append(s.scales, gradFactor(g, ir.GradPrefix+pr.Name))
		}
		t.shards = append(t.shards, s)
		t.parts = append(t.parts, p)
		t.picked = append(t.picked, make([]int, n))
	}
	// Split params.Data into ranges. Fixed parameters (a model's
	// standardization, last in its table) are neither trained nor
	// updated, so they are left out: the ranges, and with them the
	// clipping norm's per-range sums, are those of the same model without
	// them.
	k := len(t.shards)
	total := len(params.Data)
	for i := len(params.Table) - 1; i >= 0 && params.Table[i].Fixed; i-- {
		total -= len(params.Views[i])
	}
	t.segs, t.norms = splitRanges(params.Views, total, k), make([]float64, k)
	for j := range k {
		t.normRanges = append(t.normRanges, j)
	}
	t.useg = splitRanges(params.Views, total, updateRanges(total))
	for j := range t.useg {
		t.allRanges = append(t.allRanges, j)
	}
	t.par = total >= 2*updMin
	for i, pr := range params.Table {
		name := ir.GradPrefix + pr.Name
		mask := gradMask(g, name)
		runs := liveRuns(mask)
		if runs != nil && keptLen(runs, 0) < denseRun*len(runs) {
			t.live, t.dense = append(t.live, nil), append(t.dense, mask)
			continue
		}
		// Elements kept at +0 (Params.ZeroMasked) are left out of the
		// update even where splitGradScales took no mask out of the
		// gradient: every use of them is masked there, so their gradient
		// is a sum of products with zeros, and they stay +0. (Not where
		// it took out a scale: the update multiplies by it only where it
		// visits every element. A dense parameter's update multiplies
		// their gradient by the mask's zeros: they stay +0 too.)
		if runs != nil || gradFactor(g, name) == ir.None {
			runs = exceptRuns(runs, params.zeroRuns(i), len(params.Views[i]))
		}
		t.live, t.dense = append(t.live, runs), append(t.dense, nil)
	}
	if params.DType == Float32 {
		params.float32Views()
		t.f32 = params.f32
		t.upd = newOptState(t, t.f32, full, g, joint, jb)
	} else {
		t.upd = newOptState(t, params.Data, full, g, joint, jb)
	}
	t.pre = t.shards[0].p.preludeWork(k)
	t.prelude, t.rest, t.restSize = t.pre, t.pre, t.shards[0].p.preludeSize()
	if keepMasked {
		t.rest, t.restSize = withoutKept(t.pre, t.upd.keepCopies(t.shards[0].p), t.shards[0].p)
	}
	// An idle member updates the ranges ready early before it helps
	// with the other shard's products (early.go).
	t.team = newTeam(k, t.work, func(i int) bool { return t.earlyTask(i) || helpParts(t.parts) })
	t.newEarly()
	t.commit()
	return t, nil
}

// work runs task j of the team's current run on member i (whose scratch
// the update uses).
func (t *Trainer) work(i, j int) {
	if t.level >= 0 {
		t.shards[0].p.prelude(t.prelude[t.level][j])
		return
	}
	switch t.phase {
	case 0:
		if testShardStart != nil {
			testShardStart(i, j)
		}
		if t.drawn {
			t.copyRows(j)
		}
		t.parts[j].run()
		if testShardDone != nil {
			testShardDone(i, j)
		}
	case 1:
		r := t.runRanges[j]
		t.norms[r] = t.upd.norm(i, r)
	case 2:
		t.upd.adam(i, t.runRanges[j])
	case 3:
		t.upd.joint(i, j)
	}
}

// copyRows copies shard j's rows (picked) into its inputs, with their
// noise: the shard's task does it first, on its own core.
func (t *Trainer) copyRows(j int) {
	s, d := t.shards[j], t.dim
	s.touched = touch(t.data, t.picked[j], d)
	for row, r := range t.picked[j] {
		if t.noise != nil {
			s.p.setRow(row, t.noisyRow(s.buf, r, s.first+row, t.noiseBase))
		} else {
			s.p.setRow(row, t.data[r*d:(r+1)*d])
		}
	}
}

// denseRun is the shortest average live run of a masked parameter that
// the update visits run by run; below it, the update visits every element
// and multiplies the gradient by the mask (Trainer.dense), which gives the
// same bits (TestDenseRuns). The digits MAF's output weights have 1024
// runs of 32 elements on average: a call, a loop and a scalar tail per
// run made its float32 update about 0.43 ms a step, most of it overhead;
// the 784-d MAF's runs average over 400 elements and stay packed, which
// keeps its moments half the size.
var denseRun = 64

// The update's ranges: about updMin elements each (a few µs of Adam), at
// most updMax of them. A model under 2·updMin parameters is updated on the
// caller alone. With 32 Ki elements a range, the moons MAF (23 k
// parameters) was updated on one core and its float32 step ran 0.66–0.72×
// as fast as with the update on both (runtime/bench_test.go, A/B in
// bench/results/ab-moons-update-ranges-*); 4 Ki gives it five ranges.
const (
	updMin = 1 << 12
	updMax = 32
)

// updateRanges is how many ranges the update of total elements is split
// into: it depends only on total.
func updateRanges(total int) int { return max(1, min(updMax, total/updMin)) }

// splitRanges splits the first total elements of the parameters laid out
// as views (params.Data) into k near-equal contiguous ranges, each listed
// as its segments of parameter tensors.
func splitRanges(views [][]float64, total, k int) [][]segment {
	segs := make([][]segment, k)
	pos := 0
	for pi, v := range views {
		for r := range k {
			lo, hi := r*total/k, (r+1)*total/k
			a, b := max(lo, pos), min(hi, pos+len(v))
			if a < b {
				segs[r] = append(segs[r], segment{param: pi, off: pos, lo: a - pos, hi: b - pos})
			}
		}
		pos += len(v)
	}
	return segs
}

// draw returns a training row drawn uniformly (pick) as batch row b, with
// the dequantization noise of SetNoise of the batch whose noise starts at
// position at, in a buffer reused by the next call.
func (t *Trainer) draw(b int, at uint64) []float64 {
	d := t.dim
	if d == 0 {
		return t.row
	}
	r := t.pick()
	if t.noise != nil {
		return t.noisyRow(t.row, r, b, at)
	}
	copy(t.row, t.data[r*d:(r+1)*d])
	return t.row
}

// nextNoise returns the position of the next batch's noise in its
// stream and moves past it.
func (t *Trainer) nextNoise() uint64 {
	at := t.noiseAt
	if t.noise != nil {
		t.noiseAt += uint64(t.batch * t.dim)
	}
	return at
}

// copyInTasks lets the shards' tasks copy their rows (drawBatch); tests
// turn it off to compare.
var copyInTasks = true

// pick returns the data row the next draw reads: the next in order, or
// one drawn uniformly.
func (t *Trainer) pick() int {
	if t.inOrder {
		r := t.next
		t.next = (t.next + 1) % t.rows
		return r
	}
	return t.rng.IntN(t.rows)
}

// Initialize runs a model's initialisation program (see the package
// function Initialize) on one minibatch drawn as Step draws them, noise
// included, so that data-dependent initial values see what training will.
func (t *Trainer) Initialize(p *ir.Program) error {
	rows := make([]float64, 0, t.batch*t.dim)
	at := t.nextNoise()
	for b := range t.batch {
		rows = append(rows, t.draw(b, at)...)
	}
	return Initialize(p, t.params, rows, t.dim, t.batch)
}

// SetNoise makes each step add uniform noise in ±width[j] to column j of
// the drawn rows (dequantization of data recorded on a grid); nil turns
// it off. width has one entry per row column. The noise comes from its
// own stream (noise.go), keyed by one draw of the trainer's rng at the
// first call that turns it on.
func (t *Trainer) SetNoise(width []float64) {
	t.noise = width
	if width != nil && !t.keyed {
		t.noiseKey, t.keyed = t.rng.Uint64(), true
	}
}

// SetFixed sets the values of fixed parameter i (ir.Param.Fixed) from the
// next step on, in params.Data and in the float32 copy the programs read:
// the values a loop changes between steps (the annealed weight of a
// target, a minibatch of the rows it sums over). It allocates nothing.
func (t *Trainer) SetFixed(i int, v []float64) {
	copy(t.params.Views[i], v)
	if t.f32 != nil {
		convert(t.params.v32[i][:len(v)], v)
	}
	// A fixed parameter is never a kept masked copy's source
	// (maskkeep.go): copies current before are current after.
	if g := t.params.gen.Add(1); t.copied == g-1 {
		t.copied = g
	}
}

// InOrder makes every step read the data rows in order, from the first,
// instead of drawing them: the caller fills the rows of each step (data
// holds one batch) before calling Step.
func (t *Trainer) InOrder() { t.inOrder = true }

// SetLR changes the learning rate from the next step on (schedules).
func (t *Trainer) SetLR(lr float64) { t.opt.LR = lr }

// Close stops the trainer's helper goroutines.
func (t *Trainer) Close() { t.team.close() }

// Sync writes the trained values back to params.Data. A float32 trainer
// trains Params' float32 copy, which its programs read, and keeps Adam's
// moments in float32 (as PyTorch does: the update then streams half the
// bytes); params.Data keeps the values of the last Sync until the next
// one. In float64, Step updates params.Data itself and Sync does nothing.
// State parameters are kept in params.Data in both.
func (t *Trainer) Sync() { t.upd.sync() }

// Save copies the parameters' current values into s, as Sync then
// Params.Save would, but without Sync: a float32 trainer's values are
// copied from its float32 copy, the live elements only, which costs the
// 784-d MAF's loop ~3 ms a kept model instead of ~24 (converting all
// 12 M values to float64, checking and packing them).
func (t *Trainer) Save(s *Snapshot) {
	if t.f32 == nil {
		t.params.Save(s)
		return
	}
	t.params.save(s, t.f32)
}

// Step runs one training step and returns the batch loss before the update.
// A non-finite loss is returned without updating the parameters. Each step
// is a unit of the team's pacer (pace.go).
func (t *Trainer) Step() float64 {
	start := time.Now()
	t.drawBatch()
	t.runPrelude()
	loss := t.runShards()
	if finite(loss) {
		t.runJoint()
		t.applyUpdate()
	} else {
		t.skipUpdate()
	}
	t.team.paced(time.Since(start))
	return loss
}

// Step's phases, apart so that TestProbePhases can time each one.

// runPrelude computes the static values of the step: all of them, or,
// where the parameters changed only by the last update, those it did
// not keep (maskkeep.go).
func (t *Trainer) runPrelude() {
	t.prelude = t.pre
	if t.copied != 0 && t.copied == t.params.generation() {
		t.prelude = t.rest
		runPreludeOf(t.team, &t.level, t.rest, t.shards[0].p, t.restSize)
		return
	}
	runPrelude(t.team, &t.level, t.pre, t.shards[0].p)
}

// drawBatch sets the shards' rows to the next minibatch, or only draws
// them (picked) for the shards' tasks to copy, adding their noise.
// Either way the random draws are the same, in the same order, and so
// is the noise (noise.go).
func (t *Trainer) drawBatch() {
	t.next = 0
	t.noiseBase = t.nextNoise()
	t.drawn = copyInTasks && t.dim > 0
	if t.drawn {
		for _, rows := range t.picked {
			for i := range rows {
				rows[i] = t.pick()
			}
		}
		return
	}
	for _, s := range t.shards {
		for i := range s.rows {
			s.p.setRow(i, t.draw(s.first+i, t.noiseBase))
		}
	}
}

// runShards runs the shards' programs (their prelude already run), with
// the early update open while they run (early.go), and returns the batch
// loss.
func (t *Trainer) runShards() float64 {
	for _, p := range t.parts {
		p.startShared()
	}
	t.openEarly()
	t.phase = 0
	t.team.run(len(t.parts), partsRun)
	return t.batchLoss()
}

// runJoint computes the joint weight gradients (joint.go) from the
// operands the shards kept.
func (t *Trainer) runJoint() {
	if n := t.upd.jointTasks(); n > 0 {
		t.phase = 3
		t.team.run(n, uneven) // a product's last task is what is left of it
	}
}

// applyUpdate clips the combined gradient if the options say so, runs
// Adam (on the ranges the early update left, where the step opened it)
// and carries the state parameters over.
func (t *Trainer) applyUpdate() {
	if n, opened := t.closeEarly(); opened {
		// Without clipping: openEarly advanced the counters.
		t.phase = 2
		t.update(t.early.order[n:], updateRun)
	} else {
		t.clipC = 1
		t.upd.setCombined(false)
		if t.opt.Clip > 0 {
			t.phase = 1
			t.update(t.normRanges, normRun)
			t.upd.setCombined(true)
			norm := t.upd.jointSquares()
			for _, n := range t.norms {
				norm += n
			}
			if norm = math.Sqrt(norm); norm > t.opt.Clip {
				t.clipC = t.opt.Clip / norm
			}
		}
		t.advance()
		t.phase = 2
		t.update(t.allRanges, updateRun)
	}
	for _, sv := range t.state {
		for k, s := range t.shards {
			s.p.accumulate(sv.param, sv.out, 0, s.weight, k > 0)
		}
		if t.f32 != nil {
			convert(t.f32[sv.off:sv.off+len(sv.param)], sv.param)
		}
	}
	t.copied = t.params.gen.Add(1)
}

// update runs an update phase over the ranges rs (task j: range rs[j]):
// on the team if the model is large enough, else on the caller.
func (t *Trainer) update(rs []int, kind runKind) {
	t.runRanges = rs
	// A run of one task or none (the early update left at most one
	// range) runs on the caller without the team, whose helpers would
	// stop spinning for it.
	if t.par && len(rs) > 1 {
		t.team.run(len(rs), kind)
		return
	}
	for j := range rs {
		t.work(0, j)
	}
}

// Initialize runs an initialisation program once on the first rows of
// data (rows of the program's inputs side by side, as for NewTrainer; at
// most batch of them) and copies each output ir.InitPrefix + name into the
// parameter of that name.
func Initialize(p *ir.Program, params *Params, data []float64, dim, batch int) error {
	n := min(batch, len(data)/dim)
	if n < 1 {
		return fmt.Errorf("runtime: no rows to initialise from")
	}
	e := New(p, params, n, nil)
	for i := range n {
		row := data[i*dim : (i+1)*dim]
		for k, in := range p.Inputs {
			copy(e.Input(k)[i*in.Cols:(i+1)*in.Cols], row[:in.Cols])
			row = row[in.Cols:]
		}
	}
	e.Run()
	for i, pr := range params.Table {
		if v := p.Output(ir.InitPrefix + pr.Name); v != ir.None {
			copy(params.Views[i], e.Value(v))
		}
	}
	params.Changed()
	return nil
}

// touch reads the first value of each row of data (width d) that rows
// lists, and returns their sum. Rows drawn uniformly from data larger
// than the cache miss it one by one; the copies (setRow, a call and a
// conversion a row) keep only a few misses in flight, these loads
// dozens. Measured on a moons MAF in one process, three runs with and
// three without it alternating: 11,895–12,371 steps/s without and
// 12,348–13,637 with, from 16 MB of rows in memory; 10,504–11,400 and
// 11,379–12,423 from a streamed file's 32 MB pool (bench/README.md, the
// eighth session): faster in five of the six pairs, by as much as this
// machine's noise.
func touch(data []float64, rows []int, d int) float64 {
	var s float64
	for _, r := range rows {
		s += data[r*d]
	}
	return s
}

// testShardDone, if set, is called by the member that ran shard j's
// program when it is done (TestProbePhases: how far apart the shards
// end).
var testShardDone func(member, shard int)

// testShardStart is called with testShardDone, when shard j's task
// starts.
var testShardStart func(member, shard int)
