package runtime

import (
	"testing"
	"time"
)

// load is a simulated machine for TestPacer: at unit u, others(u) threads
// of other processes are runnable on its cores; a team's caller is one
// more, and a parallel team's helper another (it spins between runs).
type load struct {
	cores  int
	others func(u int) int
}

func (l load) crowded(u *int, quiet *bool) func(extra int) bool {
	return func(extra int) bool {
		ours := 2
		if *quiet {
			ours = 1
		}
		return l.others(*u)+ours+extra > l.cores
	}
}

// delayed is the share of the time a parallel team's caller waits for a
// CPU: none while the runnable threads fit the cores, else what a fair
// share of them leaves.
func (l load) delayed(u *int) func() (float64, bool) {
	return func() (float64, bool) {
		n := l.others(*u) + 2
		return max(0, 1-float64(l.cores)/float64(n)), true
	}
}

func others(n int) func(int) int { return func(int) int { return n } }

// from is a before unit at, b from then on.
func from(at, a, b int) func(int) int {
	return func(u int) int {
		if u < at {
			return a
		}
		return b
	}
}

// TestPacer runs a pacer through units of 1 ms, each one judged run of
// tasks of the stated length, on simulated loads, and checks which units
// run quiet.
func TestPacer(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		load  load
		task  time.Duration
		units int
		// quiet lists the ranges of units, [from, to), expected quiet;
		// every other unit must be parallel. Each range may start up to
		// lag units late (windows of 20 units of 1 ms, two in a row, after the
		// one the load changed in).
		quiet    [][2]int
		switches int
	}{
		{"idle cores", load{2, others(0)}, 500 * time.Microsecond, 1000, nil, 0},
		{"two load processes, short tasks (moons, digits)", load{2, others(2)}, 500 * time.Microsecond, 1000, [][2]int{{0, 1000}}, 1},
		{"two load processes, long tasks (784-d)", load{2, others(2)}, 18 * ms, 1000, nil, 0},
		{"one load process: quiet, and it stays quiet", load{2, others(1)}, 500 * time.Microsecond, 1000, [][2]int{{0, 1000}}, 1},
		{"one window crowded: no switch", load{2, func(u int) int {
			if u >= 300 && u < 320 {
				return 2
			}
			return 0
		}}, 500 * time.Microsecond, 1000, nil, 0},
		// One seen at the first unit makes the team quiet until the first
		// window's end.
		{"short-lived threads, seen in a third of the looks: parallel", load{2, func(u int) int {
			if u%6 < 2 {
				return 1
			}
			return 0
		}}, 500 * time.Microsecond, 1000, [][2]int{{0, 0}}, 2},
		{"load ends: parallel again", load{2, from(500, 2, 0)}, 500 * time.Microsecond, 1000, [][2]int{{0, 500}}, 2},
		{"load starts: quiet from then", load{2, from(500, 0, 2)}, 500 * time.Microsecond, 1000, [][2]int{{500, 1000}}, 1},
		{"eight cores, two load processes", load{8, others(2)}, 500 * time.Microsecond, 1000, nil, 0},
	}
	const lag = 3 * 20 // a window the load changed in, then two
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u int
			p := newPacer(2, nil, tt.load.delayed(&u))
			p.crowded = tt.load.crowded(&u, &p.quiet)
			for u = 0; u < tt.units; u++ {
				want := false
				lagging := false
				for _, r := range tt.quiet {
					if u >= r[0] && u < r[1] {
						want = true
					}
					if u >= r[0] && u < r[0]+lag || u >= r[1] && u < r[1]+lag {
						lagging = true
					}
				}
				if p.quiet != want && !lagging {
					t.Fatalf("unit %d: quiet %v, want %v", u, p.quiet, want)
				}
				p.run(partsRun, tt.task)
				p.unit(time.Millisecond)
			}
			if p.stats.switches != tt.switches {
				t.Errorf("%d switches, want %d", p.stats.switches, tt.switches)
			}
		})
	}
}

// TestPacerUnjudged checks that units without judged runs (no run of
// even tasks: a trainer whose batch makes one shard) leave the mode as
// it is, however crowded the cores.
func TestPacerUnjudged(t *testing.T) {
	p := newPacer(2, func(int) bool { return true }, busyCPU)
	for range 1000 {
		p.unit(time.Millisecond)
	}
	if p.quiet || p.stats.switches != 0 {
		t.Fatalf("quiet %v after %d switches, want parallel, no switch", p.quiet, p.stats.switches)
	}
}

// TestPacerKinds checks how a window's task length is found: a step of a
// run of 12 ms tasks and of ten runs of 10 µs tasks of another kind is a
// step of long tasks (12 ms), and a long task the OS cut short (here every tenth
// update run's, 20 ms) does not make a step of short tasks long.
func TestPacerKinds(t *testing.T) {
	p := newPacer(2, func(int) bool { return true }, busyCPU)
	for u := range 100 {
		p.run(partsRun, 12*time.Millisecond)
		for range 10 {
			p.run(updateRun, 10*time.Microsecond)
		}
		p.unit(13 * time.Millisecond)
		if u == 50 && (p.quiet || p.task != 12*time.Millisecond) {
			t.Fatalf("quiet %v with tasks of %v, want parallel with tasks of 12ms", p.quiet, p.task)
		}
	}
	for u := range 100 {
		p.run(partsRun, 200*time.Microsecond)
		if u%10 == 0 {
			p.run(partsRun, 20*time.Millisecond)
		}
		p.run(updateRun, 10*time.Microsecond)
		p.unit(time.Millisecond)
	}
	if !p.quiet || p.task != 200*time.Microsecond {
		t.Fatalf("quiet %v with tasks of %v, want quiet with tasks of 200µs", p.quiet, p.task)
	}
}

// TestPacerFirst checks that a team on a busy machine goes quiet after
// its first unit, and that the first window ends after minLooks looks
// and decides alone: a team on an idle machine that went quiet then goes
// parallel after a few units (here of 2 ms, a look each).
func TestPacerFirst(t *testing.T) {
	p := newPacer(2, func(int) bool { return true }, busyCPU)
	p.run(partsRun, time.Millisecond)
	p.unit(2 * time.Millisecond)
	if !p.quiet {
		t.Fatal("after a unit on busy cores: parallel, want quiet")
	}
	busy := true
	p = newPacer(2, func(int) bool { return busy }, busyCPU)
	p.run(partsRun, time.Millisecond)
	p.unit(2 * time.Millisecond)
	busy = false // a short-lived thread at the first look
	for range minLooks {
		p.run(partsRun, time.Millisecond)
		p.unit(2 * time.Millisecond)
	}
	if p.quiet {
		t.Fatalf("after %d units on idle cores: quiet, want parallel", 1+minLooks)
	}
}

// busyCPU is a delayed for a caller that waits for a CPU half the time.
func busyCPU() (float64, bool) { return 0.5, true }

// TestPacerNeedsBoth checks that a parallel team goes quiet only when
// both signs of busy cores agree: its caller waiting for a CPU (as when
// the OS runs the caller and its helper on one core) or a long run queue
// (as when the team's own threads and a short-lived one fill it) alone
// leave it parallel.
func TestPacerNeedsBoth(t *testing.T) {
	for _, c := range []struct {
		name    string
		crowded bool
		share   float64
	}{
		{"waits, short queue", false, 0.5},
		{"long queue, no waits", true, 0.01},
	} {
		// A quiet team's question (extra > 0) finds the cores free.
		p := newPacer(2, func(extra int) bool { return c.crowded && extra == 0 }, func() (float64, bool) { return c.share, true })
		for u := range 1000 {
			p.run(partsRun, 500*time.Microsecond)
			p.unit(time.Millisecond)
			if u >= 40 && p.quiet { // after the first window
				t.Fatalf("%s: quiet at unit %d, want parallel", c.name, u)
			}
		}
	}
}

// TestPacerNeverStuck checks the ways a quiet team could stay quiet for
// want of looks: units far shorter than lookEvery after a first unit that
// saw a crowded run queue on an idle machine, and a caller whose waits
// can never be read (threads changing faster than they are followed).
func TestPacerNeverStuck(t *testing.T) {
	first := true
	p := newPacer(2, func(int) bool { c := first; first = false; return c }, func() (float64, bool) { return 0, true })
	for range 100_000 {
		p.run(partsRun, 5*time.Microsecond)
		p.unit(15 * time.Microsecond)
	}
	if p.quiet || p.stats.switches != 2 {
		t.Errorf("units of 15 µs: quiet %v after %d switches, want parallel after 2", p.quiet, p.stats.switches)
	}
	p = newPacer(2, func(extra int) bool { return extra == 0 }, func() (float64, bool) { return 0, false })
	for range 1000 {
		p.run(partsRun, 500*time.Microsecond)
		p.unit(time.Millisecond)
	}
	if p.quiet || p.stats.quietUnits > 40 {
		t.Errorf("waits unknown: quiet %v, %d units quiet; want parallel after the first window", p.quiet, p.stats.quietUnits)
	}
}

// TestPacerLongUnits: a team whose units are longer than lookEvery (a
// digits step under load, 4–15 ms) looks once a unit. Under steady load
// it stays quiet from its first unit on: its windows wait for minLooks
// looks. (They ended after two such units, with two looks, too few to
// tell: the team went parallel, and back to quiet a window or two
// later, over and over.) When the load goes, it goes parallel.
func TestPacerLongUnits(t *testing.T) {
	for _, unit := range []time.Duration{3 * time.Millisecond, 10 * time.Millisecond, 15 * time.Millisecond} {
		load := true
		p := newPacer(2, func(extra int) bool { return load }, func() (float64, bool) { return 0.5, true })
		for range 200 {
			p.run(partsRun, unit/2)
			p.unit(unit)
		}
		if !p.quiet || p.stats.switches != 1 || p.stats.quietUnits != 199 {
			t.Errorf("units of %v under load: quiet %v, %d switches, %d of 200 units quiet; want quiet from the second unit, one switch", unit, p.quiet, p.stats.switches, p.stats.quietUnits)
		}
		load = false
		for range 20 {
			p.run(partsRun, unit/2)
			p.unit(unit)
		}
		if p.quiet {
			t.Errorf("units of %v: still quiet 20 units after the load ended", unit)
		}
	}
}

// TestPacerLongFirst: a team whose tasks are long is parallel after its
// first unit, busy cores or not, without waiting for a window of looks:
// a team the governor started lowered (procs.go) must not run its first
// few long units solo. That is provisional: a first unit whose short
// tasks the OS cut still lets the first window decide alone. Short tasks
// still wait for their window.
func TestPacerLongFirst(t *testing.T) {
	for _, busy := range []bool{false, true} {
		p := newPacer(2, func(int) bool { return busy }, busyCPU)
		p.run(partsRun, 2*longTask)
		p.unit(3 * longTask)
		if got := standingOf(&p); got != parallelTeam {
			t.Errorf("busy %v: standing %d after a unit of long tasks, want parallel", busy, got)
		}
		p = newPacer(2, func(int) bool { return busy }, busyCPU)
		p.run(partsRun, time.Millisecond)
		p.unit(2 * time.Millisecond)
		want := undecided
		if busy {
			want = quietTeam
		}
		if got := standingOf(&p); got != want {
			t.Errorf("busy %v: standing %d after a unit of short tasks, want %d", busy, got, want)
		}
	}
	// A first unit whose short tasks the OS cut (they look long) makes
	// the team parallel, provisionally: on busy cores its first window,
	// looking as before, still decides alone, and the team is quiet
	// within a few units, not after two more windows.
	p := newPacer(2, func(int) bool { return true }, busyCPU)
	p.run(partsRun, 12*time.Millisecond)
	p.unit(25 * time.Millisecond)
	for u := 2; u <= 6 && !p.quiet; u++ {
		p.run(partsRun, time.Millisecond)
		p.unit(2 * time.Millisecond)
	}
	if !p.quiet {
		t.Errorf("a cut first unit, then units of short tasks on busy cores: parallel after 6 units, want quiet")
	}
	// Long tasks on busy cores stay parallel after the first window.
	p = newPacer(2, func(int) bool { return true }, busyCPU)
	for range 20 {
		p.run(partsRun, 2*longTask)
		p.unit(3 * longTask)
		if standingOf(&p) != parallelTeam {
			t.Fatalf("long tasks on busy cores: standing %d at unit %d, want parallel", standingOf(&p), p.stats.units)
		}
	}
}
