package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/noxlang/nox/dataset"
)

// TestFeistelIsAPermutation checks, for sizes around powers of two, that
// At is a bijection of [0, n) and Pos its inverse, and that another key
// gives another permutation.
func TestFeistelIsAPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 64, 100, 1000, 4097, 65536} {
		f := NewFeistel(n, rand.New(rand.NewPCG(uint64(n), 1)))
		seen := make([]bool, n)
		moved := 0
		for i := range n {
			r := f.At(i)
			if r < 0 || r >= n || seen[r] {
				t.Fatalf("n %d: At(%d) = %d, out of range or seen before", n, i, r)
			}
			seen[r] = true
			if f.Pos(r) != i {
				t.Fatalf("n %d: Pos(At(%d)) = %d", n, i, f.Pos(r))
			}
			if r != i {
				moved++
			}
		}
		if n >= 100 && moved < n/2 {
			t.Errorf("n %d: only %d of the rows move", n, moved)
		}
	}
	a := NewFeistel(1000, rand.New(rand.NewPCG(1, 1)))
	b := NewFeistel(1000, rand.New(rand.NewPCG(2, 1)))
	same := 0
	for i := range 1000 {
		if a.At(i) == b.At(i) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("two keys agree on %d of 1000 positions", same)
	}
}

// TestNewOrderSwitchesAtPermBound: up to PermBound rows the order is
// rng.Perm's, as Split draws it; above, a Feistel network.
func TestNewOrderSwitchesAtPermBound(t *testing.T) {
	defer func(b int) { PermBound = b }(PermBound)
	PermBound = 50
	perm := rand.New(rand.NewPCG(3, 4)).Perm(50)
	o := newOrder(50, rand.New(rand.NewPCG(3, 4)))
	for i, r := range perm {
		if o.at(i) != r || o.pos(r) != i {
			t.Fatalf("position %d: order has row %d, rng.Perm %d", i, o.at(i), r)
		}
	}
	if _, ok := newOrder(51, rand.New(rand.NewPCG(3, 4))).(*Feistel); !ok {
		t.Error("51 rows over a bound of 50 are not split by a Feistel network")
	}
}

// TestStreamStatsMatchStandardization compares the one-pass statistics
// of the rows other than the held-out ones with Standardization of
// those rows in memory, on columns far from 0 and one constant column.
func TestStreamStatsMatchStandardization(t *testing.T) {
	const n, w = 300000, 3 // more than one read chunk
	rng := rand.New(rand.NewPCG(5, 6))
	rows := make([]float64, n*w)
	for i := range n {
		rows[i*w] = 1e6 + rng.NormFloat64()
		rows[i*w+1] = 3 * rng.ExpFloat64()
		rows[i*w+2] = 7
	}
	f := NewFeistel(n, rng)
	const nHeld = 5000
	isHeld := map[int]bool{}
	var held, kept []float64
	for p := range nHeld {
		r := f.At(p)
		isHeld[r] = true
		held = append(held, rows[r*w:(r+1)*w]...)
	}
	for r := range n {
		if !isHeld[r] {
			kept = append(kept, rows[r*w:(r+1)*w]...)
		}
	}
	mean, std, err := streamStats(&dataset.Table{Rows: n, Cols: w, Values: rows}, held)
	if err != nil {
		t.Fatal(err)
	}
	want := Standardization(kept, w, 0, w)
	for j := range w {
		if d := math.Abs(mean[j]-want.Mean[j]) / math.Max(1, math.Abs(want.Mean[j])); d > 1e-12 {
			t.Errorf("column %d: mean %v, want %v", j, mean[j], want.Mean[j])
		}
		if d := math.Abs(std[j]-want.Std[j]) / want.Std[j]; d > 1e-9 {
			t.Errorf("column %d: std %v, want %v", j, std[j], want.Std[j])
		}
	}
}

// rowSource is a Source of n rows of width 2 whose row r is (r, −r),
// counting its reads; from read failAt on (if positive), reads fail.
// With log set it records every read and every announcement
// (dataset.Prefetcher), in order.
type rowSource struct {
	n      int
	failAt int64
	reads  atomic.Int64
	log    bool
	events []sourceEvent
}

// sourceEvent is a read of rows [lo, hi), or their announcement.
type sourceEvent struct {
	announce bool
	lo, hi   int
}

func (s *rowSource) Len() int   { return s.n }
func (s *rowSource) Width() int { return 2 }
func (s *rowSource) WillNeed(lo, hi int) {
	if s.log {
		s.events = append(s.events, sourceEvent{true, lo, hi})
	}
}
func (s *rowSource) ReadRows(dst []float64, lo, hi int) error {
	if s.log {
		s.events = append(s.events, sourceEvent{false, lo, hi})
	}
	if k := s.reads.Add(1); s.failAt > 0 && k >= s.failAt {
		return errors.New("disk gone")
	}
	for r := lo; r < hi; r++ {
		dst[2*(r-lo)], dst[2*(r-lo)+1] = float64(r), -float64(r)
	}
	return nil
}

// poolReplay is what a pool of src with rng seeds (1, 2) holds, replayed
// from the rules of newPool, fill and refresh with an rng of its own:
// fill takes the training rows of blocks of poolBlock rows at places
// drawn one by one; then each refresh takes the next poolBlock training
// rows (all the pool's rows if fewer) of stages of sr rows at places
// drawn in order, in place of the oldest.
type poolReplay struct {
	src        *rowSource
	held       map[int]bool
	rng        *rand.Rand
	buf        []int
	head, rows int
	sr, lo, at int // the stage: its size, first row, rows looked at
}

func newPoolReplay(src *rowSource, held []int, rows int) *poolReplay {
	r := &poolReplay{src: src, held: map[int]bool{}, rng: rand.New(rand.NewPCG(1, 2))}
	for _, h := range held {
		r.held[h] = true
	}
	r.rows = max(1, min(rows, src.n-len(held)))
	b := min(poolBlock, src.n)
	for len(r.buf) < r.rows {
		lo := r.rng.IntN(src.n - b + 1)
		for k := lo; k < lo+b && len(r.buf) < r.rows; k++ {
			if !r.held[k] {
				r.buf = append(r.buf, k)
			}
		}
	}
	r.sr = min(max(poolBlock, stageBytes/8/2), src.n)
	r.at = r.sr
	return r
}

func (r *poolReplay) refresh() {
	for n := min(poolBlock, r.rows); n > 0; {
		if r.at == r.sr {
			r.lo, r.at = r.rng.IntN(r.src.n-r.sr+1), 0
		}
		k := r.lo + r.at
		r.at++
		if r.held[k] {
			continue
		}
		r.buf[r.head] = k
		r.head = (r.head + 1) % r.rows
		n--
	}
}

// TestPoolRefresh checks the pool of a streamed source against a replay
// of its rules (poolReplay): after filling and after each of 80
// refreshes it holds exactly the replay's rows, whole and in the same
// places, so that no row is dropped, repeated or held out wrongly at a
// stage's ends or between refreshes, and the stages whose places were
// drawn ahead (stageAhead) are those a draw on the spot gives. The cases: held rows scattered, in
// runs, and at places around the stages' ends; a pool smaller than
// poolBlock; a source no larger than one stage. The rows come from a
// read every few steps, not one a step (a read took 9 µs of a moons
// step of ~80 before the stage, bench/README.md): at most the stages
// used, none read ahead (they are announced: dataset.WillNeed). A read
// that fails stops the refreshes with its error.
func TestPoolRefresh(t *testing.T) {
	for _, c := range []struct {
		name      string
		n, rows   int
		heldEvery int
		heldRuns  bool
	}{
		{"scattered", 1 << 20, 4*poolBlock + 3, 97, false},
		{"runs", 1 << 20, 4*poolBlock + 3, 61, true},
		{"small pool", 1 << 20, 100, 97, true},
		{"one stage", 1500, 600, 13, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := &rowSource{n: c.n, log: true}
			var held []int
			for r := 5; r < src.n; r += c.heldEvery {
				held = append(held, r)
				if c.heldRuns && r%3 == 0 {
					held = append(held, r+1, r+2)
				}
			}
			held = slices.Compact(held)
			p := newPool(src, held, c.rows, rand.New(rand.NewPCG(1, 2)))
			if err := p.fill(); err != nil {
				t.Fatal(err)
			}
			ref := newPoolReplay(src, held, c.rows)
			check := func(when string) {
				t.Helper()
				if p.rows != ref.rows {
					t.Fatalf("%s: %d rows, replay %d", when, p.rows, ref.rows)
				}
				for i, r := range ref.buf {
					if p.buf[2*i] != float64(r) || p.buf[2*i+1] != -float64(r) {
						t.Fatalf("%s: pool row %d is (%v, %v), replay row %d", when, i, p.buf[2*i], p.buf[2*i+1], r)
					}
				}
			}
			check("filled")
			reads := src.reads.Load()
			const steps = 80
			for step := range steps {
				if err := p.refresh(); err != nil {
					t.Fatal(err)
				}
				ref.refresh()
				check(fmt.Sprintf("step %d", step))
			}
			// Stages used: the rows looked at over the stage size,
			// rounded up (the one begun).
			sr := len(p.stage) / 2
			looked := steps * min(poolBlock, p.rows) * c.n
			used := int64((looked + (c.n-len(held))*sr - 1) / ((c.n - len(held)) * sr))
			if n := src.reads.Load() - reads; n > used {
				t.Errorf("%d refreshes read the source %d times, want at most %d", steps, n, used)
			}
			checkAnnounced(t, src.events, sr)
		})
	}
	t.Run("read error", func(t *testing.T) {
		src := &rowSource{n: 1 << 20}
		p := newPool(src, nil, 4*poolBlock, rand.New(rand.NewPCG(1, 2)))
		if err := p.fill(); err != nil {
			t.Fatal(err)
		}
		src.failAt = src.reads.Load() + 3
		var err error
		for range 100 {
			if err = p.refresh(); err != nil {
				break
			}
		}
		if err == nil || err.Error() != "disk gone" {
			t.Fatalf("refresh after a failed read: %v", err)
		}
		if again := p.refresh(); again != err {
			t.Errorf("the next refresh: %v, want the same error", again)
		}
	})
}

// checkAnnounced checks a pool's reads and announcements of stages (sr
// rows; the fill's blocks are smaller) in events: a stage's turn
// announces the stages it has newly drawn, then reads its own; every
// stage read but the first was announced at an earlier turn, in the
// order read; and after each read exactly the next stageAhead stages
// are announced and not yet read.
func checkAnnounced(t *testing.T, events []sourceEvent, sr int) {
	t.Helper()
	var pending []sourceEvent // announced, not yet read, in order
	stages := 0
	for i, e := range events {
		if e.hi-e.lo != sr {
			continue
		}
		if e.announce {
			pending = append(pending, e)
			continue
		}
		stages++
		if stages > 1 {
			if len(pending) == 0 || pending[0] != (sourceEvent{true, e.lo, e.hi}) {
				t.Fatalf("event %d: stage %d, rows [%d, %d), not the next announced (announced: %v)", i, stages, e.lo, e.hi, pending)
			}
			pending = pending[1:]
		}
		if len(pending) != stageAhead {
			t.Fatalf("at stage %d's read, %d stages announced ahead, want %d", stages, len(pending), stageAhead)
		}
	}
	if stages < 2 {
		t.Fatalf("%d stages read: too few to check the announcements", stages)
	}
}

// TestPoolRefreshAllocs: a pool's refresh allocates nothing, its reads
// and their announcements (dataset.WillNeed) included, so that streamed
// training allocates no more a step than training on rows in memory.
func TestPoolRefreshAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	src := &rowSource{n: 1 << 20}
	p := newPool(src, []int{7, 8, 9, 5000}, 4*poolBlock, rand.New(rand.NewPCG(1, 2)))
	if err := p.fill(); err != nil {
		t.Fatal(err)
	}
	p.refresh() // draws the first places
	// A run is a stage's worth of refreshes and more, so that it reads
	// at least once (AllocsPerRun rounds the mean down).
	k := len(p.stage)/2/poolBlock + 1
	if n := testing.AllocsPerRun(50, func() {
		for range k {
			if err := p.refresh(); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Errorf("%d refreshes allocate %v times", k, n)
	}
}
