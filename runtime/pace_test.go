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
		// lag units late (windows of 20 units of 1 ms, two in a row).
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
		{"load ends: parallel again", load{2, from(500, 2, 0)}, 500 * time.Microsecond, 1000, [][2]int{{0, 500}}, 2},
		{"load starts: quiet from then", load{2, from(500, 0, 2)}, 500 * time.Microsecond, 1000, [][2]int{{500, 1000}}, 1},
		{"eight cores, two load processes", load{8, others(2)}, 500 * time.Microsecond, 1000, nil, 0},
	}
	const lag = 2 * 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u int
			p := newPacer(2, nil)
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
	p := newPacer(2, func(int) bool { return true })
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
	p := newPacer(2, func(int) bool { return true })
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

// TestPacerFirst checks that the first window is minUnits units and
// decides alone: a short run on a busy machine goes quiet at once.
func TestPacerFirst(t *testing.T) {
	p := newPacer(2, func(int) bool { return true })
	for range minUnits {
		p.run(partsRun, 100*time.Microsecond)
		p.unit(200 * time.Microsecond)
	}
	if !p.quiet {
		t.Fatalf("after %d units on busy cores: parallel, want quiet", minUnits)
	}
}
