package runtime

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeProcs is a GOMAXPROCS that only records what the governor did.
type fakeProcs struct {
	n   int
	log []string
}

// changes counts the changes of the count it logged.
func (f *fakeProcs) changes() int { return len(f.log) }

func (f *fakeProcs) governor(on, explicit bool) *governor {
	return &governor{on: on, explicit: explicit,
		set: func(n int) int {
			old := f.n
			if n > 0 { // 0 only asks
				f.n = n
				f.log = append(f.log, fmt.Sprint("set ", n))
			}
			return old
		},
		setDefault: func() { f.n = 2; f.log = append(f.log, "default") },
	}
}

// mv is a team's move from one standing to another.
type mv struct{ from, to standing }

// logMoves makes the moves on g and returns f's log after each, joined
// by " | ".
func logMoves(f *fakeProcs, g *governor, moves []mv) string {
	var got []string
	for _, m := range moves {
		f.log = nil
		g.move(m.from, m.to)
		got = append(got, strings.Join(f.log, ", "))
	}
	return strings.Join(got, " | ")
}

// TestGovernor moves teams between standings and checks when GOMAXPROCS
// is lowered and how it is restored: lowered while a team is quiet and
// none has decided to run parallel (an undecided one does not hold it),
// restored by value where the user set the count and to Go's default
// otherwise, and never touched unless the program owns its process.
func TestGovernor(t *testing.T) {
	tests := []struct {
		name     string
		on       bool
		explicit bool
		start    int
		moves    []mv
		want     string // the log after each move, joined by " | "
	}{
		{"off", false, false, 2,
			[]mv{{undecided, quietTeam}, {quietTeam, undecided}},
			" | "},
		{"one team, default count", true, false, 2,
			[]mv{{undecided, quietTeam}, {quietTeam, parallelTeam}, {parallelTeam, quietTeam}, {quietTeam, undecided}},
			"set 1 | default | set 1 | default"},
		{"explicit count restored by value", true, true, 3,
			[]mv{{undecided, quietTeam}, {quietTeam, undecided}},
			"set 1 | set 3"},
		{"an undecided team does not hold it", true, true, 2,
			[]mv{{undecided, undecided}, {undecided, quietTeam}, {undecided, parallelTeam}, {parallelTeam, undecided}, {quietTeam, undecided}},
			" | set 1 | set 2 | set 1 | set 2"},
		{"a parallel team holds it", true, true, 2,
			[]mv{{undecided, parallelTeam}, {undecided, quietTeam}, {parallelTeam, quietTeam}, {quietTeam, undecided}, {quietTeam, undecided}},
			" |  | set 1 |  | set 2"},
		{"already one thread", true, true, 1,
			[]mv{{undecided, quietTeam}, {quietTeam, undecided}},
			" | "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeProcs{n: tt.start}
			g := f.governor(tt.on, tt.explicit)
			if s := logMoves(f, g, tt.moves); s != tt.want {
				t.Errorf("log %q, want %q", s, tt.want)
			}
			if g.quiet == 0 && g.lowered.Load() {
				t.Errorf("lowered with no quiet team left")
			}
			if f.n != tt.start {
				t.Errorf("GOMAXPROCS %d after every team closed, want %d", f.n, tt.start)
			}
		})
	}
}

// TestGovernorLate: a program that says it owns its process while a team
// is already quiet gets GOMAXPROCS lowered at once.
func TestGovernorLate(t *testing.T) {
	f := &fakeProcs{n: 2}
	g := f.governor(false, false)
	g.move(undecided, quietTeam)
	if f.n != 2 {
		t.Fatalf("off: GOMAXPROCS %d", f.n)
	}
	g.adapt(false)
	if f.n != 1 || !g.lowered.Load() {
		t.Fatalf("on with a quiet team: GOMAXPROCS %d, lowered %v", f.n, g.lowered.Load())
	}
}

// TestGovernorAdapt: a count the user sets while the governor has it
// lowered (noxc's setThreads on a second run in one process) is the one
// restored, and it is lowered again at once if a team is still quiet;
// AdaptProcs with no team counted changes nothing.
func TestGovernorAdapt(t *testing.T) {
	f := &fakeProcs{n: 4}
	g := f.governor(false, false)
	g.adapt(false)
	if len(f.log) != 0 {
		t.Fatalf("on with no team: %v", f.log)
	}
	g.move(undecided, quietTeam)
	f.n = 2 // the user's new count
	g.adapt(true)
	g.move(quietTeam, parallelTeam)
	g.move(parallelTeam, undecided)
	if got, want := strings.Join(f.log, ", "), "set 1, set 1, set 2"; got != want {
		t.Errorf("log %q, want %q", got, want)
	}
	if f.n != 2 || g.lowered.Load() {
		t.Errorf("GOMAXPROCS %d, lowered %v; want the user's 2", f.n, g.lowered.Load())
	}
}

// TestStandingOf: a pacer's standing is quiet while its team is quiet,
// parallel once a window has decided it is not, and undecided before.
func TestStandingOf(t *testing.T) {
	for _, c := range []struct {
		quiet, decided bool
		want           standing
	}{
		{false, false, undecided},
		{true, false, quietTeam}, // the first unit's rule: quiet before a window ends
		{false, true, parallelTeam},
		{true, true, quietTeam},
	} {
		p := pacer{quiet: c.quiet, decided: c.decided}
		if got := standingOf(&p); got != c.want {
			t.Errorf("quiet %v, decided %v: %d, want %d", c.quiet, c.decided, got, c.want)
		}
	}
}

// TestTeamParks: a team counts with its governor from its first paced
// unit; parked, it counts no more (an idle team holds the count neither
// up nor down), and its next unit counts it again; closed, twice, it is
// counted once and then not at all.
func TestTeamParks(t *testing.T) {
	f := &fakeProcs{n: 2}
	gov := f.governor(true, true)
	tm := newTeam(2, func(int, int) {}, nil)
	tm.gov = gov
	tm.pace.crowded = func(int) bool { return true }
	tm.pace.delayed = busyCPU
	unit := func() {
		tm.run(2, partsRun)
		tm.paced(time.Millisecond)
	}
	unit()
	if gov.quiet != 1 || f.n != 1 {
		t.Fatalf("crowded: %d quiet teams, GOMAXPROCS %d; want 1, 1", gov.quiet, f.n)
	}
	tm.park()
	if gov.quiet != 0 || f.n != 2 {
		t.Fatalf("parked: %d quiet teams, GOMAXPROCS %d; want 0, 2", gov.quiet, f.n)
	}
	unit()
	if gov.quiet != 1 || f.n != 1 {
		t.Fatalf("working again: %d quiet teams, GOMAXPROCS %d; want 1, 1", gov.quiet, f.n)
	}
	tm.close()
	tm.close()
	if gov.quiet != 0 || gov.parallel != 0 || f.n != 2 {
		t.Fatalf("closed twice: %d quiet and %d parallel teams, GOMAXPROCS %d; want none, 2", gov.quiet, gov.parallel, f.n)
	}
}

// TestPoolParks: a Pool's Mapper goes back to the pool after each call,
// where nothing may close it, so it leaves the governor's count there.
func TestPoolParks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	m := madeModel(t, 2, 32, 4)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	pl := NewPool(m.LogProb, ps, "logp")
	mp := NewMapper(m.LogProb, ps, "logp", 256, nil)
	if len(mp.team.start) == 0 {
		t.Fatal("the Mapper's team has no helper")
	}
	f := &fakeProcs{n: 2}
	gov := f.governor(true, true)
	mp.team.gov = gov
	mp.team.pace.crowded = func(int) bool { return true }
	mp.team.pace.delayed = busyCPU
	pl.free[slices.Index(Batches[:], 256)] <- mp // the Mapper the pool's next call of 256 rows takes
	rows := randomRows(256, 4, 1)
	out := make([]float64, 256)
	pl.Map(out, rows, 256)
	if quiet := mp.team.pace.quiet; !quiet || f.changes() != 2 {
		t.Fatalf("one Map on crowded cores: quiet %v, log %v; want quiet, lowered and restored", quiet, f.log)
	}
	if gov.quiet != 0 || f.n != 2 {
		t.Fatalf("back in the pool: %d quiet teams, GOMAXPROCS %d; want 0, 2", gov.quiet, f.n)
	}
	if got := <-pl.free[slices.Index(Batches[:], 256)]; got != mp {
		t.Fatal("the pool did not keep the Mapper")
	}
	mp.Close()
}

// TestTeamLowersProcs paces a real team through units of short runs on
// cores said to be crowded, with a governor that sets the real
// GOMAXPROCS: quiet, the process must run on one thread and the team keep
// pacing, so that when the cores are free it goes parallel and the count
// comes back; quiet again, lowered again; and closing the team restores
// it. Every task still runs once a run.
func TestTeamLowersProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	l := newLoadedTeam(2)
	tm, c, unit := l.tm, l.c, l.unit
	gov := &governor{on: true, explicit: true, set: runtime.GOMAXPROCS, setDefault: runtime.SetDefaultGOMAXPROCS}
	tm.gov = gov
	closed := false
	defer func() {
		if !closed {
			tm.close()
		}
	}()
	for range 60 {
		unit()
	}
	if !tm.pace.quiet || runtime.GOMAXPROCS(0) != 1 || !gov.lowered.Load() {
		t.Fatalf("crowded: quiet %v, GOMAXPROCS %d; want quiet at 1", tm.pace.quiet, runtime.GOMAXPROCS(0))
	}
	l.busy.Store(false)
	for range 100 {
		unit()
	}
	if tm.pace.quiet || runtime.GOMAXPROCS(0) != 2 || gov.lowered.Load() {
		t.Fatalf("free again: quiet %v, GOMAXPROCS %d; want parallel at 2", tm.pace.quiet, runtime.GOMAXPROCS(0))
	}
	quiet := tm.stats.quietRuns
	for range 20 {
		unit()
	}
	if tm.stats.quietRuns != quiet {
		t.Errorf("parallel at 2: %d more quiet runs", tm.stats.quietRuns-quiet)
	}
	l.busy.Store(true)
	for range 100 {
		unit()
	}
	if runtime.GOMAXPROCS(0) != 1 {
		t.Fatalf("crowded again: GOMAXPROCS %d, want 1", runtime.GOMAXPROCS(0))
	}
	tm.close()
	closed = true
	if runtime.GOMAXPROCS(0) != 2 || gov.quiet != 0 || gov.parallel != 0 {
		t.Fatalf("closed: GOMAXPROCS %d, %d quiet and %d parallel teams; want 2, none", runtime.GOMAXPROCS(0), gov.quiet, gov.parallel)
	}
	if gov.changes != 4 {
		t.Errorf("%d changes of GOMAXPROCS, want 4 (lower, restore, lower, restore)", gov.changes)
	}
	for j := range c.count {
		if n := c.count[j].Load(); int(n) != l.runs {
			t.Fatalf("task %d ran %d times in %d runs", j, n, l.runs)
		}
	}
}

// TestGovernorStart: a program that adapts while every core is busy gets
// GOMAXPROCS lowered at once, before any team has run (the collections
// of its start then run at one P); the first change of a team's standing
// ends that, and the teams' standings rule from then on. Where a core is
// free, or a team is counted already, adapting lowers nothing by itself.
func TestGovernorStart(t *testing.T) {
	tests := []struct {
		name  string
		busy  bool
		moves []mv
		want  string // the log at adapt, then after each move, joined by " | "
	}{
		{"busy, the team goes quiet", true,
			[]mv{{undecided, undecided}, {undecided, quietTeam}, {quietTeam, undecided}},
			"set 1 |  |  | set 2"},
		{"busy, the team goes parallel", true,
			[]mv{{undecided, parallelTeam}, {parallelTeam, undecided}},
			"set 1 | set 2 | "},
		{"busy, the team goes quiet and closes; another stays undecided", true,
			[]mv{{undecided, quietTeam}, {quietTeam, undecided}, {undecided, undecided}},
			"set 1 |  | set 2 | "},
		{"free", false,
			[]mv{{undecided, quietTeam}, {quietTeam, undecided}},
			" | set 1 | set 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeProcs{n: 2}
			g := f.governor(false, true)
			adapted := false // busy at adapt only: the cores are free by the last close
			g.busy = func(extra int) bool { return tt.busy && extra == 0 && !adapted }
			g.adapt(true)
			adapted = true
			at := strings.Join(f.log, ", ")
			if s := at + " | " + logMoves(f, g, tt.moves); s != tt.want {
				t.Errorf("log %q, want %q", s, tt.want)
			}
			if f.n != 2 || g.lowered.Load() {
				t.Errorf("GOMAXPROCS %d, lowered %v after every team closed; want 2", f.n, g.lowered.Load())
			}
		})
	}
	// A team counted when the program adapts: its standing rules.
	f := &fakeProcs{n: 2}
	g := f.governor(false, true)
	g.busy = func(int) bool { return true }
	g.move(undecided, parallelTeam)
	g.adapt(true)
	if len(f.log) != 0 || g.hold.Load() {
		t.Errorf("a parallel team counted: log %v, hold %v; want nothing", f.log, g.hold.Load())
	}
	// The last quiet team closes on busy cores: the count stays lowered
	// until the next team's first unit, which goes quiet (no change) or
	// not (restored); on free cores it is restored at the close.
	for _, c := range []struct {
		busy, nextQuiet bool
		want            string
	}{
		{true, true, "set 1 |  |  | set 2"},
		{true, false, "set 1 |  | set 2 | "},
		{false, true, "set 1 | set 2 | set 1 | set 2"},
	} {
		f = &fakeProcs{n: 2}
		g = f.governor(false, true)
		busy := true
		g.busy = func(int) bool { return busy }
		g.adapt(true)
		g.move(undecided, quietTeam) // training: quiet
		busy = c.busy
		log := []string{strings.Join(f.log, ", ")}
		f.log = nil
		g.move(quietTeam, undecided) // training closes
		log = append(log, strings.Join(f.log, ", "))
		f.log = nil
		if c.nextQuiet {
			g.move(undecided, quietTeam) // the next team's first unit
		}
		g.release()
		log = append(log, strings.Join(f.log, ", "))
		f.log = nil
		busy = false // the load has gone by the last close
		if c.nextQuiet {
			g.move(quietTeam, undecided) // that team closes
		}
		log = append(log, strings.Join(f.log, ", "))
		if got := strings.Join(log, " | "); got != c.want {
			t.Errorf("busy %v at the close, next team quiet %v: log %q, want %q", c.busy, c.nextQuiet, got, c.want)
		}
		if f.n != 2 || g.lowered.Load() || g.quiet != 0 {
			t.Errorf("busy %v at the close, next team quiet %v: GOMAXPROCS %d, lowered %v, %d quiet teams at the end; want 2, none", c.busy, c.nextQuiet, f.n, g.lowered.Load(), g.quiet)
		}
	}
	// No team changes standing (none has helpers): the first unit of
	// work ends the hold, and the count goes back; later units change
	// nothing.
	f = &fakeProcs{n: 2}
	g = f.governor(false, false)
	g.busy = func(int) bool { return true }
	g.adapt(false)
	g.release()
	g.release()
	if got, want := strings.Join(f.log, ", "), "set 1, default"; got != want || g.lowered.Load() {
		t.Errorf("units of teams without helpers: log %q, lowered %v; want %q, not lowered", got, g.lowered.Load(), want)
	}
}

// TestTeamStartsLowered: a team on a process the governor started at one
// thread (busy cores at AdaptProcs) runs its first unit solo, then paces
// as a team the governor lowered: quiet while the cores stay busy, and
// parallel at GOMAXPROCS 2 once they are free. A team without helpers
// ends the hold at its first unit.
func TestTeamStartsLowered(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	l := newLoadedTeam(2)
	tm := l.tm
	defer tm.close()
	gov := &governor{explicit: true, set: runtime.GOMAXPROCS, setDefault: runtime.SetDefaultGOMAXPROCS, busy: func(int) bool { return true }}
	tm.gov = gov
	gov.adapt(true)
	if runtime.GOMAXPROCS(0) != 1 || !gov.lowered.Load() {
		t.Fatalf("adapted on busy cores: GOMAXPROCS %d, lowered %v; want 1", runtime.GOMAXPROCS(0), gov.lowered.Load())
	}
	l.unit()
	if !tm.pace.quiet || runtime.GOMAXPROCS(0) != 1 || gov.hold.Load() {
		t.Fatalf("after the first unit on busy cores: quiet %v, GOMAXPROCS %d, hold %v; want quiet at 1, the hold over", tm.pace.quiet, runtime.GOMAXPROCS(0), gov.hold.Load())
	}
	l.busy.Store(false)
	for range 100 {
		l.unit()
	}
	if tm.pace.quiet || runtime.GOMAXPROCS(0) != 2 {
		t.Fatalf("free again: quiet %v, GOMAXPROCS %d; want parallel at 2", tm.pace.quiet, runtime.GOMAXPROCS(0))
	}

	solo := newTeam(1, func(int, int) {}, nil)
	defer solo.close()
	gov = &governor{explicit: true, set: runtime.GOMAXPROCS, setDefault: runtime.SetDefaultGOMAXPROCS, busy: func(int) bool { return true }}
	solo.gov = gov
	gov.adapt(true)
	solo.run(1, partsRun)
	solo.paced(time.Millisecond)
	if runtime.GOMAXPROCS(0) != 2 || gov.lowered.Load() {
		t.Fatalf("a team without helpers after its first unit: GOMAXPROCS %d, lowered %v; want 2", runtime.GOMAXPROCS(0), gov.lowered.Load())
	}
}
