package train

import (
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
// counting its reads (which the pool makes on another goroutine).
type rowSource struct {
	n     int
	reads atomic.Int64
}

func (s *rowSource) Len() int   { return s.n }
func (s *rowSource) Width() int { return 2 }
func (s *rowSource) ReadRows(dst []float64, lo, hi int) error {
	s.reads.Add(1)
	for r := lo; r < hi; r++ {
		dst[2*(r-lo)], dst[2*(r-lo)+1] = float64(r), -float64(r)
	}
	return nil
}

// TestPoolRefresh checks the pool of a streamed source: it holds only
// training rows, whole; each refresh puts poolBlock new training rows in
// place of the oldest, in the order the stage read them (consecutive
// rows of the source, held-out rows left out); and the rows come from
// one read every few steps, not one a step (a read took 9 µs of a
// moons step of ~80 before the stage, bench/README.md).
func TestPoolRefresh(t *testing.T) {
	src := &rowSource{n: 1 << 20}
	var held []int
	for r := 5; r < src.n; r += 97 {
		held = append(held, r)
	}
	isHeld := func(r int) bool { _, ok := slices.BinarySearch(held, r); return ok }
	p := newPool(src, held, 4*poolBlock+3, rand.New(rand.NewPCG(1, 2)))
	if err := p.fill(); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		for i := range p.rows {
			r := p.buf[2*i]
			if r != math.Trunc(r) || r < 0 || int(r) >= src.n || p.buf[2*i+1] != -r || isHeld(int(r)) {
				t.Fatalf("%s: pool row %d is (%v, %v)", when, i, r, p.buf[2*i+1])
			}
		}
	}
	check("filled")
	reads := src.reads.Load()
	const steps = 64
	for step := range steps {
		before := slices.Clone(p.buf)
		head := p.head
		if err := p.refresh(); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("step %d", step))
		// The rows written are the poolBlock from head on, wrapping.
		var got []float64
		for k := range poolBlock {
			i := (head + k) % p.rows
			got = append(got, p.buf[2*i])
			before[2*i], before[2*i+1] = p.buf[2*i], p.buf[2*i+1]
		}
		if !slices.Equal(before, p.buf) {
			t.Fatalf("step %d: rows outside the %d from %d changed", step, poolBlock, head)
		}
		if p.head != (head+poolBlock)%p.rows {
			t.Fatalf("step %d: head %d, want %d", step, p.head, (head+poolBlock)%p.rows)
		}
		// Consecutive training rows, unless a new stage began.
		for k := 1; k < len(got); k++ {
			if r0, r1 := int(got[k-1]), int(got[k]); r1 != r0+1 && !(r1 == r0+2 && isHeld(r0+1)) {
				stage := len(p.stage) / 2
				if r1 < p.stageLo || r1 >= p.stageLo+stage {
					t.Fatalf("step %d: row %d after row %d, not from the stage [%d, %d)", step, r1, r0, p.stageLo, p.stageLo+stage)
				}
			}
		}
	}
	p.close()
	if n := src.reads.Load() - reads; n > steps/8+2 {
		t.Errorf("%d refreshes read the source %d times, want at most %d", steps, n, steps/8+2)
	}
}
