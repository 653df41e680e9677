package runtime

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// team runs the tasks of a run on its members concurrently: member 0 on
// the calling goroutine, the others on goroutines that live as long as
// the team. A run is a number of tasks, claimed one by one by whichever
// member is free; it is over when every task has been claimed and is
// done, not when every member has looked in. Which member runs a task
// changes nothing its work computes (every caller keeps it so), and a
// helper the operating system has not scheduled costs the run nothing
// unless it holds a task: on a machine whose cores are shared with other
// processes, a helper is often descheduled for milliseconds, far longer
// than a run. A run allocates nothing, so it can sit inside a training
// step.
//
// Between runs a helper spins for a while on the run word before it
// blocks on a channel, and the caller spins before it blocks waiting for
// the tasks others hold: waking a parked goroutine on another core goes
// through the OS, and when both sides blocked, that wake-up cost a run of
// two halves a large fraction of the work of a half, for the smaller
// programs a Mapper runs; spinning cuts it to a small one (figures in
// bench/README.md). But a spinner holds a core that, under load, another
// process or the team's own caller would use, so spinning backs off when
// it does not pay (see adapt and helper), and the caller stops involving
// the helpers for a while when they keep arriving too late to take a task
// or keep it waiting for a good part of a task (solo). And while other
// processes keep the machine's cores busy and the team's tasks are
// short, the caller's pacer runs every task on the caller with the
// helpers blocked (quiet): it looks at the run queue, the caller's waits
// for a CPU and the tasks' lengths, window by window of the caller's
// work (pace.go). With GOMAXPROCS 1 every run is solo: a helper could
// run only when the caller stops.
type team struct {
	work func(member, task int)
	// idle, if not nil, is called by a member that found no task left to
	// claim while the run's tasks are not all done: it runs what it can of
	// the tasks still running (pieces of their products, share.go) and
	// reports whether it ran anything.
	idle func(member int) bool
	// word is the run counter (high 32 bits) and the run's unclaimed
	// tasks [front, back) (bits 0-15 and 16-31): the caller claims the
	// task at the front, moving front on, a helper the one at the back,
	// moving back down, each only while the word holds the run it read,
	// so a late helper never claims a task of a run it did not see start.
	// Claimed from both ends, a task goes to the same member step after
	// step unless the members' speeds change a lot (an update range's
	// moments and values stay in that member's caches; on the benchmark
	// machine a cache line another core wrote comes at about the speed of
	// memory: bench/README.md), where one counter handed the ranges out
	// in the order the members happened to arrive.
	word   atomic.Uint64
	tasks  atomic.Int32 // tasks in the current run
	done   atomic.Int32 // tasks of the current run finished
	closed atomic.Bool
	spin   atomic.Bool // the helpers may spin: GOMAXPROCS > 1, and not solo
	// A member about to block says so first and checks again after, and
	// the other side sends a token only to a member that said so; tokens
	// may go stale, so every wake-up re-checks what it waited for.
	asleep  []atomic.Bool   // per helper
	start   []chan struct{} // per helper, buffered
	waiting atomic.Bool     // the caller
	doneCh  chan struct{}   // buffered
	exited  sync.WaitGroup  // helpers that have not returned
	// The caller's record of how parallel runs went (adapt); only the
	// caller reads and writes these.
	bad     int // parallel runs in a row that did not pay
	solo    int // runs left to run solo
	backoff int // the next solo period, in runs
	// pace chooses, unit by unit of the caller's work, whether runs are
	// parallel or quiet (pace.go); only the caller uses it.
	pace pacer
	// standing is the pacer's standing as gov, the process's governor
	// (procs.go), last heard it; only the caller uses it (paced, park,
	// and close, which the caller must call).
	standing standing
	gov      *governor
	stats    teamStats
}

// teamStats counts how runs went, for tests and the benchmarks.
type teamStats struct {
	runs, soloRuns int // runs, and runs the caller ran alone (adapt)
	quietRuns      int // runs the caller ran alone because the team was quiet (pace)
	helped         int // parallel runs in which a helper finished a task
	stalled        int // parallel runs in which the caller blocked
}

// spinLimit bounds a spin, in atomic loads; what that comes to in time
// on the benchmark machine is in bench/README.md. idleLimit bounds the
// passes over the running tasks (team.idle, each a few atomic loads per
// part) that find nothing to run, about as long.
const (
	spinLimit = 1 << 17
	idleLimit = spinLimit / 8
)

// The caller's back-off (adapt): after parallel runs that did not pay it
// runs the next backoff runs alone; the period doubles, from minBackoff up
// to maxBackoff, while the runs between periods keep not paying, and
// halves, down to minBackoff, with each run that does.
const (
	badRuns    = 3
	minBackoff = 16
	maxBackoff = 1024
)

// lateShare sets the least time a run must lose to a late helper, beyond
// the caller's estimate of running it alone, to count as not paying: a
// lateShare-th of the team's typical task (the pacer's task: the
// shortest task of the longest kind, a Trainer's shard or a Mapper's
// part). A solo period costs about a task a run, so a run that lost
// much less than a task is no reason for one. What adapt guards against, a helper the OS has
// descheduled while it holds a task, costs a time slice, milliseconds.
// A helper is also late, by tens of µs, on a short task whose data
// another core has just written: a digits step's update often ends with
// two Adam ranges of a few µs, and the helper's took 20–58 µs against
// the caller's 6–12 µs. Taken each for a stall (more than twice the
// estimate), those runs kept a digits trainer (tasks of about 1.4 ms)
// solo for up to 30 % of its runs on an idle machine, each solo step about
// 1.2 ms slower than a parallel one (bench/README.md). On moons (tasks
// of about 50 µs) the margin is a dozen µs.
const lateShare = 4

// Test hooks: testArrive, if set, is called by a helper that has seen a
// run start, before it claims a task; testStall by a member with the task
// it has just claimed, before it runs it. Tests stall a member there, as
// the OS deschedules one.
var (
	testArrive func(member int)
	testStall  func(member, task int)
)

// newTeam starts a team of n members that runs work; idle may be nil.
func newTeam(n int, work func(member, task int), idle func(member int) bool) *team {
	t := &team{work: work, idle: idle, doneCh: make(chan struct{}, 1), backoff: minBackoff, gov: &procs}
	t.pace = newPacer(n, crowded, waited)
	t.asleep = make([]atomic.Bool, n)
	for i := 1; i < n; i++ {
		t.start = append(t.start, make(chan struct{}, 1))
	}
	// Started after t.start is complete: the helpers read it.
	for i := 1; i < n; i++ {
		t.exited.Add(1)
		go t.helper(i)
	}
	return t
}

// helper is member i's goroutine: it waits for each run and joins it.
// Its spin shrinks (halves, down to spinLimit>>6) each time it arrives at
// a run whose tasks were all taken, and grows back to spinLimit when it
// takes one: under load a helper arrives late, and its spinning only
// takes a core from the caller.
func (t *team) helper(i int) {
	defer t.exited.Done()
	seen := uint32(0)
	budget := spinLimit
	for {
		e := uint32(t.word.Load() >> 32)
		for s := 0; e == seen && s < budget && t.spin.Load(); s++ {
			e = uint32(t.word.Load() >> 32)
		}
		for e == seen {
			t.asleep[i].Store(true)
			if e = uint32(t.word.Load() >> 32); e == seen {
				<-t.start[i-1]
				e = uint32(t.word.Load() >> 32)
			}
			t.asleep[i].Store(false)
		}
		seen = e
		if t.closed.Load() {
			return
		}
		if testArrive != nil {
			testArrive(i)
		}
		if t.join(i, e) > 0 {
			budget = spinLimit
		} else {
			budget = max(budget/2, spinLimit>>6)
		}
	}
}

// join claims and runs tasks of run e as member i until none is left,
// then, if the team spins, helps the tasks still running until they are
// done, another run starts, or idleLimit passes in a row found nothing
// to run. It returns how many tasks it ran.
func (t *team) join(i int, e uint32) int {
	ran := 0
	for {
		w := t.word.Load()
		front, back := uint16(w), uint16(w>>16)
		if uint32(w>>32) != e || front >= back {
			break
		}
		if !t.word.CompareAndSwap(w, w-1<<16) {
			continue
		}
		t.runTask(i, int(back-1), t.tasks.Load())
		ran++
	}
	if t.idle != nil {
		for s := 0; s < idleLimit && uint32(t.word.Load()>>32) == e && t.spin.Load() && t.done.Load() < t.tasks.Load(); s++ {
			if t.idle(i) {
				s = 0
			}
		}
	}
	return ran
}

// runTask runs task j of a run of n tasks on member i and counts it done,
// waking the caller if it was the last one and the caller is blocked.
func (t *team) runTask(i, j int, n int32) {
	if testStall != nil {
		testStall(i, j)
	}
	t.work(i, j)
	if t.done.Add(1) == n && i != 0 && t.waiting.Load() {
		select {
		case t.doneCh <- struct{}{}:
		default:
		}
	}
}

// runKind says what a run's tasks are. The tasks of a run of any kind but
// uneven are of about the same size, so that adapt can judge from the
// caller's share how the run went and the pacer can tell how long the
// kind's tasks are; a run of uneven tasks (a prelude level's lists) is not
// judged.
type runKind uint8

const (
	uneven    runKind = iota
	partsRun          // a Trainer's shards, a Mapper's parts of a chunk
	normRun           // ranges of a Trainer's clipping norm
	updateRun         // ranges of a Trainer's update
	numKinds
)

// maxTasks is the most tasks a run shares among the members: the word
// holds its ends in 16 bits each. The runtime's runs have at most a few
// dozen (updMax, mapParts' parts); a larger one runs on the caller.
const maxTasks = 1<<16 - 1

// run runs tasks 0 to n-1 and returns when every one is done. It runs them
// all on the caller when n is 1, with GOMAXPROCS 1, after close, while
// the team is solo (adapt) or quiet (pace), and when n exceeds maxTasks.
func (t *team) run(n int, kind runKind) {
	even := kind != uneven
	t.stats.runs++
	if n <= 1 || n > maxTasks || len(t.start) == 0 || t.closed.Load() || t.solo > 0 || t.pace.quiet || runtime.GOMAXPROCS(0) == 1 {
		switch {
		case n <= 1:
		case t.pace.quiet:
			t.stats.quietRuns++
		case t.solo > 0:
			t.solo--
			t.stats.soloRuns++
		}
		t.spin.Store(false) // nobody runs beside the caller: nobody to wait for
		var t0 time.Time
		if even && n > 1 {
			t0 = time.Now()
		}
		for j := range n {
			if testStall != nil {
				testStall(0, j)
			}
			t.work(0, j)
		}
		if even && n > 1 {
			t.pace.run(kind, time.Since(t0)/time.Duration(n))
		}
		return
	}
	t.spin.Store(true)
	t.tasks.Store(int32(n))
	t.done.Store(0)
	e := uint32(t.word.Load()>>32) + 1
	t.word.Store(uint64(e)<<32 | uint64(n)<<16)
	t.wake()
	t0 := time.Now()
	ran := t.join0(e, int32(n))
	own := time.Since(t0)
	stalled := t.wait(int32(n))
	if even {
		total := time.Since(t0)
		if ran > 0 {
			t.pace.run(kind, own/time.Duration(ran))
		}
		t.adapt(n, ran, own, total, stalled)
	}
}

// join0 is the caller's share of run e of n tasks: it claims and runs
// tasks until none is left, and returns how many it ran.
func (t *team) join0(e uint32, n int32) int {
	ran := 0
	for {
		w := t.word.Load()
		front, back := uint16(w), uint16(w>>16)
		if uint32(w>>32) != e || front >= back {
			return ran
		}
		if !t.word.CompareAndSwap(w, w+1) {
			continue
		}
		t.runTask(0, int(front), n)
		ran++
	}
}

// wait returns when the n tasks of the current run are done: the caller
// helps the tasks still running (idle) and spins while that pays, then
// blocks. It reports whether it blocked.
func (t *team) wait(n int32) bool {
	limit := spinLimit
	if t.idle != nil {
		limit = idleLimit
	}
	for s := 0; s < limit && t.done.Load() != n; s++ {
		if t.idle != nil && t.idle(0) {
			s = 0
		}
	}
	if t.done.Load() == n {
		return false
	}
	t.waiting.Store(true)
	for t.done.Load() != n {
		<-t.doneCh
	}
	t.waiting.Store(false)
	return true
}

// adapt records how a parallel run of n tasks went: the caller ran ran of
// them in own, and the run took total. The run paid if a helper ran a task
// and the run took less than the caller alone would have, estimated as
// own·n/ran (the tasks of a run are of similar sizes). After badRuns runs
// in a row that did not pay, or one that took more than twice that
// estimate (a helper descheduled while it held a task), it makes the team
// solo for backoff runs. A run whose helper finished late, but cost less
// than a lateShare-th of a typical task more than the estimate, counts
// neither way.
func (t *team) adapt(n, ran int, own, total time.Duration, stalled bool) {
	if stalled {
		t.stats.stalled++
	}
	if ran < n {
		t.stats.helped++
	}
	alone := own * time.Duration(n) / time.Duration(max(ran, 1))
	switch {
	case ran == 0 || ran < n && total < alone:
		t.bad, t.backoff = 0, max(minBackoff, t.backoff/2)
		return
	case ran < n && total-alone < t.pace.task/lateShare:
		return // a helper late by much less than a task: no evidence either way
	case ran < n && total > 2*alone:
		t.bad = badRuns
	default:
		t.bad++
	}
	if t.bad < badRuns {
		return
	}
	// Until a run pays again, the helpers block between runs instead of
	// spinning (the next run wakes them).
	t.spin.Store(false)
	t.bad, t.solo = 0, t.backoff
	t.backoff = min(2*t.backoff, maxBackoff)
}

// paced records a unit of the caller's work (a training step, a chunk of
// rows mapped) that took d, for the pacer to choose the mode of the next
// one, and tells the governor (procs.go) when its standing changes; any
// team's unit, with helpers or not, ends the governor's hold. A team
// with no helpers, closed, or under a GOMAXPROCS of 1 that the governor
// did not lower has nothing to choose.
func (t *team) paced(d time.Duration) {
	defer t.gov.release() // a hold ends after the unit's standing, if it changed, has moved
	if len(t.start) == 0 || t.closed.Load() || t.gov.oneProc() {
		return
	}
	t.pace.unit(d)
	if s := standingOf(&t.pace); s != t.standing {
		t.gov.move(t.standing, s)
		t.standing = s
	}
}

// park withdraws the team's standing from the governor (procs.go) while
// it has no work, so that an idle team holds the process's count of
// threads neither up nor down; its next paced unit counts it again.
func (t *team) park() {
	t.gov.move(t.standing, undecided)
	t.standing = undecided
}

// wake sends a token to every helper that is blocked or about to block.
func (t *team) wake() {
	for i, ch := range t.start {
		if t.asleep[i+1].Load() {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// close stops the helper goroutines and waits until they have returned,
// so that nothing of the team's work (its programs' buffers) is still
// reachable from a goroutine afterwards.
func (t *team) close() {
	if len(t.start) == 0 || t.closed.Swap(true) {
		return
	}
	t.gov.move(t.standing, undecided)
	t.spin.Store(false)
	t.word.Store(uint64(uint32(t.word.Load()>>32)+1) << 32)
	for _, ch := range t.start {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	t.exited.Wait()
}

// Shards is how many parts a batch is split into for parallel execution.
// It depends only on the batch size, never on the number of cores, so
// results are bit-identical on every machine.
func Shards(batch int) int {
	if batch >= 64 {
		return 2
	}
	return 1
}

// shardSizes splits n rows into k near-equal parts.
func shardSizes(n, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}
