package runtime

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// team runs one piece of work per member concurrently: member 0 on the
// calling goroutine, the others on goroutines that live as long as the
// team. A run allocates nothing, so it can sit inside a training step.
//
// Between runs a helper spins for a while on the run counter before it
// blocks on a channel, and the caller spins before it blocks waiting for
// the helpers: waking a parked goroutine on another core goes through the
// OS, and when both sides blocked, that wake-up cost a run of two halves
// a large fraction of the work of a half, for the smaller programs a
// Mapper runs; spinning cuts it to a small one (figures in
// bench/README.md). With GOMAXPROCS 1 nobody spins (a spinner would hold
// the only processor).
type team struct {
	work   func(i int)
	epoch  atomic.Uint32 // number of runs started
	left   atomic.Int32  // helpers still working on the current run
	closed atomic.Bool
	spin   atomic.Bool // GOMAXPROCS > 1 when the run started
	// A member about to block says so first and checks again after, and
	// the other side sends a token only to a member that said so; tokens
	// may go stale, so every wake-up re-checks what it waited for.
	asleep  []atomic.Bool   // per helper
	start   []chan struct{} // per helper, buffered
	waiting atomic.Bool     // the caller
	done    chan struct{}   // buffered
	exited  sync.WaitGroup  // helpers that have not returned
}

// spinLimit bounds a spin, in atomic loads; what that comes to in time
// on the benchmark machine is in bench/README.md.
const spinLimit = 1 << 17

func newTeam(n int, work func(i int)) *team {
	t := &team{work: work, done: make(chan struct{}, 1)}
	t.asleep = make([]atomic.Bool, n)
	for i := 1; i < n; i++ {
		t.start = append(t.start, make(chan struct{}, 1))
		t.exited.Add(1)
		go t.helper(i)
	}
	return t
}

func (t *team) helper(i int) {
	defer t.exited.Done()
	seen := uint32(0)
	for {
		e := t.epoch.Load()
		for s := 0; e == seen && s < spinLimit && t.spin.Load(); s++ {
			e = t.epoch.Load()
		}
		for e == seen {
			t.asleep[i].Store(true)
			if e = t.epoch.Load(); e == seen {
				<-t.start[i-1]
				e = t.epoch.Load()
			}
			t.asleep[i].Store(false)
		}
		seen = e
		if t.closed.Load() {
			return
		}
		t.work(i)
		if t.left.Add(-1) == 0 && t.waiting.Load() {
			select {
			case t.done <- struct{}{}:
			default:
			}
		}
	}
}

// run calls work(i) for every member and waits for all of them. After
// close it calls them one after another on the calling goroutine.
func (t *team) run() {
	if len(t.start) == 0 || t.closed.Load() {
		t.spin.Store(false) // nobody runs beside a member: nobody to wait for
		for i := range len(t.start) + 1 {
			t.work(i)
		}
		return
	}
	t.spin.Store(runtime.GOMAXPROCS(0) > 1)
	t.left.Store(int32(len(t.start)))
	t.epoch.Add(1)
	t.wake()
	t.work(0)
	if t.spin.Load() {
		for s := 0; s < spinLimit && t.left.Load() != 0; s++ {
		}
	}
	if t.left.Load() != 0 {
		t.waiting.Store(true)
		for t.left.Load() != 0 {
			<-t.done
		}
		t.waiting.Store(false)
	}
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
	t.epoch.Add(1)
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
