package runtime

import (
	"math"
	goruntime "runtime"
	"slices"
	"sync/atomic"
	"unsafe"
)

// The early update. A training step's shards end at different times: the
// cores they run on are not equally fast (on the benchmark machine the
// shards of a digits step ended a median of 80-400 µs apart, 5-20 % of
// their run, the same core the slower through a probe's 400 steps),
// and the member that finishes first can only help the other's products
// (share.go) until the update starts. But most of the update's ranges
// are ready long before the last shard ends: backpropagation finishes the
// last layers' gradients first, and once every shard has run the last
// step that reads a range's parameters or writes their gradients, and
// the loss is known to be finite, Adam can update the range. An idle
// member updates such ranges while the shards finish, in the order they
// become ready, before it helps with the other shard's products (the
// other order, helping first, made the digits float32 step 1.015–1.04×
// as long: 26 alternating rounds, bench/README.md); the update then runs
// the ranges nobody ran early. A
// range's work is the same whoever runs it and whenever: results are the
// same bits as with every range updated after the shards. With clipping
// the update waits for the norm of the whole gradient, and nothing runs
// early: running the norm's ranges early instead (split as Adam's, 32
// on the digits MAF) made a digits float32 noxc run 0.8 % slower than
// running the same ranges after the shards, not faster (12 alternating
// rounds, bench/README.md).

// earlyUpdate turns the early update on; tests turn it off to compare.
var earlyUpdate = true

// earlyState is a Trainer's early update.
type earlyState struct {
	on bool // the trainer runs ranges early (newEarly)
	// ready holds, per range of Trainer.useg, how many main steps every
	// shard must have run before its first phase may run; order lists the
	// ranges by ready, the order in which they are claimed.
	ready []int
	order []int
	// claim is the step's generation (high 32 bits, gen) and the next
	// index into order to claim (low 32 bits), len(order)+1 while closed:
	// a member claims by moving the index on only if the word still holds
	// the generation it read, so one that read a word of a step and was
	// descheduled claims nothing of the next. done counts the ranges run
	// early this step; opened says that openEarly opened this step's
	// claims (only the caller reads and writes gen and opened).
	claim  atomic.Uint64
	done   atomic.Int32
	gen    uint32
	opened bool
	// ran counts the ranges run early, ever (tests, probes).
	ran int
	// saved is the step counters before openEarly advanced them, restored
	// if the step's loss is not finite.
	saved struct {
		t        int
		b1t, b2t float64
	}
}

// newEarly plans the early update of t: per update range, the steps
// after which it may run. It is off for a trainer whose update runs on
// the caller alone, one with joint weight gradients (their tasks run
// after the shards, joint.go), one that clips its gradient, or one whose
// shards' programs differ in the steps that touch the parameters.
func (t *Trainer) newEarly() {
	es := &t.early
	if !earlyUpdate || t.opt.Clip > 0 || !t.par || len(t.shards) < 2 || t.upd.jointTasks() > 0 {
		return
	}
	ready, ok := t.upd.readySteps(t.useg)
	if !ok {
		return
	}
	es.on, es.ready = true, ready
	es.order = make([]int, len(ready))
	for j := range es.order {
		es.order[j] = j
	}
	slices.SortStableFunc(es.order, func(a, b int) int { return ready[a] - ready[b] })
	for _, s := range t.shards {
		s.p.track(true)
	}
	es.claim.Store(uint64(len(es.order) + 1)) // closed until a step opens it
}

// openEarly opens the step's early update once the shards' progress is
// zeroed (startShared) and before they run, so that a member that sees
// the step's claim word sees this step's progress: the step counters
// advance and the clipping factor is 1, as the update would set them.
func (t *Trainer) openEarly() {
	es := &t.early
	if !es.on {
		return
	}
	es.saved.t, es.saved.b1t, es.saved.b2t = t.t, t.b1t, t.b2t
	t.advance()
	t.clipC = 1
	t.upd.setCombined(false)
	es.done.Store(0)
	es.gen++
	es.claim.Store(uint64(es.gen) << 32)
	es.opened = true
}

// closeEarly stops the claims of the step's early update, waits for the
// ranges claimed to be done, and returns how many were (order[:n]) and
// whether the step had opened them (else n is 0 and the step counters
// are as the last update left them).
func (t *Trainer) closeEarly() (n int, opened bool) {
	es := &t.early
	if !es.opened {
		return 0, false
	}
	es.opened = false
	w := es.claim.Swap(uint64(es.gen)<<32 | uint64(len(es.order)+1))
	claimed := int32(uint32(w))
	for es.done.Load() < claimed {
		goruntime.Gosched() // a member still runs one
	}
	es.ran += int(claimed)
	return int(claimed), true
}

// skipUpdate ends a step whose loss is not finite: nothing ran early
// (earlyTask checks the loss), and the step counters openEarly advanced
// go back.
func (t *Trainer) skipUpdate() {
	if _, opened := t.closeEarly(); opened {
		es := &t.early
		t.t, t.b1t, t.b2t = es.saved.t, es.saved.b1t, es.saved.b2t
	}
}

// earlyTask is member i's idle work in a run of the shards, before it
// helps with pieces of products: it runs the next range of the early
// update if every shard has gone past its ready step and the loss is
// finite, and reports whether it ran one.
func (t *Trainer) earlyTask(i int) bool {
	es := &t.early
	if !es.on {
		return false
	}
	for {
		w := es.claim.Load()
		c := int(uint32(w))
		if c >= len(es.order) {
			return false
		}
		j := es.order[c]
		for _, s := range t.shards {
			if s.p.progress() < es.ready[j] {
				return false
			}
		}
		if !finite(t.batchLoss()) {
			return false
		}
		if !es.claim.CompareAndSwap(w, w+1) {
			continue
		}
		t.upd.adam(i, j)
		es.done.Add(1)
		return true
	}
}

// batchLoss is the batch's loss: the shards' losses weighted by their
// rows, as runShards sums them.
func (t *Trainer) batchLoss() float64 {
	loss := 0.0
	for _, s := range t.shards {
		loss += s.weight * s.p.value(s.loss, 0)
	}
	return loss
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// advance moves Adam's step counters on by one step.
func (t *Trainer) advance() {
	o := t.opt
	t.t++
	t.b1t *= o.Beta1
	t.b2t *= o.Beta2
}

// readySteps returns, per update range, how many of its main steps
// every shard must have run before the range may be updated: past the
// last step that reads or writes the range's parameters, their kept
// masked copies or their gradients, and the step that computes the loss.
// ok is false if a shard's program differs from shard 0's there.
func (o *optState[T]) readySteps(ranges [][]segment) (ready []int, ok bool) {
	type region struct{ lo, hi uintptr }
	span := func(x []T) region {
		if len(x) == 0 {
			return region{}
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
		return region{lo, lo + uintptr(len(x))*unsafe.Sizeof(x[0])}
	}
	// Per parameter, the memory its update writes or reads.
	regions := make([][]region, len(o.t.params.Views))
	off := 0
	for i, v := range o.t.params.Views {
		regions[i] = append(regions[i], span(o.p[off:off+len(v)]))
		off += len(v)
		for _, c := range o.copies[i] {
			regions[i] = append(regions[i], span(c))
		}
		for _, g := range o.grads {
			regions[i] = append(regions[i], span(g[i]))
		}
		if sc := o.scales[i]; sc != nil {
			regions[i] = append(regions[i], span(sc))
		}
	}
	var last []int // per parameter, past its last step in shard 0
	loss := 0      // past the step that computes the loss
	for k, s := range o.t.shards {
		e := s.p.(*execPart[T]).exec
		at := make([]int, len(regions))
		lossAt := 0
		for n := range e.steps {
			st := &e.steps[n]
			if st.value == s.loss {
				lossAt = n + 1
			}
			for _, x := range [][]T{st.out, st.a, st.b, st.c} {
				r := span(x)
				if r.lo == r.hi {
					continue
				}
				for i, rs := range regions {
					for _, q := range rs {
						if q.lo < r.hi && r.lo < q.hi {
							at[i] = n + 1
						}
					}
				}
			}
		}
		if lossAt == 0 || k > 0 && lossAt != loss {
			return nil, false // the loss is not a main step's, or not the same one
		}
		loss = lossAt
		if k == 0 {
			last = at
		} else if !slices.Equal(at, last) {
			return nil, false
		}
	}
	ready = make([]int, len(ranges))
	for j, segs := range ranges {
		ready[j] = loss
		for _, sg := range segs {
			ready[j] = max(ready[j], last[sg.param])
		}
	}
	return ready, true
}
