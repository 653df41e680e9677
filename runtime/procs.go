package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// The governor lowers GOMAXPROCS to 1 while the process's working teams
// are quiet (pace.go) and puts it back as soon as one of them decides to
// run parallel.
//
// Why a quiet team is not enough under load: with GOMAXPROCS 2 and its
// helpers blocked, the caller still pays for the idle P. Every 10 ms Go's
// sysmon preempts a goroutine that has run that long; with a P idle, the
// preempted goroutine goes to the global run queue and another thread is
// woken to run it (wakep). On cores that other processes keep busy, the
// woken thread displaces whatever runs on its core, finds nothing or takes
// the caller's goroutine, and sleeps again; the core then often goes to
// another process before the caller's thread gets it back (a scheduler
// trace of moons under two load processes: a wakeup, ~10 µs of the woken
// thread, then ~110 µs of a load process). At GOMAXPROCS 1 the preempted
// goroutine is simply run again by its own thread. Measured on moons
// under two load processes, 30 rounds of a quiet team at GOMAXPROCS 2,
// the same lowered to 1 while quiet, and -threads 1, alternating: the
// quiet team made a median 0.905 of -threads 1's steps a second, lowered
// to 1 it made 0.960; what is left is its first step, run before it went
// quiet, and the noise (bench/README.md).
//
// GOMAXPROCS is the whole process's, so the governor acts only where the
// program owns its process and says so (AdaptProcs; noxc run does): a
// library must not change its host's threads. It counts the working teams
// with helpers by their pacer's standing: quiet, decided to run parallel,
// or undecided (a new team, before its first window ends; it does not
// hold the process at its full count, or a validation scorer made before
// the first step would keep it there until its own first run). A team
// counts from its first unit of work until it closes or parks (a Pool's
// Mapper parks when it goes back to the pool, where it may wait for good:
// it holds the count neither up nor down there). A validation scorer
// stays counted between its runs: parking it after each would restore
// the count at the step-0 validation and lower it again at the first
// step. The governor lowers GOMAXPROCS
// when at least one team is quiet and none has decided to run parallel,
// and puts it back when one does or the last quiet team closes or parks.
// While lowered, every team runs solo (team.run's GOMAXPROCS 1 case) and
// keeps pacing (team.paced), so that it can tell when the cores are free
// again. Results do not change with it: no result depends on who runs a
// task.
//
// It also lowers the count from the start where every core is already
// busy when the program adapts (AdaptProcs, before it reads data,
// compiles and plans), until the first unit of work of any team (a
// training step, a chunk of rows): from then on the teams' standings rule
// (a team that went quiet at that unit keeps it lowered; one with no
// helpers, which never changes standing, lets it go back). The same
// holds when the last quiet team closes or parks while every core is
// still busy: the next phase's team (a run's test scores after its
// training, its samples) runs its first unit at one thread instead of
// the count going up for it and down again after it (a moons run under
// load changed the count 8 times, now twice: down at its start, up at
// its end), and the program says when its work is over (WorkDone),
// which gives the count back. What that
// avoids is the garbage collector at two Ps under such load: the
// collections of the start (data, compilation, planning) end with
// handshakes that wait for each P's thread, which waits for a core,
// milliseconds at a time, and the last of them is often still running
// when the first steps are (a scheduler trace of moons under two load
// processes: ~70 such waits between 0.15 and 0.19 s of a run whose
// training began at ~0.17 s). Lowering the count later does not help: a
// change of GOMAXPROCS waits for the collection in flight to end. Measured
// on moons under two load processes, each repetition running -threads 1,
// the default and the default lowered from the start in turn: the
// default made 0.964 and 0.979 of -threads 1's steps a second, lowered
// from the start 1.005 and 1.003 (48 and 64 repetitions; bench/README.md,
// twentieth session).
type governor struct {
	mu       sync.Mutex
	on       bool // AdaptProcs was called
	explicit bool // the process's count was set by its user: restore it by value
	// quiet and parallel count the working teams of each standing.
	quiet, parallel int
	saved           int         // the count before lowering
	lowered         atomic.Bool // GOMAXPROCS is 1 because of the governor
	changes         int         // how many times it lowered or restored (tests)
	// hold says that every core was busy when the program adapted, or
	// when the last quiet team went: the count stays lowered until a
	// team's next unit or WorkDone (release). It is written under mu;
	// release reads it first without.
	hold atomic.Bool
	// busy is crowded (crowd_linux.go); tests replace it.
	busy func(extra int) bool
	// set and setDefault are runtime.GOMAXPROCS and
	// runtime.SetDefaultGOMAXPROCS; tests replace them.
	set        func(int) int
	setDefault func()
}

var procs = governor{set: goruntime.GOMAXPROCS, setDefault: goruntime.SetDefaultGOMAXPROCS, busy: crowded}

// AdaptProcs lets nox lower GOMAXPROCS to 1 while the teams at work are
// quiet because the machine's cores are busy with other processes, and
// restore it when a team decides to run parallel again: under such load
// one Go thread trains faster than a quiet team with two (the governor's
// doc comment in procs.go says why). Call it only from a program that
// owns its process and runs one training or mapping at a time (noxc run),
// right after it sets GOMAXPROCS, if it does; explicit says whether the
// process's count was set by its user (the GOMAXPROCS environment
// variable, runtime.GOMAXPROCS): then it is restored to that count, else
// to Go's default (runtime.SetDefaultGOMAXPROCS), which keeps following
// the CPUs the process may use. A count set while the governor had
// lowered it is taken as the user's: the governor lowers it again if it
// should, and restores the new count (and a count in force when it calls
// AdaptProcs again is the user's, even one the governor had lowered). If
// the machine's cores are all busy when it calls AdaptProcs, GOMAXPROCS
// is lowered at once, until the first unit of work of any team (and so
// again when the last quiet team goes while they are still busy). The
// program must not otherwise set GOMAXPROCS while nox trains or maps.
func AdaptProcs(explicit bool) { procs.adapt(explicit) }

// WorkDone tells the governor that the program's work is over for now
// (noxc run at its end, the REPL after each statement): a count held
// lowered for a team's next first unit (every core busy when the program
// called AdaptProcs, or when its last quiet team went) goes back. A count
// that quiet teams hold is theirs until they close. Without it, a
// process that goes on (the REPL, a test calling noxc in-process) would
// keep one thread after its work, and a later AdaptProcs would take that
// one as the user's count.
func WorkDone() { procs.release() }

// adapt is AdaptProcs for g.
func (g *governor) adapt(explicit bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.on, g.explicit = true, explicit
	// Whatever count is in force now is the user's.
	g.lowered.Store(false)
	// With no team counted yet, the cores decide: lowered from the start
	// if every one is busy, this process's thread counted.
	g.hold.Store(g.quiet == 0 && g.parallel == 0 && g.busy != nil && g.busy(0))
	g.apply()
}

// standing is a team's standing with the governor.
type standing uint8

const (
	undecided    standing = iota // not counted: idle (parked, closed) or no window has ended yet
	quietTeam                    // its runs are quiet
	parallelTeam                 // it has decided to run parallel
)

// standingOf is a pacer's standing.
func standingOf(p *pacer) standing {
	switch {
	case p.quiet:
		return quietTeam
	case p.decided:
		return parallelTeam
	}
	return undecided
}

// move records that a team went from one standing to another and lowers
// or restores GOMAXPROCS accordingly.
func (g *governor) move(from, to standing) {
	if from == to {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hold.Store(false) // the teams' standings rule from now on
	switch from {
	case quietTeam:
		g.quiet--
	case parallelTeam:
		g.parallel--
	}
	switch to {
	case quietTeam:
		g.quiet++
	case parallelTeam:
		g.parallel++
	}
	if from == quietTeam && g.quiet == 0 && g.parallel == 0 && g.lowered.Load() && g.busy != nil && g.busy(0) {
		// The last quiet team has gone (closed, parked) and every core
		// is still busy: lowered until the next team's first unit, as
		// at the start, rather than restored for the next phase's team
		// (a run's test scores, its samples) to run its first unit
		// parallel on busy cores and have it lowered again.
		g.hold.Store(true)
	}
	g.apply()
}

// apply lowers or restores GOMAXPROCS to match the teams' standings.
func (g *governor) apply() {
	low := g.on && (g.quiet > 0 || g.hold.Load()) && g.parallel == 0
	if low == g.lowered.Load() {
		return
	}
	switch {
	case low:
		if g.set(0) <= 1 {
			return // one thread already: nothing to lower
		}
		g.saved = g.set(1)
	case g.explicit:
		g.set(g.saved)
	default:
		g.setDefault()
	}
	g.lowered.Store(low)
	g.changes++
}

// release ends a hold (adapt, move) at a team's unit of work, after the
// unit's standing, if it changed, has moved, and at WorkDone: the teams'
// standings rule from then on. A team with no helpers never changes
// standing, and a process whose teams all have none must not stay at one
// thread.
func (g *governor) release() {
	if !g.hold.Load() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold.Load() {
		g.hold.Store(false)
		g.apply()
	}
}

// oneProc reports whether the process runs Go on one thread by its own
// choice, not because g lowered it.
func (g *governor) oneProc() bool {
	return goruntime.GOMAXPROCS(0) == 1 && !g.lowered.Load()
}
