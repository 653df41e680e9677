package runtime

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTeam runs a team many times, with and without pauses between runs
// (so helpers both catch a run while spinning and are woken from sleep),
// at GOMAXPROCS 1 and 2, and checks that every member runs exactly once
// per run and that the caller sees its writes when run returns.
func TestTeam(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{1, 2, 3} {
			count := make([]int, n)
			tm := newTeam(n, func(i int) { count[i]++ })
			for r := 1; r <= 300; r++ {
				if r%50 == 0 {
					time.Sleep(2 * time.Millisecond) // past the spin: helpers sleep
				}
				tm.run()
				for i, c := range count {
					if c != r {
						t.Fatalf("GOMAXPROCS %d, %d members, run %d: member %d ran %d times", procs, n, r, i, c)
					}
				}
			}
			tm.close()
			tm.close() // idempotent
			tm.run()   // after close: every member, on the caller
			for i, c := range count {
				if c != 301 {
					t.Fatalf("GOMAXPROCS %d, %d members, run after close: member %d ran %d times", procs, n, i, c)
				}
			}
		}
	}
}

// TestTeamCloseWaits checks that close returns only after the helpers
// have: a trainer's buffers must be unreachable once it is closed, so
// that the collector can reuse them (the final evaluations of a train
// statement).
func TestTeamCloseWaits(t *testing.T) {
	for _, spin := range []bool{false, true} { // helpers asleep, or still spinning
		before := helpers()
		tm := newTeam(4, func(int) {})
		tm.run()
		if !spin {
			time.Sleep(5 * time.Millisecond) // past the spin: blocked on their channels
		}
		tm.close()
		// Count the team's helper goroutines themselves: the total number
		// of goroutines also counts other tests' and the testing package's,
		// which come and go (this test was flaky that way).
		if n := helpers(); n != before {
			t.Errorf("spin=%v: %d team helpers running after close, %d before the team", spin, n, before)
		}
	}
}

// helpers returns the number of goroutines running a team's helper.
func helpers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "(*team).helper(")
}
