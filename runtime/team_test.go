package runtime

import (
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeam runs a team many times, with and without pauses between runs
// (so helpers both catch a run while spinning and are woken from sleep),
// at GOMAXPROCS 1, 2 and 3, with teams of 1 to 3 members and runs of 1 to
// 7 tasks, and checks that every task runs exactly once per run, on a
// valid member, and that the caller sees its writes when run returns.
func TestTeam(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		for _, members := range []int{1, 2, 3} {
			for _, tasks := range []int{1, 2, 3, 7} {
				count := make([]int, tasks)
				var bad atomic.Int32
				var idles atomic.Int64 // passes over the running tasks: the idle path runs too
				tm := newTeam(members, func(i, j int) {
					if i < 0 || i >= members {
						bad.Add(1)
					}
					count[j]++
				}, func(int) bool { idles.Add(1); return false })
				for r := 1; r <= 200; r++ {
					if r%50 == 0 {
						time.Sleep(2 * time.Millisecond) // past the spin: helpers sleep
					}
					tm.run(tasks, runKind(r%2)) // judged by adapt, or not
					for j, c := range count {
						if c != r {
							t.Fatalf("GOMAXPROCS %d, %d members, %d tasks, run %d: task %d ran %d times", procs, members, tasks, r, j, c)
						}
					}
				}
				if bad.Load() != 0 {
					t.Fatalf("GOMAXPROCS %d, %d members: a task ran on a member out of range", procs, members)
				}
				tm.close()
				tm.close()              // idempotent
				tm.run(tasks, partsRun) // after close: every task, on the caller
				for j, c := range count {
					if c != 201 {
						t.Fatalf("GOMAXPROCS %d, %d members, run after close: task %d ran %d times", procs, members, j, c)
					}
				}
			}
		}
	}
}

// TestTeamStalledHelper stalls a helper as the OS deschedules one: it has
// seen a run start but not claimed a task. The runs must go on without it
// (the caller takes every task: nobody waits for a member with no task),
// and when it wakes, long after, it must not claim a task of a run it
// did not see start, nor run one twice.
func TestTeamStalledHelper(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	release := make(chan struct{})
	var stalled atomic.Bool
	testArrive = func(i int) {
		if !stalled.Swap(true) {
			<-release
		}
	}
	defer func() { testArrive = nil }()
	const tasks = 4
	c := newTally(tasks)
	tm := newTeam(2, c.work, nil)
	defer tm.close()
	for !stalled.Load() {
		tm.run(tasks, partsRun) // until the helper has arrived at a run and stalled
	}
	done := make(chan int)
	go func() {
		r := 0
		for ; r < 50; r++ {
			tm.run(tasks, partsRun)
		}
		done <- r
	}()
	var runs int
	select {
	case runs = <-done:
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("runs waited for a stalled helper that held no task")
	}
	close(release)
	for range 50 {
		tm.run(tasks, partsRun)
	}
	want := c.count[0].Load()
	for j := range c.count {
		if n := c.count[j].Load(); n != want {
			t.Fatalf("task %d ran %d times, task 0 %d times", j, n, want)
		}
	}
	if runs != 50 {
		t.Fatalf("%d runs", runs)
	}
}

// TestTeamStalledTask stalls a member on a task it has claimed; the run
// must wait for that task and still run every task exactly once, at
// GOMAXPROCS 2 and 3.
func TestTeamStalledTask(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	testStall = func(i, j int) {
		if i == 1 && j%2 == 1 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	defer func() { testStall = nil }()
	for _, procs := range []int{2, 3} {
		runtime.GOMAXPROCS(procs)
		const tasks = 5
		count := make([]int, tasks)
		tm := newTeam(3, func(_, j int) { count[j]++ }, nil)
		for r := 1; r <= 100; r++ {
			tm.run(tasks, partsRun)
			for j, c := range count {
				if c != r {
					t.Fatalf("GOMAXPROCS %d, run %d: task %d ran %d times", procs, r, j, c)
				}
			}
		}
		tm.close()
	}
}

// TestTeamSolo: a team whose helpers never show up (stalled before they
// claim) goes solo after badRuns runs, so its helpers stop spinning and
// are not woken, and probes again after the back-off.
func TestTeamSolo(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	release := make(chan struct{})
	testArrive = func(int) { <-release }
	defer func() { testArrive = nil }()
	tm := newTeam(2, func(int, int) {}, nil)
	for range badRuns + minBackoff + badRuns {
		tm.run(2, partsRun)
	}
	close(release)
	tm.close()
	st := tm.stats
	if st.soloRuns != minBackoff || st.helped != 0 {
		t.Errorf("stats %+v: want %d solo runs and none helped", st, minBackoff)
	}
	if tm.solo != 2*minBackoff {
		t.Errorf("after a second bad probe: solo for %d runs, want %d", tm.solo, 2*minBackoff)
	}
}

// TestTeamCloseWaits checks that close returns only after the helpers
// have: a trainer's buffers must be unreachable once it is closed, so
// that the collector can reuse them (the final evaluations of a train
// statement).
func TestTeamCloseWaits(t *testing.T) {
	for _, spin := range []bool{false, true} { // helpers asleep, or still spinning
		before := helpers()
		tm := newTeam(4, func(int, int) {}, nil)
		tm.run(4, partsRun)
		if !spin {
			time.Sleep(5 * time.Millisecond) // past the spin: blocked on their channels
		}
		tm.close()
		// Count the team's helper goroutines themselves: the total number
		// of goroutines also counts other tests' and the testing package's,
		// which come and go (this test was flaky that way).
		if n := helpersAfter(before); n != before {
			t.Errorf("spin=%v: %d team helpers running after close, %d before the team", spin, n, before)
		}
	}
}

// helpersAfter returns the number of goroutines running a team's helper
// once it is want, or after a second: a helper that has returned from
// (*team).helper, and so let close return, may still show in a stack dump
// for a moment (under -race, on a busy machine, this test was flaky that
// way).
func helpersAfter(want int) int {
	n := helpers()
	for end := time.Now().Add(time.Second); n != want && time.Now().Before(end); n = helpers() {
		time.Sleep(time.Millisecond)
	}
	return n
}

// helpers returns the number of goroutines running a team's helper.
func helpers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "(*team).helper(")
}

// TestTeamQuiet paces a team through units of short runs on cores said to
// be crowded: it must go quiet (every task on the caller, counted as
// quiet runs), its helper must block rather than spin, and every task
// must still run once a run; when the cores are free again it must go
// parallel again and stop running quiet.
func TestTeamQuiet(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const tasks = 2
	l := newLoadedTeam(tasks)
	defer l.tm.close()
	tm, c, unit := l.tm, l.c, l.unit
	for range 100 {
		unit()
	}
	if !tm.pace.quiet || tm.stats.quietRuns == 0 {
		t.Fatalf("after 100 units on crowded cores: quiet %v, %d quiet runs; want quiet", tm.pace.quiet, tm.stats.quietRuns)
	}
	before := c.onHelper.Load()
	for range 50 {
		unit()
	}
	if n := c.onHelper.Load() - before; n != 0 {
		t.Fatalf("quiet: the helper ran %d tasks", n)
	}
	for deadline := time.Now().Add(time.Second); !tm.asleep[1].Load(); {
		if time.Now().After(deadline) {
			t.Fatal("quiet: the helper has not blocked after a second")
		}
		time.Sleep(time.Millisecond)
	}
	l.busy.Store(false)
	for range 100 {
		unit()
	}
	if tm.pace.quiet {
		t.Fatal("after 100 units on free cores: still quiet")
	}
	quiet := tm.stats.quietRuns
	for range 50 {
		unit()
	}
	if tm.stats.quietRuns != quiet {
		t.Fatalf("parallel again: %d more quiet runs", tm.stats.quietRuns-quiet)
	}
	for j := range c.count {
		if n := c.count[j].Load(); int(n) != l.runs {
			t.Fatalf("task %d ran %d times in %d runs", j, n, l.runs)
		}
	}
	if tm.pace.stats.switches != 2 {
		t.Fatalf("%d switches, want 2", tm.pace.stats.switches)
	}
}

// loadedTeam is a team of 2 members whose tasks take 20 µs each, on
// cores said to be crowded (to its pacer) while busy is set; unit runs
// one unit of a run of its tasks, paced as at least 1 ms (windows of 20
// units), and counts it in runs.
type loadedTeam struct {
	tm    *team
	c     *tally
	busy  atomic.Bool
	tasks int
	runs  int
}

func newLoadedTeam(tasks int) *loadedTeam {
	l := &loadedTeam{c: newTally(tasks), tasks: tasks}
	l.busy.Store(true)
	l.tm = newTeam(2, func(i, j int) {
		l.c.work(i, j)
		for s := time.Now(); time.Since(s) < 20*time.Microsecond; {
		}
	}, nil)
	l.tm.pace.crowded = func(int) bool { return l.busy.Load() }
	l.tm.pace.delayed = func() (float64, bool) {
		if l.busy.Load() {
			return 0.5, true
		}
		return 0, true
	}
	return l
}

func (l *loadedTeam) unit() {
	s := time.Now()
	l.tm.run(l.tasks, partsRun)
	l.runs++
	l.tm.paced(max(time.Since(s), time.Millisecond))
}

// tally counts how many times each task of a team's runs ran, and how
// many tasks the helpers ran; work is a team's work that only counts.
type tally struct {
	count    []atomic.Int32
	onHelper atomic.Int32
}

func newTally(tasks int) *tally { return &tally{count: make([]atomic.Int32, tasks)} }

func (c *tally) work(i, j int) {
	c.count[j].Add(1)
	if i != 0 {
		c.onHelper.Add(1)
	}
}

// TestTeamEnds: the caller claims a run's tasks from the front and the
// helpers from the back, so that a task keeps its member from run to run
// (its data stays in that core's caches). Each task waits until the
// other member has claimed one, so both members run tasks in every run;
// the caller's tasks must then be a prefix of the run and the helper's
// the rest, in descending order. The old single counter handed task 1 to
// whoever came second.
func TestTeamEnds(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const tasks = 6
	var claimed [2]atomic.Int32
	var order [2][]int
	tm := newTeam(2, func(i, j int) {
		order[i] = append(order[i], j)
		claimed[i].Add(1)
		for start := time.Now(); claimed[1-i].Load() == 0 && time.Since(start) < 100*time.Millisecond; {
		}
	}, nil)
	defer tm.close()
	for r := range 20 {
		claimed[0].Store(0)
		claimed[1].Store(0)
		order = [2][]int{}
		tm.run(tasks, uneven)
		if len(order[1]) == 0 {
			continue // the helper was descheduled for the whole run
		}
		all := append(slices.Clone(order[0]), order[1]...)
		for k, j := range order[0] {
			if j != k {
				t.Fatalf("run %d: the caller ran %v, not a prefix of the tasks", r, order[0])
			}
		}
		for k, j := range order[1] {
			if j != tasks-1-k {
				t.Fatalf("run %d: the helper ran %v, not the tasks from the back", r, order[1])
			}
		}
		slices.Sort(all)
		for k, j := range all {
			if j != k {
				t.Fatalf("run %d: tasks run %v", r, all)
			}
		}
		return
	}
	t.Skip("the helper took no task in 20 runs (descheduled)")
}

// TestTeamAdaptLate judges single runs by adapt, with the times given: a
// helper that claimed a task and finished it late is a stall only when
// the run lost more than a lateShare-th of the team's typical task to
// it. On the benchmark machine a digits step's update often ends with
// two short Adam ranges, and the helper's, whose gradients the caller
// has just written, took 20–58 µs against the caller's 6–12 µs: with
// every such run taken for a stall the team ran solo for up to 30 % of
// its runs, each solo step about 1.2 ms slower (bench/README.md).
func TestTeamAdaptLate(t *testing.T) {
	us := func(n int) time.Duration { return time.Duration(n) * time.Microsecond }
	for _, c := range []struct {
		name          string
		task          time.Duration // the pacer's typical task
		n, ran        int
		own, total    time.Duration
		bad, wantBad  int
		wantSolo      bool
		wantBackoffLo bool // backoff halved (the run paid)
	}{
		{"paid", us(1400), 2, 1, us(1400), us(1500), 2, 0, false, true},
		{"late helper, short run", us(1400), 2, 1, us(6), us(60), 0, 0, false, false},
		{"late helper, short run, after bad runs", us(1400), 2, 1, us(6), us(138), 2, 2, false, false},
		{"late helper, short tasks", us(50), 2, 1, us(6), us(60), 0, 0, true, false},
		{"late helper, typical task unknown", 0, 2, 1, us(6), us(60), 0, 0, true, false},
		{"helper stalled a slice", us(1400), 2, 1, us(1400), us(6000), 0, 0, true, false},
		{"short run stalled a slice", us(1400), 2, 1, us(6), us(3000), 0, 0, true, false},
		{"late by more than a quarter task", us(1400), 2, 1, us(1400), us(3200), 0, 1, false, false},
		{"late by less than a quarter task", us(1400), 2, 1, us(1400), us(3000), 0, 0, false, false},
		{"helper absent", us(1400), 13, 13, us(160), us(160), 0, 1, false, false},
		{"helper absent, third run", us(1400), 13, 13, us(160), us(160), 2, 0, true, false},
	} {
		tm := &team{backoff: 4 * minBackoff, bad: c.bad}
		tm.pace.task = c.task
		tm.adapt(c.n, c.ran, c.own, c.total, false)
		if got := tm.solo > 0; got != c.wantSolo {
			t.Errorf("%s: solo for %d runs, want solo %v", c.name, tm.solo, c.wantSolo)
		}
		if !c.wantSolo && tm.bad != c.wantBad {
			t.Errorf("%s: %d bad runs, want %d", c.name, tm.bad, c.wantBad)
		}
		if got := tm.backoff < 4*minBackoff; got != c.wantBackoffLo {
			t.Errorf("%s: backoff %d (was %d)", c.name, tm.backoff, 4*minBackoff)
		}
	}
}
