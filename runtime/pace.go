package runtime

import "time"

// A pacer chooses, window by window of a team's work, between running the
// team's runs in parallel and running them quiet: every task on the
// caller, with the helpers blocked. It goes quiet while the machine's
// cores are all busy (more runnable threads than cores: other processes
// running) and the team's tasks are short, and back to parallel when
// either stops being so.
//
// Why a team needs this besides adapt: on a machine whose cores are all
// busy, the OS shares each core between the threads that want it, in
// slices of a few milliseconds. A helper that is runnable, even one that
// only spins between runs or waits to be scheduled, takes a share of CPU
// time that would otherwise go partly to the caller, and a task it has
// claimed waits whenever its slice ends. No single run shows the first
// cost: the caller's own share of a run just takes longer, and a run that
// a late helper still helped looks as if it paid (adapt). Measured on
// moons under two load processes on two cores, a team that adapt kept
// solo for 83–87 % of its runs still made 15–20 % fewer steps a second
// than one thread, and its solo steps themselves were slower than those
// of a team kept quiet throughout; digits lost 15 %. Only 784-d, whose
// tasks last ~18 ms, gained from its helper under that load (1.17×).
// Comparing the two modes' wall times instead does not work: over a
// window of 40 ms the caller's share of a core swings between a quarter
// and all of it with the OS's placement, more than the difference to be
// found (bench/README.md).
//
// So the pacer measures two things it can see steadily.
//
// First, whether
// the cores are busy with other work, looked at every lookEvery and
// counted busy in a window where at least 3 looks in 4 say so (a process
// that wants a core all the time is seen at every look; the short-lived
// threads of an idle machine, the Go runtime's, the kernel's, a shell's,
// now and then); a window of fewer than minLooks looks makes the team
// parallel, as one that cannot look at all. A parallel team is busy where
// both its caller's thread waited for a CPU for busyShare of the time it
// wanted one since its last look (waited) and the run queue holds more
// runnable threads than the machine has CPUs (crowded). Either alone misleads on an idle machine of two cores: the
// run queue, as the team's own two threads and the short-lived ones fill
// it past two at a fifth of the looks; the caller's waits, as the OS now
// and then runs the caller and its helper on one core (waits of 40–60 %
// of a look's 2 ms, measured in a benchmark). A quiet team asks the run
// queue (crowded): whether its helpers, were they runnable, would make
// more runnable threads than the machine has cores; a quiet caller alone
// on a machine with one other busy process waits for nothing, and the
// team must not go parallel and back at every window.
//
// Second, how long
// the team's tasks take: per kind of run, the shortest task of the
// window (a task the OS cut short is longer, and some of a window's runs
// are not cut), and of the kinds, the longest (a step's products, not its
// update). Tasks shorter than longTask, a few of the OS's slices, go
// quiet while the cores are busy.
//
// A mode changes only after switchWindows windows in a row asked for it,
// so that one short-lived process does not flip it; but the first window
// ends after minLooks looks, however short, and decides alone, so that
// a short run on a busy machine does not spend its first windows
// parallel. A team whose first unit's tasks are long is parallel from
// then on, provisionally: its first window still decides alone (a short
// task the OS cut looks long too).
//
// Which mode a run takes changes none of its results (every caller of a
// team keeps results independent of who runs a task), so pacing is free
// to follow the machine's load. An unloaded team pays two clock reads a
// unit and, every 2 ms, a look at its caller's schedstat (a few µs).
type pacer struct {
	quiet bool // the mode of the next unit
	// members is the team's size: a quiet team's helpers would add
	// members-1 runnable threads if it went parallel.
	members int
	n       int           // units in the current window
	sum     time.Duration // their wall time
	// shortest is, per kind of run, the shortest time a task took in the
	// window (0: no run of the kind); task is, at the last window's end,
	// the longest of those.
	shortest [numKinds]time.Duration
	task     time.Duration
	want     int  // windows in a row that asked for the other mode
	decided  bool // whether a window has ended yet, or the first unit's tasks were long
	// provisional says that decided was set by the first unit (its tasks
	// long), not by a window: the first window still decides alone.
	provisional bool
	// sinceLook is the time since the last look; tries counts the
	// window's looks tried, looks those that could read the cores, busy
	// those that found them busy.
	sinceLook          time.Duration
	tries, looks, busy int
	// crowded reports whether more threads than cores would be runnable
	// with extra more; delayed, the share of the time since its last call
	// that the calling thread waited for a CPU (ok false: unknown). With
	// either nil, the team is never quiet.
	crowded func(extra int) bool
	delayed func() (share float64, ok bool)
	stats   paceStats
}

// paceStats counts what a pacer did, for tests and the benchmarks.
type paceStats struct {
	units, quietUnits int
	switches          int
}

const (
	minUnits      = 2
	minWindow     = 20 * time.Millisecond
	switchWindows = 2
	longTask      = 8 * time.Millisecond
	lookEvery     = 2 * time.Millisecond
	busyShare     = 0.25
	minLooks      = 3
)

func newPacer(members int, crowded func(extra int) bool, delayed func() (float64, bool)) pacer {
	return pacer{members: members, crowded: crowded, delayed: delayed}
}

// run records a judged run, parallel or quiet, of the kind whose tasks
// took task each (for a parallel run, those the caller ran).
func (p *pacer) run(kind runKind, task time.Duration) {
	if s := &p.shortest[kind]; *s == 0 || task < *s {
		*s = max(task, 1)
	}
}

// look looks at the cores after a unit that took d, at most every
// lookEvery of units (a look is a few µs), and counts what it saw: for a
// parallel team, its caller's thread's waits and the run queue; for a
// quiet one, the run queue. A team whose tasks are long (longTask, at the
// last window's end) never goes quiet, so it does not look.
func (p *pacer) look(d time.Duration) {
	if p.sinceLook += d; p.sinceLook < lookEvery || p.crowded == nil || p.delayed == nil || p.task >= longTask {
		return
	}
	p.sinceLook = 0
	p.tries++
	var busy bool
	if p.quiet {
		busy = p.crowded(p.members - 1)
	} else {
		share, ok := p.delayed()
		if !ok {
			return
		}
		busy = share >= busyShare && p.crowded(0)
	}
	p.looks++
	if busy {
		p.busy++
	}
}

// looking reports whether the window looks at the cores: a unit looks
// at most once, so a window of units longer than lookEvery (a digits
// step under load takes 4–15 ms) stays open until it has tried minLooks
// looks. It used to end after two such units, with two looks: too few to
// tell, so it went parallel, and under two load processes a digits
// trainer switched between quiet and parallel every ~100 ms (GOMAXPROCS
// restored and lowered each time; bench/README.md, nineteenth session).
// A team whose tasks are long does not look (look), so nothing holds its
// windows open.
func (p *pacer) looking() bool {
	return p.crowded != nil && p.delayed != nil && p.task < longTask
}

// unit records a unit of work (a training step, a chunk of rows mapped)
// that took d, and at a window's end sets p.quiet for the units to come.
func (p *pacer) unit(d time.Duration) {
	p.stats.units++
	if p.quiet {
		p.stats.quietUnits++
	}
	if p.stats.units == 1 && p.crowded != nil && p.delayed != nil {
		// After the first unit, quiet at once if the cores are busy and
		// the tasks are short: a short run under load need not wait for
		// a window to end. (The run queue holds the helpers if they
		// spin, so nothing is added for them.) The first window,
		// looking as a quiet team does, then decides alone.
		task := time.Duration(0)
		for _, s := range p.shortest {
			task = max(task, s)
		}
		switch {
		case task > 0 && task < longTask && p.crowded(0):
			p.quiet = true
			p.stats.switches++
		case task >= longTask:
			// Long tasks never go quiet: parallel at once, so that a
			// team the governor started lowered (procs.go) does not run
			// its first window solo (minLooks units: a 784-d step under
			// load takes ~30 ms). Provisionally: a short task the OS cut
			// looks long too, and the first window, looking as before,
			// still decides alone.
			p.decided, p.provisional = true, true
		}
	}
	p.n++
	p.sum += d
	p.look(d)
	settled := p.decided && !p.provisional // a window has ended
	if p.n < minUnits || p.sum < minWindow && (settled || p.looks < minLooks) || p.tries < minLooks && p.looking() {
		return
	}
	looks, busy := p.looks, p.busy
	p.n, p.sum, p.tries, p.looks, p.busy = 0, 0, 0, 0, 0
	p.task = 0
	for k, s := range p.shortest {
		p.task = max(p.task, s)
		p.shortest[k] = 0
	}
	if p.task == 0 {
		return // no judged runs: nothing to go by
	}
	if p.task < longTask && looks < minLooks {
		// Too few looks to tell (the caller's threads unreadable, or
		// changing faster than they can be followed): parallel, as a
		// team that cannot look at all.
		p.decided, p.provisional = true, false
		if p.quiet {
			p.quiet, p.want = false, 0
			p.stats.switches++
		}
		return
	}
	// Busy: at least 3 looks in 4 found every core busy. A process that
	// wants a core all the time is seen at every look; one of the
	// short-lived threads of an otherwise idle machine (the Go runtime's
	// own, the kernel's, a shell's) only now and then.
	quiet := p.task < longTask && 4*busy >= 3*looks
	first := !settled
	p.decided, p.provisional = true, false
	if quiet == p.quiet {
		p.want = 0
		return
	}
	if p.want++; p.want >= switchWindows || first {
		p.quiet, p.want = quiet, 0
		p.stats.switches++
	}
}
